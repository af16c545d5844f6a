"""The declared precision: every number written is the same on any machine."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from helpers import precision
from helpers.data import io
from helpers.report import article_numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.30683017044736775, 0.30683017),
        (0.3068301704473678, 0.30683017),  # the same result from another CPU (last bit)
        (261.85097253814183, 261.85097),
        (-0.00012345678912, -0.00012345679),
        (61903547.3, 61903547.3),  # large values keep four decimal places
        (12345.678912345, 12345.6789),
        (1e-17, 0.0),  # noise around an exact zero
        (-3e-18, 0.0),
        (0.0, 0.0),
    ],
)
def test_round_float(value: float, expected: float) -> None:
    assert precision.round_float(value) == expected


def test_round_float_leaves_nan_and_infinities() -> None:
    assert math.isnan(precision.round_float(float("nan")))
    assert precision.round_float(float("inf")) == float("inf")
    assert precision.round_float(float("-inf")) == float("-inf")


def test_values_one_ulp_apart_round_to_the_same_double() -> None:
    values = np.array([0.1 + 0.2, 1 / 3, 2.718281828459045, 1234.5678901234567])
    moved = np.nextafter(values, np.inf)
    assert [precision.round_float(v) for v in values] == [precision.round_float(v) for v in moved]


def test_round_frame_rounds_floats_only() -> None:
    frame = pd.DataFrame(
        {
            "name": ["a", "b"],
            "count": [1, 2],
            "flag": [True, False],
            "estimate": [0.1 + 0.2, 1 / 3],
            "nullable": pd.array([1 / 7, None], dtype="Float64"),
            "mixed": [1 / 3, "text"],
        }
    )
    rounded = precision.round_frame(frame)
    assert rounded["estimate"].tolist() == [0.3, 0.33333333]
    assert rounded["nullable"].dtype == "Float64"
    assert rounded["nullable"].iloc[0] == 0.14285714 and rounded["nullable"].isna().iloc[1]
    assert rounded["mixed"].tolist() == [0.33333333, "text"]
    assert rounded[["name", "count", "flag"]].equals(frame[["name", "count", "flag"]])
    assert frame["estimate"].iloc[0] == 0.1 + 0.2  # the input is not modified


def test_round_numbers_walks_containers() -> None:
    numbers = {"a": 1 / 3, "b": [2 / 3, "x", 7], "c": {"d": np.float64(1 / 7)}, "e": True}
    assert precision.round_numbers(numbers) == {
        "a": 0.33333333,
        "b": [0.66666667, "x", 7],
        "c": {"d": 0.14285714},
        "e": True,
    }


def test_sort_by_value_breaks_ties_by_key_whatever_the_last_bits() -> None:
    tied = 0.05604
    frame = pd.DataFrame(
        {"label": ["QWO 2023/24", "QMJ 2022/23", "QOC 2023/24"], "d": [tied, tied, 0.45]}
    )
    other_cpu = frame.assign(d=[tied, np.nextafter(tied, 1.0), 0.45])
    for table in (frame, other_cpu, frame.iloc[::-1]):
        ordered = precision.sort_by_value(table, "d", ["label"], ascending=False)
        assert ordered["label"].tolist() == ["QOC 2023/24", "QMJ 2022/23", "QWO 2023/24"]


def test_written_tables_do_not_depend_on_the_last_bits(tmp_path) -> None:
    frame = pd.DataFrame({"term": ["x", "y"], "estimate": [0.1 + 0.2, 1 / 3]})
    moved = frame.assign(estimate=np.nextafter(frame["estimate"].to_numpy(), np.inf))
    for name in ("table.csv", "table.parquet"):
        first = io.write_processed(frame, name, tmp_path / "a")
        second = io.write_processed(moved, name, tmp_path / "b")
        assert first.read_bytes() == second.read_bytes(), name
    assert (tmp_path / "a" / "table.csv").read_text() == "term,estimate\nx,0.3\ny,0.33333333\n"


def test_report_numbers_are_written_at_the_declared_precision(tmp_path) -> None:
    path = article_numbers.save_numbers({"share": 1 / 3, "label": "a third"}, "demo", tmp_path)
    assert json.loads(path.read_text()) == {"label": "a third", "share": 0.33333333}
