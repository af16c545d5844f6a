"""Notebook 07's words agree with its tables, as committed and run without the RAAC trusts
(papermill, writing to a temporary directory)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import papermill
import pytest

from helpers.analysis import inference
from helpers.config import load_params, notebook_parameters
from helpers.paths import NOTEBOOKS_DIR, PROCESSED_DIR

TRUST_NOTEBOOK = NOTEBOOKS_DIR / "07_model_trust_finance.ipynb"
CANONICAL = notebook_parameters("07_model_trust_finance", load_params())
ALPHA = CANONICAL["alpha"]
KEYS = {
    "planned_position_pct": "position",
    "variance_to_plan_pct": "variance",
    "q3_variance_pct": "q3",
    "operating_margin_pct": "margin",
}


def read_outputs(directory: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    numbers = json.loads((directory / "numbers_trust_models.json").read_text(encoding="utf-8"))
    tests = pd.read_csv(directory / "trust_model_coefficients.csv")
    legacy = pd.read_csv(
        directory / "legacy_loans_tests.csv", keep_default_na=False, na_values=[""]
    )
    raac = pd.read_csv(directory / "trust_raac_sensitivity.csv")
    return numbers, tests, legacy, raac


def assert_text_agrees_with_tables(
    numbers: dict, tests: pd.DataFrame, legacy: pd.DataFrame
) -> None:
    for row in tests.itertuples():
        assert inference.format_number(row.estimate) in row.sentence, row.sentence
        distinguishable = "distinguishable from zero after correction" in row.sentence
        assert distinguishable == (row.p_adjusted < ALPHA), row.sentence
    main = tests[tests["analysis"] == "main"]
    primary = main[main["family"] == "primary"]
    assert set(primary["outcome"]) == set(CANONICAL["outcomes"])
    assert not primary["term"].isin(CANONICAL["controls"]).any()  # controls are not hypotheses
    assert numbers["trust_model_n_tests"] == len(primary)
    supported = primary[primary["p_adjusted"] < ALPHA]
    assert numbers["trust_model_n_distinguishable"] == len(supported)
    assert (
        "cannot tell the explanations apart" in numbers["trust_model_conclusion"]
    ) == supported.empty
    exploratory = tests[tests["family"] == "exploratory"]
    assert numbers["trust_exploratory_n_tests"] == len(exploratory)
    assert numbers["trust_exploratory_n_nominal"] == int((exploratory["p_value"] < ALPHA).sum())
    for outcome, key in KEYS.items():
        rows = main[main["outcome"] == outcome]
        assert numbers[f"trust_model_n_{key}"] == int(rows["n_obs"].iloc[0])
        drivers = rows[rows["term"].isin(CANONICAL["main_predictors"])]
        lead = drivers.sort_values(["p_adjusted", "p_value", "term"], kind="stable").iloc[0]
        assert numbers[f"trust_model_lead_{key}"] == lead["sentence"]
    for row in legacy.itertuples():
        measure = "any" if row.term == "any_legacy_loan" else "share"
        outcome = {"planned": "plan", "q3": "q3", "operating": "margin"}[row.outcome.split("_")[0]]
        suffix = "" if row.sample == "all" else f"_{row.sample}"
        key = f"legacy_{row.level}_{outcome}_{measure}{suffix}"
        assert numbers[f"{key}_n"] == row.n_obs
        assert numbers[f"{key}_estimate"] == inference.format_number(row.estimate)
        assert numbers[f"{key}_sentence"] == row.sentence
        assert row.loo_min <= row.estimate <= row.loo_max


def test_committed_trust_outputs_agree_with_their_words() -> None:
    numbers, tests, legacy, raac = read_outputs(PROCESSED_DIR)
    assert_text_agrees_with_tables(numbers, tests, legacy)
    assert numbers["trust_drop_raac"] == "with all acute trusts"
    assert set(legacy["sample"]) == {"all", "without_raac"}
    primary = raac[raac["family"] == "primary"]
    assert numbers["trust_raac_n_primary_all"] == int((primary["p_holm_all"] < ALPHA).sum())
    assert numbers["trust_raac_n_primary_without"] == int((primary["p_holm_without"] < ALPHA).sum())


@pytest.mark.slow
def test_trust_notebook_without_the_raac_trusts_agrees_with_its_tables(tmp_path: Path) -> None:
    papermill.execute_notebook(
        str(TRUST_NOTEBOOK),
        str(tmp_path / "trust.ipynb"),
        parameters={"drop_raac": True, "results_dir": str(tmp_path)},
        kernel_name="python3",
        cwd=str(NOTEBOOKS_DIR),
        progress_bar=False,
    )
    numbers, tests, legacy, _ = read_outputs(tmp_path)
    assert_text_agrees_with_tables(numbers, tests, legacy)
    assert numbers["trust_drop_raac"] == "without the RAAC trusts"
    assert "without RAAC trusts" not in set(tests["analysis"])
    assert set(legacy["sample"]) == {"all"}
    # the variant's samples are the committed run's samples less the RAAC trusts
    committed = pd.read_csv(PROCESSED_DIR / "trust_raac_sensitivity.csv")
    main = tests[tests["analysis"] == "main"]
    for outcome, key in KEYS.items():
        expected = committed.loc[committed["outcome"] == outcome, "n_obs_without"].iloc[0]
        assert numbers[f"trust_model_n_{key}"] == expected
        assert int(main.loc[main["outcome"] == outcome, "n_obs"].iloc[0]) == expected
