"""A relative ICSFIN_DATA_MIRROR keeps meaning the folder it was given in, inside the kernels."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers import pipeline


def one_stage_project(root: Path, source: str) -> pipeline.PipelineLayout:
    """A project with one notebook (parameters cell, then ``source``) and its params file."""
    notebook = new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    notebook.cells = [new_code_cell("seed = 0"), new_code_cell(source)]
    notebook.cells[0].metadata["tags"] = ["parameters"]
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"c{index}"
    (root / "notebooks").mkdir(parents=True)
    (root / "helpers").mkdir()
    (root / "processed").mkdir()
    nbformat.write(notebook, root / "notebooks" / "01_show_mirror.ipynb")
    (root / "params.yaml").write_text(
        "common:\n  seed: 1\n  first_year: '2022/23'\n  last_year: '2025/26'\nnotebooks: {}\n"
    )
    return pipeline.PipelineLayout(
        notebooks_dir=root / "notebooks",
        processed_dir=root / "processed",
        params_file=root / "params.yaml",
        helpers_dir=root / "helpers",
        raw_inputs=(),
        build_dir=root / ".build",
    )


@pytest.mark.slow
def test_notebook_kernels_receive_the_mirror_resolved_where_make_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "shared/data").mkdir(parents=True)
    seen = tmp_path / "seen.txt"
    layout = one_stage_project(
        tmp_path / "project",
        f"import os\nopen({str(seen)!r}, 'w').write(os.environ['ICSFIN_DATA_MIRROR'])",
    )
    monkeypatch.setattr(pipeline, "PipelineLayout", lambda: layout)
    monkeypatch.chdir(tmp_path / "project")  # where make runs; the kernel runs in notebooks/
    monkeypatch.setenv("ICSFIN_DATA_MIRROR", "../shared/data")
    assert pipeline.main(["--no-render"]) == 0
    resolved = (tmp_path / "shared/data").resolve()
    assert seen.read_text() == str(resolved)
    assert f"mirror: {resolved} (ICSFIN_DATA_MIRROR='../shared/data')" in capsys.readouterr().out


def test_pipeline_stops_at_once_on_a_mirror_that_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[str] = []
    monkeypatch.setattr(pipeline, "run_pipeline", lambda **_: ran.append("ran"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ICSFIN_DATA_MIRROR", "../shraed/data")
    assert pipeline.main(["--no-render"]) == 1
    err = capsys.readouterr().err
    assert f"mirror folder {(tmp_path / '../shraed/data').resolve()} does not exist" in err
    assert "ICSFIN_DATA_MIRROR='../shraed/data'" in err and ran == []
