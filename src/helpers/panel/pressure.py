"""Urgent-care and elective pressure by ICB and financial year (counts and shares; no population).

:func:`build_pressure` returns one row per ``icb_code`` (Q-code) x ``financial_year``
('2022/23' ...), for every ICB in ``icb_lookup`` and every year from ``first_year`` to
``last_year``. Monthly (or daily) source rows are assigned to the April-March financial year
their date falls in. For each source a ``*_months`` column counts the calendar months with data
for that ICB and year; a value is reported only when that count reaches ``min_months``
(default 12, i.e. full years only) and is missing otherwise - never imputed. Columns:

- ``ae_attendances``: A&E attendances in the year, all types (sum of months).
- ``ae_4h_pct``: 100 x (1 - attendances over 4 hours / attendances), all types (ICB file),
  over providers that reported 4-hour waits. Until May 2023 fourteen trusts piloting new
  standards (the 4-hour field test) reported attendances but no 4-hour breaches, and the ICB
  file counts their attendances with zero breaches; their attendances (trust file, each trust
  assigned to its main ICB by the trust -> ICB weights) are therefore taken out of the
  denominator. ``ae_4h_coverage_pct`` = 100 x attendances at reporting providers / all
  attendances; ``ae_4h_pct`` is missing where coverage is below ``min_ae_coverage`` percent.
- ``rtt_waiting_list``: mean monthly incomplete RTT pathways (provider-parent ICB).
- ``rtt_52wk_share``: 100 x sum of monthly waits over 52 weeks ('Total' treatment row) / sum of
  monthly incomplete pathways.
- ``nctr_patients``: mean daily patients not meeting the criteria to reside.
- ``bed_occupancy_pct``: 100 x apportioned G&A beds occupied / apportioned G&A beds available
  (monthly averages summed over the year's months, i.e. the bed-day weighted mean).

Caveats: RTT figures are by provider parent (where patients are treated), not residence, and
the healthyr compilation inflates both RTT counts (see :mod:`helpers.data.readers.healthyr`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd

from helpers.data.readers._common import require_columns
from helpers.errors import DataError
from helpers.panel.apportion import apportion_to_icb, main_icb
from helpers.panel.harmonise import financial_year_label, financial_year_of
from helpers.panel.joins import checked_merge

LOGGER = logging.getLogger(__name__)

KEYS: list[str] = ["icb_code", "financial_year"]
BED_COUNTS: tuple[str, str] = ("general_acute_beds_available", "general_acute_beds_occupied")


def financial_years(first_year: str, last_year: str) -> list[str]:
    """Labels from ``first_year`` to ``last_year`` inclusive ('2022/23', '2023/24', ...)."""
    start, end = int(first_year[:4]), int(last_year[:4])
    if end < start:
        raise DataError(f"last_year {last_year} is before first_year {first_year}")
    return [financial_year_label(year) for year in range(start, end + 1)]


def panel_frame(icb_lookup: pd.DataFrame, years: Sequence[str]) -> pd.DataFrame:
    """The full ICB x financial-year grid, sorted."""
    require_columns(icb_lookup, ("icb_code",), "icb_lookup")
    codes = sorted(icb_lookup["icb_code"].dropna().astype("string").unique())
    grid = pd.MultiIndex.from_product([codes, list(years)], names=KEYS).to_frame(index=False)
    return grid.astype({"icb_code": "string", "financial_year": "string"})


def to_icb_code(
    frame: pd.DataFrame, icb_lookup: pd.DataFrame, ons_column: str, label: str
) -> pd.DataFrame:
    """Replace an E54 column by the ICB Q-code (``icb_code``); unmatched rows logged and dropped."""
    require_columns(icb_lookup, ("icb_code", "icb_ons_code"), "icb_lookup")
    codes = icb_lookup.loc[:, ["icb_ons_code", "icb_code"]].drop_duplicates()
    keyed = frame.rename(columns={ons_column: "icb_ons_code"})
    merged = checked_merge(keyed, codes, on=["icb_ons_code"], how="left", label=label)
    unmatched = merged["icb_code"].isna()
    if unmatched.any():
        LOGGER.warning("%s: %d row(s) without an ICB Q-code dropped", label, int(unmatched.sum()))
    return merged.loc[~unmatched].drop(columns="icb_ons_code")


def keep_icb_codes(
    frame: pd.DataFrame, icb_lookup: pd.DataFrame, column: str, label: str
) -> pd.DataFrame:
    """Keep rows whose Q-code ``column`` is an ICB of ``icb_lookup``; log the others."""
    known = set(icb_lookup["icb_code"].dropna())
    unknown = ~frame[column].isin(known)
    if unknown.any():
        LOGGER.warning(
            "%s: %d row(s) with code(s) not in icb_lookup dropped: %s",
            label,
            int(unknown.sum()),
            sorted(frame.loc[unknown, column].unique()),
        )
    return frame.loc[~unknown].rename(columns={column: "icb_code"})


def assign_financial_year(frame: pd.DataFrame, years: Sequence[str], label: str) -> pd.DataFrame:
    """Add ``financial_year`` from ``date`` and ``month`` (month start); keep the panel years."""
    dated = frame.copy()
    dated["financial_year"] = financial_year_of(dated["date"])
    dated["month"] = dated["date"].dt.to_period("M")
    outside = ~dated["financial_year"].isin(list(years))
    if outside.any():
        LOGGER.info(
            "%s: %d row(s) outside %s..%s left out", label, int(outside.sum()), years[0], years[-1]
        )
    return dated.loc[~outside]


def _months(frame: pd.DataFrame) -> pd.Series:
    """Distinct months with data per ICB and year."""
    return frame.groupby(KEYS)["month"].nunique()


def _mask_short(result: pd.DataFrame, months: str, values: Sequence[str], min_months: int) -> None:
    """Set ``values`` missing where ``months`` is below ``min_months`` (in place)."""
    short = result[months].fillna(0) < min_months
    result.loc[short, list(values)] = float("nan")


def unreported_4h_attendances(ae_trust: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Attendances at trusts reporting no 4-hour breaches, per main ICB x month.

    Returns ``icb_code``, ``date``, ``attendances_without_4h``. Such trusts without weights are
    logged and left out (their attendances then stay in the ICB denominator).
    """
    require_columns(
        ae_trust,
        ("nhs_trust22_code", "date", "total_attendances", "attendances_over_4hours"),
        "A&E trusts",
    )
    missing = ae_trust.loc[ae_trust["attendances_over_4hours"].isna()]
    main = main_icb(weights).loc[:, ["trust_code", "icb_code"]]
    keyed = missing.rename(columns={"nhs_trust22_code": "trust_code"})
    merged = checked_merge(
        keyed, main, on=["trust_code"], how="left", label="4h field test -> main ICB"
    )
    no_icb = merged["icb_code"].isna()
    if no_icb.any():
        LOGGER.warning(
            "A&E: %d trust-month(s) without 4-hour data and without an ICB stay in the denominator",
            int(no_icb.sum()),
        )
    sums = (
        merged.loc[~no_icb].groupby(["icb_code", "date"], as_index=False)["total_attendances"].sum()
    )
    return sums.rename(columns={"total_attendances": "attendances_without_4h"})


def ae_by_year(
    ae: pd.DataFrame,
    icb_lookup: pd.DataFrame,
    years: Sequence[str],
    unreported: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A&E attendances, 4-hour share, its coverage and months covered per ICB x year."""
    require_columns(
        ae, ("icb22_code", "date", "total_attendances", "attendances_over_4hours"), "A&E"
    )
    frame = to_icb_code(ae, icb_lookup, "icb22_code", "A&E -> ICB")
    if unreported is None:
        frame["attendances_without_4h"] = 0.0
    else:
        frame = frame.merge(unreported, on=["icb_code", "date"], how="left", validate="one_to_one")
        frame["attendances_without_4h"] = frame["attendances_without_4h"].fillna(0.0)
    too_many = frame["attendances_without_4h"] > frame["total_attendances"]
    if too_many.any():
        LOGGER.warning(
            "A&E: %d ICB-month(s) with more unreported than total attendances", int(too_many.sum())
        )
    frame["reported_attendances"] = (
        frame["total_attendances"] - frame["attendances_without_4h"]
    ).clip(lower=0)
    frame = assign_financial_year(frame, years, "A&E")
    counts = ["total_attendances", "reported_attendances", "attendances_over_4hours"]
    sums = frame.groupby(KEYS)[counts].sum(min_count=1)
    out = pd.DataFrame(index=sums.index)
    out["ae_attendances"] = sums["total_attendances"]
    out["ae_4h_pct"] = 100.0 * (
        1.0 - sums["attendances_over_4hours"] / sums["reported_attendances"]
    )
    out["ae_4h_coverage_pct"] = 100.0 * sums["reported_attendances"] / sums["total_attendances"]
    out["ae_months"] = _months(frame)
    return out.reset_index()


def rtt_by_year(
    rtt_flow: pd.DataFrame, rtt_waits: pd.DataFrame, icb_lookup: pd.DataFrame, years: Sequence[str]
) -> pd.DataFrame:
    """Mean monthly waiting list, 52-week share and months covered per ICB x year."""
    require_columns(rtt_flow, ("stp20_nhs_code", "date", "incomplete"), "RTT flow")
    require_columns(
        rtt_waits, ("stp20_nhs_code", "date", "treatment", "waits_over_52_weeks"), "RTT waits"
    )
    total = rtt_waits.loc[
        rtt_waits["treatment"] == "Total", ["stp20_nhs_code", "date", "waits_over_52_weeks"]
    ]
    monthly = rtt_flow.loc[:, ["stp20_nhs_code", "date", "incomplete"]].merge(
        total, on=["stp20_nhs_code", "date"], how="left", validate="one_to_one"
    )
    no_total = monthly["waits_over_52_weeks"].isna() & monthly["incomplete"].notna()
    if no_total.any():
        LOGGER.warning("RTT: %d ICB-month(s) without a 'Total' 52-week row", int(no_total.sum()))
    frame = assign_financial_year(
        keep_icb_codes(monthly, icb_lookup, "stp20_nhs_code", "RTT"), years, "RTT"
    )
    grouped = frame.groupby(KEYS)
    out = pd.DataFrame(index=grouped.size().index)
    out["rtt_waiting_list"] = grouped["incomplete"].mean()
    both = frame.dropna(subset=["incomplete", "waits_over_52_weeks"]).groupby(KEYS)
    out["rtt_52wk_share"] = 100.0 * both["waits_over_52_weeks"].sum() / both["incomplete"].sum()
    out["rtt_months"] = _months(frame.dropna(subset=["incomplete"]))
    return out.reset_index()


def nctr_by_year(
    criteria: pd.DataFrame, icb_lookup: pd.DataFrame, years: Sequence[str]
) -> pd.DataFrame:
    """Mean daily patients not meeting the criteria to reside, and months covered."""
    require_columns(criteria, ("icb22_code", "date", "do_not_meet_criteria_to_reside"), "NCTR")
    frame = assign_financial_year(
        to_icb_code(criteria, icb_lookup, "icb22_code", "NCTR -> ICB"), years, "NCTR"
    )
    frame = frame.dropna(subset=["do_not_meet_criteria_to_reside"])
    grouped = frame.groupby(KEYS)
    out = pd.DataFrame(index=grouped.size().index)
    out["nctr_patients"] = grouped["do_not_meet_criteria_to_reside"].mean()
    out["nctr_months"] = _months(frame)
    return out.reset_index()


def beds_by_year(
    beds: pd.DataFrame,
    bed_weights: pd.DataFrame,
    years: Sequence[str],
    trust_successors: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Apportioned G&A bed occupancy (percent) and months covered per ICB x year."""
    require_columns(beds, ("nhs_trust22_code", "date", *BED_COUNTS), "beds")
    result = apportion_to_icb(
        beds,
        bed_weights,
        BED_COUNTS,
        trust_column="nhs_trust22_code",
        by=("date",),
        successors=trust_successors,
    )
    frame = assign_financial_year(result.by_icb, years, "beds")
    sums = frame.groupby(KEYS)[list(BED_COUNTS)].sum(min_count=1)
    out = pd.DataFrame(index=sums.index)
    out["bed_occupancy_pct"] = (
        100.0 * sums["general_acute_beds_occupied"] / sums["general_acute_beds_available"]
    )
    out["beds_months"] = _months(frame)
    return out.reset_index()


def build_pressure(
    ae: pd.DataFrame,
    ae_trust: pd.DataFrame,
    rtt_flow: pd.DataFrame,
    rtt_waits: pd.DataFrame,
    criteria_to_reside: pd.DataFrame,
    beds: pd.DataFrame,
    trust_weights: pd.DataFrame,
    icb_lookup: pd.DataFrame,
    *,
    first_year: str = "2022/23",
    last_year: str = "2025/26",
    min_months: int = 12,
    min_ae_coverage: float = 90.0,
    trust_successors: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """ICB x financial-year pressure measures (see the module docstring for definitions).

    Inputs are the healthyr reader outputs (``read_icb_accidents_emergency``,
    ``read_trust_accidents_emergency``, ``read_rtt_flow_stp``, ``read_rtt_stp``,
    ``read_criteria_to_reside``, ``read_general_acute_beds``), a trust -> ICB weight table
    (``trust_code``, ``icb_code``, ``weight``; see :mod:`helpers.panel.apportion`) used to apportion
    beds and to give each 4-hour field-test trust its main ICB, and ``icb_lookup``
    (``icb_code``, ``icb_ons_code``). Output sorted by ``icb_code``, ``financial_year``.
    """
    years = financial_years(first_year, last_year)
    result = panel_frame(icb_lookup, years)
    parts = {
        "ae_months": (
            ae_by_year(ae, icb_lookup, years, unreported_4h_attendances(ae_trust, trust_weights)),
            ("ae_attendances", "ae_4h_pct", "ae_4h_coverage_pct"),
        ),
        "rtt_months": (
            rtt_by_year(rtt_flow, rtt_waits, icb_lookup, years),
            ("rtt_waiting_list", "rtt_52wk_share"),
        ),
        "nctr_months": (nctr_by_year(criteria_to_reside, icb_lookup, years), ("nctr_patients",)),
        "beds_months": (
            beds_by_year(beds, trust_weights, years, trust_successors),
            ("bed_occupancy_pct",),
        ),
    }
    for months, (part, values) in parts.items():
        part = part.astype({"icb_code": "string", "financial_year": "string"})
        result = checked_merge(
            result, part, on=KEYS, how="left", validate="one_to_one", label=f"pressure <- {months}"
        )
        result[months] = result[months].fillna(0).astype("int64")
        _mask_short(result, months, values, min_months)
    low_coverage = result["ae_4h_coverage_pct"] < min_ae_coverage
    if low_coverage.any():
        LOGGER.info(
            "A&E: ae_4h_pct left missing for %d ICB-year(s) with coverage below %.0f%%",
            int(low_coverage.sum()),
            min_ae_coverage,
        )
    result.loc[low_coverage, "ae_4h_pct"] = float("nan")
    columns = [
        *KEYS,
        "ae_attendances",
        "ae_4h_pct",
        "ae_4h_coverage_pct",
        "ae_months",
        "rtt_waiting_list",
        "rtt_52wk_share",
        "rtt_months",
        "nctr_patients",
        "nctr_months",
        "bed_occupancy_pct",
        "beds_months",
    ]
    return result.loc[:, columns].sort_values(KEYS).reset_index(drop=True)
