"""Tests for the trust and ICB list readers (2026 configuration)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.data.readers import trust_icb_lookup
from helpers.errors import DataError

ICB_HEADER = "ods_code,name,alt_names,predecessor_codes,merger_date,region,notes\n"


def test_icb_list_and_predecessors(tmp_path: Path) -> None:
    path = tmp_path / "icb.csv"
    path.write_text(
        ICB_HEADER
        + 'QYG,C&M ICB,,,,North West,"line one\nline two"\n'
        + "D7T5G,Essex ICB,,QH8;QJG,2026-04-01,East,\n",
        encoding="utf-8",
    )
    icbs = trust_icb_lookup.read_icb_list(path)
    assert list(icbs["ods_code"]) == ["D7T5G", "QYG"]
    long = trust_icb_lookup.icb_predecessors(icbs)
    assert long.to_dict("records") == [
        {"icb_code": "QH8", "icb_2026_code": "D7T5G"},
        {"icb_code": "QJG", "icb_2026_code": "D7T5G"},
        {"icb_code": "QYG", "icb_2026_code": "QYG"},
    ]


def test_trust_list_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "trust.csv"
    path.write_text("ods_code,name,type,region,predecessor_codes,merger_date\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"trust\.csv.*'ics'"):
        trust_icb_lookup.read_trust_list(path)


@pytest.mark.realdata
def test_real_lists(raw_path) -> None:
    trusts = trust_icb_lookup.read_trust_list(raw_path("trust_icb_lookup/trust_urls.csv"))
    assert len(trusts) == 202
    icbs = trust_icb_lookup.read_icb_list(raw_path("trust_icb_lookup/icb_urls.csv"))
    assert len(icbs) == 36
    assert trust_icb_lookup.icb_predecessors(icbs)["icb_code"].nunique() == 42
