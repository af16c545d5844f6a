"""Tests for helpers.panel.geography."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from helpers.errors import DataError
from helpers.panel.geography import icb_boundaries, icb_lookup, sum_by_icb, weighted_mean_by_icb


def tiny_lookup() -> pd.DataFrame:
    return pd.DataFrame(
        {"lsoa_code": ["L1", "L2", "L3", "L4"], "icb_code": ["QAA", "QAA", "QBB", "QBB"]}
    )


def test_weighted_mean_by_icb_hand_computed() -> None:
    values = pd.Series({"L1": 10.0, "L2": 40.0, "L3": 5.0, "L4": 7.0})
    weights = pd.Series({"L1": 300.0, "L2": 100.0, "L3": 1.0, "L4": 3.0})
    result = weighted_mean_by_icb(values, weights, tiny_lookup(), "lsoa_code", name="score")
    # QAA: (10*300 + 40*100) / 400 = 17.5; QBB: (5*1 + 7*3) / 4 = 6.5
    assert result["icb_code"].tolist() == ["QAA", "QBB"]
    assert result["score"].tolist() == [17.5, 6.5]
    assert result["weight"].tolist() == [400.0, 4.0]
    assert result["n_areas"].tolist() == [2, 2]


def test_weighted_mean_logs_dropped_areas(caplog: pytest.LogCaptureFixture) -> None:
    values = pd.Series({"L1": 10.0, "L2": None, "L3": 5.0, "W1": 99.0})
    weights = pd.Series({"L1": 1.0, "L2": 1.0, "L3": 1.0, "W1": 1.0})
    with caplog.at_level(logging.WARNING):
        result = weighted_mean_by_icb(values, weights, tiny_lookup(), "lsoa_code")
    assert result.set_index("icb_code")["value"].to_dict() == {"QAA": 10.0, "QBB": 5.0}
    assert "1 area(s) without value or weight dropped" in caplog.text
    assert "1 area(s) not in the lookup dropped" in caplog.text
    assert "2 lookup area(s) have no data" in caplog.text  # L2 (no value), L4


def test_weighted_mean_rejects_duplicated_lookup() -> None:
    lookup = pd.concat([tiny_lookup(), tiny_lookup().iloc[:1]])
    with pytest.raises(DataError, match="duplicated lsoa_code"):
        weighted_mean_by_icb(pd.Series({"L1": 1.0}), pd.Series({"L1": 1.0}), lookup, "lsoa_code")


def test_sum_by_icb() -> None:
    values = pd.Series({"L1": 1.0, "L2": 2.0, "L3": 4.0})
    result = sum_by_icb(values, tiny_lookup(), "lsoa_code", name="people")
    assert result.set_index("icb_code")["people"].to_dict() == {"QAA": 3.0, "QBB": 4.0}


def test_lookup_missing_column_raises() -> None:
    with pytest.raises(DataError, match="icb_code"):
        sum_by_icb(pd.Series({"L1": 1.0}), tiny_lookup().drop(columns="icb_code"), "lsoa_code")


@pytest.mark.realdata
def test_real_icb_lookup(raw_path) -> None:
    lookup = icb_lookup(
        raw_path("geographr/lookup_lsoa11_sicbl22_icb22_ltla22.rda"),
        raw_path("geographr/lookup_lsoa21_icb24.rda"),
        raw_path("icb_allocations/nhs_allocations_2023_2025.xlsx"),
    )
    assert len(lookup) == 42
    assert list(lookup.columns) == [
        "icb_code",
        "icb_ons_code",
        "icb_ons_code_2024",
        "icb_name",
        "region_code",
        "region_name",
    ]
    assert lookup["icb_code"].is_unique and lookup["icb_ons_code"].is_unique
    row = lookup.set_index("icb_code").loc["QYG"]
    assert row["icb_ons_code"] == "E54000008"
    assert row["region_name"] == "North West"
    changed = lookup.loc[lookup["icb_ons_code"] != lookup["icb_ons_code_2024"]]
    assert changed["icb_code"].tolist() == ["QNX", "QXU"]
    assert lookup["region_code"].nunique() == 7
    assert lookup.groupby("region_name").size().to_dict() == {
        "East of England": 6,
        "London": 5,
        "Midlands": 11,
        "North East and Yorkshire": 4,
        "North West": 3,
        "South East": 6,
        "South West": 7,
    }


@pytest.mark.realdata
def test_real_icb_boundaries(raw_path) -> None:
    boundaries = icb_boundaries(raw_path("geographr/boundaries_icb22.rda"))
    assert len(boundaries) == 42
    assert boundaries.attrs["crs"] == "EPSG:4326"
    assert all(geometry.is_valid for geometry in boundaries["geometry"])
    minx, miny, maxx, maxy = (
        boundaries.set_index("icb_ons_code").loc["E54000008", "geometry"].bounds
    )
    assert -3.3 < minx < maxx < -1.9 and 52.9 < miny < maxy < 53.8  # Cheshire and Merseyside
