"""Tests for helpers.data.readers.allocations_2019_2023."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.data.readers.allocations_2019_2023 import read_allocations_2019_2023
from helpers.errors import DataError

HEADER = (
    "CCG_code,CCG_name,funding_allocation,registered_population,weighted_population,"
    "tax_year_start,funding_type"
)


def write(path: Path, header: str = HEADER) -> Path:
    rows = [
        "00C,NHS Darlington CCG,159006,108392,118289.2552,2019,core_services",
        "QHM,Cumbria and North East,100,50,60,2019,core_services",
        "Y63,North East and Yorkshire,100,50,60,2019,core_services",
        "ENG,England,100,50,60,2022,primary_care",
    ]
    path.write_text("\ufeff" + "\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_levels_and_years(tmp_path: Path) -> None:
    frame = read_allocations_2019_2023(write(tmp_path / "alloc.csv"))
    assert dict(zip(frame["org_code"], frame["org_level"], strict=True)) == {
        "00C": "ccg",
        "ENG": "england",
        "Y63": "region",
        "QHM": "stp",
    }
    darlington = frame.loc[frame["org_code"] == "00C"].iloc[0]
    assert darlington["financial_year"] == "2019/20"
    assert darlington["allocation_gbp_k"] == 159_006.0
    assert frame.loc[frame["org_code"] == "ENG", "financial_year"].item() == "2022/23"


def test_renamed_column_raises_naming_file_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "alloc_bad.csv", HEADER.replace("tax_year_start", "year"))
    with pytest.raises(DataError, match=r"alloc_bad\.csv.*tax_year_start"):
        read_allocations_2019_2023(path)


@pytest.mark.realdata
def test_real_levels_add_up(raw_path) -> None:
    frame = read_allocations_2019_2023(
        raw_path("allocations_2019_2023/NHS_funding_allocations.csv")
    )
    assert len(frame) == 2_904
    totals = frame.groupby(["org_level", "financial_year", "funding_type"])[
        "allocation_gbp_k"
    ].sum()
    core_2223 = totals.xs(("2022/23", "core_services"), level=("financial_year", "funding_type"))
    assert core_2223["stp"] == 88_265_872
    assert core_2223["region"] == 88_265_872
    assert core_2223["england"] == pytest.approx(88_265_872, abs=5)
    stps = frame.loc[frame["org_level"] == "stp", "org_code"].unique()
    assert len(stps) == 42
