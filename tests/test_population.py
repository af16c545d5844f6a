"""Tests for helpers.panel.population."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.panel.population import (
    CENSUS_SOURCE,
    GP_SOURCE,
    census_share_65plus,
    icb_context,
    imd2019_average_rank,
    registered_share_65plus,
    rural_share_by_icb,
    share_65plus_by_year,
)


def gp_rows(date: str, code: str, young: int, old: int) -> list[dict]:
    base = {"extract_date": pd.Timestamp(date), "org_type": "ICB", "org_code": code}
    return [
        {**base, "sex": "ALL", "age": "ALL", "age_lower": pd.NA, "number_of_patients": young + old},
        {**base, "sex": "FEMALE", "age": "30", "age_lower": 30, "number_of_patients": young},
        {**base, "sex": "MALE", "age": "65", "age_lower": 65, "number_of_patients": old},
    ]


def test_registered_share_averages_extracts_in_year() -> None:
    rows = (
        gp_rows("2025-03-01", "QAA", 80, 20)  # 2024/25: 20%
        + gp_rows("2025-04-01", "QAA", 70, 30)  # 2025/26: mean counts (70+90)/2=80 young,
        + gp_rows("2025-11-01", "QAA", 90, 10)  # (30+10)/2=20 old -> 20%
    )
    gp = pd.DataFrame(rows)
    gp["age_lower"] = gp["age_lower"].astype("Int64")
    result = registered_share_65plus(gp).set_index("financial_year")
    assert result.loc["2024/25", "share_65plus"] == 20.0
    assert result.loc["2025/26", "share_65plus"] == 20.0
    assert result.loc["2025/26", "n_extracts"] == 2
    assert result.loc["2025/26", "population_total"] == 100.0


def test_census_share_drops_wales() -> None:
    census = pd.DataFrame(
        {
            "lsoa21_code": ["E1", "E1", "E2", "E2", "W1"],
            "age_lower": [0, 65, 60, 85, 70],
            "population": [30, 10, 50, 10, 1000],
        }
    )
    lookup = pd.DataFrame({"lsoa21_code": ["E1", "E2"], "icb_code": ["QAA", "QAA"]})
    result = census_share_65plus(census, lookup)
    assert result["share_65plus"].tolist() == [20.0]  # (10 + 10) / 100
    assert result["population_total"].tolist() == [100.0]


def test_rural_share_is_population_weighted_percent() -> None:
    ruc = pd.DataFrame(
        {"lsoa21_code": ["E1", "E2", "E3", "W1"], "ruc": ["Rural", "Urban", "Rural", "Rural"]}
    )
    population = pd.Series({"E1": 100.0, "E2": 300.0, "E3": 50.0, "W1": 10.0})
    lookup = pd.DataFrame({"lsoa21_code": ["E1", "E2", "E3"], "icb_code": ["QAA", "QAA", "QBB"]})
    result = rural_share_by_icb(ruc, population, lookup).set_index("icb_code")["rural_share"]
    assert result.to_dict() == {"QAA": 25.0, "QBB": 100.0}


def test_imd2019_average_rank() -> None:
    imd = pd.DataFrame({"lsoa11_code": ["E1", "E2"], "imd_rank": [100.0, 400.0]})
    population = pd.Series({"E1": 3.0, "E2": 1.0})
    lookup = pd.DataFrame({"lsoa11_code": ["E1", "E2"], "icb_code": ["QAA", "QAA"]})
    result = imd2019_average_rank(imd, population, lookup)
    assert result["imd2019_average_rank"].tolist() == [175.0]  # (300 + 400) / 4


@pytest.mark.realdata
def test_real_share_65plus_by_year(raw_path) -> None:
    shares = share_65plus_by_year(
        raw_path("gp_registered_population/gp_prac_reg_age_region.parquet"),
        raw_path("census2021_age/TS007A_age_by_five_year_age_bands_lsoa11.csv"),
        raw_path("geographr/lookup_lsoa21_icb24.rda"),
    )
    assert len(shares) == 42 * 4
    assert shares.groupby("financial_year")["icb_code"].nunique().eq(42).all()
    assert shares["share_65plus"].between(5, 35).all()
    totals = shares.groupby("financial_year")[["population_65plus", "population_total"]].sum()
    assert totals.loc["2022/23", "population_total"] == 56_490_091  # Census 2021 England
    assert totals.loc["2024/25", "population_total"] == 63_757_938  # GP lists, 1 Mar 2025
    england = 100 * totals["population_65plus"] / totals["population_total"]
    assert england["2022/23"] == pytest.approx(18.41, abs=0.01)
    assert england["2024/25"] == pytest.approx(17.93, abs=0.01)
    sources = shares.groupby("financial_year")["share_65plus_source"].first()
    assert sources["2023/24"] == CENSUS_SOURCE and sources["2025/26"] == GP_SOURCE


@pytest.mark.realdata
def test_real_icb_context(raw_path) -> None:
    context = icb_context(
        raw_path("imd/imd2025_england_icb24.rda"),
        raw_path("geographr/lookup_lsoa21_icb24.rda"),
        raw_path("geographr/ruc21_lsoa21.rda"),
        raw_path("census2021_age/TS007A_age_by_five_year_age_bands_lsoa11.csv"),
        raw_path("imd/imd2019_england_lsoa11.rda"),
        raw_path("geographr/lookup_lsoa11_sicbl22_icb22_ltla22.rda"),
        raw_path("demographr/population19_lsoa11.rda"),
    )
    assert len(context) == 42 and context["icb_code"].is_unique
    assert not context.isna().any().any()
    assert context["rural_share"].between(0, 100).all()
    row = context.set_index("icb_code").loc["QYG"]  # Cheshire and Merseyside
    assert row["imd_score"] == pytest.approx(25.531)
    assert row["imd_most_deprived_decile_share"] == pytest.approx(20.11)
    london = context.set_index("icb_code").loc[["QMJ", "QMF", "QRV", "QKK", "QWE"]]
    assert (london["rural_share"] == 0).all()
    # The two IMD vintages agree on ordering broadly (lower rank = more deprived).
    assert context["imd_score"].corr(context["imd2019_average_rank"], method="spearman") < -0.8
