"""Joins that state their cardinality and report every key that failed to match."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd

from helpers.errors import DataError

LOGGER = logging.getLogger(__name__)


def unmatched_keys(left: pd.DataFrame, right: pd.DataFrame, on: Sequence[str]) -> pd.DataFrame:
    """Distinct key combinations of ``left`` that have no partner in ``right`` (sorted)."""
    keys = list(on)
    left_keys = left[keys].drop_duplicates()
    right_keys = right[keys].drop_duplicates()
    flagged = left_keys.merge(right_keys, on=keys, how="left", indicator=True)
    missing = flagged.loc[flagged["_merge"] == "left_only", keys]
    return missing.sort_values(keys).reset_index(drop=True)


def checked_merge(
    left: pd.DataFrame,
    right: pd.DataFrame,
    on: Sequence[str],
    *,
    how: str = "left",
    validate: str = "many_to_one",
    label: str,
    allow_unmatched: bool = True,
) -> pd.DataFrame:
    """Merge with a stated cardinality (``validate``) and log the keys of ``left`` left unmatched.

    With ``allow_unmatched=False`` any unmatched key raises a DataError that lists them.
    """
    missing = unmatched_keys(left, right, on)
    if len(missing):
        shown = missing.head(20).to_dict("records")
        message = f"{label}: {len(missing)} left key(s) unmatched on {list(on)}: {shown}"
        if not allow_unmatched:
            raise DataError(message)
        LOGGER.warning(message)
    else:
        LOGGER.info("%s: every key matched on %s", label, list(on))
    return left.merge(right, on=list(on), how=how, validate=validate)


def show_join_reports() -> None:
    """Print every join's match report (INFO and above from this module) in notebook output."""
    import sys

    logger = logging.getLogger(__name__)
    if not any(getattr(handler, "_join_report", False) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("join report: %(message)s"))
        handler._join_report = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
