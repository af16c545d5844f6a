"""Statistics helpers on data with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import models
from helpers.curated import STAGE_OF_MEASURE


def simulated(n: int = 400, seed: int = 7) -> pd.DataFrame:
    """y = 1 + 2 x1 - 0.5 x2 + noise, 40 systems x 10 'years' for the pooled model."""
    generator = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x1": generator.normal(size=n),
            "x2": generator.normal(size=n),
            "icb_code": [f"Q{index % 40:02d}" for index in range(n)],
            "financial_year": [f"20{20 + index // 40}/{21 + index // 40}" for index in range(n)],
        }
    )
    frame["y"] = 1 + 2 * frame["x1"] - 0.5 * frame["x2"] + generator.normal(scale=0.5, size=n)
    return frame


def test_cross_section_recovers_known_coefficients_with_hc3() -> None:
    results = models.fit_cross_section(simulated(), "y", ["x1", "x2"])
    table = models.tidy(results, "ols")
    estimates = dict(zip(table["term"], table["estimate"], strict=True))
    assert estimates["x1"] == pytest.approx(2.0, abs=0.08)
    assert estimates["x2"] == pytest.approx(-0.5, abs=0.08)
    assert results.cov_type == "HC3"
    row = table.set_index("term").loc["x1"]
    assert row["conf_low"] < 2.0 < row["conf_high"] and row["n_obs"] == 400
    assert list(table.columns) == models.TIDY_COLUMNS


def test_pooled_model_has_year_effects_and_clustered_errors() -> None:
    results = models.fit_pooled(simulated(), "y", ["x1"])
    assert results.cov_type == "cluster"
    assert sum(term.startswith("C(financial_year)") for term in results.params.index) == 9
    assert results.params["x1"] == pytest.approx(2.0, abs=0.1)


def test_logit_recovers_sign_and_rough_size() -> None:
    frame = simulated(n=2000, seed=3)
    generator = np.random.default_rng(11)
    probability = 1 / (1 + np.exp(-(0.5 + 1.5 * frame["x1"])))
    frame["deficit"] = (generator.uniform(size=len(frame)) < probability).astype(int)
    results = models.fit_logit(frame, "deficit", ["x1"])
    assert results.params["x1"] == pytest.approx(1.5, abs=0.2)


def test_standardise_gives_mean_zero_and_unit_sd() -> None:
    frame = models.standardise(pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]}), ["a"])
    assert frame["a"].mean() == pytest.approx(0.0)
    assert frame["a"].std(ddof=1) == pytest.approx(1.0)


def test_vif_is_one_for_orthogonal_and_large_for_collinear_predictors() -> None:
    frame = pd.DataFrame({"a": [1.0, -1.0, 1.0, -1.0], "b": [1.0, 1.0, -1.0, -1.0]})
    assert models.variance_inflation(frame, ["a", "b"])["vif"].tolist() == pytest.approx([1, 1])
    generator = np.random.default_rng(0)
    base = generator.normal(size=200)
    collinear = pd.DataFrame({"a": base, "b": base + generator.normal(scale=0.05, size=200)})
    assert models.variance_inflation(collinear, ["a", "b"])["vif"].min() > 100


def test_permutation_null_is_centred_on_zero_and_detects_a_real_effect() -> None:
    frame = simulated(n=60, seed=5)
    observed, null, p_value = models.permutation_test(
        frame, "y", "x1", ["x2"], n_permutations=199, seed=1
    )
    assert observed == pytest.approx(2.0, abs=0.3)
    assert abs(null.mean()) < 0.15 and len(null) == 199
    assert p_value == pytest.approx(1 / 200)


def test_permutation_p_value_is_large_without_an_effect() -> None:
    frame = simulated(n=60, seed=5)
    frame["noise"] = np.random.default_rng(9).normal(size=60)
    _, _, p_value = models.permutation_test(frame, "noise", "x1", [], n_permutations=199, seed=1)
    assert p_value > 0.05


def test_permutation_is_reproducible_with_the_same_seed() -> None:
    frame = simulated(n=40, seed=2)
    first = models.permutation_test(frame, "y", "x1", [], n_permutations=50, seed=4)[1]
    second = models.permutation_test(frame, "y", "x1", [], n_permutations=50, seed=4)[1]
    assert np.array_equal(first, second)


def positions(rows: list[tuple[str, str, str, float, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows,
        columns=["icb_code", "financial_year", "measure", "value_pct_allocation", "source_kind"],
    )
    frame["value_gbp_m"] = frame["value_pct_allocation"] * 10
    frame["scope"] = "system"
    frame["as_at"] = ""
    frame["stage"] = frame["measure"].map(STAGE_OF_MEASURE)
    frame["as_at_date"] = frame["financial_year"].str[:4] + "-04"
    frame["revision"] = 1
    frame["basis"] = "unknown"
    frame["source_date"] = "2024"
    frame["source_line"] = range(2, len(frame) + 2)
    frame["best_available"] = False
    return frame


def test_outcome_builder_reapplies_the_rule_within_the_selection() -> None:
    frame = positions(
        [
            ("QAA", "2023/24", "plan", -1.0, "press"),
            ("QAA", "2023/24", "outturn", -3.0, "campaign"),
            ("QBB", "2023/24", "plan", 0.5, "press"),
            ("QBB", "2024/25", "plan", -2.0, "official"),
        ]
    )
    everything = models.build_outcome(
        frame,
        years=["2023/24", "2024/25"],
        measures=["plan", "outturn"],
        source_kinds=["press", "campaign", "official"],
    )
    assert everything["position_pct"].tolist() == [-3.0, 0.5, -2.0]
    assert everything["in_deficit"].tolist() == [1, 0, 1]
    plans_only = models.build_outcome(
        frame, years=["2023/24"], measures=["plan"], source_kinds=["press", "campaign", "official"]
    )
    assert plans_only["position_pct"].tolist() == [-1.0, 0.5]
    cross = models.system_cross_section(everything)
    assert cross.set_index("icb_code").loc["QBB", "position_pct"] == pytest.approx(-0.75)
    assert cross.set_index("icb_code").loc["QBB", "n_years"] == 2


def test_complete_cases_counts_what_is_dropped() -> None:
    frame = pd.DataFrame({"a": [1.0, None, 3.0], "b": [1.0, 2.0, None]})
    kept, lost = models.complete_cases(frame, ["a", "b"])
    assert len(kept) == 1
    assert lost.set_index("variable")["n_missing"].to_dict() == {"a": 1, "b": 1}


def test_leave_one_group_out_refits_without_each_group() -> None:
    frame = simulated(n=120, seed=8)
    frame["region"] = np.repeat(["A", "B", "C"], 40)
    table = models.leave_one_group_out(frame, "y", ["x1"], "region")
    assert sorted(table["omitted"].unique()) == ["A", "B", "C"]
    assert set(table.loc[table["term"] == "x1", "n_obs"]) == {80}
