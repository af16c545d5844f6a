"""Benchmark of the build (``make bench``): issue 21's figures, written to ``bench/benchmark.json``.

- ``cold_make_report``: ``make report`` from nothing built (no ``.build/``, ``.snakemake/``,
  executed notebooks, profiles or rendered report; environment installed and raw data
  present): every stage, the 42 profiles and the render;
- ``noop_make_report``: ``make report`` again, nothing changed;
- ``edit_loop``: one notebook-03 parameter changed in ``params.yaml`` (``power``), then
  ``make report`` (the file is restored and the build rerun afterwards, untimed);
- ``test_suite``: ``make test``;
- ``machinery_lines``: lines of the build machinery (:data:`MACHINERY`; the renderer excluded).

Each command's wall time, CPU time of its process tree and peak memory of its largest process
are recorded with the 1-minute load average around it (the machine may be shared). POSIX only,
as ``make`` is.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from helpers.paths import PARAMS_FILE, REPORT_DIR, ROOT

BENCH_FILE: Path = ROOT / "bench" / "benchmark.json"
#: The build machinery whose size issue 21 budgets (at most 800 lines), counted as issue 21
#: counted it before, so that the figures compare: the workflow (Snakefile, rules, profiles),
#: the Python the rules run to find inputs, run notebooks and fit the curve chunks (workflow,
#: curves, processes) and this benchmark (the raw-file parse cache, data/interim, counted
#: before, was deleted: it bought under 2% of make test's CPU time and nothing in a cold
#: build). Not counted: the renderers, which only write HTML and PDF (helpers.report.render;
#: helpers.report.profile_pages, since it became one plain process pouring tables into a
#: template: no kernels, no runner), and the analysis the notebooks call (the curve's fits
#: live in helpers.analysis, which the notebooks use too).
MACHINERY: tuple[str, ...] = (
    "Snakefile",
    "workflow/rules/*.smk",
    "workflow/profiles/*/config.yaml",
    "src/helpers/workflow.py",
    "src/helpers/curves.py",
    "src/helpers/processes.py",
    "src/helpers/bench.py",
)
TARGETS: dict[str, tuple[str, str, float]] = {
    "cold_make_report_seconds": ("cold_make_report", "seconds", 60.0),
    "noop_make_report_seconds": ("noop_make_report", "seconds", 2.5),
    "edit_loop_seconds": ("edit_loop", "seconds", 25.0),
    "test_suite_seconds": ("test_suite", "seconds", 150.0),
    "peak_memory_mib": ("peak", "peak_rss_mib", 1536.0),
    "machinery_lines": ("machinery_lines", "total", 800.0),
}


def measure(command: list[str]) -> dict[str, Any]:
    """Wall time, CPU time and peak memory of ``command`` run from the repository, with the load
    around it. POSIX: ``os.wait4`` reports the finished command's resource use, its waited-for
    descendants included (``make``, Snakemake, the jobs, their kernels)."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    return {
        "seconds": round(time.perf_counter() - start, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "exit": os.waitstatus_to_exitcode(status),
    }


def machinery_lines(root: Path = ROOT) -> dict[str, int]:
    """Line count of each build-machinery file (:data:`MACHINERY`) and their total."""
    counts = {
        str(path.relative_to(root)): len(path.read_text(encoding="utf-8").splitlines())
        for pattern in MACHINERY
        for path in sorted(root.glob(pattern))
    }
    return {**counts, "total": sum(counts.values())}


def targets(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target of issue 21 with the measured figure and whether it is met."""
    checked = {}
    for name, (entry, key, limit) in TARGETS.items():
        measured = figures.get(entry, {}).get(key)
        met = measured is not None and measured <= limit
        checked[name] = {"measured": measured, "at_most": limit, "met": met}
    return checked


def clean_build(make: list[str]) -> None:
    """Remove everything a build makes (never data/raw or data/processed): ``make clean``, and
    the profiles it keeps."""
    subprocess.run([*make, "clean"], cwd=ROOT, check=True, capture_output=True)
    shutil.rmtree(REPORT_DIR / "systems", ignore_errors=True)


def edit_loop(make: list[str]) -> dict[str, Any]:
    """Change notebook 03's ``power`` in params.yaml, time ``make report``, then restore the
    file and rebuild (untimed)."""
    original = PARAMS_FILE.read_text(encoding="utf-8")
    edited = original.replace("    power: 0.8 ", "    power: 0.81", 1)
    if edited == original:
        raise RuntimeError(f"{PARAMS_FILE}: no 'power: 0.8' line to change")
    try:
        PARAMS_FILE.write_text(edited, encoding="utf-8")
        return measure([*make, "report"])
    finally:
        PARAMS_FILE.write_text(original, encoding="utf-8")
        subprocess.run([*make, "report"], cwd=ROOT, check=True, capture_output=True)


def record(figures: dict[str, Any], bench_file: Path = BENCH_FILE) -> None:
    """Write ``figures`` into the benchmark file, keeping the entries not measured now."""
    document = json.loads(bench_file.read_text(encoding="utf-8")) if bench_file.is_file() else {}
    document.update(figures)
    bench_file.parent.mkdir(parents=True, exist_ok=True)
    bench_file.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def main() -> int:
    """Run every measurement and write ``bench/benchmark.json``."""
    make = ["make", "--no-print-directory"]
    clean_build(make)
    figures: dict[str, Any] = {"cold_make_report": measure([*make, "report"])}
    figures["noop_make_report"] = measure([*make, "report"])
    figures["edit_loop"] = edit_loop(make)
    figures["test_suite"] = measure([*make, "test"])
    peaks = [f["peak_rss_mib"] for f in figures.values() if f.get("peak_rss_mib") is not None]
    figures["peak"] = {"peak_rss_mib": max(peaks) if peaks else None}
    figures["machinery_lines"] = machinery_lines()
    figures["targets"] = targets(figures)
    figures["machine"] = {"platform": platform.platform(), "cpus": os.cpu_count()}
    record(figures)
    print(json.dumps(figures["targets"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
