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
