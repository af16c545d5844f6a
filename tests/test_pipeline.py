"""The papermill pipeline: declared stages, skipping, parallel runs, staging, verification, lock."""

from __future__ import annotations

import ast
import errno
import hashlib
import os
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers import pipeline, prefetch
from helpers.errors import AcquisitionError, PipelineError
from helpers.pipeline import (
    PipelineLayout,
    StageFailedError,
    build_lock,
    code_dependencies,
    declared_parameters,
    discover_notebooks,
    load_stages,
    notebook_source_fingerprint,
    run_pipeline,
)

RAW = b"value\n1\n"


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


def write_catalogue(root: Path, content: bytes = RAW) -> None:
    """A one-file raw catalogue (dataset 'toy') with the file already in place."""
    raw = root / "raw" / "toy" / "values.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_bytes(content)
    (root / "sources.yaml").write_text(
        "sources:\n"
        "- dataset_id: toy\n"
        "  file: toy/values.csv\n"
        "  origin: mirrored\n"
        f"  sha256: {hashlib.sha256(content).hexdigest()}\n"
        "  url: https://example.invalid/toy/values.csv\n"
        "  official_source: a test fixture\n"
        "  licence: CC0\n"
        "  reader: csv\n"
    )


def make_layout(tmp_path: Path, stages: str) -> PipelineLayout:
    """A miniature project: notebooks, a helper package, processed folder, params, stages."""
    package = tmp_path / "notebooks" / "toyhelpers"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "used.py").write_text("from toyhelpers import deeper\nVALUE = deeper.VALUE\n")
    (package / "deeper.py").write_text("VALUE = 1\n")
    (package / "unused.py").write_text("VALUE = 2\n")
    write_catalogue(tmp_path)
    processed = tmp_path / "processed"
    processed.mkdir()
    (tmp_path / "params.yaml").write_text(
        "common:\n  seed: 1\n  first_year: '2022/23'\n  last_year: '2025/26'\n"
        f"  out_dir: '{processed}'\nnotebooks: {{}}\n"
    )
    (tmp_path / "stages.yaml").write_text(stages)
    return PipelineLayout(
        root=tmp_path,
        notebooks_dir=tmp_path / "notebooks",
        processed_dir=processed,
        params_file=tmp_path / "params.yaml",
        stages_file=tmp_path / "stages.yaml",
        helpers_dir=package,
        sources_file=tmp_path / "sources.yaml",
        raw_dir=tmp_path / "raw",
        report_dir=tmp_path / "report",
        build_dir=tmp_path / ".build",
    )


STAGES = """stages:
  01_write_table:
    raw: [toy]
    writes: [table.csv]
  02_read_table:
    reads: [table.csv]
    writes: [summary.csv]
  03_independent:
    writes: [other.csv]
"""


@pytest.fixture()
def project(tmp_path: Path) -> PipelineLayout:
    """Three stages: 01 -> 02 through table.csv, and 03 independent of both."""
    layout = make_layout(tmp_path, STAGES)
    write_notebook(
        layout.notebooks_dir / "01_write_table.ipynb",
        STAGED + "from pathlib import Path\nimport toyhelpers.used\n"
        "Path(staged, 'table.csv').write_text('a\\n1\\n')\nprint('wrote')",
    )
    write_notebook(
        layout.notebooks_dir / "02_read_table.ipynb",
        STAGED + "from pathlib import Path\ntext = Path(out_dir, 'table.csv').read_text()\n"
        "Path(staged, 'summary.csv').write_text(text.upper())\nprint(text.split())",
    )
    write_notebook(
        layout.notebooks_dir / "03_independent.ipynb",
        STAGED + "from pathlib import Path\nPath(staged, 'other.csv').write_text('b\\n2\\n')",
    )
    return layout


#: What a stage's notebook does instead of helpers.io: write into the staging folder.
STAGED = "import os\nstaged = os.environ.get('ICSFIN_STAGING_DIR', out_dir)\n"


def quiet(_: str) -> None:
    """Swallow progress messages."""


# ---------------------------------------------------------------- declarations (no execution)


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


def test_declarations_are_read_and_ordered(project: PipelineLayout) -> None:
    stages = load_stages(project)
    assert [stage.name for stage in stages] == ["01_write_table", "02_read_table", "03_independent"]
    assert stages[0].raw == ("toy",) and stages[0].writes == ("table.csv",)
    assert pipeline.upstream_of(stages[1], stages) == {"01_write_table"}
    assert pipeline.upstream_of(stages[2], stages) == set()


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ("stages:\n  01_write_table: {}\n  02_read_table: {}\n", r"\['03_independent'\] have no"),
        (STAGES + "  04_ghost: {}\n", r"\['04_ghost'\] are declared but"),
        (STAGES.replace("raw: [toy]", "rows: [toy]"), r"unknown key\(s\) \['rows'\]"),
        (STAGES.replace("[other.csv]", "[table.csv]"), "table.csv is declared as written by both"),
        (STAGES.replace("reads: [table.csv]", "reads: [nothing.csv]"), "no stage writes"),
        (
            STAGES.replace("raw: [toy]", "reads: [summary.csv]"),
            r"read each other \(a cycle\)",
        ),
        ("stages: [01_write_table]\n", "expected a top-level 'stages' mapping"),
        (
            STAGES.replace("raw: [toy]", "prefetch: [healthyr.load(table)]"),
            r"stages.01_write_table.prefetch: 'healthyr.load\(table\)': expected a reader call",
        ),
        (
            STAGES.replace("raw: [toy]", "prefetch: ['nosuch.load()']"),
            r"01_write_table.prefetch: nosuch.load\(\): no reader module 'nosuch'",
        ),
    ],
    ids=[
        "undeclared",
        "no-notebook",
        "unknown-key",
        "written-twice",
        "unwritten-read",
        "cycle",
        "not-a-mapping",
        "prefetch-not-literal",
        "prefetch-unknown-reader",
    ],
)
def test_bad_declarations_are_refused_naming_the_stage(
    project: PipelineLayout, stages: str, message: str
) -> None:
    project.stages_file.write_text(stages)
    with pytest.raises(PipelineError, match=message):
        load_stages(project)


def test_code_dependencies_follow_imports_transitively(project: PipelineLayout) -> None:
    notebook = project.notebooks_dir / "01_write_table.ipynb"
    used = code_dependencies(notebook, project.helpers_dir)
    assert sorted(used) == ["toyhelpers", "toyhelpers.deeper", "toyhelpers.used"]
    assert (
        code_dependencies(project.notebooks_dir / "03_independent.ipynb", project.helpers_dir) == {}
    )


def test_the_real_notebooks_depend_on_their_readers() -> None:
    layout = PipelineLayout()
    panel = code_dependencies(layout.notebooks_dir / "01_build_icb_panel.ipynb", layout.helpers_dir)
    datasets = pipeline.reader_datasets(panel, layout.helpers_dir)
    assert {"geographr", "healthyr", "icb_allocations", "weighted_population"} <= datasets
    model = code_dependencies(
        layout.notebooks_dir / "03_model_deficit_drivers.ipynb", layout.helpers_dir
    )
    assert "helpers.models" in model and "helpers.readers.healthyr" not in model


def test_every_declared_prefetch_call_is_one_the_stage_makes() -> None:
    """A prefetch list is a copy of calls that live in the helpers: each must still be there,
    with the same arguments, in a module the stage uses."""
    layout = PipelineLayout()
    declared = 0
    for stage in load_stages(layout):
        made: set[prefetch.ReaderCall] = set()
        for path in code_dependencies(stage.notebook, layout.helpers_dir).values():
            made |= prefetch.calls_in(ast.parse(path.read_text(encoding="utf-8")))
        assert set(stage.prefetch) <= made, set(stage.prefetch) - made
        assert len(set(stage.prefetch)) == len(stage.prefetch)  # each call once
        declared += len(stage.prefetch)
    assert declared >= 10  # the panel stage's raw tables


def test_real_stage_declarations_are_consistent() -> None:
    stages = load_stages(PipelineLayout())
    by_name = {stage.name: stage for stage in stages}
    assert set(by_name["04_describe_workforce"].reads) <= set(by_name["01_build_icb_panel"].writes)
    assert pipeline.upstream_of(by_name["04_describe_workforce"], stages) == {"01_build_icb_panel"}
    assert pipeline.upstream_of(by_name["05_check_claims"], stages) == {"01_build_icb_panel"}


def test_fingerprint_ignores_outputs_but_not_sources(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "01_x.ipynb", "print(1)")
    before = notebook_source_fingerprint(path)
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nbformat.write(notebook, path)
    assert notebook_source_fingerprint(path) == before
    write_notebook(path, "print(2)")
    assert notebook_source_fingerprint(path) != before


def test_declared_parameters_match_papermill(tmp_path: Path) -> None:
    import papermill

    path = write_notebook(
        tmp_path / "01_x.ipynb",
        "y = 2",
        parameters="a = 1\nb: int = 2\n%matplotlib inline\nc = [1,\n 2]",
    )
    assert (
        declared_parameters(path) == set(papermill.inspect_notebook(str(path))) == {"a", "b", "c"}
    )


def test_parameter_not_declared_by_the_notebook_is_refused(project: PipelineLayout) -> None:
    project.params_file.write_text(
        project.params_file.read_text().replace(
            "notebooks: {}", "notebooks:\n  02_read_table:\n    typo: 1"
        )
    )
    with pytest.raises(PipelineError, match=r"notebooks.02_read_table sets \['typo'\]"):
        run_pipeline(layout=project, report=quiet)


# ------------------------------------------------------- verification, lock, leftovers, folders


def test_a_damaged_raw_file_stops_even_a_build_with_nothing_to_do(project: PipelineLayout) -> None:
    raw = project.raw_dir / "toy" / "values.csv"
    raw.write_bytes(RAW.replace(b"1", b"7"))
    with pytest.raises(AcquisitionError, match=r"toy/values.csv.*checksum mismatch"):
        run_pipeline(layout=project, report=quiet)
    assert not (project.processed_dir / "table.csv").exists()


def test_a_missing_raw_file_is_acquired_again_from_the_mirror(
    project: PipelineLayout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = tmp_path / "mirror" / "toy"
    mirror.mkdir(parents=True)
    (mirror / "values.csv").write_bytes(RAW)
    (project.raw_dir / "toy" / "values.csv").unlink()
    monkeypatch.setenv("ICSFIN_DATA_MIRROR", str(mirror.parent))
    hashes = pipeline.HashCache(project.build_dir / "hashes.json")
    verified = pipeline.verify_raw_inputs(project, hashes)
    assert verified == {"toy/values.csv": hashlib.sha256(RAW).hexdigest()}
    assert (project.raw_dir / "toy" / "values.csv").read_bytes() == RAW


def test_a_second_build_stops_naming_the_first(project: PipelineLayout) -> None:
    busy = rf"another build is running \(pid {os.getpid()}\)"
    with build_lock(project.build_dir), pytest.raises(PipelineError, match=busy):
        run_pipeline(layout=project, report=quiet)
    # released: the lock does not outlive its holder
    with build_lock(project.build_dir):
        pass


def test_leftovers_of_an_interrupted_build_are_removed(tmp_path: Path) -> None:
    layout = make_layout(tmp_path, "stages: {}\n")
    (layout.build_dir / "tmp-01_x-abc" / "processed").mkdir(parents=True)
    (layout.build_dir / "tmpq9z1").write_text("partial")
    (layout.build_dir / "pipeline_state.part").write_text("{")
    (layout.build_dir / "failed").mkdir()
    (layout.build_dir / "failed" / "01_old.ipynb").write_text("{}")
    assert run_pipeline(layout=layout, report=quiet) == []
    assert sorted(p.name for p in layout.build_dir.iterdir()) == ["hashes.json", "lock"]


def test_an_unwritable_output_folder_is_named(
    project: PipelineLayout, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_mkstemp = tempfile.mkstemp

    def full_disk(*args: object, **kwargs: object) -> tuple[int, str]:
        if Path(str(kwargs.get("dir", ""))) == project.processed_dir:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_mkstemp(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline.tempfile, "mkstemp", full_disk)
    with pytest.raises(PipelineError, match=rf"cannot write to {project.processed_dir}: No space"):
        run_pipeline(layout=project, report=quiet)


def test_failed_folder_is_mentioned_only_for_a_failed_notebook(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def config_error(**_: object) -> None:
        raise PipelineError("params.yaml: something is wrong")

    monkeypatch.setattr(pipeline, "run_pipeline", config_error)
    assert pipeline.main([]) == 1
    assert ".build/failed" not in capsys.readouterr().err

    def notebook_error(**_: object) -> None:
        raise StageFailedError("notebook 02 failed in cell 3", "/x/.build/failed/02.ipynb")

    monkeypatch.setattr(pipeline, "run_pipeline", notebook_error)
    assert pipeline.main([]) == 1
    assert "traceback is /x/.build/failed/02.ipynb" in capsys.readouterr().err


# ------------------------------------------------------------------ running (papermill kernels)


@pytest.mark.slow
def test_independent_stages_run_together_and_reruns_follow_declarations(
    project: PipelineLayout,
) -> None:
    messages: list[str] = []
    first = run_pipeline(layout=project, report=messages.append, jobs=2)
    assert [r.status for r in first] == ["ran", "ran", "ran"]
    assert first[0].outputs.keys() == {"table.csv"}
    assert (project.processed_dir / "summary.csv").read_text() == "A\n1\n"
    # 01 and 03 depend on nothing: both start before either finishes; 02 waits for 01
    started = [m for m in messages if m.endswith("running ...")]
    assert started[:2] == ["[1/3] 01_write_table: running ...", "[3/3] 03_independent: running ..."]
    assert messages.index("[2/3] 02_read_table: running ...") > min(
        i for i, m in enumerate(messages) if m.startswith("[1/3] 01_write_table: ran")
    )
    executed = {p.name: p.read_bytes() for p in project.notebooks_dir.glob("*.ipynb")}
    assert "['a', '1']" in executed["02_read_table.ipynb"].decode()

    second = run_pipeline(layout=project, report=quiet, jobs=2)
    assert [r.status for r in second] == ["skipped", "skipped", "skipped"]
    assert {p.name: p.read_bytes() for p in project.notebooks_dir.glob("*.ipynb")} == executed

    # helper code used by 01 only: 01 reruns, writes identical bytes, so 02 stays skipped
    (project.helpers_dir / "deeper.py").write_text("VALUE = 1  # same value\n")
    (project.helpers_dir / "unused.py").write_text("VALUE = 3\n")
    statuses = [r.status for r in run_pipeline(layout=project, report=quiet, jobs=2)]
    assert statuses == ["ran", "skipped", "skipped"]

    # a lost output reruns its stage; a hand-edited notebook is re-executed too
    (project.processed_dir / "other.csv").unlink()
    (project.notebooks_dir / "02_read_table.ipynb").write_bytes(
        executed["02_read_table.ipynb"].replace(b"['a', '1']", b"['edited']")
    )
    statuses = [r.status for r in run_pipeline(layout=project, report=quiet, jobs=2)]
    assert statuses == ["skipped", "ran", "ran"]
    assert {p.name: p.read_bytes() for p in project.notebooks_dir.glob("*.ipynb")} == executed

    forced = run_pipeline(layout=project, force=True, report=quiet, jobs=1)
    assert [r.status for r in forced] == ["ran", "ran", "ran"]
    assert {p.name: p.read_bytes() for p in project.notebooks_dir.glob("*.ipynb")} == executed


@pytest.mark.slow
def test_a_failing_stage_changes_nothing_and_names_notebook_cell_and_error(
    project: PipelineLayout,
) -> None:
    (project.processed_dir / "table.csv").write_text("old\n")
    write_notebook(
        project.notebooks_dir / "01_write_table.ipynb",
        STAGED + "from pathlib import Path\nPath(staged, 'table.csv').write_text('new\\n')",
        "raise ValueError('column icb_code missing')",
    )
    committed = (project.notebooks_dir / "01_write_table.ipynb").read_bytes()
    with pytest.raises(StageFailedError) as caught:
        run_pipeline(layout=project, report=quiet, jobs=2)
    message = str(caught.value)
    assert "notebook 01_write_table failed in cell 3" in message  # after the injected cell
    assert "raise ValueError('column icb_code missing')" in message
    assert "ValueError: column icb_code missing" in message
    # the stage wrote table.csv before failing: it stayed in staging, never landed
    assert (project.processed_dir / "table.csv").read_text() == "old\n"
    assert (project.notebooks_dir / "01_write_table.ipynb").read_bytes() == committed
    assert caught.value.failed_copy == str(project.failed_dir / "01_write_table.ipynb")
    assert sorted(p.name for p in project.failed_dir.iterdir()) == ["01_write_table.ipynb"]
    assert not list(project.build_dir.glob("tmp*"))
    assert (project.processed_dir / "other.csv").is_file()  # the independent stage still landed
    assert not (project.processed_dir / "summary.csv").exists()  # downstream never started


@pytest.mark.slow
def test_undeclared_or_missing_outputs_are_refused(project: PipelineLayout) -> None:
    write_notebook(
        project.notebooks_dir / "03_independent.ipynb",
        STAGED + "from pathlib import Path\nPath(staged, 'surprise.csv').write_text('b\\n2\\n')",
    )
    with pytest.raises(PipelineError, match=r"wrote \['surprise.csv'\], which stages.yaml does"):
        run_pipeline(layout=project, report=quiet, jobs=1)
    assert not (project.processed_dir / "surprise.csv").exists()


def test_single_threaded_numerics_sets_defaults_and_keeps_user_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Kernels inherit one BLAS thread unless the user chose otherwise."""
    for variable in pipeline.NUMERIC_THREAD_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    pipeline.single_threaded_numerics()
    assert os.environ["OMP_NUM_THREADS"] == "4"
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    assert os.environ["MKL_NUM_THREADS"] == "1"


@pytest.mark.slow
def test_notebook_kernels_receive_the_mirror_resolved_where_make_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A relative ICSFIN_DATA_MIRROR keeps meaning the folder it was given in, inside kernels."""
    (tmp_path / "shared/data").mkdir(parents=True)
    seen = tmp_path / "seen.txt"
    layout = make_layout(
        tmp_path / "project",
        "stages:\n  01_show_mirror:\n    writes: [mirror.txt]\n",
    )
    write_notebook(
        layout.notebooks_dir / "01_show_mirror.ipynb",
        STAGED + "import os\nfrom pathlib import Path\n"
        f"open({str(seen)!r}, 'w').write(os.environ['ICSFIN_DATA_MIRROR'])\n"
        "Path(staged, 'mirror.txt').write_text('seen')",
    )
    monkeypatch.setattr(pipeline, "PipelineLayout", lambda: layout)
    monkeypatch.chdir(tmp_path / "project")  # where make runs; the kernel runs in notebooks/
    monkeypatch.setenv("ICSFIN_DATA_MIRROR", "../shared/data")
    assert pipeline.main(["--no-render"]) == 0
    resolved = (tmp_path / "shared/data").resolve()
    assert seen.read_text() == str(resolved)
    assert f"mirror: {resolved} (ICSFIN_DATA_MIRROR='../shared/data')" in capsys.readouterr().out


def test_machine_details_are_stripped_from_outputs() -> None:
    """Object addresses and package install paths do not reach a committed notebook."""
    output = {
        "output_type": "stream",
        "name": "stderr",
        "text": "/any/where/.venv/lib/python3.11/site-packages/pandas/x.py:1: Warning\n",
    }
    pipeline.strip_machine_details(output)
    assert output["text"] == "<site-packages>/pandas/x.py:1: Warning\n"
    shown = {"output_type": "execute_result", "data": {"text/plain": "<Styler at 0x7f5bbb075c50>"}}
    pipeline.strip_machine_details(shown)
    assert shown["data"]["text/plain"] == "<Styler>"


@pytest.mark.slow
def test_alongside_work_runs_after_the_stages_under_the_lock(tmp_path: Path) -> None:
    """The profiles (``alongside``) start only once every stage has landed its outputs."""
    layout = make_layout(tmp_path / "project", "stages:\n  01_write:\n    writes: [done.txt]\n")
    write_notebook(
        layout.notebooks_dir / "01_write.ipynb",
        STAGED + "from pathlib import Path\nPath(staged, 'done.txt').write_text('yes')",
    )
    seen: list[tuple[bool, bool]] = []

    def alongside() -> None:
        landed = (layout.processed_dir / "done.txt").is_file()
        try:
            with pipeline.build_lock(layout.build_dir):
                locked = False
        except PipelineError:
            locked = True  # the build still holds the lock
        seen.append((landed, locked))

    results = run_pipeline(layout=layout, report=quiet, jobs=1, alongside=alongside)
    assert [r.status for r in results] == ["ran"]
    assert seen == [(True, True)]


@pytest.mark.slow
def test_alongside_work_starts_once_its_stage_has_landed(tmp_path: Path) -> None:
    """With ``alongside_after`` the profiles start when that stage is done, while later
    stages still run; a build whose stage fails never starts them."""
    layout = make_layout(
        tmp_path / "project",
        "stages:\n  01_first:\n    writes: [first.txt]\n"
        "  02_second:\n    reads: [first.txt]\n    writes: [second.txt]\n",
    )
    write_notebook(
        layout.notebooks_dir / "01_first.ipynb",
        STAGED + "from pathlib import Path\nPath(staged, 'first.txt').write_text('1')",
    )
    second = layout.notebooks_dir / "02_second.ipynb"
    write_notebook(
        second,
        STAGED + "import time\nfrom pathlib import Path\ntime.sleep(3)\n"
        "Path(staged, 'second.txt').write_text('2')",
    )
    seen: list[tuple[bool, bool]] = []

    def alongside() -> None:
        processed = layout.processed_dir
        seen.append(((processed / "first.txt").is_file(), (processed / "second.txt").is_file()))

    results = run_pipeline(
        layout=layout, report=quiet, jobs=1, alongside=alongside, alongside_after="01_first"
    )
    assert [r.status for r in results] == ["ran", "ran"]
    assert seen == [(True, False)]  # started after 01 landed, before 02 had
    write_notebook(second, STAGED + "raise ValueError('broken')")
    with pytest.raises(StageFailedError):
        run_pipeline(
            layout=layout, report=quiet, jobs=1, alongside=alongside, alongside_after="02_second"
        )
    assert len(seen) == 1  # the stage it waits for failed: not started
