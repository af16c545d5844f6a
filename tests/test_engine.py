"""The Snakemake workflow: declared inputs, errors that name the rule, notebook and cell, a
damaged raw file caught by its SHA-256, safe exploration, and no process left behind when the
build is interrupted."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from helpers import workflow
from helpers.data import acquire, io
from helpers.paths import NOTEBOOKS_DIR, PROCESSED_DIR, RESULTS_VARIABLE, ROOT

MODEL = "03_model_deficit_drivers"


def notebook_file(path: Path, *sources: str) -> Path:
    """A notebook of code cells, the first tagged ``parameters``."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "language": "python",
        "display_name": "Python 3",
    }
    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    cells[0].metadata["tags"] = ["parameters"]
    notebook.cells = cells
    nbformat.write(notebook, path)
    return path


def run(tmp_path: Path, notebook: Path, parameters: dict | None = None) -> tuple[int, str]:
    """Run ``notebook`` as a rule's job does; return the exit status and stderr."""
    params = tmp_path / "params.yaml"
    if parameters is not None:
        params.write_text(json.dumps(parameters))
    command = [sys.executable, "-m", "helpers.workflow", "notebook", "toy_rule", str(notebook)]
    command += [str(tmp_path / "out.ipynb"), str(params), str(tmp_path / "job.log")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    return done.returncode, done.stderr


# --- declared inputs ------------------------------------------------------------------------------


def test_registries_and_params_are_inputs_of_the_stages_that_use_them() -> None:
    from helpers.config import load_params

    params = load_params()
    model = workflow.stage_inputs(MODEL, params, reads=["icb_year.parquet"])
    assert "src/helpers/panel/variables.csv" in model["registries"]
    assert (
        "src/helpers/analysis/models.py" in model["code"]
        and "src/helpers/paths.py" in model["code"]
    )
    assert model["params"] == f".build/params/{MODEL}.yaml"
    assert model["reads"] == [".build/processed/icb_year.parquet"]
    inventory = workflow.stage_inputs("00_inventory_sources", params, raw=["all"])
    assert "src/helpers/panel/variables.csv" not in inventory["registries"]
    assert "data/raw/curated/claims.csv" in inventory["raw"]
    written = json.loads((ROOT / model["params"]).read_text())
    assert written["power"] == params["notebooks"][MODEL]["power"]
    assert written["seed"] == params["common"]["seed"]


def test_the_profile_and_render_rules_declare_the_registries_their_code_reads() -> None:
    """The rules outside the stages take their code inputs from code_inputs, which adds the
    registries that code reads (the profiles' plain words come from all three)."""
    profiles = workflow.code_inputs("helpers.report.profile_pages")
    registries = [path for path in profiles if path.endswith(".csv")]
    assert registries == [
        "src/helpers/panel/derived_variables.csv",
        "src/helpers/panel/trust_variables.csv",
        "src/helpers/panel/variables.csv",
    ]
    assert "src/helpers/report/key_points.py" in profiles


def test_params_file_is_rewritten_only_when_its_values_change(tmp_path: Path) -> None:
    path = tmp_path / "stage.yaml"
    workflow.write_if_changed(path, "{}\n")
    os.utime(path, ns=(1, 1))
    workflow.write_if_changed(path, "{}\n")
    assert path.stat().st_mtime_ns == 1  # unchanged: Snakemake sees no newer input
    workflow.write_if_changed(path, '{"power": 0.81}\n')
    assert path.stat().st_mtime_ns > 1 and "0.81" in path.read_text()


def plan_while_changed(
    path: Path, change: Callable[[Path], object], target: str = "notebooks"
) -> str:
    """What a dry run of ``target`` plans while ``change`` has changed ``path``; the file's
    bytes and modification time are restored after."""
    content, stat = path.read_bytes(), path.stat()
    try:
        change(path)
        done = subprocess.run(
            [*workflow.SNAKEMAKE, "-n", "--cores", "1", target],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        path.write_bytes(content)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return done.stdout + done.stderr


def test_a_changed_variable_registry_reruns_the_stages_that_read_it() -> None:
    """A dry run after changing variables.csv (one blank line added): the stages importing
    helpers.panel.variables rerun, the inventory (which does not) does not. (Snakemake also compares
    small inputs' checksums, so a mere touch reruns nothing.)"""
    registry = ROOT / "src" / "helpers" / "panel" / "variables.csv"
    if not workflow.up_to_date(["notebooks"]):
        pytest.fail("the build is not up to date: run make report first")
    planned = plan_while_changed(registry, lambda path: path.write_bytes(path.read_bytes() + b"\n"))
    assert "model_deficit_drivers:" in planned and "build_icb_panel:" in planned
    assert "src/helpers/panel/variables.csv" in planned
    assert "inventory_sources:" not in planned


# --- errors ---------------------------------------------------------------------------------------


def test_a_syntax_error_names_the_rule_the_notebook_and_the_cell(tmp_path: Path) -> None:
    notebook = notebook_file(tmp_path / "toy.ipynb", "x = 1", "y = (x +", "z = 3")
    status, err = run(tmp_path, notebook, {"x": 2})
    assert status == 1
    first = err.strip().splitlines()[0]
    assert first.startswith(f"rule toy_rule: notebook {notebook} failed in cell 2 ('y = (x +')")
    assert "SyntaxError" in first and err.count("SyntaxError") == 1
    assert "Traceback" not in err and not (tmp_path / "out.ipynb").exists()
    assert "SyntaxError" in (tmp_path / "job.log").read_text()


def test_an_exception_names_the_cell_and_is_printed_once(tmp_path: Path) -> None:
    notebook = notebook_file(tmp_path / "toy.ipynb", "x = 1", "import math", "math.sqrt(-x)")
    status, err = run(tmp_path, notebook, {})
    assert status == 1
    assert "failed in cell 3 ('math.sqrt(-x)'): ValueError: math domain error" in err, err
    assert err.count("math domain error") == 1 and "Traceback" not in err


def test_a_failed_job_leaves_data_processed_as_it_was_and_no_partial_file(
    tmp_path: Path,
) -> None:
    """A job writes its processed files to .build/processed (publish copies them into
    data/processed only after every stage succeeded); a failing notebook leaves
    data/processed, its executed copy and every folder without a partial file."""
    name = f"engine_probe_{uuid.uuid4().hex}.csv"
    before = {p.name: p.read_bytes() for p in PROCESSED_DIR.iterdir() if p.is_file()}
    notebook = notebook_file(
        tmp_path / "toy.ipynb",
        "x = 1",
        "import pandas as pd\nfrom helpers.data.io import write_processed",
        f"write_processed(pd.DataFrame({{'x': [x]}}), {name!r})",
        "raise RuntimeError('stopped half way')",
    )
    try:
        status, err = run(tmp_path, notebook, {"x": 2})
        assert status == 1 and "failed in cell 4" in err and "stopped half way" in err
        assert (workflow.BUILD_PROCESSED / name).is_file()  # where the job wrote it
    finally:
        (workflow.BUILD_PROCESSED / name).unlink(missing_ok=True)
    after = {p.name: p.read_bytes() for p in PROCESSED_DIR.iterdir() if p.is_file()}
    assert after == before
    assert not (tmp_path / "out.ipynb").exists()
    for folder in (PROCESSED_DIR, workflow.BUILD_PROCESSED, workflow.EXECUTED_DIR, tmp_path):
        assert not list(folder.glob("*.part")) and not list(folder.glob(".*.part")), folder


def test_a_processed_file_no_stage_declares_fails_the_job_and_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notebook that writes a processed file missing from WRITES (publish would never copy it)
    fails, naming the rule, the notebook, the file and where to declare it."""
    tag = uuid.uuid4().hex
    declared, stray = f"engine_declared_{tag}.csv", f"engine_stray_{tag}.csv"
    monkeypatch.setenv(workflow.DECLARED_VARIABLE, f"other.csv {declared}")
    write = "import pandas as pd\nfrom helpers.data.io import write_processed\n"
    write += "for name in names:\n    write_processed(pd.DataFrame({'x': [1]}), name)"
    try:
        status, err = run(
            tmp_path,
            notebook_file(tmp_path / "a.ipynb", "names = []", write),
            {"names": [declared]},
        )
        assert status == 0, err
        status, err = run(
            tmp_path,
            notebook_file(tmp_path / "b.ipynb", "names = []", write),
            {"names": [declared, stray]},
        )
        assert status == 1
        assert f"rule toy_rule: notebook {tmp_path / 'b.ipynb'} wrote ['{stray}'] to" in err
        assert "WRITES['b'] in workflow/rules/stages.smk" in err
        assert not (workflow.BUILD_PROCESSED / stray).exists()
    finally:
        for name in (declared, stray):
            (workflow.BUILD_PROCESSED / name).unlink(missing_ok=True)


def test_a_failure_before_any_cell_says_so(tmp_path: Path) -> None:
    notebook = notebook_file(tmp_path / "toy.ipynb", "x = 1")
    status, err = run(tmp_path, notebook)  # no parameters file
    assert status == 1
    assert "rule toy_rule: notebook" in err and "failed before its first cell ran" in err
    assert "FileNotFoundError" in err and "before any cell" not in err


@pytest.mark.realdata
def test_a_same_size_byte_flip_with_its_mtime_restored_stops_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = tmp_path / "raw"
    source = next(s for s in acquire.load_sources() if s.dataset_id == "ccg_icb_lookup")
    acquire.acquire_all()  # the verified raw files, as the build has them
    shutil.copytree(ROOT / "data" / "raw", raw)
    damaged = raw / source.file
    stat = damaged.stat()
    data = bytearray(damaged.read_bytes())
    data[100] ^= 0x01
    damaged.write_bytes(bytes(data))
    os.utime(damaged, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    monkeypatch.setattr(acquire, "RAW_DIR", raw)
    original = acquire.acquire_all
    monkeypatch.setattr(acquire, "acquire_all", lambda: original(raw_dir=raw))
    with pytest.raises(SystemExit):
        workflow.prepare()
    err = capsys.readouterr().err
    assert "BUILD STOPPED" in err and source.file in err and "sha256" in err.lower()


def published_folders(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """A built folder and a published one: one file the same, one changed, one new."""
    built, published = tmp_path / "built", tmp_path / "published"
    built.mkdir()
    published.mkdir()
    for name, text in (("same.csv", "a,b\n1,2\n"), ("changed.csv", "a\n3\n"), ("new.csv", "x\n")):
        (built / name).write_text(text, encoding="utf-8")
    (published / "same.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (published / "changed.csv").write_text("a\n4\n", encoding="utf-8")
    os.utime(published / "same.csv", (1_000_000, 1_000_000))
    return built, published, ["same.csv", "changed.csv", "new.csv"]


def test_publish_writes_only_the_files_whose_bytes_changed(tmp_path: Path) -> None:
    built, published, names = published_folders(tmp_path)
    manifest = tmp_path / "published.sha256"
    targets = [str(published / name) for name in names]
    written = workflow.publish([str(built / name) for name in names], targets, manifest)
    assert written == [str(published / "changed.csv"), str(published / "new.csv")]
    assert (published / "changed.csv").read_text(encoding="utf-8") == "a\n3\n"
    assert (published / "new.csv").read_text(encoding="utf-8") == "x\n"
    assert (published / "same.csv").stat().st_mtime == 1_000_000
    assert sorted(path.name for path in published.iterdir()) == sorted(names)  # no .part left
    hashes = [line.split()[0] for line in manifest.read_text(encoding="utf-8").splitlines()]
    assert hashes == [acquire.sha256_of(Path(target)) for target in targets]


def test_a_full_disk_while_publishing_leaves_data_processed_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All or none: the second changed file finds the disk full, so neither is published."""
    built, published, names = published_folders(tmp_path)
    before = {path.name: path.read_bytes() for path in published.iterdir()}
    copies, copy = [], shutil.copyfile

    def copy_until_the_disk_is_full(source: str, target: str) -> None:
        if copies:
            raise OSError(errno.ENOSPC, "No space left on device", target)
        copies.append(copy(source, target))

    monkeypatch.setattr(shutil, "copyfile", copy_until_the_disk_is_full)
    manifest = tmp_path / "published.sha256"
    with pytest.raises(OSError, match="No space left"):
        workflow.publish(
            [str(built / name) for name in names], [str(published / n) for n in names], manifest
        )
    assert copies and {path.name: path.read_bytes() for path in published.iterdir()} == before
    assert not manifest.exists()


def test_publish_is_forgotten_when_a_file_it_listed_is_missing_or_edited(tmp_path: Path) -> None:
    listed = tmp_path / "table.csv"
    listed.write_text("a\n1\n", encoding="utf-8")
    manifest = tmp_path / "published.sha256"
    line = f"{acquire.sha256_of(listed)}  {listed}\n"
    manifest.write_text(line, encoding="utf-8")
    workflow.forget_stale_publish(manifest)
    assert manifest.read_text(encoding="utf-8") == line  # every listed file as published
    listed.write_text("a\n2\n", encoding="utf-8")
    workflow.forget_stale_publish(manifest)
    assert not manifest.exists()
    manifest.write_text(line, encoding="utf-8")
    listed.unlink()
    workflow.forget_stale_publish(manifest)
    assert not manifest.exists()


def test_a_plain_build_publishes_again_when_its_list_is_forgotten() -> None:
    """make report's target (rule all) asks for publish's list, so once prepare() forgets it (a
    data/processed file deleted or edited by hand: the test above) a plain build publishes
    again, and nothing before publish reruns. (The list is moved aside, not a processed file
    edited: tests in other processes read data/processed meanwhile.)"""
    if not workflow.up_to_date(["all"]):
        pytest.fail("the build is not up to date: run make report first")
    planned = plan_while_changed(workflow.PUBLISHED, Path.unlink, "all")
    jobs = {
        line.split()[1].rstrip(":")
        for line in planned.splitlines()
        if line.startswith(("rule ", "checkpoint "))
    }
    assert "publish" in jobs and not jobs & {"model_deficit_drivers", "inventory_sources"}


# --- exploration ----------------------------------------------------------------------------------


def test_outside_the_workflow_processed_files_go_to_scratch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(RESULTS_VARIABLE, raising=False)
    target = io.staged(PROCESSED_DIR / "model_drivers.csv")
    assert target == ROOT / "notebooks" / "scratch" / "results" / "model_drivers.csv"
    monkeypatch.setenv(RESULTS_VARIABLE, "/tmp/elsewhere")
    with pytest.raises(ValueError, match="lies outside the repository"):
        io.staged(PROCESSED_DIR / "model_drivers.csv")


@pytest.mark.parametrize("folder", ["../../tmp", "/tmp", "~/results", "data/../..", "C:/x"])
def test_results_dir_outside_the_repository_is_refused(folder: str) -> None:
    from helpers.config import check_params, load_params

    params = load_params()
    assert check_params(params) == []
    params["notebooks"][MODEL]["results_dir"] = folder
    assert check_params(params) == [
        f"notebooks.{MODEL}.results_dir = {folder!r} is not a folder inside the repository, "
        "relative to its root"
    ]


@pytest.mark.parametrize("folder", ["data/processed", "notebooks/scratch/mine", "."])
def test_results_dir_inside_the_repository_is_accepted(folder: str) -> None:
    from helpers.config import check_params, load_params

    params = load_params()
    params["notebooks"][MODEL]["results_dir"] = folder
    assert check_params(params) == []


def test_scratch_notebooks_are_never_collected(tmp_path: Path) -> None:
    scratch = ROOT / "notebooks" / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    probe = notebook_file(scratch / f"probe-{uuid.uuid4().hex}.ipynb", "x = 1")
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "--collect-only",
                "-q",
                "--nbval",
                "-p",
                "no:cacheprovider",
                "notebooks",
                "tests/test_bench.py",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        probe.unlink()
    assert "test_bench.py" in done.stdout and probe.name not in done.stdout
    assert "notebooks/0" not in done.stdout  # sources are not collected either


# --- interruption ---------------------------------------------------------------------------------

SLOW_SNAKEFILE = """
rule all:
    output: "out.ipynb"
    shell: "exec {python} -m helpers.workflow notebook slow {notebook} {output} params.json job.log"
"""


def marked_processes(marker: str) -> list[int]:
    """Processes whose environment carries ``marker`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def cmdline(pid: int) -> bytes:
    """A process's command line ('' once it has gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux only)")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_an_interrupted_make_leaves_no_process_behind(tmp_path: Path, sig: int) -> None:
    """make -> helpers.workflow snakemake -> snakemake -> job -> kernel (a cell sleeping):
    SIGTERM or SIGKILL of make alone, or SIGINT to make's process group (Ctrl-C in a
    terminal; GNU make waits for its children on SIGINT), takes every one of them down
    within 10 s."""
    notebook = notebook_file(tmp_path / "slow.ipynb", "x = 1", "import time; time.sleep(120)")
    (tmp_path / "params.json").write_text("{}")
    (tmp_path / "Snakefile").write_text(
        SLOW_SNAKEFILE.replace("{python}", sys.executable).replace("{notebook}", str(notebook))
    )
    (tmp_path / "Makefile").write_text(
        f"build:\n\t{sys.executable} -m helpers.workflow snakemake --cores 1 -q all\n"
    )
    marker = f"ICSFIN_TEST_MARKER={uuid.uuid4().hex}"
    name, value = marker.split("=")
    make = subprocess.Popen(
        ["make", "-s", "-C", str(tmp_path), "build"],
        env={**os.environ, name: value},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not any(b"ipykernel" in cmdline(pid) for pid in marked_processes(marker)):
            assert time.monotonic() < deadline, "the kernel never started"
            time.sleep(0.5)
        time.sleep(2.0)  # the kernel reaches the sleeping cell
        assert len(marked_processes(marker)) >= 4  # make, snakemake, the job, the kernel
        if sig == signal.SIGINT:
            os.killpg(make.pid, sig)
        else:
            make.send_signal(sig)
        deadline = time.monotonic() + 10
        while marked_processes(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = marked_processes(marker)
        assert not left, f"processes left 10 s after {signal.Signals(sig).name}: {left}"
    finally:
        for pid in marked_processes(marker):
            os.kill(pid, signal.SIGKILL)


LOCKED_SNAKEFILE = """
rule slow:
    output: "table.csv"
    shell: "sleep 60 && echo a > {output}"

rule page:
    input: "table.csv"
    output: "page.html"
    shell: "cp {input} {output}"
"""


def test_a_second_build_while_one_runs_is_refused_by_snakemakes_lock(tmp_path: Path) -> None:
    """`make profile` during `make report` (the home-made runner took no lock): both run
    Snakemake through the same wrapper, without --nolock, and Snakemake's lock refuses a second
    run that would read what the first is writing."""
    assert "--nolock" not in (ROOT / "Makefile").read_text(encoding="utf-8")
    (tmp_path / "Snakefile").write_text(LOCKED_SNAKEFILE)
    wrapper = [sys.executable, "-m", "helpers.workflow", "snakemake", "--cores", "1"]
    first = subprocess.Popen(
        [*wrapper, "table.csv"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not list((tmp_path / ".snakemake" / "locks").glob("*")):
            assert time.monotonic() < deadline and first.poll() is None, "no lock was taken"
            time.sleep(0.2)
        second = subprocess.run(
            [*wrapper, "page.html"], cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
    finally:
        first.terminate()  # the wrapper stops Snakemake and its job (see the tests above)
        first.wait(20)
    assert second.returncode != 0 and "LockException" in second.stdout + second.stderr
    assert not (tmp_path / "page.html").exists()


# --- reruns: only what a change reaches ----------------------------------------------------------

CUTOFF_SNAKEFILE = """
checkpoint stage:
    input: "source.txt"
    output: "stage.txt"
    shell: "cut -c1 {input} > {output}"

rule after:
    input: "stage.txt"
    output: "after.txt"
    shell: "cat {input} > {output} && echo ran >> runs.log"
"""


def test_a_stage_whose_output_bytes_did_not_change_reruns_nothing_after_it(tmp_path: Path) -> None:
    """What the workflow's stages rely on (they are checkpoints, workflow/rules/stages.smk):
    Snakemake reruns the stage when its input changes, and the job after it only when the
    stage's output bytes changed (the checksum recorded at that job's last run), in the same
    invocation."""
    (tmp_path / "Snakefile").write_text(CUTOFF_SNAKEFILE)

    def build(source: str) -> list[str]:
        (tmp_path / "source.txt").write_text(source)
        command = [*workflow.SNAKEMAKE, "--cores", "1", "after.txt"]
        subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=True)
        return (tmp_path / "runs.log").read_text().split()

    assert build("a1\n") == ["ran"]
    time.sleep(0.05)  # a later modification time for the changed source
    assert build("a2\n") == ["ran"]  # the stage reran, its output is the same bytes: no rerun
    assert (tmp_path / "stage.txt").stat().st_mtime_ns > (tmp_path / "after.txt").stat().st_mtime_ns
    assert build("b1\n") == ["ran", "ran"]  # the stage's output changed: the job after it reran


def test_every_stage_and_publish_is_a_checkpoint(forced_plan: str) -> None:
    """So the cut-off above applies to every stage of the workflow (Snakemake's own plan of a
    forced build: each job is a checkpoint but the curves, the profiles and the render)."""
    checkpoints = {
        line.split()[1].rstrip(":")
        for line in forced_plan.splitlines()
        if line.startswith("checkpoint ")
    }
    rules = {
        line.split()[1].rstrip(":") for line in forced_plan.splitlines() if line.startswith("rule ")
    }
    assert len(checkpoints) == 10 and {"publish", "model_deficit_drivers"} <= checkpoints
    assert rules == {"curve_chunk", "curve_merge", "profiles", "render", "all"}


def test_no_job_declares_data_processed_as_its_output(forced_plan: str) -> None:
    """Snakemake deletes a job's outputs before it runs and after it fails: were the committed
    files of data/processed a job's outputs, a failed or interrupted publish would delete them.
    publish's output is the list of their SHA-256 instead (helpers.workflow.publish)."""
    outputs = [line.strip() for line in forced_plan.splitlines() if "    output: " in line]
    assert len(outputs) >= 10 and "output: .build/published.sha256" in outputs
    assert [line for line in outputs if "data/processed" in line] == []


def test_a_plain_build_asks_for_every_executed_notebook_and_publishs_list(
    forced_plan: str,
) -> None:
    """Snakemake reruns a job whose outputs are missing (an interrupted build removes them) only
    when something asks for them: make report's target (rule all) asks for the executed
    notebooks and publish's list, so a plain build restores them."""
    plan = forced_plan.split("\nrule all:\n", 1)[1]
    asked = plan.split("    input: ", 1)[1].splitlines()[0].split(", ")
    notebooks = sorted(path.name for path in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    assert [workflow.executed(Path(name).stem) for name in notebooks] == [
        name for name in asked if name.endswith(".ipynb")
    ]
    assert workflow.relative(workflow.PUBLISHED) in asked
