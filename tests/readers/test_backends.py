"""The fast parsers give the same tables as the slow ones they replaced, on the real files.

``.rda``: pyreadr (librdata, C) against rdata (pure Python); workbooks: calamine (Rust) against
openpyxl.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from helpers.data.readers import (
    _common,
    geographr,
    healthyr,
    icb_allocations,
    imd,
    staff_survey_2024,
    trust_to_ics_activity,
)
from helpers.data.sources import load_sources
from helpers.errors import DataError


def both_backends(
    monkeypatch: pytest.MonkeyPatch, read: Callable[[], pd.DataFrame], setting: str, old: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``read()`` with today's backend, then with the old one."""
    new = read()
    monkeypatch.setattr(_common, setting, old)
    return new, read()


# Small files covering text, missing values, numbers and R dates: quick enough for every run.
QUICK_RDA = [
    "geographr/lookup_ltla24_region24.rda",
    "geographr/lookup_nhs_trusts22_icb22.rda",
    "geographr/lookup_trust_trust.rda",
    "imd/imd2025_england_icb24.rda",
]


@pytest.mark.realdata
@pytest.mark.parametrize("file", QUICK_RDA)
def test_pyreadr_frames_equal_rdata_frames(raw_path, file: str) -> None:
    path = raw_path(file)
    assert_frame_equal(
        _common.read_rda_frame(path), _common.read_rda_frame_rdata(path), check_exact=True
    )


@pytest.mark.realdata
@pytest.mark.parametrize(
    "read",
    [
        lambda: trust_to_ics_activity.load(),
        lambda: staff_survey_2024.load("organisation_engagement"),
        lambda: staff_survey_2024.load("national_ics_engagement"),
        lambda: icb_allocations.load("2023_2025"),
        lambda: icb_allocations.load("2025_26"),
        lambda: icb_allocations.load("2023_2025", "PMC Allocations 2024-25"),
        lambda: icb_allocations.load("2025_26", "PMC Allocation 2025-26"),
    ],
    ids=[
        "trust-ics",
        "survey-orgs",
        "survey-national",
        "core-2023",
        "core-2025",
        "pmc-2024",
        "pmc-2025",
    ],
)
def test_calamine_readers_equal_openpyxl_readers(
    monkeypatch: pytest.MonkeyPatch, read: Callable[[], pd.DataFrame]
) -> None:
    new, old = both_backends(monkeypatch, read, "EXCEL_ENGINE", "openpyxl")
    assert_frame_equal(new, old, check_exact=True)


@pytest.mark.realdata
@pytest.mark.parametrize(
    "read",
    [
        lambda: geographr.load("trust_successors"),
        lambda: geographr.load("trust_patient_shares"),
        lambda: imd.load("imd2025_icb24"),
    ],
    ids=["successors", "patient-shares", "imd2025-icb"],
)
def test_rda_readers_equal_with_either_backend(
    monkeypatch: pytest.MonkeyPatch, read: Callable[[], pd.DataFrame]
) -> None:
    new, old = both_backends(monkeypatch, read, "RDA_BACKEND", "rdata")
    assert_frame_equal(new, old, check_exact=True)


@pytest.mark.exhaustive
@pytest.mark.realdata
def test_every_rda_file_reads_the_same_with_either_backend(raw_path) -> None:
    """All .rda files of the catalogue (about 3 minutes with rdata): equal frames, and the two
    sf objects pyreadr cannot decode are refused with a DataError that says so."""
    refused = []
    for source in load_sources():
        if source.reader != "rda":
            continue
        path: Path = raw_path(source.file)
        try:
            fast = _common.read_rda_frame(path)
        except DataError as error:
            assert "read_rda_frame_rdata" in str(error)
            refused.append(source.file)
            continue
        assert_frame_equal(fast, _common.read_rda_frame_rdata(path), check_exact=True)
    assert refused == ["geographr/boundaries_icb22.rda", "geographr/points_nhs_trusts22.rda"]


@pytest.mark.exhaustive
@pytest.mark.realdata
@pytest.mark.parametrize(
    "read",
    [
        lambda: geographr.load("lsoa11_icb22"),
        lambda: geographr.load("lsoa21_icb24"),
        lambda: geographr.load("ruc21_lsoa21"),
        lambda: healthyr.load("rtt_stp"),
        lambda: imd.load("imd2019_lsoa11"),
    ],
    ids=["lsoa11", "lsoa21", "ruc21", "rtt-stp", "imd2019"],
)
def test_large_rda_readers_equal_with_either_backend(
    monkeypatch: pytest.MonkeyPatch, read: Callable[[], pd.DataFrame]
) -> None:
    new, old = both_backends(monkeypatch, read, "RDA_BACKEND", "rdata")
    assert_frame_equal(new, old, check_exact=True)


@pytest.mark.realdata
def test_workbook_dimensions_equal_openpyxl(raw_path) -> None:
    for source in load_sources():
        if source.reader == "xlsx":
            path = raw_path(source.file)
            assert _common.workbook_dimensions(path) == _common._openpyxl_dimensions(path)
