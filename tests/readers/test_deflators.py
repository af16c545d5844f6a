"""Tests for helpers.data.readers.deflators (HM Treasury GDP deflator)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.data.readers import deflators
from helpers.errors import DataError

LINES = [
    "fiscal_year_start,fiscal_year,gdp_deflator,cpi_index,cpih_index,is_forecast",
    "2023,2023-24,96.1117,130.1,128.0,false",
    "2024,2024-25,100.0000,133.0,131.2,false",
    "2025,2025-26,103.2388,,,true",
]


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "uk_cost_indices.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reads_financial_years_deflator_and_forecast_flag(tmp_path: Path) -> None:
    table = deflators.read_deflators(write(tmp_path, LINES))
    assert table.columns.tolist() == ["financial_year", "gdp_deflator", "is_forecast"]
    assert table["financial_year"].tolist() == ["2023/24", "2024/25", "2025/26"]
    assert table["gdp_deflator"].tolist() == [96.1117, 100.0, 103.2388]
    assert table["is_forecast"].tolist() == [False, False, True]


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    lines = [line.rsplit(",", 1)[0] for line in LINES]
    with pytest.raises(
        DataError, match=r"uk_cost_indices.csv: expected column\(s\) \['is_forecast'\]"
    ):
        deflators.read_deflators(write(tmp_path, lines))


@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [
        ("2025,2026-27,103.2,,,true", "fiscal_year disagrees with fiscal_year_start on [4]"),
        ("2025,2025-26,,,,true", "gdp_deflator missing or not positive on row(s) [4]"),
        ("2025,2025-26,103.2,,,maybe", "is_forecast not true/false on row(s) [4]"),
    ],
)
def test_bad_rows_are_named(tmp_path: Path, bad_line: str, expected: str) -> None:
    with pytest.raises(DataError) as caught:
        deflators.read_deflators(write(tmp_path, [*LINES[:3], bad_line]))
    assert expected in str(caught.value)


@pytest.mark.realdata
def test_real_deflator_is_based_on_2024_25_and_flags_forecasts() -> None:
    table = deflators.load().set_index("financial_year")
    assert table.loc["2024/25", "gdp_deflator"] == 100.0
    assert table.loc["2022/23", "gdp_deflator"] == pytest.approx(91.2996)
    assert not table.loc["2024/25", "is_forecast"] and table.loc["2025/26", "is_forecast"]
    assert len(table) == 31
