"""Regression models of system financial positions, returning tidy results.

Unit of analysis: the integrated care system (ICB code). Outcome: a system's financial position
as a percentage of its core allocation (surplus positive, deficit negative), built from the
curated positions by :func:`build_outcome`. All models use statsmodels' formula API; standard
errors are robust (HC3 for the cross-section, clustered by system for the pooled panel).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.base.wrapper import ResultsWrapper
from statsmodels.stats.outliers_influence import variance_inflation_factor

from helpers import variables
from helpers.finance import flag_best_available

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


def build_outcome(
    positions: pd.DataFrame,
    *,
    years: Sequence[str],
    measures: Sequence[str],
    source_kinds: Sequence[str],
) -> pd.DataFrame:
    """System-year outcome: the best available position among the selected rows only.

    Filters the finance positions to whole-system rows with the given years, measures and
    source kinds and a known share of allocation, re-applies the best-available rule within
    that selection, and returns one row per system and year with ``position_pct`` (percent of
    core allocation), ``position_gbp_m``, the chosen ``measure`` and ``source_kind``, and
    ``in_deficit`` (position below zero).
    """
    selected = positions[
        positions["financial_year"].isin(years)
        & positions["measure"].isin(measures)
        & positions["source_kind"].isin(source_kinds)
        & (positions["scope"] == "system")
        & positions["value_pct_allocation"].notna()
    ]
    flagged = flag_best_available(selected.drop(columns=["best_available"], errors="ignore"))
    best = flagged[flagged["best_available"]]
    outcome = pd.DataFrame(
        {
            "icb_code": best["icb_code"],
            "financial_year": best["financial_year"],
            "position_pct": best["value_pct_allocation"].astype(float),
            "position_gbp_m": best["value_gbp_m"].astype(float),
            "measure": best["measure"],
            "source_kind": best["source_kind"],
        }
    )
    outcome["in_deficit"] = (outcome["position_pct"] < 0).astype(int)
    return outcome.sort_values(["icb_code", "financial_year"], ignore_index=True)


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
    """Return a copy with ``columns`` turned into z-scores (mean 0, sample SD 1)."""
    result = data.copy()
    for column in columns:
        spread = result[column].std(ddof=1)
        result[column] = (result[column] - result[column].mean()) / spread if spread else 0.0
    return result


def formula(outcome: str, predictors: Sequence[str], extra: Sequence[str] = ()) -> str:
    """A patsy formula ``outcome ~ a + b + ...`` (1 alone when there are no predictors)."""
    terms = [*predictors, *extra]
    return f"{outcome} ~ {' + '.join(terms) if terms else '1'}"


def fit_cross_section(
    data: pd.DataFrame, outcome: str, predictors: Sequence[str]
) -> ResultsWrapper:
    """OLS with HC3 heteroskedasticity-robust standard errors."""
    return smf.ols(formula(outcome, predictors), data=data).fit(cov_type="HC3")


def fit_pooled(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    *,
    group: str = "icb_code",
    year: str = "financial_year",
) -> ResultsWrapper:
    """Pooled system-year OLS with year effects and standard errors clustered by system."""
    model = smf.ols(formula(outcome, predictors, [f"C({year})"]), data=data)
    groups = pd.factorize(data[group])[0]
    return model.fit(cov_type="cluster", cov_kwds={"groups": groups})


def fit_logit(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    *,
    group: str | None = None,
    year: str | None = None,
) -> ResultsWrapper:
    """Logit of a binary outcome: HC1 robust errors, or clustered by ``group`` when given;
    with year effects when ``year`` is given."""
    extra = [f"C({year})"] if year else []
    model = smf.logit(formula(outcome, predictors, extra), data=data)
    if group:
        groups = pd.factorize(data[group])[0]
        return model.fit(disp=0, cov_type="cluster", cov_kwds={"groups": groups})
    return model.fit(disp=0, cov_type="HC1")


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
    """Fitted values, residuals, leverage and Cook's distance per observation, largest first."""
    influence = results.get_influence()
    table = pd.DataFrame(
        {
            "label": labels.to_numpy(),
            "fitted": results.fittedvalues.to_numpy(),
            "residual": results.resid.to_numpy(),
            "leverage": influence.hat_matrix_diag,
            "cooks_distance": influence.cooks_distance[0],
        }
    )
    return table.sort_values("cooks_distance", ascending=False, ignore_index=True)


def permutation_test(
    data: pd.DataFrame,
    outcome: str,
    predictor: str,
    controls: Sequence[str],
    *,
    n_permutations: int,
    seed: int,
) -> tuple[float, np.ndarray, float]:
    """Permutation test of one coefficient: shuffle ``predictor`` across units and refit.

    Returns the observed coefficient, the null distribution of coefficients and the two-sided
    p-value ``(1 + #{|null| >= |observed|}) / (n_permutations + 1)``. Shuffling the predictor
    breaks its link with the outcome and with the controls, so the test's null is that the
    predictor carries no information; it needs no normality or large-sample assumption.
    """
    terms = [predictor, *controls]
    observed = float(smf.ols(formula(outcome, terms), data=data).fit().params[predictor])
    generator = np.random.default_rng(seed)
    shuffled = data.copy()
    null = np.empty(n_permutations)
    for index in range(n_permutations):
        shuffled[predictor] = generator.permutation(data[predictor].to_numpy())
        null[index] = smf.ols(formula(outcome, terms), data=shuffled).fit().params[predictor]
    p_value = (1 + int(np.sum(np.abs(null) >= abs(observed)))) / (n_permutations + 1)
    return observed, null, float(p_value)


def leave_one_group_out(
    data: pd.DataFrame, outcome: str, predictors: Sequence[str], group: str
) -> pd.DataFrame:
    """Refit the cross-section without each group (e.g. region) in turn; tidy coefficients."""
    tables = []
    for omitted in sorted(data[group].dropna().unique()):
        subset = data[data[group] != omitted]
        table = tidy(fit_cross_section(subset, outcome, predictors), f"without {omitted}")
        table.insert(1, "omitted", omitted)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


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


def pooled_data(
    outcome: pd.DataFrame, panel: pd.DataFrame, lookup: pd.DataFrame, predictors: Sequence[str]
) -> pd.DataFrame:
    """One row per system and year with an outcome, with that year's drivers and the region."""
    drivers = add_log_population(panel)[["icb_code", "financial_year", *predictors]]
    data = outcome.merge(
        drivers, on=["icb_code", "financial_year"], how="left", validate="one_to_one"
    )
    regions = lookup[["icb_code", "region_name"]]
    return data.merge(regions, on="icb_code", how="left", validate="many_to_one")


def sensitivity_added_driver(
    data: pd.DataFrame, outcome: str, main: Sequence[str], candidates: Sequence[str]
) -> pd.DataFrame:
    """Cross-section refitted with each candidate driver added to the main specification.

    Each refit uses the systems complete on the main drivers plus that candidate; the table
    gives the added driver's standardised coefficient and the N it rests on.
    """
    tables = []
    for candidate in candidates:
        columns = [outcome, *main, candidate]
        subset, _ = complete_cases(data, columns)
        if len(subset) <= len(main) + 3:
            continue
        scaled = standardise(subset, [*main, candidate])
        table = tidy(fit_cross_section(scaled, outcome, [*main, candidate]), f"+ {candidate}")
        tables.append(table[table["term"] == candidate])
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=TIDY_COLUMNS)


def drop_most_influential(
    data: pd.DataFrame, outcome: str, predictors: Sequence[str], label: str = "icb_code"
) -> tuple[str, pd.DataFrame]:
    """Refit the cross-section without the system with the largest Cook's distance."""
    results = fit_cross_section(data, outcome, predictors)
    influence = influence_table(results, data[label])
    dropped = str(influence.loc[0, "label"])
    subset = data[data[label] != dropped]
    return dropped, tidy(fit_cross_section(subset, outcome, predictors), f"without {dropped}")


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


def alternative_outcomes(
    positions: pd.DataFrame,
    panel: pd.DataFrame,
    lookup: pd.DataFrame,
    predictors: Sequence[str],
    definitions: dict[str, dict[str, list[str]]],
    years: Sequence[str],
) -> pd.DataFrame:
    """Cross-section refitted under each alternative outcome definition (measures, sources)."""
    tables = []
    for name, definition in definitions.items():
        outcome = build_outcome(
            positions,
            years=years,
            measures=definition["measures"],
            source_kinds=definition["source_kinds"],
        )
        data, _ = complete_cases(
            cross_section_data(outcome, panel, lookup, predictors), ["position_pct", *predictors]
        )
        if len(data) <= len(predictors) + 3:
            continue
        fitted = fit_cross_section(standardise(data, predictors), "position_pct", predictors)
        tables.append(tidy(fitted, name))
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=TIDY_COLUMNS)


def coefficient_range(table: pd.DataFrame, term: str) -> dict[str, float]:
    """Smallest and largest estimate of ``term`` across the models of a robustness table."""
    rows = table[table["term"] == term]
    return {"min": float(rows["estimate"].min()), "max": float(rows["estimate"].max())}
