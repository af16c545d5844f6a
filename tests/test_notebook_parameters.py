"""Notebook 03 run with other parameters (papermill, writing to a temporary directory): the
generated text must agree with the generated tables in every variant."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest

from helpers.analysis import inference, models
from helpers.config import load_params, notebook_parameters
from helpers.paths import NOTEBOOKS_DIR
from helpers.report import key_points

MODEL_NOTEBOOK = NOTEBOOKS_DIR / "03_model_deficit_drivers.ipynb"
CANONICAL = notebook_parameters("03_model_deficit_drivers", load_params())
#: A smaller curve keeps the variants quick; the engine is the same.
SMALL_CURVE = {
    **CANONICAL["specification_curve"],
    "stage_subsets": {"all stages": ["outturn", "forecast", "final_plan", "draft_plan"]},
    "year_windows": {"all years": CANONICAL["years"]},
}
SWAPPED_MAIN = ["distance_from_target_pct", "imd_score", "nctr_per_100k", "share_65plus"]
SWAPPED_CANDIDATES = [
    name if name != "share_65plus" else "bed_occupancy_pct"
    for name in CANONICAL["candidate_predictors"]
]

VARIANTS = {
    "binary-outcome": {"outcome": "in_deficit"},
    "swapped-predictor": {
        "main_predictors": SWAPPED_MAIN,
        "candidate_predictors": SWAPPED_CANDIDATES,
    },
    # figures set after their year began (outturns alone leave too few complete system-years
    # once in-year drivers are lagged)
    "outturns-and-forecasts": {
        "stages": ["outturn", "forecast"],
        "basis": ["before_support", "after_support", "unknown"],
    },
}


def run_variant(tmp_path: Path, parameters: dict[str, object]) -> tuple[dict, pd.DataFrame]:
    papermill.execute_notebook(
        str(MODEL_NOTEBOOK),
        str(tmp_path / "model.ipynb"),
        parameters={
            **parameters,
            "n_permutations": 49,
            "n_bootstrap": 199,
            "specification_curve": SMALL_CURVE,
            "results_dir": str(tmp_path),
        },
        kernel_name="python3",
        cwd=str(NOTEBOOKS_DIR),
        progress_bar=False,
    )
    numbers = json.loads((tmp_path / "numbers_models.json").read_text(encoding="utf-8"))
    drivers = pd.read_csv(tmp_path / models.DRIVERS_FILE)
    statements = pd.read_csv(tmp_path / models.STATEMENTS_FILE)
    assert set(drivers.columns) & set(statements.columns) == set(models.DRIVER_KEY)
    return numbers, drivers.merge(statements, on=models.DRIVER_KEY, validate="one_to_one")


def assert_text_agrees_with_tables(numbers: dict, drivers: pd.DataFrame, alpha: float) -> None:
    declared = drivers[drivers["family"] == "declared"]
    for row in declared.itertuples():
        assert row.sentence in numbers["model_primary_sentences"]
        assert inference.format_number(row.estimate) in row.sentence
        distinguishable = "distinguishable from zero after correction" in row.sentence
        assert distinguishable == (row.p_adjusted < alpha), row.sentence
        # the sign word follows the displayed rounding
        word = inference.sign_word(row.estimate)
        assert (f"{word} " in row.sentence) or (f"of {word}" in row.sentence), row.sentence
        assert row.p_adjusted == pytest.approx(
            inference.holm(declared["wild_p"].to_numpy(float))[declared.index.get_loc(row.Index)]
        )
        prefix = f"model_headline_{row.driver}"
        assert numbers[f"{prefix}_wild_p"] == f"{row.wild_p:.3f}"
        assert numbers[f"{prefix}_estimate"] == inference.format_number(row.estimate)
        low, high = numbers[f"{prefix}_loo_low"], numbers[f"{prefix}_loo_high"]
        assert f"ranges from {low} to {high}" in numbers["model_loo_sentences"]
    supported = declared[declared["p_adjusted"] < alpha]
    conclusion = numbers["model_conclusion"]
    assert ("cannot tell the explanations apart" in conclusion) == supported.empty
    for label in supported["label"]:
        assert label in conclusion
    nominal_declared = declared[(declared["wild_p"] < alpha) & (declared["p_adjusted"] >= alpha)]
    for row in nominal_declared.itertuples():
        assert f"{row.label} (corrected {inference.format_p(row.p_adjusted)})" in conclusion
    # every other reported estimate is in one exploratory family, and the nominal sentence
    # is computed over all of it
    others = drivers[drivers["family"] != "declared"]
    assert set(others["family"]) == {"exploratory"}
    assert others["p_adjusted"].tolist() == pytest.approx(
        list(inference.benjamini_hochberg(others["p_value"].to_numpy(float)))
    )
    assert numbers["model_n_exploratory"] == len(others)
    for row in others.itertuples():
        mentioned = f"{row.label} in the {row.model}" in numbers["model_nominal_other"]
        assert mentioned == (row.p_value < alpha), row.label
        if mentioned:
            assert inference.format_p(row.p_adjusted) in numbers["model_nominal_other"]
    if not (others["p_value"] < alpha).any():
        assert numbers["model_nominal_other"] == "No other estimate is nominally significant."
    assert numbers["model_mde_min"] == inference.format_number(declared["mde"].min())
    assert numbers["model_n_system_years"] == int(declared["n_obs"].iloc[0])
    # the key point is written from the same table: it names a driver exactly when the
    # conclusion does, and quotes the sample size
    point = key_points.key_point_system_drivers(
        key_points.Results(
            numbers=numbers,
            system_drivers=drivers,
            system_statements=drivers[[*models.DRIVER_KEY, *models.POWER_COLUMNS]],
        )
    )
    assert point.startswith("None of the") == supported.empty, point
    assert f"{numbers['model_n_system_years']} system-years" in point
    assert "not yet committed" not in numbers["model_declaration_sentences"]


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(VARIANTS), ids=list(VARIANTS))
def test_model_notebook_text_agrees_with_its_tables(tmp_path: Path, variant: str) -> None:
    parameters = VARIANTS[variant]
    numbers, drivers = run_variant(tmp_path, parameters)
    assert_text_agrees_with_tables(numbers, drivers, CANONICAL["alpha"])
    declared = drivers[drivers["family"] == "declared"]
    if variant == "binary-outcome":
        assert numbers["model_outcome_unit"].startswith("probability of a deficit")
        assert "probability of a deficit" in numbers["model_primary_sentences"]
        # part 1 would repeat the primary model: not fitted, and no prose says it piles up
        assert numbers["model_two_part_any_sentences"] == ""
        assert not drivers["model"].str.contains("part 1").any()
        prose = " ".join(str(value) for value in numbers.values())
        assert "piles up at zero" not in prose
    else:
        assert "piles up at zero" in numbers["model_outcome_description"]
        assert numbers["model_two_part_any_sentences"]
    if variant == "swapped-predictor":
        assert declared["driver"].tolist() == SWAPPED_MAIN
        assert "Population aged 65+" in numbers["model_primary_sentences"]
        assert "G&A bed occupancy" not in numbers["model_primary_sentences"]
        assert "differ from the committed declaration" in numbers["model_declaration_sentences"]
    else:
        assert "were declared on" in numbers["model_declaration_sentences"]
    if variant == "outturns-and-forecasts":
        curve = pd.read_csv(tmp_path / "specification_curve.csv")
        assert not curve.empty
        assert numbers["model_n_specifications_distinct"] == curve["sample_key"].nunique()
        canonical = pd.read_csv(MODEL_NOTEBOOK.parents[1] / "data/processed/model_drivers.csv")
        canonical_n = canonical.loc[canonical["family"] == "declared", "n_obs"].iloc[0]
        assert declared["n_obs"].iloc[0] < canonical_n
    assert np.isfinite(declared["estimate"]).all()


def yaml_comments(section: str, indent: int) -> dict[str, str]:
    """Inline comments of the keys at ``indent`` spaces in one section of params.yaml."""
    text = (MODEL_NOTEBOOK.parents[1] / "params.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{section}:")
    comments = {}
    for line in lines[start + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) < indent:
            break
        match = re.match(rf"^ {{{indent}}}(\w+):.*?\s#\s(.*)$", line)
        if match:
            comments[match.group(1)] = match.group(2).strip()
    return comments


def test_parameter_cell_carries_the_params_yaml_comments() -> None:
    cell = next(
        c
        for c in nbformat.read(MODEL_NOTEBOOK, as_version=4).cells
        if "parameters" in c.metadata.get("tags", [])
    )
    in_cell = {
        match.group(1): match.group(2).strip()
        for match in re.finditer(r"^(\w+) = .*?\s#\s(.*)$", cell.source, flags=re.MULTILINE)
    }
    expected = {**yaml_comments("common", 2), **yaml_comments("03_model_deficit_drivers", 4)}
    declared = set(papermill.inspect_notebook(str(MODEL_NOTEBOOK)))
    expected = {key: comment for key, comment in expected.items() if key in declared}
    assert len(expected) >= 10
    assert {key: in_cell.get(key) for key in expected} == expected


@pytest.mark.slow
def test_outturns_alone_stop_with_a_clear_error(tmp_path: Path) -> None:
    """Outturns alone leave too few complete system-years once in-year drivers are lagged:
    the notebook stops with the reason and the remedy instead of writing empty tables."""
    with pytest.raises(papermill.PapermillExecutionError, match="cannot be fitted"):
        run_variant(tmp_path, {"stages": ["outturn"]})
    assert not (tmp_path / "numbers_models.json").exists()
