"""Trust panel: cross-file check, ranges, ICB mapping, roll-up weights (hand-computed)."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.data.readers.trust_metrics_2025_26 import TrustMetrics
from helpers.errors import DataError
from helpers.panel import trust


def metrics(plan_left: list[float], plan_right: list[float]) -> TrustMetrics:
    oversight = pd.DataFrame(
        {"trust_code": ["RAA", "RBB", "RDD"], "planned_position_pct": plan_left}
    )
    scorecard = pd.DataFrame(
        {"trust_code": ["RAA", "RBB", "RCC"], "planned_position_pct": plan_right}
    )
    return TrustMetrics(
        oversight=oversight,
        scorecard=scorecard,
        oversight_file="left.csv",
        scorecard_file="right.csv",
    )


def test_of0079_agreement_passes_and_reports_compared_trusts() -> None:
    compared = trust.check_of0079(metrics([0.0, -1.5, 2.0], [0.0, -1.5, 9.0]), tolerance=0.005)
    assert compared["trust_code"].tolist() == ["RAA", "RBB"]
    assert compared["difference"].abs().max() == 0.0


def test_of0079_disagreement_names_files_trust_and_columns() -> None:
    with pytest.raises(DataError) as error:
        trust.check_of0079(metrics([0.0, -1.5, 2.0], [0.0, -1.4, 2.0]), tolerance=0.005)
    message = str(error.value)
    for part in (
        "left.csv",
        "right.csv",
        "RBB",
        "planned_surplus_deficit_pct",
        "finance_planned_sd_pct",
    ):
        assert part in message
    assert "RAA" not in message


def test_of0079_missing_on_one_side_is_a_disagreement() -> None:
    with pytest.raises(DataError, match="RAA"):
        trust.check_of0079(metrics([float("nan"), -1.5, 2.0], [0.0, -1.5, 2.0]), tolerance=0.005)


def test_percentage_outside_registry_range_names_file_trust_and_column() -> None:
    frame = pd.DataFrame({"trust_code": ["RAA", "RBB"], "operating_margin_pct": [-1.0, 75.0]})
    with pytest.raises(
        DataError, match=r"scorecard.csv.*trust RBB: column 'operating_margin_pct' = 75"
    ):
        trust.check_ranges(frame, "scorecard.csv")
    trust.check_ranges(frame.iloc[:1], "scorecard.csv")


def test_registry_covers_every_modelled_variable_with_a_range() -> None:
    table = trust.registry()
    assert (table["min"] < table["max"]).all()
    assert {"planned_position_pct", "operating_margin_pct", "variance_to_plan_pct"} <= set(
        table.index
    )


def test_icb_assignment_direct_via_merger_and_unmatched() -> None:
    reporting = pd.DataFrame({"trust_code": ["RAA", "ROLD"], "icb_code": ["QAA", "QBB"]})
    links = pd.DataFrame({"old_code": ["ROLD"], "new_code": ["RNEW"]})
    ics_2026 = pd.DataFrame(
        {
            "trust_code": ["RAA", "RLST"],
            "ics_name": ["A", "L"],
            "icb_codes_2026": ["QAA;QCC", "QLL"],
        }
    )
    mapping = trust.assign_icbs(
        ["RAA", "RNEW", "RLST", "RZZ"], reporting, links, ics_2026
    ).set_index("trust_code")
    assert mapping.loc["RAA", "icb_code"] == "QAA"
    assert bool(mapping.loc["RAA", "icb_2026_agrees"])
    assert mapping.loc["RNEW", "icb_code"] == "QBB"
    assert "predecessor ROLD" in mapping.loc["RNEW", "icb_source"]
    assert mapping.loc["RLST", "icb_code"] == "QLL"
    assert pd.isna(mapping.loc["RZZ", "icb_code"])
    files = {"RZZ": "file.csv"}
    with pytest.raises(
        DataError, match=r"trust code RZZ \(in file.csv\): column 'trust_code' maps to no ICB"
    ):
        trust.require_icbs(mapping.reset_index(), files, {})
    allowed = trust.require_icbs(mapping.reset_index(), files, {"RZZ": "closed in 2025"})
    assert allowed["reason"].tolist() == ["closed in 2025"]


def test_rollup_weights_hand_computed() -> None:
    # System QAA: margins -2 (income 100) and 4 (income 300) -> (-200 + 1200) / 400 = 2.5.
    # Its mental health trust (no margin, cost 100) is not covered: cost 100 + 300 covered of
    # 100 + 300 + 100 -> 80%. System QBB has only an uncovered trust; QCC has no trust.
    panel = pd.DataFrame(
        {
            "trust_code": ["R01", "R02", "R03", "R04"],
            "icb_code": ["QAA", "QAA", "QAA", "QBB"],
            "operating_margin_pct": [-2.0, 4.0, None, None],
            "operating_income_gbp_m": [100.0, 300.0, None, 50.0],
            "rc_actual_cost_gbp_m": [100.0, 300.0, 100.0, None],
        }
    )
    rolled = trust.rollup_to_systems(
        panel,
        "operating_margin_pct",
        "operating_income_gbp_m",
        ["rc_actual_cost_gbp_m", "operating_income_gbp_m"],
        ["QAA", "QBB", "QCC"],
    ).set_index("icb_code")
    assert rolled.loc["QAA", "value_pct"] == pytest.approx(2.5)
    assert rolled.loc["QAA", "share_covered_pct"] == pytest.approx(80.0)
    assert rolled.loc["QAA", "n_trusts"] == 3
    assert rolled.loc["QAA", "n_trusts_covered"] == 2
    assert pd.isna(rolled.loc["QBB", "value_pct"])
    assert rolled.loc["QBB", "share_covered_pct"] == 0.0
    assert rolled.loc["QCC", "n_trusts"] == 0


def test_validation_compares_like_with_like_and_lists_largest_disagreement_first() -> None:
    rolled = pd.DataFrame(
        {
            "rollup": ["m"] * 3,
            "icb_code": ["QAA", "QBB", "QCC"],
            "value_pct": [1.0, -3.0, 0.5],
            "share_covered_pct": [100.0, 90.0, 80.0],
        }
    )
    positions = pd.DataFrame(
        {
            "icb_code": ["QAA", "QAA", "QBB", "QCC"],
            "financial_year": ["2024/25"] * 4,
            "measure": ["outturn", "plan", "forecast", "outturn"],
            "source_kind": ["official", "official", "press", "campaign"],
            "scope": ["system"] * 4,
            "value_pct_allocation": [1.2, -9.0, 2.0, 0.4],
            "value_gbp_m": [12.0, -90.0, 20.0, 4.0],
            "stage": ["outturn", "final_plan", "forecast", "outturn"],
            "as_at_date": ["2025-03", "2024-04", "2024-12", "2025-03"],
            "revision": [0, 0, 0, 0],
            "basis": ["unknown"] * 4,
            "source_date": ["2025-06-01", "2024-04-01", "2025-02-01", "2025-06-01"],
            "source_line": [1, 2, 3, 4],
            "best_available": [True, False, True, True],
        }
    )
    lookup = pd.DataFrame({"icb_code": ["QAA", "QBB", "QCC"], "icb_name": ["A", "B", "C"]})
    spec = {
        "outturn": {"rollup": "m", "financial_year": "2024/25", "measures": ["outturn", "forecast"]}
    }
    compared = trust.compare_with_curated(rolled, positions, spec, lookup).set_index("icb_code")
    assert compared.loc["QAA", "curated_pct"] == pytest.approx(1.2)  # the outturn, not the plan
    assert bool(compared.loc["QBB", "deficit_differs"])
    top = trust.most_disagreeing(compared.reset_index(), 1)
    assert top["icb_code"].tolist() == ["QBB"]
    summary = trust.validation_summary(compared.reset_index()).iloc[0]
    assert summary["n_systems"] == 3
    assert summary["n_deficit_differs"] == 1


def test_low_coverage_rollups_are_left_out_and_listed() -> None:
    rolled = pd.DataFrame(
        {"icb_code": ["QAA", "QBB"], "value_pct": [-1.0, -14.0], "share_covered_pct": [90.0, 24.0]}
    )
    masked, low = trust.apply_min_coverage(rolled, 50)
    assert masked["value_pct"].isna().tolist() == [False, True]
    assert low["icb_code"].tolist() == ["QBB"]


def test_delayed_discharges_per_100_occupied_beds_hand_computed() -> None:
    months = pd.date_range("2024-04-01", periods=12, freq="MS")
    delays = pd.DataFrame(
        {
            "nhs_trust22_code": ["RAA"] * 24,
            "date": list(months) * 2,
            "delay_reason": ["a"] * 12 + ["b"] * 12,
            "delay_count": [6.0] * 12 + [4.0] * 12,
        }
    )
    beds = pd.DataFrame(
        {
            "nhs_trust22_code": ["RAA"] * 12,
            "date": months,
            "general_acute_beds_available": [220.0] * 12,
            "general_acute_beds_occupied": [200.0] * 12,
        }
    )
    successors = pd.DataFrame(
        {
            "old_code": pd.Series([], dtype="string"),
            "new_code": pd.Series([], dtype="string"),
            "date": pd.Series([], dtype="datetime64[ns]"),
        }
    )
    result = trust.delayed_discharges_by_trust(delays, beds, "2024-04", successors)
    # (6 + 4) delayed patients per month on 200 occupied beds -> 5 per 100 beds.
    assert result["delayed_discharge_per_100_beds"].tolist() == pytest.approx([5.0])


def test_real_trust_panel_maps_every_trust_and_rolls_up_all_42_systems() -> None:
    from helpers.panel import schemas

    panel = schemas.read_table("trust_panel.parquet")
    rolled = schemas.read_table("trust_rollup.parquet")
    assert panel["icb_code"].notna().all()
    assert panel["icb_code"].nunique() == 42
    margin = rolled[rolled["rollup"] == "operating_margin_2024_25"]
    assert margin["value_pct"].notna().sum() == 42


def test_trust_panel_schema_rejects_duplicate_trusts_and_out_of_range_values() -> None:
    from helpers.panel import schemas

    panel = schemas.read_table("trust_panel.parquet")
    with pytest.raises(DataError, match="trust_panel"):
        schemas.validate(
            pd.concat([panel, panel.iloc[:1]], ignore_index=True),
            schemas.SCHEMAS["trust_panel.parquet"],
        )
    bad = panel.copy()
    bad.loc[bad.index[0], "bed_occupancy_pct"] = 140.0
    with pytest.raises(DataError, match="bed_occupancy_pct"):
        schemas.validate(bad, schemas.SCHEMAS["trust_panel.parquet"])
