"""Tests for helpers.data.readers.imd."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data.readers.census2021_age import read_census2021_age
from helpers.data.readers.geographr import read_lsoa21_icb24_lookup
from helpers.data.readers.imd import read_imd2019_lsoa11, read_imd2025_icb24, read_imd2025_lsoa21
from helpers.errors import DataError
from helpers.panel.geography import weighted_mean_by_icb


def imd2019_fixture() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lsoa11_code": ["E01000002", "E01000001"],
            "IMD_decile": [10.0, 1.0],
            "IMD_rank": [32_000.0, 5.0],
        }
    )


def test_imd2019_snake_case_and_sorted(tmp_path: Path, write_rda) -> None:
    path = write_rda(tmp_path / "imd.rda", "imd2019_england_lsoa11", imd2019_fixture())
    imd = read_imd2019_lsoa11(path)
    assert list(imd.columns) == ["lsoa11_code", "imd_decile", "imd_rank"]
    assert imd["lsoa11_code"].tolist() == ["E01000001", "E01000002"]
    assert imd["imd_rank"].tolist() == [5.0, 32_000.0]


def test_missing_rank_raises_naming_file_and_column(tmp_path: Path, write_rda) -> None:
    frame = imd2019_fixture().drop(columns="IMD_rank")
    path = write_rda(tmp_path / "imd_bad.rda", "imd2019_england_lsoa11", frame)
    with pytest.raises(DataError, match=r"imd_bad\.rda.*IMD_rank"):
        read_imd2019_lsoa11(path)


@pytest.mark.realdata
def test_real_imd_files(raw_path) -> None:
    imd19 = read_imd2019_lsoa11(raw_path("imd/imd2019_england_lsoa11.rda"))
    assert len(imd19) == 32_844
    assert imd19["imd_rank"].min() == 1 and imd19["imd_rank"].max() == 32_844
    icb = read_imd2025_icb24(raw_path("imd/imd2025_england_icb24.rda"))
    assert len(icb) == 42
    assert sorted(icb["imd_rank_of_average_score"]) == list(range(1, 43))


@pytest.mark.realdata
def test_imd2025_icb_scores_match_population_weighted_lsoa_scores(raw_path) -> None:
    """The official ICB average score is close to our Census-2021-weighted mean of LSOA scores
    (the publisher used a later population base)."""
    lsoa = read_imd2025_lsoa21(raw_path("imd/imd2025_england_lsoa21.rda"))
    assert len(lsoa) == 33_755
    census = read_census2021_age(
        raw_path("census2021_age/TS007A_age_by_five_year_age_bands_lsoa11.csv")
    )
    population = census.groupby("lsoa21_code")["population"].sum()
    lookup = read_lsoa21_icb24_lookup(raw_path("geographr/lookup_lsoa21_icb24.rda"))
    ours = weighted_mean_by_icb(
        lsoa.set_index("lsoa21_code")["imd_score"],
        population[population.index.str.startswith("E")],
        lookup,
        "lsoa21_code",
        icb_column="icb24_code",
        name="score",
    )
    official = read_imd2025_icb24(raw_path("imd/imd2025_england_icb24.rda"))
    both = ours.merge(official, on="icb24_code", validate="one_to_one")
    assert len(both) == 42
    assert (both["score"] - both["imd_average_score"]).abs().max() < 0.5
