"""Tests for the staff survey 2021-2024 organisational items reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.data.readers import staff_survey_2021_2024 as reader
from helpers.errors import DataError

HEADER = (
    "ODS code,Year,Organisation name,Benchmarking group,Region,ICS/STP,ICS,Weighting,"
    "Discrimination_internal_base,Discrimination_internal_rate,Discrimination_public_base,"
    "Discrimination_public_rate,Ethnic_minority_base,Ethnic_minority_rate,Respondents\n"
)


def test_reads_and_builds_ics_name(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        HEADER
        + "RXN,2023,Trust B,Acute,NW,,Lancashire and South Cumbria,Occ,100,10,100,5,90,20,110\n"
        + "RXN,2022,Trust B,Acute,NW,Lancashire and South Cumbria,,Occ,80,12,80,6,70,18,90\n"
        + "0AR,2022,CSU,CSUs,-,-,,Unweighted,50,4,50,1,50,10,60\n",
        encoding="utf-8",
    )
    frame = reader.read_staff_survey_items(path)
    assert list(zip(frame["year"], frame["ods_code"], strict=True)) == [
        (2022, "0AR"),
        (2022, "RXN"),
        (2023, "RXN"),
    ]
    assert frame["ics_name"].isna().tolist() == [True, False, False]
    assert (frame["ics_name"].dropna() == "Lancashire and South Cumbria").all()
    assert frame.loc[2, "ethnic_minority_rate"] == 20


def test_missing_column_and_range(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(HEADER.replace("Ethnic_minority_rate", "Ethnic_rate"), encoding="utf-8")
    with pytest.raises(DataError, match=r"s\.csv.*Ethnic_minority_rate"):
        reader.read_staff_survey_items(path)
    path.write_text(HEADER + "RXN,2023,T,Acute,NW,,L,Occ,1,101,1,1,1,1,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="outside 0-100"):
        reader.read_staff_survey_items(path)


@pytest.mark.realdata
def test_real_items(raw_path) -> None:
    frame = reader.read_staff_survey_items(
        raw_path("staff_survey_2021_2024/data_trusts_well-being - organisational results.csv")
    )
    assert frame.groupby("year").size().to_dict() == {2021: 280, 2022: 264, 2023: 268, 2024: 263}
    for year in (2022, 2023, 2024):
        assert frame.loc[frame["year"] == year, "ics_name"].nunique() == 42
    share = (frame["ethnic_minority_rate"] * frame["ethnic_minority_base"]).sum() / frame[
        "ethnic_minority_base"
    ].sum()
    assert 15 < share < 35
