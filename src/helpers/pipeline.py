"""Run the notebooks in numeric order with papermill, incrementally, then render the report.

A stage is one notebook ``notebooks/NN_verb_object.ipynb``. Its inputs are the notebook's own
cells (not its outputs), its parameters from ``params.yaml``, the code in ``src/helpers``, the
raw-source catalogue and curated files, and the processed files written by earlier stages. A
stage whose inputs are unchanged since its last success (recorded in ``.build/``) and whose
outputs are still in place is skipped; ``--force`` reruns every stage.

Each notebook is executed into a temporary file, stripped of volatile metadata (timestamps,
durations, temporary paths, random cell ids) and only then renamed over the committed copy,
so a failing notebook leaves the committed one untouched and re-runs are byte-identical.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from helpers import acquire
from helpers.config import load_params, notebook_parameters
from helpers.errors import AcquisitionError, ConfigError, PipelineError
from helpers.paths import BUILD_DIR, CURATED_DIR, NOTEBOOKS_DIR, PROCESSED_DIR, ROOT, SOURCES_FILE

NOTEBOOK_NAME = re.compile(r"^(\d{2})_[a-z0-9_]+\.ipynb$")
INJECTED_TAG = "injected-parameters"
STATE_VERSION = 1


@dataclass(frozen=True)
class PipelineLayout:
    """Where the pipeline reads and writes; the defaults are the repository's own folders."""

    notebooks_dir: Path = NOTEBOOKS_DIR
    processed_dir: Path = PROCESSED_DIR
    params_file: Path = ROOT / "params.yaml"
    helpers_dir: Path = ROOT / "src" / "helpers"
    raw_inputs: tuple[Path, ...] = (SOURCES_FILE, CURATED_DIR)
    build_dir: Path = BUILD_DIR

    @property
    def state_file(self) -> Path:
        """JSON record of each stage's last successful inputs and outputs."""
        return self.build_dir / "pipeline_state.json"


@dataclass
class StageResult:
    """What happened to one stage."""

    name: str
    status: str  # "ran", "skipped" or "failed"
    seconds: float
    outputs: dict[str, str] = field(default_factory=dict)


def discover_notebooks(directory: Path) -> list[Path]:
    """Notebooks named ``NN_verb_object.ipynb`` in numeric order; duplicate numbers are an error."""
    found = sorted(path for path in directory.glob("*.ipynb") if NOTEBOOK_NAME.match(path.name))
    numbers = [NOTEBOOK_NAME.match(path.name).group(1) for path in found]  # type: ignore[union-attr]
    duplicates = sorted({number for number in numbers if numbers.count(number) > 1})
    if duplicates:
        raise PipelineError(f"{directory}: several notebooks share the number(s) {duplicates}")
    return found


def _digest(parts: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def notebook_source_fingerprint(path: Path) -> str:
    """Hash of a notebook's cell types and sources, ignoring outputs and injected parameters."""
    notebook = nbformat.read(path, as_version=4)
    parts = [
        f"{cell.cell_type}\0{cell.source}".encode()
        for cell in notebook.cells
        if INJECTED_TAG not in cell.get("metadata", {}).get("tags", [])
    ]
    return _digest(parts)


def tree_fingerprint(paths: Iterable[Path], pattern: str = "*") -> str:
    """Hash of names and contents of the files at or under ``paths`` (sorted, no caches)."""
    files: list[Path] = []
    for path in paths:
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(
                item
                for item in path.rglob(pattern)
                if item.is_file() and "__pycache__" not in item.parts
            )
    parts: list[bytes] = []
    for item in sorted(files):
        parts.append(item.name.encode())
        parts.append(item.read_bytes())
    return _digest(parts)


def snapshot(directory: Path) -> dict[str, str]:
    """SHA-256 of every file directly in ``directory`` (hidden temporary files excluded)."""
    if not directory.is_dir():
        return {}
    return {
        item.name: hashlib.sha256(item.read_bytes()).hexdigest()
        for item in sorted(directory.iterdir())
        if item.is_file() and not item.name.startswith(".")
    }


def modification_times(directory: Path) -> dict[str, int]:
    """Modification time (ns) of every file directly in ``directory``: a rewritten file,
    even with identical bytes, gets a new time, which is how a stage's outputs are found."""
    if not directory.is_dir():
        return {}
    return {
        item.name: item.stat().st_mtime_ns
        for item in sorted(directory.iterdir())
        if item.is_file() and not item.name.startswith(".")
    }


def sanitize_notebook(notebook: nbformat.NotebookNode, parameters: dict[str, Any]) -> None:
    """Strip volatile metadata that papermill and the kernel add, in place."""
    notebook.metadata["papermill"] = {"parameters": parameters}
    for cell in notebook.cells:
        metadata = cell.get("metadata", {})
        metadata.pop("papermill", None)
        metadata.pop("execution", None)
        if INJECTED_TAG in metadata.get("tags", []):
            cell["id"] = INJECTED_TAG


def _failure_message(name: str, error: Exception) -> str:
    cell_index = getattr(error, "cell_index", None)
    source = (getattr(error, "source", "") or "").strip().splitlines()
    first_line = source[0] if source else ""
    ename = getattr(error, "ename", type(error).__name__)
    evalue = getattr(error, "evalue", str(error))
    where = f"cell {cell_index} ('{first_line}')" if cell_index is not None else "before any cell"
    return f"notebook {name} failed in {where}: {ename}: {evalue}"


def execute_notebook(path: Path, parameters: dict[str, Any], layout: PipelineLayout) -> None:
    """Execute ``path`` in place with papermill, atomically; raise PipelineError on failure.

    On failure the executed copy (with the traceback) is kept in ``.build/failed/``.
    """
    import papermill

    layout.build_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=layout.build_dir) as scratch:
        executed = Path(scratch) / path.name
        try:
            papermill.execute_notebook(
                str(path),
                str(executed),
                parameters=parameters,
                kernel_name="python3",
                cwd=str(path.parent),
                progress_bar=False,
                log_output=False,
            )
        except Exception as error:
            failed_dir = layout.build_dir / "failed"
            failed_dir.mkdir(parents=True, exist_ok=True)
            if executed.exists():
                executed.replace(failed_dir / path.name)
            raise PipelineError(_failure_message(path.stem, error)) from error
        notebook = nbformat.read(executed, as_version=4)
        sanitize_notebook(notebook, parameters)
        final = Path(scratch) / f"{path.name}.final"
        nbformat.write(notebook, final)
        final.replace(path)


def _load_state(layout: PipelineLayout) -> dict[str, Any]:
    if layout.state_file.is_file():
        state = json.loads(layout.state_file.read_text(encoding="utf-8"))
        if state.get("version") == STATE_VERSION:
            return state
    return {"version": STATE_VERSION, "stages": {}}


def _save_state(layout: PipelineLayout, state: dict[str, Any]) -> None:
    layout.build_dir.mkdir(parents=True, exist_ok=True)
    temporary = layout.state_file.with_suffix(".part")
    temporary.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
    temporary.replace(layout.state_file)


def stage_key(
    notebook: Path,
    parameters: dict[str, Any],
    shared_inputs: str,
    upstream_outputs: dict[str, str],
) -> str:
    """Fingerprint of everything a stage depends on."""
    payload = {
        "notebook": notebook_source_fingerprint(notebook),
        "parameters": parameters,
        "shared": shared_inputs,
        "upstream": upstream_outputs,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _outputs_intact(outputs: dict[str, str], processed_dir: Path) -> bool:
    current = snapshot(processed_dir)
    return all(current.get(name) == digest for name, digest in outputs.items())


def declared_parameters(notebook: Path) -> set[str]:
    """Names assigned in the notebook's cell tagged ``parameters``."""
    import papermill

    return set(papermill.inspect_notebook(str(notebook)))


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


def run_pipeline(
    *,
    force: bool = False,
    layout: PipelineLayout | None = None,
    report: Callable[[str], None] = print,
) -> list[StageResult]:
    """Run every stale stage in order; return one result per stage. Raises PipelineError."""
    layout = layout or PipelineLayout()
    params = load_params(layout.params_file)
    notebooks = discover_notebooks(layout.notebooks_dir)
    unknown = sorted(set(params["notebooks"]) - {path.stem for path in notebooks})
    if unknown:
        raise PipelineError(f"{layout.params_file}: parameters for unknown notebooks {unknown}")
    shared_inputs = _digest(
        [
            tree_fingerprint([layout.helpers_dir], "*.py").encode(),
            tree_fingerprint(list(layout.raw_inputs)).encode(),
        ]
    )
    state = _load_state(layout)
    upstream: dict[str, str] = {}
    results: list[StageResult] = []
    for position, notebook in enumerate(notebooks, start=1):
        name = notebook.stem
        parameters = parameters_for(notebook, params)
        key = stage_key(notebook, parameters, shared_inputs, upstream)
        recorded = state["stages"].get(name, {})
        label = f"[{position}/{len(notebooks)}] {name}"
        started = time.perf_counter()
        if (
            not force
            and recorded.get("key") == key
            and _outputs_intact(recorded.get("outputs", {}), layout.processed_dir)
        ):
            outputs = recorded.get("outputs", {})
            results.append(StageResult(name, "skipped", time.perf_counter() - started, outputs))
            report(f"{label}: skipped (inputs unchanged)")
        else:
            report(f"{label}: running ...")
            before = modification_times(layout.processed_dir)
            try:
                execute_notebook(notebook, parameters, layout)
            except PipelineError:
                results.append(StageResult(name, "failed", time.perf_counter() - started))
                state["stages"].pop(name, None)
                _save_state(layout, state)
                raise
            written = modification_times(layout.processed_dir)
            after = snapshot(layout.processed_dir)
            outputs = {
                out: digest for out, digest in after.items() if before.get(out) != written.get(out)
            }
            state["stages"][name] = {"key": key, "outputs": outputs}
            _save_state(layout, state)
            seconds = time.perf_counter() - started
            results.append(StageResult(name, "ran", seconds, outputs))
            report(f"{label}: ran in {seconds:.1f} s, wrote {sorted(outputs) or 'no tables'}")
        upstream.update(results[-1].outputs)
    return results


def render_report_stage(report: Callable[[str], None] = print) -> str:
    """Render the report (Quarto if installed, else the pandoc fallback); return the renderer."""
    from helpers import render

    return render.render_report(report)


def summarise(results: list[StageResult], total_seconds: float) -> str:
    """A plain-text summary table of the run."""
    lines = ["", "Pipeline summary", f"{'stage':<32} {'status':<8} {'seconds':>8}"]
    lines += [f"{r.name:<32} {r.status:<8} {r.seconds:>8.1f}" for r in results]
    ran = sum(r.status == "ran" for r in results)
    skipped = sum(r.status == "skipped" for r in results)
    lines.append(f"{ran} ran, {skipped} skipped, total {total_seconds:.1f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m helpers.pipeline [--force] [--no-render]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rerun every stage")
    parser.add_argument("--no-render", action="store_true", help="run the notebooks only")
    arguments = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        # Kernels run in notebooks/: hand them the mirror as an absolute path, resolved here.
        print(acquire.describe_mirror(acquire.export_resolved_mirror()))
        results = run_pipeline(force=arguments.force)
        if not arguments.no_render:
            render_report_stage()
    except (AcquisitionError, ConfigError) as error:
        print(f"\nPIPELINE FAILED: {error}", file=sys.stderr)
        return 1
    except PipelineError as error:
        print(f"\nPIPELINE FAILED: {error}", file=sys.stderr)
        print("The executed copy with the traceback is in .build/failed/.", file=sys.stderr)
        return 1
    print(summarise(results, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
