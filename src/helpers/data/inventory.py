"""Inventory of the raw inputs: one row per file with size, verified hash, shape and provenance."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.data.acquire import sha256_of
from helpers.data.readers._common import (
    rda_shape,
    read_csv_file,
    read_rda_frame,
    read_rda_frame_rdata,
    workbook_dimensions,
)
from helpers.data.sources import Source
from helpers.errors import DataError
from helpers.report.tables import PeopleTable, people_table

INVENTORY_COLUMNS: list[str] = [
    "dataset_id",
    "file",
    "origin",
    "bytes",
    "sha256",
    "sha256_check",
    "rows",
    "columns",
    "shape_note",
    "period",
    "official_source",
    "licence",
    "publisher",
    "url",
]


def csv_shape(path: Path, header_line: int = 1) -> tuple[int, int]:
    """Data rows and columns of a CSV whose header is on ``header_line`` (1-based)."""
    frame = read_csv_file(path, skiprows=header_line - 1, low_memory=False, encoding="utf-8-sig")
    return len(frame), frame.shape[1]


def xlsx_shape(path: Path) -> tuple[int, int, str]:
    """Rows and columns of a workbook's largest sheet (header and preamble rows included)."""
    sizes = workbook_dimensions(path)
    largest = max(sizes, key=lambda title: sizes[title][0])
    rows, columns = sizes[largest]
    return rows, columns, f"{len(sizes)} sheets; largest '{largest}' (rows incl. preamble)"


def parquet_shape(path: Path) -> tuple[int, int]:
    """Rows and columns of a Parquet file, from its metadata."""
    import pyarrow.parquet as pq

    metadata = pq.ParquetFile(path).metadata
    return metadata.num_rows, metadata.num_columns


def file_shape(path: Path, source: Source) -> tuple[int, int, str]:
    """Rows, columns and a note on how they were counted, by the file's reader format."""
    if source.reader == "csv":
        rows, columns = csv_shape(path, source.header_line)
        note = f"header on line {source.header_line}" if source.header_line > 1 else ""
        return rows, columns, note
    if source.reader == "xlsx":
        return xlsx_shape(path)
    if source.reader == "parquet":
        rows, columns = parquet_shape(path)
        return rows, columns, ""
    rows, columns = rda_data_frame_shape(path)
    return rows, columns, "R data frame"


def rda_data_frame_shape(path: Path) -> tuple[int, int]:
    """Rows and columns of an ``.rda`` data frame: from the start of its serialised stream
    (:func:`rda_shape`, no parsing), else by reading the whole frame."""
    try:
        return rda_shape(path)
    except DataError:
        pass
    try:
        frame = read_rda_frame(path)
    except DataError:  # an object pyreadr cannot decode (sf geometry): the slower rdata can
        frame = read_rda_frame_rdata(path)
    return len(frame), frame.shape[1]


def sha256_check(source: Source, actual: str) -> str:
    """'verified' when the file's hash equals the catalogue's; curated files are git-tracked."""
    if source.is_curated:
        return "curated (tracked in git)"
    return "verified" if actual == source.sha256 else "MISMATCH"


def publisher(official_source: str) -> str:
    """Who published a source: the catalogue's official-source text before its first ' - ';
    for the project's own curated tables, 'this project' (their description names files)."""
    if official_source.startswith("compiled by this project"):
        return "this project (each row cites its source)"
    return official_source.split(" - ", 1)[0].strip()


def inventory_row(source: Source, path: Path, period: str) -> dict[str, object]:
    """One inventory row for a file that has been acquired (and so verified) at ``path``."""
    actual = sha256_of(path)
    rows, columns, note = file_shape(path, source)
    return {
        "dataset_id": source.dataset_id,
        "file": source.file,
        "origin": source.origin,
        "bytes": path.stat().st_size,
        "sha256": actual,
        "sha256_check": sha256_check(source, actual),
        "rows": rows,
        "columns": columns,
        "shape_note": note,
        "period": period,
        "official_source": source.official_source,
        "licence": source.licence,
        "publisher": publisher(source.official_source),
        "url": source.url or "",
    }


def build_inventory(
    sources: list[Source], paths: list[Path], periods: dict[str, str]
) -> pd.DataFrame:
    """The inventory table, one row per source file, sorted by file."""
    rows = [
        inventory_row(source, path, periods.get(source.dataset_id, ""))
        for source, path in zip(sources, paths, strict=True)
    ]
    return pd.DataFrame(rows, columns=INVENTORY_COLUMNS).sort_values("file", ignore_index=True)


def summarise_by_dataset(source_inventory: pd.DataFrame) -> pd.DataFrame:
    """Files, megabytes and rows per dataset, with the period covered, sorted by dataset."""
    grouped = source_inventory.groupby("dataset_id", sort=True)
    summary = grouped.agg(
        files=("file", "size"),
        megabytes=("bytes", lambda values: round(values.sum() / 1e6, 2)),
        rows=("rows", "sum"),
        period=("period", "first"),
    )
    return summary.reset_index()


def inventory_people_table(source_inventory: pd.DataFrame) -> PeopleTable:
    """Every raw file for the appendix: publisher, licence, SHA-256, pinned address, period."""
    frame = source_inventory.assign(
        megabytes=source_inventory["bytes"] / 1e6,
        address=source_inventory["url"].fillna(""),
        address_text=[
            "download (pinned commit)" if url else "in this repository"
            for url in source_inventory["url"].fillna("")
        ],
    )
    frame.loc[frame["address"] == "", "address"] = None
    return people_table(
        frame,
        {
            "file": "File",
            "publisher": "Publisher",
            "licence": "Licence",
            "period": "Period",
            "rows": "Rows",
            "megabytes": "Size, MB",
            "sha256": "SHA-256",
            "sha256_check": "Check",
            "address": "Pinned address",
        },
        formats={"file": "code", "rows": "int", "megabytes": "2dp", "sha256": "code"},
        links={"address": "address_text"},
        name="tbl-source-inventory",
    )
