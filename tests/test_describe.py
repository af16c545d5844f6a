"""Tests for helpers.analysis.describe: small synthetic fixtures with answers worked out by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import describe
from helpers.errors import DataError

YEARS = ["2022/23", "2023/24"]


# --- fixtures ----------------------------------------------------------------------------------


def lookup() -> pd.DataFrame:
    """Three ICBs in two regions."""
    return pd.DataFrame(
        {
            "icb_code": ["QAA", "QBB", "QCC"],
            "icb_ons_code": ["E54000001", "E54000002", "E54000003"],
            "icb_name": [
                "NHS Alpha Integrated Care Board",
                "NHS Beta and Gamma Integrated Care Board",
                "NHS Delta Integrated Care Board",
            ],
            "region_name": ["North", "North", "South"],
        }
    )


def positions() -> pd.DataFrame:
    """Finance positions: QAA both years, QBB 2022/23 only, QCC none that counts."""
    rows = [
        # icb, year, measure, £m, % of allocation, scope, kind, best
        ("QAA", "2022/23", "plan_draft", -40.0, -4.0, "system", "campaign", True),
        ("QAA", "2022/23", "ytd", -10.0, -1.0, "system", "press", False),
        ("QAA", "2023/24", "outturn", -20.0, -2.0, "system", "official", True),
        ("QBB", "2022/23", "plan", 0.0, 0.0, "system", "press", True),
        ("QCC", "2024/25", "forecast", -30.0, -3.0, "system", "press", True),  # outside YEARS
        ("QCC", "2023/24", "plan", -5.0, -0.5, "trusts", "press", False),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "icb_code",
            "financial_year",
            "measure",
            "value_gbp_m",
            "value_pct_allocation",
            "scope",
            "source_kind",
            "best_available",
        ],
    )
    frame["source_publisher"] = "Publisher"
    return frame


def facts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "fact_id": ["nat_outturn", "nat_draft", "nat_count", "nat_final"],
            "financial_year": ["2022/23", "2022/23", "2022/23", "2023/24"],
            "fact": ["Outturn deficit", "Draft gap (over)", "Systems in deficit", "Final plans"],
            "value": [621.0, 1000.0, 5.0, 2200.0],
            "unit_base": ["£m", "£m", "systems", "£m"],
            "is_lower_bound": [False, True, False, False],
            "is_approximate": [False, False, False, True],
            "as_at": ["year-end", "June", "plans", "June"],
            "source_publisher": ["NHS Providers", "HSJ", "HFMA", "NHS England"],
            "source_title": ["t1", "t2", "t3", "t4"],
            "source_date": ["2025-08-27", "2022-06-06", "2023-05-19", "2024-07-25"],
            "source_url": ["https://a.example"] * 4,
        }
    )


def selection() -> pd.DataFrame:
    """Deliberately out of stage order: outturn before draft plans."""
    return pd.DataFrame(
        {
            "financial_year": ["2022/23", "2022/23", "2023/24"],
            "stage": ["outturn", "draft plans", "final plans"],
            "basis": ["aggregate deficit"] * 3,
            "fact_id": ["nat_outturn", "nat_draft", "nat_final"],
            "selection_note": ["n1", "n2", "n3"],
        }
    )


def funding() -> pd.DataFrame:
    """Three ICBs x two years of funding columns, already joined to the lookup."""
    return pd.DataFrame(
        {
            "icb_code": ["QAA", "QBB", "QCC"] * 2,
            "financial_year": ["2022/23"] * 3 + ["2023/24"] * 3,
            "allocation_per_head_gbp": [1500.0, 1700.0, 1600.0, 1550.0, 1750.0, 1900.0],
            "distance_from_target_pct": [-3.0, 2.0, 5.0, -2.0, -2.6, 4.0],
            "need_index": [0.9, 1.0, 1.1, 0.9, 1.0, 1.1],
            "icb_name": ["Alpha", "Beta", "Delta"] * 2,
            "region_name": ["North", "North", "South"] * 2,
        }
    )


# --- small formatters --------------------------------------------------------------------------


def test_year_key_and_short_name() -> None:
    assert describe.year_key("2022/23") == "2022_23"
    assert describe.short_icb_name("NHS Cheshire and Merseyside Integrated Care Board") == (
        "Cheshire and Merseyside"
    )
    assert describe.short_icb_name("Frimley ICB") == "Frimley"


@pytest.mark.parametrize(
    ("value", "flags", "expected"),
    [
        (621.0, {}, "£621 million"),
        (2200.0, {}, "£2.2 billion"),
        (3000.0, {}, "£3 billion"),
        (1000.0, {"lower_bound": True}, "over £1 billion"),
        (1090.0, {"approximate": True}, "about £1.1 billion"),
    ],
)
def test_format_gbp_m(value: float, flags: dict[str, bool], expected: str) -> None:
    assert describe.format_gbp_m(value, **flags) == expected


# --- national timeline -------------------------------------------------------------------------


def test_read_timeline_selection_checks_stage_basis_and_duplicates(tmp_path: Path) -> None:
    good = tmp_path / "timeline.csv"
    selection().to_csv(good, index=False)
    assert len(describe.read_timeline_selection(good)) == 3

    bad = selection()
    bad.loc[0, "stage"] = "final plan"  # not a stage
    bad.loc[1, "basis"] = "deficit"  # not a basis
    repeat = bad.iloc[[2]].assign(selection_note="a second note")  # not an exact duplicate row
    bad = pd.concat([bad, repeat])  # 2023/24 final plans twice
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(DataError) as error:
        describe.read_timeline_selection(path)
    message = str(error.value)
    assert "line 2: stage 'final plan'" in message
    assert "line 3: basis 'deficit'" in message
    assert "2023/24 final plans is selected more than once" in message


def test_national_timeline_joins_and_sorts_by_stage() -> None:
    timeline = describe.national_timeline(selection(), facts())
    assert timeline[["financial_year", "stage"]].values.tolist() == [
        ["2022/23", "draft plans"],
        ["2022/23", "outturn"],
        ["2023/24", "final plans"],
    ]
    assert timeline["value_gbp_m"].tolist() == [1000.0, 621.0, 2200.0]
    assert timeline["is_lower_bound"].tolist() == [True, False, False]
    assert timeline["source_publisher"].tolist() == ["HSJ", "NHS Providers", "NHS England"]
    assert {"basis", "is_approximate", "source_url", "selection_note"} <= set(timeline)


def test_national_timeline_names_missing_and_ambiguous_facts() -> None:
    chosen = selection()
    chosen.loc[2, "fact_id"] = "nat_no_such_fact"
    doubled = pd.concat([facts(), facts().iloc[[0]]])
    with pytest.raises(DataError) as error:
        describe.national_timeline(chosen, doubled)
    assert "2023/24 fact_id 'nat_no_such_fact' not found" in str(error.value)
    assert "2022/23 fact_id 'nat_outturn' found 2 times" in str(error.value)


def test_national_timeline_rejects_a_fact_of_another_year() -> None:
    chosen = selection()
    chosen.loc[2, "fact_id"] = "nat_outturn"
    chosen.loc[0, "fact_id"] = "nat_final"
    with pytest.raises(DataError, match="nat_final is a 2023/24 fact, selected for 2022/23"):
        describe.national_timeline(chosen, facts())


def test_national_timeline_rejects_facts_not_in_gbp() -> None:
    chosen = selection()
    chosen.loc[0, "fact_id"] = "nat_count"
    with pytest.raises(DataError, match="'nat_count' is in 'systems'"):
        describe.national_timeline(chosen, facts())


def test_timeline_numbers_table_and_publishers() -> None:
    timeline = describe.national_timeline(selection(), facts())
    numbers = describe.timeline_numbers(timeline)
    assert numbers["national_timeline_n_facts"] == 3
    assert numbers["national_draft_2022_23_gbp_m"] == 1000
    assert numbers["national_draft_2022_23_text"] == "over £1 billion"
    assert numbers["national_outturn_2022_23_text"] == "£621 million"
    assert numbers["national_final_2023_24_text"] == "about £2.2 billion"
    table = describe.timeline_table(timeline)
    assert table.loc[("2022/23", "outturn"), "Value"] == "£621 million"
    assert describe.timeline_publishers(timeline) == ["HSJ", "NHS England", "NHS Providers"]


# --- system positions --------------------------------------------------------------------------


def test_best_positions_filters_joins_and_labels() -> None:
    best = describe.best_positions(positions(), lookup(), YEARS)
    assert best[["icb_code", "financial_year"]].values.tolist() == [
        ["QAA", "2022/23"],
        ["QBB", "2022/23"],
        ["QAA", "2023/24"],
    ]
    assert best["stage"].tolist() == ["draft plan", "final plan", "outturn"]
    assert best["region_name"].tolist() == ["North", "North", "North"]
    assert best["icb_name"].tolist() == ["Alpha", "Beta and Gamma", "Alpha"]


def test_best_positions_unknown_system_raises() -> None:
    with pytest.raises(DataError, match="unmatched"):
        describe.best_positions(positions(), lookup().iloc[1:], YEARS)


def test_positions_by_year_known_answers() -> None:
    best = describe.best_positions(positions(), lookup(), YEARS)
    summary = describe.positions_by_year(best, [*YEARS, "2024/25"])
    assert summary.index.tolist() == ["2022/23", "2023/24", "2024/25"]
    assert summary["systems"].tolist() == [2, 1, 0]
    assert summary["in_deficit"].tolist() == [1, 1, 0]  # a balanced position is not a deficit
    assert summary.loc["2022/23", "median_pct"] == pytest.approx(-2.0)
    assert summary.loc["2022/23", "min_pct"] == -4.0
    assert np.isnan(summary.loc["2024/25", "median_pct"])
    assert summary.loc["2022/23", ["n_campaign", "n_press", "n_official"]].tolist() == [1, 1, 0]
    assert describe.n_title(summary) == "N = 2 (2022/23), 1 (2023/24), 0 (2024/25) systems of 42"


def test_system_coverage_counts_every_icb() -> None:
    best = describe.best_positions(positions(), lookup(), YEARS)
    coverage = describe.system_coverage(best, lookup(), YEARS).set_index("icb_code")
    assert coverage["n_years"].to_dict() == {"QAA": 2, "QBB": 1, "QCC": 0}
    assert coverage.loc["QAA", "coverage"] == "2 years"
    assert coverage.loc["QBB", "coverage"] == "1 year"
    assert pd.isna(coverage.loc["QCC", "coverage"])
    assert coverage.loc["QAA", "mean_position_pct"] == pytest.approx(-3.0)
    assert pd.isna(coverage.loc["QCC", "mean_position_pct"])
    counts = describe.coverage_counts(coverage, YEARS)
    assert counts["systems"].tolist() == [1, 1, 1]
    assert describe.coverage_title(coverage, "Years") == "Years: 2 of 3 systems have a figure"


def test_position_numbers_known_answers() -> None:
    best = describe.best_positions(positions(), lookup(), YEARS)
    coverage = describe.system_coverage(best, lookup(), YEARS)
    numbers = describe.position_numbers(describe.positions_by_year(best, YEARS), coverage, YEARS)
    assert numbers == {
        "positions_n_systems_2022_23": 2,
        "positions_n_deficit_2022_23": 1,
        "positions_median_pct_2022_23": -2.0,
        "positions_n_systems_2023_24": 1,
        "positions_n_deficit_2023_24": 1,
        "positions_median_pct_2023_24": -2.0,
        "positions_n_system_years": 3,
        "positions_n_systems_any_year": 2,
        "positions_n_systems_every_year": 1,
        "positions_n_systems_none": 1,
    }


def test_with_boundaries_requires_every_geometry() -> None:
    coverage = describe.system_coverage(
        describe.best_positions(positions(), lookup(), YEARS), lookup(), YEARS
    )
    shapes = pd.DataFrame(
        {"icb_ons_code": ["E54000001", "E54000002", "E54000003"], "geometry": ["a", "b", "c"]}
    )
    joined = describe.with_boundaries(coverage, shapes)
    assert joined["geometry"].tolist() == ["a", "b", "c"]
    with pytest.raises(DataError, match="E54000003"):
        describe.with_boundaries(coverage, shapes.iloc[:2])


# --- funding -----------------------------------------------------------------------------------


def test_funding_frame_joins_names() -> None:
    icb_year = funding().drop(columns=["icb_name", "region_name"])
    frame = describe.funding_frame(icb_year, lookup(), ["2023/24"])
    assert frame["icb_name"].tolist() == ["Alpha", "Beta and Gamma", "Delta"]
    assert frame["financial_year"].unique().tolist() == ["2023/24"]


def test_funding_by_year_known_answers() -> None:
    summary = describe.funding_by_year(funding(), below_target_pct=-2.5)
    assert summary.loc["2022/23", "per_head_min_icb"] == "Alpha"
    assert summary.loc["2022/23", "per_head_max_gbp"] == 1700.0
    assert summary.loc["2023/24", "per_head_max_icb"] == "Delta"
    assert summary.loc["2022/23", "per_head_median_gbp"] == 1600.0
    assert summary["below_target_n"].tolist() == [1, 1]  # -3.0 in 2022/23; -2.6 in 2023/24
    assert summary.loc["2023/24", "distance_median_pct"] == -2.0
    assert summary.loc["2022/23", "need_index_max"] == 1.1


def test_convergence_and_funding_numbers() -> None:
    moved = describe.convergence(funding(), "2022/23", "2023/24").set_index("icb_code")
    assert moved["change_pp"].to_dict() == pytest.approx({"QAA": 1.0, "QBB": -4.6, "QCC": -1.0})
    assert moved["closer"].to_dict() == {"QAA": True, "QBB": False, "QCC": True}
    with pytest.raises(DataError, match="2024/25"):
        describe.convergence(funding(), "2022/23", "2024/25")
    summary = describe.funding_by_year(funding(), below_target_pct=-2.5)
    numbers = describe.funding_numbers(summary, moved, -2.5, "2022/23", "2023/24")
    assert numbers["funding_n_icbs_closer_to_target"] == 2
    assert numbers["funding_n_icbs_compared"] == 3
    assert numbers["funding_per_head_min_gbp_2023_24"] == 1550
    assert numbers["funding_per_head_min_icb_2023_24"] == "Alpha"
    assert numbers["funding_n_below_target_2022_23"] == 1
    assert numbers["funding_below_target_threshold_pct"] == 2.5
    assert numbers["funding_distance_median_pct_2022_23"] == 2.0


def test_correlation_title() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, None], "y": [2.0, 4.0, 6.0, 1.0]})
    assert describe.correlation_title(frame, "x", "y") == "N = 3 ICBs; Pearson r = 1.00"


# --- chart titles that state the finding ---------------------------------------------------------


def test_titles_state_computed_findings() -> None:
    best = describe.best_positions(positions(), lookup(), YEARS)
    summary = describe.positions_by_year(best, [*YEARS, "2024/25"])
    assert describe.positions_title(summary) == (
        "Most systems with a published position were in deficit in 1 of the 2 years with figures"
    )
    assert describe.group_deficit_title(best, "region_name", "regions") == (
        "Deficits appear in all 1 regions"
    )
    coverage = describe.system_coverage(best, lookup(), YEARS)
    assert describe.coverage_map_title(coverage).startswith("2 of 3 systems have a published")
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [1.0, 2.1, 2.9, 4.2]})
    assert describe.correlation_finding(frame, "x", "y", "X and Y") == (
        "X and Y: a strong positive correlation (r = 1.00)"
    )
    assert describe.correlation_strength(-0.2) == "weak"
    assert describe.correlation_strength(0.05) == "negligible"


def test_timeline_title_changes_with_the_data() -> None:
    timeline = describe.national_timeline(selection(), facts())
    title = describe.timeline_title(timeline)
    assert title.startswith("Final plans cut the draft-plan deficit in")
    assert "drafts added up to" in title
    people = describe.timeline_people_table(timeline).to_html()
    assert '<th scope="col">Fact as published</th>' in people and "source_url" not in people
