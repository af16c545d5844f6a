"""The ICB x financial-year analysis panel and the tables built beside it.

Every join here states its cardinality (one ICB-year row on each side) and logs unmatched keys
through :func:`helpers.joins.checked_merge`; nothing is dropped silently. The panel has exactly
one row per ICB (42) and financial year; a variable a source does not cover in a year is
missing there, never imputed.

Time-invariant context (IoD2025 deprivation, RUC 2021 rurality) describes an ICB, not a year:
the same value is shown in every year, and ``coverage`` says so through its ``note`` column.
"""

from __future__ import annotations

import pandas as pd

from helpers import apportion, curated
from helpers.acquire import fetch
from helpers.harmonise import years_between as years_between  # notebooks call panel.years_between
from helpers.joins import checked_merge
from helpers.paths import CURATED_DIR
from helpers.readers import healthyr, sickness_absence, staff_survey_2021_2024, staff_survey_2024
from helpers.readers.trust_to_ics_activity import read_trust_ics_weights

KEYS: list[str] = ["icb_code", "financial_year"]

#: Columns of ``icb_year`` in the order the contract gives them (extra detail columns follow).
PANEL_COLUMNS: list[str] = [
    "icb_code",
    "financial_year",
    "core_allocation_gbp_m",
    "allocation_per_head_gbp",
    "distance_from_target_pct",
    "need_index",
    "population",
    "share_65plus",
    "imd_score",
    "rural_share",
    "ae_4h_pct",
    "rtt_waiting_per_1000",
    "rtt_52wk_share",
    "nctr_per_100k",
    "bed_occupancy_pct",
    "sickness_absence_pct",
    "staff_engagement",
    "staff_bme_share_pct",
    "staff_discrimination_pct",
]
DETAIL_COLUMNS: list[str] = [
    "core_allocation_excl_elective_gbp_m",
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
TIME_INVARIANT: dict[str, str] = {
    "imd_score": "IoD2025 ICB average score (2024 ICB codes); same value every year",
    "rural_share": "Census 2021 residents in rural LSOAs (RUC 2021); same value every year",
}


def icb_year_frame(icb_lookup: pd.DataFrame, years: list[str]) -> pd.DataFrame:
    """The empty panel: every ICB crossed with every year, sorted."""
    frame = icb_lookup[["icb_code"]].merge(pd.DataFrame({"financial_year": years}), how="cross")
    return frame.sort_values(KEYS, ignore_index=True)


def trust_weights(icb_lookup: pd.DataFrame) -> pd.DataFrame:
    """Trust -> ICB weights: OHID patient shares, with type-1 ED activity shares as fallback."""
    return apportion.combine_weights(
        apportion.read_patient_share_weights(
            fetch("geographr/lookup_nhs_trusts22_icb22.rda"), icb_lookup
        ),
        apportion.ed_activity_weights(
            read_trust_ics_weights(fetch("trust_to_ics_activity/Trust_to_ICS_mapping.xlsx"))
        ),
    )


def load_pressure(
    icb_lookup: pd.DataFrame, first_year: str, last_year: str, min_months: int
) -> pd.DataFrame:
    """Urgent-care and elective pressure counts per ICB-year from the healthyr files."""
    from helpers.pressure import build_pressure

    h = "healthyr/"
    return build_pressure(
        healthyr.read_icb_accidents_emergency(fetch(h + "england_icb_accidents_emergency.csv")),
        healthyr.read_trust_accidents_emergency(fetch(h + "england_trust_accidents_emergency.csv")),
        healthyr.read_rtt_flow_stp(fetch(h + "england_rtt_flow_stp.csv")),
        healthyr.read_rtt_stp(fetch(h + "england_rtt_stp.rda")),
        healthyr.read_criteria_to_reside(fetch(h + "england_icb_criteria_to_reside.csv")),
        healthyr.read_general_acute_beds(fetch(h + "england_critical_general_acute_beds.csv")),
        trust_weights(icb_lookup),
        icb_lookup,
        first_year=first_year,
        last_year=last_year,
        min_months=min_months,
        trust_successors=apportion.read_trust_successors(fetch("geographr/lookup_trust_trust.rda")),
    )


def load_workforce(
    icb_lookup: pd.DataFrame, first_year: str, last_year: str, min_months: int
) -> pd.DataFrame:
    """Sickness absence and staff survey measures per ICB-year."""
    from helpers.workforce import build_workforce

    months = [f"2024-{month:02d}" for month in range(4, 13)] + [
        f"2025-{m:02d}" for m in range(1, 4)
    ]
    sickness = sickness_absence.read_sickness_absence(
        [fetch(f"sickness_absence/nhs_sickness_absence_{month}.csv") for month in months]
    )
    engagement = staff_survey_2024.read_organisation_engagement(
        fetch("staff_survey_2024/NSS24 detailed spreadsheets organisational results.xlsx")
    )
    items = staff_survey_2021_2024.read_staff_survey_items(
        fetch("staff_survey_2021_2024/data_trusts_well-being - organisational results.csv")
    )
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
    """The ICS finance panel, validated row by row (see :mod:`helpers.curated`)."""
    path = CURATED_DIR / "ics_finance_panel.csv"
    frame = curated.read_curated(path, curated.FINANCE_PANEL_COLUMNS)
    return curated.validate_finance_panel(frame, path, icb_codes)


def load_national_facts() -> pd.DataFrame:
    """National facts, validated, with the unit split into base unit and flags; sorted."""
    path = CURATED_DIR / "ics_finance_national.csv"
    frame = curated.validate_national_facts(
        curated.read_curated(path, curated.NATIONAL_COLUMNS), path
    )
    frame = pd.concat([frame, curated.parse_unit(frame["unit"])], axis=1)
    return frame.sort_values(["financial_year", "source_line"], ignore_index=True)


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
