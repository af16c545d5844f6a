"""Benchmark: cold pipeline, no-op rebuild and test suite (wall time, peak memory) to JSON."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from pathlib import Path

from helpers.paths import BUILD_DIR, ROOT

BENCH_FILE: Path = ROOT / "bench" / "benchmark.json"

# Runs a command and prints its wall time and the peak resident memory of any process in its
# tree (RUSAGE_CHILDREN covers every waited-for descendant), in MiB.
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": round(seconds, 1), "peak_rss_mib": round(peak, 1), "exit": code}))
"""


def measure(command: list[str]) -> dict[str, float]:
    """Wall time and peak memory of ``command`` run from the repository root."""
    completed = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    if result["exit"] != 0:
        raise RuntimeError(f"benchmark command failed: {' '.join(command)}")
    return result


def main() -> int:
    """Measure the three figures and write them to ``bench/benchmark.json``."""
    python = sys.executable
    (BUILD_DIR / "pipeline_state.json").unlink(missing_ok=True)
    started = time.strftime("%Y-%m-%d")
    figures = {
        "date": started,
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "cold_pipeline": measure([python, "-m", "helpers.pipeline"]),
        "noop_rebuild": measure([python, "-m", "helpers.pipeline"]),
        "test_suite": measure(
            [
                python,
                "-m",
                "pytest",
                "tests",
                "notebooks",
                "--nbval",
                "-q",
                "-p",
                "no:cacheprovider",
                "--nbval-sanitize-with",
                "tests/nbval_sanitize.cfg",
            ]
        ),
    }
    BENCH_FILE.parent.mkdir(parents=True, exist_ok=True)
    BENCH_FILE.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
