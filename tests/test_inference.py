"""Corrections, power, wording and the specification curve, on inputs with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from helpers.analysis import inference


def test_holm_matches_hand_calculation_and_statsmodels() -> None:
    pvalues = [0.01, 0.04, 0.03, 0.005]
    adjusted = inference.holm(pvalues)
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(adjusted, multipletests(pvalues, method="holm")[1])


def test_benjamini_hochberg_matches_hand_calculation_and_statsmodels() -> None:
    pvalues = [0.01, 0.04, 0.03, 0.005]
    q_values = inference.benjamini_hochberg(pvalues)
    np.testing.assert_allclose(q_values, [0.02, 0.04, 0.04, 0.02])
    np.testing.assert_allclose(q_values, multipletests(pvalues, method="fdr_bh")[1])


def test_corrections_ignore_nan_and_cap_at_one() -> None:
    adjusted = inference.holm([0.2, np.nan, 0.6])
    assert np.isnan(adjusted[1])
    np.testing.assert_allclose(adjusted[[0, 2]], [0.4, 0.6])
    assert inference.holm([0.9, 0.8]).max() == 1.0
    q_values = inference.benjamini_hochberg([np.nan, 0.02, 0.04])
    assert np.isnan(q_values[0])
    np.testing.assert_allclose(q_values[1:], [0.04, 0.04])
    assert np.isnan(inference.holm([np.nan])).all()


def test_corrections_reject_values_outside_unit_interval() -> None:
    with pytest.raises(ValueError, match="lie in"):
        inference.holm([0.1, 1.5])


def test_mde_is_2_8_standard_errors_at_80_percent_power() -> None:
    assert inference.mde_per_sd(1.0) == pytest.approx(1.959964 + 0.841621, abs=1e-5)
    assert inference.mde_per_sd(0.5, alpha=0.01, power=0.9) == pytest.approx(
        0.5 * (2.575829 + 1.281552), abs=1e-5
    )
    assert np.isnan(inference.mde_per_sd(float("nan")))
    with pytest.raises(ValueError):
        inference.mde_per_sd(-1.0)


def test_describe_estimate_significant_negative() -> None:
    text = inference.describe_estimate(
        "Distance from target", -0.671, -1.29, -0.05, 0.012, "pp per SD"
    )
    assert text.startswith("Distance from target has a negative association")
    assert "\u22120.67 pp per SD, 95% CI \u22121.29 to \u22120.05" in text
    assert "distinguishable from zero after correction" in text
    assert "cannot" not in text and "adjusted p = 0.012" in text


def test_describe_estimate_not_significant_states_mde() -> None:
    text = inference.describe_estimate(
        "Deprivation", 0.30, -0.2, 0.8, 0.41, "pp per SD", mde=0.71, power=0.8
    )
    assert "positive point estimate" in text
    assert "cannot be distinguished from zero" in text
    assert "adjusted p = 0.41" in text
    assert text.endswith(
        "about 0.71 pp per SD or larger in either direction would be detected with 80% power."
    )


def test_describe_estimate_states_the_power_the_mde_was_computed_at() -> None:
    """The sentence follows the power parameter; an MDE without its power is an error."""
    text = inference.describe_estimate("X", 0.3, -0.2, 0.8, 0.41, "u", mde=0.8, power=0.9)
    assert text.endswith("would be detected with 90% power.")
    assert "with 81.5% power" in inference.describe_estimate(
        "X", 0.3, -0.2, 0.8, 0.41, "u", mde=0.8, power=0.815
    )
    with pytest.raises(ValueError, match="X: a minimum detectable effect needs its power"):
        inference.describe_estimate("X", 0.3, -0.2, 0.8, 0.41, "u", mde=0.8)


def test_describe_estimate_uses_alpha_and_handles_missing() -> None:
    significant = inference.describe_estimate("X", 1.0, 0.1, 1.9, 0.03, "u", alpha=0.05)
    strict = inference.describe_estimate("X", 1.0, 0.1, 1.9, 0.03, "u", alpha=0.01)
    assert "distinguishable from zero after" in significant
    assert "cannot be distinguished" in strict
    assert "no estimate" in inference.describe_estimate("X", np.nan, np.nan, np.nan, np.nan, "u")
    assert "cannot be distinguished" in inference.describe_estimate("X", 1.0, 0.1, 1.9, np.nan, "u")


def test_conclude_says_cannot_tell_apart_and_names_nominal_hits() -> None:
    text = inference.conclude(["A", "B", "C"], [0.3, 0.09, 1.0], [0.1, 0.03, 0.8])
    assert "cannot tell the explanations apart" in text
    assert "B (corrected p = 0.090)" in text and "A (" not in text
    supported = inference.conclude(["A", "B"], [0.01, 0.5], [0.005, 0.4])
    assert supported.startswith("After correction for multiple testing, A is distinguishable")
    assert "cannot tell" not in supported


def test_describe_exploratory_lists_q_values() -> None:
    text = inference.describe_exploratory(["S", "T"], [0.2, 0.9], [0.01, 0.6])
    assert text.startswith("No exploratory candidate passes")
    assert "S (q = 0.20)" in text
    passing = inference.describe_exploratory(["S"], [0.01], [0.01])
    assert "S passes" in passing
    # the one p-value format: three decimals below 0.1, two from 0.1
    nominal = inference.describe_exploratory(["S", "T"], [0.087, 0.111], [0.01, 0.02])
    assert "S (q = 0.087) and T (q = 0.11)" in nominal


def test_describe_permutations_lists_each_p() -> None:
    text = inference.describe_permutations(["A", "B"], [0.3, 0.0004], "year x stage strata")
    assert text == (
        "Shuffling each declared driver only within year x stage strata gives these "
        "permutation p-values: A (p = 0.30) and B (p < 0.001)."
    )


def test_format_number_uses_true_minus_and_no_negative_zero() -> None:
    assert inference.format_number(-1234.567) == "\u22121,234.57"
    assert inference.format_number(-0.001) == "0.00"
    assert inference.format_p(0.0004) == "p < 0.001"


def simulated_panel(seed: int = 5) -> pd.DataFrame:
    """40 units x 3 years; y = 1.0 x1 + 0 x2 + year effect + noise, two source kinds."""
    generator = np.random.default_rng(seed)
    n = 120
    frame = pd.DataFrame(
        {
            "unit": [f"U{index % 40:02d}" for index in range(n)],
            "year": [2020 + index // 40 for index in range(n)],
            "kind": np.where(np.arange(n) % 3 == 0, "a", "b"),
            "x1": generator.normal(size=n),
            "x2": generator.normal(size=n),
        }
    )
    frame["y"] = frame["x1"] + 0.5 * (frame["year"] - 2020) + generator.normal(scale=0.3, size=n)
    frame["y_alt"] = frame["y"] * 2
    return frame


def test_fit_specification_recovers_standardised_coefficient_with_clusters() -> None:
    frame = simulated_panel()
    spec = inference.Specification(
        frame, "y", ("x1", "x2"), fixed_effects=("year",), cluster="unit"
    )
    table = inference.fit_specification(spec).set_index("driver")
    # standardised: coefficient = 1 * sd(x1)
    assert table.loc["x1", "estimate"] == pytest.approx(frame["x1"].std(), abs=0.1)
    assert table.loc["x1", "p_value"] < 0.001
    assert table.loc["x2", "conf_low"] < 0 < table.loc["x2", "conf_high"]
    assert table.loc["x1", "n_obs"] == 120 and table.loc["x1", "n_clusters"] == 40


def test_specification_curve_runs_every_combination_in_dimension_order() -> None:
    frame = simulated_panel()
    base = inference.Specification(frame, "y", ("x1",), fixed_effects=("year",), cluster="unit")
    choices = {
        "years": {
            "all": lambda s: s,
            "drop first": lambda s: s.with_(data=s.data[s.data["year"] > 2020]),
        },
        "kind": {
            "all": lambda s: s,
            "b only": lambda s: s.with_(data=s.data[s.data["kind"] == "b"]),
        },
        "outcome": {"y": lambda s: s, "doubled": lambda s: s.with_(outcome="y_alt")},
    }
    assert inference.n_specifications(choices) == 8
    curve = inference.specification_curve(base, choices)
    assert list(curve.columns) == ["years", "kind", "outcome", *inference.CURVE_COLUMNS]
    assert len(curve) == 8 and curve["spec_id"].tolist() == list(range(8))
    row = curve[(curve["years"] == "drop first") & (curve["kind"] == "b only")]
    assert row["n_obs"].tolist() == [int(((frame.year > 2020) & (frame.kind == "b")).sum())] * 2
    doubled = curve[curve["outcome"] == "doubled"]["estimate"].to_numpy()
    single = curve[curve["outcome"] == "y"]["estimate"].to_numpy()
    np.testing.assert_allclose(doubled, 2 * single)
    assert inference.curve_share(curve, "x1", 1.0) == 1.0
    assert inference.curve_share(curve, "x1", -1.0) == 0.0


def test_fit_specification_equals_fit_model_to_the_last_bit() -> None:
    """The array route of the curves and the named route of the primary fits agree exactly,
    with weights, clusters, a categorical fixed effect and a missing value."""
    frame = simulated_panel().astype({"kind": pd.CategoricalDtype(["b", "a"])})
    frame.loc[3, "x2"] = np.nan
    frame["w"] = np.linspace(0.5, 2.0, len(frame))
    for cluster, weights in [("unit", None), (None, "w")]:
        spec = inference.Specification(
            frame, "y", ("x1", "x2"), ("year",), ("kind",), cluster=cluster, weights=weights
        )
        table = inference.fit_specification(spec)
        fitted = inference.fit_model(spec)
        assert fitted is not None and fitted.data["kind"].dtype == frame["kind"].dtype
        results = fitted.results
        assert list(results.params.index) == ["Intercept", "C(kind)[T.a]", "x1", "x2", "year"]
        assert table["estimate"].tolist() == results.params[["x1", "x2"]].tolist()
        assert table["std_error"].tolist() == results.bse[["x1", "x2"]].tolist()
        assert table["p_value"].tolist() == results.pvalues[["x1", "x2"]].tolist()
        assert table["n_obs"].tolist() == [119, 119]
        assert table["outcome_sd"].iloc[0] == frame.loc[frame["x2"].notna(), "y"].std()


def test_specification_curve_applies_each_leading_option_once_per_prefix() -> None:
    frame = simulated_panel()
    base = inference.Specification(frame, "y", ("x1",), cluster="unit")
    calls: list[str] = []

    def option(name: str, rows: int) -> inference.Option:
        def apply(spec: inference.Specification) -> inference.Specification:
            calls.append(name)
            return spec.with_(data=spec.data.head(rows))

        return apply

    choices = {
        "first": {"a": option("a", 120), "b": option("b", 90)},
        "second": {"c": option("c", 80), "d": option("d", 60), "e": option("e", 70)},
    }
    curve = inference.specification_curve(base, choices)
    assert calls == ["a", "c", "d", "e", "b", "c", "d", "e"]
    assert curve["n_obs"].tolist() == [80, 60, 70, 80, 60, 70]


def test_specification_curve_skips_specifications_with_too_few_rows() -> None:
    frame = simulated_panel()
    base = inference.Specification(frame, "y", ("x1",), cluster="unit")
    choices = {"rows": {"all": lambda s: s, "three": lambda s: s.with_(data=s.data.head(3))}}
    curve = inference.specification_curve(base, choices)
    assert curve["rows"].tolist() == ["all"]


def test_describe_correlations_words_follow_holm() -> None:
    """The sentence names a measure only when its Holm-adjusted p is below the level."""
    from helpers.analysis.inference import describe_correlations

    none = describe_correlations([("A", 0.2, 0.04), ("B", -0.1, 0.5)], "the 30 systems")
    assert "none of the 2 measures" in none and "0.08" in none
    one = describe_correlations([("A", 0.6, 0.001), ("B", -0.1, 0.5)], "the 30 systems")
    assert one.startswith("Among the 30 systems, A (positively") and "B" not in one


# ---------------------------------------------------------------------------------------------
# Few-cluster inference (issue 19.3) and words that follow the displayed numbers (19.9)
# ---------------------------------------------------------------------------------------------


def clustered_fixture(effect: float, n_clusters: int = 30, seed: int = 5) -> tuple:
    """A design with an intercept, a cluster-level driver and a row-level control; outcome =
    effect x driver + cluster shock + noise. Returns (exog, endog, groups)."""
    generator = np.random.default_rng(seed)
    sizes = generator.integers(1, 4, n_clusters)
    groups = np.repeat(np.arange(n_clusters), sizes)
    driver = generator.normal(size=n_clusters)[groups]
    control = generator.normal(size=len(groups))
    endog = (
        effect * driver
        + generator.normal(size=n_clusters)[groups]
        + generator.normal(size=len(groups))
    )
    exog = np.column_stack([np.ones(len(groups)), driver, control])
    return exog, endog, groups


def test_cluster_t_matches_statsmodels_cluster_robust_t() -> None:
    from statsmodels.regression.linear_model import OLS

    exog, endog, groups = clustered_fixture(0.5)
    fitted = OLS(endog, exog).fit(cov_type="cluster", cov_kwds={"groups": groups})
    for column in (1, 2):
        beta, t_value = inference.cluster_t(exog, endog, groups, column)
        assert beta == pytest.approx(fitted.params[column])
        assert t_value == pytest.approx(fitted.tvalues[column])


def test_wild_bootstrap_finds_a_strong_effect_and_not_a_null_one() -> None:
    exog, endog, groups = clustered_fixture(2.0)
    t_value, p_value, used = inference.wild_cluster_bootstrap(
        exog, endog, groups, 1, n_draws=1999, seed=1
    )
    assert used == "rademacher" and t_value > 3 and p_value < 0.01
    exog, endog, groups = clustered_fixture(0.0, seed=6)
    _, p_null, _ = inference.wild_cluster_bootstrap(exog, endog, groups, 1, n_draws=1999, seed=1)
    assert p_null > 0.1
    again = inference.wild_cluster_bootstrap(exog, endog, groups, 1, n_draws=1999, seed=1)
    assert again[1] == p_null  # the same seed gives the same p


def test_wild_bootstrap_uses_webb_weights_below_twelve_clusters() -> None:
    exog, endog, groups = clustered_fixture(1.0, n_clusters=8)
    *_, used = inference.wild_cluster_bootstrap(exog, endog, groups, 1, n_draws=99, seed=1)
    assert used == "webb"
    assert inference.wild_weight_type("rademacher", 8) == "rademacher"
    with pytest.raises(ValueError, match="weight_type"):
        inference.wild_weight_type("normal", 8)
    generator = np.random.default_rng(0)
    for kind, points in (("rademacher", 2), ("webb", 6)):
        weights = inference.bootstrap_weights(kind, 50, 4000, generator)
        assert len(np.unique(weights)) == points
        assert weights.mean() == pytest.approx(0, abs=0.02)
        assert weights.var() == pytest.approx(1, abs=0.02)


def panel_spec(effect: float) -> tuple[inference.Specification, pd.DataFrame]:
    """25 systems x 3 years, a driver that is a path per system, and its donor table."""
    generator = np.random.default_rng(11)
    systems = [f"S{i:02d}" for i in range(25)]
    years = ["2022/23", "2023/24", "2024/25"]
    paths = pd.DataFrame(generator.normal(size=(25, 3)), index=systems, columns=years)
    rows = [{"system": s, "year": y, "driver": paths.loc[s, y]} for s in systems for y in years]
    data = pd.DataFrame(rows)
    data["outcome"] = effect * data["driver"] + generator.normal(size=len(data))
    spec = inference.Specification(
        data=data, outcome="outcome", drivers=("driver",), fixed_effects=("year",), cluster="system"
    )
    return spec, paths


def test_cluster_permutation_shuffles_whole_systems() -> None:
    spec, paths = panel_spec(1.0)
    observed, null, p_value = inference.cluster_permutation_test(
        spec, "driver", paths, "year", n_permutations=199, seed=3
    )
    assert observed > 0.5 and p_value == pytest.approx(1 / 200)
    spec_null, _ = panel_spec(0.0)
    _, null, p_null = inference.cluster_permutation_test(
        spec_null, "driver", paths, "year", n_permutations=199, seed=3
    )
    assert len(null) == 199 and p_null > 0.05
    with pytest.raises(ValueError, match="fewer than"):
        inference.cluster_permutation_test(
            spec, "driver", paths.iloc[:5], "year", n_permutations=9, seed=3
        )


def test_leave_one_out_refits_without_each_unit_once() -> None:
    spec, _ = panel_spec(1.0)
    loo = inference.leave_one_out(spec, spec.data["system"], inference.fit_specification)
    assert loo["left_out"].tolist() == sorted(spec.data["system"].unique())
    assert (loo["n_obs"] == len(spec.data) - 3).all()
    assert (loo["n_clusters"] == 24).all()


def test_fit_specification_wild_adds_the_bootstrap_p_to_each_driver() -> None:
    spec, _ = panel_spec(1.0)
    table = inference.fit_specification_wild(spec, n_draws=199, seed=1)
    assert table["wild_weights"].tolist() == ["rademacher"]
    assert table["wild_p"].iloc[0] < 0.01
    assert table["wild_t"].iloc[0] == pytest.approx(
        table["estimate"].iloc[0] / table["std_error"].iloc[0]
    )
    with pytest.raises(ValueError, match="no cluster"):
        inference.fit_specification_wild(spec.with_(cluster=None), n_draws=9, seed=1)


def test_sign_words_follow_the_displayed_rounding() -> None:
    assert inference.sign_word(-0.004) == "essentially zero"
    assert inference.sign_word(0.006) == "positive"
    assert inference.sign_word(-0.006) == "negative"
    sentence = inference.describe_estimate("Beds", -0.004, -0.43, 0.42, 1.0, "pp per SD")
    assert "essentially zero" in sentence and "negative" not in sentence
    assert "(0.00 pp per SD" in sentence


def test_dates_and_leave_one_out_sentences_are_generated_from_values() -> None:
    assert inference.date_in_words("2026-11-24") == "24 November 2026"
    text = inference.describe_leave_one_out(
        "Deprivation", "system", 0.34, 0.81, "", "QOC", significant=True
    )
    assert "0.34 to 0.81" in text and "leaving out QOC lifts its wild-bootstrap p" in text
    quiet = inference.describe_leave_one_out("Deprivation", "system", 0.3, 0.8, "", "", True)
    assert quiet.endswith("no single one changes its sign or its significance.")
    flipped = inference.describe_leave_one_out(
        "Beds", "system-year", -0.1, 0.2, "QOC 2023/24", "", False
    )
    assert "leaving out QOC 2023/24 changes its displayed sign" in flipped
    corrected = inference.describe_leave_one_out(
        "Deprivation", "system", 0.3, 0.8, "", "", False, 0.05, "QUA", False
    )
    assert "leaving out QUA makes it then distinguishable from zero after correction" in corrected
