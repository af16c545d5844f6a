"""Workforce race equality, system leadership and historic (legacy) debt from the curated facts.

The curated tables ``leadership_facts.csv`` and ``legacy_debt.csv`` hold one cited fact per
row, in the words of its source. This module picks rows out of them by documented rules, so
that every figure or table built on them can be traced back to its rows and sources.

Race-equality series rule (:data:`RACE_EQUALITY_SERIES`). A leadership fact belongs to a
national series when (1) its ``unit`` is ``national`` and its ``org_name`` is
:data:`NATIONAL_SCOPE` (all NHS trusts in England; regional and single-trust rows are left
out), (2) its ``fact`` text starts with the series' pattern (case-insensitive), (3) its
``unit_of_value`` is the series' unit and (4) its ``year`` is a single calendar year. A row
matching two series, or two rows giving the same series and year, is an error: the series
must be unambiguous. Figures given only in brackets inside another row's text (e.g. "9% in
2021") are never read; each point is its own cited row.

Leadership themes (:data:`LEADERSHIP_THEMES`). Each fact gets the first theme, in the order
listed, whose ``unit`` set (if any) contains the row's unit and whose pattern is found in
"<org_name>: <fact>" (case-insensitive); rows matching none are ``other``.

Coverage. ``orgs_covered`` is 1 when the row names one ICB by its Q-code; otherwise the
number the source gives in brackets in ``org_name`` (e.g. "STP/ICS (42 systems)" -> 42), or
missing when the source states none. ``first_year``/``last_year`` are the first and last
years written in ``year`` (a financial year "2016/17" counts as its first calendar year);
labels such as "not stated (post-2021 census)" give missing years.

Legacy-debt rows carry their ``kind`` (``debt``, ``context``: in-year positions, not legacy
debt, or ``rule``), a numeric ``value`` and its ``unit``; :mod:`helpers.data.curated` adds
``value_gbp_m`` (values in £m) and ``count_in_text`` (counts of systems). Single facts the
report quotes are picked by their ``fact_id``, never by their wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data import curated
from helpers.errors import DataError
from helpers.report.tables import format_p, signed

LEADERSHIP_FILE: Path = curated.LEADERSHIP_FILE
LEGACY_DEBT_FILE: Path = curated.LEGACY_DEBT_FILE

#: ``org_name`` of the national rows that describe all NHS trusts in England.
NATIONAL_SCOPE = "NHS trusts in England"

SOURCE_COLUMNS: list[str] = ["source_publisher", "source_title", "source_date", "source_url"]


@dataclass(frozen=True)
class RaceSeries:
    """One national race-equality series: its name, the fact pattern, unit and measure."""

    name: str
    pattern: str
    unit_of_value: str
    measure: str  # "share" (percent) or "headcount" (people)


#: The national WRES-type series, in the order they are drawn.
RACE_EQUALITY_SERIES: tuple[RaceSeries, ...] = (
    RaceSeries("NHS trust workforce", r"BME share of NHS trust workforce\b", "percent", "share"),
    RaceSeries("trust board members", r"BME share of trust board members\b", "percent", "share"),
    RaceSeries(
        "executive board roles", r"BME share of executive board roles\b", "percent", "share"
    ),
    RaceSeries(
        "very senior managers (VSM pay bands)",
        r"BME headcount at very senior manager",
        "count (people)",
        "headcount",
    ),
    RaceSeries(
        "executive directors on trust boards",
        r"executive directors from ethnic minority backgrounds on trust boards\b",
        "count (people)",
        "headcount",
    ),
)

#: Ordered (theme, units or None for any, pattern) rules; the first match wins.
LEADERSHIP_THEMES: tuple[tuple[str, frozenset[str] | None, str], ...] = (
    (
        "Recovery Support Programme and oversight",
        None,
        r"Recovery Support Programme|oversight|segment",
    ),
    ("ICB and system leader diversity", frozenset({"system"}), r"ethnic minority|\bBME\b|BAME"),
    ("system leader turnover and appointments", frozenset({"system"}), r"."),
    ("system leader turnover and appointments", None, r"^ICB senior leadership teams"),
    (
        "trust workforce and board race equality",
        None,
        r"ethnic minority|\bBME\b|BAME|\bBlack\b|non-white|of colour|all-white|women|diversity"
        r"|discrimination",
    ),
    ("trust chief executive turnover", None, r"\bCEO|chief executive|executive director"),
)
OTHER_THEME = "other"

YEAR_TOKEN = re.compile(r"(?<!\d)(20\d{2}|19\d{2})(?:/\d{2})?(?!\d)")
BRACKET_COUNT = re.compile(r"\((\d+)\b")


def load_leadership_facts(path: Path = LEADERSHIP_FILE) -> pd.DataFrame:
    """The leadership facts, validated (numeric ``value``, text kept in ``value_text``)."""
    return curated.load_leadership_facts(path)


def load_legacy_debt(
    path: Path = LEGACY_DEBT_FILE, icb_codes: set[str] | None = None
) -> pd.DataFrame:
    """The legacy-debt rows, validated, with ``kind``, ``value_gbp_m`` and ``count_in_text``."""
    return curated.load_legacy_debt(path, icb_codes)


def _single_year(years: pd.Series) -> pd.Series:
    return pd.to_numeric(years.where(years.str.fullmatch(r"\d{4}")), errors="coerce")


def race_equality_series(
    facts: pd.DataFrame, series: tuple[RaceSeries, ...] = RACE_EQUALITY_SERIES
) -> pd.DataFrame:
    """National race-equality points picked by the rule in the module doc, one row per point.

    Columns: series, measure, year, value, unit_of_value, fact, the source columns and
    source_line; sorted by measure (shares first), series order and year.
    """
    in_scope = (facts["unit"] == "national") & (facts["org_name"] == NATIONAL_SCOPE)
    year = _single_year(facts["year"])
    matches = pd.DataFrame(
        {
            spec.name: in_scope
            & facts["fact"].str.match(spec.pattern, case=False)
            & (facts["unit_of_value"] == spec.unit_of_value)
            & year.notna()
            for spec in series
        },
        index=facts.index,
    )
    ambiguous = matches.sum(axis=1) > 1
    if ambiguous.any():
        lines = facts.loc[ambiguous, "source_line"].tolist()
        raise DataError(f"leadership facts: line(s) {lines} match more than one series")
    picked = matches.any(axis=1)
    order = {spec.name: index for index, spec in enumerate(series)}
    measures = {spec.name: spec.measure for spec in series}
    result = facts.loc[picked].assign(
        series=matches.loc[picked].idxmax(axis=1), year=year[picked].astype(int)
    )
    result["measure"] = result["series"].map(measures)
    duplicated = result.duplicated(["series", "year"], keep=False)
    if duplicated.any():
        lines = result.loc[duplicated, "source_line"].tolist()
        raise DataError(f"leadership facts: line(s) {lines} give the same series and year twice")
    result = result.assign(
        measure_order=result["measure"].map({"share": 0, "headcount": 1}),
        series_order=result["series"].map(order),
    ).sort_values(["measure_order", "series_order", "year"])
    columns = ["series", "measure", "year", "value", "unit_of_value", "fact"]
    return result[[*columns, *SOURCE_COLUMNS, "source_line"]].reset_index(drop=True)


def share_gap(
    points: pd.DataFrame,
    workforce: str = "NHS trust workforce",
    leadership: str = "trust board members",
) -> pd.DataFrame:
    """Years with both shares: workforce and leadership share, gap (points) and ratio."""
    wide = points[points["series"].isin([workforce, leadership])].pivot(
        index="year", columns="series", values="value"
    )
    if workforce not in wide or leadership not in wide:
        return pd.DataFrame(columns=["year", "workforce_pct", "leadership_pct", "gap_pp", "ratio"])
    both = wide[[workforce, leadership]].dropna()
    return pd.DataFrame(
        {
            "year": both.index.astype(int),
            "workforce_pct": both[workforce].to_numpy(),
            "leadership_pct": both[leadership].to_numpy(),
            "gap_pp": (both[workforce] - both[leadership]).to_numpy(),
            "ratio": (both[leadership] / both[workforce]).to_numpy(),
        }
    ).reset_index(drop=True)


def survey_summary(panel: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Per measure and financial year: ICBs with a value, median, quartiles, min and max.

    ``columns`` maps panel columns to labels (kept in ``variable`` and ``measure``).
    """
    rows = []
    for column, label in columns.items():
        for year, values in panel.groupby("financial_year", sort=True)[column]:
            present = values.dropna()
            if present.empty:
                continue
            rows.append(
                {
                    "variable": column,
                    "measure": label,
                    "financial_year": year,
                    "n_icbs": int(present.size),
                    "median": float(present.median()),
                    "q1": float(present.quantile(0.25)),
                    "q3": float(present.quantile(0.75)),
                    "min": float(present.min()),
                    "max": float(present.max()),
                }
            )
    return pd.DataFrame(rows)


def correlations(
    data: pd.DataFrame, outcome: str, predictors: list[str], sample: str
) -> pd.DataFrame:
    """Pearson and Spearman correlation of ``outcome`` with each predictor, with N and p-values.

    Each pair uses the rows where both values are present (N reported); fewer than three
    rows, or a constant column, give missing coefficients.
    """
    from scipy import stats  # imported here: 0.8 s that most users of this module skip

    rows = []
    for predictor in predictors:
        pair = data[[predictor, outcome]].dropna()
        n_obs = len(pair)
        result = {"sample": sample, "variable": predictor, "n": n_obs}
        varies = n_obs >= 3 and pair[predictor].nunique() > 1 and pair[outcome].nunique() > 1
        if varies:
            pearson = stats.pearsonr(pair[predictor], pair[outcome])
            spearman = stats.spearmanr(pair[predictor], pair[outcome])
            result |= {
                "pearson_r": float(pearson.statistic),
                "pearson_p": float(pearson.pvalue),
                "spearman_rho": float(spearman.statistic),
                "spearman_p": float(spearman.pvalue),
            }
        else:
            result |= dict.fromkeys(
                ["pearson_r", "pearson_p", "spearman_rho", "spearman_p"], np.nan
            )
        rows.append(result)
    return pd.DataFrame(rows)


def survey_and_position(
    panel: pd.DataFrame, cross_section: pd.DataFrame, columns: list[str]
) -> pd.DataFrame:
    """One row per system with a position: mean position and mean of each survey measure.

    Survey means are over the panel years each system has values for; ``cross_section`` is
    :func:`helpers.analysis.models.system_cross_section` output (systems without a position are left
    out, as the association needs both).
    """
    means = panel.groupby("icb_code", sort=True)[columns].mean().reset_index()
    merged = cross_section[["icb_code", "position_pct", "n_years"]].merge(
        means, on="icb_code", how="left", validate="one_to_one"
    )
    return merged.sort_values("icb_code", ignore_index=True)


def association_table(
    panel: pd.DataFrame,
    outcome: pd.DataFrame,
    cross_section: pd.DataFrame,
    columns: list[str],
) -> pd.DataFrame:
    """Correlations of each survey measure with the position: system means, then each year.

    ``outcome`` is :func:`helpers.analysis.models.build_outcome` output (one row per system-year);
    a year's sample pairs each system's position with the same year's survey value.
    """
    tables = [
        correlations(
            survey_and_position(panel, cross_section, columns),
            "position_pct",
            columns,
            "system means over years",
        )
    ]
    yearly = outcome[["icb_code", "financial_year", "position_pct"]].merge(
        panel[["icb_code", "financial_year", *columns]],
        on=["icb_code", "financial_year"],
        how="left",
        validate="one_to_one",
    )
    for year, data in yearly.groupby("financial_year", sort=True):
        tables.append(correlations(data, "position_pct", columns, str(year)))
    table = pd.concat(tables, ignore_index=True)
    return table[table["n"] > 0].reset_index(drop=True)


def classify_leadership(facts: pd.DataFrame) -> pd.DataFrame:
    """Add ``theme`` (rule in the module doc), ``orgs_covered``, ``first_year``, ``last_year``."""
    text = facts["org_name"] + ": " + facts["fact"]
    theme = pd.Series(OTHER_THEME, index=facts.index)
    unassigned = pd.Series(True, index=facts.index)
    for name, units, pattern in LEADERSHIP_THEMES:
        hit = unassigned & text.str.contains(pattern, case=False, regex=True)
        if units is not None:
            hit &= facts["unit"].isin(units)
        theme[hit] = name
        unassigned &= ~hit
    return facts.assign(
        theme=theme,
        orgs_covered=orgs_covered(facts["org_name"], facts["org_code"]),
        first_year=_year_bound(facts["year"], first=True),
        last_year=_year_bound(facts["year"], first=False),
    )


def orgs_covered(org_names: pd.Series, org_codes: pd.Series) -> pd.Series:
    """1 for a row naming one ICB (Q-code); else the bracketed count in its name; else NA."""
    counts = pd.to_numeric(org_names.str.extract(BRACKET_COUNT, expand=False)).astype("Int64")
    one_icb = org_codes.str.fullmatch(r"Q[A-Z0-9]{2}")
    return counts.mask(one_icb, 1)


def _year_bound(years: pd.Series, first: bool) -> pd.Series:
    def bound(label: str) -> float:
        found = [int(year) for year in YEAR_TOKEN.findall(label)] if label[:1].isdigit() else []
        if not found:
            return np.nan
        return float(found[0] if first else found[-1])

    return years.map(bound).astype("Int64")


#: Human labels and formats of :func:`theme_rows` tables (helpers.report.tables.people_table).
THEME_ROW_LABELS: dict[str, str] = {
    "year": "Year",
    "organisation": "Organisation",
    "code": "ICB code",
    "fact": "Fact as published",
    "value": "Value",
    "unit": "Unit",
    "orgs_covered": "Organisations covered",
    "source_url": "Source",
}
THEME_ROW_FORMATS: dict[str, str] = {"year": "year", "value": "text", "orgs_covered": "int"}


def theme_rows(facts: pd.DataFrame, theme: str) -> pd.DataFrame:
    """The rows of one theme for display, with coverage and source; sorted by year and line."""
    rows = facts[facts["theme"] == theme].sort_values(["first_year", "source_line"])
    return pd.DataFrame(
        {
            "year": rows["year"],
            "organisation": rows["org_name"],
            "code": rows["org_code"],
            "fact": rows["fact"],
            "value": rows["value_text"],
            "unit": rows["unit_of_value"],
            "orgs_covered": rows["orgs_covered"],
            "source": curated.cited_as(rows),
            "source_url": rows["source_url"],
        }
    ).reset_index(drop=True)


def theme_coverage(facts: pd.DataFrame) -> pd.DataFrame:
    """Per theme: rows, distinct sources, years spanned, ICBs named, widest stated coverage."""
    named = facts["org_code"].where(facts["org_code"].str.fullmatch(r"Q[A-Z0-9]{2}"))
    grouped = facts.assign(named_icb=named).groupby("theme", sort=True)
    table = grouped.agg(
        n_rows=("fact", "size"),
        n_sources=("source_url", "nunique"),
        first_year=("first_year", "min"),
        last_year=("last_year", "max"),
        n_years_with_facts=("first_year", "nunique"),
        icbs_named=("named_icb", lambda codes: ", ".join(sorted(codes.dropna().unique()))),
        max_orgs_covered=("orgs_covered", "max"),
    ).reset_index()
    return table


def debt_rows(debt: pd.DataFrame) -> pd.DataFrame:
    """Legacy-debt rows for display: kind, system, what, £m or count, when, source."""
    rows = debt.sort_values(["kind", "source_line"], key=_kind_order)
    return pd.DataFrame(
        {
            "kind": rows["kind"],
            "system": rows["system_name"],
            "code": rows["icb_code"],
            "measure": rows["measure"],
            "value_gbp_m": rows["value_gbp_m"],
            "count_in_text": rows["count_in_text"],
            "as_at": rows["as_at"],
            "source": curated.cited_as(rows),
            "source_url": rows["source_url"],
        }
    ).reset_index(drop=True)


def _kind_order(values: pd.Series) -> pd.Series:
    if values.name == "kind":
        return values.map({"debt": 0, "context": 1, "rule": 2})
    return values


def latest_debt(debt: pd.DataFrame, icb_code: str) -> pd.Series:
    """The system's most recent ``debt`` row with a £m value (latest year in ``as_at``)."""
    rows = debt[(debt["icb_code"] == icb_code) & (debt["kind"] == "debt")]
    rows = rows[rows["value_gbp_m"].notna()]
    if rows.empty:
        raise DataError(f"legacy debt: no debt row with a value for {icb_code}")
    as_at_year = _year_bound(rows["as_at"], first=True)
    ordered = rows.assign(as_at_year=as_at_year).sort_values(
        ["as_at_year", "source_line"], ascending=[False, False]
    )
    return ordered.iloc[0]


#: ``fact_id`` of the England-wide total of outstanding historic deficits.
ENGLAND_DEBT_TOTAL = "debt_england_total_outstanding_2024"


def england_debt_total(debt: pd.DataFrame, fact_id: str = ENGLAND_DEBT_TOTAL) -> pd.Series:
    """The England-wide total of outstanding historic deficits (by ``fact_id``)."""
    rows = debt[(debt["fact_id"] == fact_id) & debt["value_gbp_m"].notna()]
    if len(rows) != 1:
        raise DataError(
            f"legacy debt: expected one £m row with fact_id {fact_id!r}, found {len(rows)}"
        )
    return rows.iloc[0]


def debt_against_allocation(panel: pd.DataFrame, icb_code: str, debt_gbp_m: float) -> pd.DataFrame:
    """Per financial year: the system's core allocation, the debt as a % of it, its population,
    its population rank among the ICBs with a population that year (1 = largest) and its
    share of England's population."""
    rows = []
    for year, frame in panel.groupby("financial_year", sort=True):
        system = frame[frame["icb_code"] == icb_code]
        if system.empty:
            continue
        allocation = float(system["core_allocation_gbp_m"].iloc[0])
        population = frame.set_index("icb_code")["population"].dropna()
        ranks = population.rank(ascending=False, method="min")
        rows.append(
            {
                "financial_year": year,
                "core_allocation_gbp_m": allocation,
                "debt_gbp_m": debt_gbp_m,
                "debt_pct_allocation": 100 * debt_gbp_m / allocation if allocation else np.nan,
                "population": float(population.get(icb_code, np.nan)),
                "population_rank": int(ranks[icb_code]) if icb_code in ranks else pd.NA,
                "n_icbs_ranked": int(population.size),
                "population_share_pct": 100 * population.get(icb_code, np.nan) / population.sum(),
            }
        )
    return pd.DataFrame(rows)


def fact_value(facts: pd.DataFrame, fact_id: str) -> float:
    """The numeric value of the fact with this ``fact_id`` (DataError if absent or not numeric)."""
    rows = facts[facts["fact_id"] == fact_id]
    if len(rows) != 1 or pd.isna(rows["value"].iloc[0]):
        raise DataError(f"curated facts: no numeric fact with fact_id {fact_id!r}")
    return float(rows["value"].iloc[0])


def race_numbers(points: pd.DataFrame, gaps: pd.DataFrame) -> dict[str, float | int]:
    """Numbers the report quotes from the race-equality series (first and last points)."""
    numbers: dict[str, float | int] = {}
    keys = {
        "NHS trust workforce": "workforce_bme_staff",
        "trust board members": "workforce_bme_board",
        "executive board roles": "workforce_bme_exec",
        "very senior managers (VSM pay bands)": "workforce_bme_vsm",
    }
    for series, key in keys.items():
        rows = points[points["series"] == series].sort_values("year")
        if rows.empty:
            continue
        for end, row in (("first", rows.iloc[0]), ("last", rows.iloc[-1])):
            numbers[f"{key}_{end}_year"] = int(row["year"])
            numbers[f"{key}_{end}_value"] = round(float(row["value"]), 1)
    if not gaps.empty:
        ordered = gaps.sort_values("year")
        for end, row in (("first", ordered.iloc[0]), ("last", ordered.iloc[-1])):
            numbers[f"workforce_board_gap_{end}_year"] = int(row["year"])
            numbers[f"workforce_board_gap_{end}_pp"] = round(float(row["gap_pp"]), 1)
    return numbers


def survey_numbers(
    summary: pd.DataFrame, associations: pd.DataFrame, keys: dict[str, str]
) -> dict[str, float | int | str]:
    """Latest-year median and range of each survey measure; system-mean correlations.

    ``keys`` maps a survey column (``variable`` in both tables) to a short snake_case key.
    """
    numbers: dict[str, float | int | str] = {}
    for measure, key in keys.items():
        rows = summary[summary["variable"] == measure].sort_values("financial_year")
        if not rows.empty:
            latest = rows.iloc[-1]
            numbers[f"workforce_{key}_year"] = str(latest["financial_year"])
            numbers[f"workforce_{key}_n_icbs"] = int(latest["n_icbs"])
            for stat in ("median", "min", "max"):
                numbers[f"workforce_{key}_{stat}"] = round(float(latest[stat]), 1)
        pooled = associations[
            (associations["variable"] == measure)
            & (associations["sample"] == "system means over years")
        ]
        if not pooled.empty and pd.notna(pooled["spearman_rho"].iloc[0]):
            row = pooled.iloc[0]
            numbers[f"workforce_{key}_n_systems"] = int(row["n"])
            numbers[f"workforce_{key}_spearman_rho"] = round(float(row["spearman_rho"]), 2)
            numbers[f"workforce_{key}_spearman_p"] = round(float(row["spearman_p"]), 2)
            numbers[f"workforce_{key}_pearson_r"] = round(float(row["pearson_r"]), 2)
            numbers[f"workforce_{key}_pearson_p"] = round(float(row["pearson_p"]), 2)
    numbers["workforce_survey_association_sentence"] = survey_association_sentence(
        associations, list(keys)
    )
    return numbers


def survey_association_sentence(associations: pd.DataFrame, measures: list[str]) -> str:
    """The report's words on the survey measures against the position: Spearman correlations
    of the system means, Holm-corrected across the measures (:mod:`helpers.analysis.inference`)."""
    from helpers.analysis import inference
    from helpers.panel import variables

    if associations.empty:
        return "No survey measure could be compared with the position."
    pooled = associations[
        associations["variable"].isin(measures)
        & (associations["sample"] == "system means over years")
        & associations["spearman_p"].notna()
    ]
    registered = set(variables.registry().index)
    entries = [
        (
            variables.label(row.variable) if row.variable in registered else str(row.variable),
            float(row.spearman_rho),
            float(row.spearman_p),
        )
        for row in pooled.itertuples()
    ]
    if not entries:
        return "No survey measure could be compared with the position."
    population = f"the {int(pooled['n'].max())} systems with a financial position"
    return inference.describe_correlations(entries, population)


def debt_numbers(
    by_year: pd.DataFrame, year: str, system_debt: pd.Series, england: pd.Series
) -> dict[str, float | int | str]:
    """The system's debt against its allocation in ``year``, its population rank, and its
    share of the England total (an upper bound when that total is a lower bound)."""
    row = by_year[by_year["financial_year"] == year]
    if row.empty:
        raise DataError(f"debt against allocation: no row for {year}")
    row = row.iloc[0]
    return {
        "workforce_debt_system_gbp_m": round(float(system_debt["value_gbp_m"]), 1),
        "workforce_debt_system_as_at": str(system_debt["as_at"]),
        "workforce_debt_allocation_year": year,
        "workforce_debt_allocation_gbp_m": round(float(row["core_allocation_gbp_m"]), 1),
        "workforce_debt_pct_allocation": round(float(row["debt_pct_allocation"]), 1),
        "workforce_debt_pct_allocation_min": round(float(by_year["debt_pct_allocation"].min()), 1),
        "workforce_debt_pct_allocation_max": round(float(by_year["debt_pct_allocation"].max()), 1),
        "workforce_debt_population_rank": int(row["population_rank"]),
        "workforce_debt_n_icbs_ranked": int(row["n_icbs_ranked"]),
        "workforce_debt_population_share_pct": round(float(row["population_share_pct"]), 2),
        "workforce_england_debt_gbp_m": round(float(england["value_gbp_m"]), 1),
        "workforce_debt_share_of_england_pct": round(
            100 * float(system_debt["value_gbp_m"]) / float(england["value_gbp_m"]), 1
        ),
    }


#: Numbers the report quotes straight from single curated rows: key -> fact_id.
LEADERSHIP_NUMBERS: dict[str, str] = {
    "workforce_rsp_icbs": "lead_icbs_enrolled_recovery_support_programme_2024",
    "workforce_rsp_providers": "lead_nhs_providers_enrolled_recovery_support_2024",
    "workforce_systems_two_leads_since_2016": "lead_systems_least_two_executive_leads_2019",
    "workforce_systems_two_leads_since_2016_pct": "lead_share_systems_least_two_executive_2019",
    "workforce_icb_ceos_ethnic_minority": "lead_icb_chief_executives_ethnic_minority_2025",
    "workforce_icb_ceo_designates_ethnic_minority": (
        "lead_icb_ceo_designates_identified_ethnic_2022"
    ),
    "workforce_icb_leadership_teams_after_clustering": (
        "lead_number_icb_senior_leadership_teams_2025_26"
    ),
}
#: Counts of systems in the legacy-debt table: key -> fact_id.
DEBT_COUNTS: dict[str, str] = {
    "workforce_systems_repaying_debt": "debt_england_systems_repaying_2024",
    "workforce_systems_owing_over_200m": "debt_england_systems_over_200m_2024",
}


def leadership_numbers(facts: pd.DataFrame, debt: pd.DataFrame) -> dict[str, int | float]:
    """Single-row facts and debt counts the report quotes (see the two mappings)."""
    numbers: dict[str, int | float] = {}
    for key, fact_id in LEADERSHIP_NUMBERS.items():
        value = fact_value(facts, fact_id)
        numbers[key] = int(value) if value.is_integer() else value
    for key, fact_id in DEBT_COUNTS.items():
        numbers[key] = int(fact_value(debt, fact_id))
    return numbers


# --- Chart titles that state the finding (computed from the data) -------------------------------


#: A change in the workforce-board gap smaller than this (percentage points) reads "about the
#: same": the shares are published to one decimal place by different sources.
GAP_CHANGE_PP = 1.0


def race_title(gaps: pd.DataFrame) -> str:
    """The latest year's workforce and board shares and whether the gap narrowed since the
    first year with both (from :func:`share_gap`)."""
    first, last = gaps.sort_values("year").iloc[0], gaps.sort_values("year").iloc[-1]
    change = float(last["gap_pp"]) - float(first["gap_pp"])
    trend = (
        "narrower than"
        if change < -GAP_CHANGE_PP
        else "wider than"
        if change > GAP_CHANGE_PP
        else "about the same as"
    )
    return (
        f"Ethnic-minority staff were {last['workforce_pct']:g}% of the trust workforce but "
        f"{last['leadership_pct']:g}% of board members in {int(last['year'])}; the gap is "
        f"{trend} in {int(first['year'])}"
    )


def survey_spread_title(summary: pd.DataFrame, variable: str, label: str) -> str:
    """'<label> ranged from a% to b% across ICBs in <year>' for the latest year of a measure."""
    rows = summary[summary["variable"] == variable].sort_values("financial_year")
    if rows.empty:
        return label
    last = rows.iloc[-1]
    return (
        f"{label} ranged from {last['min']:.0f}% to {last['max']:.0f}% across "
        f"{int(last['n_icbs'])} ICBs in {last['financial_year']}"
    )


def association_title(associations: pd.DataFrame, sample: str, alpha: float = 0.05) -> str:
    """How many survey measures are associated with the position at ``alpha`` (Spearman),
    in the ``sample`` rows of :func:`association_table`; uncorrected, so a count of none is
    the only strong statement."""
    rows = associations[associations["sample"] == sample]
    significant = int((rows["spearman_p"] < alpha).sum())
    total = len(rows)
    if significant == 0:
        return f"None of the {total} staff-survey measures is clearly associated with the position"
    return (
        f"{significant} of {total} staff-survey measures are associated with the position "
        "(before correction for multiple tests)"
    )


#: Joins the words of a p-value so that a wrapped note keeps them on one line.
NO_BREAK = "\u00a0"


def association_note(associations: pd.DataFrame, sample: str, labels: dict[str, str]) -> str:
    """'N = 32 systems. Spearman rho: <label> 0.13 (p = 0.48); ...' for under the chart (the
    report's one number and p-value formats; the chart wraps the note, never inside "p = ")."""
    rows = associations[associations["sample"] == sample]
    parts = [
        f"{labels.get(row.variable, row.variable).split(',')[0]} "
        f"{signed(f'{row.spearman_rho:.2f}')} ({format_p(row.spearman_p).replace(' ', NO_BREAK)})"
        for row in rows.itertuples()
    ]
    n = int(rows["n"].max()) if len(rows) else 0
    return f"N = {n} systems. Spearman \u03c1: " + "; ".join(parts)


#: Columns of ``system_facts.csv``: the curated facts that name one system.
SYSTEM_FACT_COLUMNS: list[str] = [
    "icb_code",
    "kind",
    "when",
    "fact",
    "value",
    "unit",
    "source_publisher",
    "source_date",
    "source_url",
    "source_file",
    "source_line",
]


def system_facts(facts: pd.DataFrame, debt: pd.DataFrame, icb_codes: set[str]) -> pd.DataFrame:
    """Leadership facts about one system (unit ``system`` with its ICB code) and legacy-debt
    rows naming a system, one row each, sorted by system, file and line.

    Trust-level facts are not included: the curated table gives trust codes, not systems.
    Legacy-debt values are in £m; ``value_text`` keeps a fact's value as written.
    """
    leadership_rows = facts[(facts["unit"] == "system") & facts["org_code"].isin(icb_codes)]
    debt_rows_named = debt[debt["icb_code"].isin(icb_codes)]
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "icb_code": leadership_rows["org_code"],
                    "kind": "leadership",
                    "when": leadership_rows["year"],
                    "fact": leadership_rows["fact"],
                    "value": leadership_rows["value"],
                    "unit": leadership_rows["unit_of_value"],
                    "source_publisher": leadership_rows["source_publisher"],
                    "source_date": leadership_rows["source_date"],
                    "source_url": leadership_rows["source_url"],
                    "source_file": LEADERSHIP_FILE.name,
                    "source_line": leadership_rows["source_line"],
                }
            ),
            pd.DataFrame(
                {
                    "icb_code": debt_rows_named["icb_code"],
                    "kind": "legacy debt (" + debt_rows_named["kind"] + ")",
                    "when": debt_rows_named["as_at"],
                    "fact": debt_rows_named["system_name"] + ": " + debt_rows_named["measure"],
                    "value": debt_rows_named["value_gbp_m"],
                    "unit": "£m",
                    "source_publisher": debt_rows_named["source_publisher"],
                    "source_date": debt_rows_named["source_date"],
                    "source_url": debt_rows_named["source_url"],
                    "source_file": LEGACY_DEBT_FILE.name,
                    "source_line": debt_rows_named["source_line"],
                }
            ),
        ],
        ignore_index=True,
    )
    return frame.sort_values(["icb_code", "source_file", "source_line"], ignore_index=True)[
        SYSTEM_FACT_COLUMNS
    ]
