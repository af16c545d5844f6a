"""Tests for helpers.data.readers.icb_allocations."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from helpers.data.readers.icb_allocations import (
    parse_value_header,
    read_allocation_sheet,
    read_core_allocations,
    to_number,
)
from helpers.errors import DataError

HEADER = [
    "R23",
    "Region",
    "ICB23",
    "System Name",
    "2024/25 Recurrent allocation (£k)",
    "2024/25 Recurrent allocation £/head",
    "2024/25 Post-convergence distance from target \n(%)",
    " ",
]


def write_workbook(path: Path, header: list[str] = HEADER, n_icbs: int = 2) -> Path:
    """Title row, blank row, header, blank, ICB rows, region block, England row (text totals)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "ICB Core Allocations 2024-25"
    sheet.append(["Allocations (ICB core services)", None, None, None, "Allocations 2024/25"])
    sheet.append([])
    sheet.append(header)
    sheet.append([])
    codes = ["QYG", "QOP", *[f"Q{i:02d}" for i in range(n_icbs - 2)]][:n_icbs]
    for index, code in enumerate(codes):
        sheet.append(["Y62", "North West", code, f"ICB {code}", 1000.0 * (index + 1), 1500.5, 0.02])
    sheet.append([])
    sheet.append([None, "Sort", "R23", "Region", "x"])
    sheet.append([None, 2, "Y62", "North West", 3000.0, 1500.5, 0.02])
    sheet.append([None, None, "Total", "ENGLAND", " 3,000 ", " 1,501 ", "2.00% "])
    workbook.save(path)
    return path


def test_parse_value_header() -> None:
    assert parse_value_header("2023/24 Recurrent allocation \n(£k)") == (
        "2023/24",
        "recurrent_allocation_gbp_k",
        "gbp_k",
    )
    assert parse_value_header("2025/26 Post-convergence distance from target (%)") == (
        "2025/26",
        "post_convergence_distance_from_target_fraction",
        "fraction",
    )
    assert parse_value_header("System Name") is None


def test_to_number_parses_text_cells() -> None:
    assert to_number(" 94,591,175 ") == 94_591_175.0
    assert to_number("3.44% ") == pytest.approx(0.0344)
    assert to_number(" -") == 0.0
    assert pd.isna(to_number(None))


def test_sheet_levels_and_values(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "alloc.xlsx")
    frame = read_allocation_sheet(path, "ICB Core Allocations 2024-25")
    assert set(frame["org_level"]) == {"icb", "region", "england"}
    recurrent = frame.loc[frame["item"] == "recurrent_allocation_gbp_k"].set_index("org_code")
    assert recurrent["value"].to_dict() == {
        "ENG": 3000.0,
        "QOP": 2000.0,
        "QYG": 1000.0,
        "Y62": 3000.0,
    }
    assert recurrent.loc["QYG", "region_name"] == "North West"
    distance = frame.loc[frame["item"] == "post_convergence_distance_from_target_fraction"]
    assert distance.set_index("org_code").loc["ENG", "value"] == pytest.approx(0.02)
    assert len(frame) == 4 * 3  # blank header column ignored


def test_core_allocations_require_42_icbs(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="expected 42 ICBs"):
        read_core_allocations(write_workbook(tmp_path / "two.xlsx"))
    frame = read_core_allocations(write_workbook(tmp_path / "all.xlsx", n_icbs=42))
    assert frame.loc[frame["org_level"] == "icb", "org_code"].nunique() == 42


def test_missing_code_header_raises_naming_file_and_column(tmp_path: Path) -> None:
    header = ["R23", "Region", "ICB code", *HEADER[3:]]
    path = write_workbook(tmp_path / "renamed.xlsx", header=header)
    with pytest.raises(DataError, match=r"renamed\.xlsx.*ICB23"):
        read_allocation_sheet(path, "ICB Core Allocations 2024-25")


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("file", "year", "total_gbp_k"),
    [
        ("icb_allocations/nhs_allocations_2023_2025.xlsx", "2023/24", 104_152_213),
        ("icb_allocations/nhs_allocations_2023_2025.xlsx", "2024/25", 106_360_951),
        ("icb_allocations/nhs_allocations_2025_26.xlsx", "2025/26", 124_345_779),
    ],
)
def test_real_icb_totals_equal_england_row(raw_path, file, year, total_gbp_k) -> None:
    frame = read_core_allocations(raw_path(file))
    total = frame.loc[
        (frame["item"] == "total_allocation_gbp_k") & (frame["financial_year"] == year)
    ]
    icb_sum = total.loc[total["org_level"] == "icb", "value"].sum()
    england = total.loc[total["org_level"] == "england", "value"].item()
    assert total.loc[total["org_level"] == "icb", "org_code"].nunique() == 42
    assert icb_sum == pytest.approx(england, abs=1)
    assert round(icb_sum) == total_gbp_k
