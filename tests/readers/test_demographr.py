"""Tests for helpers.data.readers.demographr."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_series_equal

from helpers.data.readers.demographr import (
    AGE_COLUMNS,
    read_population_lsoa11,
    read_population_totals_lsoa11,
)
from helpers.errors import DataError


def population_fixture() -> pd.DataFrame:
    """Two LSOAs: one person at every age 0..89 and 10 aged 90+; and 5 people aged 70."""
    ages = {column: [1.0, 0.0] for column in AGE_COLUMNS}
    ages["90+"] = [10.0, 0.0]
    ages["70"] = [1.0, 5.0]
    return pd.DataFrame(
        {
            "lsoa11_name": ["A 001A", "W 001A"],
            "lsoa11_code": ["E01000001", "W01000001"],
            "total_population": [100.0, 5.0],
            **ages,
        }
    )


def test_long_table_keeps_totals(tmp_path: Path, write_rda) -> None:
    path = write_rda(
        tmp_path / "population19_lsoa11.rda", "population19_lsoa11", population_fixture()
    )
    long = read_population_lsoa11(path)
    assert len(long) == 2 * 91
    assert set(long["mid_year"]) == {2019}
    totals = long.groupby("lsoa11_code")["population"].sum()
    assert totals.to_dict() == {"E01000001": 100.0, "W01000001": 5.0}
    first = long.loc[long["lsoa11_code"] == "E01000001"].set_index("age")["population"]
    assert first[90] == 10.0
    assert first.loc[65:].sum() == 35.0  # ages 65..89 (25) plus 90+ (10)


def test_totals_are_the_sum_of_the_ages_per_lsoa(tmp_path: Path, write_rda) -> None:
    frame = population_fixture().iloc[::-1]  # unsorted in the file: sorted by code
    path = write_rda(tmp_path / "population19_lsoa11.rda", "population19_lsoa11", frame)
    totals = read_population_totals_lsoa11(path)
    assert list(totals.columns) == ["lsoa11_code", "population"]
    assert totals["lsoa11_code"].tolist() == ["E01000001", "W01000001"]
    assert totals["population"].tolist() == [100.0, 5.0]
    assert totals["population"].dtype == "float64"


@pytest.mark.parametrize("read", [read_population_lsoa11, read_population_totals_lsoa11])
def test_ages_not_summing_to_total_raise(tmp_path: Path, write_rda, read) -> None:
    frame = population_fixture()
    frame.loc[0, "total_population"] = 99.0
    path = write_rda(tmp_path / "population20_lsoa11.rda", "population20_lsoa11", frame)
    with pytest.raises(DataError, match="total_population"):
        read(path)


def test_missing_age_column_raises_naming_file_and_column(tmp_path: Path, write_rda) -> None:
    frame = population_fixture().drop(columns="90+")
    path = write_rda(tmp_path / "population19_lsoa11.rda", "population19_lsoa11", frame)
    with pytest.raises(DataError, match=r"population19_lsoa11\.rda.*90\+"):
        read_population_lsoa11(path)


@pytest.mark.realdata
def test_real_mid_2019_population(raw_path) -> None:
    long = read_population_lsoa11(raw_path("demographr/population19_lsoa11.rda"))
    assert long["lsoa11_code"].nunique() == 34_753
    england = long.loc[long["lsoa11_code"].str.startswith("E")]
    assert england["lsoa11_code"].nunique() == 32_844
    assert round(england["population"].sum()) == 56_286_961
    # the totals reader (what the pipeline uses) equals the long table summed by LSOA, exactly
    by_lsoa = long.groupby("lsoa11_code")["population"].sum()
    totals = read_population_totals_lsoa11(raw_path("demographr/population19_lsoa11.rda"))
    assert_series_equal(totals.set_index("lsoa11_code")["population"], by_lsoa, check_exact=True)
