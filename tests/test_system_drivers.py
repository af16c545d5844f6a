"""One list of system drivers (issue 21.4): notebook 07's N = 42 refit uses the drivers notebook
03 declared and fitted, read from its output, not a copy in params.yaml."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.analysis import trust_models
from helpers.config import NOTEBOOK_RULES, load_params
from helpers.errors import DataError
from helpers.paths import NOTEBOOKS_DIR


def test_the_trust_notebook_reads_notebook_03s_declared_drivers() -> None:
    declared = load_params()["notebooks"]["03_model_deficit_drivers"]["main_predictors"]
    assert trust_models.declared_system_drivers() == declared
    assert "system_predictors" not in NOTEBOOK_RULES["07_model_trust_finance"]
    source = (NOTEBOOKS_DIR / "07_model_trust_finance.ipynb").read_text(encoding="utf-8")
    assert "system_predictors" not in source
    assert "trust_models.declared_system_drivers()" in source


def test_a_swapped_driver_in_notebook_03_reaches_the_trust_refit(tmp_path: Path) -> None:
    pd.DataFrame(
        {
            "family": ["declared", "declared", "exploratory"],
            "driver": ["imd_score", "share_65plus", "need_index"],
        }
    ).to_csv(tmp_path / "model_drivers.csv", index=False)
    assert trust_models.declared_system_drivers(tmp_path) == ["imd_score", "share_65plus"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "model_drivers.csv: not found; notebook 03 writes it"),
        ("family,driver\nexploratory,need_index\n", "no row with family 'declared'"),
        ("family,term\ndeclared,imd_score\n", "model_drivers.csv"),
    ],
)
def test_missing_or_wrong_model_drivers_are_named(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    if content is not None:
        (tmp_path / "model_drivers.csv").write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=expected):
        trust_models.declared_system_drivers(tmp_path)
