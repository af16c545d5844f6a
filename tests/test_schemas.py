"""Schemas of the processed tables reject what the contract forbids, naming the failure."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.errors import DataError
from helpers.panel.schemas import (
    FINANCE_POSITIONS,
    ICB_LOOKUP,
    ICB_YEAR,
    read_table,
    validate,
    write_table,
)


def lookup(n: int = 42) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "icb_code": [f"Q{index:02d}" for index in range(n)],
            "icb_ons_code": [f"E54{index:06d}" for index in range(n)],
            "icb_ons_code_2024": [f"E54{index:06d}" for index in range(n)],
            "icb_name": [f"NHS Board {index}" for index in range(n)],
            "region_name": ["London"] * n,
        }
    )


def panel() -> pd.DataFrame:
    """A valid icb_year: 42 ICBs x 1 year, England totals inside the published bounds."""
    frame = lookup()[["icb_code"]].assign(financial_year="2024/25")
    numbers = {
        "core_allocation_gbp_m": 2500.0,
        "total_allocation_gbp_m": 2900.0,
        "allocation_per_head_gbp": 1700.0,
        "real_growth_pct": -1.5,
        "distance_from_target_pct": 1.0,
        "need_index": 1.0,
        "population": 1.45e6,
        "share_65plus": 18.0,
        "imd_score": 20.0,
        "rural_share": 15.0,
        "ae_4h_pct": 73.0,
        "rtt_waiting_per_1000": 120.0,
        "rtt_52wk_share": 5.0,
        "nctr_per_100k": 35.0,
        "bed_occupancy_pct": 93.0,
        "sickness_absence_pct": 5.0,
        "staff_engagement": 6.9,
        "staff_bme_share_pct": 25.0,
        "staff_discrimination_pct": 8.5,
    }
    return frame.assign(**numbers)


def test_registry_range_refuses_out_of_range_growth() -> None:
    with pytest.raises(DataError, match="real_growth_pct"):
        validate(panel().assign(real_growth_pct=55.0), ICB_YEAR)


def test_valid_tables_pass() -> None:
    assert len(validate(lookup(), ICB_LOOKUP)) == 42
    assert len(validate(panel(), ICB_YEAR)) == 42


def test_lookup_must_hold_exactly_42_icbs() -> None:
    with pytest.raises(DataError, match="exactly 42 ICBs"):
        validate(lookup(41), ICB_LOOKUP)


def test_percentage_out_of_range_is_named() -> None:
    bad = panel()
    bad.loc[3, "ae_4h_pct"] = 104.0
    with pytest.raises(DataError) as caught:
        validate(bad, ICB_YEAR)
    assert "ae_4h_pct" in str(caught.value) and "104.0" in str(caught.value)


def test_duplicate_keys_and_bad_totals_are_refused() -> None:
    duplicated = pd.concat([panel(), panel().iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="icb_year"):
        validate(duplicated, ICB_YEAR)
    too_many_people = panel().assign(population=5e6)
    with pytest.raises(DataError, match="England total of population"):
        validate(too_many_people, ICB_YEAR)


def test_two_best_available_rows_for_one_system_year_are_refused() -> None:
    rows = pd.DataFrame(
        {
            "icb_code": ["QHM", "QHM"],
            "financial_year": ["2024/25"] * 2,
            "measure": ["plan", "outturn"],
            "stage": ["final_plan", "outturn"],
            "as_at_date": ["2024-04", "2025-03"],
            "revision": [1, 1],
            "basis": ["unknown"] * 2,
            "original_source": ["HSJ: a title"] * 2,
            "value_gbp_m": [-10.0, -20.0],
            "core_allocation_gbp_m": [1000.0] * 2,
            "value_pct_allocation": [-1.0, -2.0],
            "total_allocation_gbp_m": [1250.0] * 2,
            "value_pct_total_allocation": [-0.8, -1.6],
            "scope": ["system"] * 2,
            "source_kind": ["press"] * 2,
            "best_available": [True, True],
            "source_url": ["https://example.org"] * 2,
        }
    )
    with pytest.raises(DataError, match="at most one best_available row"):
        validate(rows, FINANCE_POSITIONS)


def test_tables_are_checked_on_write_and_on_read(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        write_table(lookup(40), "icb_lookup.parquet", tmp_path)
    assert not list(tmp_path.iterdir())  # nothing half written
    write_table(lookup(), "icb_lookup.parquet", tmp_path)
    assert len(read_table("icb_lookup.parquet", tmp_path)) == 42
    lookup(40).to_parquet(tmp_path / "icb_lookup.parquet", index=False)  # corrupted on disk
    with pytest.raises(DataError, match="exactly 42 ICBs"):
        read_table("icb_lookup.parquet", tmp_path)


@pytest.mark.realdata
def test_committed_panel_tables_meet_the_contract() -> None:
    icb_year = read_table("icb_year.parquet")
    assert len(icb_year) == 42 * 4
    assert sorted(icb_year["financial_year"].unique()) == [
        "2022/23",
        "2023/24",
        "2024/25",
        "2025/26",
    ]
    assert icb_year[["core_allocation_gbp_m", "population"]].notna().all().all()
    positions = read_table("finance_positions.parquet")
    assert positions["icb_code"].isin(read_table("icb_lookup.parquet")["icb_code"]).all()
    coverage = read_table("coverage.parquet")
    ae = coverage.query("table == 'icb_year' and variable == 'ae_4h_pct'")
    assert ae.set_index("financial_year")["n_icbs"].to_dict()["2024/25"] == 42


def test_schema_failures_name_the_csv_line_not_the_sorted_index() -> None:
    rows = pd.DataFrame(
        {
            "icb_code": ["QOC", "QHM", "QHM"],
            "financial_year": ["2024/25"] * 3,
            "measure": ["plan", "plan", "outturn"],
            "value_gbp_m": [-10.0, -20.0, -900.0],
            "core_allocation_gbp_m": [1000.0] * 3,
            "value_pct_allocation": [-1.0, -2.0, -90.0],
            "scope": ["system"] * 3,
            "source_kind": ["press"] * 3,
            "best_available": [True, False, True],
            "source_url": ["https://example.org"] * 3,
            "source_line": [17, 5, 212],
        }
    ).sort_values(["icb_code", "source_line"], ignore_index=True)  # the bad row is now index 1
    with pytest.raises(DataError) as caught:
        validate(rows, FINANCE_POSITIONS)
    message = str(caught.value)
    assert "csv_line" in message and "index" not in message.splitlines()[1]
    failure = next(line for line in message.splitlines() if "value_pct_allocation" in line)
    assert failure.split()[-1] == "212" and "-90.0" in failure


def test_processed_tables_get_the_users_umask_not_0600(tmp_path: Path) -> None:
    import os

    old = os.umask(0o022)
    try:
        path = write_table(lookup(), "icb_lookup.parquet", tmp_path)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
