"""A reused profile kernel: each run starts clean, the log stays quiet, shutdown is clean."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from helpers.errors import PipelineError
from helpers.report.profile_kernels import ProfileKernel, prepared_notebook


def _notebook() -> nbformat.NotebookNode:
    parameters = nbformat.v4.new_code_cell("value = 0")
    parameters.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        'assert "leftover" not in globals(), "the last run leaked"\nleftover = value\nvalue * 2'
    )
    notebook = nbformat.v4.new_notebook(cells=[parameters, body])
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    return notebook


def _result(executed: nbformat.NotebookNode) -> str:
    return executed.cells[-1].outputs[0]["data"]["text/plain"]


def test_a_reused_kernel_runs_each_notebook_clean_and_quietly(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    prepared = prepared_notebook(_notebook())
    kernel = ProfileKernel(tmp_path)
    try:
        kernel.start("import json")
        first = kernel.run(prepared, {"value": 1})
        second = kernel.run(prepared, {"value": 5})
        assert kernel.manager is not None and kernel.manager.has_kernel
    finally:
        kernel.shutdown()
    assert (_result(first), _result(second)) == ("2", "10")
    assert first.cells[0].source == prepared.cells[0].source  # the reset cell ran first
    assert kernel.manager is None and kernel.client is None
    log = capfd.readouterr()
    assert "KeyboardInterrupt" not in log.out + log.err
    assert "WARNING" not in log.out + log.err


def test_a_failed_warm_up_names_the_error(tmp_path: Path) -> None:
    kernel = ProfileKernel(tmp_path)
    try:
        kernel.start("import module_that_does_not_exist_anywhere")
        with pytest.raises(PipelineError, match="warm-up.*ModuleNotFoundError"):
            kernel.wait_until_warm()
    finally:
        kernel.shutdown()


def test_running_before_start_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="before it was started"):
        ProfileKernel(tmp_path).run(prepared_notebook(_notebook()), {"value": 1})
