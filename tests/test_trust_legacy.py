"""The legacy-deficit test: 2016/17 reconciliation, successor mapping, shares, tests (fixtures
hand-computed) and the reconciliation of the real workbooks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import trust_legacy
from helpers.errors import DataError


def fixture_sheets() -> dict[str, pd.DataFrame]:
    """Two trusts: RAA's total row includes a 'normal course of business' revenue loan of 2."""
    balances = pd.DataFrame(
        {
            "financial_year": ["2016/17", "2016/17", "2018/19"],
            "trust_code": ["RAA", "RBB", "RAA"],
            "trust_name": [
                "A Hospitals NHS Trust",
                "B Healthcare NHS Trust",
                "A Hospitals NHS Trust",
            ],
            "irsl_gbp_m": [12.0, 5.0, 30.0],
        }
    )
    lines = pd.DataFrame(
        {
            "trust_code": ["RAA", "RAA", "RBB"],
            "trust_name": [
                "A Hospitals NHS Trust",
                "A Hospitals NHS Trust",
                "B Healthcare NHS Trust",
            ],
            "closing_gbp_m": [4.0, 6.0, 5.0],
        }
    )
    ncb = pd.DataFrame(
        {
            "trust_code": ["RAA", "RAA"],
            "trust_name": ["A", "A"],
            "loan_type": ["Rev", "Cap"],
            "closing_gbp_m": [2.0, 50.0],
        }
    )
    opening = pd.DataFrame({"trust_code": ["RAA", "RBB"], "opening_gbp_m": [10.0, 5.0]})
    # the BBC leaves out B (listed under a former name) and gives A its total row (12)
    bbc_trusts = pd.DataFrame(
        {"trust_name": ["The A Hospitals NHS Trust"], "irsl_2016_17_gbp_m": [12.0]}
    )
    bbc_national = pd.DataFrame({"financial_year": ["2016/17"], "irsl_gbp_m": [12.0]})
    return {
        "balances": balances,
        "lines": lines,
        "ncb": ncb,
        "lines_2017_18": opening,
        "bbc_trusts": bbc_trusts,
        "bbc_national": bbc_national,
    }


def test_reconciliation_explains_every_step_and_leaves_no_residual() -> None:
    s = fixture_sheets()
    table = trust_legacy.reconcile_2016_17(
        s["balances"],
        s["lines"],
        s["ncb"],
        s["lines_2017_18"],
        s["bbc_trusts"],
        s["bbc_national"],
        {},
    ).set_index("step")["amount_gbp_m"]
    assert table["per-trust rows of 'IRSL (TOTAL)'"] == pytest.approx(17.0)
    assert table["less revenue loans listed under 'normal course of business'"] == pytest.approx(
        -2.0
    )
    assert table["interim revenue support loan lines ('Data')"] == pytest.approx(15.0)
    assert table["less loan lines the BBC's per-trust table leaves out"] == pytest.approx(-5.0)
    assert table["plus BBC values above (+) or below (-) the loan lines"] == pytest.approx(2.0)
    assert table["residual"] == pytest.approx(0.0)


def test_reconciliation_stops_when_the_loan_lines_do_not_carry_forward() -> None:
    s = fixture_sheets()
    s["lines_2017_18"].loc[1, "opening_gbp_m"] = 4.0
    with pytest.raises(DataError, match=r"2017/18 opening balances for \['RBB'\]"):
        trust_legacy.reconcile_2016_17(
            s["balances"],
            s["lines"],
            s["ncb"],
            s["lines_2017_18"],
            s["bbc_trusts"],
            s["bbc_national"],
            {},
        )


def test_real_2016_17_reconciliation_is_complete() -> None:
    from helpers.data.readers import geographr
    from helpers.data.readers import trust_deficit_loans as loans

    balances, lines = trust_legacy.load_balances()
    opening = loans.load("lines_2017_18")
    codes = sorted(
        set(balances["trust_code"]) | set(lines["trust_code"]) | set(opening["trust_code"])
    )
    final, split = trust_legacy.final_successors(geographr.load("trust_successors"), codes)
    table = trust_legacy.reconcile_2016_17(
        balances,
        lines,
        loans.load("ncb_2016_17"),
        opening,
        loans.load("bbc_trusts"),
        loans.load("bbc_national"),
        final,
    )
    numbers = trust_legacy.reconciliation_numbers(table)
    assert numbers["legacy_2016_17_rows_bn"] == "4.905"
    assert numbers["legacy_2016_17_ncb_revenue_bn"] == "0.182"
    assert numbers["legacy_2016_17_lines_bn"] == "4.723"
    assert numbers["legacy_2016_17_bbc_bn"] == "4.669"
    assert "St George's Healthcare" in numbers["legacy_2016_17_bbc_left_out"]
    assert numbers["legacy_2016_17_residual_gbp_m"] == "0.000"
    assert split == ["RW6"]  # Pennine Acute: split between two successors, not divided


def test_names_match_by_normalised_name_then_by_equal_balance() -> None:
    ours = pd.Series({"The Royal Trust": 1.0, "Derby Hospitals NHS FT": 7.0, "Gone Trust": 3.0})
    theirs = pd.Series({"Royal Trust": 1.5, "Derby Teaching Hospitals NHS FT": 7.0})
    paired = trust_legacy.match_names(ours, theirs).set_index("name")
    assert paired.loc["The Royal Trust", "theirs"] == 1.5
    assert paired.loc["Derby Hospitals NHS FT", "theirs"] == 7.0
    assert np.isnan(paired.loc["Gone Trust", "theirs"])


def test_codes_reach_today_through_successors_and_the_merger_list() -> None:
    links = pd.DataFrame({"old_code": ["RCC"], "new_code": ["RDD"]})
    mapping = trust_legacy.map_to_today(
        ["RAA", "RBB", "RXX", "RYY"], {"RBB": "RCC", "RYY": "RZZ"}, links, ["RAA", "RDD"]
    ).set_index("old_code")
    assert mapping.loc["RAA", "trust_code"] == "RAA"
    assert mapping.loc["RBB", "trust_code"] == "RDD"  # successor RCC, then the 2026 merger
    assert pd.isna(mapping.loc["RXX", "trust_code"])
    assert pd.isna(mapping.loc["RYY", "trust_code"])
    assert "reached RZZ" in mapping.loc["RYY", "how"]


def test_merged_predecessors_are_summed_and_shared_by_income() -> None:
    year_ends = pd.DataFrame(
        {
            "financial_year": ["2016/17", "2018/19", "2018/19"],
            "trust_code": ["ROLD", "ROLD", "RNEW"],
            "irsl_gbp_m": [1.0, 20.0, 30.0],
        }
    )
    mapping = pd.DataFrame(
        {"old_code": ["ROLD", "RNEW"], "trust_code": ["RNEW", "RNEW"], "how": ["", ""]}
    )
    panel = pd.DataFrame(
        {
            "trust_code": ["RNEW", "RNONE"],
            "trust_name": ["New", "None"],
            "trust_type": ["acute", "acute"],
            "icb_code": ["QAA", "QAA"],
            "operating_income_gbp_m": [500.0, 100.0],
        }
    )
    legacy = trust_legacy.legacy_by_trust(year_ends, mapping, panel).set_index("trust_code")
    assert legacy.loc["RNEW", "irsl_2018_19_gbp_m"] == pytest.approx(50.0)
    assert legacy.loc["RNEW", trust_legacy.SHARE] == pytest.approx(10.0)
    assert legacy.loc["RNEW", "loan_predecessors"] == "RNEW;ROLD"
    assert legacy.loc["RNONE", trust_legacy.ANY] == 0
    icb_year = pd.DataFrame(
        {
            "icb_code": ["QAA", "QBB"],
            "financial_year": ["2024/25"] * 2,
            "core_allocation_gbp_m": [1000.0, 800.0],
        }
    )
    systems = trust_legacy.legacy_by_system(legacy.reset_index(), icb_year, "2024/25").set_index(
        "icb_code"
    )
    assert systems.loc["QAA", trust_legacy.SYSTEM_SHARE] == pytest.approx(5.0)
    assert systems.loc["QBB", trust_legacy.SYSTEM_SHARE] == pytest.approx(0.0)


def test_persistence_test_matches_ols_and_leave_one_out_finds_the_decisive_unit() -> None:
    # y falls with x except for one far point; without "U9" the slope is clearly negative
    data = pd.DataFrame(
        {
            "unit": [f"U{i}" for i in range(10)],
            "x": [0.0, 1, 2, 3, 4, 5, 6, 7, 8, 30],
            "y": [5.0, 4.2, 3.9, 3.1, 2.8, 2.2, 1.9, 1.1, 0.8, 40.0],
        }
    )
    data[trust_legacy.ANY] = 1
    tests = trust_legacy.persistence_tests(data, ["y"], ["x"], [], [], "unit", "trust", 0.05)
    row = tests.iloc[0]
    assert row["n_obs"] == 10
    assert row["estimate"] > 0  # the far point drags the slope up
    assert row["max_cooks_label"] == "U9"
    assert "U9" in row["loo_changes"].split(";")
    assert row["loo_min"] < 0 < row["loo_max"]
