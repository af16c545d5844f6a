"""Reader for the NHS England ICB allocation workbooks (2023/24-2024/25 v1.2 and 2025/26).

Each sheet is a wide table: a header row naming ``R23``, ``Region``, ``ICB23`` and the ICB name
column, then one row per ICB (42), then a regional block and an ``ENGLAND`` total row. Value
headers start with a financial year ('2023/24 Recurrent allocation (£k)'). The readers return a
long table, one row per organisation x financial year x item, in source units.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.data.readers._common import (
    acquired,
    choose,
    require_columns,
    snake_case,
    workbook_rows,
    workbook_sheets,
)
from helpers.errors import DataError

LOGGER = logging.getLogger(__name__)
REGION_HEADER = "R23"
CODE_HEADER = "ICB23"
REGION_NAME_HEADER = "Region"
HEADER_COLUMNS: tuple[str, ...] = (REGION_HEADER, REGION_NAME_HEADER, CODE_HEADER)
CORE_SHEET_PREFIX = "ICB Core"
#: Sheets of the other funding streams an ICB receives besides core services: primary medical
#: care (PMC), other primary care (dental, ophthalmic, pharmacy; 2025/26: 'POD') and the ICB's
#: own running cost allowance.
STREAM_SHEET_PREFIXES: tuple[str, ...] = (
    "PMC Allocation",
    "Other Primary Care",
    "POD Allocation",
    "ICB running cost allowance",
)
N_ICBS = 42
_YEAR_HEADER = re.compile(r"^\s*(\d{4}/\d{2})\s+(.+?)\s*$", re.DOTALL)
_UNITS: tuple[tuple[str, str], ...] = (
    (r"\(\s*£k\s*\)|£k\s*$", "gbp_k"),
    (r"\(\s*%\s*\)|%\s*$", "fraction"),
    (r"£\s*/\s*head|£\s*per\s*head", "gbp_per_head"),
)
OUTPUT_COLUMNS: tuple[str, ...] = (
    "sheet",
    "org_level",
    "org_code",
    "org_name",
    "region_code",
    "region_name",
    "financial_year",
    "item",
    "unit",
    "value",
)


def parse_value_header(header: str) -> tuple[str, str, str] | None:
    """Split '2023/24 Recurrent allocation \\n(£k)' into
    ('2023/24', 'recurrent_allocation_gbp_k', 'gbp_k'): year, item (snake_case label with the
    unit as suffix, none when unspecified) and unit.

    Units: 'gbp_k' for (£k) or a trailing £k, 'fraction' for (%) or a trailing % (cells hold
    fractions, 0.0194 = 1.94%), 'gbp_per_head' for £/head, 'unspecified' when the header names
    none. None when the header does not start with a financial year.
    """
    match = _YEAR_HEADER.match(str(header))
    if match is None:
        return None
    year, label = match.groups()
    unit = "unspecified"
    for pattern, name in _UNITS:
        if re.search(pattern, label):
            unit = name
            label = re.sub(pattern, " ", label)
            break
    name = snake_case(label)
    if unit == "unspecified":
        return year, name, unit
    return year, f"{name}_{unit}" if name else unit, unit


def to_number(cell: Any) -> float:
    """Numeric value of a cell: numbers as they are; text such as ' 94,591,175 ', '3.44% ' or
    ' -' (zero) parsed; empty cells NaN. Raises ValueError for other text."""
    if cell is None:
        return math.nan
    if isinstance(cell, bool):
        raise ValueError(f"unexpected boolean cell {cell!r}")
    if isinstance(cell, int | float):
        return float(cell)
    text = str(cell).strip().replace(",", "")
    if text == "":
        return math.nan
    if text == "-":
        return 0.0
    if text.endswith("%"):
        return float(text[:-1]) / 100.0
    return float(text)


def _find_header(rows: list[tuple[Any, ...]], path: Path, sheet: str) -> int:
    """Index of the first row holding the ICB code header ``ICB23``; DataError naming it if none."""
    for index, row in enumerate(rows[:20]):
        if any(isinstance(c, str) and c.strip() == CODE_HEADER for c in row):
            return index
    raise DataError(f"{path} [sheet {sheet!r}]: expected column(s) ['{CODE_HEADER}'] not found")


def read_allocation_sheet(
    path: Path, sheet: str, org_levels: tuple[str, ...] = ("icb", "region", "england")
) -> pd.DataFrame:
    """Long table of one allocation sheet: ICB, region and England rows.

    Columns: sheet, org_level ('icb', 'region', 'england'), org_code (ICB Q-code, region Y-code or
    'ENG'), org_name, region_code, region_name (NHS England region; as published, for ICB and
    region rows), financial_year ('2023/24'), item (snake_case header without year and unit),
    unit ('gbp_k', 'fraction', 'gbp_per_head', 'unspecified'), value (float, source units).
    ``org_levels`` keeps only those rows (some sheets repeat their regional block).
    """
    rows = workbook_rows(path, sheet)
    header_index = _find_header(rows, path, sheet)
    header = [str(c).strip() if c is not None else "" for c in rows[header_index]]
    require_columns(pd.DataFrame(columns=header), HEADER_COLUMNS, f"{path} [sheet {sheet!r}]")
    code_at = header.index(CODE_HEADER)
    name_at = code_at + 1
    region_at = header.index(REGION_HEADER)
    region_name_at = header.index(REGION_NAME_HEADER)
    values = {
        i: parsed
        for i, raw in enumerate(rows[header_index])
        if raw is not None and (parsed := parse_value_header(str(raw))) is not None
    }
    records: list[dict[str, Any]] = []
    for number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        cells = list(row) + [None] * (len(header) - len(row))
        code = str(cells[code_at]).strip() if cells[code_at] is not None else ""
        if re.fullmatch(r"Q[A-Z0-9]{2}", code):
            level, region_code, region_name = "icb", cells[region_at], cells[region_name_at]
        elif re.fullmatch(r"Y\d{2}", code):
            level, region_code, region_name = "region", code, cells[name_at]
        elif code == "Total":
            level, code, region_code, region_name = "england", "ENG", None, None
        else:
            continue
        for column, (year, item, unit) in values.items():
            try:
                value = to_number(cells[column])
            except ValueError as error:
                raise DataError(
                    f"{path} [sheet {sheet!r}] row {number}, column {header[column]!r}: "
                    f"unreadable value {cells[column]!r}"
                ) from error
            records.append(
                {
                    "sheet": sheet,
                    "org_level": level,
                    "org_code": code,
                    "org_name": cells[name_at],
                    "region_code": region_code,
                    "region_name": region_name,
                    "financial_year": year,
                    "item": item,
                    "unit": unit,
                    "value": value,
                }
            )
    frame = pd.DataFrame.from_records(records, columns=list(OUTPUT_COLUMNS))
    frame = frame[frame["org_level"].isin(org_levels)]
    text = [c for c in OUTPUT_COLUMNS if c != "value"]
    frame[text] = frame[text].astype("string")
    frame["value"] = frame["value"].astype("float64")
    keys = ["org_level", "org_code", "financial_year", "item"]
    duplicated = frame.duplicated(keys)
    if duplicated.any():
        items = frame.loc[duplicated, "item"].unique()[:5]
        raise DataError(f"{path} [sheet {sheet!r}]: duplicated items {items}")
    return frame.sort_values(keys).reset_index(drop=True)


def read_core_allocations(path: Path) -> pd.DataFrame:
    """All 'ICB Core ...' sheets of a workbook, long (see :func:`read_allocation_sheet`).

    Raises DataError unless each sheet has exactly 42 ICB codes and an England total row.
    """
    sheets = [name for name in workbook_sheets(path) if name.startswith(CORE_SHEET_PREFIX)]
    if not sheets:
        raise DataError(f"{path}: no sheet whose name starts with {CORE_SHEET_PREFIX!r}")
    frames = []
    for sheet in sheets:
        frame = read_allocation_sheet(path, sheet)
        n_icbs = frame.loc[frame["org_level"] == "icb", "org_code"].nunique()
        if n_icbs != N_ICBS or not (frame["org_level"] == "england").any():
            raise DataError(
                f"{path} [sheet {sheet!r}]: expected {N_ICBS} ICBs and an England total row, "
                f"found {n_icbs} ICBs"
            )
        LOGGER.info("%s [%s]: %d values", path.name, sheet, len(frame))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def read_stream_allocations(path: Path) -> pd.DataFrame:
    """ICB rows of the non-core funding-stream sheets (:data:`STREAM_SHEET_PREFIXES`), long.

    Same columns as :func:`read_allocation_sheet` plus ``workbook`` (the file name: both
    workbooks have a sheet 'ICB running cost allowance'). Raises DataError unless each sheet
    has exactly 42 ICB codes.
    """
    sheets = [name for name in workbook_sheets(path) if name.startswith(STREAM_SHEET_PREFIXES)]
    frames = []
    for sheet in sheets:
        frame = read_allocation_sheet(path, sheet, org_levels=("icb",))
        n_icbs = frame["org_code"].nunique()
        if n_icbs != N_ICBS:
            raise DataError(f"{path} [sheet {sheet!r}]: expected {N_ICBS} ICBs, found {n_icbs}")
        frames.append(frame.assign(workbook=path.name))
    if not frames:
        raise DataError(f"{path}: no sheet whose name starts with one of {STREAM_SHEET_PREFIXES}")
    return pd.concat(frames, ignore_index=True)


FILES: dict[str, str] = {
    "2023_2025": "icb_allocations/nhs_allocations_2023_2025.xlsx",
    "2025_26": "icb_allocations/nhs_allocations_2025_26.xlsx",
}


def load(workbook: str, sheet: str | None = None) -> pd.DataFrame:
    """Allocations from one workbook ('2023_2025': 2023/24-2024/25 v1.2, '2025_26'), acquired by
    hash: every 'ICB Core ...' sheet (:func:`read_core_allocations`), or the named ``sheet``
    (:func:`read_allocation_sheet`)."""
    path = acquired(FILES[choose("icb_allocations", workbook, FILES)])
    return read_core_allocations(path) if sheet is None else read_allocation_sheet(path, sheet)


def load_streams(workbook: str) -> pd.DataFrame:
    """The non-core funding-stream sheets of one workbook (:func:`read_stream_allocations`),
    acquired by hash."""
    return read_stream_allocations(acquired(FILES[choose("icb_allocations", workbook, FILES)]))
