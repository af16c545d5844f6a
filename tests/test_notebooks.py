"""House rules for the notebooks: sources are clean and their defaults match params.yaml, logic
lives in helpers, and the executed copies (build outputs) carry the canonical run."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import papermill
import pytest

from helpers.config import load_params, notebook_parameters
from helpers.paths import NOTEBOOKS_DIR
from helpers.workflow import EXECUTED_DIR, INJECTED_TAG

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def test_there_are_notebooks_to_check() -> None:
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_inventory_sources.ipynb"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_parameter_defaults_match_params_yaml(notebook: Path) -> None:
    declared = papermill.inspect_notebook(str(notebook))
    expected = notebook_parameters(notebook.stem, load_params())
    for name, spec in declared.items():
        assert name in expected, f"{notebook.name}: parameter {name} is not in params.yaml"
        assert ast.literal_eval(spec["default"]) == expected[name], f"{notebook.name}: {name}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_reads_as_analysis(notebook: Path) -> None:
    cells = nbformat.read(notebook, as_version=4).cells
    assert cells[0].cell_type == "markdown" and "**Purpose.**" in cells[0].source
    tagged = [cell for cell in cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{notebook.name}: exactly one cell tagged 'parameters'"
    code = [cell for cell in cells if cell.cell_type == "code"]
    defining = [
        cell.source
        for cell in code
        if any(
            isinstance(node, ast.FunctionDef | ast.ClassDef)
            for node in ast.walk(ast.parse(cell.source))
        )
    ]
    assert not defining, f"{notebook.name}: cells define functions; move them to src/helpers"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_source_notebook_is_clean(notebook: Path) -> None:
    """No outputs and no injected-parameters cell: editing the parameters cell in JupyterLab
    is what runs there (jupyter nbconvert --clear-output --inplace strips a notebook)."""
    cells = nbformat.read(notebook, as_version=4).cells
    assert not [c for c in cells if INJECTED_TAG in c.metadata.get("tags", [])], notebook.name
    code = [cell for cell in cells if cell.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), notebook.name


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_executed_notebook_carries_the_canonical_run(notebook: Path) -> None:
    copy = EXECUTED_DIR / notebook.name
    assert copy.is_file(), f"{copy} missing: build it with make report"
    executed = nbformat.read(copy, as_version=4)
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code if cell.execution_count is not None]
    assert counts == list(range(1, len(counts) + 1)), f"{notebook.name}: run out of order"
    assert any(cell.outputs for cell in code), f"{notebook.name}: executed without outputs"
    assert "parameters" in executed.metadata.get("papermill", {}), "not run by the workflow"
    errors = [o for cell in code for o in cell.outputs if o.output_type == "error"]
    assert not errors, f"{notebook.name}: executed with an error output"


def test_the_primary_model_is_two_calls_from_its_notebook_and_fitted_once() -> None:
    """Notebook 03 builds the primary specification and fits it (two helper calls); its
    diagnostics (influence, variance inflation, fit statistics) reuse that fit, never a refit."""
    cells = nbformat.read(NOTEBOOKS_DIR / "03_model_deficit_drivers.ipynb", as_version=4).cells
    source = "\n".join(cell.source for cell in cells if cell.cell_type == "code")
    calls = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)]
    named = [ast.unparse(call.func) for call in calls]
    assert named.count("models.primary_specification") == 1
    assert named.count("inference.fit_model") == 1
    fit = next(call for call in calls if ast.unparse(call.func) == "inference.fit_model")
    assert [ast.unparse(argument) for argument in fit.args] == ["primary_spec"]
    for diagnostic in ("models.influence_table", "models.variance_inflation"):
        call = next(call for call in calls if ast.unparse(call.func) == diagnostic)
        assert ast.unparse(call.args[0]).startswith("primary_fit."), diagnostic
