"""Design matrices and linear models without parsing a formula.

The specification curves fit hundreds of small regressions; building each design matrix with
patsy's formula machinery took about 40% of their run time. :func:`design_matrix` builds the
matrix patsy would build for ``y ~ a + b + C(g) + C(h)`` (an intercept, treatment-coded
dummies for the categorical terms, then the numeric terms) with the same column names, the
same column order and the same reference levels, so the fitted statsmodels results are the
same, term names included. Tests compare the two on real data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS, WLS

INTERCEPT = "Intercept"


def treatment_levels(values: pd.Series) -> list[object]:
    """The levels of a categorical term in patsy's order: a pandas categorical's categories
    as declared, otherwise the sorted distinct values. The first is the reference level."""
    return levels_of(values.dtype, values.to_numpy())


def levels_of(dtype: object, values: np.ndarray) -> list[object]:
    """:func:`treatment_levels` of a column of type ``dtype`` holding ``values``."""
    if isinstance(dtype, pd.CategoricalDtype):
        return list(dtype.categories)
    return sorted(pd.unique(values))


def sample_sd(values: np.ndarray) -> float:
    """Sample standard deviation (ddof 1) of a float array without missing values, computed
    as pandas computes ``Series.std()`` (two passes: the mean, then the squared deviations),
    so the result is the same to the last bit."""
    if len(values) < 2:  # undefined (NaN), without numpy's divide-by-zero warning
        return float("nan")
    count = float(len(values))
    mean = values.sum(dtype=np.float64) / count
    return float(np.sqrt(((mean - values) ** 2).sum(dtype=np.float64) / (count - 1)))


def z_scores(values: np.ndarray) -> np.ndarray:
    """``values`` (floats, no missing values) as z-scores: mean 0, sample SD 1; all zeros when
    they do not vary. Equal to pandas' ``(s - s.mean()) / s.std()`` to the last bit."""
    values = np.asarray(values, dtype=float)
    if np.isnan(values).any():
        raise ValueError("z_scores: values must not be missing (take complete cases first)")
    spread = sample_sd(values)
    if not spread:
        return np.zeros(len(values))
    return (values - values.sum(dtype=np.float64) / float(len(values))) / spread


def standardise_columns(data: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A copy of ``data`` with ``columns`` (numeric, complete) turned into :func:`z_scores`."""
    result = data.copy()
    for column in columns:
        result[column] = z_scores(result[column].to_numpy(dtype=float))
    return result


def _design_columns(
    n_rows: int,
    values: Mapping[str, np.ndarray],
    numeric: Sequence[str],
    categorical: Sequence[str],
    levels: Mapping[str, Sequence[object]],
) -> Iterator[tuple[str, np.ndarray]]:
    """The design's columns in patsy's order: ``Intercept``, the treatment dummies of each
    categorical column (every level in ``levels`` but the first), then the numeric columns."""
    yield INTERCEPT, np.ones(n_rows)
    for column in categorical:
        for level in levels[column][1:]:
            yield f"C({column})[T.{level}]", (values[column] == level).astype(float)
    for column in numeric:
        yield column, np.asarray(values[column], dtype=float)


def _check_complete(values: Mapping[str, np.ndarray], columns: Sequence[str]) -> None:
    """Raise ValueError naming the first of ``columns`` that has a missing value."""
    for column in columns:
        if pd.isna(values[column]).any():
            raise ValueError(f"design_matrix: column {column!r} has missing values")


def design_matrix(
    data: pd.DataFrame, numeric: Sequence[str], categorical: Sequence[str] = ()
) -> pd.DataFrame:
    """``Intercept``, then ``C(column)[T.level]`` dummies for each categorical column (every
    level but the first), then the numeric columns as floats; the index of ``data``.

    Raises:
        ValueError: a column holds missing values (complete cases are the caller's job, as in
            the specification engine), naming the column.
    """
    values = {column: data[column].to_numpy() for column in [*categorical, *numeric]}
    _check_complete(values, [*categorical, *numeric])
    levels = {column: treatment_levels(data[column]) for column in categorical}
    return pd.DataFrame(
        dict(_design_columns(len(data), values, numeric, categorical, levels)), index=data.index
    )


def design_array(
    n_rows: int,
    values: Mapping[str, np.ndarray],
    numeric: Sequence[str],
    categorical: Sequence[str],
    levels: Mapping[str, Sequence[object]],
) -> tuple[np.ndarray, list[str]]:
    """The :func:`design_matrix` of ``n_rows`` complete column ``values`` as a Fortran-ordered float
    array (the layout statsmodels receives from a data frame, so its arithmetic is the same to
    the last bit) and its column names; ``levels`` gives each categorical column's levels,
    reference first (:func:`treatment_levels` of the column before any rows were dropped)."""
    columns = list(_design_columns(n_rows, values, numeric, categorical, levels))
    matrix = np.empty((n_rows, len(columns)), order="F")
    for position, (_, column) in enumerate(columns):
        matrix[:, position] = column
    return matrix, [name for name, _ in columns]


def linear_model(
    data: pd.DataFrame,
    outcome: str,
    numeric: Sequence[str],
    categorical: Sequence[str] = (),
    weights: str | None = None,
) -> OLS:
    """An unfitted OLS model (WLS with analytic ``weights`` when given) of ``outcome`` on the
    :func:`design_matrix` of ``numeric`` and ``categorical`` terms."""
    endog = data[outcome].astype(float)
    exog = design_matrix(data, numeric, categorical)
    return least_squares(endog, exog, data[weights].to_numpy(dtype=float) if weights else None)


def least_squares(
    endog: pd.Series | np.ndarray, exog: pd.DataFrame | np.ndarray, weights: np.ndarray | None
) -> OLS:
    """An unfitted OLS model of ``endog`` on ``exog``; WLS when analytic ``weights`` are given."""
    if weights is not None:
        return WLS(endog, exog, weights=weights)
    return OLS(endog, exog)
