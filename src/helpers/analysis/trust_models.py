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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.base.wrapper import ResultsWrapper

from helpers.analysis import design, inference, models
from helpers.data.io import read_processed
from helpers.data.readers._common import require_columns
from helpers.errors import DataError
from helpers.panel import derived_variables, trust
from helpers.paths import PROCESSED_DIR

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
    primary_outcomes: Sequence[str] | None = None,
) -> tuple[dict[str, ResultsWrapper], pd.DataFrame, dict[str, pd.DataFrame]]:
    """Fit each outcome's main model on the acute trusts.

    Returns the fitted models, a tidy table of the driver and control terms with ``family``
    (``primary``: a declared driver on one of ``primary_outcomes``, all outcomes when None;
    ``exploratory``: controls and other outcomes), ``p_holm`` (Holm over the primary family
    only, missing elsewhere), ``mde`` and a provisional ``sentence`` (primary rows: Holm p;
    others: unadjusted p until :func:`families` gives them their q), and each model's
    complete-case data.
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
    primary = list(outcomes if primary_outcomes is None else primary_outcomes)
    is_primary = coefficients["term"].isin(predictors) & coefficients["outcome"].isin(primary)
    coefficients["family"] = np.where(is_primary, PRIMARY, EXPLORATORY)
    coefficients["p_holm"] = np.nan
    if is_primary.any():
        coefficients.loc[is_primary, "p_holm"] = inference.holm(
            coefficients.loc[is_primary, "p_value"]
        )
    coefficients["mde"] = [
        inference.mde_per_sd(se, alpha, power) for se in coefficients["std_error"]
    ]
    coefficients["p_adjusted"] = coefficients["p_holm"].fillna(coefficients["p_value"])
    coefficients["sentence"] = describe_rows(coefficients, alpha, power)
    return fitted, coefficients, samples


PRIMARY = "primary"
EXPLORATORY = "exploratory"


def _unit(row: pd.Series) -> str:
    """A row's unit: its ``unit`` column when it has one, else per SD (binary terms: pp)."""
    unit = row.get("unit")
    if isinstance(unit, str) and unit:
        return unit
    return "pp" if row["term"] in BINARY else UNIT


def describe_rows(
    table: pd.DataFrame, alpha: float, power: float, group: str = "outcome"
) -> list[str]:
    """A generated sentence per row (term, outcome, estimate, CI, ``p_adjusted``, MDE at
    ``power``)."""
    return [
        inference.describe_estimate(
            f"{any_label(row['term'])} [outcome: {any_label(row[group])}]",
            row["estimate"],
            row["conf_low"],
            row["conf_high"],
            row["p_adjusted"],
            _unit(row),
            alpha=alpha,
            mde=row.get("mde"),
            power=power,
        )
        for _, row in table.iterrows()
    ]


def with_family_results(
    table: pd.DataFrame, families_table: pd.DataFrame, analysis: str
) -> pd.DataFrame:
    """``table`` with ``p_adjusted`` and ``sentence`` replaced by those :func:`families` gave its
    rows (matched on outcome and term within ``analysis``)."""
    final = families_table.loc[
        families_table["analysis"] == analysis, ["outcome", "term", "p_adjusted", "sentence"]
    ]
    kept = table.drop(columns=[c for c in ("p_adjusted", "sentence") if c in table])
    return kept.merge(final, on=["outcome", "term"], how="left", validate="one_to_one")


def compare_without(with_all: pd.DataFrame, without: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Each term of the main models with all trusts and without a group (e.g. the RAAC
    trusts): estimate, unadjusted p, Holm p within the primary family, N, and whether the
    sign or the primary-family verdict changes."""
    keys = ["outcome", "term", "family"]
    columns = [*keys, "estimate", "p_value", "p_holm", "n_obs"]
    both = with_all[columns].merge(
        without[columns], on=keys, suffixes=("_all", "_without"), validate="one_to_one"
    )
    both["sign_changes"] = np.sign(both["estimate_all"]) != np.sign(both["estimate_without"])
    both["verdict_changes"] = (both["p_holm_all"] < alpha) != (both["p_holm_without"] < alpha)
    return both


def headline_influence(
    fitted: dict[str, ResultsWrapper],
    samples: dict[str, pd.DataFrame],
    coefficients: pd.DataFrame,
    alpha: float,
    region_effects: bool,
) -> pd.DataFrame:
    """Per outcome: the lead driver (smallest adjusted, then unadjusted p, then name), the model's
    largest Cook's distance and leverage (ties broken by trust code), and the lead term's
    leave-one-out range with the trusts whose removal changes its sign or significance."""
    from helpers.analysis.trust_legacy import _influence, leave_one_out

    rows = []
    effects = ["region_name"] if region_effects else []
    for outcome, result in fitted.items():
        sample = samples[outcome].reset_index(drop=True)
        terms = [t for t in coefficients.loc[coefficients["outcome"] == outcome, "term"]]
        drivers = set(coefficients.loc[coefficients["family"] == PRIMARY, "term"])
        ranked = coefficients.loc[
            (coefficients["outcome"] == outcome) & coefficients["term"].isin(drivers)
        ].sort_values(["p_adjusted", "p_value", "term"], kind="stable")
        lead = str(ranked["term"].iloc[0])
        rows.append(
            {
                "outcome": outcome,
                "lead_term": lead,
                "n_obs": int(result.nobs),
                **_influence(result, sample["trust_code"]),
                **leave_one_out(sample, outcome, lead, terms, effects, sample["trust_code"], alpha),
            }
        )
    return pd.DataFrame(rows)


def describe_engagement(added: pd.DataFrame, alpha: float) -> str:
    """Generated words on staff engagement wherever it was added, with the reverse-causation
    caveat (an empty string when it was not among the candidates)."""
    rows = added.loc[added["term"] == "staff_engagement"]
    if rows.empty:
        return ""
    parts = [
        f"{any_label(r.outcome)}: {inference.format_number(r.estimate)} pp per SD "
        f"(95% CI {inference.format_number(r.conf_low)} to {inference.format_number(r.conf_high)}, "
        f"unadjusted {inference.format_p(r.p_value)}"
        + (
            f", exploratory {inference.format_p(r.p_adjusted, prefix='q')}"
            if "p_adjusted" in added and pd.notna(r.p_adjusted)
            else ""
        )
        + ")"
        for r in rows.itertuples()
    ]
    nominal = int((rows["p_value"] < alpha).sum())
    direction = (
        "positive"
        if (rows["estimate"] > 0).all()
        else "negative"
        if (rows["estimate"] < 0).all()
        else "mixed"
    )
    return (
        f"Staff engagement (NHS Staff Survey 2024), added to each main model, has a {direction} "
        f"association on {len(rows)} outcome(s), nominally significant at {alpha:g} on {nominal}: "
        + "; ".join(parts)
        + ". This is an exploratory association, not a declared driver, and the direction of "
        "causation may run the other way: staff in trusts under financial pressure (vacancy "
        "controls, cost-improvement programmes) may report lower engagement."
    )


#: The deprivation measure both levels' models may declare (an ICB score; trusts: their host ICB's).
DEPRIVATION = "imd_score"


def describe_deprivation(
    trust_row: pd.Series | None,
    system_row: pd.Series | None,
    trust_outcome_label: str,
    alpha: float,
) -> str:
    """Whether the trust-level and system-level deprivation associations agree in sign, in
    words (a positive position is a surplus, so a negative estimate means worse finances in
    more deprived areas, the Nuffield Trust's finding). A level whose declared drivers do not
    include deprivation (``None``: params.yaml chose others) leaves nothing to compare."""
    missing = [
        level for level, row in (("trust", trust_row), ("system", system_row)) if row is None
    ]
    if trust_row is None or system_row is None:
        return (
            f"Deprivation is not among the declared drivers at {' and '.join(missing)} level "
            "(params.yaml), so the trust-level and system-level associations are not compared."
        )

    def side(estimate: float) -> str:
        return "worse" if estimate < 0 else "better" if estimate > 0 else "no different"

    trust_words = (
        f"at trust level (host ICB deprivation, outcome {trust_outcome_label}), "
        f"{inference.format_number(trust_row['estimate'])} pp per SD "
        f"(95% CI {inference.format_number(trust_row['conf_low'])} to "
        f"{inference.format_number(trust_row['conf_high'])}, adjusted "
        f"{inference.format_p(trust_row['p_adjusted'])}): finances {side(trust_row['estimate'])} "
        "where deprivation is higher"
    )
    system_words = (
        f"at system level (primary model of notebook 03), "
        f"{inference.format_number(system_row['estimate'])} pp of allocation per SD "
        f"(adjusted {inference.format_p(system_row['p_adjusted'])}): finances "
        f"{side(system_row['estimate'])} where deprivation is higher"
    )
    agree = np.sign(trust_row["estimate"]) == np.sign(system_row["estimate"])
    nuffield = trust_row["estimate"] < 0
    verdict = ("The two levels agree in sign" if agree else "The two levels disagree in sign") + (
        "; the trust-level sign matches the Nuffield Trust's finding that trusts in the most "
        "deprived areas fared worst"
        if nuffield
        else "; the trust-level sign does not match the Nuffield Trust's finding that trusts in "
        "the most deprived areas fared worst"
    )
    significant = trust_row["p_adjusted"] < alpha or system_row["p_adjusted"] < alpha
    caveat = (
        ""
        if significant
        else " Neither estimate is distinguishable from zero after correction, so the signs are "
        "weak evidence."
    )
    return f"Deprivation: {trust_words}; {system_words}. {verdict}.{caveat}"


def system_deprivation(model_drivers: pd.DataFrame) -> pd.Series | None:
    """The system-level deprivation row of notebook 03's primary model (first declared row), or
    None when deprivation is not among its declared drivers."""
    rows = model_drivers.loc[
        (model_drivers["driver"] == DEPRIVATION)
        & model_drivers["family"].isin(["declared", "primary"])
    ]
    return None if rows.empty else rows.iloc[0]


def trust_deprivation(coefficients: pd.DataFrame, outcome: str) -> pd.Series | None:
    """The trust-level deprivation row of the primary model of ``outcome``, or None when
    deprivation is not among the trust model's drivers."""
    rows = coefficients.loc[
        (coefficients["term"] == DEPRIVATION) & (coefficients["outcome"] == outcome)
    ]
    return None if rows.empty else rows.iloc[0]


def families(tables: dict[str, pd.DataFrame], alpha: float, power: float) -> pd.DataFrame:
    """Every reported test in one long table with its family and adjusted p.

    ``tables``: analysis name -> tidy table with ``outcome``, ``term``, ``estimate``,
    ``conf_low``, ``conf_high``, ``p_value`` and optionally ``family``. Rows of the ``primary``
    family keep their Holm p (``p_holm``, computed over that family alone); every other row is
    exploratory, and all of them together get Benjamini-Hochberg q-values. Adds ``analysis``,
    ``p_adjusted``, ``adjustment`` and a regenerated ``sentence``.
    """
    stacked = pd.concat(
        [table.assign(analysis=name) for name, table in tables.items()], ignore_index=True
    )
    if "family" not in stacked:
        stacked["family"] = EXPLORATORY
    stacked["family"] = stacked["family"].fillna(EXPLORATORY)
    stacked.loc[stacked["family"] != PRIMARY, "family"] = EXPLORATORY
    exploratory = (stacked["family"] == EXPLORATORY) & stacked["p_value"].notna()
    stacked["p_adjusted"] = stacked.get("p_holm", pd.Series(np.nan, index=stacked.index))
    stacked.loc[exploratory, "p_adjusted"] = inference.benjamini_hochberg(
        stacked.loc[exploratory, "p_value"]
    )
    stacked["adjustment"] = np.where(
        stacked["family"] == PRIMARY, "holm (primary family)", "bh q (exploratory family)"
    )
    stacked["sentence"] = describe_rows(stacked, alpha, power)
    first = ["analysis", "family", "outcome", "term"]
    return stacked[first + [c for c in stacked.columns if c not in first]]


def family_numbers(table: pd.DataFrame, alpha: float) -> dict[str, int | str]:
    """Counts and generated conclusions over the two families of :func:`families`."""
    primary = table.loc[table["family"] == PRIMARY]
    exploratory = table.loc[table["family"] == EXPLORATORY]
    labels = [
        f"{any_label(r.term)} [{any_label(r.outcome)}; {r.analysis}]"
        for r in exploratory.itertuples()
    ]
    return {
        "trust_primary_n_tests": len(primary),
        "trust_primary_n_distinguishable": int((primary["p_adjusted"] < alpha).sum()),
        "trust_primary_conclusion": inference.conclude(
            [f"{any_label(r.term)} [{any_label(r.outcome)}]" for r in primary.itertuples()],
            primary["p_adjusted"],
            primary["p_value"],
            alpha,
        ),
        "trust_exploratory_n_tests": len(exploratory),
        "trust_exploratory_n_nominal": int((exploratory["p_value"] < alpha).sum()),
        "trust_exploratory_n_below_q": int((exploratory["p_adjusted"] < alpha).sum()),
        "trust_exploratory_conclusion": inference.describe_exploratory(
            labels, exploratory["p_adjusted"], exploratory["p_value"], alpha
        ),
        "trust_n_reported_tests": len(table),
        "trust_n_reported_nominal": int((table["p_value"] < alpha).sum()),
    }


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
    """Dimensions of the trust curve (for :func:`helpers.analysis.inference.specification_curve`):
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


def curve_setup(panel_all: pd.DataFrame, params: dict[str, Any]) -> tuple[pd.DataFrame, list[str]]:
    """The trusts and outcomes of notebook 07's curve, from its parameters: the RAAC trusts
    left out when ``drop_raac``, and the control-total outcomes followed by the accounting
    ones. Notebook 07 and the workflow's curve chunks (:mod:`helpers.curves`) both call it."""
    from helpers.panel import trust_raac

    panel = panel_all
    if params["drop_raac"]:
        panel = trust_raac.without_raac(panel_all, trust_raac.load_raac_trusts())
    return panel, [*params["outcomes"], *params["accounting_outcomes"]]


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
    """A roll-up's label from its registry row (``derived_variables.csv``, kind ``rollup``):
    'operating_margin_2024_25' -> 'system trust-sector operating margin 2024/25'; a DataError
    naming the file when the roll-up has no row."""
    return derived_variables.label(name)


def system_data(
    rolled: pd.DataFrame, rollup: str, icb_year: pd.DataFrame, year: str, predictors: Sequence[str]
) -> pd.DataFrame:
    """One row per ICB: the roll-up value and the year's ICB drivers, with the region."""
    outcome = rolled.loc[rolled["rollup"] == rollup, ["icb_code", "value_pct", "share_covered_pct"]]
    drivers = icb_year.loc[icb_year["financial_year"] == year, ["icb_code", *predictors]]
    return outcome.merge(drivers, on="icb_code", how="left", validate="one_to_one")


def declared_system_drivers(directory: Path = PROCESSED_DIR) -> list[str]:
    """The declared drivers of system positions, as notebook 03 fitted them: the ``declared``
    rows of its ``model_drivers.csv``, in order. One home for the list (``params.yaml``,
    ``03_model_deficit_drivers.main_predictors``); the trust refit on N = 42 systems reuses it.

    Raises:
        DataError: if the table is missing or holds no declared driver.
    """
    path = directory / "model_drivers.csv"
    if not path.is_file():
        raise DataError(f"{path}: not found; notebook 03 writes it (run make report)")
    table = read_processed(path.name, directory)
    require_columns(table, ("family", "driver"), path)
    drivers = list(dict.fromkeys(table.loc[table["family"] == "declared", "driver"].astype(str)))
    if not drivers:
        raise DataError(f"{path}: no row with family 'declared' (notebook 03's declared drivers)")
    return drivers


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
            power=power,
        )
        for row in coefficients.itertuples()
    ]
    return coefficients, sizes


def _short(outcome: str) -> str:
    """Short key for an outcome or roll-up name in report numbers."""
    if outcome.startswith("q3_variance"):
        return "q3"
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
    primary = coefficients.loc[coefficients["family"] == PRIMARY]
    drivers = set(primary["term"])
    numbers: dict[str, int | str] = {
        "trust_model_n_tests": len(primary),
        "trust_model_n_distinguishable": int((primary["p_holm"] < alpha).sum()),
        "trust_curve_specs_per_driver": int(curve_summary_table["specifications"].max()),
        "trust_two_part_n_below_q": int((parts["p_adjusted"] < alpha).sum()),
        "trust_two_part_n_tests": len(parts),
        "trust_system_n_tests": len(system_coefficients),
        "trust_system_n_below_q": int((system_coefficients["p_adjusted"] < alpha).sum()),
    }
    numbers["trust_model_conclusion"] = inference.conclude(
        [f"{trust.label(r.term)} [{trust.label(r.outcome)}]" for r in primary.itertuples()],
        primary["p_holm"],
        primary["p_value"],
        alpha,
    )
    numbers["trust_system_conclusion"] = inference.describe_exploratory(
        [
            f"{any_label(r.term)} [{rollup_label(r.rollup)}]"
            for r in system_coefficients.itertuples()
        ],
        system_coefficients["p_adjusted"],
        system_coefficients["p_value"],
        alpha,
    )
    for outcome, result in fitted.items():
        key = _short(outcome)
        numbers[f"trust_model_n_{key}"] = int(result.nobs)
        numbers[f"trust_model_r2_{key}"] = f"{result.rsquared:.2f}"
        rows = coefficients[
            (coefficients["outcome"] == outcome) & coefficients["term"].isin(drivers)
        ].sort_values(["p_adjusted", "p_value", "term"], kind="stable")
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
        rows = system_coefficients[system_coefficients["rollup"] == rollup].sort_values(
            ["p_adjusted", "p_value", "term"], kind="stable"
        )
        numbers[f"trust_system_lead_{key}"] = str(rows["sentence"].iloc[0])
    return numbers


# --- tables for people ----------------------------------------------------------------------

ESTIMATE_COLUMNS: dict[str, str] = {
    "estimate": "Estimate",
    "conf_low": "95% low",
    "conf_high": "95% high",
    "p_value": "p (unadjusted)",
    "p_adjusted": "p adjusted (Holm, primary family; BH q, exploratory)",
    "mde": "Minimum detectable effect",
    "n_obs": "N",
}


def any_label(name: str) -> str:
    """Label of a trust variable, a roll-up or legacy-loan measure (``derived_variables.csv``)
    or an ICB panel variable; a DataError for a roll-up name without a row; else the name
    itself."""
    registered = trust.registry().index
    if name in registered:
        return trust.label(name)
    if name in derived_variables.registry().index:
        return derived_variables.label(name)
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


def raac_for_people(table: pd.DataFrame) -> pd.DataFrame:
    """The with/without-RAAC comparison with labels and readable column names."""
    shown = table.assign(outcome=table["outcome"].map(any_label), term=table["term"].map(any_label))
    columns = {
        "outcome": "Outcome",
        "term": "Term",
        "family": "Family",
        "estimate_all": "Estimate, all trusts",
        "p_value_all": "p, all",
        "p_holm_all": "Holm p, all",
        "n_obs_all": "N, all",
        "estimate_without": "Estimate, without RAAC",
        "p_value_without": "p, without",
        "p_holm_without": "Holm p, without",
        "n_obs_without": "N, without",
    }
    return shown[list(columns)].rename(columns=columns).round(3)


def raac_numbers(table: pd.DataFrame, raac: pd.DataFrame, alpha: float) -> dict[str, int | str]:
    """Counts with and without the RAAC trusts, and a generated sentence naming every term whose
    sign or primary-family verdict changes and every nominally significant term that loses or
    gains nominal significance."""
    primary = table.loc[table["family"] == PRIMARY]
    n_all = int((primary["p_holm_all"] < alpha).sum())
    n_without = int((primary["p_holm_without"] < alpha).sum())
    nominal_change = table.loc[(table["p_value_all"] < alpha) != (table["p_value_without"] < alpha)]
    changed = [
        f"{any_label(r.term)} [{any_label(r.outcome)}] "
        f"({inference.format_number(r.estimate_all)}, "
        f"{inference.format_p(r.p_value_all)} with them; "
        f"{inference.format_number(r.estimate_without)}, "
        f"{inference.format_p(r.p_value_without)} without)"
        for r in nominal_change.itertuples()
    ]
    flips = table.loc[table["sign_changes"] | table["verdict_changes"]]
    sentence = (
        f"Without the {len(raac)} trusts running a RAAC hospital, {n_without} of {len(primary)} "
        f"primary tests are distinguishable from zero after Holm correction (with them: {n_all})"
    )
    sentence += (
        "; nominal significance changes for " + inference.join_words(changed)
        if changed
        else "; no term gains or loses nominal significance"
    )
    flipped = [f"{any_label(r.term)} [{any_label(r.outcome)}]" for r in flips.itertuples()]
    sentence += (
        f"; sign or primary-family verdict changes for {inference.join_words(flipped)}."
        if flipped
        else "; no term changes sign or primary-family verdict."
    )
    return {
        "trust_raac_n_trusts": len(raac),
        "trust_raac_n_primary_all": n_all,
        "trust_raac_n_primary_without": n_without,
        "trust_raac_n_nominal_changes": len(nominal_change),
        "trust_raac_sentence": sentence,
    }


def headline_numbers(headline: pd.DataFrame) -> dict[str, int | str]:
    """Per outcome: largest Cook's distance with its trust, and the lead term's leave-one-out
    range with the trusts that change it (report keys ``trust_influence_<outcome>_*``)."""
    numbers: dict[str, int | str] = {}
    for row in headline.itertuples():
        key = f"trust_influence_{_short(row.outcome)}"
        numbers[f"{key}_max_cooks"] = f"{row.max_cooks_d:.2f}"
        numbers[f"{key}_max_cooks_trust"] = str(row.max_cooks_label)
        numbers[f"{key}_sentence"] = (
            f"{trust.label(row.outcome)}: largest Cook's distance {row.max_cooks_d:.2f} "
            f"({row.max_cooks_label}); leaving out one trust at a time, the estimate for "
            f"{any_label(row.lead_term)} ranges from {inference.format_number(row.loo_min)} to "
            f"{inference.format_number(row.loo_max)}"
            + (
                f", and leaving out {row.loo_changes.replace(';', ', ')} changes its sign or "
                "nominal significance."
                if row.loo_changes
                else ", and no single trust changes its sign or nominal significance."
            )
        )
    return numbers
