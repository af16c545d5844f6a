"""The trust panel: one row per NHS trust with its ICB, finance outcomes and cost-side drivers.

Sources: the two compilations read by :mod:`helpers.data.readers.trust_metrics_2025_26` (NHS
Oversight Framework 2025/26 Q3, TAC 2024/25, National Cost Collection, ERIC 2024/25, workforce
and sickness), plus what the project already holds at trust level for 2024/25 (A&E four-hour
performance and G&A bed occupancy from the healthyr trust files, sickness absence from the
monthly NHS files, staff engagement from the 2024 NHS Staff Survey).

Rules, stated once:

1. **Cross-check.** OF0079 (planned position) appears in both compilations; for every trust in
   both it must agree within ``tolerance`` percentage points, else :func:`check_of0079` stops
   the build naming both files, the trust codes and both columns.
2. **Ranges.** Each variable's plausible range is a row of ``trust_variables.csv`` (the trust
   part of the variable registry); a value outside it stops the build naming the file, the
   trust code and the column (:func:`check_ranges`).
3. **ICB (merger-aware).** A trust's ICB is the ICS it reports under in the NHS sickness absence
   files (``ICS_CODE``, 2024/25, the 42 ICBs); a trust absent there takes the ICB of its merger
   predecessors (``predecessor_codes`` of the trust_icb_lookup list, and geographr
   ``lookup_trust_trust`` old -> new codes) or successor; failing that, the 2026 ICS named in
   trust_icb_lookup when that ICS has exactly one pre-2026 predecessor ICB. A trust left
   without an ICB is listed; :func:`require_icbs` stops the build unless it is declared in
   ``params.yaml`` with a reason. The 2026 ICS of trust_icb_lookup is used as a check and
   disagreements are listed.
4. **Roll-up.** A system's trust-sector position is the weighted mean of its trusts' positions
   (weights: operating income), over trusts with both; coverage is the share of the system's
   trust cost base (see :func:`rollup_to_systems`) in those trusts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.data.readers._common import require_columns
from helpers.data.readers.trust_metrics_2025_26 import (
    OVERSIGHT_COLUMNS,
    SCORECARD_COLUMNS,
    TrustMetrics,
)
from helpers.errors import DataError
from helpers.panel.joins import checked_merge
from helpers.panel.trust_registry import (  # noqa: F401  (re-exported)
    REGISTRY_FILE,
    TEACHING_SUBTYPE,
    TRUST_TYPES,
    label,
    labels,
    panel_schema,
    registry,
    rollup_schema,
)
from helpers.panel.workforce import normalise_ics_name

LOGGER = logging.getLogger(__name__)


def check_ranges(frame: pd.DataFrame, source: str, table: pd.DataFrame | None = None) -> None:
    """Raise DataError for any registered column with a value outside its registry range.

    The message names the file, the trust code(s), the column, the value(s) and the range.
    """
    table = registry() if table is None else table
    problems = []
    for column in frame.columns:
        if column not in table.index or not pd.api.types.is_numeric_dtype(frame[column]):
            continue
        low, high = float(table.loc[column, "min"]), float(table.loc[column, "max"])
        values = frame[column].astype("float64")
        outside = values.notna() & ~values.between(low, high)
        for code, value in zip(frame.loc[outside, "trust_code"], values[outside], strict=True):
            problems.append(
                f"trust {code}: column '{column}' = {value:g} outside [{low:g}, {high:g}]"
            )
    if problems:
        raise DataError(f"{source}: value(s) outside the registry range: " + "; ".join(problems))


# --- cross-file check -------------------------------------------------------------------------


def check_of0079(metrics: TrustMetrics, tolerance: float) -> pd.DataFrame:
    """Compare OF0079 trust by trust in the two files; raise on any disagreement.

    Returns the compared trusts (``trust_code``, both values, ``difference``). Trusts in only one
    file are not compared (and are counted in the log).
    """
    left = metrics.oversight.loc[:, ["trust_code", "planned_position_pct"]]
    right = metrics.scorecard.loc[:, ["trust_code", "planned_position_pct"]]
    both = left.merge(
        right, on="trust_code", suffixes=("_oversight", "_scorecard"), validate="one_to_one"
    )
    both["difference"] = (
        both["planned_position_pct_oversight"] - both["planned_position_pct_scorecard"]
    )
    one_missing = (
        both["planned_position_pct_oversight"].isna()
        != both["planned_position_pct_scorecard"].isna()
    )
    bad = one_missing | (both["difference"].abs() > tolerance)
    if bad.any():
        column_left = _source_column(OVERSIGHT_COLUMNS, "planned_position_pct")
        column_right = _source_column(SCORECARD_COLUMNS, "planned_position_pct")
        shown = "; ".join(
            f"trust {row.trust_code}: {row.planned_position_pct_oversight} vs "
            f"{row.planned_position_pct_scorecard}"
            for row in both.loc[bad].itertuples()
        )
        raise DataError(
            f"OF0079 disagrees between {metrics.oversight_file} (column '{column_left}') and "
            f"{metrics.scorecard_file} (column '{column_right}') beyond {tolerance} percentage "
            f"points for {int(bad.sum())} trust(s): {shown}"
        )
    LOGGER.info(
        "OF0079: %d trust(s) in both files agree within %s pp; "
        "%d only in the oversight file, %d only in the scorecard",
        len(both),
        tolerance,
        len(set(left["trust_code"]) - set(right["trust_code"])),
        len(set(right["trust_code"]) - set(left["trust_code"])),
    )
    return both.sort_values("trust_code").reset_index(drop=True)


def _source_column(columns: dict[str, str], tidy: str) -> str:
    """The source header a tidy column came from."""
    return next(source for source, name in columns.items() if name == tidy)


# --- ICB mapping ------------------------------------------------------------------------------


def reporting_ics(sickness: pd.DataFrame, icb_codes: set[str]) -> pd.DataFrame:
    """Each organisation's ICS in its latest month of the sickness files (42-ICB Q-codes only)."""
    require_columns(sickness, ("date", "org_code", "ics_code"), "sickness absence")
    latest = sickness.sort_values(["org_code", "date"]).drop_duplicates("org_code", keep="last")
    latest = latest.loc[latest["ics_code"].isin(icb_codes), ["org_code", "ics_code"]]
    return latest.rename(columns={"org_code": "trust_code", "ics_code": "icb_code"}).reset_index(
        drop=True
    )


def merger_links(trust_list: pd.DataFrame, successors: pd.DataFrame) -> pd.DataFrame:
    """Old -> new trust codes from both merger sources (``old_code``, ``new_code``)."""
    require_columns(trust_list, ("ods_code", "predecessor_codes"), "trust_icb_lookup")
    listed = trust_list.dropna(subset=["predecessor_codes"]).assign(
        old_code=lambda t: t["predecessor_codes"].str.split(";")
    )
    listed = listed.explode("old_code").assign(old_code=lambda t: t["old_code"].str.strip())
    links = pd.concat(
        [
            listed.rename(columns={"ods_code": "new_code"})[["old_code", "new_code"]],
            successors.loc[
                successors["old_code"] != successors["new_code"], ["old_code", "new_code"]
            ],
        ],
        ignore_index=True,
    )
    return links.drop_duplicates().sort_values(["old_code", "new_code"]).reset_index(drop=True)


def ics_2026_icbs(
    trust_list: pd.DataFrame, icb_list: pd.DataFrame, predecessors: pd.DataFrame
) -> pd.DataFrame:
    """Each listed trust's 2026 ICS and the pre-2026 ICB codes it covers (``icb_codes_2026``)."""
    names = icb_list.assign(ics_key=icb_list["name"].map(normalise_ics_name))[
        ["ics_key", "ods_code"]
    ]
    trusts = trust_list.assign(ics_key=trust_list["ics_name"].map(normalise_ics_name))
    merged = trusts.merge(
        names.rename(columns={"ods_code": "icb_2026_code"}), on="ics_key", how="left"
    )
    covered = predecessors.groupby("icb_2026_code")["icb_code"].agg(
        lambda codes: ";".join(sorted(codes))
    )
    merged["icb_codes_2026"] = merged["icb_2026_code"].map(covered)
    return merged.rename(columns={"ods_code": "trust_code"})[
        ["trust_code", "ics_name", "icb_codes_2026"]
    ]


def assign_icbs(
    codes: Sequence[str],
    reporting: pd.DataFrame,
    links: pd.DataFrame,
    ics_2026: pd.DataFrame,
) -> pd.DataFrame:
    """ICB of each trust code (rule 3 of the module docstring).

    Returns ``trust_code``, ``icb_code`` (missing when unmatched), ``icb_source`` and
    ``icb_2026_agrees`` (whether the 2026 ICS of trust_icb_lookup covers that ICB; missing where
    the trust is not listed there).
    """
    direct = dict(zip(reporting["trust_code"], reporting["icb_code"], strict=True))
    by_2026 = ics_2026.set_index("trust_code")["icb_codes_2026"].to_dict()
    rows = []
    for code in sorted(set(codes)):
        icb, how = direct.get(code), "sickness absence ICS_CODE 2024/25"
        if icb is None:
            icb, how = _via_mergers(code, direct, links)
        if icb is None:
            covered = by_2026.get(code)
            if isinstance(covered, str) and ";" not in covered:
                icb, how = covered, "2026 ICS (trust_icb_lookup), single predecessor ICB"
        covered = by_2026.get(code)
        agrees = None if not isinstance(covered, str) or icb is None else icb in covered.split(";")
        rows.append(
            {
                "trust_code": code,
                "icb_code": icb,
                "icb_source": how if icb else "unmatched",
                "icb_2026_agrees": agrees,
            }
        )
    table = pd.DataFrame(rows)
    table["icb_code"] = table["icb_code"].astype("string")
    table["icb_2026_agrees"] = table["icb_2026_agrees"].astype("boolean")
    return table


def _via_mergers(code: str, direct: dict[str, str], links: pd.DataFrame) -> tuple[str | None, str]:
    """The single ICB of a trust's merger predecessors, else of its successor."""
    for column, other, word in (
        ("new_code", "old_code", "predecessor"),
        ("old_code", "new_code", "successor"),
    ):
        related = sorted(links.loc[links[column] == code, other])
        icbs = {direct[r] for r in related if r in direct}
        if len(icbs) == 1:
            return icbs.pop(), f"{word} {', '.join(related)} (merger)"
    return None, "unmatched"


def files_by_trust(metrics: TrustMetrics) -> dict[str, str]:
    """Each trust code -> the file(s) it appears in (for error messages)."""
    files: dict[str, list[str]] = {}
    for frame, name in (
        (metrics.oversight, metrics.oversight_file),
        (metrics.scorecard, metrics.scorecard_file),
    ):
        for code in frame["trust_code"]:
            files.setdefault(str(code), []).append(name)
    return {code: " and ".join(names) for code, names in files.items()}


def require_icbs(
    mapping: pd.DataFrame, files: dict[str, str], allowed: dict[str, str]
) -> pd.DataFrame:
    """Stop the build for any trust without an ICB unless ``allowed`` names it with a reason.

    ``files``: trust code -> the file(s) it came from. Returns the unmatched trusts (for the
    notebook to list), with the reason they are allowed.
    """
    unmatched = mapping.loc[mapping["icb_code"].isna()]
    undeclared = sorted(set(unmatched["trust_code"]) - set(allowed))
    if undeclared:
        shown = "; ".join(
            f"trust code {code} (in {files.get(code, 'an unknown file')})" for code in undeclared
        )
        raise DataError(
            f"{shown}: column 'trust_code' maps to no ICB; declare each in params.yaml "
            "(unmapped_trusts, with a reason) or extend the trust lookups"
        )
    return unmatched.assign(reason=unmatched["trust_code"].map(allowed)).reset_index(drop=True)


# --- trust-level measures the project already holds ---------------------------------------------


def fiscal_year_sum(
    frame: pd.DataFrame,
    code: str,
    columns: Sequence[str],
    year_start: str,
    successors: pd.DataFrame,
) -> pd.DataFrame:
    """Sum ``columns`` per trust over the 12 months from ``year_start`` (YYYY-MM), keeping trusts
    with all 12 months; codes in that window replaced by their final successor (geographr
    ``lookup_trust_trust``; merged trusts summed)."""
    from helpers.panel.apportion import successor_map

    start = pd.Timestamp(f"{year_start}-01")
    window = frame.loc[
        (frame["date"] >= start) & (frame["date"] < start + pd.DateOffset(years=1))
    ].copy()
    mapping = successor_map(successors, window[code].dropna().unique().tolist())
    window["trust_code"] = window[code].map(lambda c: mapping.get(c, c))
    window["month"] = window["date"].dt.to_period("M")
    sums = window.groupby("trust_code")[list(columns)].sum(min_count=12)
    months = window.groupby("trust_code")["month"].nunique()
    sums.loc[months < 12, :] = np.nan
    return sums.reset_index()


def ae_4h_by_trust(
    ae_trust: pd.DataFrame, year_start: str, successors: pd.DataFrame
) -> pd.DataFrame:
    """A&E four-hour performance per trust over one financial year (trusts reporting breaches)."""
    reporting = ae_trust.dropna(subset=["attendances_over_4hours"])
    sums = fiscal_year_sum(
        reporting,
        "nhs_trust22_code",
        ["total_attendances", "attendances_over_4hours"],
        year_start,
        successors,
    )
    sums["ae_4h_pct"] = 100.0 * (1 - sums["attendances_over_4hours"] / sums["total_attendances"])
    return sums.loc[sums["total_attendances"] > 0, ["trust_code", "ae_4h_pct"]]


def bed_occupancy_by_trust(
    beds: pd.DataFrame, year_start: str, successors: pd.DataFrame
) -> pd.DataFrame:
    """G&A bed occupancy per trust over one financial year (bed-day weighted)."""
    columns = ["general_acute_beds_available", "general_acute_beds_occupied"]
    sums = fiscal_year_sum(beds, "nhs_trust22_code", columns, year_start, successors)
    sums["bed_occupancy_pct"] = (
        100.0 * sums["general_acute_beds_occupied"] / sums["general_acute_beds_available"]
    )
    return sums.loc[sums["general_acute_beds_available"] > 0, ["trust_code", "bed_occupancy_pct"]]


def delayed_discharges_by_trust(
    delays: pd.DataFrame, beds: pd.DataFrame, year_start: str, successors: pd.DataFrame
) -> pd.DataFrame:
    """Patients delayed in hospital (all reasons) per 100 occupied G&A beds.

    ``delays``: healthyr ``england_delayed_discharge_reasons`` (``nhs_trust22_code``, ``date``,
    ``delay_reason``, ``delay_count``); the monthly counts are summed over reasons and averaged
    over the trust's months (the file covers June 2024 to May 2025; trusts with fewer than 12
    months are left missing). Occupied beds: the mean monthly G&A beds occupied in the financial
    year from ``year_start``. Merged trusts are summed under their successor.
    """
    from helpers.panel.apportion import successor_map

    require_columns(delays, ("nhs_trust22_code", "date", "delay_count"), "delayed discharges")
    mapping = successor_map(successors, delays["nhs_trust22_code"].dropna().unique().tolist())
    frame = delays.assign(trust_code=delays["nhs_trust22_code"].map(lambda c: mapping.get(c, c)))
    monthly = frame.groupby(["trust_code", "date"])["delay_count"].sum(min_count=1)
    per_trust = monthly.groupby("trust_code").agg(["mean", "count"])
    per_trust = per_trust.loc[per_trust["count"] >= 12, "mean"]
    occupied = (
        fiscal_year_sum(
            beds, "nhs_trust22_code", ["general_acute_beds_occupied"], year_start, successors
        ).set_index("trust_code")["general_acute_beds_occupied"]
        / 12.0
    )
    ratio = 100.0 * per_trust / occupied.reindex(per_trust.index)
    ratio = ratio.loc[np.isfinite(ratio)].rename("delayed_discharge_per_100_beds")
    return ratio.rename_axis("trust_code").reset_index()


def sickness_by_trust(sickness: pd.DataFrame) -> pd.DataFrame:
    """Sickness absence per organisation over the months given (FTE days lost / available)."""
    sums = sickness.groupby("org_code")[["fte_days_lost", "fte_days_available"]].sum()
    months = sickness.groupby("org_code")["date"].nunique()
    sums = sums.loc[(months == sickness["date"].nunique()) & (sums["fte_days_available"] > 0)]
    result = (100.0 * sums["fte_days_lost"] / sums["fte_days_available"]).rename(
        "sickness_absence_pct"
    )
    return result.rename_axis("trust_code").reset_index()


def engagement_by_trust(engagement: pd.DataFrame) -> pd.DataFrame:
    """Staff engagement score per organisation (2024 survey)."""
    return engagement.rename(columns={"ods_code": "trust_code"})[["trust_code", "staff_engagement"]]


# --- the panel --------------------------------------------------------------------------------


PANEL_ID_COLUMNS: list[str] = [
    "trust_code",
    "trust_name",
    "trust_type",
    "trust_subtype",
    "teaching",
    "region_name",
    "icb_code",
    "icb_name",
    "icb_source",
    "in_oversight_file",
    "in_scorecard_file",
]
OUTCOME_COLUMNS: list[str] = [
    "planned_position_pct",
    "variance_to_plan_pct",
    "q3_variance_pct",
    "operating_margin_pct",
    "operating_income_gbp_m",
    "q3_deficit_support",
    "q3_forecast_deficit",
]


def combine_files(metrics: TrustMetrics) -> pd.DataFrame:
    """One row per trust in either file: oversight columns, then scorecard-only columns.

    Name, region and subtype come from the oversight file where present; trusts only in the
    acute scorecard are acute. OF0079 must already have passed :func:`check_of0079`.
    """
    oversight = metrics.oversight.assign(in_oversight_file=True)
    scorecard = metrics.scorecard.assign(in_scorecard_file=True)
    shared = ["trust_name", "region_name", "trust_subtype", "planned_position_pct"]
    merged = oversight.merge(
        scorecard, on="trust_code", how="outer", suffixes=("", "_scorecard"), validate="one_to_one"
    )
    for column in shared:
        merged[column] = merged[column].fillna(merged[f"{column}_scorecard"])
    merged = merged.drop(columns=[f"{column}_scorecard" for column in shared])
    merged["trust_type"] = merged["trust_type"].map(TRUST_TYPES).fillna("acute").astype("string")
    merged["in_oversight_file"] = merged["in_oversight_file"].fillna(False).astype(bool)
    merged["in_scorecard_file"] = merged["in_scorecard_file"].fillna(False).astype(bool)
    return merged.sort_values("trust_code").reset_index(drop=True)


def add_derived(frame: pd.DataFrame) -> pd.DataFrame:
    """Teaching flag, resource-minus-activity growth, backlog per income, log income."""
    result = frame.copy()
    result["teaching"] = (result["trust_subtype"] == TEACHING_SUBTYPE).astype(int)
    result["productivity_gap_pct"] = (
        result["productivity_resource_growth_pct"] - result["productivity_activity_growth_pct"]
    )
    result["backlog_per_income_pct"] = (
        100.0 * result["estates_backlog_gbp_m"] / result["operating_income_gbp_m"]
    )
    result["log_income"] = np.log(result["operating_income_gbp_m"])
    return result


def build_trust_panel(
    metrics: TrustMetrics,
    mapping: pd.DataFrame,
    icb_lookup: pd.DataFrame,
    icb_context: pd.DataFrame,
    measures: Sequence[pd.DataFrame],
) -> pd.DataFrame:
    """Assemble the trust panel: one row per trust, every join checked (one row per trust)."""
    panel = combine_files(metrics)
    panel = checked_merge(
        panel,
        mapping[["trust_code", "icb_code", "icb_source"]],
        on=["trust_code"],
        validate="one_to_one",
        label="trusts -> ICB",
    )
    names = icb_lookup[["icb_code", "icb_name"]]
    panel = checked_merge(
        panel, names, on=["icb_code"], validate="many_to_one", label="trusts -> ICB name"
    )
    context = icb_context[["icb_code", "imd_score", "share_65plus"]]
    panel = checked_merge(
        panel, context, on=["icb_code"], validate="many_to_one", label="trusts -> host ICB context"
    )
    for measure in measures:
        column = next(c for c in measure.columns if c != "trust_code")
        panel = checked_merge(
            panel, measure, on=["trust_code"], validate="one_to_one", label=f"trusts -> {column}"
        )
    panel = add_derived(panel)
    ordered = [*PANEL_ID_COLUMNS, *OUTCOME_COLUMNS]
    rest = sorted(c for c in panel.columns if c not in ordered)
    return panel[ordered + rest].sort_values("trust_code").reset_index(drop=True)


def coverage_by_type(panel: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Trusts with a value, by trust type and variable (plus the number of trusts of each type)."""
    counts = panel.groupby("trust_type")[list(columns)].count().T
    counts.loc["trusts"] = panel.groupby("trust_type").size()
    counts.index.name = "variable"
    counts.columns.name = None
    counts["all trusts"] = counts.sum(axis=1)
    order = ["trusts", *columns]
    return counts.loc[order].astype(int)


# --- roll-up to systems ----------------------------------------------------------------------


def rollup_to_systems(
    panel: pd.DataFrame,
    outcome: str,
    weight: str,
    size: Sequence[str],
    icb_codes: Sequence[str],
) -> pd.DataFrame:
    """Weighted trust-sector position per ICB, for every ICB in ``icb_codes``.

    ``value_pct`` = sum(weight x outcome) / sum(weight) over the system's trusts with both.
    ``share_covered_pct`` = 100 x size of those trusts / size of all the system's trusts, where a
    trust's size is the first non-missing of the ``size`` columns (e.g. reference-cost total
    cost, then operating income); trusts with no size count as zero in both. Systems with no
    covered trust get a missing value and 0% coverage.
    """
    require_columns(panel, ("trust_code", "icb_code", outcome, weight, *size), "trust panel")
    frame = panel.loc[panel["icb_code"].notna()].copy()
    frame["size"] = frame[list(size)].bfill(axis=1).iloc[:, 0].fillna(0.0)
    covered = frame[outcome].notna() & frame[weight].notna() & (frame[weight] > 0)
    frame["weighted"] = np.where(covered, frame[outcome] * frame[weight], 0.0)
    frame["weight_used"] = np.where(covered, frame[weight], 0.0)
    frame["size_covered"] = np.where(covered, frame["size"], 0.0)
    frame["covered"] = covered.astype(int)
    sums = frame.groupby("icb_code").agg(
        weighted=("weighted", "sum"),
        weight_covered=("weight_used", "sum"),
        size_total=("size", "sum"),
        size_covered=("size_covered", "sum"),
        n_trusts=("trust_code", "size"),
        n_trusts_covered=("covered", "sum"),
    )
    sums = sums.reindex(sorted(icb_codes))
    sums[["n_trusts", "n_trusts_covered"]] = (
        sums[["n_trusts", "n_trusts_covered"]].fillna(0).astype(int)
    )
    sums["value_pct"] = sums["weighted"] / sums["weight_covered"].where(sums["weight_covered"] > 0)
    sums["share_covered_pct"] = (
        100.0 * sums["size_covered"] / sums["size_total"].where(sums["size_total"] > 0)
    ).fillna(0.0)
    result = sums.drop(columns=["weighted"]).rename_axis("icb_code").reset_index()
    result.insert(1, "outcome", outcome)
    result.insert(2, "weight", weight)
    return result


def rollups(
    panel: pd.DataFrame,
    specs: dict[str, dict[str, str]],
    size: Sequence[str],
    icb_codes: Sequence[str],
) -> pd.DataFrame:
    """Every roll-up in ``specs`` ({name: {outcome, weight}}), stacked with a ``rollup`` column."""
    tables = [
        rollup_to_systems(panel, spec["outcome"], spec["weight"], size, icb_codes).assign(
            rollup=name
        )
        for name, spec in specs.items()
    ]
    stacked = pd.concat(tables, ignore_index=True)
    return stacked[["rollup", *[c for c in stacked.columns if c != "rollup"]]]


def apply_min_coverage(rolled: pd.DataFrame, threshold: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Blank roll-up values covering less than ``threshold`` % of the system's trust cost base.

    Returns the masked roll-up and the rows masked (for the notebook to list).
    """
    low = rolled["value_pct"].notna() & (rolled["share_covered_pct"] < threshold)
    masked = rolled.copy()
    masked.loc[low, "value_pct"] = np.nan
    return masked, rolled.loc[low].reset_index(drop=True)


def compare_with_curated(
    rolled: pd.DataFrame,
    positions: pd.DataFrame,
    comparisons: dict[str, dict[str, object]],
    lookup: pd.DataFrame,
) -> pd.DataFrame:
    """Pair roll-ups with curated system positions of the same year and stage.

    ``comparisons``: name -> {rollup, financial_year, measures, source_kinds (optional)}; the
    curated figure is the best available among the rows of that year and those measures
    (:func:`helpers.analysis.models.build_outcome`), so an outturn is compared with outturns and
    forecasts, a plan with plans. Returns one row per comparison x system with both values;
    ``deficit_differs`` is True where one value is below zero and the other is not.
    """
    from helpers.analysis.models import build_outcome

    tables = []
    for name, spec in comparisons.items():
        year = str(spec["financial_year"])
        curated = build_outcome(
            positions,
            years=[year],
            measures=list(spec["measures"]),  # type: ignore[arg-type]
            source_kinds=list(spec.get("source_kinds", ["official", "press", "campaign"])),  # type: ignore[arg-type]
        )
        left = rolled.loc[
            rolled["rollup"] == spec["rollup"],
            ["rollup", "icb_code", "value_pct", "share_covered_pct"],
        ]
        right = curated[["icb_code", "position_pct", "measure", "source_kind"]]
        both = left.merge(right, on="icb_code", how="inner", validate="one_to_one")
        both = both.rename(columns={"position_pct": "curated_pct"})
        tables.append(
            both.dropna(subset=["value_pct", "curated_pct"]).assign(
                comparison=name, financial_year=year
            )
        )
    joined = pd.concat(tables, ignore_index=True)
    joined = joined.merge(
        lookup[["icb_code", "icb_name"]], on="icb_code", how="left", validate="many_to_one"
    )
    joined["difference_pp"] = joined["value_pct"] - joined["curated_pct"]
    joined["deficit_differs"] = (joined["value_pct"] < 0) != (joined["curated_pct"] < 0)
    first = ["comparison", "financial_year", "icb_code", "icb_name"]
    return joined[first + [c for c in joined.columns if c not in first]]


def validation_summary(compared: pd.DataFrame) -> pd.DataFrame:
    """Per comparison: N systems, Pearson and Spearman correlation (N >= 3), and the number of
    systems in deficit on one measure but not the other."""
    rows = []
    for name, group in compared.groupby("comparison", sort=False):
        enough = len(group) >= 3
        pearson = group["value_pct"].corr(group["curated_pct"]) if enough else np.nan
        spearman = (
            group["value_pct"].corr(group["curated_pct"], method="spearman") if enough else np.nan
        )
        rows.append(
            {
                "comparison": name,
                "rollup": group["rollup"].iloc[0],
                "financial_year": group["financial_year"].iloc[0],
                "n_systems": len(group),
                "pearson_r": pearson,
                "spearman_rho": spearman,
                "n_deficit_differs": int(group["deficit_differs"].sum()),
            }
        )
    return pd.DataFrame(rows)


def most_disagreeing(compared: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` systems per comparison with the largest absolute difference, largest first."""
    ranked = compared.assign(abs_difference=compared["difference_pp"].abs())
    ranked = ranked.sort_values(
        ["abs_difference", "icb_code"], ascending=[False, True], kind="stable"
    )
    top = ranked.groupby("comparison", sort=False).head(n).drop(columns="abs_difference")
    order = {name: index for index, name in enumerate(dict.fromkeys(compared["comparison"]))}
    return top.sort_values("comparison", key=lambda c: c.map(order), kind="stable").reset_index(
        drop=True
    )


# --- loading (acquire by hash through the readers) ------------------------------------------


def load_sickness_2024_25() -> pd.DataFrame:
    """The twelve monthly NHS sickness absence files of 2024/25."""
    from helpers.data.readers import sickness_absence

    return sickness_absence.load()


def load_icb_mapping(
    codes: Sequence[str], sickness: pd.DataFrame, icb_codes: set[str]
) -> pd.DataFrame:
    """ICB of each trust code from the project's trust lookups (see :func:`assign_icbs`)."""
    from helpers.data.readers import geographr, trust_icb_lookup

    trust_list = trust_icb_lookup.load("trusts")
    icb_list = trust_icb_lookup.load("icbs")
    successors = geographr.load("trust_successors")
    return assign_icbs(
        codes,
        reporting_ics(sickness, icb_codes),
        merger_links(trust_list, successors),
        ics_2026_icbs(trust_list, icb_list, trust_icb_lookup.icb_predecessors(icb_list)),
    )


def load_existing_measures(sickness: pd.DataFrame, year_start: str) -> list[pd.DataFrame]:
    """Trust-level A&E 4-hour %, G&A bed occupancy, delayed discharges per 100 occupied beds,
    sickness absence and staff engagement."""
    from helpers.data.readers import geographr, healthyr, staff_survey_2024
    from helpers.data.readers._common import acquired, read_rda_frame

    ae = healthyr.load("trust_accidents_emergency")
    beds = healthyr.load("general_acute_beds")
    delays = read_rda_frame(acquired("healthyr/england_delayed_discharge_reasons.rda"))
    delays["nhs_trust22_code"] = delays["nhs_trust22_code"].astype("string").str.strip()
    delays["date"] = pd.to_datetime(delays["date"].astype("float64"), unit="D")
    successors = geographr.load("trust_successors")
    engagement = staff_survey_2024.load("organisation_engagement")
    return [
        ae_4h_by_trust(ae, year_start, successors),
        bed_occupancy_by_trust(beds, year_start, successors),
        delayed_discharges_by_trust(delays, beds, year_start, successors),
        sickness_by_trust(sickness),
        engagement_by_trust(engagement),
    ]


def coverage_map_title(rolled: pd.DataFrame) -> str:
    """Colour-bar title stating the median coverage of a roll-up (computed, not typed)."""
    median = rolled["share_covered_pct"].median()
    return f"% of trust cost base covered (median {median:.0f}%)"


def panel_numbers(
    panel: pd.DataFrame,
    of0079: pd.DataFrame,
    unmatched: pd.DataFrame,
    rolled: pd.DataFrame,
    n_oversight: int,
    n_scorecard: int,
) -> dict[str, int | str]:
    """Numbers the report quotes from the trust panel and the roll-up."""
    acute = panel.loc[panel["trust_type"] == "acute"]
    margin = rolled.loc[rolled["rollup"] == "operating_margin_2024_25"]
    plan = rolled.loc[rolled["rollup"] == "planned_position_2025_26"]
    return {
        "trust_n_trusts": len(panel),
        "trust_n_acute": len(acute),
        "trust_n_oversight_file": n_oversight,
        "trust_n_scorecard_file": n_scorecard,
        "trust_n_of0079_compared": len(of0079),
        "trust_n_unmatched": len(unmatched),
        "trust_n_icbs": int(panel["icb_code"].nunique()),
        "trust_n_margin": int(acute["operating_margin_pct"].notna().sum()),
        "trust_n_plan_acute": int(acute["planned_position_pct"].notna().sum()),
        "trust_rollup_margin_systems": int(margin["value_pct"].notna().sum()),
        "trust_rollup_margin_median_coverage_pct": f"{margin['share_covered_pct'].median():.0f}",
        "trust_rollup_margin_min_coverage_pct": f"{margin['share_covered_pct'].min():.0f}",
        "trust_rollup_plan_systems": int(plan["value_pct"].notna().sum()),
        "trust_rollup_plan_median_coverage_pct": f"{plan['share_covered_pct'].median():.0f}",
    }
