"""Run the declared pipeline stages with papermill, incrementally and in parallel; then render.

A stage is one notebook ``notebooks/NN_verb_object.ipynb``, declared in ``stages.yaml``::

    stages:
      01_build_icb_panel:                 # the notebook's name (stem)
        raw: [geographr, healthyr]        # dataset ids of data/sources.yaml it reads, or [all];
                                          # a catalogue file key ('healthyr/x.csv') also works
        files: []                         # other repository files it reads (e.g. data/sources.yaml)
        reads: []                         # files in data/processed/ it reads (written by others)
        writes: [icb_lookup.parquet]      # files in data/processed/ it writes: exactly these

Adding a stage = adding its notebook and one such entry (a notebook without one is refused).
``reads`` and ``writes`` give the order: a stage starts once every stage writing what it reads
has finished, and stages that do not depend on each other run at the same time (``--jobs``,
default: the number of CPUs). The helper code a stage depends on is found automatically: the
``helpers`` modules its notebook imports, followed through their own imports.

A stage is skipped when its key (notebook cells without outputs, its parameters from
``params.yaml``, the source of the helper modules it uses, the SHA-256 of its raw inputs and
other files, and the bytes of the processed files it reads) equals the key of its last success
(recorded in ``.build/pipeline_state.json``) and its committed notebook and declared outputs are
still the bytes that run produced. ``--force`` reruns every stage.

Every run first verifies every raw input against the catalogue (a cached hash, recomputed when a
file's size or modification time changes), so a damaged or missing raw file is caught even
when nothing else changed.

A stage runs in its own staging folder under ``.build/``: the notebook is executed there and its
processed files are written there (``helpers.io`` redirects writes while
``ICSFIN_STAGING_DIR`` is set). Only when the notebook succeeded and wrote exactly its declared
outputs are they moved into ``data/processed/`` and the executed notebook (stripped of volatile
metadata, so re-runs are byte-identical) over the committed one: a failing stage changes
nothing. Its executed copy, with the traceback, is kept in ``.build/failed/`` (latest run only).
One build at a time: a second one stops with "another build is running (pid N)"; leftovers of an
interrupted build (``.build/tmp*``) are removed when the next one starts.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import errno
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from helpers import acquire, interim, kernel_forks, prefetch
from helpers.config import load_params, notebook_parameters
from helpers.errors import AcquisitionError, ConfigError, PipelineError
from helpers.paths import (
    BUILD_DIR,
    NOTEBOOKS_DIR,
    PARAMS_FILE,
    PROCESSED_DIR,
    RAW_DIR,
    REPORT_DIR,
    ROOT,
    SOURCES_FILE,
    STAGING_VARIABLE,
)
from helpers.report import ReportLayout, copy_notebooks
from helpers.yaml_files import parse_yaml

NOTEBOOK_NAME = re.compile(r"^(\d{2})_[a-z0-9_]+\.ipynb$")
INJECTED_TAG = "injected-parameters"
STATE_VERSION = 3
STAGE_KEYS: frozenset[str] = frozenset({"raw", "files", "reads", "writes"})
#: Optional key of a stage: the reader calls a prefetcher makes beside it (helpers.prefetch).
PREFETCH_KEY = "prefetch"
ALL_RAW = "all"
#: Kernel logs go to the terminal, not to the notebook (cell errors reach papermill). Only
#: CRITICAL messages are shown: no start-up warning that the kernel "is running over TCP without
#: encryption" (it listens on the loopback interface only), and no ERROR for the interrupt
#: jupyter_client sends every kernel before shutting it down ("KeyboardInterrupt caught").
KERNEL_ARGUMENTS: list[str] = ["--IPKernelApp.log_level=CRITICAL"]

# jsonschema (which nbformat imports) builds an IRI grammar when it is imported if the optional
# rfc3987-syntax package (a dependency of jupyterlab) is installed: 1.7 CPU-seconds in every
# process that reads or writes a notebook. Notebook validation never checks IRIs, so the
# pipeline's processes go without it.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

# Each stage worker re-imports the command's main module (``python -m helpers.pipeline``) under
# another name, as multiprocessing does, after the workers' server has imported it once: runpy
# then warns that the module is already imported, once per worker. Workers inherit this filter
# from the server, which imports this module.
warnings.filterwarnings(
    "ignore", message="'helpers.pipeline' found in sys.modules", category=RuntimeWarning
)


class StageFailedError(PipelineError):
    """A notebook failed; its executed copy with the traceback is in ``failed_copy``."""

    def __init__(self, message: str, failed_copy: str | None = None) -> None:
        super().__init__(message)
        self.failed_copy = failed_copy

    def __reduce__(self) -> tuple[Any, ...]:  # keep failed_copy across processes
        return (StageFailedError, (str(self), self.failed_copy))


@dataclass(frozen=True)
class PipelineLayout:
    """Where the pipeline reads and writes; the defaults are the repository's own folders."""

    root: Path = ROOT
    notebooks_dir: Path = NOTEBOOKS_DIR
    processed_dir: Path = PROCESSED_DIR
    params_file: Path = PARAMS_FILE
    stages_file: Path = ROOT / "stages.yaml"
    helpers_dir: Path = ROOT / "src" / "helpers"
    sources_file: Path = SOURCES_FILE
    raw_dir: Path = RAW_DIR
    report_dir: Path = REPORT_DIR
    build_dir: Path = BUILD_DIR

    @property
    def state_file(self) -> Path:
        """JSON record of each stage's last successful key and outputs."""
        return self.build_dir / "pipeline_state.json"

    @property
    def failed_dir(self) -> Path:
        """Executed copies of the notebooks that failed in the latest run."""
        return self.build_dir / "failed"


@dataclass(frozen=True)
class Stage:
    """One declared stage: a notebook and what it reads and writes."""

    name: str
    notebook: Path
    raw: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    prefetch: tuple[prefetch.ReaderCall, ...] = ()


@dataclass
class StageResult:
    """What happened to one stage."""

    name: str
    status: str  # "ran", "skipped", "failed" or "not run" (an upstream stage failed)
    seconds: float
    outputs: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- declarations


def discover_notebooks(directory: Path) -> list[Path]:
    """Notebooks named ``NN_verb_object.ipynb`` in numeric order; duplicate numbers are an error."""
    found = sorted(path for path in directory.glob("*.ipynb") if NOTEBOOK_NAME.match(path.name))
    numbers = [NOTEBOOK_NAME.match(path.name).group(1) for path in found]  # type: ignore[union-attr]
    duplicates = sorted({number for number in numbers if numbers.count(number) > 1})
    if duplicates:
        raise PipelineError(f"{directory}: several notebooks share the number(s) {duplicates}")
    return found


def _names(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise PipelineError(f"{where}: expected a list of names, found {value!r}")
    return tuple(value)


def load_stages(layout: PipelineLayout) -> list[Stage]:
    """The declared stages in notebook order, checked against the notebooks and each other.

    Raises PipelineError naming the stage and key at fault: a notebook without a declaration (or
    the reverse), an unknown key, a file written by two stages, a file read that no stage writes,
    or a cycle.
    """
    path = layout.stages_file
    if not path.is_file():
        raise PipelineError(f"{path}: the stage declarations are missing")
    document = parse_yaml(path.read_text(encoding="utf-8")) or {}
    declared = document.get("stages") if isinstance(document, dict) else None
    if not isinstance(declared, dict):
        raise PipelineError(f"{path}: expected a top-level 'stages' mapping")
    notebooks = {notebook.stem: notebook for notebook in discover_notebooks(layout.notebooks_dir)}
    undeclared = sorted(set(notebooks) - set(declared))
    if undeclared:
        raise PipelineError(
            f"{path}: notebook(s) {undeclared} have no stage declaration; add an entry with "
            "their raw, reads and writes (see the format at the top of that file)"
        )
    missing = sorted(set(declared) - set(notebooks))
    if missing:
        raise PipelineError(
            f"{path}: stage(s) {missing} are declared but {layout.notebooks_dir} has no such "
            "notebook"
        )
    stages: list[Stage] = []
    for name in sorted(declared):
        entry = declared[name] or {}
        if not isinstance(entry, dict):
            raise PipelineError(f"{path}: stages.{name} must be a mapping")
        valid = STAGE_KEYS | {PREFETCH_KEY}
        unknown = sorted(set(entry) - valid)
        if unknown:
            raise PipelineError(
                f"{path}: stages.{name} has unknown key(s) {unknown}; valid: {sorted(valid)}"
            )
        stages.append(
            Stage(
                name=name,
                notebook=notebooks[name],
                prefetch=_prefetch_calls(entry, f"{path}: stages.{name}.{PREFETCH_KEY}", layout),
                **{
                    key: _names(entry.get(key), f"{path}: stages.{name}.{key}")
                    for key in STAGE_KEYS
                },
            )
        )
    _check_graph(stages, path)
    return stages


def _prefetch_calls(
    entry: dict[str, Any], where: str, layout: PipelineLayout
) -> tuple[prefetch.ReaderCall, ...]:
    """A stage's declared prefetch calls, parsed and checked (PipelineError names the entry)."""
    texts = _names(entry.get(PREFETCH_KEY), where)
    try:
        calls = tuple(prefetch.parse_call(text, where) for text in texts)
        prefetch.check_modules(calls, layout.helpers_dir / "readers", where)
    except prefetch.PrefetchDeclarationError as error:
        raise PipelineError(str(error)) from None
    return calls


def producers(stages: Iterable[Stage]) -> dict[str, str]:
    """Processed file -> the stage that writes it."""
    writer: dict[str, str] = {}
    for stage in stages:
        for output in stage.writes:
            writer[output] = stage.name
    return writer


def upstream_of(stage: Stage, stages: Iterable[Stage]) -> set[str]:
    """Names of the stages that write what ``stage`` reads."""
    writer = producers(stages)
    return {writer[name] for name in stage.reads if name in writer} - {stage.name}


def start_order(stages: list[Stage]) -> list[str]:
    """The order in which stages that are ready together are started: first those that more
    stages wait for (directly or not), then those deeper in the graph (their chain has come
    furthest), then notebook order. On two cores this keeps the longest chains moving (the
    trust panel before the describe stages, so the trust models need not start last)."""
    needs = {stage.name: upstream_of(stage, stages) for stage in stages}

    @functools.cache
    def depth(name: str) -> int:
        return 1 + max((depth(up) for up in needs[name]), default=0)

    @functools.cache
    def upstream(name: str) -> frozenset[str]:
        return frozenset(needs[name]).union(*(upstream(up) for up in needs[name]))

    waiting = {name: sum(name in upstream(other) for other in needs) for name in needs}
    index = {stage.name: position for position, stage in enumerate(stages)}
    return sorted(index, key=lambda name: (-waiting[name], -depth(name), index[name]))


def _check_graph(stages: list[Stage], path: Path) -> None:
    writer: dict[str, str] = {}
    for stage in stages:
        for output in stage.writes:
            if output in writer:
                raise PipelineError(
                    f"{path}: {output} is declared as written by both {writer[output]} and "
                    f"{stage.name}"
                )
            writer[output] = stage.name
    for stage in stages:
        unknown = sorted(set(stage.reads) - set(writer))
        if unknown:
            raise PipelineError(
                f"{path}: stages.{stage.name} reads {unknown}, which no stage writes"
            )
    remaining = {stage.name: upstream_of(stage, stages) for stage in stages}
    while remaining:
        ready = [name for name, needs in remaining.items() if not needs & set(remaining)]
        if not ready:
            raise PipelineError(f"{path}: the stages {sorted(remaining)} read each other (a cycle)")
        for name in ready:
            del remaining[name]


# --------------------------------------------------------------------------- fingerprints


def _digest(parts: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def sha256_bytes(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def notebook_cells(path: Path) -> list[dict[str, Any]]:
    """The cells of a notebook file as ``{"cell_type", "source", "tags"}`` (plain JSON reading:
    much faster than nbformat, which a no-op build does not need)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PipelineError(f"{path}: not a readable notebook ({error})") from error
    cells = []
    for cell in document.get("cells", []):
        source = cell.get("source", "")
        cells.append(
            {
                "cell_type": cell.get("cell_type"),
                "source": "".join(source) if isinstance(source, list) else source,
                "tags": cell.get("metadata", {}).get("tags", []),
            }
        )
    return cells


def notebook_source_fingerprint(path: Path) -> str:
    """Hash of a notebook's cell types and sources, ignoring outputs and injected parameters."""
    parts = [
        f"{cell['cell_type']}\0{cell['source']}".encode()
        for cell in notebook_cells(path)
        if INJECTED_TAG not in cell["tags"]
    ]
    return _digest(parts)


def _python_source(text: str) -> str:
    """Notebook cell text with IPython magics and shell lines blanked, so ``ast`` can parse it."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in text.split("\n")
    )


def imported_modules(tree: ast.AST, package: str, known: set[str]) -> set[str]:
    """Modules of ``package`` the syntax tree imports (``known``: the modules that exist)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name == package or name.startswith(package + "."):
                parts = name.split(".")
                # the module itself and every package above it (their __init__ runs too)
                found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return found & known


def module_files(helpers_dir: Path) -> dict[str, Path]:
    """Module name -> source file for every module of the package at ``helpers_dir``."""
    package = helpers_dir.name
    files: dict[str, Path] = {}
    for path in sorted(helpers_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = [package, *path.relative_to(helpers_dir).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        files[".".join(parts)] = path
    return files


def _imports_of(path: Path, package: str, known: set[str]) -> set[str]:
    """The modules of ``package`` that a module file or notebook imports."""
    if path.suffix == ".ipynb":
        cells = notebook_cells(path)
        text = "\n".join(_python_source(c["source"]) for c in cells if c["cell_type"] == "code")
    else:
        text = path.read_text(encoding="utf-8")
    return imported_modules(ast.parse(text), package, known)


def code_dependencies(
    notebook: Path, helpers_dir: Path, cache: HashCache | None = None
) -> dict[str, Path]:
    """The helper modules a notebook uses: those it imports, followed through their imports.

    ``cache`` remembers each file's imports across runs (by size and modification time).
    """
    files = module_files(helpers_dir)
    package = helpers_dir.name
    known = set(files)

    def imports(path: Path) -> set[str]:
        if cache is None:
            return _imports_of(path, package, known)
        found = cache.remember(path, "imports", lambda: sorted(_imports_of(path, package, known)))
        return set(found) & known

    pending = imports(notebook)
    used: dict[str, Path] = {}
    while pending:
        name = pending.pop()
        if name in used:
            continue
        used[name] = files[name]
        pending |= imports(files[name]) - set(used)
    return dict(sorted(used.items()))


def code_fingerprint(modules: dict[str, Path]) -> str:
    """Hash of the names and sources of helper modules (see :func:`code_dependencies`)."""
    parts: list[bytes] = []
    for name, path in modules.items():
        parts += [name.encode(), path.read_bytes()]
    return _digest(parts)


def reader_datasets(modules: Iterable[str], helpers_dir: Path) -> set[str]:
    """Dataset ids of the reader modules (``<package>.readers.<id>``) among ``modules``."""
    prefix = f"{helpers_dir.name}.readers."
    return {
        name.removeprefix(prefix)
        for name in modules
        if name.startswith(prefix) and not name.removeprefix(prefix).startswith("_")
    }


class HashCache:
    """Facts about files (SHA-256, imports), remembered across runs by path, size and
    modification time, and recomputed when either changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, list[Any]] = {}
        if path.is_file():
            with contextlib.suppress(ValueError, OSError):
                self.entries = json.loads(path.read_text(encoding="utf-8"))

    def remember(self, file: Path, kind: str, compute: Callable[[], Any]) -> Any:
        """The ``kind`` fact about ``file``: the remembered one while the file is unchanged."""
        status = file.stat()
        key = f"{kind}:{file.resolve()}"
        known = self.entries.get(key)
        if known and known[0] == status.st_size and known[1] == status.st_mtime_ns:
            return known[2]
        value = compute()
        self.entries[key] = [status.st_size, status.st_mtime_ns, value]
        return value

    def sha256(self, file: Path) -> str:
        """The file's SHA-256."""
        return str(self.remember(file, "sha256", lambda: sha256_bytes(file)))

    def save(self) -> None:
        """Write the cache atomically (a lost cache only costs re-hashing)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".part")
        temporary.write_text(json.dumps(self.entries, sort_keys=True), encoding="utf-8")
        temporary.replace(self.path)


def verify_raw_inputs(layout: PipelineLayout, hashes: HashCache) -> dict[str, str]:
    """Check every catalogued raw file against its SHA-256 (acquiring missing ones).

    Returns catalogue file key -> SHA-256 of the file in place (curated files: their current
    hash). A damaged file raises the acquisition step's AcquisitionError naming it.
    """
    from helpers.acquire import acquire
    from helpers.sources import load_sources

    verified: dict[str, str] = {}
    for source in load_sources(layout.sources_file):
        path = layout.raw_dir / source.file
        if not path.is_file() or (not source.is_curated and hashes.sha256(path) != source.sha256):
            path = acquire(source, layout.raw_dir)  # copies a missing file; raises on a bad one
        verified[source.file] = hashes.sha256(path)
    return verified


def raw_inputs_of(
    stage: Stage, verified: dict[str, str], where: Path, readers: Iterable[str] = ()
) -> dict[str, str]:
    """Catalogue file key -> SHA-256 for the raw inputs ``stage`` declares, plus the datasets
    of the ``readers`` its code uses (those without catalogue files are ignored)."""
    if ALL_RAW in stage.raw:
        return dict(verified)
    datasets = {key.split("/", 1)[0] for key in verified}
    chosen: dict[str, str] = {}
    for name in [*stage.raw, *sorted(set(readers) & datasets)]:
        files = {
            key: digest
            for key, digest in verified.items()
            if key == name or key.split("/", 1)[0] == name
        }
        if not files:
            raise PipelineError(
                f"{where}: stages.{stage.name}.raw names {name!r}, which is neither a dataset id "
                "nor a file of data/sources.yaml"
            )
        chosen.update(files)
    return dict(sorted(chosen.items()))


def stage_key(stage: Stage, parameters: dict[str, Any], inputs: dict[str, Any]) -> str:
    """Fingerprint of everything a stage depends on."""
    payload = {"stage": stage.name, "parameters": parameters, **inputs}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


# --------------------------------------------------------------------------- parameters


def declared_parameters(notebook: Path) -> set[str]:
    """Names assigned at the top level of the notebook's cell tagged ``parameters`` (what
    papermill's ``inspect_notebook`` reports, without importing papermill)."""
    tagged = [cell for cell in notebook_cells(notebook) if "parameters" in cell["tags"]]
    if not tagged:
        return set()
    try:
        tree = ast.parse(_python_source(tagged[0]["source"]))
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
    """The parameters papermill injects: common and own values that the notebook declares.

    A key in the notebook's own section of params.yaml that its parameters cell does not
    declare is an error (a typo would otherwise be ignored silently).
    """
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


# --------------------------------------------------------------------------- running one stage


def sanitize_notebook(notebook: Any, parameters: dict[str, Any]) -> None:
    """Strip volatile metadata that papermill and the kernel add, in place."""
    notebook.metadata["papermill"] = {"parameters": parameters}
    for cell in notebook.cells:
        metadata = cell.get("metadata", {})
        metadata.pop("papermill", None)
        metadata.pop("execution", None)
        if INJECTED_TAG in metadata.get("tags", []):
            cell["id"] = INJECTED_TAG
        for output in cell.get("outputs", []):
            strip_machine_details(output)


#: Text in outputs that depends on the machine, not the analysis: object addresses in reprs
#: and the install path of packages in warnings.
MACHINE_DETAILS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r" at 0x[0-9a-f]+>"), ">"),
    (re.compile(r"/\S*?/site-packages/"), "<site-packages>/"),
)


def _without_machine_details(text: Any) -> Any:
    """``text`` (a string or a list of lines) with :data:`MACHINE_DETAILS` replaced."""
    if isinstance(text, list):
        return [_without_machine_details(line) for line in text]
    if not isinstance(text, str):
        return text
    for pattern, replacement in MACHINE_DETAILS:
        text = pattern.sub(replacement, text)
    return text


def strip_machine_details(output: Any) -> None:
    """Remove machine-dependent text from one cell output, in place, so that a notebook
    run on another machine (or another clone) is byte-identical."""
    if "text" in output:
        output["text"] = _without_machine_details(output["text"])
    data = output.get("data", {})
    if "text/plain" in data:
        data["text/plain"] = _without_machine_details(data["text/plain"])


def _failure_message(name: str, error: Exception) -> str:
    cell_index = getattr(error, "cell_index", None)
    source = (getattr(error, "source", "") or "").strip().splitlines()
    first_line = source[0] if source else ""
    ename = getattr(error, "ename", type(error).__name__)
    evalue = getattr(error, "evalue", str(error))
    where = f"cell {cell_index} ('{first_line}')" if cell_index is not None else "before any cell"
    return f"notebook {name} failed in {where}: {ename}: {evalue}"


def _quiet_kernel_logs() -> None:
    """Silence the kernel's start-up chatter (e.g. the warning that it runs over local TCP)."""
    import logging

    for name in ("traitlets", "papermill", "nbclient", "jupyter_client"):
        logging.getLogger(name).setLevel(logging.ERROR)


def execute_notebook(
    notebook: Path, parameters: dict[str, Any], staging: Path, failed_dir: Path
) -> Path:
    """Execute ``notebook`` with papermill into ``staging``, writing processed files there too.

    Returns the executed, sanitised copy (``staging/<name>.ipynb``). On failure the executed copy
    is moved to ``failed_dir`` and StageFailedError names the notebook, the cell and the error.
    """
    import nbformat
    import papermill

    _quiet_kernel_logs()
    outputs = staging / "processed"
    outputs.mkdir(parents=True, exist_ok=True)
    executed = staging / f"executed-{notebook.name}"
    previous = os.environ.get(STAGING_VARIABLE)
    os.environ[STAGING_VARIABLE] = str(outputs)
    try:
        result = papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(notebook.parent),
            progress_bar=False,
            log_output=False,
            # written once at the end (and on failure), not before and after every cell: the
            # notebooks carry their figures, and re-encoding them per cell cost a CPU-second
            request_save_on_cell_execute=False,
            extra_arguments=KERNEL_ARGUMENTS,
            coalesce_streams=True,  # one stdout and one stderr output per cell: deterministic
        )
    except Exception as error:
        failed_copy = None
        if executed.exists():
            failed_dir.mkdir(parents=True, exist_ok=True)
            failed_copy = str(failed_dir / notebook.name)
            shutil.move(str(executed), failed_copy)
        raise StageFailedError(_failure_message(notebook.stem, error), failed_copy) from None
    finally:
        if previous is None:
            os.environ.pop(STAGING_VARIABLE, None)
        else:
            os.environ[STAGING_VARIABLE] = previous
    sanitize_notebook(result, parameters)
    final = staging / notebook.name
    nbformat.write(result, final)
    executed.unlink()
    return final


def _worker_context() -> BaseContext:
    """Worker processes forked from a clean server process that has imported papermill once
    (multiprocessing's "forkserver"), rather than each importing it afresh."""
    context = get_context("forkserver")
    context.set_forkserver_preload(["helpers.pipeline", "papermill", "nbformat"])
    return context


def _interim_is_empty() -> bool:
    """True when the interim layer is on and holds no table yet (a fresh clone, or after
    ``make clean``): every raw file will be parsed, so prefetching pays."""
    return interim.enabled() and next(interim.entries(), None) is None


def _start_servers(kernels: contextlib.ExitStack, jobs: int) -> None:
    """Start the kernel fork server (held by ``kernels``) and, with more than one job, the
    workers' fork server, without waiting for either to finish its imports: a build that will
    run stages (cold or forced) starts them before planning, which takes a second or two."""
    kernels.enter_context(kernel_forks.fork_server())
    if jobs > 1:
        from multiprocessing import forkserver

        _worker_context()
        forkserver.ensure_running()


def _run_in_worker(
    environment: dict[str, str],
    notebook: Path,
    parameters: dict[str, Any],
    staging: Path,
    failed_dir: Path,
) -> Path:
    """Entry point of a worker process (module level so it can be pickled). Workers are forked
    from a server started with the first pool, so they take the caller's environment as it is
    now (e.g. the data mirror) from ``environment``."""
    os.environ.clear()
    os.environ.update(environment)
    return execute_notebook(notebook, parameters, staging, failed_dir)


def _place(source: Path, destination: Path) -> None:
    """Move ``source`` over ``destination`` atomically; an OSError names the destination."""
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, destination)
    except OSError as error:
        if error.errno == errno.EXDEV:  # another file system: copy beside it, then rename
            temporary = destination.with_name(f".{destination.name}.part")
            shutil.copyfile(source, temporary)
            os.replace(temporary, destination)
            return
        raise PipelineError(f"cannot write {destination}: {error.strerror or error}") from error


def land_outputs(
    stage: Stage, executed: Path, staging: Path, layout: PipelineLayout
) -> dict[str, str]:
    """Check a finished stage wrote exactly its declared outputs, then move them into place.

    The processed files land first, the executed notebook last. Returns output -> SHA-256.
    """
    written_dir = staging / "processed"
    written = sorted(
        path.name
        for path in written_dir.iterdir()
        if path.is_file() and not path.name.startswith(".")
    )
    undeclared = sorted(set(written) - set(stage.writes))
    absent = sorted(set(stage.writes) - set(written))
    if undeclared or absent:
        problems = []
        if undeclared:
            problems.append(f"wrote {undeclared}, which stages.yaml does not declare")
        if absent:
            problems.append(f"did not write the declared {absent}")
        raise PipelineError(
            f"stage {stage.name} {' and '.join(problems)}; nothing was changed. Fix the "
            f"notebook or its entry in {layout.stages_file.name}"
        )
    outputs = {name: sha256_bytes(written_dir / name) for name in written}
    for name in written:
        _place(written_dir / name, layout.processed_dir / name)
    _place(executed, stage.notebook)
    return outputs


# --------------------------------------------------------------------------- build state


def _load_state(layout: PipelineLayout) -> dict[str, Any]:
    if layout.state_file.is_file():
        with contextlib.suppress(ValueError):
            state = json.loads(layout.state_file.read_text(encoding="utf-8"))
            if state.get("version") == STATE_VERSION:
                return state
    return {"version": STATE_VERSION, "stages": {}}


def _save_state(layout: PipelineLayout, state: dict[str, Any]) -> None:
    layout.build_dir.mkdir(parents=True, exist_ok=True)
    temporary = layout.state_file.with_suffix(".part")
    temporary.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
    temporary.replace(layout.state_file)


@contextlib.contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """Hold ``.build/lock`` for the whole build; a second build stops, naming the first's pid.

    The lock is an advisory ``flock``: the system releases it when the holder exits, however it
    ends, so a killed build never leaves a stale lock.
    """
    ensure_writable(build_dir)
    lock_path = build_dir / "lock"
    handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the whole block)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise PipelineError(
                f"another build is running (pid {holder}) in this checkout; wait for it to "
                f"finish (lock: {lock_path})"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def clean_leftovers(build_dir: Path) -> list[Path]:
    """Remove staging folders and partial files an interrupted build left in ``.build/``."""
    removed = []
    for leftover in sorted(build_dir.glob("tmp*")) + sorted(build_dir.glob("*.part")):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


def ensure_writable(directory: Path) -> None:
    """Raise PipelineError naming ``directory`` unless a file can be created in it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=directory, prefix=".write-check-")
        os.close(handle)
        os.unlink(name)
    except OSError as error:
        raise PipelineError(
            f"cannot write to {directory}: {error.strerror or error}. The build needs to write "
            "there; fix the folder's permissions or free some space"
        ) from error


# --------------------------------------------------------------------------- the run


@dataclass
class _Plan:
    """Per-stage facts worked out before running."""

    stage: Stage
    parameters: dict[str, Any]
    static_inputs: dict[str, Any]


def _static_inputs(
    stage: Stage, layout: PipelineLayout, verified: dict[str, str], hashes: HashCache
) -> dict[str, Any]:
    files = {}
    for name in stage.files:
        path = layout.root / name
        if not path.is_file():
            raise PipelineError(
                f"{layout.stages_file}: stages.{stage.name}.files: {path} not found"
            )
        files[name] = hashes.sha256(path)
    modules = code_dependencies(stage.notebook, layout.helpers_dir, hashes)
    readers = reader_datasets(modules, layout.helpers_dir)
    return {
        "notebook": notebook_source_fingerprint(stage.notebook),
        "code": code_fingerprint(modules),
        "raw": raw_inputs_of(stage, verified, layout.stages_file, readers),
        "files": files,
    }


def _up_to_date(
    record: dict[str, Any], key: str, stage: Stage, layout: PipelineLayout, hashes: HashCache
) -> bool:
    if record.get("key") != key or not stage.notebook.is_file():
        return False
    if hashes.sha256(stage.notebook) != record.get("notebook_sha256"):
        return False
    outputs = record.get("outputs", {})
    if set(outputs) != set(stage.writes):
        return False
    for name, digest in outputs.items():
        path = layout.processed_dir / name
        if not path.is_file() or hashes.sha256(path) != digest:
            return False
    return True


def default_jobs() -> int:
    """Stages run at once: one more than the cores. Stages wait on each other unevenly (the
    models stage is long, the describe stages short), and a third kernel keeps both cores busy:
    on this project's 2-core machine a cold build took 51 s with 2 jobs, 45 s with 3 and 46 s
    with 4."""
    return (os.cpu_count() or 1) + 1


def run_pipeline(
    *,
    force: bool = False,
    layout: PipelineLayout | None = None,
    report: Callable[[str], None] = print,
    jobs: int | None = None,
    render: bool = False,
    alongside: Callable[[], object] | None = None,
    alongside_after: str | None = None,
) -> list[StageResult]:
    """Run every stale stage, independent ones in parallel; one result per stage.

    Raises PipelineError (StageFailedError for a failing notebook) after the stages already
    running have finished; stages downstream of a failure are not started. With ``render`` the
    report is rendered afterwards (unless up to date), under the same build lock. ``alongside``
    (e.g. the system profiles) runs at the same time, still under the lock and with the
    stages' kernel fork server: from when the stage ``alongside_after`` has landed (or was up
    to date), or else once every stage has; not at all if that stage fails or is not run.
    """
    layout = layout or PipelineLayout()
    jobs = max(1, jobs or default_jobs())
    ensure_writable(layout.build_dir)
    with (
        build_lock(layout.build_dir),
        contextlib.ExitStack() as kernels,
        ThreadPoolExecutor(max_workers=1) as background,
    ):
        clean_leftovers(layout.build_dir)
        shutil.rmtree(layout.failed_dir, ignore_errors=True)
        for directory in (layout.processed_dir, layout.notebooks_dir):
            ensure_writable(directory)
        if force or not layout.state_file.is_file():
            _start_servers(kernels, jobs)  # stages will run: let the servers start up meanwhile
        ahead = kernels.enter_context(render_ahead(layout, force)) if render else None
        side: list[Future[object]] = []

        def start_alongside() -> None:
            if alongside is not None and not side:
                kernels.enter_context(kernel_forks.fork_server())  # the stages' if running
                side.append(background.submit(alongside))

        def landed(name: str) -> None:
            if name == alongside_after:
                start_alongside()

        results = _run_locked(force, layout, report, jobs, kernels, landed)
        start_alongside()
        if render:
            render_report_stage(report, layout, force, ahead)
        for work in side:
            work.result()
        return results


def _plan(layout: PipelineLayout) -> tuple[list[Stage], dict[str, _Plan], HashCache]:
    """Read the declarations and parameters and verify the raw inputs: everything but the
    processed files a stage reads (known only once its upstream stages are done)."""
    # Every rule of helpers.config for this project's notebooks; a toy project only its shape.
    strict = layout.notebooks_dir.resolve() == NOTEBOOKS_DIR.resolve()
    params = load_params(layout.params_file, strict=strict)
    stages = load_stages(layout)
    unknown = sorted(set(params["notebooks"]) - {stage.name for stage in stages})
    if unknown:
        raise PipelineError(f"{layout.params_file}: parameters for unknown notebooks {unknown}")
    hashes = HashCache(layout.build_dir / "hashes.json")
    verified = verify_raw_inputs(layout, hashes)
    plans = {
        stage.name: _Plan(
            stage,
            parameters_for(stage.notebook, params),
            _static_inputs(stage, layout, verified, hashes),
        )
        for stage in stages
    }
    hashes.save()
    return stages, plans, hashes


def _current_key(plan: _Plan, layout: PipelineLayout, hashes: HashCache) -> str:
    upstream = {read: hashes.sha256(layout.processed_dir / read) for read in plan.stage.reads}
    return stage_key(plan.stage, plan.parameters, {**plan.static_inputs, "reads": upstream})


def reproduced_stages(layout: PipelineLayout | None = None) -> list[str]:
    """The stages whose committed notebook and outputs are exactly what running them on the
    current inputs produced (as recorded by the pipeline): re-executing them can only repeat
    that result. Stages downstream of a stale one are not included."""
    layout = layout or PipelineLayout()
    stages, plans, hashes = _plan(layout)
    state = _load_state(layout)
    fresh: list[str] = []
    for stage in stages:
        if not upstream_of(stage, stages) <= set(fresh):
            continue
        key = _current_key(plans[stage.name], layout, hashes)
        if _up_to_date(state["stages"].get(stage.name, {}), key, stage, layout, hashes):
            fresh.append(stage.name)
    return fresh


def _run_locked(
    force: bool,
    layout: PipelineLayout,
    report: Callable[[str], None],
    jobs: int,
    kernels: contextlib.ExitStack,
    landed: Callable[[str], None] = lambda _name: None,
) -> list[StageResult]:
    """The stages of :func:`run_pipeline`; ``landed`` is called with the name of each stage
    once it has run (its outputs in place) or was found up to date."""
    stages, plans, hashes = _plan(layout)
    state = _load_state(layout)
    needs = {stage.name: upstream_of(stage, stages) for stage in stages}
    position = {stage.name: index for index, stage in enumerate(stages, start=1)}
    order = start_order(stages)
    results: dict[str, StageResult] = {}
    running: dict[Future[Path], tuple[str, str, Path, float]] = {}
    errors: list[PipelineError] = []
    total = len(stages)
    pool: ProcessPoolExecutor | None = None
    forking = False  # the kernel fork server (held by ``kernels``) starts with the first stage
    prefetchers: dict[str, BaseProcess] = {}
    prefetching = jobs > 1 and _interim_is_empty()  # a cold build: a core to spare for parsing

    def label(name: str) -> str:
        return f"[{position[name]}/{total}] {name}"

    def finished(*statuses: str) -> set[str]:
        return {n for n, r in results.items() if r.status in statuses}

    def schedule() -> bool:
        """Skip or start every stage that is ready; True if anything changed."""
        nonlocal pool, forking
        changed = False
        busy = {entry[0] for entry in running.values()}
        for name in order:
            if name in results or name in busy:
                continue
            if needs[name] & finished("failed", "not run"):
                results[name] = StageResult(name, "not run", 0.0)
                report(f"{label(name)}: not run (an upstream stage failed)")
                changed = True
                continue
            if errors or not needs[name] <= finished("ran", "skipped"):
                continue
            plan = plans[name]
            started = time.perf_counter()
            key = _current_key(plan, layout, hashes)
            record = state["stages"].get(name, {})
            if not force and _up_to_date(record, key, plan.stage, layout, hashes):
                elapsed = time.perf_counter() - started
                results[name] = StageResult(name, "skipped", elapsed, record["outputs"])
                report(f"{label(name)}: skipped (inputs unchanged)")
                landed(name)
                changed = True
                continue
            if len(running) >= jobs:
                continue
            staging = Path(tempfile.mkdtemp(prefix=f"tmp-{name}-", dir=layout.build_dir))
            report(f"{label(name)}: running ...")
            if not forking:
                kernels.enter_context(kernel_forks.fork_server())
                forking = True
            arguments = (plan.stage.notebook, plan.parameters, staging, layout.failed_dir)
            if prefetching and plan.stage.prefetch:
                prefetchers[name] = prefetch.start(_worker_context(), plan.stage.prefetch)
            if jobs == 1:
                future: Future[Path] = Future()
                try:
                    future.set_result(execute_notebook(*arguments))
                except PipelineError as error:
                    future.set_exception(error)
            else:
                if pool is None:
                    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_worker_context())
                future = pool.submit(_run_in_worker, dict(os.environ), *arguments)
            running[future] = (name, key, staging, started)
            busy.add(name)
            changed = True
        return changed

    try:
        while len(results) < total:
            while schedule():
                pass
            if not running:
                for name in position:
                    if name not in results:
                        results[name] = StageResult(name, "not run", 0.0)
                        report(f"{label(name)}: not run (an earlier stage failed)")
                break
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                name, key, staging, started = running.pop(future)
                stage = plans[name].stage
                if name in prefetchers:
                    prefetch.stop(prefetchers.pop(name))
                try:
                    outputs = land_outputs(stage, future.result(), staging, layout)
                except PipelineError as error:
                    results[name] = StageResult(name, "failed", time.perf_counter() - started)
                    state["stages"].pop(name, None)
                    _save_state(layout, state)
                    errors.append(error)
                    report(f"{label(name)}: FAILED after {time.perf_counter() - started:.1f} s")
                    continue
                finally:
                    shutil.rmtree(staging, ignore_errors=True)
                state["stages"][name] = {
                    "key": key,
                    "outputs": outputs,
                    "notebook_sha256": sha256_bytes(stage.notebook),
                }
                _save_state(layout, state)
                seconds = time.perf_counter() - started
                results[name] = StageResult(name, "ran", seconds, outputs)
                report(
                    f"{label(name)}: ran in {seconds:.1f} s, wrote {sorted(outputs) or 'no tables'}"
                )
                landed(name)
    finally:
        for process in prefetchers.values():
            prefetch.stop(process)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        hashes.save()
    if errors:
        raise errors[0]
    return [results[stage.name] for stage in stages]


# --------------------------------------------------------------------------- the report stage


def _git_state(root: Path) -> list[str]:
    """HEAD commit and whether tracked files have uncommitted changes: what the report's
    provenance shows (see helpers.report.git_commit)."""
    state = []
    for arguments in (["rev-parse", "HEAD"], ["status", "--porcelain", "--untracked-files=no"]):
        try:
            done = subprocess.run(
                ["git", "-C", str(root), *arguments], capture_output=True, text=True, check=False
            )
            state.append(done.stdout.strip())
        except OSError:
            state.append("no git")
    return [state[0], "uncommitted changes" if state[1] else "clean"]


def report_sources(report_dir: Path) -> list[Path]:
    """The files of the report folder a render reads: its top-level files (article, Quarto
    configuration, bibliography, credits) and the fallback's ``assets/`` (template, style
    sheet); not what the render writes (``_variables.yml``, ``notebooks/``, outputs)."""
    if not report_dir.is_dir():
        return []
    top = [
        p
        for p in report_dir.iterdir()
        if p.is_file() and not p.name.startswith(("_variables", "."))
    ]
    assets = report_dir / "assets"
    nested = [p for p in assets.rglob("*") if p.is_file()] if assets.is_dir() else []
    return sorted(top) + sorted(nested)


def render_key(layout: PipelineLayout) -> str:
    """Fingerprint of what the rendered report is made from."""
    parts = [json.dumps(_git_state(layout.root)).encode()]
    for path in [
        *discover_notebooks(layout.notebooks_dir),
        *sorted(p for p in layout.processed_dir.iterdir() if p.is_file()),
        *report_sources(layout.report_dir),
        layout.params_file,
        layout.sources_file,
    ]:
        parts += [path.name.encode(), path.read_bytes()]
    for name in ("render.py", "report.py", "io.py", "paths.py", "errors.py"):
        source = layout.helpers_dir / name
        if source.is_file():
            parts += [name.encode(), source.read_bytes()]
    parts.append(str(shutil.which("quarto")).encode())
    return _digest(parts)


def _report_layout(layout: PipelineLayout, report_dir: Path | None = None) -> ReportLayout:
    """The render's view of the pipeline's folders (``report_dir`` overridden if given)."""
    return ReportLayout(
        root=layout.root,
        notebooks_dir=layout.notebooks_dir,
        processed_dir=layout.processed_dir,
        report_dir=report_dir or layout.report_dir,
        params_file=layout.params_file,
        sources_file=layout.sources_file,
    )


def _render_recorded(layout: PipelineLayout, key: str) -> bool:
    """Whether the build state records a render made from inputs with ``key`` whose outputs
    still exist."""
    recorded = _load_state(layout).get("render")
    recorded = recorded if isinstance(recorded, dict) else {}
    outputs = [layout.root / name for name in recorded.get("outputs", [])]
    return recorded.get("key") == key and bool(outputs) and all(p.exists() for p in outputs)


def _lower_thread_priority() -> None:
    """Give the calling thread (and the processes it starts) a lower CPU priority, so work done
    on the side never slows the stages down; a no-op where threads cannot be reniced."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


@dataclass
class RenderAhead:
    """A fallback render of the report made while the stages run, into ``staging`` (a copy of
    the report folder's sources): :func:`render_report_stage` publishes it instead of
    rendering again when the render key at the end equals the key it was made from."""

    staging: Path
    #: the render key of the inputs it started from, set before it reads them
    start_key: Future[str] = field(default_factory=Future)
    #: (render key it was made from, renderer), or None: nothing usable was rendered
    made: Future[tuple[str, str] | None] = field(default_factory=Future)

    def renderer_for(self, key: str) -> str | None:
        """Its renderer if it was made from inputs whose render key is ``key``, else None.
        Waits for the render only if it started from those inputs: a render from other
        inputs is not waited for (it finishes at low priority, then is discarded)."""
        if self.start_key.result() != key:
            return None
        made = self.made.result()
        return made[1] if made is not None and made[0] == key else None


def _render_staged(ahead: RenderAhead, layout: PipelineLayout, force: bool) -> None:
    """Render the report from the current inputs into ``ahead.staging``; set ``ahead.made`` to
    the render key the result is valid for and the renderer, or None when there is nothing to
    do (already rendered, Quarto installed) or the inputs changed while it ran (a stage landed
    different outputs)."""
    try:
        _lower_thread_priority()
        key = render_key(layout)
        ahead.start_key.set_result(key)
        ahead.made.set_result(_render_into(ahead.staging, layout, key, force))
    except Exception:  # any failure: the render after the stages runs again and reports it
        if not ahead.start_key.done():
            ahead.start_key.set_result("")
        ahead.made.set_result(None)


def _render_into(
    staging: Path, layout: PipelineLayout, key: str, force: bool
) -> tuple[str, str] | None:
    """The fallback render into ``staging`` (see :func:`_render_staged`)."""
    if not force and _render_recorded(layout, key):
        return None
    from helpers import render

    if render.find_quarto() is not None:  # Quarto renders in place, in report/
        return None
    for source in report_sources(layout.report_dir):
        copy = staging / source.relative_to(layout.report_dir)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, copy)
    renderer = render.render_report(
        lambda _: None, _report_layout(layout, staging), use_quarto=False
    )
    return (key, renderer) if render_key(layout) == key else None


@contextlib.contextmanager
def render_ahead(layout: PipelineLayout, force: bool = False) -> Iterator[RenderAhead]:
    """Render the report in a low-priority thread while the stages run, from the inputs present
    now (on a clean clone: the committed notebooks and tables, which the stages reproduce byte
    for byte). The result is kept only if the render key is the same before and after that
    render and, in :func:`render_report_stage`, at the end of the build; otherwise the report
    is rendered after the stages as usual. Leaving the block waits for the thread and removes
    the staging folder."""
    layout.build_dir.mkdir(parents=True, exist_ok=True)
    ahead = RenderAhead(Path(tempfile.mkdtemp(prefix="tmp-render-ahead-", dir=layout.build_dir)))
    thread = threading.Thread(
        target=_render_staged, args=(ahead, layout, force), name="render-ahead", daemon=True
    )
    thread.start()
    try:
        yield ahead
    finally:
        thread.join()
        shutil.rmtree(ahead.staging, ignore_errors=True)


def _publish_staged(staging: Path, layout: PipelineLayout) -> None:
    """Move a staged fallback render's outputs (HTML, PDF, ``_variables.yml``) into the report
    folder and copy the notebooks beside them, as the render itself would have."""
    from helpers.render import FALLBACK_OUTPUT, FALLBACK_PDF

    staged, final = _report_layout(layout, staging), _report_layout(layout)
    moves = [(staged.variables_file, final.variables_file)] + [
        (staging / output, layout.report_dir / output) for output in (FALLBACK_OUTPUT, FALLBACK_PDF)
    ]
    for source, target in moves:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
    copy_notebooks(final)


def render_report_stage(
    report: Callable[[str], None] = print,
    layout: PipelineLayout | None = None,
    force: bool = False,
    ahead: RenderAhead | None = None,
) -> str:
    """Render the report (Quarto if installed, else the pandoc fallback) unless it is up to date.

    A render made ``ahead`` (while the stages ran) from the same inputs is published instead of
    rendering again. Returns the renderer, or 'skipped'.
    """
    layout = layout or PipelineLayout()
    key = render_key(layout)
    if not force and _render_recorded(layout, key):
        report("report: skipped (notebooks, numbers and article unchanged)")
        return "skipped"
    from helpers import render

    renderer = ahead.renderer_for(key) if ahead is not None else None
    if ahead is not None and renderer is not None:
        _publish_staged(ahead.staging, layout)
        report(
            f"report: Quarto not found, so rendered by {renderer} into "
            f"{layout.report_dir / render.FALLBACK_OUTPUT} and {render.FALLBACK_PDF.name} "
            "while the stages ran (its inputs have not changed since)"
        )
    else:
        renderer = render.render_report(report, _report_layout(layout))
    written = [layout.report_dir / render.FALLBACK_OUTPUT, layout.report_dir / render.QUARTO_OUTPUT]
    state = _load_state(layout)
    state["render"] = {
        "key": key,
        "outputs": [str(p.relative_to(layout.root)) for p in written if p.exists()],
    }
    _save_state(layout, state)
    return renderer


def summarise(results: list[StageResult], total_seconds: float) -> str:
    """A plain-text summary table of the run."""
    lines = ["", "Pipeline summary", f"{'stage':<32} {'status':<8} {'seconds':>8}"]
    lines += [f"{r.name:<32} {r.status:<8} {r.seconds:>8.1f}" for r in results]
    ran = sum(r.status == "ran" for r in results)
    skipped = sum(r.status == "skipped" for r in results)
    lines.append(f"{ran} ran, {skipped} skipped, total {total_seconds:.1f} s")
    return "\n".join(lines)


NUMERIC_THREAD_VARIABLES: tuple[str, ...] = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def single_threaded_numerics() -> None:
    """Run linear algebra in one thread in every kernel this process starts.

    Threaded BLAS may split sums differently from run to run, changing results in their last
    digits, so the outputs would not be byte-identical; stages already run in parallel, so one
    thread each also avoids oversubscribing the cores. A value the user set is kept.
    """
    for variable in NUMERIC_THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m helpers.pipeline [--force] [--no-render] [--no-profiles]
    [--jobs N]``."""

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rerun every stage")
    parser.add_argument("--no-render", action="store_true", help="run the notebooks only")
    parser.add_argument(
        "--no-profiles", action="store_true", help="skip the 42 system profile pages"
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="stages run at once (default: CPUs + 1)"
    )
    arguments = parser.parse_args(argv)
    single_threaded_numerics()
    started = time.perf_counter()
    layout = PipelineLayout()
    try:
        # Kernels run in notebooks/: hand them the mirror as an absolute path, resolved here.
        print(acquire.describe_mirror(acquire.export_resolved_mirror()))
        from helpers import profile_pages

        def profiles() -> None:
            profile_pages.build_profiles(force=arguments.force)

        results = run_pipeline(
            force=arguments.force,
            jobs=arguments.jobs,
            layout=layout,
            render=not arguments.no_render,
            alongside=None if arguments.no_profiles else profiles,
            alongside_after=profile_pages.PROFILE_NOTEBOOK.stem,  # the notebook they run
        )
        if not arguments.no_render and not arguments.no_profiles:
            profile_pages.publish_beside_report()
    except StageFailedError as error:
        print(f"\nPIPELINE FAILED: {error}", file=sys.stderr)
        if error.failed_copy:
            print(f"The executed copy with the traceback is {error.failed_copy}.", file=sys.stderr)
        return 1
    except (PipelineError, AcquisitionError, ConfigError) as error:
        print(f"\nPIPELINE FAILED: {error}", file=sys.stderr)
        return 1
    print(summarise(results, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
