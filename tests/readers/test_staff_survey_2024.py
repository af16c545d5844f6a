"""Tests for the NHS Staff Survey 2024 detailed-spreadsheet readers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data.readers import staff_survey_2024 as reader
from helpers.errors import DataError

ORG_IDS = ["ODS code", "Organisation name", "Benchmarking group", "Region", "ICS", "Weighting"]


def _sheet(path: Path, ids: list[str], rows: list[list[object]]) -> Path:
    """A THEMES sheet laid out like the source: titles in row 1, headers in row 5."""
    n = len(ids)
    titles = ["NHS Staff Survey 2024 - WEIGHTED Results", *[None] * (n - 1)]
    titles += ["Staff Engagement - Staff engagement", None, "E_1 - Motivation", None]
    headers = [
        *ids,
        "Staff Engagement - score",
        "Base (number of responses)",
        "E_1 - score",
        "Base (number of responses)",
    ]
    preamble = [
        titles,
        ["THEMES"] + [None] * (len(headers) - 1),
        [None] * len(headers),
        [None] * len(headers),
        headers,
    ]
    pd.DataFrame(preamble + rows).to_excel(path, sheet_name="THEMES", header=False, index=False)
    return path


def test_organisation_engagement(tmp_path: Path) -> None:
    rows = [
        [
            "RXN",
            "Trust B",
            "Acute",
            "North West",
            "Lancashire and South Cumbria",
            "Occ",
            6.5,
            1000,
            6.0,
            990,
        ],
        ["QE1", "NHS L&SC ICB", "ICBs", "North West", "-", "Unweighted", 7.0, 300, 7.1, 299],
    ]
    frame = reader.read_organisation_engagement(_sheet(tmp_path / "o.xlsx", ORG_IDS, rows))
    assert list(frame.columns) == [
        "ods_code",
        "organisation_name",
        "benchmarking_group",
        "region",
        "ics_name",
        "weighting",
        "staff_engagement",
        "base",
    ]
    assert list(frame["ods_code"]) == ["QE1", "RXN"]
    assert frame.loc[1, "staff_engagement"] == 6.5
    assert frame.loc[1, "base"] == 1000


def test_measure_names() -> None:
    assert reader._measure_name("Q16b - Discrimination from colleagues", "% Yes") == "q16b_yes"
    assert reader._measure_name("PP1 - We are", "Base (number of responses)") == "pp1_base"
    assert reader._measure_name("E_1 - Motivation", "E_1 - score") == "e_1_score"


def test_missing_id_column(tmp_path: Path) -> None:
    ids = [c for c in ORG_IDS if c != "ICS"]
    path = _sheet(tmp_path / "o.xlsx", ids, [["RXN", "T", "Acute", "NW", "Occ", 6.5, 10, 6.0, 9]])
    with pytest.raises(DataError, match=r"o\.xlsx \[THEMES\].*ICS"):
        reader.read_organisation_engagement(path)


def test_national_ics_rows(tmp_path: Path) -> None:
    ids = ["Base", "Breakdown", "Breakdown subgroup", "Weighting"]
    rows = [
        ["National", None, None, "Org size", 6.85, 745006, 6.9, 1],
        ["National", "ICS", "Somerset", "Org size", 7.06, 6666, 7.0, 1],
        ["National", "Region", "London", "Org size", 6.99, 133603, 7.0, 1],
    ]
    frame = reader.read_national_ics_engagement(_sheet(tmp_path / "n.xlsx", ids, rows))
    assert frame.to_dict("records") == [
        {"ics_name": "Somerset", "staff_engagement": 7.06, "base": 6666.0}
    ]


@pytest.mark.realdata
def test_real_workbooks(raw_path) -> None:
    orgs = reader.read_organisation_engagement(
        raw_path("staff_survey_2024/NSS24 detailed spreadsheets organisational results.xlsx")
    )
    assert len(orgs) == 263
    assert orgs["staff_engagement"].between(5.5, 8.0).all()
    national = reader.read_national_ics_engagement(
        raw_path("staff_survey_2024/NSS24 detailed spreadsheets national results.xlsx")
    )
    assert len(national) == 42
    assert national["staff_engagement"].between(6.0, 7.5).all()
    assert set(national["ics_name"]) == set(orgs["ics_name"]) - {"-"}
