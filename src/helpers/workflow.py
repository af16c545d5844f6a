"""What the Snakemake workflow (``Snakefile``) needs from Python.

- :func:`stage_inputs`: what a notebook stage reads (its rule's inputs).
- ``python -m helpers.workflow notebook RULE NOTEBOOK TARGET PARAMS LOG`` (the stage rules'
  command): :func:`run_notebook`, with the stage's processed files going to
  ``.build/processed/`` (``ICSFIN_RESULTS_DIR``).
- ``python -m helpers.workflow snakemake ARGS``: :func:`run_snakemake`, so that Snakemake and
  its jobs die with the process that started them (``make``).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import json
import os
import re
import signal
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from helpers.curves import CURVES_DIR, CURVES_VARIABLE
from helpers.errors import PipelineError
from helpers.paths import (
    BUILD_DIR,
    BUILD_PARAMS_DIR,
    BUILD_PROCESSED_DIR,
    NOTEBOOKS_DIR,
    RAW_DIR,
    REPORT_DIR,
    RESULTS_VARIABLE,
    ROOT,
    SOURCES_FILE,
)
from helpers.processes import die_with_parent, single_threaded, terminate_gracefully

# jsonschema (which nbformat imports) builds an IRI grammar on import when the optional
# rfc3987-syntax package is installed: 1.7 CPU-seconds in every job. Notebook validation never
# checks IRIs, so the workflow's processes go without it.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

HELPERS_DIR: Path = ROOT / "src" / "helpers"
#: Where the workflow's stages write their processed files; ``publish`` copies them into
#: ``data/processed/`` once every stage has succeeded.
BUILD_PROCESSED: Path = BUILD_PROCESSED_DIR
PARAMS_DIR: Path = BUILD_PARAMS_DIR
LOG_DIR: Path = BUILD_DIR / "logs"
#: What ``publish`` writes: the SHA-256 of each file it published into ``data/processed``.
PUBLISHED: Path = BUILD_DIR / "published.sha256"
#: Executed notebooks: build outputs, embedded by the report and checked by nbval.
EXECUTED_DIR: Path = REPORT_DIR / "notebooks"
#: Snakemake, run by this interpreter (on every platform).
SNAKEMAKE: tuple[str, ...] = (sys.executable, "-m", "snakemake")
INJECTED_TAG = "injected-parameters"
#: The processed files the stages declare (set by the Snakefile from ``WRITES``).
DECLARED_VARIABLE = "ICSFIN_PROCESSED_FILES"
IMPORT_FROM = re.compile(r"^[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+)", re.M)
IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w., \t]+)", re.M)
ALL_RAW = "all"
#: Kernel logs: only CRITICAL messages (no TCP warning, no interrupt noise at shutdown).
KERNEL_ARGUMENTS: list[str] = ["--IPKernelApp.log_level=CRITICAL"]
#: Text in outputs that depends on the machine, not the analysis.
MACHINE_DETAILS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r" at 0x[0-9a-f]+>"), ">"),
    (re.compile(r"/\S*?/site-packages/"), "<site-packages>/"),
)


def relative(path: Path) -> str:
    """``path`` relative to the repository root, as Snakemake names files (else absolute)."""
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(resolved)


# --------------------------------------------------------------------------- notebooks


def notebook_cells(path: Path) -> list[dict[str, Any]]:
    """The cells of a notebook as ``{"cell_type", "source", "tags"}`` (plain JSON reading)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError) as error:
        raise PipelineError(f"{path}: not a readable notebook ({error})") from error
    return [
        {
            "cell_type": cell.get("cell_type"),
            "source": "".join(cell.get("source", "")),  # a string, or a list of lines
            "tags": cell.get("metadata", {}).get("tags", []),
        }
        for cell in cells
    ]


def declared_parameters(notebook: Path) -> set[str]:
    """Names assigned at the top level of the notebook's cell tagged ``parameters``."""
    tagged = [cell for cell in notebook_cells(notebook) if "parameters" in cell["tags"]]
    if not tagged:
        return set()
    try:
        tree = ast.parse(tagged[0]["source"])
    except SyntaxError as error:
        raise PipelineError(
            f"{notebook}: the parameters cell is not valid Python: {error}"
        ) from error
    names: set[str] = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names.update(target.id for target in targets if isinstance(target, ast.Name))
    return names


def parameters_for(notebook: Path, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters papermill injects: the common and own values the notebook declares. A
    key of the notebook's own section that its parameters cell does not declare is an error (a
    typo would otherwise be ignored; ``helpers.config`` checks the values)."""
    from helpers.config import notebook_parameters

    declared = declared_parameters(notebook)
    own = params["notebooks"].get(notebook.stem) or {}
    undeclared = sorted(set(own) - declared)
    if undeclared:
        raise PipelineError(
            f"params.yaml: notebooks.{notebook.stem} sets {undeclared}, which the notebook's "
            f"parameters cell does not declare (declared: {sorted(declared)})"
        )
    merged = notebook_parameters(notebook.stem, params)
    return {key: value for key, value in sorted(merged.items()) if key in declared}


def write_if_changed(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` unless it already holds it (its mtime then stays)."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return path
    from helpers.data.io import atomic_write

    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def params_file(
    stage: str, params: dict[str, Any], only: Iterable[str] | None = None, name: str = ""
) -> str:
    """Write the stage's parameters (``only`` these, if given) to ``.build/params/<name or
    stage>.yaml`` (JSON, which YAML reads) when they changed; return its path for the rule's
    input."""
    try:
        values = parameters_for(NOTEBOOKS_DIR / f"{stage}.ipynb", params)
        if only is not None:
            values = {key: values[key] for key in only}
    except (PipelineError, KeyError) as error:  # a parameter the notebook does not declare
        print(f"BUILD STOPPED before any rule ran: {stage}: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    text = json.dumps(values, indent=1) + "\n"
    return relative(write_if_changed(PARAMS_DIR / f"{name or stage}.yaml", text))


def prepare(params_file: Path | None = None) -> dict[str, Any]:
    """What every build does first (the Snakefile calls it): check ``params.yaml`` with
    ``helpers.config.load_params`` (the check ``make check-params`` runs), resolve the data
    mirror, and acquire every raw file, verifying its SHA-256 (every run: a damaged file stops
    even a build with nothing to do). Returns the parameters; a problem prints one message
    and exits with status 1."""
    from helpers.config import load_params
    from helpers.data import acquire
    from helpers.errors import AcquisitionError, ConfigError

    try:
        params = load_params() if params_file is None else load_params(params_file)
        acquire.export_resolved_mirror()
        acquire.acquire_all()
        forget_stale_publish()
    except (AcquisitionError, ConfigError, PipelineError) as error:
        print(f"BUILD STOPPED before any rule ran: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    return params


# --------------------------------------------------------------------------- code and data


@functools.cache
def module_files() -> dict[str, Path]:
    """Module name -> source file for every module of the ``helpers`` package."""
    files: dict[str, Path] = {}
    for path in sorted(HELPERS_DIR.rglob("*.py")):
        parts = ["helpers", *path.relative_to(HELPERS_DIR).with_suffix("").parts]
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return files


def imported_modules(text: str) -> set[str]:
    """The helper modules (and the packages above them) that Python ``text`` imports, found by
    its import statements (a scan, not a parse: a cell with a syntax error still declares its
    imports, and the error is reported when the notebook runs)."""
    found: set[str] = set()
    for module, names in IMPORT_FROM.findall(text):
        found |= {module, *(f"{module}.{name}" for name in re.findall(r"\w+", names))}
    for listed in IMPORT.findall(text):
        found |= {name.split()[0] for name in listed.split(",") if name.strip()}
    packages = {".".join(n.split(".")[:i]) for n in found for i in range(1, n.count(".") + 2)}
    return packages & set(module_files())


@functools.cache
def _module_imports(path: Path) -> frozenset[str]:
    """The helper modules one file imports (read once per build)."""
    return frozenset(imported_modules(path.read_text(encoding="utf-8")))


def module_closure(texts: Iterable[str]) -> dict[str, Path]:
    """The helper modules that the Python ``texts`` import, followed through their imports."""
    files = module_files()
    pending, used = set().union(*map(imported_modules, texts)), {}
    while pending:
        name = pending.pop()
        if name not in used:
            used[name] = files[name]
            pending |= _module_imports(files[name]) - set(used)
    return dict(sorted(used.items()))


def code_inputs(*modules: str) -> list[str]:
    """Paths of the modules, the helper modules they import and the registries those read
    (:func:`registry_files`): a rule's code inputs."""
    closure = module_closure(f"import {m}" for m in modules)
    return [relative(path) for path in [*closure.values(), *registry_files(closure)]]


def registry_files(modules: dict[str, Path]) -> list[Path]:
    """The CSV registries beside the helpers (``variables.csv``, ...) that ``modules`` read:
    a module reads one when its source names the file or the ``helpers.paths`` constant
    holding it."""
    paths_source = (HELPERS_DIR / "paths.py").read_text(encoding="utf-8")
    constants = re.findall(r'^([A-Z_]+): Path = .*"([\w.]+\.csv)"', paths_source, re.M)
    texts = [p.read_text(encoding="utf-8") for n, p in modules.items() if n != "helpers.paths"]
    named = {file for constant, file in constants if any(constant in text for text in texts)}
    registries = sorted(HELPERS_DIR.rglob("*.csv"))
    return [file for file in registries if file.name in named or any(file.name in t for t in texts)]


@functools.cache
def _sources(sources_file: Path) -> tuple[Any, ...]:
    """The catalogue's sources (read once per build)."""
    from helpers.data.sources import load_sources

    return tuple(load_sources(sources_file))


def raw_files(datasets: Iterable[str], sources_file: Path = SOURCES_FILE) -> list[str]:
    """The raw files (``data/raw/...``) of dataset ids or file keys (``all``: every one)."""
    wanted = set(datasets)
    return sorted(
        relative(RAW_DIR / source.file)
        for source in _sources(sources_file)
        if ALL_RAW in wanted or source.dataset_id in wanted or source.file in wanted
    )


def stage_inputs(
    stage: str,
    params: dict[str, Any],
    raw: Iterable[str] = (),
    files: Iterable[str] = (),
    reads: Iterable[str] = (),
) -> dict[str, Any]:
    """The named inputs of a notebook stage's rule: the notebook, its parameters file
    (:func:`params_file`), the helper modules it imports (followed through their imports), the
    registries those modules read (:func:`registry_files`), the raw files of the readers it
    imports plus those declared (``raw``), other ``files`` and the processed tables it
    ``reads``."""
    notebook = NOTEBOOKS_DIR / f"{stage}.ipynb"
    cells = notebook_cells(notebook)
    modules = module_closure(cell["source"] for cell in cells if cell["cell_type"] == "code")
    prefix = "helpers.data.readers."
    readers = {name.removeprefix(prefix) for name in modules if name.startswith(prefix)}
    return {
        "notebook": relative(notebook),
        "params": params_file(stage, params),
        "code": [relative(path) for path in modules.values()],
        "registries": [relative(path) for path in registry_files(modules)],
        "raw": raw_files([*raw, *(r for r in readers if not r.startswith("_"))]),
        "files": list(files),
        "reads": processed(*reads),
    }


def processed(*names: str) -> list[str]:
    """Paths of the workflow's processed files (``.build/processed/<name>``)."""
    return [relative(BUILD_PROCESSED / name) for name in names]


def executed(stage: str) -> str:
    """Path of a stage's executed notebook (``report/notebooks/<stage>.ipynb``)."""
    return relative(EXECUTED_DIR / f"{stage}.ipynb")


def log(stage: str) -> str:
    """Path of a job's log (the kernel's detail and a failure's traceback)."""
    return relative(LOG_DIR / f"{stage}.log")


def report_sources(report_dir: Path = REPORT_DIR) -> list[str]:
    """The files of the report folder a render reads: its top-level files (article, Quarto
    configuration, bibliography, credits) and ``assets/``; not what the render writes."""
    top = [p for p in report_dir.iterdir() if p.is_file() and not p.name.startswith(("_", "."))]
    assets = [p for p in (report_dir / "assets").rglob("*") if p.is_file()]
    return [relative(path) for path in sorted(top) + sorted(assets)]


def publish(sources: Iterable[str], targets: Iterable[str], manifest: Path) -> list[str]:
    """Copy the workflow's processed files (``.build/processed``) whose bytes differ into
    ``data/processed``, all or none: each is first copied beside its target (a full disk stops
    the copying, and the copies are removed), then all are renamed into place; a file with the
    same bytes keeps its modification time. Then write ``manifest`` (the SHA-256 of every
    target, as ``sha256sum -c`` reads it: the rule's output, so that Snakemake, which deletes a
    job's outputs before it runs and after it fails, never deletes ``data/processed``). Returns
    the targets written."""
    import filecmp
    import shutil

    from helpers.data.acquire import sha256_of
    from helpers.data.io import give_user_permissions, temporary_beside

    pairs = [(Path(source), Path(target)) for source, target in zip(sources, targets, strict=True)]
    copies: dict[Path, Path] = {}
    try:
        for source, target in pairs:
            if not (target.is_file() and filecmp.cmp(source, target, shallow=False)):
                copy = temporary_beside(target)
                copies[copy] = target
                shutil.copyfile(source, copy)
                give_user_permissions(copy)
    except BaseException:
        for copy in copies:
            copy.unlink(missing_ok=True)
        raise
    for copy, target in copies.items():
        os.replace(copy, target)
    lines = [f"{sha256_of(target)}  {relative(target)}\n" for _, target in pairs]
    write_if_changed(manifest, "".join(lines))
    return [str(target) for target in copies.values()]


def forget_stale_publish(manifest: Path = PUBLISHED) -> None:
    """Delete ``manifest`` (what ``publish`` wrote) when a file it lists is missing from
    ``data/processed`` or has other bytes (deleted or edited by hand), so Snakemake publishes
    again: the rule's output is the manifest, not those files."""
    from helpers.data.acquire import sha256_of

    lines = manifest.read_text(encoding="utf-8").splitlines() if manifest.is_file() else []
    for digest, _, name in (line.partition("  ") for line in lines):
        if not (ROOT / name).is_file() or sha256_of(ROOT / name) != digest:
            manifest.unlink()
            return


# --------------------------------------------------------------------------- running


def up_to_date(targets: list[str]) -> bool:
    """Whether Snakemake has nothing to do for ``targets`` (files; a dry run): nbval skips the
    executed notebooks when so (``report/conftest.py``)."""
    import subprocess

    done = subprocess.run(
        [*SNAKEMAKE, "-n", "--cores", "1", *(relative(Path(t)) for t in targets)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode == 0 and "Nothing to be done" in done.stdout + done.stderr


def run_snakemake(arguments: list[str]) -> int:
    """Run Snakemake in a process group of its own and take the whole group down (its jobs,
    whose kernels stop with them) when this process is interrupted, terminated, or its parent
    (``make``) dies: SIGINT to the group, then SIGKILL to what is left after a few seconds.
    Snakemake itself lets running jobs finish on SIGTERM and does not stop them on SIGINT."""
    import subprocess

    die_with_parent()
    terminate_gracefully()
    group = hasattr(os, "killpg")  # POSIX; elsewhere Snakemake alone is terminated
    process = subprocess.Popen([*SNAKEMAKE, *arguments], start_new_session=group)
    try:
        return process.wait()
    except KeyboardInterrupt:
        for sig, seconds in ((signal.SIGINT, 6.0), (getattr(signal, "SIGKILL", None), 2.0)):
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                if group:
                    os.killpg(process.pid, sig)
                else:
                    process.terminate()
                process.wait(seconds)
        print("build interrupted: every job stopped", file=sys.stderr)
        return 130


def _without_machine_details(text: str) -> str:
    """``text`` (nbformat holds outputs' text as one string) with :data:`MACHINE_DETAILS`
    replaced."""
    for pattern, replacement in MACHINE_DETAILS:
        text = pattern.sub(replacement, text)
    return text


def sanitize_notebook(notebook: Any, parameters: dict[str, Any]) -> None:
    """Strip the volatile metadata papermill and the kernel add, in place."""
    notebook.metadata["papermill"] = {"parameters": parameters}
    for cell in notebook.cells:
        metadata = cell.get("metadata", {})
        metadata.pop("papermill", None)
        metadata.pop("execution", None)
        if INJECTED_TAG in metadata.get("tags", []):
            cell["id"] = INJECTED_TAG
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = _without_machine_details(output["text"])
            data = output.get("data", {})
            if "text/plain" in data:
                data["text/plain"] = _without_machine_details(data["text/plain"])


def failure_message(rule: str, notebook: Path, error: BaseException, injected: bool = False) -> str:
    """One line naming the rule, the notebook, the cell (numbered from 1 as in the source
    notebook, with its first line: papermill's error carries its index and source) and the
    exception. ``injected``: papermill added a parameters cell after the one tagged
    ``parameters`` (its indices count it)."""
    ename = getattr(error, "ename", None) or type(error).__name__
    evalue = getattr(error, "evalue", None) or str(error)
    where = f"rule {rule}: notebook {relative(notebook)}"
    if isinstance(error, PipelineError):  # every cell ran; what the notebook left is wrong
        return f"{where} {error}"
    index = getattr(error, "cell_index", None)
    if index is None:
        return f"{where} failed before its first cell ran: {ename}: {evalue}"
    tags = [cell["tags"] for cell in notebook_cells(notebook)]
    if injected and index > next((i for i, t in enumerate(tags) if "parameters" in t), -1):
        index -= 1
    lines = [line for line in error.source.strip().splitlines() if not line.startswith("#|")]
    return f"{where} failed in cell {index + 1} ({(lines or [''])[0]!r}): {ename}: {evalue}"


def refuse_undeclared(notebook: Path, since: float) -> None:
    """Raise PipelineError naming the files the notebook wrote to the processed folder since
    ``since`` that no stage declares (``$ICSFIN_PROCESSED_FILES``, which the Snakefile sets
    from ``WRITES``), after deleting them: publish would never copy them into data/processed."""
    declared = os.environ.get(DECLARED_VARIABLE)
    if declared is None:  # outside the workflow
        return
    written = [path for path in BUILD_PROCESSED.glob("[!.]*") if path.stat().st_mtime >= since]
    stray = sorted(path.name for path in written if path.name not in declared.split())
    if stray:
        for name in stray:
            (BUILD_PROCESSED / name).unlink()
        raise PipelineError(
            f"wrote {stray} to data/processed, which no stage declares: add each to "
            f"WRITES['{notebook.stem}'] in workflow/rules/stages.smk"
        )


def run_notebook(
    rule: str, notebook: Path, target: Path, parameters_file: Path, log_file: Path
) -> int:
    """Execute ``notebook`` with papermill (parameters from ``parameters_file``, a JSON mapping)
    into ``target``; return the exit status, printing one message naming the rule, notebook
    and cell on failure (the traceback goes to ``log_file``)."""
    import logging
    import time

    started, started_at = time.perf_counter(), time.time()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("w", encoding="utf-8") as log_handle:
        logging.basicConfig(stream=log_handle, level=logging.ERROR, force=True)
        parameters: dict[str, Any] = {}
        try:
            import nbformat
            import papermill

            from helpers.data.io import atomic_write

            parameters = json.loads(parameters_file.read_text(encoding="utf-8"))
            result = papermill.execute_notebook(
                str(notebook),
                None,
                parameters=parameters,
                kernel_name="python3",
                cwd=str(notebook.parent),
                progress_bar=False,
                extra_arguments=KERNEL_ARGUMENTS,
                coalesce_streams=True,  # one stdout and one stderr output per cell
                stdout_file=log_handle,
                stderr_file=log_handle,
            )
            sanitize_notebook(result, parameters)
            refuse_undeclared(notebook, started_at)
            atomic_write(target, lambda tmp: nbformat.write(result, tmp))
        except BaseException as error:  # every failure, even an interrupt, gets one line
            message = failure_message(rule, notebook, error, injected=bool(parameters))
            traceback = getattr(error, "traceback", None)
            print(message, *(traceback or []), sep="\n", file=log_handle)
            print(f"{message}\n  (details: {relative(log_file)})", file=sys.stderr)
            return 130 if isinstance(error, KeyboardInterrupt) else 1
    seconds = time.perf_counter() - started
    print(f"rule {rule}: {relative(notebook)} ran in {seconds:.1f} s", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.workflow notebook RULE NOTEBOOK TARGET PARAMS LOG`` or ``...
    snakemake [ARGS]``."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = arguments.pop(0) if arguments else ""
    if command == "snakemake":
        return run_snakemake(arguments)
    if command == "notebook" and len(arguments) == 5:
        rule, *paths = arguments
        die_with_parent()
        terminate_gracefully()
        single_threaded()
        os.environ[RESULTS_VARIABLE] = str(BUILD_PROCESSED)
        os.environ[CURVES_VARIABLE] = str(CURVES_DIR)  # the notebooks read the merged curves
        return run_notebook(rule, *(Path(path) for path in paths))
    print(main.__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
