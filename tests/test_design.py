"""The formula-free design matrices give what patsy's formulas give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import patsy
import pytest
import statsmodels.formula.api as smf

from helpers.analysis import design


@pytest.fixture
def frame() -> pd.DataFrame:
    generator = np.random.default_rng(7)
    n = 40
    return pd.DataFrame(
        {
            "y": generator.normal(size=n),
            "a": generator.normal(size=n),
            "b": generator.integers(0, 2, size=n),
            "stage": generator.choice(["outturn", "forecast", "draft_plan"], size=n),
            "year": generator.choice(["2023/24", "2022/23", "2024/25"], size=n),
            "w": generator.uniform(0.5, 2.0, size=n),
        }
    )


def test_design_matrix_matches_patsy_names_order_and_values(frame: pd.DataFrame) -> None:
    _, expected = patsy.dmatrices("y ~ a + b + C(stage) + C(year)", frame, return_type="dataframe")
    built = design.design_matrix(frame, ["a", "b"], ["stage", "year"])
    assert list(built.columns) == list(expected.columns)
    assert list(built.columns)[:3] == ["Intercept", "C(stage)[T.forecast]", "C(stage)[T.outturn]"]
    np.testing.assert_array_equal(built.to_numpy(), expected.to_numpy())


def test_categorical_dtype_keeps_declared_level_order(frame: pd.DataFrame) -> None:
    frame["stage"] = pd.Categorical(frame["stage"], ["outturn", "forecast", "draft_plan"])
    _, expected = patsy.dmatrices("y ~ a + C(stage)", frame, return_type="dataframe")
    built = design.design_matrix(frame, ["a"], ["stage"])
    assert list(built.columns) == [
        "Intercept",
        "C(stage)[T.forecast]",
        "C(stage)[T.draft_plan]",
        "a",
    ]
    np.testing.assert_array_equal(built.to_numpy(), expected.to_numpy())


@pytest.mark.parametrize("weights", [None, "w"])
def test_linear_model_fits_exactly_as_the_formula_does(
    frame: pd.DataFrame, weights: str | None
) -> None:
    formula = "y ~ a + b + C(stage)"
    if weights:
        expected = smf.wls(formula, data=frame, weights=frame[weights]).fit(cov_type="HC1")
    else:
        expected = smf.ols(formula, data=frame).fit(cov_type="HC1")
    fitted = design.linear_model(frame, "y", ["a", "b"], ["stage"], weights=weights).fit(
        cov_type="HC1"
    )
    pd.testing.assert_series_equal(fitted.params, expected.params)
    pd.testing.assert_series_equal(fitted.bse, expected.bse)
    assert fitted.nobs == expected.nobs == 40


def test_missing_values_are_refused_naming_the_column(frame: pd.DataFrame) -> None:
    frame.loc[3, "a"] = np.nan
    with pytest.raises(ValueError, match="'a' has missing values"):
        design.design_matrix(frame, ["a"], ["stage"])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_sample_sd_and_z_scores_equal_pandas_to_the_last_bit(seed: int) -> None:
    generator = np.random.default_rng(seed)
    values = generator.normal(loc=1e3, scale=7.3, size=57) ** 3
    series = pd.Series(values)
    assert design.sample_sd(values) == series.std(ddof=1)
    expected = ((series - series.mean()) / series.std(ddof=1)).to_numpy()
    assert np.array_equal(design.z_scores(values), expected)


def test_z_scores_of_a_constant_are_zeros_and_missing_values_are_refused() -> None:
    assert design.z_scores(np.array([2.5, 2.5, 2.5])).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="must not be missing"):
        design.z_scores(np.array([1.0, np.nan, 3.0]))


def test_standardise_columns_leaves_other_columns_and_the_input_alone(
    frame: pd.DataFrame,
) -> None:
    scaled = design.standardise_columns(frame, ["a"])
    assert scaled["a"].mean() == pytest.approx(0.0, abs=1e-12)
    assert scaled["a"].std() == pytest.approx(1.0)
    assert scaled["y"].equals(frame["y"]) and not frame["a"].equals(scaled["a"])


def test_design_array_is_the_design_matrix_in_fortran_order(frame: pd.DataFrame) -> None:
    frame = frame.astype({"stage": pd.CategoricalDtype(["outturn", "forecast", "draft_plan"])})
    expected = design.design_matrix(frame, ["a", "b"], ["stage", "year"])
    values = {column: frame[column].to_numpy() for column in frame}
    levels = {column: design.treatment_levels(frame[column]) for column in ["stage", "year"]}
    matrix, names = design.design_array(len(frame), values, ["a", "b"], ["stage", "year"], levels)
    assert names == list(expected.columns)
    assert names[1] == "C(stage)[T.forecast]"  # declared category order, not sorted
    assert matrix.flags["F_CONTIGUOUS"]
    assert np.array_equal(matrix, expected.to_numpy())
