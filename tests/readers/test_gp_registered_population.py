"""Tests for helpers.data.readers.gp_registered_population."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data.readers.gp_registered_population import COLUMNS, read_gp_registered_population
from helpers.errors import DataError


def gp_fixture() -> pd.DataFrame:
    """One ICB with 3 registered patients (ages 0, 70 and 95+) and a region row."""
    rows = [
        ("2025-03-01", "ICB", "QYG", "E54000008", "ALL", "ALL", 3),
        ("2025-03-01", "ICB", "QYG", "E54000008", "MALE", "0", 1),
        ("2025-03-01", "ICB", "QYG", "E54000008", "FEMALE", "70", 1),
        ("2025-03-01", "ICB", "QYG", "E54000008", "FEMALE", "95+", 1),
        ("2025-03-01", "Comm Region", "Y62", "E40000010", "ALL", "ALL", 3),
    ]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["publication"] = "GP_PRAC_PAT_LIST"
    frame["_load_id"] = 1
    return frame


def test_icb_rows_and_ages(tmp_path: Path) -> None:
    path = tmp_path / "gp.parquet"
    gp_fixture().to_parquet(path)
    gp = read_gp_registered_population(path)
    assert set(gp["org_type"]) == {"ICB"}
    assert "_load_id" not in gp.columns
    assert gp["age_lower"].dropna().tolist() == [70, 95, 0]  # sorted by sex: FEMALE, MALE
    assert gp.loc[gp["age"] == "ALL", "number_of_patients"].tolist() == [3]
    assert gp["extract_date"].iloc[0] == pd.Timestamp("2025-03-01")
    everything = read_gp_registered_population(path, org_type=None)
    assert len(everything) == 5


def test_missing_column_raises_naming_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "gp_bad.parquet"
    gp_fixture().rename(columns={"number_of_patients": "patients"}).to_parquet(path)
    with pytest.raises(DataError, match=r"gp_bad\.parquet.*number_of_patients"):
        read_gp_registered_population(path)


@pytest.mark.realdata
def test_real_icb_totals(raw_path) -> None:
    gp = read_gp_registered_population(
        raw_path("gp_registered_population/gp_prac_reg_age_region.parquet")
    )
    totals = gp.loc[(gp["sex"] == "ALL") & (gp["age"] == "ALL")]
    assert totals.groupby("extract_date")["org_code"].nunique().eq(42).all()
    by_date = totals.groupby("extract_date")["number_of_patients"].sum()
    assert by_date[pd.Timestamp("2025-03-01")] == 63_757_938
    assert by_date[pd.Timestamp("2025-12-01")] == 63_936_682
    regions = read_gp_registered_population(
        raw_path("gp_registered_population/gp_prac_reg_age_region.parquet"), "Comm Region"
    )
    region_totals = regions.loc[(regions["sex"] == "ALL") & (regions["age"] == "ALL")]
    assert region_totals.groupby("extract_date")["number_of_patients"].sum().equals(by_date)
