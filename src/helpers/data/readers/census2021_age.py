"""Reader for ONS Census 2021 TS007A (usual residents by five-year age band, LSOA 2021), the
raw Nomis download: a preamble, a header row, data rows, then blank lines.

The file name says "lsoa11" but the codes are 2021 LSOAs (E01/W01)."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from helpers.data.readers._common import (
    acquired,
    check_ranges,
    read_csv_text,
    require_columns,
    text_values,
    to_numbers,
)
from helpers.errors import DataError

LOGGER = logging.getLogger(__name__)
NAME_COLUMN = "2021 super output area - lower layer"
CODE_COLUMN = "mnemonic"
TOTAL_COLUMN = "Total"
#: Source band headers in order, with the lower age of each band.
AGE_BANDS: dict[str, int] = {
    "Aged 4 years and under": 0,
    **{f"Aged {lo} to {lo + 4} years": lo for lo in range(5, 85, 5)},
    "Aged 85 years and over": 85,
}


def _header_line(path: Path) -> int:
    """0-based index of the header line (the first line naming the mnemonic column)."""
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle):
            if f'"{CODE_COLUMN}"' in line or line.startswith(f"{CODE_COLUMN},"):
                return number
            if number > 50:
                break
    raise DataError(f"{path}: no header line with column '{CODE_COLUMN}' in the first 50 lines")


def band_label(lower: int) -> str:
    """Short label of the band starting at ``lower`` ('0-4', ..., '85+')."""
    return "85+" if lower == 85 else f"{lower}-{lower + 4}"


def read_census2021_age(path: Path) -> pd.DataFrame:
    """Long table of usual residents by LSOA 2021 and five-year age band (England and Wales).

    Columns: lsoa21_code, lsoa21_name, age_band ('0-4' .. '85+'), age_lower (int), population.
    Sorted by lsoa21_code, age_lower. Raises DataError if the bands of an LSOA do not sum to its
    ``Total``. Footer/blank rows (no code) are dropped and counted in the log.
    """
    header_line = _header_line(path) + 1
    raw = read_csv_text(path, header_line=header_line)
    require_columns(raw, (NAME_COLUMN, CODE_COLUMN, TOTAL_COLUMN, *AGE_BANDS), path)
    raw[CODE_COLUMN] = text_values(raw[CODE_COLUMN])
    blank = raw[CODE_COLUMN].isna()
    if blank.any():
        LOGGER.info(
            "%s: dropped %d blank/footer row(s) without a code", path.name, int(blank.sum())
        )
    raw = raw.loc[~blank]
    not_lsoa = ~raw[CODE_COLUMN].str.match(r"^[EW]01\d{6}$")
    if not_lsoa.any():
        raise DataError(
            f"{path}: {int(not_lsoa.sum())} row(s) whose {CODE_COLUMN} is not an LSOA code, "
            f"e.g. {raw.loc[not_lsoa, CODE_COLUMN].head(3).tolist()}"
        )
    first_line = header_line + 1
    counts = pd.DataFrame(
        {
            band: to_numbers(raw, band, path, first_line, missing=(), integer=True)
            for band in [*AGE_BANDS, TOTAL_COLUMN]
        }
    )
    check_ranges(counts, dict.fromkeys(counts.columns, (0, 1e6)), path, first_line)
    counts = counts.astype("int64")
    mismatch = counts.pop(TOTAL_COLUMN) != counts.sum(axis=1)
    if mismatch.any():
        raise DataError(
            f"{path}: age bands do not sum to {TOTAL_COLUMN} for {int(mismatch.sum())} LSOA(s)"
        )
    counts.columns = list(AGE_BANDS.values())
    counts.insert(0, "lsoa21_code", raw[CODE_COLUMN].astype("string"))
    counts.insert(1, "lsoa21_name", raw[NAME_COLUMN].astype("string"))
    long = counts.melt(
        id_vars=["lsoa21_code", "lsoa21_name"], var_name="age_lower", value_name="population"
    )
    long["age_lower"] = long["age_lower"].astype("int64")
    labels = {lower: band_label(lower) for lower in AGE_BANDS.values()}  # not one call per row
    long.insert(2, "age_band", long["age_lower"].map(labels).astype("string"))
    return long.sort_values(["lsoa21_code", "age_lower"]).reset_index(drop=True)


FILE = "census2021_age/TS007A_age_by_five_year_age_bands_lsoa11.csv"


def load() -> pd.DataFrame:
    """Usual residents by LSOA 2021 and age band (:func:`read_census2021_age`), acquired by hash."""
    return read_census2021_age(acquired(FILE))
