"""Build the 42 system profile pages: run notebook 08 once per system with papermill, render
each run to ``report/systems/<icb_code>.html`` and write a searchable index page.

Speed. Starting a Jupyter kernel and importing pandas, matplotlib and the helpers costs more
than a profile itself, so one kernel per available core is started once and runs system after
system (:class:`helpers.report.profile_kernels.ProfileKernel`): papermill still parameterises and
executes every notebook, and a first cell (removed from the executed copy) clears the kernel
between systems, so every run is the same as a run in a fresh kernel. Each kernel is driven by
a thread of this process, which takes the next system when its kernel is free, writes the
executed notebook and renders the page with one reused nbconvert exporter.

Snakemake decides when the profiles are stale (rules ``profiles`` and ``profile`` in
``workflow/rules/report.smk``: the notebook, its parameters, the helpers it imports and the
processed tables); this module only builds them. Executed notebooks are kept in
``.build/profiles/`` and pages in ``report/systems/``; both are git-ignored and byte-identical
on a re-run.
"""

from __future__ import annotations

import argparse
import hashlib
import html
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

from helpers.config import load_params, notebook_parameters
from helpers.errors import ConfigError, PipelineError
from helpers.paths import BUILD_DIR, NOTEBOOKS_DIR, PARAMS_FILE, REPORT_DIR
from helpers.report.profile_kernels import (
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
    from helpers.workflow import declared_parameters

    declared = declared_parameters(PROFILE_NOTEBOOK)
    own = notebook_parameters(PROFILE_NOTEBOOK.stem, params)
    return {**{k: v for k, v in sorted(own.items()) if k in declared}, "icb_code": icb_code}


# --- executing and rendering (one thread and one kernel per core) -----------------------------


def sanitize_executed(notebook: NotebookNode, parameters: dict[str, Any]) -> None:
    """Remove the reset cell and volatile metadata, in place (as the pipeline does)."""
    from helpers.workflow import sanitize_notebook

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
    from helpers.report.render import cell_options

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

    from helpers.workflow import notebook_cells

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

    from helpers.panel.finance import readable
    from helpers.report import profiles

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
    from helpers.report import profiles

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
    from helpers.report import profiles

    lookup = profiles.load_inputs().lookup
    return [profiles.check_icb_code(code, lookup) for code in requested]


def build_profiles(
    codes: Sequence[str] | None = None,
    *,
    workers: int | None = None,
    pages_dir: Path = PAGES_DIR,
    report: Callable[[str], None] = print,
) -> list[ProfileResult]:
    """Run the profiles of ``codes`` (default: all 42, then the index page) in parallel."""
    started = time.perf_counter()
    params = load_params(PARAMS_FILE)
    from helpers.panel.pressure import financial_years
    from helpers.report import profiles

    lookup = profiles.load_inputs().lookup
    selected = select_codes(codes, list(lookup["icb_code"]))
    jobs = [
        ProfileJob(
            code,
            profile_parameters(params, code),
            EXECUTED_DIR / f"{code}.ipynb",
            pages_dir / f"{code}.html",
        )
        for code in selected
    ]
    workers = max(min(workers or os.cpu_count() or 1, len(jobs)), 1)
    report(f"[profiles] {len(jobs)} system profiles to run in {workers} kernel(s)")
    results = [
        ProfileResult(code, "ran", seconds, digest)
        for code, seconds, digest in run_jobs(jobs, workers)
    ]
    if not codes:
        years = financial_years(params["common"]["first_year"], params["common"]["last_year"])
        write_index(years, pages_dir)
    report(f"[profiles] {len(results)} ran, {time.perf_counter() - started:.1f} s")
    return results


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
    from helpers.report.render import FALLBACK_OUTPUT

    target = publish(REPORT_DIR / FALLBACK_OUTPUT.parent)
    return [target] if target else []


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.report.profile_pages [--icb QOC ...] [--workers N]
    [--pages-dir DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--icb", nargs="*", help="ICB codes to build (default: all)")
    parser.add_argument("--workers", type=int, default=None, help="kernels in parallel")
    parser.add_argument("--pages-dir", type=Path, default=PAGES_DIR, help="where pages go")
    arguments = parser.parse_args(argv)
    from helpers.processes import die_with_parent, single_threaded

    die_with_parent()
    single_threaded()  # as for the stages: deterministic, no oversubscribing
    try:
        build_profiles(arguments.icb, workers=arguments.workers, pages_dir=arguments.pages_dir)
    except (ConfigError, PipelineError) as error:
        print(f"rule profiles: notebook {PROFILE_NOTEBOOK.name}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
