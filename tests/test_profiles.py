"""System profiles: comparisons with the other systems, computed sentences, unknown codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.errors import ConfigError, DataError
from helpers.panel import leadership
from helpers.report import profiles

YEARS = ["2022/23", "2023/24"]


@pytest.fixture
def lookup() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "icb_code": ["QAA", "QBB", "QCC", "QOC"],
            "icb_name": [
                "NHS Alpha Integrated Care Board",
                "NHS Beta Integrated Care Board",
                "NHS Gamma Integrated Care Board",
                "NHS Shropshire, Telford and Wrekin Integrated Care Board",
            ],
            "region_name": ["Midlands", "London", "London", "Midlands"],
        }
    )


@pytest.fixture
def panel() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "icb_code": ["QAA", "QBB", "QCC", "QOC"] * 2,
            "financial_year": ["2022/23"] * 4 + ["2023/24"] * 4,
            "core_allocation_gbp_m": [100.0, 300.0, 200.0, 400.0, 110.0, 310.0, 210.0, 410.0],
            "ae_4h_pct": [70.0, 60.0, np.nan, 80.0, 71.0, 61.0, 75.0, np.nan],
        }
    )


@pytest.fixture
def positions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "icb_code": ["QAA", "QBB", "QOC", "QOC", "QOC"],
            "financial_year": ["2022/23", "2022/23", "2022/23", "2022/23", "2023/24"],
            "measure": ["outturn", "outturn", "plan", "outturn", "ytd"],
            "stage": ["outturn", "outturn", "final_plan", "outturn", "ytd"],
            "basis": [
                "before_support",
                "before_support",
                "before_support",
                "after_support",
                "unknown",
            ],
            "best_before_support": [True, True, True, False, False],
            "best_after_support": [False, False, False, True, False],
            "as_at_date": ["2023-03", "2023-03", "2022-04", "2023-03", "2023-09"],
            "value_gbp_m": [-5.0, 3.0, -10.0, -20.0, -7.5],
            "value_pct_allocation": [-5.0, 1.0, -2.5, -5.0, -1.8],
            "best_available": [True, True, False, True, False],
            "as_at": ["year-end", "year-end", "plan", "year-end", "M6"],
            "as_at_month": [12.0, 12.0, np.nan, 12.0, 6.0],
            "scope": ["system"] * 5,
            "source_kind": ["official", "press", "press", "official", "press"],
            "source_publisher": ["A", "B", "C", "D", "E"],
            "source_date": ["2023-05"] * 5,
            "source_url": [f"https://example.org/{index}" for index in range(5)],
            "source_line": [2, 3, 4, 5, 6],
        }
    )


def test_unknown_code_lists_valid_codes_and_close_matches(lookup: pd.DataFrame) -> None:
    assert profiles.check_icb_code("QOC", lookup) == "QOC"
    with pytest.raises(ConfigError) as error:
        profiles.check_icb_code("QOD", lookup)
    message = str(error.value)
    assert "'QOD'" in message and "Valid codes: QAA, QBB, QCC, QOC" in message
    assert "Close matches: QOC" in message
    with pytest.raises(ConfigError, match="Close matches: .*QOC"):
        profiles.check_icb_code("NHS Shropshire Telford and Wrekin ICB", lookup)


def test_compare_measures_ranks_against_systems_with_a_value(panel: pd.DataFrame) -> None:
    table = profiles.compare_measures(panel, "QOC", ["ae_4h_pct", "not_a_column"], YEARS)
    first = table[table["financial_year"] == "2022/23"].iloc[0]
    assert (first["value"], first["rank"], first["n_systems"]) == (80.0, 1.0, 3)
    assert first["england_median"] == 70.0 and first["lowest"] == 60.0
    second = table[table["financial_year"] == "2023/24"].iloc[0]
    assert np.isnan(second["value"]) and np.isnan(second["rank"]) and second["n_systems"] == 3
    assert set(table["measure"]) == {"ae_4h_pct"}
    latest = profiles.latest_with_value(table)
    assert list(latest["financial_year"]) == ["2022/23"]  # QOC has no 2023/24 value


def test_positions_are_ranked_only_within_year_stage_and_basis(positions) -> None:
    ranked = profiles.basis_positions(positions, "before_support", YEARS)
    # QOC's before-support figure is a final plan: alone in its cell, never ranked with outturns
    qoc = ranked.set_index("icb_code").loc["QOC"]
    assert (qoc["stage"], qoc["value_gbp_m"], qoc["rank"], qoc["n_systems"]) == (
        "final_plan",
        -10.0,
        1.0,
        1,
    )
    outturns = ranked[ranked["stage"] == "outturn"].set_index("icb_code")
    assert outturns["rank"].to_dict() == {"QAA": 1.0, "QBB": 2.0}
    assert outturns["median_pct"].tolist() == [-2.0, -2.0]
    after = profiles.basis_positions(positions, "after_support", YEARS)
    assert list(after["icb_code"]) == ["QOC"] and after["value_gbp_m"].tolist() == [-20.0]
    with pytest.raises(DataError, match="best_nonsense"):
        profiles.basis_positions(positions, "nonsense", YEARS)


def test_position_sentence_states_both_bases_apart(positions) -> None:
    before = profiles.own_positions(
        profiles.basis_positions(positions, "before_support", YEARS), "QOC", YEARS
    )
    after = profiles.own_positions(
        profiles.basis_positions(positions, "after_support", YEARS), "QOC", YEARS
    )
    sentence = profiles.position_sentence("Shropshire", before, after)
    assert sentence == (
        "Before deficit support, Shropshire's final plan for 2022/23 is a deficit of £10.0m "
        "(\u22122.5% of core allocation), the only system with a final plan on that basis that "
        "year; after deficit support, its latest figure, an outturn for 2022/23, is a deficit "
        "of £20.0m."
    )
    nothing = before.assign(value_gbp_m=np.nan)
    assert profiles.position_sentence("S", nothing, nothing) == (
        "No full-year position before deficit support is on record for S."
    )


def test_model_place_reads_system_year_labels() -> None:
    diagnostics = pd.DataFrame(
        {
            "label": ["QAA 2023/24", "QOC 2024/25", "QBB 2024/25", "QOC 2023/24"],
            "fitted": [-1.0, -2.0, 0.5, 1.0],
            "residual": [0.5, -3.0, 0.1, 0.0],
            "leverage": [0.1, 0.3, 0.2, 0.05],
            "cooks_distance": [0.05, 0.4, 0.01, 0.02],
        }
    )
    place = profiles.model_place(diagnostics, "QOC")
    assert list(place["financial_year"]) == ["2023/24", "2024/25"]
    row = place.iloc[1]
    assert (row["actual"], row["leverage_rank"], row["cooks_rank"], row["n_obs"]) == (-5.0, 1, 1, 4)
    assert profiles.model_place(diagnostics, "QCC").empty
    with pytest.raises(DataError, match="labels not"):
        profiles.model_place(diagnostics.assign(label="QOC"), "QOC")


def test_one_number_format() -> None:
    assert profiles.fmt(-129.84, "£m") == "\u2212£129.8m"
    assert profiles.fmt(1467.2, "£ per person") == "£1,467"
    assert profiles.fmt(-2.84, "%") == "\u22122.8%"
    assert profiles.fmt(-0.01, "%") == "0.0%"  # no minus on a zero
    assert profiles.fmt(192.04, "per 1,000 people") == "192.0"
    assert profiles.fmt(1.0612, "need-weighted") == "1.06"
    assert profiles.fmt(3296216.0, "people") == "3,296,216"
    assert profiles.fmt(np.nan, "%") == "\u2013"
    assert (
        profiles.ordinal(1) == "1st"
        and profiles.ordinal(12) == "12th"
        and profiles.ordinal(23) == "23rd"
    )
    assert profiles.trust_title("THE NEWCASTLE UPON TYNE HOSPITALS NHS FOUNDATION TRUST") == (
        "The Newcastle Upon Tyne Hospitals NHS Foundation Trust"
    )


def test_unknown_sentence_names_what_is_missing() -> None:
    assert profiles.unknown_sentence("S", ["a", "b"]) == "Not known for S: a; b."
    assert profiles.unknown_sentence("S", []).startswith("Every figure")


def test_index_compares_the_most_covered_year_stage_cells(positions) -> None:
    ranked = profiles.basis_positions(positions, "before_support", YEARS)
    assert profiles.comparison_cells(ranked, 1) == [("2022/23", "outturn")]
    assert profiles.comparison_cells(ranked, 2) == [
        ("2022/23", "final_plan"),
        ("2022/23", "outturn"),
    ]


def test_system_facts_keep_rows_that_name_a_system() -> None:
    source = {
        "source_publisher": "P",
        "source_date": "2024",
        "source_url": "https://example.org",
    }
    facts = pd.DataFrame(
        {
            "unit": ["system", "system", "trust"],
            "org_code": ["QOC", "", "RXY"],
            "year": ["2021", "2020", "2020"],
            "fact": ["under oversight", "42 systems", "trust board"],
            "value": [1.0, 40.0, 17.0],
            "unit_of_value": ["count", "count", "percent"],
            "source_line": [2, 3, 4],
            **source,
        }
    )
    debt = pd.DataFrame(
        {
            "icb_code": ["QOC", ""],
            "kind": ["debt", "debt"],
            "as_at": ["2024", "2024"],
            "system_name": ["Shropshire", "England"],
            "measure": ["historic deficit", "total"],
            "value_gbp_m": [300.0, 4000.0],
            "source_line": [2, 3],
            **source,
        }
    )
    rows = leadership.system_facts(facts, debt, {"QOC", "QAA"})
    assert list(rows["kind"]) == ["leadership", "legacy debt (debt)"]
    assert list(rows["value"]) == [1.0, 300.0]
    assert list(rows.columns) == leadership.SYSTEM_FACT_COLUMNS
    assert len(profiles.facts_for(rows, "QOC")) == 2


def test_timeline_keeps_position_stages_and_dodges_them_within_a_year(positions) -> None:
    staged = positions.assign(stage=["outturn", "outturn", "final_plan", "outturn", "ytd"])
    staged.loc[len(staged)] = {**staged.iloc[2].to_dict(), "stage": "deficit_support"}
    timeline = profiles.timeline_data(profiles.finance_record(staged, "QOC"))
    assert list(timeline["stage"]) == ["final_plan", "outturn", "ytd"]
    assert list(timeline["stage_label"]) == ["final plan", "outturn", "year to date"]
    first_year = timeline[timeline["financial_year"] == "2022/23"]
    assert first_year["x"].between(-0.3, 0.3).all() and first_year["x"].is_unique
    assert timeline.loc[timeline["stage"] == "ytd", "x"].iloc[0] == pytest.approx(1.3)


def test_compare_measures_keeps_the_order_of_measures_then_years(panel: pd.DataFrame) -> None:
    table = profiles.compare_measures(
        panel, "QBB", ["ae_4h_pct", "core_allocation_gbp_m", "ae_4h_pct"], list(reversed(YEARS))
    )
    assert list(zip(table["measure"], table["financial_year"], strict=True)) == [
        ("ae_4h_pct", "2022/23"),
        ("ae_4h_pct", "2023/24"),
        ("core_allocation_gbp_m", "2022/23"),
        ("core_allocation_gbp_m", "2023/24"),
    ]
    core = table[table["measure"] == "core_allocation_gbp_m"]
    assert core["rank"].tolist() == [2.0, 2.0] and core["n_systems"].tolist() == [4, 4]
    assert core["england_median"].tolist() == [250.0, 260.0]
    assert profiles.compare_measures(panel, "QBB", ["not_a_column"], YEARS).empty
