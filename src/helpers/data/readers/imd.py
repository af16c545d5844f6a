"""Readers for the English Indices of Deprivation (IoD2019 by LSOA 2011; IoD2025 by LSOA 2021
and the official IoD2025 ICB summaries).

Column names are snake_cased (``IMD_rank`` -> ``imd_rank``). Ranks run from 1 = most deprived;
deciles from 1 = most deprived 10%. IoD2019 has no scores. Rows are sorted by area code.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.data.readers._common import (
    acquired,
    choose,
    read_rda_frame,
    require_columns,
    snake_case,
)
from helpers.errors import DataError

IMD2019_COLUMNS: tuple[str, ...] = ("lsoa11_code", "IMD_rank", "IMD_decile")
IMD2025_LSOA_COLUMNS: tuple[str, ...] = ("lsoa21_code", "IMD_rank", "IMD_decile", "IMD_score")
IMD2025_ICB_COLUMNS: tuple[str, ...] = (
    "icb24_code",
    "icb24_name",
    "imd_average_rank",
    "imd_average_score",
    "imd_rank_of_average_score",
    "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally",
)


def _tidy(frame: pd.DataFrame, required: tuple[str, ...], key: str, path: Path) -> pd.DataFrame:
    """Check columns, snake_case the names, make the key a unique string, sort by it."""
    require_columns(frame, required, path)
    tidy = frame.rename(columns=snake_case)
    text = [c for c in tidy.columns if not pd.api.types.is_numeric_dtype(tidy[c])]
    tidy[text] = tidy[text].astype("string")
    if tidy[key].isna().any() or tidy[key].duplicated().any():
        raise DataError(f"{path}: column {key} has missing or duplicated codes")
    return tidy.sort_values(key).reset_index(drop=True)


def read_imd2019_lsoa11(path: Path) -> pd.DataFrame:
    """IoD2019 ranks and deciles (no scores) for the 32,844 English LSOAs 2011.

    Columns: lsoa11_code, then ``<domain>_decile`` and ``<domain>_rank`` for imd, income,
    employment, education, health, crime, housing_and_access, environment.
    """
    return _tidy(read_rda_frame(path), IMD2019_COLUMNS, "lsoa11_code", path)


def read_imd2025_lsoa21(path: Path) -> pd.DataFrame:
    """IoD2025 deciles, ranks and scores for the 33,755 English LSOAs 2021.

    Columns: lsoa21_code, then ``<domain>_decile``, ``<domain>_rank`` and ``<domain>_score`` for
    imd, income, employment, education, health, crime, housing_and_services, environment.
    """
    return _tidy(read_rda_frame(path), IMD2025_LSOA_COLUMNS, "lsoa21_code", path)


def read_imd2025_icb24(path: Path) -> pd.DataFrame:
    """Official IoD2025 ICB summaries, 42 ICBs on the 2024 E54 codes (``icb24_code``).

    Keeps the publisher's 58 summary columns (average rank and score, proportion of LSOAs in
    the most deprived 10% nationally as a fraction 0-1, extent, local concentration and their
    ranks, for the IMD and each domain). ``imd_average_score`` is the population-weighted mean
    of LSOA IMD scores.
    """
    return _tidy(read_rda_frame(path), IMD2025_ICB_COLUMNS, "icb24_code", path)


FILES: dict[str, str] = {
    "imd2019_lsoa11": "imd/imd2019_england_lsoa11.rda",
    "imd2025_lsoa21": "imd/imd2025_england_lsoa21.rda",
    "imd2025_icb24": "imd/imd2025_england_icb24.rda",
}


def load(table: str) -> pd.DataFrame:
    """One IoD table, acquired by hash: 'imd2019_lsoa11', 'imd2025_lsoa21' (not used by the
    pipeline yet) or 'imd2025_icb24'."""
    readers = {
        "imd2019_lsoa11": read_imd2019_lsoa11,
        "imd2025_lsoa21": read_imd2025_lsoa21,
        "imd2025_icb24": read_imd2025_icb24,
    }
    return readers[choose("imd", table, readers)](acquired(FILES[table]))
