"""Benchmark: cold and no-op builds, the naive baseline and the test suite, to JSON.

Each figure is measured in one run of ``make bench`` (``python -m helpers.bench``):

- ``cold_pipeline``: the stages and the report from nothing built (``python -m
  helpers.pipeline --no-profiles``): no ``.build/`` state and an empty ``data/interim/``
  (environment installed, raw data present); issue 13's target, the profiles being budgeted
  separately;
- ``noop_rebuild``: ``make report`` once the stages, report and profiles are built, nothing
  changed;
- ``cold_make_report``: everything from nothing built, the 42 profiles included (what a
  reader's first ``make report`` costs);
- ``naive_baseline``: every notebook executed in order with papermill, one at a time, with the
  interim layer off (no caching of any kind), as the pipeline did before stages were declared;
- ``test_suite``: ``make test`` (the README's test command; one pytest worker per core);
- ``profiles``: the 42 system profile pages on their own (``python -m helpers.profile_pages``),
  cold (no profile state or pages; processed data present) and then a no-op run, against the
  budget of issue 11 (the profiles may add at most 30 s to a cold ``make report``).

For each: wall time, CPU time (user + system of every process in the command's tree) and peak
resident memory of the largest process. The machine may be shared: the 1-minute load average
before and after each command is recorded too, so wall times can be read against it; CPU
time does not depend on the load.
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

from helpers.paths import BUILD_DIR, INTERIM_DIR, NOTEBOOKS_DIR, ROOT

BENCH_FILE: Path = ROOT / "bench" / "benchmark.json"

# Runs a command and prints its wall time, the CPU time of its whole process tree and the
# peak resident memory of any process in it (RUSAGE_CHILDREN covers every waited-for
# descendant), in MiB.
_MEASURE = """
import json, os, resource, subprocess, sys, time
load_before = os.getloadavg()[0]
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "seconds": round(seconds, 1),
    "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
    "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
    "load_before": round(load_before, 2),
    "load_after": round(os.getloadavg()[0], 2),
    "exit": code,
}))
"""

_NAIVE = """
import sys, papermill
from pathlib import Path
for notebook in sys.argv[2:]:
    papermill.execute_notebook(notebook, str(Path(sys.argv[1]) / Path(notebook).name),
                               kernel_name="python3", cwd=str(Path(notebook).parent),
                               progress_bar=False)
"""


def measure(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Wall time, CPU time, peak memory and load around ``command`` run from the repository."""
    completed = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    if result["exit"] != 0:
        raise RuntimeError(f"benchmark command failed: {' '.join(command)}")
    return result


def naive_baseline(python: str, scratch: Path) -> dict[str, Any]:
    """Every notebook in order, one at a time, no interim layer and no skipping."""
    from helpers.pipeline import discover_notebooks

    scratch.mkdir(parents=True, exist_ok=True)
    notebooks = [str(path) for path in discover_notebooks(NOTEBOOKS_DIR)]
    return measure(
        [python, "-c", _NAIVE, str(scratch), *notebooks],
        env={"ICSFIN_INTERIM": "off"},
    )


#: Issue 11: the 42 profiles may add at most this many seconds to a cold ``make report``.
PROFILES_BUDGET_SECONDS = 30.0

#: The issues' targets: figure -> (where it is in the benchmark, the most it may be).
TARGETS: dict[str, tuple[tuple[str, ...], float]] = {
    "cold_pipeline_seconds": (("cold_pipeline", "seconds"), 30.0),
    "noop_rebuild_seconds": (("noop_rebuild", "seconds"), 2.0),
    "test_suite_seconds": (("test_suite", "seconds"), 150.0),
    "pipeline_peak_rss_mib": (("cold_make_report", "peak_rss_mib"), 1024.0),
    "profiles_added_seconds": (("profiles_added_seconds",), PROFILES_BUDGET_SECONDS),
}


def targets(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target of :data:`TARGETS` with the measured value and whether it is met."""
    checked = {}
    for name, (path, limit) in TARGETS.items():
        value: Any = figures
        for key in path:
            value = value[key]
        checked[name] = {"measured": value, "at_most": limit, "met": bool(value <= limit)}
    return checked


def profiles_benchmark(python: str = sys.executable) -> dict[str, Any]:
    """Time the 42 profiles from cold (their state and pages removed) and a no-op re-run."""
    from helpers.profile_pages import EXECUTED_DIR, PAGES_DIR

    shutil.rmtree(EXECUTED_DIR, ignore_errors=True)
    shutil.rmtree(PAGES_DIR, ignore_errors=True)
    command = [python, "-m", "helpers.profile_pages"]
    cold = measure(command)
    noop = measure(command)
    return {
        "cold_42_profiles": cold,
        "noop_42_profiles": noop,
        "budget_seconds": PROFILES_BUDGET_SECONDS,
        "cold_within_budget": cold["seconds"] <= PROFILES_BUDGET_SECONDS,
    }


def record(figures: dict[str, Any], bench_file: Path = BENCH_FILE) -> None:
    """Write ``figures`` over the same keys of the benchmark file, keeping the others."""
    document = json.loads(bench_file.read_text(encoding="utf-8")) if bench_file.is_file() else {}
    document.update(figures)
    bench_file.parent.mkdir(parents=True, exist_ok=True)
    bench_file.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def main() -> int:
    """Measure the figures and write them to ``bench/benchmark.json``."""
    python = sys.executable
    scratch = BUILD_DIR / "bench"
    figures: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "note": "wall seconds depend on other load on the machine (load_before/after: 1-minute "
        "load average); cpu_seconds do not",
    }
    shutil.rmtree(BUILD_DIR, ignore_errors=True)
    shutil.rmtree(INTERIM_DIR, ignore_errors=True)
    # issue 13's target: the stages and the render, the profiles being budgeted on their own
    figures["cold_pipeline"] = measure([python, "-m", "helpers.pipeline", "--no-profiles"])
    figures["profiles"] = profiles_benchmark(python)
    figures["noop_rebuild"] = measure([python, "-m", "helpers.pipeline"])
    # what a reader's first `make report` costs: everything from nothing, profiles included
    shutil.rmtree(BUILD_DIR, ignore_errors=True)
    shutil.rmtree(INTERIM_DIR, ignore_errors=True)
    figures["cold_make_report"] = measure([python, "-m", "helpers.pipeline"])
    figures["naive_baseline"] = naive_baseline(python, scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    figures["test_suite"] = measure(["make", "--no-print-directory", "test"])
    cold, naive = figures["cold_pipeline"], figures["naive_baseline"]
    figures["naive_over_cold"] = {
        "wall": round(naive["seconds"] / cold["seconds"], 2),
        "cpu": round(naive["cpu_seconds"] / cold["cpu_seconds"], 2),
    }
    # issue 11's budget: what the profiles add to a cold `make report` (both measured here)
    added = figures["cold_make_report"]["seconds"] - cold["seconds"]
    figures["profiles_added_seconds"] = round(added, 1)
    figures["targets"] = targets(figures)
    BENCH_FILE.parent.mkdir(parents=True, exist_ok=True)
    BENCH_FILE.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
