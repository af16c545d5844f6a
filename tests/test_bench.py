"""Benchmark bookkeeping: one entry is updated without losing the others."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import bench


def test_record_updates_one_entry_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "bench" / "benchmark.json"
    bench.record({"cold_pipeline": {"seconds": 10.0}, "profiles": {"seconds": 50.0}}, path)
    bench.record({"profiles": {"seconds": 25.0}}, path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document == {"cold_pipeline": {"seconds": 10.0}, "profiles": {"seconds": 25.0}}
    assert path.read_text(encoding="utf-8").endswith("}\n")


def test_targets_are_read_from_the_figures_and_judged() -> None:
    figures = {
        "cold_pipeline": {"seconds": 29.5},
        "noop_rebuild": {"seconds": 2.4},
        "test_suite": {"seconds": 120.0},
        "cold_make_report": {"peak_rss_mib": 700.0},
        "profiles_added_seconds": 30.0,
    }
    checked = bench.targets(figures)
    assert checked["cold_pipeline_seconds"] == {"measured": 29.5, "at_most": 30.0, "met": True}
    assert checked["noop_rebuild_seconds"]["met"] is False
    assert checked["profiles_added_seconds"]["met"] is True  # at the budget is within it
    assert [name for name, entry in checked.items() if not entry["met"]] == ["noop_rebuild_seconds"]
