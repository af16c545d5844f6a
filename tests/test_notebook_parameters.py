"""Notebooks run with other parameters than the canonical ones (papermill), without writing."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest

from helpers.paths import NOTEBOOKS_DIR

MODEL_NOTEBOOK = NOTEBOOKS_DIR / "03_model_deficit_drivers.ipynb"


def stdout_of(notebook: Path) -> str:
    executed = nbformat.read(notebook, as_version=4)
    return "".join(
        output.get("text", "")
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        (
            {"years": ["2022/23", "2023/24"], "measures": ["plan", "plan_draft"]},
            "systems with an outcome: ",
        ),
        (
            {"years": ["2024/25"], "outcome": "in_deficit"},
            "system-years with an outcome: ",
        ),
    ],
    ids=["plans-only-two-years", "binary-outcome-one-year"],
)
def test_model_notebook_runs_with_other_outcomes_and_years(
    tmp_path: Path, parameters: dict[str, object], expected: str
) -> None:
    output = tmp_path / "model.ipynb"
    papermill.execute_notebook(
        str(MODEL_NOTEBOOK),
        str(output),
        parameters={**parameters, "n_permutations": 49, "save_results": False},
        kernel_name="python3",
        cwd=str(NOTEBOOKS_DIR),
        progress_bar=False,
    )
    text = stdout_of(output)
    assert expected in text
    assert "permutation p = " in text
    canonical = stdout_of(MODEL_NOTEBOOK)
    assert text != canonical  # a different sample really was analysed
