"""Benchmark bookkeeping: one entry is updated without losing the others; targets judged."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from helpers import bench


def test_record_updates_one_entry_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "bench" / "benchmark.json"
    bench.record({"cold_make_report": {"seconds": 10.0}, "test_suite": {"seconds": 50.0}}, path)
    bench.record({"test_suite": {"seconds": 25.0}}, path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document == {"cold_make_report": {"seconds": 10.0}, "test_suite": {"seconds": 25.0}}
    assert path.read_text(encoding="utf-8").endswith("}\n")


def test_targets_are_read_from_the_figures_and_judged() -> None:
    figures = {
        "cold_make_report": {"seconds": 59.5},
        "noop_make_report": {"seconds": 2.6},
        "edit_loop": {"seconds": 25.0},
        "test_suite": {"seconds": 120.0},
        "peak": {"peak_rss_mib": 700.0},
        "machinery_lines": {"total": 790},
    }
    checked = bench.targets(figures)
    assert checked["cold_make_report_seconds"] == {"measured": 59.5, "at_most": 60.0, "met": True}
    assert checked["edit_loop_seconds"]["met"] is True  # at the budget is within it
    assert [name for name, entry in checked.items() if not entry["met"]] == [
        "noop_make_report_seconds"
    ]


def test_machinery_lines_count_the_snakefile_and_the_rules() -> None:
    counts = bench.machinery_lines()
    assert "Snakefile" in counts and "workflow/rules/stages.smk" in counts
    assert counts["total"] == sum(v for k, v in counts.items() if k != "total") > 100


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="the benchmark is POSIX-only, as make is")
def test_measure_counts_the_commands_descendants_and_keeps_its_exit_status() -> None:
    """A grandchild holding 200 MiB sets the peak (Linux reports KiB, macOS bytes: >= either)."""
    child = f"{sys.executable} -c 'x = bytearray(200 * 2**20)'; exit 3"
    figures = bench.measure(["sh", "-c", child])
    assert figures["exit"] == 3 and figures["peak_rss_mib"] >= 200
    assert figures["seconds"] >= 0 and figures["cpu_seconds"] >= 0
