"""The ICB x financial-year analysis panel and the tables built beside it.

Every join here states its cardinality (one ICB-year row on each side) and logs unmatched keys
through :func:`helpers.panel.joins.checked_merge`; nothing is dropped silently. The panel has
exactly one row per ICB (42) and financial year; a variable a source does not cover in a year is
missing there, never imputed.

Time-invariant context (IoD2025 deprivation, RUC 2021 rurality) describes an ICB, not a year:
the same value is shown in every year, and ``coverage`` says so through its ``note`` column.
"""

from __future__ import annotations

import pandas as pd

from helpers.data import curated
from helpers.data.readers import (
    geographr,
    healthyr,
    sickness_absence,
    staff_survey_2021_2024,
    staff_survey_2024,
    trust_to_ics_activity,
)
from helpers.panel import apportion, variables
from helpers.panel.harmonise import (
    years_between as years_between,  # notebooks call panel.years_between
)
from helpers.panel.joins import checked_merge
from helpers.paths import CURATED_DIR

KEYS: list[str] = ["icb_code", "financial_year"]

#: Columns of ``icb_year``: the keys, then the registry's ``icb_year`` variables in registry
#: order (:mod:`helpers.panel.variables`); extra detail columns follow.
PANEL_COLUMNS: list[str] = [*KEYS, *variables.names_in("icb_year")]
DETAIL_COLUMNS: list[str] = [
    "core_allocation_excl_elective_gbp_m",
    "core_recurrent_growth_pct",
    "recurrent_allocation_gbp_m",
    "distance_from_target_basis",
    "population_basis",
    "share_65plus_source",
    "ae_attendances",
    "ae_4h_coverage_pct",
    "rtt_waiting_list",
    "nctr_patients",
    "staff_discrimination_public_pct",
]
TEXT_COLUMNS: list[str] = [
    *KEYS,
    "distance_from_target_basis",
    "population_basis",
    "share_65plus_source",
]
#: Time-invariant variables (registry flag) -> the note the coverage table gives them.
TIME_INVARIANT: dict[str, str] = {
    name: f"{variables.registry().loc[name, 'source']}; same value every year"
    for name in variables.time_invariant()
}


def icb_year_frame(icb_lookup: pd.DataFrame, years: list[str]) -> pd.DataFrame:
    """The empty panel: every ICB crossed with every year, sorted."""
    frame = icb_lookup[["icb_code"]].merge(pd.DataFrame({"financial_year": years}), how="cross")
    return frame.sort_values(KEYS, ignore_index=True)


def trust_weights(icb_lookup: pd.DataFrame) -> pd.DataFrame:
    """Trust -> ICB weights: OHID patient shares, with type-1 ED activity shares as fallback."""
    return apportion.combine_weights(
        apportion.patient_share_weights(geographr.load("trust_patient_shares"), icb_lookup),
        apportion.ed_activity_weights(trust_to_ics_activity.load()),
    )


def load_pressure(
    icb_lookup: pd.DataFrame, first_year: str, last_year: str, min_months: int
) -> pd.DataFrame:
    """Urgent-care and elective pressure counts per ICB-year from the healthyr files."""
    from helpers.panel.pressure import build_pressure

    return build_pressure(
        healthyr.load("icb_accidents_emergency"),
        healthyr.load("trust_accidents_emergency"),
        healthyr.load("rtt_flow_stp"),
        healthyr.load("rtt_stp"),
        healthyr.load("criteria_to_reside"),
        healthyr.load("general_acute_beds"),
        trust_weights(icb_lookup),
        icb_lookup,
        first_year=first_year,
        last_year=last_year,
        min_months=min_months,
        trust_successors=geographr.load("trust_successors"),
    )


def load_workforce(
    icb_lookup: pd.DataFrame, first_year: str, last_year: str, min_months: int
) -> pd.DataFrame:
    """Sickness absence and staff survey measures per ICB-year."""
    from helpers.panel.workforce import build_workforce

    sickness = sickness_absence.load()
    engagement = staff_survey_2024.load("organisation_engagement")
    items = staff_survey_2021_2024.load()
    return build_workforce(
        sickness,
        engagement,
        items,
        icb_lookup,
        first_year=first_year,
        last_year=last_year,
        min_months=min_months,
    )


def assemble_icb_year(
    icb_lookup: pd.DataFrame,
    years: list[str],
    funding: pd.DataFrame,
    share_65plus: pd.DataFrame,
    context: pd.DataFrame,
    pressure: pd.DataFrame,
    workforce: pd.DataFrame,
) -> pd.DataFrame:
    """Join every source onto the ICB x year frame and derive the per-population rates.

    ``rtt_waiting_per_1000`` and ``nctr_per_100k`` divide by that year's ``population`` (the
    projected registered population of the allocation formula).
    """
    panel = icb_year_frame(icb_lookup, years)
    for label, part in [
        ("funding", funding),
        ("share aged 65+", share_65plus),
        ("pressure", pressure),
        ("workforce", workforce),
    ]:
        keep = [column for column in part.columns if column in PANEL_COLUMNS + DETAIL_COLUMNS]
        columns = KEYS + [column for column in keep if column not in KEYS]
        panel = checked_merge(
            panel,
            part[columns],
            on=KEYS,
            how="left",
            validate="one_to_one",
            label=f"icb_year <- {label}",
        )
    panel = checked_merge(
        panel,
        context[["icb_code", *TIME_INVARIANT]],
        on=["icb_code"],
        how="left",
        validate="many_to_one",
        label="icb_year <- ICB context",
    )
    panel["rtt_waiting_per_1000"] = 1000 * panel["rtt_waiting_list"] / panel["population"]
    panel["nctr_per_100k"] = 100_000 * panel["nctr_patients"] / panel["population"]
    ordered = PANEL_COLUMNS + [column for column in DETAIL_COLUMNS if column in panel]
    panel = panel[ordered]
    numeric = panel.columns.difference(TEXT_COLUMNS)
    panel[numeric] = panel[numeric].astype("float64")
    for column in TEXT_COLUMNS:
        panel[column] = panel[column].astype(object).where(panel[column].notna(), None)
    return panel.sort_values(KEYS, ignore_index=True)


def load_curated_finance(icb_codes: set[str]) -> pd.DataFrame:
    """The ICS finance panel, validated row by row (see :mod:`helpers.data.curated`)."""
    path = CURATED_DIR / "ics_finance_panel.csv"
    frame = curated.read_curated(path, curated.FINANCE_PANEL_COLUMNS)
    return curated.validate_finance_panel(frame, path, icb_codes)


def load_national_facts() -> pd.DataFrame:
    """National facts, validated, with precision flags; sorted (see :mod:`helpers.data.curated`)."""
    return curated.load_national_facts()


def coverage_of_panel(panel: pd.DataFrame) -> pd.DataFrame:
    """For every panel variable and year: ICBs with a value (of 42), with a note."""
    variables = [column for column in PANEL_COLUMNS if column not in KEYS]
    rows = []
    for year, group in panel.groupby("financial_year", sort=True):
        for variable in variables:
            rows.append(
                {
                    "table": "icb_year",
                    "variable": variable,
                    "financial_year": year,
                    "n_icbs": int(group.loc[group[variable].notna(), "icb_code"].nunique()),
                    "n_rows": int(group[variable].notna().sum()),
                    "note": TIME_INVARIANT.get(variable, ""),
                }
            )
    return pd.DataFrame(rows)


def coverage_of_positions(positions: pd.DataFrame) -> pd.DataFrame:
    """For finance positions: systems and rows by year, measure and source kind."""
    grouped = positions.groupby(["financial_year", "measure", "source_kind"], sort=True)
    table = grouped.agg(n_icbs=("icb_code", "nunique"), n_rows=("icb_code", "size")).reset_index()
    table["table"] = "finance_positions"
    table["variable"] = table["measure"] + " (" + table["source_kind"] + ")"
    table["note"] = ""
    best = positions[positions["best_available"]].groupby("financial_year", sort=True)
    best_rows = best.agg(n_icbs=("icb_code", "nunique"), n_rows=("icb_code", "size")).reset_index()
    best_rows["table"] = "finance_positions"
    best_rows["variable"] = "best available position"
    best_rows["measure"] = "best_available"
    best_rows["source_kind"] = "any"
    best_rows["note"] = (
        "one figure per system and year: outturn > forecast > final plan > draft plan"
    )
    return pd.concat([table, best_rows], ignore_index=True)


def coverage_table(panel: pd.DataFrame, positions: pd.DataFrame) -> pd.DataFrame:
    """The ``coverage`` table: panel variables and finance positions, one schema."""
    columns = [
        "table",
        "variable",
        "financial_year",
        "n_icbs",
        "n_rows",
        "measure",
        "source_kind",
        "note",
    ]
    both = pd.concat(
        [coverage_of_panel(panel), coverage_of_positions(positions)], ignore_index=True
    )
    both = both.reindex(columns=columns)
    both[["measure", "source_kind"]] = both[["measure", "source_kind"]].fillna("")
    return both.sort_values(["table", "variable", "financial_year"], ignore_index=True)


def coverage_matrix(coverage: pd.DataFrame, table: str = "icb_year") -> pd.DataFrame:
    """ICBs with a value (of 42) per variable (rows) and financial year (columns)."""
    subset = coverage[coverage["table"] == table]
    matrix = subset.pivot_table(
        index="variable", columns="financial_year", values="n_icbs", aggfunc="sum", sort=True
    )
    if table == "icb_year":
        order = [column for column in PANEL_COLUMNS if column in matrix.index]
        matrix = matrix.reindex(order)
    return matrix.fillna(0).astype(int)
