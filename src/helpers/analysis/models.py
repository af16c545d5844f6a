"""Models of system financial positions, returning tidy results.

Unit of analysis: the system-year (an integrated care system, by ICB code, in a financial
year). Outcome: the best available full-year position (surplus +, deficit -) as a percentage of
core allocation (or of total allocation, or pounds per registered person), among the curated
figures a run selects. The primary model (:func:`primary_specification`) is OLS with year,
stage and source-kind fixed effects and errors clustered by system; the fitting engine, the
corrections and every result-word live in :mod:`helpers.analysis.inference`. A system-level
cross-section (:func:`fit_cross_section`, HC3 errors) is kept only as a descriptive comparison.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.base.wrapper import ResultsWrapper
from statsmodels.stats.outliers_influence import variance_inflation_factor

from helpers.analysis import design, inference
from helpers.data.curated import STAGE_OF_MEASURE
from helpers.errors import ConfigError, DataError
from helpers.panel import variables
from helpers.panel.finance import STAGE_RANK, flag_best_available
from helpers.precision import round_float, round_frame, sort_by_value
from helpers.report.tables import p_cell

TIDY_COLUMNS: list[str] = [
    "model",
    "term",
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
    "p_value",
    "n_obs",
]


#: Full-year stages, most final first (the finance module's best-available order).
FULL_YEAR_STAGES: list[str] = list(STAGE_RANK)
#: Measures whose figures are full-year whole-system positions (legacy ``measures`` selection).
POSITION_MEASURES: list[str] = ["outturn", "forecast", "plan", "plan_draft"]


def figure_stage(positions: pd.DataFrame) -> pd.Series:
    """The stage of each full-year figure (draft_plan, final_plan, forecast, outturn; NaN for
    year-to-date, variance and support rows): the curated panel's ``stage`` column."""
    return positions["stage"].where(positions["stage"].isin(FULL_YEAR_STAGES))


def build_outcome(
    positions: pd.DataFrame,
    *,
    years: Sequence[str],
    source_kinds: Sequence[str],
    measures: Sequence[str] | None = None,
    stages: Sequence[str] | None = None,
) -> pd.DataFrame:
    """System-year outcome: the best available position among the selected rows only.

    Filters the finance positions to whole-system rows with the given years, stages (or
    legacy ``measures``) and source kinds and a known share of allocation, re-applies the
    best-available rule within that selection, and returns one row per system and year with
    ``position_pct`` (percent of core allocation), ``position_gbp_m``, the chosen ``measure``,
    ``stage`` and ``source_kind``, and ``in_deficit`` (position below zero).
    """
    if stages is None:
        stages = [STAGE_OF_MEASURE[m] for m in (measures or POSITION_MEASURES)]
    stage = figure_stage(positions)
    selected = positions[
        positions["financial_year"].isin(years)
        & stage.isin(stages)
        & positions["source_kind"].isin(source_kinds)
        & (positions["scope"] == "system")
        & positions["value_pct_allocation"].notna()
    ]
    best = best_per_system_year(selected)
    outcome = pd.DataFrame(
        {
            "icb_code": best["icb_code"],
            "financial_year": best["financial_year"],
            "position_pct": best["value_pct_allocation"].astype(float),
            "position_gbp_m": best["value_gbp_m"].astype(float),
            "measure": best["measure"],
            "stage": figure_stage(best),
            "source_kind": best["source_kind"],
        }
    )
    outcome["in_deficit"] = (outcome["position_pct"] < 0).astype(int)
    return outcome.sort_values(["icb_code", "financial_year"], ignore_index=True)


def best_per_system_year(figures: pd.DataFrame) -> pd.DataFrame:
    """The best-available figure per system and year among ``figures`` (finance rule)."""
    flagged = flag_best_available(figures.drop(columns=["best_available"], errors="ignore"))
    return flagged[flagged["best_available"]]


def system_cross_section(outcome: pd.DataFrame) -> pd.DataFrame:
    """One row per system: mean position over its covered years and the number of years."""
    grouped = outcome.groupby("icb_code", sort=True)
    cross = grouped.agg(
        position_pct=("position_pct", "mean"),
        n_years=("financial_year", "nunique"),
        years=("financial_year", lambda values: ", ".join(sorted(values))),
    ).reset_index()
    cross["in_deficit"] = (cross["position_pct"] < 0).astype(int)
    return cross


def mean_over_years(panel: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Each system's mean of ``columns`` over the panel years it has values for."""
    return panel.groupby("icb_code", sort=True)[list(columns)].mean().reset_index()


def complete_cases(data: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows with every column present, and a count of rows lost per column (listwise deletion)."""
    present = data[list(columns)].notna()
    lost = pd.DataFrame(
        {"variable": list(columns), "n_missing": [int((~present[c]).sum()) for c in columns]}
    )
    return data[present.all(axis=1)].copy(), lost


def standardise(data: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Return a copy with ``columns`` (complete) turned into z-scores (mean 0, sample SD 1)."""
    return design.standardise_columns(data, columns)


def formula(outcome: str, predictors: Sequence[str], extra: Sequence[str] = ()) -> str:
    """A patsy formula ``outcome ~ a + b + ...`` (1 alone when there are no predictors)."""
    terms = [*predictors, *extra]
    return f"{outcome} ~ {' + '.join(terms) if terms else '1'}"


def fit_cross_section(
    data: pd.DataFrame, outcome: str, predictors: Sequence[str]
) -> ResultsWrapper:
    """OLS with HC3 heteroskedasticity-robust standard errors."""
    return design.linear_model(data, outcome, predictors).fit(cov_type="HC3")


def tidy(results: ResultsWrapper, model_name: str) -> pd.DataFrame:
    """Coefficients of a fitted statsmodels model as a tidy table (95% intervals)."""
    intervals = results.conf_int(alpha=0.05)
    table = pd.DataFrame(
        {
            "model": model_name,
            "term": results.params.index,
            "estimate": results.params.to_numpy(),
            "std_error": results.bse.to_numpy(),
            "conf_low": intervals.iloc[:, 0].to_numpy(),
            "conf_high": intervals.iloc[:, 1].to_numpy(),
            "p_value": results.pvalues.to_numpy(),
            "n_obs": int(results.nobs),
        }
    )
    return table[TIDY_COLUMNS].reset_index(drop=True)


def fit_statistics(results: ResultsWrapper, model_name: str) -> dict[str, float | str | int]:
    """N, R-squared (or pseudo R-squared), AIC and the covariance type of a fitted model."""
    r_squared = getattr(results, "rsquared", None)
    if r_squared is None:
        r_squared = getattr(results, "prsquared", np.nan)
    return {
        "model": model_name,
        "n_obs": int(results.nobs),
        "r_squared": float(r_squared),
        "aic": float(results.aic),
        "cov_type": str(results.cov_type),
    }


def variance_inflation(data: pd.DataFrame, predictors: Sequence[str]) -> pd.DataFrame:
    """Variance inflation factor of each predictor (with an intercept in the design)."""
    design = np.column_stack([np.ones(len(data)), data[list(predictors)].to_numpy(float)])
    values = [variance_inflation_factor(design, index + 1) for index in range(len(predictors))]
    return pd.DataFrame({"term": list(predictors), "vif": values})


def influence_table(results: ResultsWrapper, labels: pd.Series) -> pd.DataFrame:
    """Fitted values, residuals, leverage and Cook's distance per observation, largest first
    (equal distances, as at declared precision, in label order)."""
    with warnings.catch_warnings():
        # an observation alone in its fixed-effect cell has leverage 1: its studentised
        # residual is undefined (NaN) and numpy warns; the NaN is kept, not hidden
        warnings.simplefilter("ignore", RuntimeWarning)
        influence = results.get_influence()
        cooks = influence.cooks_distance[0]
    table = pd.DataFrame(
        {
            "label": labels.to_numpy(),
            "fitted": results.fittedvalues.to_numpy(),
            "residual": results.resid.to_numpy(),
            "leverage": influence.hat_matrix_diag,
            "cooks_distance": cooks,
        }
    )
    return sort_by_value(table, "cooks_distance", ["label"], ascending=False)


#: Plain-English names of the candidate drivers, '<label> (<unit>)', from the variable registry.
VARIABLE_LABELS: dict[str, str] = variables.labels(variables.valid_predictors(), with_unit=True)


def add_log_population(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``log_population`` (natural log of the registered population) as a size measure."""
    return frame.assign(log_population=np.log(frame["population"]))


def cross_section_data(
    outcome: pd.DataFrame, panel: pd.DataFrame, lookup: pd.DataFrame, predictors: Sequence[str]
) -> pd.DataFrame:
    """One row per system: mean outcome over its covered years and mean drivers over the same
    years (drivers a source lacks in some of those years are averaged over the years it has)."""
    cross = system_cross_section(outcome)
    years = outcome[["icb_code", "financial_year"]]
    drivers = add_log_population(panel).merge(years, on=["icb_code", "financial_year"])
    means = mean_over_years(drivers, predictors)
    regions = lookup[["icb_code", "icb_name", "region_name"]]
    data = cross.merge(means, on="icb_code", how="left", validate="one_to_one")
    return data.merge(regions, on="icb_code", how="left", validate="one_to_one")


def regression_table(results: dict[str, ResultsWrapper], labels: dict[str, str]) -> pd.DataFrame:
    """Side-by-side table: 'estimate (std. error)' per term and model, then N and fit rows."""
    columns = {}
    for name, fitted in results.items():
        table = tidy(fitted, name).set_index("term")
        cells = {
            labels.get(term, term): f"{row.estimate:.2f} ({row.std_error:.2f})"
            + ("*" if row.p_value < 0.05 else "")
            for term, row in table.iterrows()
            if not term.startswith("C(")
        }
        statistics = fit_statistics(fitted, name)
        cells["N"] = str(statistics["n_obs"])
        cells["R² (pseudo R² for logit)"] = f"{statistics['r_squared']:.2f}"
        cells["Standard errors"] = statistics["cov_type"]
        cells["Year effects"] = "yes" if any(t.startswith("C(") for t in table.index) else "no"
        columns[name] = cells
    frame = pd.DataFrame(columns)
    return frame.fillna("")


# ---------------------------------------------------------------------------------------------
# Primary model: the system x year panel with year, stage and source-kind fixed effects
# ---------------------------------------------------------------------------------------------

#: Fixed effects of the primary model: the year, and the stage and source kind of each figure.
PRIMARY_FIXED_EFFECTS: tuple[str, ...] = ("financial_year", "stage", "source_kind")
#: Strata of the permutation test: figures are only compared with figures of the same year
#: and stage.
PERMUTATION_STRATA: tuple[str, ...] = ("financial_year", "stage")
#: Outcome columns by denominator (percent of core allocation, pounds per registered person,
#: percent of total allocation when the finance table carries it).
DENOMINATOR_COLUMNS: dict[str, str] = {
    "value_pct_allocation": "position_pct",
    "value_pct_total_allocation": "position_pct_total",
}


def figure_data(
    positions: pd.DataFrame, panel: pd.DataFrame, lookup: pd.DataFrame, predictors: Sequence[str]
) -> pd.DataFrame:
    """Every full-year whole-system figure with its stage, outcomes and the system-year's drivers.

    One row per curated figure (not yet one per system-year: :func:`best_per_system_year`
    picks). Outcomes: ``position_pct`` (% of core allocation), ``position_pct_total`` (% of
    total allocation, when available), ``position_gbp_per_head`` (pounds per registered
    person) and ``in_deficit``. Drivers are the panel's values as measured before the figure
    was set (:func:`helpers.panel.variables.timed_panel`: in-year measures from the previous year),
    with ``measured_in__<driver>`` and same-year copies ``<driver>__same_year``.
    """
    stage = figure_stage(positions)
    rows = positions[
        stage.notna() & (positions["scope"] == "system") & positions["value_pct_allocation"].notna()
    ].copy()
    rows["stage"] = figure_stage(rows)
    for source, target in DENOMINATOR_COLUMNS.items():
        if source in rows.columns:
            rows[target] = rows[source].astype(float)
    drivers = add_log_population(panel)
    wanted = list(dict.fromkeys([*predictors, "log_population"]))
    timed = variables.timed_panel(drivers, wanted).assign(population=drivers["population"])
    merged = rows.merge(
        timed, on=["icb_code", "financial_year"], how="left", validate="many_to_one"
    )
    merged["position_gbp_per_head"] = 1e6 * merged["value_gbp_m"] / merged["population"]
    merged["in_deficit"] = (merged["position_pct"] < 0).astype(int)
    regions = lookup[["icb_code", "region_name"]]
    return merged.merge(regions, on="icb_code", how="left", validate="many_to_one")


def select_figures(
    figures: pd.DataFrame,
    *,
    years: Sequence[str],
    stages: Sequence[str],
    source_kinds: Sequence[str],
    basis: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Figures of the given years, stages, source kinds and bases (before or after deficit
    support, or unknown: the finance table's ``basis`` column; every basis when None)."""
    keep = (
        figures["financial_year"].isin(years)
        & figures["stage"].isin(stages)
        & figures["source_kind"].isin(source_kinds)
    )
    if basis is not None:
        keep &= figures["basis"].isin(basis)
    return figures[keep]


def primary_specification(
    data: pd.DataFrame, outcome: str, drivers: Sequence[str], controls: Sequence[str] = ()
) -> inference.Specification:
    """The declared primary model: OLS of the outcome on standardised drivers with year,
    stage and source-kind fixed effects, standard errors clustered by system."""
    return inference.Specification(
        data=data,
        outcome=outcome,
        drivers=tuple(drivers),
        controls=tuple(controls),
        fixed_effects=PRIMARY_FIXED_EFFECTS,
        cluster="icb_code",
    )


DRIVER_COLUMNS: list[str] = [
    "family",
    "model",
    "driver",
    "label",
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
    "p_value",
    "wild_p",
    "p_adjusted",
    "adjustment",
    "mde",
    "n_obs",
    "n_clusters",
    "unit",
    "sentence",
]


def describe_drivers(
    table: pd.DataFrame,
    *,
    family: str,
    model: str,
    adjustment: str,
    unit: str,
    alpha: float = 0.05,
    power: float = 0.8,
    p_column: str = "p_value",
) -> pd.DataFrame:
    """Add corrected p-values (Holm or BH across the table's rows, of ``p_column``: the
    analytic ``p_value`` or the wild-bootstrap ``wild_p``), the minimum detectable effect,
    labels and the generated sentence to a table of driver estimates."""
    if table.empty:
        return pd.DataFrame(columns=DRIVER_COLUMNS)
    result = table.copy()
    if "wild_p" not in result:
        result["wild_p"] = np.nan
    correct = inference.holm if adjustment == "holm" else inference.benjamini_hochberg
    result["p_adjusted"] = correct(result[p_column].to_numpy(float))
    result["mde"] = [inference.mde_per_sd(se, alpha, power) for se in result["std_error"]]
    result["label"] = result["driver"].map(lambda name: VARIABLE_LABELS.get(name, name))
    result["family"], result["model"], result["adjustment"] = family, model, adjustment
    result["unit"], result["sentence"] = unit, ""
    return with_sentences(result[DRIVER_COLUMNS].reset_index(drop=True), alpha, power)


#: The columns of a driver table that depend on ``power`` (the minimum detectable effect and the
#: sentence that quotes it), written apart from the estimates by :func:`driver_files`.
POWER_COLUMNS: list[str] = ["mde", "sentence"]
#: What identifies a driver row in both files notebook 03 writes.
DRIVER_KEY: list[str] = ["family", "model", "driver"]
DRIVERS_FILE = "model_drivers.csv"
STATEMENTS_FILE = "model_driver_statements.csv"


def driver_files(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """A driver table (:data:`DRIVER_COLUMNS`) as the two files notebook 03 writes: the
    estimates, intervals and p-values (``model_drivers.csv``, which notebook 07 reads) and, by
    :data:`DRIVER_KEY`, what depends on ``power`` (``model_driver_statements.csv``: MDE and
    sentence). Each column lives in one file, so a change of ``power`` alone leaves
    ``model_drivers.csv`` the same bytes and reruns nothing in notebook 07.

    Raises:
        DataError: if two rows share a key (the statements could not be matched).
    """
    duplicated = table.duplicated(DRIVER_KEY)
    if duplicated.any():
        keys = table.loc[duplicated, DRIVER_KEY].drop_duplicates().to_dict("records")
        raise DataError(f"driver table: rows with the same {DRIVER_KEY}: {keys}")
    estimates = [column for column in table.columns if column not in POWER_COLUMNS]
    return {
        DRIVERS_FILE: table[estimates].reset_index(drop=True),
        STATEMENTS_FILE: table[[*DRIVER_KEY, *POWER_COLUMNS]].reset_index(drop=True),
    }


def with_sentences(table: pd.DataFrame, alpha: float, power: float) -> pd.DataFrame:
    """``table`` (driver rows) with each ``sentence`` generated from its own numbers (its
    ``mde`` computed at ``power``)."""
    result = table.copy()
    result["sentence"] = [
        inference.describe_estimate(
            row.label,
            row.estimate,
            row.conf_low,
            row.conf_high,
            row.p_adjusted,
            row.unit,
            alpha=alpha,
            mde=row.mde,
            power=power,
        )
        for row in result.itertuples()
    ]
    return result


#: The one exploratory family: every p-value notebook 03 reports outside the declared family.
EXPLORATORY_FAMILY = "exploratory"


def exploratory_family(tables: Sequence[pd.DataFrame], alpha: float, power: float) -> pd.DataFrame:
    """Pool every reported estimate outside the declared family into one exploratory family:
    Benjamini-Hochberg q over all of them (nominal analytic p), sentences regenerated. The
    rows keep their ``model``; ``family`` becomes ``exploratory``."""
    frames = [table for table in tables if not table.empty]
    if not frames:
        return pd.DataFrame(columns=DRIVER_COLUMNS)
    pooled = pd.concat(frames, ignore_index=True)
    pooled["family"] = EXPLORATORY_FAMILY
    pooled["adjustment"] = "bh"
    pooled["p_adjusted"] = inference.benjamini_hochberg(pooled["p_value"].to_numpy(float))
    return with_sentences(pooled, alpha, power)


def in_model(table: pd.DataFrame, model: str) -> pd.DataFrame:
    """The rows of a driver table from one model."""
    return table[table["model"] == model].reset_index(drop=True)


def require_estimates(table: pd.DataFrame, spec: inference.Specification) -> pd.DataFrame:
    """``table`` (the primary model's driver rows) unchanged, or a DataError saying why the
    primary model could not be fitted on the selected figures (too few complete system-years
    for its terms, or no driver varies) and what to change in params.yaml."""
    if not table.empty:
        return table
    columns = [spec.outcome, *spec.drivers, *spec.controls, *spec.fixed_effects]
    complete = spec.data.dropna(subset=columns)
    raise DataError(
        f"params.yaml (03_model_deficit_drivers): the primary model cannot be fitted on the "
        f"selected figures: {len(complete)} complete system-years from "
        f"{complete['icb_code'].nunique()} systems, too few for the declared drivers "
        f"{list(spec.drivers)} and the year, stage and source-kind effects (or no driver "
        "varies); select more stages, years, source kinds or bases"
    )


def exploratory_candidates(
    data: pd.DataFrame, outcome: str, main: Sequence[str], candidates: Sequence[str]
) -> pd.DataFrame:
    """Each candidate added in turn to the primary model; its own estimate (one row each)."""
    rows = []
    for candidate in candidates:
        spec = primary_specification(data, outcome, [candidate], controls=main)
        rows.append(inference.fit_specification(spec))
    rows = [row for row in rows if not row.empty]
    return (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(columns=inference.CURVE_COLUMNS[1:])
    )


TWO_PART_ANY = "two-part model, part 1 (any deficit)"
TWO_PART_SIZE = "two-part model, part 2 (size of deficit, given one)"


def two_part(
    data: pd.DataFrame,
    drivers: Sequence[str],
    unit: str,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    outcome: str = "position_pct",
) -> pd.DataFrame:
    """Two-part model of the pile-up at and below zero, each part with the primary design.

    Part 1 (linear probability, clustered): does the driver change the chance that a system
    reports any deficit? Part 2 (OLS among deficit system-years): among systems in deficit,
    is the driver associated with a deeper deficit? Holm is applied within each part (the
    notebook pools both into the exploratory family). When the primary ``outcome`` is already
    ``in_deficit``, part 1 would repeat the primary model and is not fitted.
    """
    parts = []
    if outcome != "in_deficit":
        any_deficit = inference.fit_specification(
            primary_specification(data, "in_deficit", drivers)
        )
        parts.append(
            describe_drivers(
                any_deficit,
                family="two-part",
                model=TWO_PART_ANY,
                adjustment="holm",
                unit=OUTCOME_UNITS["in_deficit"],
                alpha=alpha,
                power=power,
            )
        )
    in_deficit = data[data["in_deficit"] == 1]
    size = inference.fit_specification(primary_specification(in_deficit, "position_pct", drivers))
    parts.append(
        describe_drivers(
            size,
            family="two-part",
            model=TWO_PART_SIZE,
            adjustment="holm",
            unit=unit,
            alpha=alpha,
            power=power,
        )
    )
    return pd.concat(parts, ignore_index=True)


def outcome_sentences(outcome: str) -> dict[str, str]:
    """Sentences of the report that depend on the outcome type (generated, never fixed prose):
    the outcome's description, why a two-part model, and what part 1 is in this run."""
    if outcome == "in_deficit":
        return {
            "model_outcome_description": (
                "The outcome is binary: 1 when the best-available position is a deficit, 0 "
                "otherwise (a linear probability model)."
            ),
            "model_two_part_intro": (
                "The primary outcome already asks whether a system is in deficit, so part 1 "
                "of a two-part model would repeat the primary model and is not fitted. Part 2 "
                "asks, among system-years in deficit, whether a driver goes with a deeper "
                "deficit (pp of core allocation):"
            ),
            "model_two_part_any_intro": "",
        }
    return {
        "model_outcome_description": (
            "The outcome is the best-available position as a share of allocation; many plans "
            "are set to break even, so it piles up at zero."
        ),
        "model_two_part_intro": (
            "Part 2 of a two-part model asks, among system-years in deficit, whether a driver "
            "goes with a deeper deficit:"
        ),
        "model_two_part_any_intro": (
            "Part 1 of a two-part model asks whether a driver changes the chance that a "
            "system reports any deficit:"
        ),
    }


# ---------------------------------------------------------------------------------------------
# Selection: who has a figure at all
# ---------------------------------------------------------------------------------------------

SELECTION_PREDICTORS: list[str] = ["log_population", "imd_score", "distance_from_target_pct"]


def selection_data(
    panel: pd.DataFrame, lookup: pd.DataFrame, outcome: pd.DataFrame, years: Sequence[str]
) -> pd.DataFrame:
    """Every ICB x year in ``years`` with ``has_figure`` (1 if it has an outcome), region,
    size, deprivation and funding relative to target."""
    frame = add_log_population(panel)
    frame = frame[frame["financial_year"].isin(years)][
        ["icb_code", "financial_year", *SELECTION_PREDICTORS]
    ]
    covered = outcome[["icb_code", "financial_year"]].assign(has_figure=1)
    frame = frame.merge(
        covered, on=["icb_code", "financial_year"], how="left", validate="one_to_one"
    )
    frame["has_figure"] = frame["has_figure"].fillna(0).astype(int)
    regions = lookup[["icb_code", "region_name"]]
    return frame.merge(regions, on="icb_code", how="left", validate="many_to_one")


def fit_selection(selection: pd.DataFrame) -> ResultsWrapper:
    """Logit of having a figure on region, size, deprivation, funding and year; errors
    clustered by system. Rows missing a predictor are dropped (and counted by the caller)."""
    data = selection.dropna(subset=SELECTION_PREDICTORS).reset_index(drop=True)
    terms = [*SELECTION_PREDICTORS, "C(region_name)", "C(financial_year)"]
    model = smf.logit(f"has_figure ~ {' + '.join(terms)}", data=data)
    groups = pd.factorize(data["icb_code"])[0]
    return model.fit(disp=0, cov_type="cluster", cov_kwds={"groups": groups}, maxiter=200)


def inverse_probability_weights(selection: pd.DataFrame, results: ResultsWrapper) -> pd.DataFrame:
    """Stabilised inverse-probability-of-having-a-figure weights per ICB x year:
    ``mean(has_figure) / p_hat``, for the rows the selection model could predict."""
    data = selection.dropna(subset=SELECTION_PREDICTORS).copy()
    data["p_figure"] = np.asarray(results.predict(data), dtype=float)
    data["ipw"] = data["has_figure"].mean() / data["p_figure"]
    return data[["icb_code", "financial_year", "p_figure", "ipw"]]


# ---------------------------------------------------------------------------------------------
# Specification curve choices for the deficit-drivers model
# ---------------------------------------------------------------------------------------------


#: Bases of a figure (position before or after deficit support; ``unknown`` when the source
#: does not say): the finance table's ``basis`` column.
BASES: tuple[str, ...] = ("before_support", "after_support", "unknown")
#: Default timing and basis dimensions of the curve when params.yaml does not name them.
DEFAULT_TIMINGS: dict[str, str] = {
    "lagged (measured before the figure)": "lagged",
    "same year (look-ahead)": "same_year",
}
DEFAULT_BASES: dict[str, list[str]] = {
    "any basis": list(BASES),
    "before support": ["before_support"],
    "after support": ["after_support"],
}


def same_year_option(spec: inference.Specification) -> inference.Specification:
    """Replace every lagged predictor column by its same-year copy (the look-ahead timing)."""
    columns = [*spec.drivers, *spec.controls]
    swapped = {
        column: spec.data[f"{column}{variables.SAME_YEAR_SUFFIX}"]
        for column in columns
        if f"{column}{variables.SAME_YEAR_SUFFIX}" in spec.data
    }
    return spec.with_(data=spec.data.assign(**swapped)) if swapped else spec


def curve_setup(
    positions: pd.DataFrame, panel: pd.DataFrame, lookup: pd.DataFrame, params: dict[str, Any]
) -> tuple[inference.Specification, dict[str, dict[str, inference.Option]]]:
    """The specification the curve starts from and its choices, from the processed tables and
    notebook 03's parameters: the one place both notebook 03 and the workflow's curve chunks
    (:mod:`helpers.curves`) build them, so the two cannot drift apart."""
    predictors = [*params["main_predictors"], *params["candidate_predictors"]]
    figures = figure_data(positions, panel, lookup, predictors)
    # every basis enters: the curve's own ``bases`` dimension chooses among them
    selected = select_figures(
        figures, years=params["years"], stages=params["stages"], source_kinds=params["source_kinds"]
    )
    base = primary_specification(selected, params["outcome"], params["main_predictors"])
    choices = curve_choices(params["specification_curve"], params["outcome"], list(figures))
    return base, choices


def curve_choices(
    settings: dict[str, dict[str, object]], outcome: str, available: Sequence[str]
) -> dict[str, dict[str, inference.Option]]:
    """Choice dimensions of the specification curve, from ``params.yaml``.

    Dimensions (applied in this order): predictor timing (lagged as declared in the variable
    registry, or same-year), basis of the figure (before or after deficit support, or any),
    stage subset, source tier, year window, denominator (only for the continuous outcome; only
    columns in ``available``), control set, and the rule that turns figures into data (best
    available per system-year, or every figure with the stage fixed effects doing the
    comparison). ``timings`` and ``bases`` default to :data:`DEFAULT_TIMINGS` and
    :data:`DEFAULT_BASES`.
    """

    def rows(column: str, values: Sequence[str]) -> inference.Option:
        return lambda spec: spec.with_(data=spec.data[spec.data[column].isin(values)])

    def outcome_column(column: str) -> inference.Option:
        return lambda spec: spec.with_(outcome=column)

    def controls(columns: Sequence[str]) -> inference.Option:
        return lambda spec: spec.with_(controls=tuple(columns))

    def timing(kind: object) -> inference.Option:
        if kind not in ("lagged", "same_year"):
            raise ConfigError(f"params.yaml: timings must be lagged or same_year, not {kind!r}")
        return same_year_option if kind == "same_year" else (lambda spec: spec)

    # The same frame reaches the rule once per denominator and control set (the curve reuses
    # a specification transformed by the same leading options): choose once per frame. Keyed by
    # the frame itself (options never change a frame in place; the entry holds the frame, so
    # its id cannot be reused), not by its contents, whose hashing cost more than the choice.
    chosen: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}

    def best(spec: inference.Specification) -> inference.Specification:
        if id(spec.data) not in chosen:
            chosen[id(spec.data)] = (spec.data, best_per_system_year(spec.data))
        return spec.with_(data=chosen[id(spec.data)][1])

    if outcome == "position_pct":
        denominators = {
            name: outcome_column(column)
            for name, column in settings["denominators"].items()
            if column in available
        }
    else:
        denominators = {outcome: outcome_column(outcome)}
    timings = settings.get("timings", DEFAULT_TIMINGS)
    bases = settings.get("bases", DEFAULT_BASES)
    return {
        "timing": {n: timing(v) for n, v in timings.items()},
        "basis": {n: rows("basis", v) for n, v in bases.items()},
        "stage_subset": {n: rows("stage", v) for n, v in settings["stage_subsets"].items()},
        "source_tier": {n: rows("source_kind", v) for n, v in settings["source_tiers"].items()},
        "year_window": {n: rows("financial_year", v) for n, v in settings["year_windows"].items()},
        "denominator": denominators,
        "control_set": {n: controls(v) for n, v in settings["control_sets"].items()},
        "rule": {"best available per system-year": best, "every figure": lambda spec: spec},
    }


#: :func:`helpers.precision.round_float` over an array (as :func:`round_frame` applies it).
_round_floats = np.vectorize(round_float, otypes=[float])


def keyed_fit(spec: inference.Specification) -> pd.DataFrame:
    """:func:`helpers.analysis.inference.fit_specification` (errors clustered by system, as in the
    primary model's analytic errors) plus ``sample_key``: a hash of every value the fit uses
    (outcome, drivers, controls, fixed effects, clusters on the estimation rows; floats at the
    declared precision of :mod:`helpers.precision`). Two
    specifications with the same key give the same results: they are one distinct
    specification."""
    rows = inference.estimation_rows(spec)
    if rows is None:
        return inference.fit_specification(spec).assign(sample_key=[])
    table = inference.fit_rows(spec, rows)
    # hashed at the declared precision: the key must not depend on the machine's last bits.
    # Float arrays are rounded as round_frame rounds them, before the frame is built (the
    # curve hashes thousands of small samples: round_frame's copies cost more than the fits);
    # a column pandas keeps as objects may hold floats and goes through round_frame itself.
    values = {
        name: _round_floats(column) if column.dtype.kind == "f" else column
        for name, column in sorted(rows.values.items())
    }
    used = pd.DataFrame({**values, "_outcome": spec.outcome, "_controls": "|".join(spec.controls)})
    objects = [name for name in used if used[name].dtype == object]
    if objects:
        used[objects] = round_frame(used[objects])
    hashed = pd.util.hash_pandas_object(used, index=False).to_numpy()
    key = f"{int(np.sort(hashed).sum(dtype=np.uint64)):016x}-{len(used)}"
    return table.assign(sample_key=key)


def mark_distinct(curve: pd.DataFrame) -> pd.DataFrame:
    """``curve`` with ``distinct``: True on the first specification (lowest ``spec_id``) of
    each ``sample_key``, False on later ones that repeat the same sample and variables."""
    first = curve.groupby("sample_key")["spec_id"].transform("min")
    return curve.assign(distinct=curve["spec_id"] == first)


#: Unit of a standardised coefficient, by outcome.
OUTCOME_UNITS: dict[str, str] = {
    "position_pct": "pp of core allocation per SD",
    "position_pct_total": "pp of total allocation per SD",
    "position_gbp_per_head": "£ per person per SD",
    "in_deficit": "probability of a deficit (0-1) per SD",
}


def alternative_outcome_fits(
    figures: pd.DataFrame,
    definitions: dict[str, dict[str, list[str]]],
    *,
    years: Sequence[str],
    outcome: str,
    drivers: Sequence[str],
    basis: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The primary model of the chosen ``outcome`` refitted on other figure selections
    (stages, source kinds and, where a definition names it, the basis of the figure: before
    or after deficit support; else ``basis``), one row per definition and driver."""
    tables = []
    for name, definition in definitions.items():
        chosen = select_figures(
            figures,
            years=years,
            stages=definition["stages"],
            source_kinds=definition["source_kinds"],
            basis=definition.get("basis", basis),
        )
        table = inference.fit_specification(
            primary_specification(best_per_system_year(chosen), outcome, drivers)
        )
        if not table.empty:
            table.insert(0, "definition", name)
            tables.append(table)
    columns = ["definition", *inference.CURVE_COLUMNS[1:]]
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)


def driver_paths(figures: pd.DataFrame, driver: str) -> pd.DataFrame:
    """Each system's values of ``driver`` by financial year (systems x years), as the figures
    frame carries them (one value per system-year, already timed), for the systems' blocks."""
    values = figures[["icb_code", "financial_year", driver]].drop_duplicates(
        ["icb_code", "financial_year"]
    )
    return values.pivot(index="icb_code", columns="financial_year", values=driver).sort_index()


def permutation_table(
    spec: inference.Specification,
    drivers: Sequence[str],
    paths: dict[str, pd.DataFrame],
    *,
    n_permutations: int,
    seed: int,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Permutation p-value of each driver shuffling whole systems (each system in the sample
    gets another system's path of the driver over the years), and the null draws. ``paths``
    is the driver values of every system and year (systems x years, e.g. from
    :func:`driver_paths` of every figure-year of the panel)."""
    rows, nulls = [], {}
    for offset, driver in enumerate(drivers):
        donors = paths[driver]
        observed, null, p_value = inference.cluster_permutation_test(
            spec,
            driver,
            donors,
            "financial_year",
            n_permutations=n_permutations,
            seed=seed + offset,
        )
        rows.append({"driver": driver, "observed": observed, "permutation_p": p_value})
        nulls[driver] = null
    return pd.DataFrame(rows), nulls


def panel_paths(panel: pd.DataFrame, drivers: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Every system's timed driver values by year (systems x years), one frame per driver:
    the donors of :func:`permutation_table`."""
    timed = variables.timed_panel(add_log_population(panel), list(drivers))
    return {driver: driver_paths(timed, driver) for driver in drivers}


def wild_fit(n_draws: int, seed: int, weight_type: str) -> Callable[..., pd.DataFrame]:
    """The primary fit with wild cluster bootstrap p-values, as a one-argument function."""

    def fit(spec: inference.Specification) -> pd.DataFrame:
        return inference.fit_specification_wild(
            spec, n_draws=n_draws, seed=seed, weight_type=weight_type
        )

    return fit


def leave_one_out(
    spec: inference.Specification, fit: Callable[[inference.Specification], pd.DataFrame]
) -> pd.DataFrame:
    """The primary model refitted without each system-year and without each system:
    ``unit`` (system-year or system), ``left_out`` and the fit's columns."""
    data = spec.data
    observation = data["icb_code"].astype(str) + " " + data["financial_year"].astype(str)
    tables = [
        inference.leave_one_out(spec, observation, fit).assign(unit="system-year"),
        inference.leave_one_out(spec, data["icb_code"].astype(str), fit).assign(unit="system"),
    ]
    frame = pd.concat(tables, ignore_index=True)
    return frame[["unit", *[c for c in frame.columns if c != "unit"]]]


def leave_one_out_summary(loo: pd.DataFrame, primary: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Per declared driver and unit (system-year, system): the full-sample estimate and wild p,
    the range of the estimate and of the wild p when one unit is left out, and the units whose
    removal changes the sign (as displayed) or the significance (wild p < alpha) or the
    corrected significance (Holm across the declared drivers of that refit)."""
    loo = loo.copy()
    loo["holm"] = loo.groupby(["unit", "left_out"])["wild_p"].transform(
        lambda p: inference.holm(p.to_numpy(float))
    )
    rows = []
    for row in primary.itertuples():
        for unit in ("system-year", "system"):
            part = loo[(loo["unit"] == unit) & (loo["driver"] == row.driver)]
            sign = inference.sign_word(row.estimate)
            flips = part[[inference.sign_word(e) != sign for e in part["estimate"]]]
            significant = row.wild_p < alpha
            changes = part[(part["wild_p"] < alpha) != significant]
            corrected = part[(part["holm"] < alpha) != (row.p_adjusted < alpha)]
            rows.append(
                {
                    "driver": row.driver,
                    "label": row.label,
                    "unit": unit,
                    "n_refits": len(part),
                    "estimate": row.estimate,
                    "wild_p": row.wild_p,
                    "p_adjusted": row.p_adjusted,
                    "estimate_low": float(part["estimate"].min()),
                    "estimate_high": float(part["estimate"].max()),
                    "wild_p_low": float(part["wild_p"].min()),
                    "wild_p_high": float(part["wild_p"].max()),
                    "sign_changed_by": ", ".join(flips["left_out"]),
                    "significance_changed_by": ", ".join(changes["left_out"]),
                    "corrected_significance_changed_by": ", ".join(corrected["left_out"]),
                }
            )
    return pd.DataFrame(rows)


def driver_table(
    primary: pd.DataFrame, permutations: pd.DataFrame, weighted: pd.DataFrame
) -> pd.DataFrame:
    """The declared drivers' primary estimates with their whole-system permutation p and the
    inverse-probability-weighted estimate, interval, corrected p (the exploratory family's q
    when ``weighted`` comes from it) and sentence beside them."""
    ipw = weighted.set_index("driver")[
        ["estimate", "conf_low", "conf_high", "p_adjusted", "sentence"]
    ].add_prefix("ipw_")
    table = primary.merge(
        permutations[["driver", "permutation_p"]], on="driver", how="left", validate="one_to_one"
    )
    return table.merge(ipw, left_on="driver", right_index=True, how="left", validate="one_to_one")


#: Human column labels of driver tables, in display order.
DRIVER_TABLE_LABELS: dict[str, str] = {
    "model": "Model",
    "estimate": "Estimate",
    "conf_low": "95% CI low",
    "conf_high": "95% CI high",
    "p_value": "p (analytic, clustered)",
    "wild_p": "p (wild cluster bootstrap)",
    "p_adjusted": "p (corrected)",
    "adjustment": "Correction",
    "permutation_p": "p (permutation of systems)",
    "mde": "Minimum detectable effect",
    "ipw_estimate": "Estimate, re-weighted",
    "ipw_p_adjusted": "p (corrected), re-weighted",
    "n_obs": "N system-years",
    "n_clusters": "Systems",
}


def people_driver_table(table: pd.DataFrame) -> pd.DataFrame:
    """A driver table for people: labelled columns, the driver label as the row name, rounded
    numbers, and the correction named (Holm or Benjamini-Hochberg q)."""
    shown = [column for column in DRIVER_TABLE_LABELS if column in table.columns]
    frame = table.set_index("label")[shown].copy()
    if "wild_p" in frame and frame["wild_p"].isna().all():
        frame = frame.drop(columns="wild_p")
    frame["adjustment"] = frame["adjustment"].map({"holm": "Holm", "bh": "BH q"})
    numeric = frame.select_dtypes("number").columns
    frame[numeric] = frame[numeric].astype(float).round(3)
    frame.index.name = "Driver"
    return frame.rename(columns=DRIVER_TABLE_LABELS)


def coefficient_comparison(
    primary: pd.DataFrame, weighted: pd.DataFrame, cross_section: pd.DataFrame
) -> pd.DataFrame:
    """Long table (model, term, estimate, conf_low, conf_high) for the coefficient plot."""
    columns = ["model", "term", "estimate", "conf_low", "conf_high"]
    frames = [table.rename(columns={"driver": "term"})[columns] for table in (primary, weighted)]
    return pd.concat([*frames, cross_section[columns]], ignore_index=True)


def curve_summary(curve: pd.DataFrame, primary: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Per declared driver, over the distinct specifications (``distinct``; all when the
    column is absent): specifications fitted and distinct, median estimate, the share whose
    estimate has the primary estimate's sign (as displayed) and the share that also is
    nominally significant (p < alpha)."""
    rows = []
    for row in primary.itertuples():
        fitted = curve[curve["driver"] == row.driver]
        distinct = fitted[fitted["distinct"]] if "distinct" in fitted else fitted
        sign = np.sign(inference.shown_value(row.estimate))
        rows.append(
            {
                "driver": row.driver,
                "primary_estimate": row.estimate,
                "n_specifications": len(fitted),
                "n_distinct": len(distinct),
                "median_estimate": float(distinct["estimate"].median())
                if len(distinct)
                else np.nan,
                "share_same_sign": float((np.sign(distinct["estimate"]) == sign).mean())
                if len(distinct) and sign
                else np.nan,
                "share_same_sign_significant": inference.curve_share(
                    distinct, row.driver, row.estimate, alpha
                ),
            }
        )
    return pd.DataFrame(rows)


def curve_title(summary: pd.DataFrame) -> str:
    """Figure title stating the curve's finding (words from :mod:`helpers.analysis.inference`)."""
    ordered = sort_by_value(summary, "share_same_sign_significant", ["driver"], ascending=False)
    best = ordered.iloc[0]
    label = VARIABLE_LABELS.get(best["driver"], best["driver"])
    return inference.describe_curve_headline(float(best["share_same_sign_significant"]), label)


def robustness_table(alternatives: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Definition x driver: 'estimate (low to high)' text, and N per definition."""
    frame = alternatives.assign(
        cell=[
            f"{inference.format_number(r.estimate)} ({inference.format_number(r.conf_low)} to "
            f"{inference.format_number(r.conf_high)})"
            for r in alternatives.itertuples()
        ],
        driver=alternatives["driver"].map(labels),
    )
    table = frame.pivot(index="definition", columns="driver", values="cell")
    table["N system-years"] = frame.groupby("definition")["n_obs"].first()
    table.index.name = "Figures used"
    table.columns.name = None
    return table


CORRECTION_NAMES: dict[str, str] = {"holm": "Holm-corrected", "bh": "BH-corrected"}


def sentences(table: pd.DataFrame, column: str = "sentence") -> str:
    """The generated sentences of a driver table, joined into one paragraph."""
    return " ".join(table[column].dropna())


#: Models of the exploratory family, by role in the report.
CROSS_SECTION_MODEL = "descriptive cross-section"
IPW_MODEL = "primary panel, inverse-probability weighted"
CANDIDATE_MODEL = "primary panel with the candidate added"


def cross_section_drivers(
    cross_table: pd.DataFrame, drivers: Sequence[str], unit: str, alpha: float, power: float
) -> pd.DataFrame:
    """The declared drivers' rows of the descriptive cross-section as a driver table."""
    rows = cross_table[cross_table["term"].isin(drivers)].rename(columns={"term": "driver"})
    return describe_drivers(
        rows.assign(n_clusters=rows["n_obs"]),
        family="descriptive",
        model=CROSS_SECTION_MODEL,
        adjustment="holm",
        unit=unit,
        alpha=alpha,
        power=power,
    )


def alternative_drivers(
    alternatives: pd.DataFrame, unit: str, alpha: float, power: float
) -> pd.DataFrame:
    """The primary model on alternative figure selections as driver tables (one model each)."""
    tables = [
        describe_drivers(
            part.drop(columns="definition"),
            family="robustness",
            model=f"primary panel on {name}",
            adjustment="holm",
            unit=unit,
            alpha=alpha,
            power=power,
        )
        for name, part in alternatives.groupby("definition", sort=False)
    ]
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=DRIVER_COLUMNS)


def headline_numbers(drivers: pd.DataFrame, loo_summary: pd.DataFrame) -> dict[str, str]:
    """Per declared driver: estimate, wild-bootstrap p, Holm p and the leave-one-out ranges
    (system-year and system), formatted as displayed, under ``model_headline_<driver>_*``."""
    numbers: dict[str, str] = {}
    for row in drivers.itertuples():
        prefix = f"model_headline_{row.driver}"
        numbers[f"{prefix}_estimate"] = inference.format_number(row.estimate)
        numbers[f"{prefix}_conf_low"] = inference.format_number(row.conf_low)
        numbers[f"{prefix}_conf_high"] = inference.format_number(row.conf_high)
        numbers[f"{prefix}_wild_p"] = p_cell(row.wild_p)
        numbers[f"{prefix}_holm_p"] = p_cell(row.p_adjusted)
        numbers[f"{prefix}_analytic_p"] = p_cell(row.p_value)
        numbers[f"{prefix}_permutation_p"] = p_cell(row.permutation_p)
        for unit, tag in (("system-year", "loo"), ("system", "loo_system")):
            part = loo_summary[
                (loo_summary["driver"] == row.driver) & (loo_summary["unit"] == unit)
            ]
            if part.empty:
                continue
            numbers[f"{prefix}_{tag}_low"] = inference.format_number(part["estimate_low"].iloc[0])
            numbers[f"{prefix}_{tag}_high"] = inference.format_number(part["estimate_high"].iloc[0])
            numbers[f"{prefix}_{tag}_wild_p_max"] = f"{part['wild_p_high'].iloc[0]:.3f}"
    return numbers


def timing_sentence(figures: pd.DataFrame, drivers: Sequence[str]) -> str:
    """Which declared drivers are lagged (registry ``timing``) and how many selected system-
    years lose a driver because the panel has no earlier year."""
    lagged = [d for d in drivers if variables.lag_years(d)]
    if not lagged:
        return "Every declared driver is known before the figures it explains are set."
    listed = inference.join_words([VARIABLE_LABELS.get(d, d) for d in lagged])
    missing = figures[figures[lagged].isna().any(axis=1)]
    same = [f"{d}{variables.SAME_YEAR_SUFFIX}" for d in lagged]
    lost = missing[missing[same].notna().all(axis=1)]
    years = inference.join_words(sorted(pd.unique(lost["financial_year"].astype(str))))
    text = (
        f"{listed} {'is' if len(lagged) == 1 else 'are'} measured during a financial year, so "
        "each figure is explained by the previous year's value: a plan is set before its year "
        "begins, and the annual panel cannot give the months before a forecast's or outturn's "
        "date."
    )
    if len(lost):
        text += (
            f" {len(lost)} selected system-years ({years}) have no earlier year in the panel "
            "and leave the model."
        )
    return text


def report_numbers(
    *,
    drivers: pd.DataFrame,
    family: pd.DataFrame,
    curve_summary: pd.DataFrame,
    curve: pd.DataFrame,
    choices: dict[str, dict[str, inference.Option]],
    declaration_sentences: Sequence[str],
    primary_fit: inference.FittedSpecification,
    system_years: pd.DataFrame,
    outcome: str,
    alpha: float,
    power: float,
    n_permutations: int,
    n_bootstrap: int,
    vif: pd.DataFrame,
    loo_summary: pd.DataFrame,
    influence: pd.DataFrame,
    timing: str,
) -> dict[str, str | int]:
    """Numbers and generated sentences for the report (``numbers_models.json``). ``family``
    is the exploratory family (every other reported estimate, one BH family)."""
    labels = drivers["label"].tolist()
    others = [
        (
            f"{row.label} in the {row.model}",
            row.p_value,
            row.p_adjusted,
            CORRECTION_NAMES[row.adjustment],
        )
        for row in family.itertuples()
    ]
    candidates = in_model(family, CANDIDATE_MODEL)
    cross = in_model(family, CROSS_SECTION_MODEL)
    cross = with_sentences(
        cross.assign(
            label=cross["label"] + ", in the descriptive cross-section that ignores year and stage,"
        ),
        alpha,
        power,
    )
    weight_type = inference.wild_weight_type("auto", int(primary_fit.n_clusters))
    top = influence.iloc[0]
    loo_words = [
        inference.describe_leave_one_out(
            row.label,
            row.unit,
            row.estimate_low,
            row.estimate_high,
            row.sign_changed_by,
            row.significance_changed_by,
            bool(row.wild_p < alpha),
            alpha,
            row.corrected_significance_changed_by,
            bool(row.p_adjusted < alpha),
        )
        for row in loo_summary.itertuples()
    ]
    numbers: dict[str, str | int] = {
        "model_outcome_unit": OUTCOME_UNITS[outcome],
        "model_n_system_years": int(primary_fit.results.nobs),
        "model_n_systems": int(primary_fit.n_clusters),
        "model_n_systems_with_outcome": int(system_years["icb_code"].nunique()),
        "model_n_system_years_with_outcome": len(system_years),
        "model_declared_drivers": inference.join_words(labels),
        "model_n_declared": len(labels),
        "model_declaration_sentences": " ".join(declaration_sentences),
        "model_primary_p_method": (
            f"a restricted (null-imposed) wild cluster bootstrap with {weight_type.title()} "
            f"weights and {n_bootstrap:,} draws"
        ),
        "model_conclusion": inference.conclude(
            labels, drivers["p_adjusted"], drivers["wild_p"], alpha
        ),
        "model_nominal_other": inference.describe_nominal(others, alpha),
        "model_n_exploratory": len(family),
        "model_primary_sentences": sentences(drivers),
        "model_ipw_sentences": sentences(in_model(family, IPW_MODEL)),
        "model_exploratory_sentence": inference.describe_exploratory(
            candidates["label"], candidates["p_adjusted"], candidates["p_value"], alpha
        ),
        "model_two_part_any_sentences": sentences(in_model(family, TWO_PART_ANY)),
        "model_two_part_size_sentences": sentences(in_model(family, TWO_PART_SIZE)),
        "model_permutation_sentence": inference.describe_cluster_permutations(
            labels, drivers["permutation_p"]
        ),
        "model_loo_sentences": " ".join(loo_words),
        "model_top_influence": (
            f"{top['label']} (Cook's distance {top['cooks_distance']:.2f}, leverage "
            f"{top['leverage']:.2f})"
        ),
        "model_timing_sentence": timing,
        "model_cross_section_sentences": sentences(cross),
        "model_curve_sentences": " ".join(
            inference.describe_curve_share(
                row.share_same_sign_significant,
                row.n_specifications,
                VARIABLE_LABELS.get(row.driver, row.driver),
                share_same_sign=row.share_same_sign,
                n_distinct=row.n_distinct,
            )
            for row in curve_summary.itertuples()
        ),
        "model_n_specifications": inference.n_specifications(choices),
        "model_n_specifications_fitted": int(curve["spec_id"].nunique()),
        "model_n_specifications_distinct": int(curve["sample_key"].nunique())
        if "sample_key" in curve
        else int(curve["spec_id"].nunique()),
        "model_mde_min": inference.format_number(float(drivers["mde"].min())),
        "model_mde_max": inference.format_number(float(drivers["mde"].max())),
        "model_primary_r_squared": f"{primary_fit.results.rsquared:.2f}",
        "model_n_permutations": n_permutations,
        "model_n_bootstrap": n_bootstrap,
        "model_max_vif": f"{vif['vif'].max():.2f}",
    }
    numbers.update(outcome_sentences(outcome))
    numbers.update(headline_numbers(drivers, loo_summary))
    return numbers


def check_predictor_lists(lists: dict[str, Sequence[str]], valid: Sequence[str]) -> None:
    """Stop before any model is fitted if a predictor list is empty, names an unknown
    variable, or shares a name with another list; the error names the parameter and lists the
    valid names. ``valid`` is the registry's list of predictors (``VARIABLE_LABELS`` until the
    variable registry lands)."""
    seen: dict[str, str] = {}
    for parameter, names in lists.items():
        if not names:
            raise ConfigError(f"params.yaml: {parameter} is empty; valid names: {sorted(valid)}")
        unknown = sorted(set(names) - set(valid))
        if unknown:
            raise ConfigError(
                f"params.yaml: {parameter} names unknown predictors {unknown}; "
                f"valid names: {sorted(valid)}"
            )
        for name in names:
            if name in seen:
                raise ConfigError(
                    f"params.yaml: {name} appears in both {seen[name]} and {parameter} "
                    "(or twice in one); each predictor belongs to one list"
                )
            seen[name] = parameter
