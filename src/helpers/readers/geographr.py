"""Readers for the geographr lookups: LSOA -> sub-ICB -> ICB tables and rural-urban classes.

Each ``.rda`` file holds one data frame; the columns keep geographr's snake_case names
(``lsoa11_code``, ``icb22_code`` = ONS E54, ``icb22_code_h`` = NHS Q-code, ...). Text columns
are returned as pandas ``string``; rows are sorted by the LSOA code. ICB boundaries are read by
:func:`helpers.geography.icb_boundaries`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.errors import DataError
from helpers.readers._common import read_rda_frame, require_columns

LSOA11_ICB22_COLUMNS: tuple[str, ...] = (
    "lsoa11_code",
    "lsoa11_name",
    "sicbl22_code",
    "sicbl22_code_h",
    "sicbl22_name",
    "icb22_code",
    "icb22_code_h",
    "icb22_name",
    "ltla22_code",
    "ltla22_name",
)
LSOA21_ICB24_COLUMNS: tuple[str, ...] = (
    "lsoa21_code",
    "lsoa21_name",
    "sicbl24_code",
    "sicbl24_code_nhs",
    "sicbl24_name",
    "icb24_code",
    "icb24_code_nhs",
    "icb24_name",
)
RUC11_COLUMNS: tuple[str, ...] = ("lsoa11_code", "ruc11_code", "ruc", "classification")
RUC21_COLUMNS: tuple[str, ...] = ("lsoa21_code", "ruc21_code", "ruc", "classification")


def _select_text(
    frame: pd.DataFrame, columns: tuple[str, ...], key: str, path: Path
) -> pd.DataFrame:
    """Keep ``columns`` as strings, check ``key`` is unique and complete, sort by it."""
    require_columns(frame, columns, path)
    tidy = frame.loc[:, list(columns)].astype("string")
    if tidy[key].isna().any():
        raise DataError(f"{path}: {int(tidy[key].isna().sum())} row(s) with missing {key}")
    duplicated = tidy[key].duplicated()
    if duplicated.any():
        raise DataError(f"{path}: duplicated {key}: {tidy.loc[duplicated, key].head(5).tolist()}")
    return tidy.sort_values(key).reset_index(drop=True)


def read_lsoa11_icb22_lookup(path: Path) -> pd.DataFrame:
    """LSOA 2011 -> sub-ICB location -> ICB (July 2022) -> LTLA, one row per English LSOA 2011.

    Columns: lsoa11_code, lsoa11_name, sicbl22_code (E38), sicbl22_code_h (NHS 3-char),
    sicbl22_name, icb22_code (E54), icb22_code_h (Q-code), icb22_name, ltla22_code, ltla22_name.
    """
    return _select_text(read_rda_frame(path), LSOA11_ICB22_COLUMNS, "lsoa11_code", path)


def read_lsoa21_icb24_lookup(path: Path) -> pd.DataFrame:
    """LSOA 2021 -> sub-ICB location -> ICB (April 2024), one row per English LSOA 2021.

    Columns: lsoa21_code, lsoa21_name, sicbl24_code (E38), sicbl24_code_nhs, sicbl24_name,
    icb24_code (E54, 2024 vintage), icb24_code_nhs (Q-code), icb24_name.
    """
    return _select_text(read_rda_frame(path), LSOA21_ICB24_COLUMNS, "lsoa21_code", path)


def read_ruc11_lsoa11(path: Path) -> pd.DataFrame:
    """Rural-urban classification 2011 by LSOA 2011 (England and Wales).

    Columns: lsoa11_code, ruc11_code (A1..E2), ruc ('Urban'/'Rural'), classification.
    """
    tidy = _select_text(read_rda_frame(path), RUC11_COLUMNS, "lsoa11_code", path)
    _check_ruc(tidy, path)
    return tidy


def read_ruc21_lsoa21(path: Path) -> pd.DataFrame:
    """Rural-urban classification 2021 by LSOA 2021 (England and Wales).

    Columns: lsoa21_code, ruc21_code, ruc ('Urban'/'Rural'), classification.
    """
    tidy = _select_text(read_rda_frame(path), RUC21_COLUMNS, "lsoa21_code", path)
    _check_ruc(tidy, path)
    return tidy


def _check_ruc(frame: pd.DataFrame, path: Path) -> None:
    """Raise unless every ``ruc`` value is 'Urban' or 'Rural'."""
    bad = ~frame["ruc"].isin(["Urban", "Rural"])
    if bad.any():
        raise DataError(
            f"{path}: column ruc has values other than Urban/Rural: "
            f"{sorted(frame.loc[bad, 'ruc'].astype(str).unique())[:5]}"
        )
