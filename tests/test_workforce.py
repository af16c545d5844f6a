"""Tests for the ICB x financial-year workforce table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.panel.workforce import build_workforce, normalise_ics_name

ICB_LOOKUP = pd.DataFrame({"icb_code": ["QAA", "QBB"], "icb_ons_code": ["E54000001", "E54000002"]})


def _sickness() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-04-30", "2025-03-31", "2025-03-31", "2024-04-30"]),
            "ics_code": ["QAA", "QAA", "QBB", "QZZ"],
            "ics_name": ["Alpha & Omega", "Alpha & Omega", "Beta", "Special Health Authorities"],
            "org_code": ["R1", "R1", "R3", "X1"],
            "fte_days_lost": [5.0, 15.0, 4.0, 99.0],
            "fte_days_available": [100.0, 300.0, 100.0, 100.0],
        }
    )


def _engagement() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ods_code": ["R1", "R2", "QBB", "RX9"],
            "ics_name": ["Alpha and Omega", "Alpha and Omega", "-", "-"],
            "benchmarking_group": ["Acute", "Acute", "ICBs", "Ambulance Trusts"],
            "staff_engagement": [6.0, 7.0, 8.0, 5.0],
            "base": [100.0, 300.0, 50.0, 1000.0],
        }
    )


def _items() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ods_code": ["R1", "R2", "R1"],
            "year": [2023, 2023, 2021],
            "ics_name": ["Alpha and Omega", "Alpha and Omega", "North West"],
            "benchmarking_group": ["Acute"] * 3,
            "ethnic_minority_base": [100.0, 300.0, 100.0],
            "ethnic_minority_rate": [10.0, 30.0, 50.0],
            "discrimination_internal_base": [100.0, 300.0, 100.0],
            "discrimination_internal_rate": [4.0, 8.0, 50.0],
            "discrimination_public_base": [100.0, np.nan, 100.0],
            "discrimination_public_rate": [6.0, np.nan, 50.0],
        }
    )


def _build(**options: object) -> pd.DataFrame:
    table = build_workforce(
        _sickness(),
        _engagement(),
        _items(),
        ICB_LOOKUP,
        first_year="2023/24",
        last_year="2024/25",
        **options,
    )
    return table.set_index(["icb_code", "financial_year"])


def test_normalise_names() -> None:
    assert normalise_ics_name("NHS Alpha & Omega Integrated Care Board") == "alpha and omega"
    assert normalise_ics_name("-") is None


def test_hand_computed_values() -> None:
    table = _build(min_months=2)
    assert table.loc[("QAA", "2024/25"), "sickness_absence_pct"] == pytest.approx(100 * 20 / 400)
    assert table.loc[("QAA", "2024/25"), "sickness_months"] == 2
    assert np.isnan(table.loc[("QBB", "2024/25"), "sickness_absence_pct"])  # one month only
    # engagement: base-weighted mean; ICB mapped to itself; ambulance trust left out
    assert table.loc[("QAA", "2024/25"), "staff_engagement"] == pytest.approx((600 + 2100) / 400)
    assert table.loc[("QBB", "2024/25"), "staff_engagement"] == pytest.approx(8.0)
    assert np.isnan(table.loc[("QAA", "2023/24"), "staff_engagement"])
    # 2023 survey -> 2023/24; 2021 outside the panel
    assert table.loc[("QAA", "2023/24"), "staff_bme_share_pct"] == pytest.approx(25.0)
    assert table.loc[("QAA", "2023/24"), "staff_discrimination_pct"] == pytest.approx(7.0)
    assert table.loc[("QAA", "2023/24"), "staff_discrimination_public_pct"] == pytest.approx(6.0)
    assert table.loc[("QAA", "2023/24"), "staff_survey_orgs"] == 2
    assert np.isnan(table.loc[("QAA", "2024/25"), "staff_bme_share_pct"])


def test_full_year_rule_by_default() -> None:
    assert _build()["sickness_absence_pct"].isna().all()


@pytest.fixture(scope="module")
def real_workforce(real_icb_codes: pd.DataFrame) -> pd.DataFrame:
    """The pipeline's own loader (helpers.panel.icb_panel.load_workforce) on the real raw files."""
    from helpers.panel.icb_panel import load_workforce

    return load_workforce(real_icb_codes, "2022/23", "2025/26", min_months=12)


@pytest.mark.realdata
def test_real_coverage_and_bounds(real_workforce: pd.DataFrame) -> None:
    count = real_workforce.groupby("financial_year").count()
    assert count.loc["2024/25", "sickness_absence_pct"] == 42
    assert count.loc["2024/25", "staff_engagement"] == 42
    for year in ("2022/23", "2023/24", "2024/25"):
        assert count.loc[year, "staff_bme_share_pct"] == 42
        assert count.loc[year, "staff_discrimination_pct"] == 42
    assert count.loc["2025/26", "staff_bme_share_pct"] == 0
    year = real_workforce.loc[real_workforce["financial_year"] == "2024/25"]
    assert year["sickness_absence_pct"].between(3, 7).all()
    assert year["staff_engagement"].between(6.0, 7.5).all()
    assert year["staff_bme_share_pct"].between(3, 70).all()
    assert year["staff_discrimination_pct"].between(3, 20).all()


@pytest.mark.realdata
def test_real_engagement_matches_official_ics_breakdown(
    real_workforce: pd.DataFrame, raw_path
) -> None:
    from helpers.data.readers import sickness_absence, staff_survey_2024

    official = staff_survey_2024.read_national_ics_engagement(
        raw_path("staff_survey_2024/NSS24 detailed spreadsheets national results.xlsx")
    )
    names = sickness_absence.read_sickness_absence_month(
        raw_path("sickness_absence/nhs_sickness_absence_2024-04.csv")
    )[["ics_code", "ics_name"]].drop_duplicates()
    official = official.merge(names, on="ics_name", how="left", validate="one_to_one")
    assert official["ics_code"].notna().all()
    ours = real_workforce.loc[real_workforce["financial_year"] == "2024/25"]
    both = ours.merge(official, left_on="icb_code", right_on="ics_code", validate="one_to_one")
    gap = (both["staff_engagement_x"] - both["staff_engagement_y"]).abs()
    assert len(both) == 42
    assert gap.max() < 0.1  # organisation-level aggregation reproduces the official ICS scores
