"""Reader for NHS sickness absence rates: one monthly CSV per month, one row per organisation.

Columns (snake_case of the source): ``date`` (last day of the reporting month),
``nhse_region_code``, ``ics_code`` (Q-code; 'QZZ' = special health authorities and other
national bodies), ``ics_name`` (short ICS name), ``org_code`` (ODS), ``org_name``, ``org_type``,
``fte_days_lost``, ``fte_days_available`` (FTE days) and ``sickness_absence_rate_percent`` (0-100).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from helpers.data.readers._common import (
    acquired,
    check_not_above,
    check_ranges,
    read_csv_text,
    require_columns,
    snake_case,
    text_values,
    to_numbers,
)
from helpers.errors import DataError

LOGGER = logging.getLogger(__name__)

TEXT_COLUMNS: tuple[str, ...] = (
    "NHSE_REGION_CODE",
    "ICS_CODE",
    "ICS_NAME",
    "ORG_CODE",
    "ORG_NAME",
    "ORG_TYPE",
)
NUMBER_COLUMNS: tuple[str, ...] = (
    "FTE_DAYS_LOST",
    "FTE_DAYS_AVAILABLE",
    "SICKNESS_ABSENCE_RATE_PERCENT",
)
#: Plausible ranges: days are never negative; the rate is a percentage.
NUMBER_RANGES: dict[str, tuple[float, float]] = {
    "FTE_DAYS_LOST": (0.0, 1e9),
    "FTE_DAYS_AVAILABLE": (0.0, 1e9),
    "SICKNESS_ABSENCE_RATE_PERCENT": (0.0, 100.0),
}


def read_sickness_absence_month(path: Path) -> pd.DataFrame:
    """Read one monthly sickness-absence CSV; one row per organisation, sorted by ``org_code``."""
    frame = read_csv_text(path)
    require_columns(frame, ("DATE", *TEXT_COLUMNS, *NUMBER_COLUMNS), path)
    tidy = frame.loc[:, ["DATE", *TEXT_COLUMNS, *NUMBER_COLUMNS]].copy()
    tidy["DATE"] = pd.to_datetime(tidy["DATE"], format="%d/%m/%Y", errors="coerce")
    if tidy["DATE"].isna().any():
        raise DataError(f"{path}: {int(tidy['DATE'].isna().sum())} unparseable value(s) in DATE")
    for column in TEXT_COLUMNS:
        tidy[column] = text_values(tidy[column])
    for column in NUMBER_COLUMNS:
        tidy[column] = to_numbers(tidy, column, path, first_line=2)
    check_ranges(tidy, NUMBER_RANGES, path, first_line=2)
    check_not_above(tidy, "FTE_DAYS_LOST", "FTE_DAYS_AVAILABLE", path, first_line=2)
    tidy.columns = [snake_case(column) for column in tidy.columns]
    duplicated = tidy.duplicated(["date", "org_code"])
    if duplicated.any():
        raise DataError(f"{path}: {int(duplicated.sum())} duplicated organisation row(s)")
    return tidy.sort_values(["date", "org_code"]).reset_index(drop=True)


def read_sickness_absence(paths: Iterable[Path]) -> pd.DataFrame:
    """Read and stack several monthly files (e.g. the 12 months of 2024/25), sorted by month."""
    frames = [read_sickness_absence_month(Path(path)) for path in paths]
    if not frames:
        raise DataError("read_sickness_absence: no files given")
    stacked = pd.concat(frames, ignore_index=True)
    duplicated = stacked.duplicated(["date", "org_code"])
    if duplicated.any():
        raise DataError(f"sickness absence: {int(duplicated.sum())} organisation-months repeated")
    LOGGER.info("sickness absence: %d rows from %d monthly file(s)", len(stacked), len(frames))
    return stacked.sort_values(["date", "org_code"]).reset_index(drop=True)


MONTHS: tuple[str, ...] = tuple(
    [f"2024-{month:02d}" for month in range(4, 13)] + [f"2025-{month:02d}" for month in range(1, 4)]
)


def load() -> pd.DataFrame:
    """Sickness absence for the twelve months April 2024 to March 2025
    (:func:`read_sickness_absence`), acquired by hash."""
    return read_sickness_absence(
        [acquired(f"sickness_absence/nhs_sickness_absence_{month}.csv") for month in MONTHS]
    )
