"""Build the 42 system profile pages: run notebook 08 once per system with papermill, render
each run to ``report/systems/<icb_code>.html`` and write a searchable index page.

Speed. Starting a Jupyter kernel and importing pandas, matplotlib and the helpers costs more
than a profile itself, so one kernel per available core is started once and runs system after
system (:class:`helpers.profile_kernels.ProfileKernel`): papermill still parameterises and
executes every notebook, and a first cell (removed from the executed copy) clears the kernel
between systems, so every run is the same as a run in a fresh kernel. Each kernel is driven by
a thread of this process, which takes the next system when its kernel is free, writes the
executed notebook and renders the page with one reused nbconvert exporter.

Skipping. A system is re-run only when its key changes: the notebook's cells, its parameters
(``params.yaml``), the code in ``src/helpers``, or the processed tables the notebook reads
(:data:`helpers.profiles.INPUT_TABLES`); or when its page is missing or was edited. Keys and page
hashes are kept in ``.build/profiles/state.json``. Executed notebooks are kept in
``.build/profiles/`` and pages in ``report/systems/``; both are git-ignored and byte-identical
on a re-run. The committed ``notebooks/08_profile_system.ipynb`` is the pipeline's canonical run
for the system named in ``params.yaml`` (checked by nbval).

Up-to-date check. When a full build has recorded which tables its inputs fingerprint covered,
the list of systems and the index, a later build with nothing changed is recognised from file
hashes alone (:func:`unchanged_profiles`): it loads no table, so this module imports pandas and
:mod:`helpers.profiles` only in the functions that read tables (a no-op ``make report`` then
never imports pandas).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import queue
import shutil
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers import kernel_forks
from helpers.config import load_params, notebook_parameters
from helpers.errors import ConfigError, PipelineError
from helpers.paths import BUILD_DIR, NOTEBOOKS_DIR, PARAMS_FILE, PROCESSED_DIR, REPORT_DIR, ROOT
from helpers.profile_kernels import (
    ProfileKernel,
    prepared_notebook,
    warm_up_source,
    without_reset_cell,
)

if TYPE_CHECKING:
    from nbformat import NotebookNode

PROFILE_NOTEBOOK: Path = NOTEBOOKS_DIR / "08_profile_system.ipynb"
PAGES_DIR: Path = REPORT_DIR / "systems"
EXECUTED_DIR: Path = BUILD_DIR / "profiles"
STATE_VERSION = 1
INJECTED_TAG = "injected-parameters"
PAGE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.45;
  max-width: 62em; margin: 0 auto; padding: 0 1em 3em; color: #1a1a1a; }
nav { margin: 1em 0; font-size: 0.9em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.8em 0; display: block;
  overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
img { max-width: 100%; height: auto; }
.jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt { display: none; }
#search { font-size: 1em; padding: 0.4em; width: 100%; max-width: 30em; margin: 0.5em 0; }
"""
INDEX_SCRIPT = """
document.getElementById("search").addEventListener("input", function () {
  var words = this.value.toLowerCase().trim();
  document.querySelectorAll("#systems tbody tr").forEach(function (row) {
    row.style.display = row.textContent.toLowerCase().includes(words) ? "" : "none";
  });
});
"""


@dataclass(frozen=True)
class ProfileJob:
    """One system to profile: its code, papermill parameters and where its outputs go."""

    icb_code: str
    parameters: dict[str, Any]
    executed: Path
    page: Path


@dataclass
class ProfileResult:
    """What happened to one system's profile."""

    icb_code: str
    status: str  # "ran" or "skipped"
    seconds: float
    page_sha256: str


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def profile_parameters(params: dict[str, Any], icb_code: str) -> dict[str, Any]:
    """The notebook's parameters from params.yaml (those its parameters cell declares, as the
    pipeline passes them) with ``icb_code`` set to one system."""
    from helpers.pipeline import declared_parameters

    declared = declared_parameters(PROFILE_NOTEBOOK)
    own = notebook_parameters(PROFILE_NOTEBOOK.stem, params)
    return {**{k: v for k, v in sorted(own.items()) if k in declared}, "icb_code": icb_code}


def input_tables() -> tuple[str, ...]:
    """The processed tables every profile reads (:data:`helpers.profiles.INPUT_TABLES`)."""
    from helpers import profiles

    return profiles.INPUT_TABLES


def inputs_fingerprint(
    notebook: Path = PROFILE_NOTEBOOK,
    processed_dir: Path = PROCESSED_DIR,
    table_names: Sequence[str] | None = None,
) -> str:
    """Hash of what every profile depends on apart from its parameters: the notebook's cell
    sources, the helpers' code and the processed tables the notebook reads (``table_names``,
    by default :func:`input_tables`)."""
    from helpers.pipeline import notebook_source_fingerprint

    names = input_tables() if table_names is None else table_names
    tables = [processed_dir / name for name in names]
    helpers = sorted((ROOT / "src" / "helpers").rglob("*.py"))
    parts = {
        "notebook": notebook_source_fingerprint(notebook),
        "helpers": {
            str(path.relative_to(ROOT)): _sha256(path.read_bytes())
            for path in helpers
            if "__pycache__" not in path.parts
        },
        "tables": {
            path.name: _sha256(path.read_bytes()) if path.is_file() else None for path in tables
        },
    }
    return _sha256(json.dumps(parts, sort_keys=True).encode())


def job_key(shared: str, parameters: dict[str, Any]) -> str:
    """The skip key of one system."""
    return _sha256(
        json.dumps({"shared": shared, "parameters": parameters}, sort_keys=True).encode()
    )


def _load_state(path: Path) -> dict[str, Any]:
    if path.is_file():
        state = json.loads(path.read_text(encoding="utf-8"))
        if state.get("version") == STATE_VERSION:
            return state
    return {"version": STATE_VERSION, "systems": {}}


def _save_state(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    temporary.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
    temporary.replace(path)


# --- executing and rendering (one thread and one kernel per core) -----------------------------


def sanitize_executed(notebook: NotebookNode, parameters: dict[str, Any]) -> None:
    """Remove the reset cell and volatile metadata, in place (as the pipeline does)."""
    from helpers.pipeline import sanitize_notebook

    without_reset_cell(notebook)
    sanitize_notebook(notebook, parameters)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for count, cell in enumerate(code_cells, start=1):
        cell.execution_count = count
        for output in cell.outputs:
            if output.get("output_type") == "execute_result":
                output["execution_count"] = count


def page_html(body: str, title: str) -> str:
    """A standalone profile page around the body nbconvert made."""
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{PAGE_CSS}</style>\n</head>\n<body>\n"
        '<nav><a href="index.html">All 42 system profiles</a> · '
        '<a href="../index.html">The report</a></nav>\n<main>\n'
        f"{body}\n</main>\n</body>\n</html>\n"
    )


def page_exporter() -> Any:
    """The nbconvert HTML exporter of the pages (code hidden); one per thread, reused."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
        optimistic_validation=True,  # validate once after all preprocessors, not after each
    )


def give_figures_alt_text(notebook: NotebookNode) -> None:
    """Copy each figure cell's Quarto ``fig-alt`` option into the cell's ``alt`` metadata, in
    place: nbconvert describes the cell's images with it (it writes "No description has been
    provided for this image" otherwise)."""
    from helpers.render import cell_options

    for cell in notebook.cells:
        if cell.cell_type == "code" and "#| fig-alt:" in cell.source:
            alt = cell_options(cell.source).get("fig-alt")
            if alt:
                cell.metadata["alt"] = str(alt)


def render_page(notebook: NotebookNode, icb_code: str, exporter: Any) -> str:
    """The profile page of one executed notebook (code hidden, outputs and text shown; figures
    described by their ``fig-alt``). Adds ``alt`` metadata to the notebook's figure cells."""
    give_figures_alt_text(notebook)
    body, _ = exporter.from_notebook_node(notebook)
    return page_html(body, f"{icb_code}: integrated care system profile")


def run_job(kernel: ProfileKernel, prepared: Any, job: ProfileJob, exporter: Any) -> str:
    """Execute one system's profile in ``kernel``, write its executed notebook and its page;
    return the page's SHA-256."""
    try:
        executed = kernel.run(prepared, job.parameters)
    except PipelineError:
        raise
    except Exception as error:  # papermill raises its own execution error types
        raise PipelineError(
            f"profile {job.icb_code}: notebook {PROFILE_NOTEBOOK.name} failed: "
            f"{getattr(error, 'ename', type(error).__name__)}: "
            f"{getattr(error, 'evalue', error)}"
        ) from error
    import nbformat

    sanitize_executed(executed, job.parameters)
    job.executed.parent.mkdir(parents=True, exist_ok=True)
    job.page.parent.mkdir(parents=True, exist_ok=True)
    _atomic_text(job.executed, nbformat.writes(executed) + "\n")
    page = render_page(executed, job.icb_code, exporter)
    _atomic_text(job.page, page)
    return _sha256(page.encode("utf-8"))


@dataclass
class _Shared:
    """What the kernel threads share: the jobs left, the results, the first error."""

    prepared: Any
    warm_up: str
    jobs: queue.SimpleQueue[ProfileJob]
    results: list[tuple[str, float, str]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def next_job(self) -> ProfileJob | None:
        """The next job, or None when all are taken or a thread has failed."""
        if self.stop.is_set():
            return None
        try:
            return self.jobs.get_nowait()
        except queue.Empty:
            return None


def _kernel_thread(shared: _Shared) -> None:
    """One thread: start a kernel, run jobs until none are left, shut the kernel down."""
    kernel = ProfileKernel(PROFILE_NOTEBOOK.parent)
    try:
        kernel.start(shared.warm_up)
        exporter = page_exporter()
        while (job := shared.next_job()) is not None:
            started = time.perf_counter()
            digest = run_job(kernel, shared.prepared, job, exporter)
            shared.results.append((job.icb_code, time.perf_counter() - started, digest))
    except BaseException as error:  # handed to the main thread, which raises it
        shared.errors.append(error)
        shared.stop.set()
    finally:
        kernel.shutdown()


def run_jobs(jobs: Sequence[ProfileJob], workers: int) -> list[tuple[str, float, str]]:
    """Run the jobs in ``workers`` kernels, one thread each, every thread taking the next job
    when it is free; return (code, seconds, page sha256) per job, in job order."""
    import nbformat

    from helpers.pipeline import notebook_cells

    source = nbformat.read(PROFILE_NOTEBOOK, as_version=4)
    shared = _Shared(
        prepared=prepared_notebook(source),
        warm_up=warm_up_source(notebook_cells(PROFILE_NOTEBOOK)),
        jobs=queue.SimpleQueue(),
    )
    for job in jobs:
        shared.jobs.put(job)
    threads = [
        threading.Thread(target=_kernel_thread, args=(shared,), name=f"profile-kernel-{index}")
        for index in range(max(min(workers, len(jobs)), 1))
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except KeyboardInterrupt:
        shared.stop.set()
        for thread in threads:
            thread.join()
        raise
    if shared.errors:
        error = shared.errors[0]
        if isinstance(error, PipelineError):
            raise error
        raise PipelineError(f"profiles: {type(error).__name__}: {error}") from error
    order = {job.icb_code: index for index, job in enumerate(jobs)}
    return sorted(shared.results, key=lambda result: order[result[0]])


def _atomic_text(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


# --- the index page ------------------------------------------------------------------------------


def index_rows(index: Any) -> str:
    """Table rows of the index page, one per system, linking each profile."""
    import pandas as pd

    from helpers import profiles
    from helpers.finance import readable

    rows = []
    for row in index.itertuples(index=False):
        if pd.isna(row.latest_year):
            position = "no figure on record"
        else:
            position = (
                f"£{profiles.format_number(row.latest_gbp_m, 1)}m "
                f"({profiles.format_number(row.latest_pct, 1)}% of core allocation), "
                f"{row.latest_year} {readable(row.latest_stage)}"
            )
        rows.append(
            "<tr>"
            f'<td><a href="{row.icb_code}.html">{html.escape(row.name)}</a></td>'
            f"<td>{html.escape(row.region)}</td><td>{row.icb_code}</td>"
            f"<td>{html.escape(position)}</td>"
            f"<td>{row.years_with_figure} of {row.n_years} years</td></tr>"
        )
    return "\n".join(rows)


def index_page(index: Any, years: Sequence[str]) -> str:
    """The searchable index page of all systems."""
    body = (
        f"<h1>System profiles: the {len(index)} integrated care systems</h1>\n"
        f"<p>One page per system, financial years {years[0]} to {years[-1]}, made by running "
        f"notebook <code>{PROFILE_NOTEBOOK.name}</code> once per system. Best-available "
        "position: the latest year's most final whole-system figure on record (deficit "
        "negative). Coverage: years with such a figure.</p>\n"
        '<input id="search" type="search" placeholder="Search by name, region or code" '
        'aria-label="Search systems">\n'
        '<table id="systems"><thead><tr><th>System</th><th>Region</th><th>Code</th>'
        "<th>Best-available position (latest year)</th><th>Coverage</th></tr></thead>\n"
        f"<tbody>\n{index_rows(index)}\n</tbody></table>\n"
        f"<script>{INDEX_SCRIPT}</script>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>System profiles</title>\n<style>{PAGE_CSS}</style>\n</head>\n<body>\n"
        '<nav><a href="../index.html">The report</a></nav>\n<main>\n'
        f"{body}\n</main>\n</body>\n</html>\n"
    )


def write_index(years: Sequence[str], pages_dir: Path = PAGES_DIR) -> Path:
    """Write ``index.html`` listing every system from the processed tables."""
    from helpers import profiles

    inputs = profiles.load_inputs()
    index = profiles.system_index(inputs, years)
    profiles.check_system_index(index, len(inputs.lookup))
    pages_dir.mkdir(parents=True, exist_ok=True)
    path = pages_dir / "index.html"
    _atomic_text(path, index_page(index, years))
    return path


# --- the runner ---------------------------------------------------------------------------------


def select_codes(requested: Sequence[str] | None, valid: Sequence[str]) -> list[str]:
    """All codes, or the requested ones, each checked (unknown -> ConfigError with matches)."""
    if not requested:
        return sorted(valid)
    from helpers import profiles

    lookup = profiles.load_inputs().lookup
    return [profiles.check_icb_code(code, lookup) for code in requested]


def index_key(shared: str, params: dict[str, Any]) -> str:
    """The skip key of the index page: the profiles' inputs and the financial years shown."""
    years = [params["common"]["first_year"], params["common"]["last_year"]]
    return _sha256(json.dumps({"shared": shared, "years": years}, sort_keys=True).encode())


def _page_intact(page: Path, recorded: dict[str, Any]) -> bool:
    """Whether a page exists with the hash recorded when it was written."""
    return page.is_file() and _sha256(page.read_bytes()) == recorded.get("page_sha256")


def unchanged_profiles(state: dict[str, Any], params: dict[str, Any]) -> list[ProfileResult] | None:
    """Every system as skipped, when the last full build recorded its inputs and nothing has
    changed since: the fingerprint over the tables it recorded, every system's key and page,
    and the index page. Else None (the full check loads the tables).

    Sound without loading a table: the fingerprint covers the helpers' code, so an unchanged
    fingerprint means :data:`helpers.profiles.INPUT_TABLES` is still the recorded list, and it
    covers the ICB lookup table, so the list of systems is still the recorded one."""
    recorded = state.get("inputs")
    if not isinstance(recorded, dict) or not {"tables", "fingerprint", "codes"} <= set(recorded):
        return None
    shared = inputs_fingerprint(table_names=recorded["tables"])
    if shared != recorded["fingerprint"]:
        return None
    index = {"page_sha256": recorded.get("index_sha256")}
    if recorded.get("index_key") != index_key(shared, params) or not _page_intact(
        PAGES_DIR / "index.html", index
    ):
        return None
    results = []
    for code in recorded["codes"]:
        system = state["systems"].get(code, {})
        if system.get("key") != job_key(shared, profile_parameters(params, code)):
            return None
        if not _page_intact(PAGES_DIR / f"{code}.html", system):
            return None
        results.append(ProfileResult(code, "skipped", 0.0, system["page_sha256"]))
    return results


def build_profiles(
    codes: Sequence[str] | None = None,
    *,
    force: bool = False,
    workers: int | None = None,
    report: Callable[[str], None] = print,
) -> list[ProfileResult]:
    """Run the stale profiles in parallel and write the index; return one result per system."""
    started = time.perf_counter()
    params = load_params(PARAMS_FILE)
    state_file = EXECUTED_DIR / "state.json"
    state = _load_state(state_file)
    unchanged = None if force or codes else unchanged_profiles(state, params)
    if unchanged is not None:
        report(
            f"[profiles] 0 of {len(unchanged)} system profiles to run (inputs unchanged), "
            f"index unchanged, {time.perf_counter() - started:.1f} s"
        )
        return unchanged
    from helpers import profiles
    from helpers.pressure import financial_years

    lookup = profiles.load_inputs().lookup
    selected = select_codes(codes, list(lookup["icb_code"]))
    shared = inputs_fingerprint()
    results: list[ProfileResult] = []
    stale: list[ProfileJob] = []
    for code in selected:
        parameters = profile_parameters(params, code)
        job = ProfileJob(
            code, parameters, EXECUTED_DIR / f"{code}.ipynb", PAGES_DIR / f"{code}.html"
        )
        recorded = state["systems"].get(code, {})
        if (
            not force
            and _page_intact(job.page, recorded)
            and recorded.get("key") == job_key(shared, parameters)
        ):
            results.append(ProfileResult(code, "skipped", 0.0, recorded["page_sha256"]))
        else:
            stale.append(job)
    workers = min(workers or os.cpu_count() or 1, len(stale)) if stale else 0
    report(
        f"[profiles] {len(stale)} of {len(selected)} system profiles to run"
        + (f" in {workers} kernel(s)" if stale else " (inputs unchanged)")
    )
    if stale:
        with kernel_forks.fork_server():  # the pipeline's, when it runs one
            finished = list(run_jobs(stale, workers))
        for code, seconds, digest in finished:
            job = next(job for job in stale if job.icb_code == code)
            state["systems"][code] = {"key": job_key(shared, job.parameters), "page_sha256": digest}
            results.append(ProfileResult(code, "ran", seconds, digest))
    years = financial_years(params["common"]["first_year"], params["common"]["last_year"])
    index_page_file = write_index(years)
    if not codes:  # a full build: record what lets the next one skip without loading tables
        state["inputs"] = {
            "tables": list(input_tables()),
            "fingerprint": shared,
            "codes": selected,
            "index_key": index_key(shared, params),
            "index_sha256": _sha256(index_page_file.read_bytes()),
        }
    _save_state(state_file, state)
    report(
        f"[profiles] {sum(r.status == 'ran' for r in results)} ran, "
        f"{sum(r.status == 'skipped' for r in results)} skipped, index written, "
        f"{time.perf_counter() - started:.1f} s"
    )
    return sorted(results, key=lambda result: result.icb_code)


def publish(output_dir: Path, pages_dir: Path = PAGES_DIR) -> Path | None:
    """Copy the pages beside a rendered report (``<output_dir>/systems``), so the report's
    link ``systems/index.html`` works; returns the folder, or None when there is no report."""
    if not output_dir.is_dir() or not pages_dir.is_dir():
        return None
    target = output_dir / "systems"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(pages_dir, target)
    return target


def publish_beside_report() -> list[Path]:
    """Copy the pages beside each rendered report (Quarto copies them itself as a manuscript
    resource; the pandoc fallback in ``report/_output`` needs the copy)."""
    from helpers.render import FALLBACK_OUTPUT

    target = publish(REPORT_DIR / FALLBACK_OUTPUT.parent)
    return [target] if target else []


def benchmark() -> dict[str, Any]:
    """Time the 42 profiles from cold and a no-op re-run (:func:`helpers.bench.
    profiles_benchmark`) and record them under ``profiles`` in ``bench/benchmark.json``,
    keeping the file's other figures."""
    from helpers.bench import profiles_benchmark, record

    figures = profiles_benchmark()
    record({"profiles": figures})
    return figures


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.profile_pages [--icb QOC ...] [--force] [--workers N] [--bench]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--icb", nargs="*", help="ICB codes to build (default: all)")
    parser.add_argument("--force", action="store_true", help="rerun even unchanged systems")
    parser.add_argument("--workers", type=int, default=None, help="kernels in parallel")
    parser.add_argument(
        "--bench", action="store_true", help="time cold and no-op runs into bench/benchmark.json"
    )
    arguments = parser.parse_args(argv)
    if arguments.bench:
        print(json.dumps(benchmark(), indent=2))
        return 0
    from helpers.pipeline import single_threaded_numerics

    single_threaded_numerics()  # as for the pipeline's stages: deterministic, no oversubscribing
    try:
        build_profiles(arguments.icb, force=arguments.force, workers=arguments.workers)
    except (ConfigError, PipelineError) as error:
        print(f"\nPROFILES FAILED: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
