"""The model stage writes the same bytes whatever the machine's arithmetic does in the last bits.

Issue 22: on a processor without AVX-512, or with another BLAS thread count, the models' floats
differ in their last digits. Every number is written at the declared precision
(:mod:`helpers.precision`), so the written tables must not change. Two checks run notebook 03
(the model stage) exactly as the build does, into a scratch folder, and compare every file it
writes with the committed one in ``data/processed``:

- with every float of its inputs moved by one unit in the last place;
- with a different BLAS thread count, OpenBLAS's Haswell kernels and NumPy's optional CPU
  features (AVX-512, AVX2) switched off: what a different laptop does.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import papermill
import pytest

from helpers import workflow
from helpers.config import load_params, notebook_parameters
from helpers.paths import NOTEBOOKS_DIR, PROCESSED_DIR, RESULTS_VARIABLE, ROOT

STAGE = "03_model_deficit_drivers"
#: What the stage writes (each compared byte for byte with data/processed).
STAGE_OUTPUTS = (
    "model_coefficients.csv",
    "model_fit.csv",
    "model_diagnostics.csv",
    "model_drivers.csv",
    "model_driver_statements.csv",
    "specification_curve.csv",
    "numbers_models.json",
)
#: A first cell that moves every float the stage reads by one unit in the last place.
PERTURB_INPUTS = """\
import numpy as np
import helpers.panel.schemas as _schemas

_read_table = _schemas.read_table


def _one_ulp_up(name, *args, **kwargs):
    table = _read_table(name, *args, **kwargs)
    for column in table.columns:
        if table[column].dtype.kind == "f":
            table[column] = np.nextafter(table[column].to_numpy(), np.inf)
    return table


_schemas.read_table = _one_ulp_up
"""


def simd_features() -> str:
    """NumPy's optional CPU features found on this machine (beyond its baseline), e.g.
    'X86_V3 X86_V4 AVX512_ICL': switched off, NumPy runs as on the plainest processor."""
    import numpy as np

    config = np.show_config(mode="dicts") or {}
    return " ".join(config.get("SIMD Extensions", {}).get("found", []))


def run_stage(
    tmp: Path,
    *,
    first_cell: str | None = None,
    env: dict[str, str] | None = None,
    changed: dict[str, object] | None = None,
) -> Path:
    """Run the model stage as the build does (parameters from params.yaml, ``changed`` ones
    replaced) into ``tmp``."""
    source = nbformat.read(NOTEBOOKS_DIR / f"{STAGE}.ipynb", as_version=4)
    if first_cell:
        source.cells.insert(1, nbformat.v4.new_code_cell(first_cell))
    notebook = tmp / f"{STAGE}.ipynb"
    nbformat.write(source, notebook)
    results = tmp / "results"
    results.mkdir()
    parameters = {
        **notebook_parameters(STAGE, load_params()),
        **(changed or {}),
        "results_dir": str(results),
    }
    # reads come from data/processed only, never from a scratch run's tables
    env = {**(env or {}), RESULTS_VARIABLE: str(tmp / "no-scratch-tables")}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        papermill.execute_notebook(
            str(notebook),
            str(tmp / "executed.ipynb"),
            parameters=parameters,
            cwd=str(NOTEBOOKS_DIR),
            progress_bar=False,
            log_output=False,
        )
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return results


def differing_outputs(results: Path) -> list[str]:
    """Names of the stage's outputs whose bytes differ from the committed ones."""
    return [
        name
        for name in STAGE_OUTPUTS
        if (results / name).read_bytes() != (PROCESSED_DIR / name).read_bytes()
    ]


@pytest.fixture
def scratch(tmp_path: Path):
    """A scratch folder inside the repository (results must stay inside it), removed after."""
    folder = ROOT / ".build" / "reproducibility" / tmp_path.name
    folder.mkdir(parents=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.realdata
def test_inputs_moved_by_one_ulp_give_identical_outputs(scratch: Path) -> None:
    results = run_stage(scratch, first_cell=PERTURB_INPUTS)
    assert differing_outputs(results) == []


@pytest.mark.realdata
def test_another_blas_thread_count_and_cpu_features_give_identical_outputs(
    scratch: Path,
) -> None:
    env = {
        "OPENBLAS_NUM_THREADS": "2" if os.environ.get("OPENBLAS_NUM_THREADS") == "1" else "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_CORETYPE": "Haswell",
        "NPY_DISABLE_CPU_FEATURES": simd_features(),
    }
    results = run_stage(scratch, env=env)
    assert differing_outputs(results) == []


# --- the edit loop: a power-only change of notebook 03 reaches no input of notebook 07 -----------

TRUST_STAGE = "07_model_trust_finance"


def planned_files(plan: str) -> dict[str, dict[str, list[str]]]:
    """Job -> its ``input`` and ``output`` files in Snakemake's plan of a forced build (``plan``,
    the ``forced_plan`` fixture: what workflow/rules/stages.smk declares, as Snakemake reads it)."""
    jobs: dict[str, dict[str, list[str]]] = {}
    job = ""
    for line in plan.splitlines():
        if line.startswith(("checkpoint ", "rule ")):
            job = line.split()[1].rstrip(":")
            jobs[job] = {}
        elif job and line.startswith("    ") and line.strip().startswith(("input: ", "output: ")):
            field, _, value = line.strip().partition(": ")
            jobs[job][field] = value.split(", ")
    return jobs


@pytest.mark.realdata
def test_a_power_only_change_of_notebook_03_leaves_every_input_of_notebook_07_alone(
    scratch: Path, forced_plan: str
) -> None:
    """The edit loop of issue 21 (``make bench``: notebook 03's ``power`` 0.8 -> 0.81): notebook
    03 reruns, but every file of its outputs that notebook 07 declares as an input comes out the
    committed bytes, and notebook 07's parameters do not change; with the checkpoint cut-off
    (test_engine.py::test_a_stage_whose_output_bytes_did_not_change_reruns_nothing_after_it)
    Snakemake therefore does not rerun notebook 07. Only the power-dependent table (minimum
    detectable effects and the sentences quoting them) and the report numbers change."""
    plan = planned_files(forced_plan)
    trust_inputs = plan["model_trust_finance"]["input"]
    model_outputs = plan["model_deficit_drivers"]["output"]
    shared = [Path(name).name for name in model_outputs if name in trust_inputs]
    assert "model_drivers.csv" in shared  # notebook 07 reads notebook 03's declared drivers
    params = load_params()
    trust_parameters = workflow.parameters_for(NOTEBOOKS_DIR / f"{TRUST_STAGE}.ipynb", params)
    edited = round(params["notebooks"][STAGE]["power"] + 0.01, 2)  # 0.8 -> 0.81, as make bench
    params["notebooks"][STAGE]["power"] = edited
    assert (
        workflow.parameters_for(NOTEBOOKS_DIR / f"{TRUST_STAGE}.ipynb", params) == trust_parameters
    )
    results = run_stage(scratch, changed={"power": edited})
    written = [Path(name).name for name in model_outputs if name.endswith((".csv", ".json"))]
    changed = [
        name
        for name in written
        if (results / name).read_bytes() != (PROCESSED_DIR / name).read_bytes()
    ]
    assert [name for name in shared if name in changed] == []
    assert sorted(changed) == ["model_driver_statements.csv", "numbers_models.json"]
