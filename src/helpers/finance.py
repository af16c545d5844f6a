"""System financial positions: tidy, scale to allocation, and pick the best available figure.

Sign convention (from the curated panel): a surplus is positive and a deficit negative for
``plan``, ``plan_draft``, ``forecast``, ``ytd``, ``outturn`` and ``icb_only_outturn``.

Best-available rule. For each system and financial year, among full-year positions of the
whole system (``scope == 'system'``; year-to-date, variance and support rows are not
full-year positions) the single most final figure is chosen:
``outturn`` > ``forecast`` > ``plan`` > ``plan_draft``. Ties within a measure are broken by
(1) the later point in the year (``as_at`` month, e.g. M9 beats M6; year-end counts as 12),
(2) the stronger source kind (official > press > campaign), (3) the later ``source_date``,
(4) the earlier line in the curated file. The rule is deterministic.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: Full-year position measures, most final first.
POSITION_RANK: dict[str, int] = {"outturn": 0, "forecast": 1, "plan": 2, "plan_draft": 3}
SOURCE_KIND_RANK: dict[str, int] = {"official": 0, "press": 1, "campaign": 2}
YEAR_END_WORDS = re.compile(r"year-end|outturn|Q4", re.IGNORECASE)


def as_at_month(as_at: pd.Series) -> pd.Series:
    """Month of the financial year an ``as_at`` label refers to (M5 -> 5; year-end -> 12).

    Quarters map to their last month (Q3 -> 9). Plan stages and unparseable labels give NaN.
    """

    def parse(label: str) -> float:
        month = re.search(r"\bM(\d{1,2})\b", label)
        if month:
            return float(month.group(1))
        quarter = re.search(r"\bQ([1-4])\b", label)
        if quarter:
            return float(int(quarter.group(1)) * 3)
        if YEAR_END_WORDS.search(label):
            return 12.0
        return np.nan

    return as_at.fillna("").astype(str).map(parse).astype("float64")


def add_share_of_allocation(positions: pd.DataFrame, funding: pd.DataFrame) -> pd.DataFrame:
    """Add ``core_allocation_gbp_m`` and ``value_pct_allocation`` (value / core allocation x 100).

    Rows whose year has no allocation keep a missing percentage (counted in the coverage table).
    """
    allocation = funding[["icb_code", "financial_year", "core_allocation_gbp_m"]]
    merged = positions.merge(
        allocation, on=["icb_code", "financial_year"], how="left", validate="many_to_one"
    )
    merged["value_pct_allocation"] = 100 * merged["value_gbp_m"] / merged["core_allocation_gbp_m"]
    return merged


def flag_best_available(positions: pd.DataFrame) -> pd.DataFrame:
    """Add a boolean ``best_available``: True on one row per system and year (see module doc)."""
    frame = positions.copy()
    eligible = frame["measure"].isin(POSITION_RANK) & (frame["scope"] == "system")
    ordering = pd.DataFrame(
        {
            "measure_rank": frame["measure"].map(POSITION_RANK),
            "month": -as_at_month(frame["as_at"]).fillna(0),
            "kind_rank": frame["source_kind"].map(SOURCE_KIND_RANK),
            "date": frame["source_date"].fillna(""),
            "line": frame["source_line"],
        },
        index=frame.index,
    )[eligible]
    ordering["date_desc"] = ordering["date"].rank(method="dense", ascending=False)
    ordering = ordering.join(frame.loc[eligible, ["icb_code", "financial_year"]])
    ordering = ordering.sort_values(
        ["icb_code", "financial_year", "measure_rank", "month", "kind_rank", "date_desc", "line"]
    )
    chosen = ordering.groupby(["icb_code", "financial_year"], sort=False).head(1).index
    frame["best_available"] = frame.index.isin(chosen)
    return frame


def tidy_finance_positions(validated: pd.DataFrame, funding: pd.DataFrame) -> pd.DataFrame:
    """The ``finance_positions`` table: validated curated rows, scaled and flagged, sorted."""
    frame = add_share_of_allocation(validated, funding)
    frame = flag_best_available(frame)
    frame["as_at_month"] = as_at_month(frame["as_at"])
    columns = [
        "icb_code",
        "system_name",
        "financial_year",
        "measure",
        "value_gbp_m",
        "core_allocation_gbp_m",
        "value_pct_allocation",
        "as_at",
        "as_at_month",
        "scope",
        "source_kind",
        "best_available",
        "source_publisher",
        "source_title",
        "source_date",
        "source_url",
        "notes",
        "source_line",
    ]
    return frame[columns].sort_values(
        ["icb_code", "financial_year", "source_line"], ignore_index=True
    )
