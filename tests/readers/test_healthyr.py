"""Tests for the healthyr readers: parsing, types, failures that name file and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data.readers import healthyr
from helpers.errors import DataError
from helpers.panel.harmonise import financial_year_of

AE_HEADER = (
    '"icb22_code","total_attendances","attendances_over_4hours","total_emergency_admissions",'
    '"emergency_admissions_over_4hours","pct_attendance_over_4hours",'
    '"pct_emergency_admissions_over_4hours","date"\n'
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_icb_ae_parses_month_text_and_sorts(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "ae.csv",
        AE_HEADER
        + '"E54000002",200,50,20,5,0.25,0.25,"April 2023"\n'
        + '"E54000001",100,10,10,1,0.1,0.1,"March 2023"\n',
    )
    frame = healthyr.read_icb_accidents_emergency(path)
    assert list(frame["icb22_code"]) == ["E54000001", "E54000002"]
    assert list(frame["date"]) == [pd.Timestamp("2023-03-01"), pd.Timestamp("2023-04-01")]
    assert list(financial_year_of(frame["date"])) == ["2022/23", "2023/24"]
    assert frame["attendances_over_4hours"].sum() == 60
    assert "pct_attendance_over_4hours" not in frame.columns


def test_icb_ae_missing_column_names_file_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "ae.csv", AE_HEADER.replace("attendances_over_4hours", "breaches", 1))
    with pytest.raises(DataError, match=r"ae\.csv.*attendances_over_4hours"):
        healthyr.read_icb_accidents_emergency(path)


def test_bad_month_label_raises(tmp_path: Path) -> None:
    path = _write(tmp_path / "ae.csv", AE_HEADER + '"E54000001",1,0,1,0,0,0,"Apr-2023"\n')
    with pytest.raises(DataError, match="unparseable month"):
        healthyr.read_icb_accidents_emergency(path)


def test_duplicate_keys_raise(tmp_path: Path) -> None:
    row = '"E54000001",1,0,1,0,0,0,"April 2023"\n'
    path = _write(tmp_path / "ae.csv", AE_HEADER + row + row)
    with pytest.raises(DataError, match="share keys"):
        healthyr.read_icb_accidents_emergency(path)


def test_trust_ae_keeps_missing_breaches(tmp_path: Path) -> None:
    header = AE_HEADER.replace("icb22_code", "nhs_trust22_code")
    path = _write(tmp_path / "t.csv", header + '"RC9",17570,NA,6154,0,NA,0,"April 2021"\n')
    frame = healthyr.read_trust_accidents_emergency(path)
    assert frame["attendances_over_4hours"].isna().all()
    assert frame["total_attendances"].iloc[0] == 17570


def test_beds_reader(tmp_path: Path) -> None:
    columns = ["nhs_trust22_code", "date", *healthyr.GA_BED_COUNTS]
    path = _write(
        tmp_path / "beds.csv",
        ",".join(columns) + "\n" + "R0A,April 2022,100,90,80,75,20,15\n",
    )
    frame = healthyr.read_general_acute_beds(path)
    assert frame.loc[0, "general_acute_beds_occupied"] == 90
    assert frame.loc[0, "date"] == pd.Timestamp("2022-04-01")


def test_beds_missing_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "beds.csv", "nhs_trust22_code,date\nR0A,April 2022\n")
    with pytest.raises(DataError, match=r"beds\.csv.*general_acute_beds_available"):
        healthyr.read_general_acute_beds(path)


def test_daily_and_rtt_flow_readers(tmp_path: Path) -> None:
    ctr = _write(
        tmp_path / "ctr.csv",
        '"icb22_code","date","do_not_meet_criteria_to_reside"\n"E54000001",2023-03-31,10\n',
    )
    assert healthyr.read_criteria_to_reside(ctr)["date"].iloc[0] == pd.Timestamp("2023-03-31")
    flow = _write(
        tmp_path / "flow.csv",
        '"stp20_nhs_code","date","year","month","completed","incomplete","new"\n'
        '"QE1",2023-04-01,2023,"Apr",1,100,2\n',
    )
    assert healthyr.read_rtt_flow_stp(flow)["incomplete"].iloc[0] == 100
    bad = _write(tmp_path / "flow2.csv", '"stp20_nhs_code","date","completed","new"\n')
    with pytest.raises(DataError, match=r"flow2\.csv.*incomplete"):
        healthyr.read_rtt_flow_stp(bad)


@pytest.mark.realdata
def test_real_icb_ae(raw_path) -> None:
    frame = healthyr.read_icb_accidents_emergency(
        raw_path("healthyr/england_icb_accidents_emergency.csv")
    )
    year = frame.loc[financial_year_of(frame["date"]) == "2023/24"]
    assert year["icb22_code"].nunique() == 42
    assert year["date"].nunique() == 12
    england = 100 * (1 - year["attendances_over_4hours"].sum() / year["total_attendances"].sum())
    assert 70 < england < 80
    assert 25e6 < year["total_attendances"].sum() < 28e6


@pytest.mark.realdata
def test_real_trust_files(raw_path) -> None:
    beds = healthyr.read_general_acute_beds(
        raw_path("healthyr/england_critical_general_acute_beds.csv")
    )
    assert beds["nhs_trust22_code"].nunique() == 137
    occupancy = (
        beds["general_acute_beds_occupied"].sum() / beds["general_acute_beds_available"].sum()
    )
    assert 0.88 < occupancy < 0.97
    trust = healthyr.read_trust_accidents_emergency(
        raw_path("healthyr/england_trust_accidents_emergency.csv")
    )
    no_4h = trust.loc[trust["attendances_over_4hours"].isna(), "nhs_trust22_code"].nunique()
    assert no_4h == 14  # the 4-hour field-test trusts


@pytest.mark.realdata
def test_real_rtt_and_discharge(raw_path) -> None:
    flow = healthyr.read_rtt_flow_stp(raw_path("healthyr/england_rtt_flow_stp.csv"))
    march = flow.loc[flow["date"] == "2024-03-01"]
    assert len(march) == 42
    assert 7.0e6 < march["incomplete"].sum() < 9.5e6  # inflated by the DTA subset (see reader)
    waits = healthyr.read_rtt_stp(raw_path("healthyr/england_rtt_stp.rda"))
    total = waits.loc[waits["treatment"] == "Total"]
    assert total.groupby(["stp20_nhs_code", "date"]).size().max() == 1
    assert total["date"].max() == pd.Timestamp("2025-02-01")
    ctr = healthyr.read_criteria_to_reside(raw_path("healthyr/england_icb_criteria_to_reside.csv"))
    assert ctr["icb22_code"].nunique() == 42
    daily = ctr.loc[ctr["date"] == "2024-01-15", "do_not_meet_criteria_to_reside"].sum()
    # patients not meeting the criteria on the day (before that day's discharges)
    assert 18_000 < daily < 27_000
    dis = healthyr.read_discharged_patients(
        raw_path("healthyr/england_icb_discharged_patients.csv")
    )
    split = dis.dropna(subset=["discharged_by_1700"])
    assert (split["discharged_total"] >= split["discharged_by_1700"]).all()
    assert split["date"].max() == pd.Timestamp("2023-05-31")  # by-time split ends May 2023
