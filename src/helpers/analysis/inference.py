"""Inference helpers: multiple-testing corrections, power, result wording and the
specification curve.

This module is the ONLY place where words that interpret a result ("associated with",
"cannot be distinguished from zero", "cannot tell the explanations apart") are made. The
report and the notebooks place the sentences it returns; they never type their own.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.linear_model import OLS, RegressionResultsWrapper

from helpers.analysis import design
from helpers.report.tables import format_p  # the one p-value format (also ``inference.format_p``)

MINUS = "\u2212"


# ---------------------------------------------------------------------------------------------
# Multiple testing and power
# ---------------------------------------------------------------------------------------------


def _as_array(pvalues: Sequence[float]) -> np.ndarray:
    values = np.asarray(pvalues, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"p-values must be one-dimensional, got shape {values.shape}")
    finite = values[~np.isnan(values)]
    if np.any((finite < 0) | (finite > 1)):
        raise ValueError(f"p-values must lie in [0, 1], got {finite[(finite < 0) | (finite > 1)]}")
    return values


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values (family-wise error rate); NaN in, NaN out.

    The adjusted value of the i-th smallest of m p-values is
    ``max_{j<=i} min(1, (m - j + 1) p_(j))``; NaNs are ignored when counting m.
    """
    values = _as_array(pvalues)
    adjusted = np.full(values.shape, np.nan)
    present = np.flatnonzero(~np.isnan(values))
    m = len(present)
    if m == 0:
        return adjusted
    order = present[np.argsort(values[present], kind="stable")]
    scaled = np.minimum(1.0, (m - np.arange(m)) * values[order])
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted


def benjamini_hochberg(pvalues: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg q-values (false discovery rate); NaN in, NaN out.

    The q-value of the i-th smallest of m p-values is ``min_{j>=i} min(1, m p_(j) / j)``.
    """
    values = _as_array(pvalues)
    adjusted = np.full(values.shape, np.nan)
    present = np.flatnonzero(~np.isnan(values))
    m = len(present)
    if m == 0:
        return adjusted
    order = present[np.argsort(values[present], kind="stable")]
    scaled = np.minimum(1.0, m * values[order] / np.arange(1, m + 1))
    adjusted[order] = np.minimum.accumulate(scaled[::-1])[::-1]
    return adjusted


def mde_per_sd(se: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Minimum detectable effect, two-sided, in the estimate's own units:
    ``(z_{1-alpha/2} + z_{power}) * se`` (2.80 standard errors at the defaults)."""
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError(f"alpha and power must lie in (0, 1), got {alpha}, {power}")
    if np.isnan(se):
        return float("nan")
    if se < 0:
        raise ValueError(f"a standard error cannot be negative, got {se}")
    return float((stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)) * se)


# ---------------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------------


def format_number(value: float, digits: int = 2) -> str:
    """A number with a true minus sign, ``digits`` decimals and thousands separators."""
    text = f"{abs(value):,.{digits}f}"
    return f"{MINUS}{text}" if value < 0 and float(text.replace(",", "")) != 0 else text


def shown_value(value: float, digits: int = 2) -> float:
    """``value`` as displayed by :func:`format_number` (rounded to ``digits`` decimals)."""
    return float(format_number(value, digits).replace(MINUS, "-").replace(",", ""))


def sign_word(value: float, digits: int = 2) -> str:
    """'positive', 'negative' or 'essentially zero', following the displayed rounding, so a
    sentence never calls '0.00' negative."""
    shown = shown_value(value, digits)
    return "positive" if shown > 0 else "negative" if shown < 0 else "essentially zero"


def is_distinguishable(p_adjusted: float, alpha: float = 0.05) -> bool:
    """Whether an adjusted p-value is below the level (NaN counts as not distinguishable)."""
    return bool(p_adjusted < alpha)


def format_percent_level(share: float) -> str:
    """A probability as a percentage for prose: 0.8 -> '80%', 0.815 -> '81.5%'."""
    return f"{100 * share:.4g}%"


def describe_estimate(
    label: str,
    estimate: float,
    conf_low: float,
    conf_high: float,
    p_adjusted: float,
    unit: str,
    alpha: float = 0.05,
    mde: float | None = None,
    power: float | None = None,
) -> str:
    """One plain-English sentence: direction, interval, and whether the estimate is
    distinguishable from zero after correction (with the minimum detectable effect if not, at
    the ``power`` it was computed for: an MDE without its power is a ValueError).

    ``unit`` is the estimate's unit (e.g. "pp of allocation per SD"); the direction is stated
    as the sign of the association with the outcome.
    """
    if np.isnan(estimate):
        return f"{label}: no estimate could be made from these data."
    interval = (
        f"{format_number(estimate)} {unit}, 95% CI {format_number(conf_low)} to "
        f"{format_number(conf_high)}"
    )
    direction = sign_word(estimate)
    if is_distinguishable(p_adjusted, alpha):
        association = (
            "an association of essentially zero at this precision"
            if direction == "essentially zero"
            else f"a {direction} association"
        )
        return (
            f"{label} has {association} ({interval}) that is distinguishable "
            f"from zero after correction for multiple testing (adjusted {format_p(p_adjusted)})."
        )
    point = (
        "a point estimate of essentially zero"
        if direction == "essentially zero"
        else f"a {direction} point estimate"
    )
    sentence = (
        f"{label} has {point} ({interval}) that cannot be distinguished "
        f"from zero after correction for multiple testing (adjusted {format_p(p_adjusted)})"
    )
    if mde is not None and not np.isnan(mde):
        if power is None or not 0 < power < 1:
            raise ValueError(f"{label}: a minimum detectable effect needs its power in (0, 1)")
        sentence += (
            f"; at this N only an effect of about {format_number(mde)} {unit} or larger in "
            f"either direction would be detected with {format_percent_level(power)} power"
        )
    return sentence + "."


def conclude(
    labels: Sequence[str],
    p_adjusted: Sequence[float],
    p_nominal: Sequence[float],
    alpha: float = 0.05,
) -> str:
    """The strongest honest overall conclusion about a declared family of drivers.

    Names the drivers distinguishable from zero after correction; if none is, says the data
    cannot tell the explanations apart, and names any driver that is only nominally
    significant together with its corrected p.
    """
    adjusted = np.asarray(p_adjusted, dtype=float)
    nominal = np.asarray(p_nominal, dtype=float)
    supported = [label for label, p in zip(labels, adjusted, strict=True) if p < alpha]
    nominal_only = [
        (label, p_adj)
        for label, p_adj, p_raw in zip(labels, adjusted, nominal, strict=True)
        if p_raw < alpha and not p_adj < alpha
    ]
    if supported:
        text = (
            f"After correction for multiple testing, {join_words(supported)} "
            f"{'is' if len(supported) == 1 else 'are'} distinguishable from zero; the other "
            "declared drivers are not."
        )
    else:
        text = (
            "No declared driver is distinguishable from zero after correction for multiple "
            "testing: these data cannot tell the explanations apart."
        )
    if nominal_only:
        listed = join_words(
            [f"{label} (corrected {format_p(p_value)})" for label, p_value in nominal_only]
        )
        text += f" Nominally significant before correction but not after: {listed}."
    return text


def describe_exploratory(
    labels: Sequence[str],
    q_values: Sequence[float],
    p_nominal: Sequence[float],
    alpha: float = 0.05,
) -> str:
    """One sentence on exploratory candidates: which pass a false-discovery-rate threshold, and
    which are nominally significant only (with their q)."""
    q = np.asarray(q_values, dtype=float)
    nominal = np.asarray(p_nominal, dtype=float)
    passing = [label for label, value in zip(labels, q, strict=True) if value < alpha]
    nominal_only = [
        f"{label} ({format_p(value, prefix='q')})"
        for label, value, raw in zip(labels, q, nominal, strict=True)
        if raw < alpha and not value < alpha
    ]
    if passing:
        text = (
            f"Among the exploratory candidates, {join_words(passing)} "
            f"{'passes' if len(passing) == 1 else 'pass'} a {alpha:.0%} false-discovery-rate "
            "threshold (hypothesis-generating, not confirmatory)."
        )
    else:
        text = f"No exploratory candidate passes a {alpha:.0%} false-discovery-rate threshold."
    if nominal_only:
        text += f" Nominally significant before correction only: {join_words(nominal_only)}."
    return text


def describe_curve_share(
    share_same_sign_significant: float,
    n_specifications: int,
    label: str,
    share_same_sign: float | None = None,
    n_distinct: int | None = None,
) -> str:
    """One sentence on how a driver fares across the specification curve: with
    ``share_same_sign`` and ``n_distinct``, over the distinct specifications, the share with
    the primary estimate's sign as well as the share that also is nominally significant."""
    if share_same_sign is None or n_distinct is None:
        return (
            f"Across {n_specifications:,} specifications, {share_same_sign_significant:.0%} of "
            f"estimates for {label} share the primary estimate's sign and are nominally "
            "significant at the 5% level."
        )
    if np.isnan(share_same_sign):
        return (
            f"Across {n_distinct:,} distinct specifications (of {n_specifications:,} fitted), "
            f"the primary estimate for {label} is essentially zero, so no sign is shared."
        )
    return (
        f"Across {n_distinct:,} distinct specifications (of {n_specifications:,} fitted), "
        f"{share_same_sign:.0%} of estimates for {label} share the primary estimate's sign and "
        f"{share_same_sign_significant:.0%} also are nominally significant at the 5% level."
    )


def describe_leave_one_out(
    label: str,
    unit: str,
    estimate_low: float,
    estimate_high: float,
    sign_changed_by: str,
    significance_changed_by: str,
    significant: bool,
    alpha: float = 0.05,
    corrected_changed_by: str = "",
    corrected_significant: bool = False,
) -> str:
    """One sentence on a headline estimate left out one ``unit`` (system-year or system) at a
    time: its range, and every unit whose removal changes the displayed sign, whether the
    wild-bootstrap p is below ``alpha``, or whether the corrected p is below it."""
    text = (
        f"Leaving out one {unit} at a time, the estimate for {label} ranges from "
        f"{format_number(estimate_low)} to {format_number(estimate_high)}"
    )
    changes = []
    if sign_changed_by:
        changes.append(f"leaving out {sign_changed_by} changes its displayed sign")
    if significance_changed_by:
        moved = (
            f"lifts its wild-bootstrap p to {alpha:g} or above (no longer nominally significant)"
            if significant
            else f"brings its wild-bootstrap p below {alpha:g} (nominally significant)"
        )
        changes.append(f"leaving out {significance_changed_by} {moved}")
    if corrected_changed_by:
        turned = "no longer" if corrected_significant else "then"
        changes.append(
            f"leaving out {corrected_changed_by} makes it {turned} distinguishable from zero "
            "after correction for multiple testing"
        )
    if not changes:
        return text + "; no single one changes its sign or its significance."
    return text + "; " + "; ".join(changes) + "."


MONTHS: tuple[str, ...] = tuple(
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
)


def date_in_words(iso_date: str) -> str:
    """'2026-11-24' as '24 November 2026'."""
    year, month, day = (int(part) for part in iso_date.split("-"))
    return f"{day} {MONTHS[month - 1]} {year}"


def join_words(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


# ---------------------------------------------------------------------------------------------
# Specification curve
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Specification:
    """What one fit of the curve needs. Options of each choice dimension transform it.

    ``data`` is any frame; ``outcome`` a numeric column; ``drivers`` the columns whose
    standardised coefficients are recorded; ``controls`` further numeric columns;
    ``fixed_effects`` categorical columns entered as ``C(column)``; ``cluster`` the column the
    standard errors are clustered by (heteroskedasticity-robust HC1 when None); ``weights`` a
    column of analytic weights (weighted least squares, e.g. inverse-probability weights).
    """

    data: pd.DataFrame
    outcome: str
    drivers: tuple[str, ...]
    controls: tuple[str, ...] = ()
    fixed_effects: tuple[str, ...] = ()
    cluster: str | None = None
    weights: str | None = None
    min_obs_per_term: int = 2
    notes: dict[str, str] = field(default_factory=dict)

    def with_(self, **changes: object) -> Specification:
        """A copy with some fields changed (for option transforms)."""
        return replace(self, **changes)


#: An option transforms a specification (filter rows, change the outcome, add controls, ...).
Option = Callable[[Specification], Specification]

CURVE_COLUMNS: list[str] = [
    "spec_id",
    "driver",
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
    "p_value",
    "n_obs",
    "n_clusters",
    "outcome_sd",
]


@dataclass(frozen=True)
class FittedSpecification:
    """A fitted specification: the statsmodels results, the estimation rows (drivers and
    controls standardised) and the drivers that could be estimated."""

    results: object
    data: pd.DataFrame
    drivers: list[str]
    n_clusters: int


@dataclass(frozen=True)
class EstimationRows:
    """A specification's complete cases, ready to fit: ``values`` holds every column it uses
    on those rows as arrays, drivers that vary and controls standardised (mean 0, SD 1);
    ``positions`` are the rows' positions in ``spec.data``; ``effects`` the fixed effects
    that vary, with their ``levels`` (reference first)."""

    values: dict[str, np.ndarray]
    positions: np.ndarray
    drivers: list[str]
    effects: list[str]
    levels: dict[str, list[object]]

    @property
    def n_obs(self) -> int:
        """Number of estimation rows."""
        return len(self.positions)


def _columns(spec: Specification) -> list[str]:
    """Every column a specification uses, once each, in a fixed order."""
    columns = [spec.outcome, *spec.drivers, *spec.controls, *spec.fixed_effects]
    columns += [name for name in (spec.cluster, spec.weights) if name]
    return list(dict.fromkeys(columns))


def estimation_rows(spec: Specification) -> EstimationRows | None:
    """The complete cases of ``spec`` with drivers and controls standardised on them; None when
    no driver varies or there are too few rows: fewer than ``min_obs_per_term`` per term, or no
    more than three beyond the number of terms (intercept, drivers, controls, and one per
    fixed-effect level beyond the first)."""
    raw = {column: spec.data[column].to_numpy() for column in _columns(spec)}
    complete = np.ones(len(spec.data), dtype=bool)
    for values in raw.values():
        complete &= ~pd.isna(values)
    positions = np.flatnonzero(complete)
    values = {column: column_values[positions] for column, column_values in raw.items()}
    drivers = [d for d in spec.drivers if len(pd.unique(values[d])) > 1]
    for column in [*drivers, *spec.controls]:
        values[column] = design.z_scores(values[column])
    effects = [column for column in spec.fixed_effects if len(pd.unique(values[column])) > 1]
    n_terms = 1 + len(drivers) + len(spec.controls)
    n_terms += sum(len(pd.unique(values[column])) - 1 for column in effects)
    n_obs = len(positions)
    if not drivers or n_obs < spec.min_obs_per_term * n_terms or n_obs <= n_terms + 2:
        return None
    levels = {c: design.levels_of(spec.data[c].dtype, values[c]) for c in effects}
    return EstimationRows(values, positions, drivers, effects, levels)


def _fit_with_errors(
    model: OLS, rows: EstimationRows, cluster: str | None
) -> tuple[RegressionResultsWrapper, int]:
    """Fit ``model`` with standard errors clustered by ``cluster`` (heteroskedasticity-robust
    HC1 when None); returns the results and the number of clusters (rows when unclustered)."""
    with warnings.catch_warnings():
        # few clusters relative to fixed effects makes statsmodels warn that the cluster
        # covariance is not of full rank; the driver coefficients' errors are still defined
        warnings.simplefilter("ignore")
        if cluster:
            groups = pd.factorize(rows.values[cluster])[0]
            results = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
            return results, int(groups.max() + 1)
        return model.fit(cov_type="HC1"), rows.n_obs


def fit_model(spec: Specification) -> FittedSpecification | None:
    """Fit one specification (:func:`estimation_rows`) with named terms and the estimation rows
    as a data frame; None when there are too few observations to fit it."""
    rows = estimation_rows(spec)
    if rows is None:
        return None
    data = spec.data[_columns(spec)].iloc[rows.positions].reset_index(drop=True)
    for column in [*rows.drivers, *spec.controls]:
        data[column] = rows.values[column]
    model = design.linear_model(
        data, spec.outcome, [*rows.drivers, *spec.controls], rows.effects, weights=spec.weights
    )
    results, n_clusters = _fit_with_errors(model, rows, spec.cluster)
    return FittedSpecification(results, data, rows.drivers, n_clusters)


def fit_specification(spec: Specification) -> pd.DataFrame:
    """Fit one specification (:func:`estimation_rows`): tidy rows for the drivers, with 95%
    intervals, p-values, N and the number of clusters (empty when it cannot be fitted).
    Fitted on arrays, without the data frames and names of :func:`fit_model` (the curves fit
    hundreds of specifications); the numbers are the same to the last bit."""
    rows = estimation_rows(spec)
    if rows is None:
        return pd.DataFrame(columns=CURVE_COLUMNS[1:])
    return fit_rows(spec, rows)


def fit_rows(spec: Specification, rows: EstimationRows) -> pd.DataFrame:
    """:func:`fit_specification` on estimation rows already found (:func:`estimation_rows`)."""
    numeric = [*rows.drivers, *spec.controls]
    exog, names = design.design_array(rows.n_obs, rows.values, numeric, rows.effects, rows.levels)
    endog = np.asarray(rows.values[spec.outcome], dtype=float)
    weights = np.asarray(rows.values[spec.weights], dtype=float) if spec.weights else None
    model = design.least_squares(endog, exog, weights)
    results, n_clusters = _fit_with_errors(model, rows, spec.cluster)
    positions = [names.index(driver) for driver in rows.drivers]
    intervals = np.asarray(results.conf_int(alpha=0.05))[positions]
    return pd.DataFrame(
        {
            "driver": rows.drivers,
            "estimate": np.asarray(results.params)[positions],
            "std_error": np.asarray(results.bse)[positions],
            "conf_low": intervals[:, 0],
            "conf_high": intervals[:, 1],
            "p_value": np.asarray(results.pvalues)[positions],
            "n_obs": int(results.nobs),
            "n_clusters": n_clusters,
            "outcome_sd": design.sample_sd(endog),
        }
    )


def specification_curve(
    base: Specification,
    choices: Mapping[str, Mapping[str, Option]],
    *,
    fit: Callable[[Specification], pd.DataFrame] = fit_specification,
    part: tuple[int, int] = (0, 1),
) -> pd.DataFrame:
    """Fit every combination of the options in ``choices`` and return one row per
    specification and driver.

    ``part=(k, n)`` fits only the k-th of n consecutive blocks of the combinations (as the
    workflow's curve chunks do, :mod:`helpers.curves`); the blocks, concatenated in order, are
    the whole curve.

    ``choices`` maps a dimension name (e.g. "stage subset") to named options; each option is a
    function that transforms the :class:`Specification`. Options are applied in the order of
    the dimensions, so a dimension that must see the result of another (e.g. picking one row
    per unit after filtering rows) comes later; options must not depend on anything but the
    specification they get, because one transformed by the same leading options is reused.
    The result has one column per dimension (the
    option's name), then :data:`CURVE_COLUMNS`. Specifications with too few observations give
    no rows; compare ``spec_id`` with the number of combinations to count them.
    """
    dimensions = list(choices)
    base = base.with_(data=with_object_strings(base.data))
    tables, labels = [], []
    # Combinations come in order, so consecutive ones share their leading options: each
    # partly transformed specification is made once and kept while its prefix is in use.
    prefixes: list[tuple[str, Specification]] = []
    combinations = itertools.product(*(list(choices[d].items()) for d in dimensions))
    total, (index, count) = n_specifications(choices), part
    block = (total * index // count, total * (index + 1) // count)
    for spec_id, combination in itertools.islice(enumerate(combinations), *block):
        names = [name for name, _ in combination]
        kept = 0
        while kept < len(prefixes) and prefixes[kept][0] == names[kept]:
            kept += 1
        del prefixes[kept:]
        spec = prefixes[-1][1] if prefixes else base
        for name, option in combination[kept:]:
            spec = option(spec)
            prefixes.append((name, spec))
        table = fit(spec)
        if table.empty:
            continue
        tables.append(table)
        labels.extend([[*names, spec_id]] * len(table))
    if not tables:
        return pd.DataFrame(columns=[*dimensions, *CURVE_COLUMNS])
    leading = pd.DataFrame(labels, columns=[*dimensions, "spec_id"])
    return pd.concat([leading, pd.concat(tables, ignore_index=True)], axis=1)


def with_object_strings(data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with its string columns held as Python objects: filtering and sorting small
    frames many times is several times faster than with Arrow-backed strings. Values are
    unchanged."""
    strings = [column for column in data if pd.api.types.is_string_dtype(data[column].dtype)]
    return data.astype(dict.fromkeys(strings, object)) if strings else data


def n_specifications(choices: Mapping[str, Mapping[str, Option]]) -> int:
    """Number of combinations of the options in ``choices``."""
    return int(np.prod([len(options) for options in choices.values()]))


def curve_share(curve: pd.DataFrame, driver: str, sign: float, alpha: float = 0.05) -> float:
    """Share of a driver's specifications whose estimate has ``sign`` and nominal p < alpha."""
    rows = curve[curve["driver"] == driver]
    if rows.empty:
        return float("nan")
    hits = (np.sign(rows["estimate"]) == np.sign(sign)) & (rows["p_value"] < alpha)
    return float(hits.mean())


def stratified_permutation_test(
    spec: Specification,
    driver: str,
    strata: Sequence[str],
    *,
    n_permutations: int,
    seed: int,
) -> tuple[float, np.ndarray, float]:
    """Permutation test of one driver's coefficient that shuffles it only within strata.

    The driver is permuted among rows sharing the values of ``strata`` (e.g. year x stage),
    and the specification's OLS coefficient (standardised as in :func:`fit_specification`)
    is recomputed. Shuffling within strata keeps each stratum's mix of driver values, so the
    null is "no association within comparable figures", not "no association at all". Returns
    the observed coefficient, the null distribution and the two-sided p-value
    ``(1 + #{|null| >= |observed|}) / (n_permutations + 1)``.
    """
    observed_table = fit_specification(spec)
    if driver not in set(observed_table["driver"]):
        return float("nan"), np.array([]), float("nan")
    columns = [spec.outcome, *spec.drivers, *spec.controls, *spec.fixed_effects, *strata]
    if spec.cluster:
        columns.append(spec.cluster)
    data = spec.data[list(dict.fromkeys(columns))].dropna().reset_index(drop=True)
    data = design.standardise_columns(data, [*spec.drivers, *spec.controls])
    effects = [column for column in spec.fixed_effects if data[column].nunique() > 1]
    drivers = [d for d in spec.drivers if data[d].nunique() > 1]
    exog = design.design_matrix(data, [*drivers, *spec.controls], effects)
    y = data[spec.outcome].to_numpy(float)
    matrix = exog.to_numpy(float)
    position = list(exog.columns).index(driver)
    groups = [
        np.flatnonzero(labels == code)
        for labels in [pd.factorize(pd.MultiIndex.from_frame(data[list(strata)]))[0]]
        for code in np.unique(labels)
    ]
    observed = float(np.linalg.lstsq(matrix, y, rcond=None)[0][position])
    generator = np.random.default_rng(seed)
    null = np.empty(n_permutations)
    shuffled = matrix.copy()
    original = matrix[:, position]
    for index in range(n_permutations):
        column = original.copy()
        for rows in groups:
            column[rows] = original[generator.permutation(rows)]
        shuffled[:, position] = column
        null[index] = np.linalg.lstsq(shuffled, y, rcond=None)[0][position]
    p_value = (1 + int(np.sum(np.abs(null) >= abs(observed) - 1e-12))) / (n_permutations + 1)
    return observed, null, float(p_value)


def describe_permutations(labels: Sequence[str], pvalues: Sequence[float], strata: str) -> str:
    """One sentence listing stratified permutation p-values (no correction applied)."""
    listed = join_words(
        [f"{label} ({format_p(p)})" for label, p in zip(labels, pvalues, strict=True)]
    )
    return (
        f"Shuffling each declared driver only within {strata} gives these permutation "
        f"p-values: {listed}."
    )


def describe_cluster_permutations(labels: Sequence[str], pvalues: Sequence[float]) -> str:
    """One sentence listing permutation p-values from shuffling whole systems."""
    listed = join_words(
        [f"{label} ({format_p(p)})" for label, p in zip(labels, pvalues, strict=True)]
    )
    return (
        "Shuffling whole systems (each system in the sample takes another system's values of "
        f"the driver over the years) gives these permutation p-values: {listed}."
    )


def describe_curve_headline(largest_share: float, label: str) -> str:
    """A specification-curve title: the largest same-signed, significant share of any driver."""
    if np.isnan(largest_share) or largest_share == 0:
        return "No specification gives a declared driver a same-signed, significant estimate"
    return (
        f"At most {largest_share:.0%} of specifications give a declared driver a "
        f"same-signed, significant estimate ({label})"
    )


def describe_nominal(entries: Sequence[tuple[str, float, float, str]], alpha: float = 0.05) -> str:
    """One sentence naming every estimate that is nominally significant, with its corrected p.

    ``entries`` are (description, nominal p, corrected p, name of the correction).
    """
    hits = [
        f"{description} (nominal {format_p(p_raw)}; {correction} {format_p(p_adj)})"
        for description, p_raw, p_adj, correction in entries
        if p_raw < alpha
    ]
    if not hits:
        return "No other estimate is nominally significant."
    return f"Nominally significant before correction: {join_words(hits)}."


def describe_correlations(
    entries: Sequence[tuple[str, float, float]], population: str, alpha: float = 0.05
) -> str:
    """One sentence on a family of correlations with an outcome, Holm-corrected across it.

    ``entries`` are (label, coefficient, nominal p); ``population`` names the sample
    (e.g. "the 32 systems with a financial position").
    """
    adjusted = holm([p_value for _, _, p_value in entries])
    found = [
        f"{label} ({'positively' if coefficient > 0 else 'negatively'}, "
        f"coefficient {format_number(coefficient)}, Holm-adjusted {format_p(p_adj)})"
        for (label, coefficient, _), p_adj in zip(entries, adjusted, strict=True)
        if is_distinguishable(p_adj, alpha)
    ]
    if found:
        return f"Among {population}, {join_words(found)} are associated with the position."
    return (
        f"Among {population}, none of the {len(entries)} measures is associated with the "
        f"position once the {len(entries)} tests are corrected for (Holm; smallest adjusted "
        f"{format_p(float(np.nanmin(adjusted)))})."
    )


# ---------------------------------------------------------------------------------------------
# Inference for few clusters: wild cluster bootstrap, permutation of whole clusters,
# leave-one-out
# ---------------------------------------------------------------------------------------------

#: Wild-bootstrap weight distributions: Rademacher (+1/-1) and Webb's six-point distribution.
WEIGHT_TYPES: tuple[str, ...] = ("rademacher", "webb", "auto")
#: Below this many clusters ``auto`` uses Webb weights (Rademacher has only 2^G distinct draws).
WEBB_BELOW_CLUSTERS: int = 12
_WEBB_POINTS = np.array(
    [-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)], dtype=float
)


def wild_weight_type(weight_type: str, n_clusters: int) -> str:
    """The weight distribution actually used: ``auto`` is Webb below
    :data:`WEBB_BELOW_CLUSTERS` clusters and Rademacher otherwise."""
    if weight_type not in WEIGHT_TYPES:
        raise ValueError(f"weight_type must be one of {WEIGHT_TYPES}, got {weight_type!r}")
    if weight_type == "auto":
        return "webb" if n_clusters < WEBB_BELOW_CLUSTERS else "rademacher"
    return weight_type


def bootstrap_weights(
    weight_type: str, n_clusters: int, n_draws: int, generator: np.random.Generator
) -> np.ndarray:
    """A clusters x draws matrix of wild-bootstrap weights (mean 0, variance 1)."""
    if weight_type == "rademacher":
        return 2.0 * generator.integers(0, 2, size=(n_clusters, n_draws)) - 1.0
    if weight_type == "webb":
        return _WEBB_POINTS[generator.integers(0, 6, size=(n_clusters, n_draws))]
    raise ValueError(f"unknown wild-bootstrap weight type {weight_type!r}")


def cluster_t(
    exog: np.ndarray, endog: np.ndarray, groups: np.ndarray, column: int
) -> tuple[float, float]:
    """OLS coefficient of ``column`` and its t statistic with CR1 cluster-robust errors (the
    small-sample factor ``G/(G-1) (N-1)/(N-K)`` statsmodels applies); ``groups`` are codes
    0..G-1."""
    pinv = np.linalg.pinv(exog)
    beta = pinv @ endog
    resid = endog - exog @ beta
    n_groups = int(groups.max()) + 1
    scores = np.bincount(groups, weights=pinv[column] * resid, minlength=n_groups)
    n_obs, rank = exog.shape[0], np.linalg.matrix_rank(exog)
    factor = n_groups / (n_groups - 1) * (n_obs - 1) / (n_obs - rank)
    se = float(np.sqrt(factor * np.sum(scores**2)))
    return float(beta[column]), float(beta[column] / se) if se > 0 else float("nan")


def wild_cluster_bootstrap(
    exog: np.ndarray,
    endog: np.ndarray,
    groups: np.ndarray,
    column: int,
    *,
    n_draws: int,
    seed: int,
    weight_type: str = "auto",
) -> tuple[float, float, str]:
    """Restricted (null-imposed) wild cluster bootstrap p-value of one coefficient.

    The null (coefficient of ``column`` = 0) is imposed: the model without that column gives
    fitted values and residuals; each draw multiplies every cluster's restricted residuals by
    one weight (Rademacher or Webb, :func:`wild_weight_type`), refits the full model and
    computes the CR1 t statistic. Returns the observed t, the two-sided symmetric p-value
    ``share of draws with |t*| >= |t|`` and the weight type used (Cameron, Gelbach and Miller
    2008; MacKinnon and Webb 2017).
    """
    groups = np.asarray(groups, dtype=int)
    n_groups = int(groups.max()) + 1
    used = wild_weight_type(weight_type, n_groups)
    _, t_observed = cluster_t(exog, endog, groups, column)
    if np.isnan(t_observed):
        return t_observed, float("nan"), used
    restricted = np.delete(exog, column, axis=1)
    fitted = restricted @ (np.linalg.pinv(restricted) @ endog)
    resid = endog - fitted
    weights = bootstrap_weights(used, n_groups, n_draws, np.random.default_rng(seed))
    # Every draw is y* = fitted + resid * weights[groups]; the coefficient and the cluster
    # scores are linear in y*, so both reduce to small (clusters x clusters) products.
    pinv = np.linalg.pinv(exog)
    row = pinv[column]
    indicator = np.zeros((n_groups, len(endog)))
    indicator[groups, np.arange(len(endog))] = 1.0
    annihilator = np.eye(len(endog)) - exog @ pinv
    to_scores = (indicator * row) @ annihilator
    beta = row @ fitted + (row * resid) @ indicator.T @ weights
    scores = (to_scores @ fitted)[:, None] + (to_scores * resid) @ indicator.T @ weights
    n_obs, rank = exog.shape[0], np.linalg.matrix_rank(exog)
    factor = n_groups / (n_groups - 1) * (n_obs - 1) / (n_obs - rank)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_draws = beta / np.sqrt(factor * np.sum(scores**2, axis=0))
    p_value = float(np.mean(np.abs(t_draws) >= abs(t_observed) - 1e-12))
    return t_observed, p_value, used


def _arrays(spec: Specification, rows: EstimationRows) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The design (with weights applied as sqrt-weights for WLS), outcome and column names."""
    numeric = [*rows.drivers, *spec.controls]
    exog, names = design.design_array(rows.n_obs, rows.values, numeric, rows.effects, rows.levels)
    endog = np.asarray(rows.values[spec.outcome], dtype=float)
    if spec.weights:
        root = np.sqrt(np.asarray(rows.values[spec.weights], dtype=float))
        exog, endog = exog * root[:, None], endog * root
    return np.asarray(exog), endog, names


def fit_specification_wild(
    spec: Specification, *, n_draws: int, seed: int, weight_type: str = "auto"
) -> pd.DataFrame:
    """:func:`fit_specification` plus, per driver, the restricted wild cluster bootstrap p
    (``wild_p``), its t statistic and the weights used (``wild_weights``); the specification
    must be clustered. Each driver's draws start from ``seed`` (the same weights for all)."""
    if not spec.cluster:
        raise ValueError("fit_specification_wild: the specification has no cluster column")
    rows = estimation_rows(spec)
    if rows is None:
        return fit_specification(spec).assign(wild_t=[], wild_p=[], wild_weights=[])
    table = fit_rows(spec, rows)
    exog, endog, names = _arrays(spec, rows)
    groups = pd.factorize(rows.values[spec.cluster])[0]
    results = [
        wild_cluster_bootstrap(
            exog,
            endog,
            groups,
            names.index(driver),
            n_draws=n_draws,
            seed=seed,
            weight_type=weight_type,
        )
        for driver in table["driver"]
    ]
    table["wild_t"] = [result[0] for result in results]
    table["wild_p"] = [result[1] for result in results]
    table["wild_weights"] = [result[2] for result in results]
    return table


def cluster_permutation_test(
    spec: Specification,
    driver: str,
    donors: pd.DataFrame,
    key: str,
    *,
    n_permutations: int,
    seed: int,
) -> tuple[float, np.ndarray, float]:
    """Permutation test that shuffles whole clusters, not observations.

    ``donors`` holds the driver's raw value for every cluster (index) and ``key`` value
    (columns, e.g. financial years); the donors are the clusters complete on the key values
    the estimation sample uses (a sample cluster missing a value in a year it has no
    observation for still receives donors' paths). Each permutation gives every
    cluster in the estimation sample the driver path of another cluster drawn without
    replacement from ``donors`` (so a system keeps one path across its years), re-standardises
    the driver and refits. Returns the observed coefficient, the null draws and the two-sided
    p ``(1 + #{|null| >= |observed|}) / (n_permutations + 1)``.
    """
    rows = estimation_rows(spec)
    if rows is None or driver not in rows.drivers:
        return float("nan"), np.array([]), float("nan")
    exog, endog, names = _arrays(spec, rows)
    position = names.index(driver)
    observed = float(np.linalg.lstsq(exog, endog, rcond=None)[0][position])
    clusters = spec.data[spec.cluster].to_numpy()[rows.positions]
    keys = spec.data[key].to_numpy()[rows.positions]
    used = [column for column in donors.columns if column in set(keys)]
    complete = donors[used].dropna()
    sample, codes = np.unique(clusters, return_inverse=True)
    if len(complete) < len(sample):
        raise ValueError(
            f"cluster_permutation_test: {len(complete)} clusters are complete on {used}, fewer "
            f"than the {len(sample)} clusters in the sample"
        )
    pool = list(complete.index)
    table = complete.to_numpy(dtype=float)
    key_index = np.array([list(complete.columns).index(value) for value in keys])
    generator = np.random.default_rng(seed)
    shuffled = exog.copy()
    null = np.empty(n_permutations)
    for index in range(n_permutations):
        chosen = generator.permutation(len(pool))[: len(sample)]
        shuffled[:, position] = design.z_scores(table[chosen[codes], key_index])
        null[index] = np.linalg.lstsq(shuffled, endog, rcond=None)[0][position]
    p_value = (1 + int(np.sum(np.abs(null) >= abs(observed) - 1e-12))) / (n_permutations + 1)
    return observed, null, float(p_value)


def leave_one_out(
    spec: Specification,
    units: pd.Series,
    fit: Callable[[Specification], pd.DataFrame],
) -> pd.DataFrame:
    """Refit ``spec`` once without each unit (``units`` labels the rows of ``spec.data``: an
    observation's label, or its cluster); one row per left-out unit and driver, with
    ``left_out`` first. Units are taken in sorted order."""
    labels = units.to_numpy()
    tables = []
    for unit in sorted(pd.unique(labels)):
        table = fit(spec.with_(data=spec.data[labels != unit]))
        if not table.empty:
            tables.append(table.assign(left_out=unit))
    if not tables:
        return pd.DataFrame(columns=["left_out", *CURVE_COLUMNS[1:]])
    frame = pd.concat(tables, ignore_index=True)
    return frame[["left_out", *[c for c in frame.columns if c != "left_out"]]]
