"""Tests for the monthly NHS sickness absence reader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data.readers import sickness_absence
from helpers.errors import DataError

HEADER = (
    "DATE,NHSE_REGION_CODE,NHSE_REGION_NAME,ICS_CODE,ICS_NAME,ORG_CODE,ORG_NAME,ORG_TYPE,"
    "FTE_DAYS_LOST,FTE_DAYS_AVAILABLE,SICKNESS_ABSENCE_RATE_PERCENT\n"
)


def _month(path: Path, date: str, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(f"{date},{row}\n" for row in rows), encoding="utf-8")
    return path


def test_reads_and_stacks_months(tmp_path: Path) -> None:
    row_a = "Y1,North,QE1,Lancs,RXN,Trust A,Acute,5,100,5.0"
    row_b = "Y1,North,QE1,Lancs,RXL,Trust B,Acute,3,60,5.0"
    march = _month(tmp_path / "m3.csv", "31/03/2025", [row_a, row_b])
    april = _month(tmp_path / "m4.csv", "30/04/2024", [row_a])
    frame = sickness_absence.read_sickness_absence([march, april])
    assert list(frame.columns[:4]) == ["date", "nhse_region_code", "ics_code", "ics_name"]
    assert list(frame["date"].dt.month) == [4, 3, 3]
    assert list(frame["org_code"]) == ["RXN", "RXL", "RXN"]
    assert frame["fte_days_lost"].sum() == 13


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(HEADER.replace("FTE_DAYS_LOST", "DAYS_LOST"), encoding="utf-8")
    with pytest.raises(DataError, match=r"m\.csv.*FTE_DAYS_LOST"):
        sickness_absence.read_sickness_absence_month(path)


def test_repeated_month_raises(tmp_path: Path) -> None:
    row = "Y1,North,QE1,Lancs,RXN,Trust A,Acute,5,100,5.0"
    first = _month(tmp_path / "a.csv", "30/04/2024", [row])
    second = _month(tmp_path / "b.csv", "30/04/2024", [row])
    with pytest.raises(DataError, match="repeated"):
        sickness_absence.read_sickness_absence([first, second])


@pytest.mark.realdata
def test_real_twelve_months(raw_path) -> None:
    months = [
        f"sickness_absence/nhs_sickness_absence_{m}.csv"
        for m in [f"2024-{i:02d}" for i in range(4, 13)] + [f"2025-{i:02d}" for i in range(1, 4)]
    ]
    frame = sickness_absence.read_sickness_absence([raw_path(m) for m in months])
    assert frame["date"].dt.to_period("M").nunique() == 12
    assert frame["date"].min() == pd.Timestamp("2024-04-30")
    assert frame.loc[frame["ics_code"] != "QZZ", "ics_code"].nunique() == 42
    rate = 100 * frame["fte_days_lost"].sum() / frame["fte_days_available"].sum()
    assert 4.5 < rate < 5.6  # published 2024/25 NHS sickness absence about 5.1%
