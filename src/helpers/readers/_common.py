"""Shared checks for the readers: every reader states the columns it needs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from helpers.errors import DataError


def require_columns(frame: pd.DataFrame, columns: Iterable[str], source: Path | str) -> None:
    """Raise DataError naming the file and every expected column that is missing."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise DataError(
            f"{source}: expected column(s) {missing} not found; "
            f"columns present: {sorted(map(str, frame.columns))}"
        )


def snake_case(name: str) -> str:
    """Turn a source column header into a tidy snake_case name."""
    cleaned = "".join(ch.lower() if ch.isalnum() else "_" for ch in str(name).strip())
    while "__" in cleaned:
        cleaned = cleaned.replace("__", "_")
    return cleaned.strip("_")


def read_rda_frame(path: Path) -> pd.DataFrame:
    """Read the single data frame stored in an R ``.rda`` file, with a fresh 0..n-1 index.

    The tibble classes (``tbl_df``) are read as plain data frames; the ``rdata`` package warns
    about that, which is expected and silenced here.
    """
    import warnings

    import rdata

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Missing constructor for R class")
        objects = rdata.read_rda(str(path))
    if len(objects) != 1:
        raise DataError(f"{path}: expected one object in the .rda file, found {list(objects)}")
    (frame,) = objects.values()
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{path}: expected a data frame, found {type(frame).__name__}")
    return frame.reset_index(drop=True)
