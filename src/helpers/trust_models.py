"""Trust-level models of finance outcomes, the break-even pile-up, and the N = 42 system refit.

Unit of analysis: the acute NHS trust (one row of ``trust_panel``). Outcomes: 2025/26 planned
position (OF0079), 2025/26 year-to-date variance to plan (OF0081), 2024/25 operating margin
(TAC), all in % of income. Continuous drivers are standardised (mean 0, SD 1) within each
model's complete-case sample, so a coefficient is the change in the outcome (percentage points)
per SD of the driver; ``teaching`` stays 0/1. OLS with HC3 errors, NHS region fixed effects when
asked. p-values are Holm-corrected across every driver x outcome test of the main models.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import product

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.base.wrapper import ResultsWrapper

from helpers import design, inference, models, trust

BINARY: tuple[str, ...] = ("teaching",)
SPECIALIST = "Acute - Specialist"
UNIT = "pp per SD"


def acute(panel: pd.DataFrame) -> pd.DataFrame:
    """The acute trusts of the panel."""
    return panel.loc[panel["trust_type"] == "acute"].reset_index(drop=True)


def prepare(
    data: pd.DataFrame, outcome: str, predictors: Sequence[str], controls: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Complete cases on outcome, drivers, controls and region; continuous terms standardised."""
    columns = [outcome, *predictors, *controls, "region_name"]
    complete, lost = models.complete_cases(data, columns)
    scaled = models.standardise(complete, [c for c in [*predictors, *controls] if c not in BINARY])
    return scaled, lost


def fit(
    data: pd.DataFrame,
    outcome: str,
    terms: Sequence[str],
    region_effects: bool,
) -> ResultsWrapper:
    """OLS with HC3 errors, with NHS region fixed effects when ``region_effects``."""
    effects = ["region_name"] if region_effects else []
    return design.linear_model(data, outcome, terms, effects).fit(cov_type="HC3")


def main_models(
    panel: pd.DataFrame,
    outcomes: Sequence[str],
    predictors: Sequence[str],
    controls: Sequence[str],
    *,
    region_effects: bool,
    alpha: float,
    power: float,
) -> tuple[dict[str, ResultsWrapper], pd.DataFrame, dict[str, pd.DataFrame]]:
    """Fit each outcome's main model on the acute trusts.

    Returns the fitted models, a tidy table of the driver and control terms with ``p_holm``
    (over every term of every outcome), ``mde`` and the ``sentence`` describing it, and each
    model's complete-case data.
    """
    fitted: dict[str, ResultsWrapper] = {}
    samples: dict[str, pd.DataFrame] = {}
    tables = []
    for outcome in outcomes:
        data, _ = prepare(acute(panel), outcome, predictors, controls)
        result = fit(data, outcome, [*predictors, *controls], region_effects)
        fitted[outcome], samples[outcome] = result, data
        table = models.tidy(result, outcome)
        tables.append(table[table["term"].isin([*predictors, *controls])])
    coefficients = pd.concat(tables, ignore_index=True).rename(columns={"model": "outcome"})
    coefficients["p_holm"] = inference.holm(coefficients["p_value"])
    coefficients["mde"] = [
        inference.mde_per_sd(se, alpha, power) for se in coefficients["std_error"]
    ]
    coefficients["sentence"] = [
        inference.describe_estimate(
            f"{trust.label(row.term)} [outcome: {trust.label(row.outcome)}]",
            row.estimate,
            row.conf_low,
            row.conf_high,
            row.p_holm,
            UNIT if row.term not in BINARY else "pp",
            alpha=alpha,
            mde=row.mde,
        )
        for row in coefficients.itertuples()
    ]
    return fitted, coefficients, samples


def regression_table(fitted: dict[str, ResultsWrapper], coefficients: pd.DataFrame) -> pd.DataFrame:
    """Terms x outcomes: 'estimate (SE)' with † where the Holm-adjusted p is below 0.05; N, R²."""
    cells: dict[str, dict[str, str]] = {}
    for outcome, result in fitted.items():
        rows = coefficients[coefficients["outcome"] == outcome]
        column = {
            trust.label(r.term): f"{r.estimate:.2f} ({r.std_error:.2f})"
            + ("†" if r.p_holm < 0.05 else "")
            for r in rows.itertuples()
        }
        column["N (acute trusts)"] = str(int(result.nobs))
        column["R²"] = f"{result.rsquared:.2f}"
        column["Region effects"] = (
            "yes" if any("region" in t for t in result.params.index) else "no"
        )
        cells[trust.label(outcome)] = column
    return pd.DataFrame(cells).fillna("")


def break_even(panel: pd.DataFrame, band: float) -> pd.DataFrame:
    """The pile-up of 2025/26 plans at break-even among acute trusts, with deficit support.

    One row per plan group (deficit, break-even within ``band``, surplus): trusts, share, and the
    share receiving deficit support (Q3 2025/26).
    """
    frame = acute(panel).dropna(subset=["planned_position_pct"])
    group = np.select(
        [frame["planned_position_pct"] < -band, frame["planned_position_pct"] > band],
        ["planned deficit", "planned surplus"],
        "planned break-even",
    )
    frame = frame.assign(plan_group=group)
    table = frame.groupby("plan_group").agg(
        trusts=("trust_code", "size"),
        deficit_support=("q3_deficit_support", "sum"),
        support_known=("q3_deficit_support", "count"),
    )
    table["share_of_trusts_pct"] = 100 * table["trusts"] / table["trusts"].sum()
    table["share_with_deficit_support_pct"] = (
        100 * table["deficit_support"] / table["support_known"]
    )
    order = ["planned deficit", "planned break-even", "planned surplus"]
    return table.reindex([g for g in order if g in table.index]).reset_index()


def two_part(
    panel: pd.DataFrame,
    predictors: Sequence[str],
    controls: Sequence[str],
    band: float,
    alpha: float,
    power: float,
) -> pd.DataFrame:
    """The planned position as two questions: does a trust plan a deficit (logit, HC1, no region
    effects), and how large is the planned position among trusts not at break-even (OLS, HC3,
    region effects). Tidy driver terms with Holm-adjusted p within this family and MDEs."""
    data, _ = prepare(acute(panel), "planned_position_pct", predictors, controls)
    data = data.assign(plans_deficit=(data["planned_position_pct"] < -band).astype(int))
    terms = [*predictors, *controls]
    logit = smf.logit(models.formula("plans_deficit", terms), data=data).fit(disp=0, cov_type="HC1")
    off_zero = data.loc[data["planned_position_pct"].abs() > band]
    size = fit(off_zero, "planned_position_pct", terms, region_effects=True)
    tables = [
        models.tidy(logit, "Plans a deficit (logit, log-odds per SD)"),
        models.tidy(size, "Planned position, trusts not at break-even (OLS)"),
    ]
    table = pd.concat(tables, ignore_index=True)
    table = table[table["term"].isin(terms)].reset_index(drop=True)
    table["p_holm"] = inference.holm(table["p_value"])
    table["mde"] = [inference.mde_per_sd(se, alpha, power) for se in table["std_error"]]
    return table


def curve_choices(
    outcomes: Sequence[str], predictors: Sequence[str], controls: Sequence[str]
) -> dict[str, dict[str, inference.Option]]:
    """Dimensions of the trust curve (for :func:`helpers.inference.specification_curve`):
    outcome; region effects (yes/no); size and teaching controls (yes/no); sample (all acute /
    without specialist trusts); drivers (all together / each alone)."""

    def outcome_option(name: str) -> inference.Option:
        return lambda spec: spec.with_(outcome=name)

    def alone(driver: str) -> inference.Option:
        return lambda spec: spec.with_(drivers=(driver,))

    def without_specialist(spec: inference.Specification) -> inference.Specification:
        return spec.with_(data=spec.data.loc[spec.data["trust_subtype"] != SPECIALIST])

    return {
        "outcome": {name: outcome_option(name) for name in outcomes},
        "region effects": {
            "yes": lambda spec: spec.with_(fixed_effects=("region_name",)),
            "no": lambda spec: spec.with_(fixed_effects=()),
        },
        "controls": {
            "size and teaching": lambda spec: spec.with_(controls=tuple(controls)),
            "none": lambda spec: spec.with_(controls=()),
        },
        "sample": {
            "all acute trusts": lambda spec: spec,
            "without specialist trusts": without_specialist,
        },
        "drivers": {
            "all together": lambda spec: spec,
            **{f"{driver} alone": alone(driver) for driver in predictors},
        },
    }


def curve_base(
    panel: pd.DataFrame, outcomes: Sequence[str], predictors: Sequence[str]
) -> inference.Specification:
    """The specification every curve choice starts from: acute trusts, the first outcome."""
    return inference.Specification(
        data=acute(panel), outcome=outcomes[0], drivers=tuple(predictors)
    )


def specification_curve(
    panel: pd.DataFrame,
    outcomes: Sequence[str],
    predictors: Sequence[str],
    controls: Sequence[str],
) -> pd.DataFrame:
    """Every driver's standardised coefficient under each specification of :func:`curve_choices`
    (the models helper's engine: OLS, HC1 errors, complete cases per specification); in the
    workflow, the merged table of its curve chunks (:func:`helpers.curves.fitted`)."""
    from helpers import curves

    choices = curve_choices(outcomes, predictors, controls)
    curve = curves.fitted("trust", curve_base(panel, outcomes, predictors), choices)
    return curve.rename(columns={"driver": "term"})


def added_driver(
    panel: pd.DataFrame,
    outcomes: Sequence[str],
    predictors: Sequence[str],
    controls: Sequence[str],
    candidates: Sequence[str],
    *,
    region_effects: bool,
) -> pd.DataFrame:
    """Each candidate driver added in turn to each outcome's main model: its coefficient, interval,
    unadjusted p and N (a sensitivity analysis, not part of the corrected family)."""
    tables = []
    for outcome, candidate in product(outcomes, candidates):
        data, _ = prepare(acute(panel), outcome, [*predictors, candidate], controls)
        if len(data) <= len(predictors) + len(controls) + 10:
            continue
        result = fit(data, outcome, [*predictors, candidate, *controls], region_effects)
        table = models.tidy(result, outcome)
        tables.append(table[table["term"] == candidate])
    return pd.concat(tables, ignore_index=True).rename(columns={"model": "outcome"})


def curve_summary(curve: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Per outcome and driver: specifications, share with a positive estimate, share with
    unadjusted p below ``alpha``, and the range of estimates."""
    grouped = curve.groupby(["outcome", "term"], sort=False)
    summary = grouped.agg(
        specifications=("estimate", "size"),
        min_estimate=("estimate", "min"),
        max_estimate=("estimate", "max"),
    )
    summary["positive_pct"] = grouped["estimate"].apply(lambda s: 100 * (s > 0).mean())
    summary["p_below_alpha_pct"] = grouped["p_value"].apply(lambda s: 100 * (s < alpha).mean())
    return summary.reset_index()


# --- the N = 42 system refit -----------------------------------------------------------------


def rollup_label(name: str) -> str:
    """'operating_margin_2024_25' -> 'system trust-sector operating margin 2024/25'."""
    words = re.sub(r"_(\d{4})_(\d{2})", r" \1/\2", name).replace("_", " ")
    return f"system trust-sector {words}"


def system_data(
    rolled: pd.DataFrame, rollup: str, icb_year: pd.DataFrame, year: str, predictors: Sequence[str]
) -> pd.DataFrame:
    """One row per ICB: the roll-up value and the year's ICB drivers, with the region."""
    outcome = rolled.loc[rolled["rollup"] == rollup, ["icb_code", "value_pct", "share_covered_pct"]]
    drivers = icb_year.loc[icb_year["financial_year"] == year, ["icb_code", *predictors]]
    return outcome.merge(drivers, on="icb_code", how="left", validate="one_to_one")


def system_models(
    rolled: pd.DataFrame,
    icb_year: pd.DataFrame,
    rollups: Sequence[str],
    year: str,
    predictors: Sequence[str],
    alpha: float,
    power: float,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Cross-section (OLS, HC3) of each roll-up on the system drivers; Holm over all terms."""
    tables, sizes = [], {}
    for rollup in rollups:
        data, _ = models.complete_cases(
            system_data(rolled, rollup, icb_year, year, predictors), ["value_pct", *predictors]
        )
        result = models.fit_cross_section(
            models.standardise(data, predictors), "value_pct", predictors
        )
        sizes[rollup] = int(result.nobs)
        table = models.tidy(result, rollup)
        tables.append(table[table["term"].isin(predictors)])
    coefficients = pd.concat(tables, ignore_index=True).rename(columns={"model": "rollup"})
    coefficients["p_holm"] = inference.holm(coefficients["p_value"])
    coefficients["mde"] = [
        inference.mde_per_sd(se, alpha, power) for se in coefficients["std_error"]
    ]
    coefficients["sentence"] = [
        inference.describe_estimate(
            f"{any_label(row.term)} [outcome: {rollup_label(row.rollup)}]",
            row.estimate,
            row.conf_low,
            row.conf_high,
            row.p_holm,
            UNIT,
            alpha=alpha,
            mde=row.mde,
        )
        for row in coefficients.itertuples()
    ]
    return coefficients, sizes


def _short(outcome: str) -> str:
    """Short key for an outcome or roll-up name in report numbers."""
    for word in ("planned_position", "variance_to_plan", "operating_margin"):
        if outcome.startswith(word):
            return word.split("_")[-1] if word != "variance_to_plan" else "variance"
    return outcome


def model_numbers(
    fitted: dict[str, ResultsWrapper],
    coefficients: pd.DataFrame,
    pile_up: pd.DataFrame,
    parts: pd.DataFrame,
    validation: pd.DataFrame,
    disagreeing: pd.DataFrame,
    system_coefficients: pd.DataFrame,
    system_sizes: dict[str, int],
    curve_summary_table: pd.DataFrame,
    alpha: float = 0.05,
) -> dict[str, int | str]:
    """Numbers and generated sentences the report quotes from notebook 07."""
    numbers: dict[str, int | str] = {
        "trust_model_n_tests": len(coefficients),
        "trust_model_n_distinguishable": int((coefficients["p_holm"] < alpha).sum()),
        "trust_curve_specs_per_driver": int(curve_summary_table["specifications"].max()),
        "trust_two_part_n_distinguishable": int((parts["p_holm"] < alpha).sum()),
        "trust_two_part_n_tests": len(parts),
        "trust_system_n_tests": len(system_coefficients),
        "trust_system_n_distinguishable": int((system_coefficients["p_holm"] < alpha).sum()),
    }
    numbers["trust_model_conclusion"] = inference.conclude(
        [f"{trust.label(r.term)} [{trust.label(r.outcome)}]" for r in coefficients.itertuples()],
        coefficients["p_holm"],
        coefficients["p_value"],
        alpha,
    )
    numbers["trust_system_conclusion"] = inference.conclude(
        [
            f"{any_label(r.term)} [{rollup_label(r.rollup)}]"
            for r in system_coefficients.itertuples()
        ],
        system_coefficients["p_holm"],
        system_coefficients["p_value"],
        alpha,
    )
    for outcome, result in fitted.items():
        key = _short(outcome)
        numbers[f"trust_model_n_{key}"] = int(result.nobs)
        numbers[f"trust_model_r2_{key}"] = f"{result.rsquared:.2f}"
        rows = coefficients[coefficients["outcome"] == outcome].sort_values(["p_holm", "p_value"])
        numbers[f"trust_model_lead_{key}"] = str(rows["sentence"].iloc[0])
    counts = pile_up.set_index("plan_group")
    total = int(counts["trusts"].sum())
    numbers["trust_plans_n"] = total
    for group, key in (
        ("planned break-even", "breakeven"),
        ("planned deficit", "deficit"),
        ("planned surplus", "surplus"),
    ):
        n = int(counts.loc[group, "trusts"]) if group in counts.index else 0
        numbers[f"trust_plans_{key}_n"] = n
        numbers[f"trust_plans_{key}_pct"] = f"{100 * n / total:.0f}"
        if group in counts.index:
            numbers[f"trust_plans_{key}_support_pct"] = (
                f"{counts.loc[group, 'share_with_deficit_support_pct']:.0f}"
            )
    for row in validation.itertuples():
        key = row.comparison
        numbers[f"trust_validation_{key}_year"] = str(row.financial_year)
        numbers[f"trust_validation_{key}_n"] = int(row.n_systems)
        numbers[f"trust_validation_{key}_r"] = (
            f"{row.pearson_r:.2f}".replace("-", "−")
            if pd.notna(row.pearson_r)
            else "not computable (fewer than 3 systems or no variation)"
        )
        numbers[f"trust_validation_{key}_rho"] = (
            f"{row.spearman_rho:.2f}".replace("-", "−")
            if pd.notna(row.spearman_rho)
            else "not computable"
        )
        numbers[f"trust_validation_{key}_deficit_differs"] = int(row.n_deficit_differs)
        listed = disagreeing[disagreeing["comparison"] == row.comparison]
        numbers[f"trust_validation_{key}_disagree"] = "; ".join(
            f"{r.icb_name} ({r.value_pct:.1f} vs {r.curated_pct:.1f})".replace("-", "−")
            for r in listed.itertuples()
        )
    for rollup, size in system_sizes.items():
        key = _short(rollup)
        numbers[f"trust_system_n_{key}"] = size
        rows = system_coefficients[system_coefficients["rollup"] == rollup].sort_values("p_holm")
        numbers[f"trust_system_lead_{key}"] = str(rows["sentence"].iloc[0])
    return numbers


# --- tables for people ----------------------------------------------------------------------

ESTIMATE_COLUMNS: dict[str, str] = {
    "estimate": "Estimate",
    "conf_low": "95% low",
    "conf_high": "95% high",
    "p_value": "p (unadjusted)",
    "p_holm": "p (Holm-adjusted)",
    "mde": "MDE (80% power)",
    "n_obs": "N",
}


def any_label(name: str) -> str:
    """Label of a trust variable, an ICB panel variable or a roll-up; else the name itself."""
    registered = trust.registry().index
    if name in registered:
        return trust.label(name)
    if name in models.VARIABLE_LABELS:
        return models.VARIABLE_LABELS[name]
    if re.search(r"_\d{4}_\d{2}", name):
        return rollup_label(name)
    return name


def estimates_for_people(table: pd.DataFrame, group: str, group_title: str) -> pd.DataFrame:
    """Tidy estimates with labelled terms and groups, rounded, with readable column names."""
    shown = table.copy()
    shown[group] = shown[group].map(any_label)
    shown["term"] = shown["term"].map(any_label)
    columns = [group, "term", *[c for c in ESTIMATE_COLUMNS if c in shown.columns]]
    shown = shown[columns].rename(
        columns={group: group_title, "term": "Driver", **ESTIMATE_COLUMNS}
    )
    return shown.round(3)


def validation_for_people(summary: pd.DataFrame) -> pd.DataFrame:
    """Validation summary with readable column names."""
    shown = summary.assign(rollup=summary["rollup"].map(rollup_label))
    return shown.rename(
        columns={
            "comparison": "Comparison",
            "rollup": "Trust roll-up",
            "financial_year": "Year",
            "n_systems": "Systems",
            "pearson_r": "Pearson r",
            "spearman_rho": "Spearman ρ",
            "n_deficit_differs": "In deficit on one only",
        }
    ).round(2)


def disagreeing_for_people(table: pd.DataFrame) -> pd.DataFrame:
    """Most-disagreeing systems with readable column names."""
    columns = {
        "comparison": "Comparison",
        "icb_name": "System",
        "value_pct": "Trust roll-up, % of income",
        "curated_pct": "Curated, % of allocation",
        "measure": "Curated stage",
        "source_kind": "Curated source",
        "share_covered_pct": "Trust cost covered, %",
        "difference_pp": "Difference, pp",
    }
    return table[list(columns)].rename(columns=columns).round(2)


def break_even_for_people(pile_up: pd.DataFrame) -> pd.DataFrame:
    """The break-even table with readable column names."""
    columns = {
        "plan_group": "2025/26 plan",
        "trusts": "Acute trusts",
        "share_of_trusts_pct": "Share of trusts, %",
        "deficit_support": "Receiving deficit support",
        "share_with_deficit_support_pct": "Share receiving deficit support, %",
    }
    return pile_up[list(columns)].rename(columns=columns).round(1)


def all_coefficients(
    main: pd.DataFrame, parts: pd.DataFrame, added: pd.DataFrame, system: pd.DataFrame
) -> pd.DataFrame:
    """Every trust-track coefficient in one long table with a ``family`` column."""
    return pd.concat(
        [
            main.assign(family="main"),
            parts.rename(columns={"model": "outcome"}).assign(family="two-part"),
            added.assign(family="added driver"),
            system.rename(columns={"rollup": "outcome"}).assign(family="system N=42"),
        ],
        ignore_index=True,
    )
