"""Tests for the ICB x financial-year pressure table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.panel.pressure import build_pressure

ICB_LOOKUP = pd.DataFrame({"icb_code": ["QAA", "QBB"], "icb_ons_code": ["E54000001", "E54000002"]})
WEIGHTS = pd.DataFrame(
    {"trust_code": ["T1", "T2", "T2"], "icb_code": ["QAA", "QAA", "QBB"], "weight": [1.0, 0.5, 0.5]}
)


def _inputs() -> dict[str, pd.DataFrame]:
    ae = pd.DataFrame(
        {
            "icb22_code": ["E54000001", "E54000001"],
            "date": pd.to_datetime(["2023-03-01", "2023-04-01"]),
            "total_attendances": [100.0, 200.0],
            "attendances_over_4hours": [20.0, 20.0],
        }
    )
    ae_trust = pd.DataFrame(
        {
            "nhs_trust22_code": ["T1", "T1"],
            "date": pd.to_datetime(["2023-03-01", "2023-04-01"]),
            "total_attendances": [60.0, 100.0],
            "attendances_over_4hours": [12.0, np.nan],  # April: no 4-hour data (field test)
        }
    )
    rtt_flow = pd.DataFrame(
        {
            "stp20_nhs_code": ["QAA", "QAA", "QAA", "QZZ"],
            "date": pd.to_datetime(["2023-03-01", "2023-04-01", "2023-05-01", "2023-04-01"]),
            "incomplete": [1000.0, 1000.0, 2000.0, 5.0],
        }
    )
    rtt_waits = pd.DataFrame(
        {
            "stp20_nhs_code": ["QAA"] * 4,
            "date": pd.to_datetime(["2023-03-01", "2023-04-01", "2023-05-01", "2023-05-01"]),
            "treatment": ["Total", "Total", "Total", "Cardiology"],
            "waits_over_52_weeks": [100.0, 100.0, 200.0, 200.0],
        }
    )
    criteria = pd.DataFrame(
        {
            "icb22_code": ["E54000001"] * 3,
            "date": pd.to_datetime(["2023-03-31", "2023-04-01", "2023-04-02"]),
            "do_not_meet_criteria_to_reside": [10.0, 20.0, 30.0],
        }
    )
    beds = pd.DataFrame(
        {
            "nhs_trust22_code": ["T1", "T1", "T2"],
            "date": pd.to_datetime(["2023-03-01", "2023-04-01", "2023-04-01"]),
            "general_acute_beds_available": [100.0, 100.0, 50.0],
            "general_acute_beds_occupied": [90.0, 95.0, 50.0],
        }
    )
    return {
        "ae": ae,
        "ae_trust": ae_trust,
        "rtt_flow": rtt_flow,
        "rtt_waits": rtt_waits,
        "criteria_to_reside": criteria,
        "beds": beds,
    }


def _build(**options: object) -> pd.DataFrame:
    return build_pressure(
        **_inputs(),
        trust_weights=WEIGHTS,
        icb_lookup=ICB_LOOKUP,
        first_year="2022/23",
        last_year="2023/24",
        **options,
    )


def test_grid_keys_and_order() -> None:
    table = _build(min_months=1)
    assert table[["icb_code", "financial_year"]].values.tolist() == [
        ["QAA", "2022/23"],
        ["QAA", "2023/24"],
        ["QBB", "2022/23"],
        ["QBB", "2023/24"],
    ]


def test_march_and_april_fall_in_different_years() -> None:
    table = _build(min_months=1, min_ae_coverage=40).set_index(["icb_code", "financial_year"])
    march, april = table.loc[("QAA", "2022/23")], table.loc[("QAA", "2023/24")]
    assert march["ae_4h_pct"] == pytest.approx(80.0)
    assert march["ae_attendances"] == 100
    # April: 100 of 200 attendances at a trust without 4-hour data leave the denominator
    assert april["ae_4h_pct"] == pytest.approx(100 * (1 - 20 / 100))
    assert april["ae_4h_coverage_pct"] == pytest.approx(50.0)
    assert march["rtt_waiting_list"] == 1000 and april["rtt_waiting_list"] == 1500
    assert april["rtt_52wk_share"] == pytest.approx(100 * 300 / 3000)  # 'Total' rows only
    assert march["nctr_patients"] == 10 and april["nctr_patients"] == 25
    assert march["bed_occupancy_pct"] == pytest.approx(90.0)
    assert april["bed_occupancy_pct"] == pytest.approx(100 * (95 + 25) / (100 + 25))
    assert table.loc[("QBB", "2023/24"), "bed_occupancy_pct"] == pytest.approx(100.0)
    assert april["rtt_months"] == 2 and april["nctr_months"] == 1


def test_missing_not_imputed_and_partial_years_masked() -> None:
    table = _build().set_index(["icb_code", "financial_year"])  # min_months=12 by default
    assert (
        table[["ae_4h_pct", "rtt_waiting_list", "nctr_patients", "bed_occupancy_pct"]]
        .isna()
        .all()
        .all()
    )
    assert table.loc[("QAA", "2023/24"), "rtt_months"] == 2
    assert table.loc[("QBB", "2022/23"), "ae_months"] == 0
    low = _build(min_months=1).set_index(["icb_code", "financial_year"])
    assert np.isnan(low.loc[("QAA", "2023/24"), "ae_4h_pct"])  # 50% coverage < 90%


@pytest.fixture(scope="module")
def real_pressure(real_icb_codes: pd.DataFrame) -> pd.DataFrame:
    """The pipeline's own loader (helpers.panel.icb_panel.load_pressure) on the real raw files."""
    from helpers.panel.icb_panel import load_pressure

    return load_pressure(real_icb_codes, "2022/23", "2025/26", min_months=12)


@pytest.mark.realdata
def test_real_coverage(real_pressure: pd.DataFrame) -> None:
    table = real_pressure
    assert len(table) == 42 * 4
    count = table.groupby("financial_year").count()
    assert count.loc["2023/24", "ae_attendances"] == 42
    assert count.loc["2022/23", "ae_4h_pct"] == 29  # 13 ICBs with 4-hour field-test trusts
    assert count.loc["2023/24", "ae_4h_pct"] == 40
    assert count.loc["2024/25", "ae_4h_pct"] == 42
    assert count.loc["2025/26", "ae_4h_pct"] == 0  # Apr-Jul 2025 only
    assert count.loc["2024/25", "rtt_waiting_list"] == 0  # Apr 2024-Feb 2025: 11 months
    assert count.loc["2023/24", "rtt_waiting_list"] == 42
    assert count.loc["2023/24", "nctr_patients"] == 41  # E54000056 stops in August 2023
    assert count.loc["2024/25", "bed_occupancy_pct"] == 42


@pytest.mark.realdata
def test_real_values_plausible(real_pressure: pd.DataFrame) -> None:
    year = real_pressure.loc[real_pressure["financial_year"] == "2024/25"]
    england_4h = (year["ae_4h_pct"] * year["ae_attendances"]).sum() / year["ae_attendances"].sum()
    assert 70 < england_4h < 80
    assert year["ae_4h_pct"].between(55, 90).all()
    assert year["bed_occupancy_pct"].between(85, 98).all()
    earlier = real_pressure.loc[real_pressure["financial_year"] == "2023/24"]
    assert 7.5e6 < earlier["rtt_waiting_list"].sum() < 9.5e6
    assert earlier["rtt_52wk_share"].between(0, 20).all()
    assert 18_000 < earlier["nctr_patients"].sum() < 27_000
