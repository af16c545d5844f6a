"""Design matrices and linear models without parsing a formula.

The specification curves fit hundreds of small regressions; building each design matrix with
patsy's formula machinery took about 40% of their run time. :func:`design_matrix` builds the
matrix patsy would build for ``y ~ a + b + C(g) + C(h)`` (an intercept, treatment-coded
dummies for the categorical terms, then the numeric terms) with the same column names, the
same column order and the same reference levels, so the fitted statsmodels results are the
same, term names included. Tests compare the two on real data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS, WLS

INTERCEPT = "Intercept"


def treatment_levels(values: pd.Series) -> list[object]:
    """The levels of a categorical term in patsy's order: a pandas categorical's categories
    as declared, otherwise the sorted distinct values. The first is the reference level."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    return sorted(pd.unique(values))


def design_matrix(
    data: pd.DataFrame, numeric: Sequence[str], categorical: Sequence[str] = ()
) -> pd.DataFrame:
    """``Intercept``, then ``C(column)[T.level]`` dummies for each categorical column (every
    level but the first), then the numeric columns as floats; the index of ``data``.

    Raises:
        ValueError: a column holds missing values (complete cases are the caller's job, as in
            the specification engine), naming the column.
    """
    columns: dict[str, np.ndarray] = {INTERCEPT: np.ones(len(data))}
    for column in [*categorical, *numeric]:
        if data[column].isna().any():
            raise ValueError(f"design_matrix: column {column!r} has missing values")
    for column in categorical:
        values = data[column].to_numpy()
        for level in treatment_levels(data[column])[1:]:
            columns[f"C({column})[T.{level}]"] = (values == level).astype(float)
    for column in numeric:
        columns[column] = data[column].to_numpy(dtype=float)
    return pd.DataFrame(columns, index=data.index)


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
    if weights:
        return WLS(endog, exog, weights=data[weights].to_numpy(dtype=float))
    return OLS(endog, exog)
