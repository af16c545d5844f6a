"""Tests for trust -> ICB apportionment: a tiny fixture with a hand-computed answer."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from helpers.errors import DataError
from helpers.panel import apportion


def _weights() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "trust_code": ["T1", "T1", "T2", "OLD"],
            "icb_code": ["QAA", "QBB", "QBB", "QAA"],
            "weight": [0.75, 0.25, 1.0, 1.0],
        }
    )


def _successors() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "old_code": ["OLDER", "OLD", "X1", "X1"],
            "new_code": ["OLD", "T2", "X2", "X3"],
            "date": pd.to_datetime(["2010-04-01", "2020-04-01", "2001-04-01", "2005-04-01"]),
        }
    )


def _beds() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "nhs_trust22_code": ["T1", "T2", "T3", "OLD"],
            "date": pd.to_datetime(["2023-01-01", "2023-01-01", "2023-01-01", "2022-12-01"]),
            "available": [100.0, 40.0, 10.0, 20.0],
            "occupied": [80.0, 40.0, 5.0, 10.0],
        }
    )


def test_successor_map_follows_chains_and_latest_date() -> None:
    mapping = apportion.successor_map(_successors(), ["OLDER", "OLD", "X1", "T1"])
    assert mapping == {"OLDER": "T2", "OLD": "T2", "X1": "X3"}


def test_successor_cycle_raises() -> None:
    cycle = pd.DataFrame(
        {"old_code": ["A", "B"], "new_code": ["B", "A"], "date": pd.to_datetime(["2001-01-01"] * 2)}
    )
    with pytest.raises(DataError, match="cycle"):
        apportion.successor_map(cycle, ["A"])


def test_two_successors_on_one_date_raise_only_for_the_code_asked_about() -> None:
    tied = pd.DataFrame(
        {
            "old_code": pd.array(["A", "A", "C"], dtype="string"),
            "new_code": pd.array(["B1", "B2", "D"], dtype="string"),
            "date": pd.to_datetime(["2001-01-01", "2001-01-01", "2002-01-01"]),
        }
    )
    assert apportion.successor_map(tied, ["C", "X"]) == {"C": "D"}
    with pytest.raises(DataError, match="code A has several successors on one date"):
        apportion.successor_map(tied, ["A", "C"])


def test_harmonised_weights_average_constituents() -> None:
    weights = apportion.harmonise_weights(_weights(), _successors())
    t2 = weights.loc[weights["trust_code"] == "T2"].set_index("icb_code")["weight"]
    assert t2.to_dict() == {"QAA": 0.5, "QBB": 0.5}
    assert "OLD" not in set(weights["trust_code"])


def test_apportion_hand_computed(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        result = apportion.apportion_to_icb(
            _beds(),
            _weights(),
            ["available", "occupied"],
            trust_column="nhs_trust22_code",
            successors=_successors(),
        )
    got = result.by_icb.set_index(["icb_code", "date"])
    january = pd.Timestamp("2023-01-01")
    december = pd.Timestamp("2022-12-01")
    # QAA: 0.75 x T1 + 0.5 x T2 (T2 = mean of T2 and its predecessor OLD)
    assert got.loc[("QAA", january), "available"] == pytest.approx(0.75 * 100 + 0.5 * 40)
    assert got.loc[("QAA", january), "occupied"] == pytest.approx(0.75 * 80 + 0.5 * 40)
    assert got.loc[("QBB", january), "available"] == pytest.approx(0.25 * 100 + 0.5 * 40)
    # December: only OLD reported, relabelled T2
    assert got.loc[("QAA", december), "available"] == pytest.approx(10.0)
    assert got.loc[("QBB", december), "occupied"] == pytest.approx(5.0)
    # every weighted bed is kept: totals match the weighted trusts' totals
    assert result.by_icb["available"].sum() == pytest.approx(100 + 40 + 20)
    # T3 has no weights: returned and logged, not silently dropped
    assert result.unweighted["trust_code"].tolist() == ["T3"]
    assert "without weights" in caplog.text and "T3" in caplog.text


def test_combine_weights_prefers_primary() -> None:
    primary = pd.DataFrame({"trust_code": ["T1"], "icb_code": ["QAA"], "weight": [1.0]})
    combined = apportion.combine_weights(primary, _weights())
    t1 = combined.loc[combined["trust_code"] == "T1"]
    assert t1["icb_code"].tolist() == ["QAA"]
    assert set(combined.loc[combined["weight_source"] == "fallback", "trust_code"]) == {"T2", "OLD"}


def test_main_icb_and_bad_weights() -> None:
    main = apportion.main_icb(_weights())
    assert main.set_index("trust_code")["icb_code"].to_dict() == {
        "OLD": "QAA",
        "T1": "QAA",
        "T2": "QBB",
    }
    bad = _weights().assign(weight=[0.5, 0.25, 1.0, 1.0])
    with pytest.raises(DataError, match="do not sum to 1"):
        apportion.check_weights(bad, "bad")


@pytest.mark.realdata
def test_real_weights_cover_bed_trusts(real_icb_codes: pd.DataFrame) -> None:
    from helpers.data.readers import geographr, healthyr, trust_to_ics_activity

    patient = apportion.patient_share_weights(
        geographr.load("trust_patient_shares"), real_icb_codes
    )
    ed = apportion.ed_activity_weights(trust_to_ics_activity.load())
    successors = geographr.load("trust_successors")
    assert apportion.successor_map(successors, ["RBZ"]) == {"RBZ": "RH8"}
    weights = apportion.combine_weights(patient, ed)
    beds = healthyr.load("general_acute_beds")
    result = apportion.apportion_to_icb(
        beds,
        weights,
        ["general_acute_beds_available"],
        trust_column="nhs_trust22_code",
        successors=successors,
    )
    assert result.unweighted.empty
    assert result.by_icb["icb_code"].nunique() == 42
    total = beds["general_acute_beds_available"].sum()
    assert result.by_icb["general_acute_beds_available"].sum() == pytest.approx(total, rel=1e-6)
