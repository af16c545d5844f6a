"""The specification curves as Snakemake jobs (helpers.curves): chunks that merge to the same
bytes whatever their number, and parameters files that hold only what each curve reads. (Apart
from test_engine.py so that pytest-xdist, which hands out whole files, runs them beside it.)"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from helpers import workflow
from helpers.paths import NOTEBOOKS_DIR, ROOT

MODEL = "03_model_deficit_drivers"


# --- chunks ---------------------------------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.parametrize("kind", ["trust", "icb"])
def test_curve_chunks_merge_to_the_same_table_byte_for_byte(tmp_path: Path, kind: str) -> None:
    """The build fits each curve in 2 chunks side by side (workflow/rules/curves.smk's
    default); Snakemake fitting it in one chunk gives the same bytes once merged."""
    from helpers import curves

    built = ROOT / ".build" / "curves" / f"{kind}.parquet"
    if not built.is_file():
        pytest.fail(f"{built} missing: run make report first")
    one_chunk, merged = f".build/curves/{kind}-0-of-1.parquet", tmp_path / "merged.parquet"
    try:  # `all` too: nothing else to do, as the build is up to date
        subprocess.run(
            [*workflow.SNAKEMAKE, "--cores", "2", "--quiet", "all", "--notemp", one_chunk],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        curves.merge([ROOT / one_chunk], merged)
    finally:
        (ROOT / one_chunk).unlink(missing_ok=True)
    assert merged.read_bytes() == built.read_bytes()
    assert pd.read_parquet(built)["spec_id"].is_monotonic_increasing  # chunks joined in order


# --- parameters ---------------------------------------------------------------------------------


def test_a_parameter_the_curve_does_not_read_leaves_its_parameters_file_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Notebook 03's power changes notebook 03's parameters file, not its curve's: the curve's
    chunks are not refitted (the edit loop)."""
    from helpers import curves
    from helpers.config import load_params

    monkeypatch.setattr(workflow, "PARAMS_DIR", tmp_path)
    params = load_params()

    def written(name: str, only: tuple[str, ...] | None = None) -> Path:
        path = workflow.params_file(MODEL, params, only=only, name=name)
        return ROOT / path if not Path(path).is_absolute() else Path(path)

    curve, stage = written("curve-icb", curves.PARAMETERS["icb"]), written(MODEL)
    assert set(json.loads(curve.read_text())) == set(curves.PARAMETERS["icb"])
    os.utime(curve, ns=(1, 1))
    os.utime(stage, ns=(1, 1))
    params["notebooks"][MODEL]["power"] = 0.81
    written("curve-icb", curves.PARAMETERS["icb"])
    written(MODEL)
    assert curve.stat().st_mtime_ns == 1 and stage.stat().st_mtime_ns > 1
    params["notebooks"][MODEL]["years"] = ["2023/24", "2024/25"]
    written("curve-icb", curves.PARAMETERS["icb"])
    assert curve.stat().st_mtime_ns > 1


@pytest.mark.realdata
@pytest.mark.parametrize("kind", ["trust", "icb"])
def test_a_curve_needs_only_the_parameters_it_declares(kind: str) -> None:
    """helpers.curves.PARAMETERS lists every parameter curve_inputs reads (a KeyError here
    would mean a parameter change that does not refit the curve)."""
    from helpers import curves
    from helpers.config import load_params

    stage = curves.STAGES[kind]
    values = workflow.parameters_for(NOTEBOOKS_DIR / f"{stage}.ipynb", load_params())
    only = {key: values[key] for key in curves.PARAMETERS[kind]}
    base, choices = curves.curve_inputs(kind, only)
    assert len(base.data) and choices
