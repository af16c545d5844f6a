"""Reader for the HM Treasury GDP deflator series (MANIFEST id ``deflators``).

The mirrored file ``deflators/uk_cost_indices.csv`` (compiled by NHS North Central London ICB
from HM Treasury, ONS and OBR releases of March 2026) has one row per UK financial year
2000-01 to 2030-31. Only the catalogue's named columns are used: ``fiscal_year_start``,
``fiscal_year`` ("2022-23"), ``gdp_deflator`` (base 2024-25 = 100; outturn to 2024-25, OBR
forecast from 2025-26) and ``is_forecast``. CPI and CPIH are not read.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.data.readers._common import acquired, read_csv_file, require_columns
from helpers.errors import DataError
from helpers.panel.harmonise import financial_year_label

FILE = "deflators/uk_cost_indices.csv"
COLUMNS: tuple[str, ...] = ("fiscal_year_start", "fiscal_year", "gdp_deflator", "is_forecast")
BASE_YEAR = "2024/25"


def read_deflators(path: Path) -> pd.DataFrame:
    """Tidy GDP deflator table from a file in the mirrored layout.

    Returns ``financial_year`` ('2024/25'), ``gdp_deflator`` (float, 2024/25 = 100) and
    ``is_forecast`` (bool), one row per year, sorted. Raises DataError naming the file and the
    column or row at fault (missing columns, a label that disagrees with its start year, a
    missing or non-positive deflator, a forecast flag not true/false, repeated years).
    """
    frame = read_csv_file(path, dtype=str, keep_default_na=False)
    require_columns(frame, COLUMNS, path)
    start = pd.to_numeric(frame["fiscal_year_start"], errors="coerce")
    if start.isna().any():
        raise DataError(f"{path}: fiscal_year_start not a year on row(s) {_rows(start.isna())}")
    labels = start.astype(int).map(financial_year_label)
    expected = labels.str.replace("/", "-", regex=False)
    mismatch = frame["fiscal_year"] != expected
    if mismatch.any():
        raise DataError(
            f"{path}: fiscal_year disagrees with fiscal_year_start on {_rows(mismatch)}"
        )
    deflator = pd.to_numeric(frame["gdp_deflator"], errors="coerce")
    bad = deflator.isna() | (deflator <= 0)
    if bad.any():
        raise DataError(f"{path}: gdp_deflator missing or not positive on row(s) {_rows(bad)}")
    flags = frame["is_forecast"].str.lower()
    if not flags.isin(["true", "false"]).all():
        raise DataError(
            f"{path}: is_forecast not true/false on row(s) {_rows(~flags.isin(['true', 'false']))}"
        )
    tidy = pd.DataFrame(
        {"financial_year": labels, "gdp_deflator": deflator, "is_forecast": flags == "true"}
    )
    if tidy["financial_year"].duplicated().any():
        raise DataError(
            f"{path}: repeated financial years {_rows(tidy['financial_year'].duplicated())}"
        )
    return tidy.sort_values("financial_year", ignore_index=True)


def _rows(mask: pd.Series) -> list[int]:
    """Data row numbers (the header is line 1, so the first data row is line 2)."""
    return [int(index) + 2 for index in mask[mask].index]


def load() -> pd.DataFrame:
    """The GDP deflator by financial year, acquired by hash (see :func:`read_deflators`)."""
    return read_deflators(acquired(FILE))
