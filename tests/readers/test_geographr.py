"""Tests for helpers.data.readers.geographr."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data.readers.geographr import (
    read_lsoa11_icb22_lookup,
    read_lsoa21_icb24_lookup,
    read_ruc21_lsoa21,
)
from helpers.errors import DataError


def lsoa21_fixture() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lsoa21_name": ["B 001A", "A 001A"],
            "lsoa21_code": ["E01000002", "E01000001"],
            "sicbl24_name": ["S2", "S1"],
            "sicbl24_code": ["E38000002", "E38000001"],
            "sicbl24_code_nhs": ["02B", "01A"],
            "icb24_name": ["ICB B", "ICB A"],
            "icb24_code": ["E54000064", "E54000008"],
            "icb24_code_nhs": ["QNX", "QYG"],
        }
    )


def test_lsoa21_lookup_is_sorted_strings(tmp_path: Path, write_rda) -> None:
    path = write_rda(tmp_path / "lookup.rda", "lookup_lsoa21_icb24", lsoa21_fixture())
    lookup = read_lsoa21_icb24_lookup(path)
    assert lookup["lsoa21_code"].tolist() == ["E01000001", "E01000002"]
    assert lookup["icb24_code_nhs"].tolist() == ["QYG", "QNX"]
    assert str(lookup["icb24_code"].dtype) == "string"


def test_renamed_column_raises_naming_file_and_column(tmp_path: Path, write_rda) -> None:
    frame = lsoa21_fixture().rename(columns={"icb24_code_nhs": "icb_q"})
    path = write_rda(tmp_path / "renamed.rda", "lookup_lsoa21_icb24", frame)
    with pytest.raises(DataError, match=r"renamed\.rda.*icb24_code_nhs"):
        read_lsoa21_icb24_lookup(path)


def test_duplicated_lsoa_raises(tmp_path: Path, write_rda) -> None:
    frame = lsoa21_fixture()
    frame["lsoa21_code"] = "E01000001"
    path = write_rda(tmp_path / "dup.rda", "lookup_lsoa21_icb24", frame)
    with pytest.raises(DataError, match="duplicated lsoa21_code"):
        read_lsoa21_icb24_lookup(path)


def test_ruc_rejects_unknown_class(tmp_path: Path, write_rda) -> None:
    frame = pd.DataFrame(
        {
            "lsoa21_code": ["E01000001", "E01000002"],
            "ruc21_code": ["UN1", "RSN1"],
            "classification": ["Urban: x", "Rural: y"],
            "ruc": ["Urban", "Semi"],
        }
    )
    path = write_rda(tmp_path / "ruc.rda", "ruc21_lsoa21", frame)
    with pytest.raises(DataError, match="ruc"):
        read_ruc21_lsoa21(path)


@pytest.mark.realdata
def test_real_lookups(raw_path) -> None:
    lsoa11 = read_lsoa11_icb22_lookup(raw_path("geographr/lookup_lsoa11_sicbl22_icb22_ltla22.rda"))
    lsoa21 = read_lsoa21_icb24_lookup(raw_path("geographr/lookup_lsoa21_icb24.rda"))
    assert len(lsoa11) == 32_844
    assert len(lsoa21) == 33_755
    assert lsoa11["icb22_code_h"].nunique() == 42
    assert lsoa21["icb24_code_nhs"].nunique() == 42
    assert lsoa11["sicbl22_code"].nunique() == 106
    ruc = read_ruc21_lsoa21(raw_path("geographr/ruc21_lsoa21.rda"))
    assert len(ruc) == 35_672
    assert set(ruc["ruc"]) == {"Urban", "Rural"}
