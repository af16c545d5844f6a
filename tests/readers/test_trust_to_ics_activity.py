"""Tests for the Nuffield Trust trust -> ICS type-1 ED activity weights reader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data.readers import trust_to_ics_activity as reader
from helpers.errors import DataError


def _workbook(path: Path, weights: list[float]) -> Path:
    frame = pd.DataFrame(
        {
            "Trust_code": ["R0D", "R0D"],
            "Trust_name": ["Dorset", "Dorset"],
            "Trust_ICS_N": [1, 2],
            "ICS_code1": ["E54000041", "E54000042"],
            "ICS_code2": ["QVV", "QRL"],
            "ICS_name": ["Dorset", "HIOW"],
            "Type1_ED_activity": [71760, 4810],
            "Weighting": weights,
        }
    )
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"Notes": ["x"]}).to_excel(writer, sheet_name="Notes", index=False)
        frame.to_excel(writer, sheet_name=reader.SHEET, index=False)
    return path


def test_reads_weights(tmp_path: Path) -> None:
    frame = reader.read_trust_ics_weights(_workbook(tmp_path / "w.xlsx", [0.937182, 0.062818]))
    assert list(frame["icb_code"]) == ["QVV", "QRL"]
    assert frame["weighting"].sum() == pytest.approx(1.0)
    assert frame["icb_ons_code"].iloc[0] == "E54000041"


def test_weights_must_sum_to_one(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="do not sum to 1"):
        reader.read_trust_ics_weights(_workbook(tmp_path / "w.xlsx", [0.9, 0.05]))


def test_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    pd.DataFrame({"Trust_code": ["R0D"]}).to_excel(path, sheet_name=reader.SHEET, index=False)
    with pytest.raises(DataError, match=r"w\.xlsx.*Weighting"):
        reader.read_trust_ics_weights(path)


@pytest.mark.realdata
def test_real_weights(raw_path) -> None:
    frame = reader.read_trust_ics_weights(
        raw_path("trust_to_ics_activity/Trust_to_ICS_mapping.xlsx")
    )
    assert len(frame) == 212
    assert frame["trust_code"].nunique() == 124
    assert frame["icb_code"].nunique() == 42
    assert frame.loc[frame["trust_code"] == "R0A", "icb_code"].tolist() == ["QOP"]
