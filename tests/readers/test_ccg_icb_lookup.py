"""Tests for the CCG -> ICB lookup reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.data.readers import ccg_icb_lookup
from helpers.errors import DataError


def test_reads_bom_file(tmp_path: Path) -> None:
    path = tmp_path / "ccg.csv"
    path.write_text(
        "\ufeffCCG Code,ICB Code,ICB NAME\n99C,QHM,NHS NENC\n00C,QHM,NHS NENC\n", encoding="utf-8"
    )
    frame = ccg_icb_lookup.read_ccg_icb_lookup(path)
    assert list(frame.columns) == ["ccg_code", "icb_code", "icb_name"]
    assert list(frame["ccg_code"]) == ["00C", "99C"]


def test_missing_column_and_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "ccg.csv"
    path.write_text("CCG Code,ICB NAME\n99C,x\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"ccg\.csv.*ICB Code"):
        ccg_icb_lookup.read_ccg_icb_lookup(path)
    path.write_text("CCG Code,ICB Code,ICB NAME\n99C,QHM,x\n99C,QYG,y\n", encoding="utf-8")
    with pytest.raises(DataError, match="listed twice"):
        ccg_icb_lookup.read_ccg_icb_lookup(path)


@pytest.mark.realdata
def test_real_lookup(raw_path) -> None:
    frame = ccg_icb_lookup.read_ccg_icb_lookup(raw_path("ccg_icb_lookup/CCG_ICB_code.csv"))
    assert len(frame) == 249
    assert frame["icb_code"].nunique() == 42
    assert frame.loc[frame["ccg_code"] == "99C", "icb_code"].item() == "QHM"
