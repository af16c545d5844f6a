"""System profiles: comparisons with the other systems, computed sentences, unknown codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.errors import ConfigError
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


def inputs_of(lookup, panel, positions, diagnostics=None, facts=None) -> profiles.ProfileInputs:
    return profiles.ProfileInputs(lookup, panel, positions, diagnostics, facts)


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
    assert profiles.absent_columns(panel, ["ae_4h_pct", "not_a_column"]) == ["not_a_column"]


def test_median_sentence_counts_latest_year_with_a_value(panel: pd.DataFrame) -> None:
    table = profiles.compare_measures(panel, "QAA", ["core_allocation_gbp_m", "ae_4h_pct"], YEARS)
    assert profiles.position_against_median(table) == {
        "measures": 2,
        "above": 0,
        "at": 1,
        "below": 1,
    }
    sentence = profiles.median_sentence("Alpha", "funding", table)
    assert sentence.startswith("Alpha is above the England median on 0 and below it on 1 of 2")


def test_best_position_rank_is_by_deficit(positions: pd.DataFrame) -> None:
    best = profiles.best_position_comparison(positions, "QOC", YEARS)
    first = best.iloc[0]
    assert first["value_gbp_m"] == -20.0 and first["rank_by_deficit"] == 1.0
    assert first["n_systems"] == 3 and first["median_pct"] == -5.0
    assert np.isnan(best.iloc[1]["value_gbp_m"]) and best.iloc[1]["n_systems"] == 0
    sentence = profiles.finance_sentence("Shropshire", positions[positions.icb_code == "QOC"], best)
    assert "3 cited figures" in sentence and "1 of 2 years (2022/23)" in sentence
    assert "deficit of £20.0m (\u22125.0% of core allocation), rank 1 by deficit of 3" in sentence


def test_finance_display_marks_absent_detail_columns(positions: pd.DataFrame) -> None:
    record = profiles.finance_record(positions, "QOC")
    assert list(record["measure"]) == ["plan", "outturn", "ytd"]
    table = profiles.finance_display(record, positions)
    assert set(table["Basis"]) == {profiles.NOT_AVAILABLE}
    assert list(table["Best available"] != "") == [False, True, False]
    assert list(table["£m"]) == ["\u221210.0", "\u221220.0", "\u22127.5"]
    assert 'href="https://example.org/3"' in table["Source"].iloc[1]


def test_finance_display_uses_stage_and_basis_when_present(positions: pd.DataFrame) -> None:
    detailed = positions.assign(
        stage="final_plan", basis="before_support", original_source="https://example.org/x"
    )
    table = profiles.finance_display(profiles.finance_record(detailed, "QOC"), detailed)
    assert set(table["Stage"]) == {"final plan"} and set(table["Basis"]) == {"before support"}
    assert set(table["% of total allocation"]) == {profiles.NOT_AVAILABLE}
    assert table["Original source"].str.contains('href="https://example.org/x"').all()


def test_unknowns_are_computed_from_the_tables(lookup, panel, positions) -> None:
    inputs = inputs_of(lookup, panel, positions)
    best = profiles.best_position_comparison(positions, "QOC", YEARS)
    notes = profiles.unknowns(inputs, "QOC", YEARS, ["ae_4h_pct", "real_growth_pct"], best)
    assert notes[0].startswith("No best-available full-year financial position for 2023/24")
    assert "A&E seen within 4 hours: no value for 2023/24." in notes
    assert any(
        note.startswith(
            "Real-terms growth in core allocation on the previous year: not yet available"
        )
        for note in notes
    )
    assert any("basis: not yet available" in note for note in notes)
    assert notes[-2:] == [
        "Driver-model diagnostics: not yet available.",
        "Leadership and legacy-debt facts by system: not yet available.",
    ]


def test_model_place_actual_is_fitted_plus_residual() -> None:
    diagnostics = pd.DataFrame(
        {
            "label": ["QAA", "QOC", "QBB"],
            "fitted": [-1.0, -2.0, 0.5],
            "residual": [0.5, -3.0, 0.1],
            "leverage": [0.1, 0.3, 0.2],
            "cooks_distance": [0.05, 0.4, 0.01],
        }
    )
    place = profiles.model_place(diagnostics, "QOC")
    row = place.iloc[0]
    assert row["actual"] == -5.0 and row["leverage_rank"] == 1 and row["cooks_rank"] == 1
    assert row["n_obs"] == 3
    assert "fitted \u22122.0%" in profiles.model_sentence("S", place, diagnostics)
    assert profiles.model_place(diagnostics, "QCC").empty
    outside = profiles.model_sentence(
        "Gamma", profiles.model_place(diagnostics, "QCC"), diagnostics
    )
    assert outside.startswith("Gamma is not in the driver models' sample (3 systems")


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
    sentence = profiles.facts_sentence("Shropshire", profiles.facts_for(rows, "QOC"), rows)
    assert sentence == "2 curated facts name Shropshire: 1 leadership, 1 legacy debt (debt)."


def test_format_number_uses_separators_and_true_minus() -> None:
    assert profiles.format_number(-1234.56) == "\u22121,235"
    assert profiles.format_number(12.345) == "12.3"
    assert profiles.format_number(0.987) == "0.99"
    assert profiles.format_number(np.nan) == "\u2013"


def test_system_index_lists_every_system_with_latest_position(lookup, panel, positions) -> None:
    index = profiles.system_index(inputs_of(lookup, panel, positions), YEARS)
    assert list(index["icb_code"]) == ["QAA", "QBB", "QCC", "QOC"]
    qoc = index.set_index("icb_code").loc["QOC"]
    assert (qoc["latest_year"], qoc["latest_gbp_m"], qoc["years_with_figure"]) == (
        "2022/23",
        -20.0,
        1,
    )
    assert pd.isna(index.set_index("icb_code").loc["QCC", "latest_year"])
    profiles.check_system_index(index, 4)
    with pytest.raises(Exception, match="expected 5 distinct systems"):
        profiles.check_system_index(index, 5)


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
