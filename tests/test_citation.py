"""Citable: CITATION.cff is valid CFF 1.2.0, the version and date come from the latest git tag
(with a clear fallback before the first tag), the licences are stated alike everywhere, and
the changelog fits the report's annex."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from helpers.paths import REPORT_DIR, ROOT
from helpers.report import release

SCHEMA = ROOT / "tests" / "schemas" / "citation-file-format-1.2.0.json"


def cff_errors(meta: dict) -> list[str]:
    """Problems of a CFF mapping against the CFF 1.2.0 JSON schema (shipped in tests/schemas,
    from the cffconvert 2.0.0 package), with format checks (dates, URLs)."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    return [error.message for error in validator.iter_errors(meta)]


def load_cff() -> dict:
    """CITATION.cff read as YAML 1.2 would read it (dates stay strings, as the schema wants)."""
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    return yaml.load(text, Loader=yaml.BaseLoader)


def test_citation_cff_is_valid_cff_1_2_0() -> None:
    meta = load_cff()
    assert cff_errors(meta) == []
    assert meta["cff-version"] == "1.2.0"
    assert meta["authors"] == [{"name": "ics-deficits contributors"}]
    assert meta["license"] == release.LICENCES["code"] == "MIT"


def test_the_schema_check_catches_broken_citations() -> None:
    meta = load_cff()
    assert cff_errors({key: value for key, value in meta.items() if key != "authors"})
    assert cff_errors({**meta, "date-released": "7 December 2026"})
    assert cff_errors({**meta, "licence": "MIT"})  # a misspelt key


def test_citation_version_follows_the_latest_tag() -> None:
    meta = load_cff()
    latest = release.latest_release(ROOT)
    if latest.tag is None:
        assert meta["version"] == release.NO_TAG_VERSION and "date-released" not in meta
        assert latest.version.startswith(f"{release.NO_TAG_VERSION}+")
    else:
        assert meta["version"] == latest.version and meta["date-released"] == latest.date


def _git(folder: Path, *arguments: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *arguments],
        cwd=folder,
        check=True,
        capture_output=True,
        env={"GIT_COMMITTER_DATE": "2026-03-04T10:00:00", "GIT_AUTHOR_DATE": "2026-03-04T10:00"},
    )


def test_version_and_date_come_from_the_latest_tag(tmp_path: Path) -> None:
    assert release.latest_release(tmp_path) == release.Release("0.0.0+unknown", None, None, None)
    _git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("a")
    _git(tmp_path, "add", "a.txt")
    _git(tmp_path, "commit", "-q", "-m", "first")
    untagged = release.latest_release(tmp_path)
    assert re.fullmatch(r"0\.0\.0\+[0-9a-f]{7}", untagged.version), untagged
    assert untagged.date == "2026-03-04" and untagged.tag is None
    _git(tmp_path, "tag", "-a", "v1.2.0", "-m", "release 1.2.0")
    tagged = release.latest_release(tmp_path)
    assert (tagged.version, tagged.date, tagged.tag) == ("1.2.0", "2026-03-04", "v1.2.0")


def test_suggested_citation() -> None:
    meta = load_cff()
    untagged = release.suggested_citation(
        release.Release("0.0.0+abc1234", "2026-12-07", None, "abc1234"), meta
    )
    assert untagged == (
        f"ics-deficits contributors (2026). {meta['title']}. Version 0.0.0+abc1234. "
        "DOI: to be assigned."
    )
    tagged = release.suggested_citation(
        release.Release("1.0.0", "2027-01-02", "v1.0.0", "abc1234"),
        {**meta, "doi": "10.5281/zenodo.1"},
    )
    assert "(2027)" in tagged and "Version 1.0.0, released 2027-01-02." in tagged
    assert tagged.endswith("https://doi.org/10.5281/zenodo.1.")


def test_licences_are_stated_alike_in_license_and_readme() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert licence.startswith("MIT License")
    for name in release.LICENCES.values():
        assert name in licence and name in readme, name
    variables = release.release_variables(ROOT)
    assert variables["licence_data"] == "Open Government Licence v3.0"


def test_the_changelog_fits_the_annex() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^(#+) ", changelog, flags=re.MULTILINE)
    assert headings and set(headings) == {"####"}  # under the annex's "Changelog" heading
    assert "{{< include ../CHANGELOG.md >}}" in (REPORT_DIR / "index.qmd").read_text()


@pytest.mark.parametrize(
    ("state", "note"), [("clean", ""), ("uncommitted changes", " (uncommitted changes)")]
)
def test_uncommitted_changes_are_printed_only_for_a_dirty_tree(
    monkeypatch: pytest.MonkeyPatch, state: str, note: str
) -> None:
    from helpers.report import article_numbers

    monkeypatch.setattr(article_numbers, "git_commit", lambda root: ("abc", state))
    assert article_numbers.provenance("test")["git_state_note"] == note
