"""The trusts whose hospitals were built wholly or mostly of RAAC (curated, cited list).

``data/raw/curated/raac_trusts.csv`` holds one row per trust with the hospital named by the
source and the source itself (publisher, title, date, address, original source). A flagged trust
stands for its RAAC hospital: where the hospital is one of several the trust runs, the notes
say so. The list is used to report every trust-level headline with and without these trusts.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.data.curated import CURATED_DIR, SOURCE_COLUMNS, read_curated
from helpers.errors import DataError

RAAC_FILE: Path = CURATED_DIR / "raac_trusts.csv"
RAAC_COLUMNS: list[str] = [
    "trust_code",
    "trust_name",
    "hospital",
    *SOURCE_COLUMNS,
    "original_source",
    "notes",
]


def load_raac_trusts(path: Path = RAAC_FILE) -> pd.DataFrame:
    """The curated RAAC list, checked: ODS trust codes, each once, every source field filled."""
    frame = read_curated(path, RAAC_COLUMNS)
    bad = ~frame["trust_code"].str.fullmatch(r"[A-Z0-9]{3,5}")
    if bad.any():
        raise DataError(
            f"{path}: column 'trust_code' is not an ODS trust code on line(s) "
            f"{frame.loc[bad, 'source_line'].tolist()}"
        )
    repeated = frame["trust_code"].duplicated(keep=False)
    if repeated.any():
        raise DataError(
            f"{path}: trust code(s) {sorted(set(frame.loc[repeated, 'trust_code']))} listed more "
            f"than once (lines {frame.loc[repeated, 'source_line'].tolist()})"
        )
    for column in [*SOURCE_COLUMNS, "original_source", "hospital"]:
        empty = frame[column] == ""
        if empty.any():
            raise DataError(
                f"{path}: column '{column}' is empty on line(s) "
                f"{frame.loc[empty, 'source_line'].tolist()}"
            )
    return frame.reset_index(drop=True)


def without_raac(panel: pd.DataFrame, raac: pd.DataFrame) -> pd.DataFrame:
    """The panel without the RAAC trusts; raises DataError naming a listed code the panel lacks."""
    missing = sorted(set(raac["trust_code"]) - set(panel["trust_code"]))
    if missing:
        raise DataError(f"{RAAC_FILE.name}: column 'trust_code': {missing} not in the trust panel")
    return panel.loc[~panel["trust_code"].isin(raac["trust_code"])].reset_index(drop=True)
