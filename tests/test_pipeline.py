"""The papermill pipeline: ordering, incremental skipping, failure reporting, determinism."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers.errors import PipelineError
from helpers.pipeline import (
    PipelineLayout,
    discover_notebooks,
    notebook_source_fingerprint,
    run_pipeline,
)


def write_notebook(path: Path, *sources: str, parameters: str = "out_dir = ''") -> Path:
    """A small notebook: a tagged parameters cell, then the given code cells."""
    notebook = new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    cells = [new_code_cell(parameters), *(new_code_cell(source) for source in sources)]
    cells[0].metadata["tags"] = ["parameters"]
    for index, cell in enumerate(cells):
        cell["id"] = f"c{index}"
    notebook.cells = cells
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def make_layout(tmp_path: Path) -> PipelineLayout:
    """A miniature project: notebooks, processed folder, params file and helper code."""
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "code.py").write_text("VALUE = 1\n")
    (tmp_path / "sources.yaml").write_text("sources: []\n")
    processed = tmp_path / "processed"
    processed.mkdir()
    (tmp_path / "params.yaml").write_text(
        "common:\n  seed: 1\n  first_year: '2022/23'\n  last_year: '2025/26'\n"
        f"notebooks:\n  01_write_table:\n    out_dir: '{processed}'\n"
        f"  02_read_table:\n    out_dir: '{processed}'\n"
    )
    return PipelineLayout(
        notebooks_dir=tmp_path / "notebooks",
        processed_dir=processed,
        params_file=tmp_path / "params.yaml",
        helpers_dir=tmp_path / "helpers",
        raw_inputs=(tmp_path / "sources.yaml",),
        build_dir=tmp_path / ".build",
    )


@pytest.fixture()
def project(tmp_path: Path) -> PipelineLayout:
    layout = make_layout(tmp_path)
    write_notebook(
        layout.notebooks_dir / "01_write_table.ipynb",
        "from pathlib import Path\n"
        "Path(out_dir, 'table.csv').write_text('a\\n1\\n')\n"
        "print('wrote')",
    )
    write_notebook(
        layout.notebooks_dir / "02_read_table.ipynb",
        "from pathlib import Path\nprint(Path(out_dir, 'table.csv').read_text().split())",
    )
    return layout


def test_notebooks_are_found_in_numeric_order_and_others_ignored(tmp_path: Path) -> None:
    for name in ["10_model.ipynb", "02_clean.ipynb", "00_inventory.ipynb", "notes.ipynb"]:
        write_notebook(tmp_path / name)
    assert [p.name for p in discover_notebooks(tmp_path)] == [
        "00_inventory.ipynb",
        "02_clean.ipynb",
        "10_model.ipynb",
    ]


def test_duplicate_stage_numbers_are_refused(tmp_path: Path) -> None:
    write_notebook(tmp_path / "01_a.ipynb")
    write_notebook(tmp_path / "01_b.ipynb")
    with pytest.raises(PipelineError, match=r"share the number\(s\) \['01'\]"):
        discover_notebooks(tmp_path)


def test_fingerprint_ignores_outputs_but_not_sources(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "01_x.ipynb", "print(1)")
    before = notebook_source_fingerprint(path)
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nbformat.write(notebook, path)
    assert notebook_source_fingerprint(path) == before
    write_notebook(path, "print(2)")
    assert notebook_source_fingerprint(path) != before


@pytest.mark.slow
def test_second_run_skips_every_stage_and_changes_nothing(project: PipelineLayout) -> None:
    messages: list[str] = []
    first = run_pipeline(layout=project, report=messages.append)
    assert [r.name for r in first] == ["01_write_table", "02_read_table"]
    assert [r.status for r in first] == ["ran", "ran"]
    assert first[0].outputs.keys() == {"table.csv"}
    executed = {p.name: p.read_bytes() for p in project.notebooks_dir.glob("*.ipynb")}
    assert "['a', '1']" in executed["02_read_table.ipynb"].decode()

    second = run_pipeline(layout=project, report=messages.append)
    assert [r.status for r in second] == ["skipped", "skipped"]
    assert {p.name: p.read_bytes() for p in project.notebooks_dir.glob("*.ipynb")} == executed
    assert "[1/2] 01_write_table: skipped (inputs unchanged)" in messages

    forced = run_pipeline(layout=project, force=True, report=messages.append)
    assert [r.status for r in forced] == ["ran", "ran"]
    assert forced[0].outputs.keys() == {"table.csv"}  # rewritten with identical bytes
    assert {p.name: p.read_bytes() for p in project.notebooks_dir.glob("*.ipynb")} == executed


@pytest.mark.slow
def test_changed_helper_code_or_lost_output_reruns(project: PipelineLayout) -> None:
    run_pipeline(layout=project, report=lambda _: None)
    project.state_file.unlink()  # as on a fresh clone: outputs present, no record of them
    assert run_pipeline(layout=project, report=lambda _: None)[0].outputs.keys() == {"table.csv"}
    (project.helpers_dir / "code.py").write_text("VALUE = 2\n")
    assert [r.status for r in run_pipeline(layout=project, report=lambda _: None)] == ["ran", "ran"]
    (project.processed_dir / "table.csv").unlink()
    statuses = [r.status for r in run_pipeline(layout=project, report=lambda _: None)]
    assert statuses == ["ran", "skipped"]  # output restored with identical bytes
    assert (project.processed_dir / "table.csv").read_text() == "a\n1\n"


@pytest.mark.slow
def test_failing_notebook_names_notebook_cell_and_error(project: PipelineLayout) -> None:
    write_notebook(
        project.notebooks_dir / "02_read_table.ipynb",
        "x = 1",
        "raise ValueError('column icb_code missing')",
    )
    committed = (project.notebooks_dir / "02_read_table.ipynb").read_bytes()
    with pytest.raises(PipelineError) as caught:
        run_pipeline(layout=project, report=lambda _: None)
    message = str(caught.value)
    assert "notebook 02_read_table failed in cell" in message
    assert "raise ValueError('column icb_code missing')" in message
    assert "ValueError: column icb_code missing" in message
    assert (project.notebooks_dir / "02_read_table.ipynb").read_bytes() == committed
    assert (project.build_dir / "failed" / "02_read_table.ipynb").is_file()
    assert not list(project.processed_dir.glob(".*"))  # no temporary left behind


def test_parameter_not_declared_by_the_notebook_is_refused(project: PipelineLayout) -> None:
    project.params_file.write_text(project.params_file.read_text() + "  03_extra:\n    typo: 1\n")
    write_notebook(project.notebooks_dir / "03_extra.ipynb", "print(1)")
    with pytest.raises(PipelineError, match=r"notebooks.03_extra sets \['typo'\]"):
        run_pipeline(layout=project, report=lambda _: None)
