"""The report's version, release date and suggested citation, from git and ``CITATION.cff``.

The version is the latest annotated or lightweight tag reachable from HEAD (``v1.2.0`` gives
``1.2.0``) and the release date is that tag's commit date. With no tag yet, the version is
``0.0.0+<short commit>`` and the date is HEAD's commit date; without git it is ``0.0.0+unknown``
and no date. ``CITATION.cff`` holds the title, authors and licence; its ``version`` and
``date-released`` must match the latest tag once there is one (checked by the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.paths import ROOT
from helpers.repository import git_output
from helpers.yaml_files import parse_yaml

CITATION_FILE = "CITATION.cff"
NO_TAG_VERSION = "0.0.0"
#: What the licences cover, in one place (README, LICENSE and the report say the same).
LICENCES = {
    "code": "MIT",
    "text": "CC BY 4.0",
    "data": "Open Government Licence v3.0",
}


@dataclass(frozen=True)
class Release:
    """A build's version: ``tag`` is None before the first release."""

    version: str
    date: str | None
    tag: str | None
    commit: str | None


def latest_release(root: Path = ROOT) -> Release:
    """The latest tag's version and date, or the ``0.0.0+<commit>`` fallback."""
    commit = git_output(root, "rev-parse", "--short=7", "HEAD")
    tag = git_output(root, "describe", "--tags", "--abbrev=0") if commit else None
    if tag:
        date = git_output(root, "log", "-1", "--format=%cs", f"{tag}^{{commit}}")
        return Release(version=tag.removeprefix("v"), date=date, tag=tag, commit=commit)
    date = git_output(root, "log", "-1", "--format=%cs") if commit else None
    return Release(
        version=f"{NO_TAG_VERSION}+{commit or 'unknown'}", date=date, tag=None, commit=commit
    )


def citation_metadata(root: Path = ROOT) -> dict[str, Any]:
    """``CITATION.cff`` as a mapping; a missing or malformed file is an error naming it."""
    path = root / CITATION_FILE
    if not path.is_file() and root != ROOT:  # a report built outside the repository (tests)
        path = ROOT / CITATION_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    meta = parse_yaml(path.read_text(encoding="utf-8"))
    if not isinstance(meta, dict) or "title" not in meta or "authors" not in meta:
        raise ValueError(f"{path}: expected a CFF mapping with 'title' and 'authors'")
    return meta


def author_list(meta: dict[str, Any]) -> str:
    """The authors of a CFF mapping as one string (entities by name, persons by family name
    and given names)."""
    names = []
    for author in meta["authors"]:
        if "name" in author:
            names.append(str(author["name"]))
        else:
            names.append(f"{author.get('family-names', '')}, {author.get('given-names', '')}")
    return "; ".join(names)


def suggested_citation(release: Release, meta: dict[str, Any]) -> str:
    """How to cite this build: authors (year). Title. Version, date. Where. Licences."""
    year = release.date[:4] if release.date else "n.d."
    when = f", released {release.date}" if release.tag and release.date else ""
    where = f" {meta['repository-code']}." if meta.get("repository-code") else ""
    doi = f" https://doi.org/{meta['doi']}." if meta.get("doi") else " DOI: to be assigned."
    return (
        f"{author_list(meta)} ({year}). {meta['title']}. Version {release.version}{when}."
        f"{where}{doi}"
    )


def release_variables(root: Path = ROOT) -> dict[str, str]:
    """The ``release`` entries of ``report/_variables.yml``: version, date, citation, licences."""
    release = latest_release(root)
    meta = citation_metadata(root)
    return {
        "version": release.version,
        "date": release.date or "unknown",
        "status": f"release {release.tag}" if release.tag else "unreleased (no git tag yet)",
        "citation": suggested_citation(release, meta),
        "licence_code": LICENCES["code"],
        "licence_text": LICENCES["text"],
        "licence_data": LICENCES["data"],
    }
