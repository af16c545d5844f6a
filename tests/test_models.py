"""Statistics helpers on data with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import models
from helpers.data.curated import STAGE_OF_MEASURE
from helpers.errors import DataError


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


def test_figure_stage_keeps_full_year_stages_only() -> None:
    frame = pd.DataFrame({"stage": ["outturn", "ytd", "final_plan", "draft_plan", "forecast"]})
    stages = models.figure_stage(frame)
    assert stages.isna().tolist() == [False, True, False, False, False]
    assert models.FULL_YEAR_STAGES == ["outturn", "forecast", "final_plan", "draft_plan"]


def test_build_outcome_accepts_stages() -> None:
    frame = positions(
        [
            ("QAA", "2023/24", "plan", -1.0, "press"),
            ("QAA", "2023/24", "outturn", -3.0, "campaign"),
        ]
    )
    plans = models.build_outcome(
        frame, years=["2023/24"], stages=["final_plan"], source_kinds=["press", "campaign"]
    )
    assert plans[["position_pct", "stage"]].values.tolist() == [[-1.0, "final_plan"]]


def panel_figures(seed: int = 3) -> pd.DataFrame:
    """Figures for 30 systems x 3 years; position = -1.5 x driver + stage shift + noise."""
    generator = np.random.default_rng(seed)
    rows = []
    for system in range(30):
        for year_index, year in enumerate(["2022/23", "2023/24", "2024/25"]):
            stage = ["draft_plan", "final_plan", "outturn"][(system + year_index) % 3]
            driver = generator.normal()
            shift = {"draft_plan": -2.0, "final_plan": 0.0, "outturn": -1.0}[stage]
            rows.append(
                {
                    "icb_code": f"Q{system:02d}",
                    "financial_year": year,
                    "stage": stage,
                    "source_kind": ["press", "campaign"][system % 2],
                    "driver": driver,
                    "noise": generator.normal(),
                    "position_pct": -1.5 * driver + shift + generator.normal(scale=0.5),
                }
            )
    frame = pd.DataFrame(rows)
    frame["in_deficit"] = (frame["position_pct"] < 0).astype(int)
    return frame


def test_primary_model_has_the_declared_fixed_effects_and_clusters() -> None:
    data = panel_figures()
    fitted = models.inference.fit_model(
        models.primary_specification(data, "position_pct", ["driver", "noise"])
    )
    terms = list(fitted.results.params.index)
    assert any(t.startswith("C(stage)") for t in terms)
    assert any(t.startswith("C(financial_year)") for t in terms)
    assert any(t.startswith("C(source_kind)") for t in terms)
    assert fitted.results.cov_type == "cluster" and fitted.n_clusters == 30
    assert fitted.results.params["driver"] == pytest.approx(-1.5 * data["driver"].std(), abs=0.2)


def test_describe_drivers_applies_holm_and_writes_the_matching_sentence() -> None:
    data = panel_figures()
    table = models.inference.fit_specification(
        models.primary_specification(data, "position_pct", ["driver", "noise"])
    )
    described = models.describe_drivers(
        table, family="declared", model="m", adjustment="holm", unit="pp per SD"
    ).set_index("driver")
    expected = models.inference.holm(table["p_value"])
    assert described["p_adjusted"].tolist() == pytest.approx(list(expected))
    assert "distinguishable from zero after" in described.loc["driver", "sentence"]
    assert "negative association" in described.loc["driver", "sentence"]
    assert "cannot be distinguished" in described.loc["noise", "sentence"]
    assert described.loc["noise", "mde"] == pytest.approx(
        models.inference.mde_per_sd(described.loc["noise", "std_error"])
    )


def test_power_moves_only_the_columns_written_apart_from_the_estimates() -> None:
    """notebook 03 writes a driver table as two files (models.driver_files): a change of
    power alone changes the statements file, never model_drivers.csv (which notebook 07
    reads), and each column lives in one of them, the key in both."""
    data = panel_figures()
    table = models.inference.fit_specification(
        models.primary_specification(data, "position_pct", ["driver", "noise"])
    )
    files = {
        power: models.driver_files(
            models.describe_drivers(
                table,
                family="declared",
                model="m",
                adjustment="holm",
                unit="pp per SD",
                power=power,
            )
        )
        for power in (0.8, 0.9)
    }
    drivers, statements = files[0.8][models.DRIVERS_FILE], files[0.8][models.STATEMENTS_FILE]
    assert set(drivers.columns) & set(statements.columns) == set(models.DRIVER_KEY)
    assert set(drivers.columns) | set(statements.columns) == set(models.DRIVER_COLUMNS)
    assert files[0.9][models.DRIVERS_FILE].equals(drivers)
    changed = files[0.9][models.STATEMENTS_FILE].set_index("driver")
    assert (changed["mde"] > statements.set_index("driver")["mde"]).all()
    # the sentence of the estimate that cannot be told from zero quotes its MDE
    assert (
        changed.loc["noise", "sentence"] != statements.set_index("driver").loc["noise", "sentence"]
    )
    twice = pd.concat([table, table], ignore_index=True)
    with pytest.raises(DataError, match=r"same \['family', 'model', 'driver'\]"):
        models.driver_files(
            models.describe_drivers(
                twice, family="declared", model="m", adjustment="holm", unit="pp per SD"
            )
        )


def test_two_part_answers_any_deficit_and_size_given_deficit() -> None:
    data = panel_figures()
    parts = models.two_part(data, ["driver"], "pp per SD")
    assert parts["model"].tolist() == [
        "two-part model, part 1 (any deficit)",
        "two-part model, part 2 (size of deficit, given one)",
    ]
    assert parts.loc[1, "n_obs"] == int(data["in_deficit"].sum())
    assert parts.loc[0, "estimate"] > 0  # a higher driver raises the chance of a deficit


def test_alternative_outcome_fits_use_the_chosen_outcome() -> None:
    data = panel_figures()
    data = data.assign(
        measure="plan",
        scope="system",
        as_at="",
        as_at_date="2024-04",
        revision=1,
        basis="unknown",
        source_date="2024",
        source_line=range(len(data)),
        value_gbp_m=data["position_pct"] * 10,
    )
    definitions = {"plans": {"stages": ["draft_plan", "final_plan"], "source_kinds": ["press"]}}
    binary = models.alternative_outcome_fits(
        data,
        definitions,
        years=["2022/23", "2023/24", "2024/25"],
        outcome="in_deficit",
        drivers=["driver"],
    )
    chosen = data[
        data["stage"].isin(["draft_plan", "final_plan"]) & (data["source_kind"] == "press")
    ]
    direct = models.inference.fit_specification(
        models.primary_specification(chosen, "in_deficit", ["driver"])
    )
    assert binary["estimate"].tolist() == pytest.approx(direct["estimate"].tolist())


def test_curve_choices_cover_every_dimension_and_skip_missing_denominators() -> None:
    settings = {
        "stage_subsets": {"all": ["outturn"], "plans": ["final_plan"]},
        "source_tiers": {"all": ["press"]},
        "year_windows": {"all": ["2022/23"], "late": ["2024/25"]},
        "denominators": {"core": "position_pct", "total": "position_pct_total"},
        "control_sets": {"none": [], "size": ["log_population"]},
    }
    choices = models.curve_choices(settings, "position_pct", ["position_pct"])
    assert list(choices["denominator"]) == ["core"]
    # timing (lagged, same year) x basis (any, before, after) by default, then the rest
    assert list(choices)[:2] == ["timing", "basis"]
    assert models.inference.n_specifications(choices) == 2 * 3 * 2 * 1 * 2 * 1 * 2 * 2
    binary = models.curve_choices(settings, "in_deficit", ["position_pct", "position_pct_total"])
    assert list(binary["denominator"]) == ["in_deficit"]


def test_selection_weights_are_inverse_predicted_probabilities() -> None:
    generator = np.random.default_rng(4)
    panel = pd.DataFrame(
        {
            "icb_code": np.repeat([f"Q{i:02d}" for i in range(40)], 2),
            "financial_year": ["2023/24", "2024/25"] * 40,
            "population": generator.uniform(5e5, 3e6, 80),
            "imd_score": generator.normal(20, 5, 80),
            "distance_from_target_pct": generator.normal(0, 2, 80),
        }
    )
    lookup = pd.DataFrame(
        {"icb_code": [f"Q{i:02d}" for i in range(40)], "region_name": ["A", "B"] * 20}
    )
    observed = panel.sample(30, random_state=1)[["icb_code", "financial_year"]]
    selection = models.selection_data(panel, lookup, observed, ["2023/24", "2024/25"])
    assert len(selection) == 80 and selection["has_figure"].sum() == 30
    results = models.fit_selection(selection)
    weights = models.inverse_probability_weights(selection, results)
    assert weights["ipw"].to_numpy() == pytest.approx(30 / 80 / weights["p_figure"].to_numpy())


def test_predictor_lists_are_checked_before_fitting() -> None:
    valid = ["a", "b", "c"]
    models.check_predictor_lists({"main_predictors": ["a"], "candidate_predictors": ["b"]}, valid)
    with pytest.raises(models.ConfigError, match=r"main_predictors names unknown .*'zz'.*valid"):
        models.check_predictor_lists({"main_predictors": ["a", "zz"]}, valid)
    with pytest.raises(models.ConfigError, match="a appears in both main_predictors and cand"):
        models.check_predictor_lists({"main_predictors": ["a"], "candidates": ["a"]}, valid)
    with pytest.raises(models.ConfigError, match="candidates is empty"):
        models.check_predictor_lists({"main_predictors": ["a"], "candidates": []}, valid)


def test_influence_ties_are_broken_by_label_so_the_order_is_stable() -> None:
    from statsmodels.regression.linear_model import OLS

    # two mirror-image points give exactly equal Cook's distances
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 0.0])
    y = np.array([-2.0, -1.0, 0.5, 1.0, 2.0, -0.5])
    exog = pd.DataFrame({"const": np.ones(6), "x": x})
    results = OLS(pd.Series(y), exog).fit()
    labels = pd.Series(["Z 2023/24", "B", "Y 2024/25", "C", "D", "A 2024/25"])
    table = models.influence_table(results, labels)
    tied = table[np.isclose(table["cooks_distance"], table["cooks_distance"].iloc[0])]
    assert len(tied) >= 2
    assert tied["label"].tolist() == sorted(tied["label"])
    reversed_table = models.influence_table(results, labels)
    assert table["label"].tolist() == reversed_table["label"].tolist()


def test_exploratory_family_pools_every_other_estimate_under_one_bh_correction() -> None:
    data = panel_figures()
    first = models.describe_drivers(
        models.inference.fit_specification(
            models.primary_specification(data, "position_pct", ["driver"])
        ),
        family="x",
        model="a",
        adjustment="holm",
        unit="pp",
    )
    second = models.two_part(data, ["noise"], "pp")
    family = models.exploratory_family([first, second], 0.05, 0.8)
    assert set(family["family"]) == {"exploratory"} and set(family["adjustment"]) == {"bh"}
    expected = models.inference.benjamini_hochberg(family["p_value"].to_numpy(float))
    assert family["p_adjusted"].tolist() == pytest.approx(list(expected))
    assert len(family) == 3


def test_binary_outcome_drops_part_one_and_changes_the_prose() -> None:
    data = panel_figures()
    parts = models.two_part(data, ["driver"], "pp per SD", outcome="in_deficit")
    assert parts["model"].tolist() == [models.TWO_PART_SIZE]
    binary = models.outcome_sentences("in_deficit")
    assert "piles up" not in " ".join(binary.values())
    assert binary["model_two_part_any_intro"] == ""
    assert (
        "piles up at zero" in models.outcome_sentences("position_pct")["model_outcome_description"]
    )


def test_keyed_fit_marks_choices_that_select_the_same_data_as_one_specification() -> None:
    data = panel_figures().assign(basis="unknown")
    base = models.primary_specification(data, "position_pct", ["driver"])
    choices = {
        "window": {
            "all": lambda s: s,
            # the same rows: no 2025/26 rows exist, so this window selects everything too
            "with 2025/26": lambda s: s.with_(
                data=s.data[
                    s.data["financial_year"].isin(["2022/23", "2023/24", "2024/25", "2025/26"])
                ]
            ),
            "late": lambda s: s.with_(data=s.data[s.data["financial_year"] != "2022/23"]),
        }
    }
    curve = models.mark_distinct(
        models.inference.specification_curve(base, choices, fit=models.keyed_fit)
    )
    assert curve["spec_id"].nunique() == 3 and curve["sample_key"].nunique() == 2
    assert curve["distinct"].tolist() == [True, False, True]
    summary = models.curve_summary(curve, curve.iloc[[0]].assign(driver="driver"))
    assert summary.loc[0, "n_specifications"] == 3 and summary.loc[0, "n_distinct"] == 2
    assert summary.loc[0, "share_same_sign"] == 1.0


def test_same_year_option_swaps_in_the_unlagged_copies() -> None:
    data = panel_figures().assign(driver__same_year=lambda f: -f["driver"])
    spec = models.primary_specification(data, "position_pct", ["driver"])
    swapped = models.same_year_option(spec)
    assert swapped.data["driver"].tolist() == (-data["driver"]).tolist()


def test_an_unfittable_primary_model_is_a_clear_error() -> None:
    from helpers.errors import DataError

    data = panel_figures().head(5)
    spec = models.primary_specification(data, "position_pct", ["driver", "noise"])
    table = models.inference.fit_specification(spec)
    assert table.empty
    with pytest.raises(DataError, match="5 complete system-years from 2 systems"):
        models.require_estimates(table, spec)
    fitted = models.inference.fit_specification(
        models.primary_specification(panel_figures(), "position_pct", ["driver"])
    )
    assert models.require_estimates(fitted, spec) is fitted
