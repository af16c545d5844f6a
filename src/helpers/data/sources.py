"""The catalogue of raw inputs (``data/sources.yaml``): reading it, building it from a MANIFEST."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import urlsplit

import yaml

from helpers.errors import DataError
from helpers.paths import SOURCES_FILE
from helpers.yaml_files import parse_yaml

READER_BY_EXTENSION: dict[str, str] = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".rda": "rda",
    ".parquet": "parquet",
}
REQUIRED_FIELDS: tuple[str, ...] = ("dataset_id", "file", "official_source", "licence", "reader")


@dataclass(frozen=True)
class Source:
    """One raw input file. ``sha256`` and ``url`` are None for the project's own curated files."""

    dataset_id: str
    file: str
    sha256: str | None
    bytes: int | None
    url: str | None
    official_source: str
    licence: str
    reader: str
    origin: str  # "mirrored" (public file, fetched by hash) or "curated" (committed here)
    header_line: int = 1  # 1-based line of a CSV's header row (Nomis exports have a preamble)

    @property
    def is_curated(self) -> bool:
        """True for the project's own cited fact tables under data/raw/curated/."""
        return self.origin == "curated"


def reader_for(file_name: str) -> str:
    """Name of the reader format for a file, from its extension."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in READER_BY_EXTENSION:
        raise DataError(f"{file_name}: no reader for extension '{suffix}'")
    return READER_BY_EXTENSION[suffix]


def _header_line(format_text: str) -> int:
    """The header line a MANIFEST format text states ('header on line 6'), else 1."""
    match = re.search(r"header on line (\d+)", format_text)
    return int(match.group(1)) if match else 1


#: MANIFEST files the project does not catalogue, with the reason.
MERGED_FILES: dict[str, str] = {
    "curated/ics_finance_panel_additions.csv": "rows merged into curated/ics_finance_panel.csv",
}


def manifest_to_sources(manifest_csv: Path) -> list[dict[str, object]]:
    """Turn a mirror MANIFEST.csv into the entries of ``data/sources.yaml`` (sorted by file).

    Files in :data:`MERGED_FILES` are left out (their content lives in another catalogued file).
    """
    entries: list[dict[str, object]] = []
    with manifest_csv.open(newline="", encoding="utf-8") as handle:
        for line_number, row in enumerate(csv.DictReader(handle), start=2):
            if not row.get("file"):
                raise DataError(f"{manifest_csv}: row {line_number} has no 'file'")
            if row["file"] in MERGED_FILES:
                continue
            curated = row["dataset_id"] == "curated"
            entries.append(
                {
                    "dataset_id": row["dataset_id"],
                    "file": row["file"],
                    "origin": "curated" if curated else "mirrored",
                    "sha256": None if curated else row["sha256"],
                    "bytes": None if curated else int(row["bytes"]),
                    "url": row["download_url"] or None,
                    "official_source": row["official_source"],
                    "licence": row["licence"],
                    "reader": reader_for(row["file"]),
                    "header_line": _header_line(row["format"]),
                    "notes": row["notes"],
                }
            )
    return sorted(entries, key=lambda entry: str(entry["file"]))


def _unsafe_entry(entry: dict[str, object]) -> str | None:
    """Why a catalogue entry is refused (a path leaving data/raw, a non-https URL), else None."""
    file = str(entry["file"])
    parts = PurePosixPath(file.replace("\\", "/")).parts
    if file.startswith(("/", "\\", "~")) or PureWindowsPath(file).drive or ".." in parts:
        return f"file {file!r} must be a relative path inside data/raw (no '..', not absolute)"
    url = entry.get("url")
    if url is not None and not is_https_url(str(url)):
        return f"url {url!r} must be an https:// address with a host"
    return None


def is_https_url(url: str) -> bool:
    """True for an ``https://`` address with a real host name (a dot, no spaces)."""
    parsed = urlsplit(url)
    host = parsed.hostname or ""
    return (
        parsed.scheme == "https"
        and "." in host
        and not host.startswith(".")
        and not host.endswith(".")
        and not any(ch.isspace() for ch in url)
    )


def load_sources(path: Path = SOURCES_FILE) -> list[Source]:
    """Read and check ``data/sources.yaml``; raise DataError naming the entry at fault."""
    document = parse_yaml(path.read_text(encoding="utf-8"))
    raw_entries = document.get("sources") if isinstance(document, dict) else None
    if not isinstance(raw_entries, list):
        raise DataError(f"{path}: expected a top-level 'sources' list")
    sources: list[Source] = []
    for index, entry in enumerate(raw_entries):
        missing = [name for name in REQUIRED_FIELDS if not entry.get(name)]
        if missing:
            raise DataError(f"{path}: source #{index} ({entry.get('file')}) lacks {missing}")
        unsafe = _unsafe_entry(entry)
        if unsafe:
            raise DataError(f"{path}: source #{index} ({entry.get('file')}): {unsafe}")
        origin = entry.get("origin", "mirrored")
        if origin == "mirrored" and not (entry.get("sha256") and entry.get("url")):
            raise DataError(f"{path}: mirrored source {entry['file']} needs sha256 and url")
        sources.append(
            Source(
                dataset_id=entry["dataset_id"],
                file=entry["file"],
                sha256=entry.get("sha256"),
                bytes=entry.get("bytes"),
                url=entry.get("url"),
                official_source=entry["official_source"],
                licence=entry["licence"],
                reader=entry["reader"],
                origin=origin,
                header_line=int(entry.get("header_line", 1)),
            )
        )
    return sources


def source_by_file(file: str, path: Path = SOURCES_FILE) -> Source:
    """The catalogue entry for one file key such as 'imd/imd2025_england_icb24.rda'."""
    for source in load_sources(path):
        if source.file == file:
            return source
    raise DataError(f"{path}: no source with file '{file}'")


SOURCES_HEADER = (
    "# Catalogue of every raw input: built from the data mirror's MANIFEST.csv by\n"
    "# `python -m helpers.data.sources ../shared/data/MANIFEST.csv`. Mirrored files are fetched by\n"  # noqa: E501
    "# sha256 (data/raw, then $ICSFIN_DATA_MIRROR, then the commit-pinned url); curated files are\n"
    "# the project's own cited facts, committed under data/raw/curated/.\n"
)


def load_periods(path: Path = SOURCES_FILE) -> dict[str, str]:
    """Period covered by each dataset (``periods`` in ``data/sources.yaml``), by dataset id."""
    if not path.is_file():
        return {}
    document = parse_yaml(path.read_text(encoding="utf-8")) or {}
    return {str(key): str(value) for key, value in (document.get("periods") or {}).items()}


def write_sources(
    entries: list[dict[str, object]], periods: dict[str, str], path: Path = SOURCES_FILE
) -> None:
    """Write catalogue entries and dataset periods to ``data/sources.yaml`` (stable layout)."""
    document = {"periods": dict(sorted(periods.items())), "sources": entries}
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(SOURCES_HEADER + body, encoding="utf-8")


def project_curated_entries(path: Path = SOURCES_FILE) -> list[dict[str, object]]:
    """Curated entries the project added itself (not in any MANIFEST), to keep on rebuild."""
    if not path.is_file():
        return []
    document = parse_yaml(path.read_text(encoding="utf-8")) or {}
    return [
        entry
        for entry in document.get("sources", [])
        if entry.get("origin") == "curated" and entry.get("added_by_project")
    ]


def rebuild(manifest_csv: Path, path: Path = SOURCES_FILE) -> None:
    """Rebuild the catalogue from a MANIFEST, keeping periods and the project's own entries."""
    entries = manifest_to_sources(manifest_csv) + project_curated_entries(path)
    write_sources(sorted(entries, key=lambda entry: str(entry["file"])), load_periods(path), path)


if __name__ == "__main__":
    import sys

    rebuild(Path(sys.argv[1]))
