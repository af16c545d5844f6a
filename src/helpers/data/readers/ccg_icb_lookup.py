"""Reader for the Health Equity Evidence Centre CCG -> ICB lookup (NHS three-character codes).

Columns: ``ccg_code`` (current and historic CCG codes), ``icb_code`` (Q-code), ``icb_name``.
CCGs split between ICBs in 2022 are mapped to one ICB only (see the data README).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.data.readers._common import acquired, read_csv_file, require_columns, snake_case
from helpers.errors import DataError

SOURCE_COLUMNS: tuple[str, ...] = ("CCG Code", "ICB Code", "ICB NAME")


def read_ccg_icb_lookup(path: Path) -> pd.DataFrame:
    """CCG code -> ICB Q-code and name; one row per CCG code, sorted by it."""
    frame = read_csv_file(path, dtype="string", encoding="utf-8-sig")
    require_columns(frame, SOURCE_COLUMNS, path)
    tidy = frame.loc[:, list(SOURCE_COLUMNS)].apply(lambda column: column.str.strip())
    tidy.columns = [snake_case(column) for column in tidy.columns]
    if tidy[["ccg_code", "icb_code"]].isna().any().any():
        raise DataError(f"{path}: missing CCG or ICB code(s)")
    duplicated = tidy["ccg_code"].duplicated()
    if duplicated.any():
        raise DataError(
            f"{path}: CCG code(s) listed twice: {tidy.loc[duplicated, 'ccg_code'].tolist()}"
        )
    return tidy.sort_values("ccg_code").reset_index(drop=True)


FILE = "ccg_icb_lookup/CCG_ICB_code.csv"


def load() -> pd.DataFrame:
    """The CCG -> ICB lookup (:func:`read_ccg_icb_lookup`), acquired by hash.

    Not used by the pipeline yet: kept to map CCG-era (pre-July 2022) data onto ICBs.
    """
    return read_ccg_icb_lookup(acquired(FILE))
