"""Tests for helpers.panel.leadership: series rule, themes, coverage, correlations, debt
arithmetic."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from helpers.data import curated
from helpers.errors import DataError
from helpers.panel import leadership
from helpers.report import plots

matplotlib.use("Agg")

URL = "https://example.org/source"
SOURCE = ["Publisher", "Title", "2024-01-01", URL]


def _fact(unit: str, org: str, code: str, year: str, fact: str, value: str, of: str) -> list[str]:
    return [unit, org, code, year, fact, value, of, *SOURCE]


FACTS = [
    _fact(
        "national",
        "NHS trusts in England",
        "",
        "2016",
        "BME share of NHS trust workforce (WRES)",
        "17.7",
        "percent",
    ),
    _fact(
        "national",
        "NHS trusts in England",
        "",
        "2023",
        "BME share of NHS trust workforce",
        "26.4",
        "percent",
    ),
    _fact(
        "national",
        "NHS trusts in England",
        "",
        "2016",
        "BME share of trust board members",
        "7.1",
        "percent",
    ),
    _fact(
        "national",
        "NHS trusts in England",
        "",
        "2023",
        "BME share of trust board members (7.1% in 2016)",
        "15.6",
        "percent",
    ),
    _fact(
        "national",
        "NHS trusts in England",
        "",
        "2018",
        "BME headcount at very senior manager (VSM) pay bands",
        "201",
        "count (people)",
    ),
    _fact(
        "national",
        "London NHS trusts",
        "",
        "2019",
        "BME share of trust board members in London",
        "17.1",
        "percent",
    ),
    _fact(
        "system",
        "STP/ICS (42 systems)",
        "",
        "2019",
        "systems with at least two executive leads since 2016",
        "29",
        "count (systems)",
    ),
    _fact(
        "system",
        "ICB chief executive designates (42)",
        "",
        "2022",
        "ICB CEO designates identified as from an ethnic minority background",
        "1",
        "count (people)",
    ),
    _fact(
        "system",
        "NHS Example ICB (system)",
        "QOC",
        "2021-2025",
        "under monthly NHS England oversight (Recovery Support Programme) since July 2021",
        "2021-07",
        "month (start)",
    ),
    _fact(
        "national",
        "NHS trusts",
        "",
        "2014/15-2016/17",
        "trusts with only one CEO over the previous three financial years",
        "115",
        "count (trusts)",
    ),
    _fact(
        "national",
        "non-specialist acute providers (140)",
        "",
        "not stated (pre-2015)",
        "share of trusts with CEO in post five years or more",
        "26",
        "percent",
    ),
]

DEBT = [
    ["debt_qoc_2019", "debt", "Example system", "QOC", "historic debt (CCG cumulative deficit)",
     "76.6", "£m", "2019-09 (as reported)", *SOURCE, URL],
    ["debt_qoc_2024", "debt", "Example system", "QOC", "outstanding historic deficit balance",
     "300", "£m", "2024 (as reported)", *SOURCE, URL],
    [leadership.ENGLAND_DEBT_TOTAL, "debt", "England - all systems", "",
     "total outstanding historic deficits owed by systems", "4000", "£m", "2024 (as reported)",
     *SOURCE, URL],
    ["debt_repaying", "debt", "England - all systems", "", "number of systems paying money back",
     "30", "systems", "2024 (as reported)", *SOURCE, URL],
    ["debt_rule", "rule", "England - all systems (rule)", "", "RULE 2024/25: capital reduced", "",
     "", "2024/25", *SOURCE, URL],
    ["debt_context", "context", "Example system", "QOC",
     "CONTEXT (not legacy debt): underlying deficit", "111", "£m", "2025/26 opening", *SOURCE,
     URL],
]  # fmt: skip


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def facts(tmp_path: Path) -> pd.DataFrame:
    rows = [[f"lead_{index}", *row, URL] for index, row in enumerate(FACTS)]
    path = _write(tmp_path / "leadership_facts.csv", curated.LEADERSHIP_COLUMNS, rows)
    return leadership.load_leadership_facts(path)


@pytest.fixture
def debt(tmp_path: Path) -> pd.DataFrame:
    path = _write(tmp_path / "legacy_debt.csv", curated.LEGACY_DEBT_COLUMNS, DEBT)
    return leadership.load_legacy_debt(path, {"QOC"})


def test_series_rule_keeps_national_rows_and_their_sources(facts: pd.DataFrame) -> None:
    points = leadership.race_equality_series(facts)
    assert points[["series", "year", "value"]].values.tolist() == [
        ["NHS trust workforce", 2016, 17.7],
        ["NHS trust workforce", 2023, 26.4],
        ["trust board members", 2016, 7.1],
        ["trust board members", 2023, 15.6],
        ["very senior managers (VSM pay bands)", 2018, 201.0],
    ]
    assert (points["source_url"] == URL).all()
    assert points["source_line"].tolist() == [2, 3, 4, 5, 6]  # London row (line 7) left out


def test_series_rule_rejects_two_rows_for_one_series_and_year(facts: pd.DataFrame) -> None:
    doubled = pd.concat([facts, facts.iloc[[0]].assign(source_line=99)], ignore_index=True)
    with pytest.raises(DataError, match="99"):
        leadership.race_equality_series(doubled)


def test_share_gap_known_answer(facts: pd.DataFrame) -> None:
    gaps = leadership.share_gap(leadership.race_equality_series(facts))
    assert gaps["year"].tolist() == [2016, 2023]
    assert gaps["gap_pp"].round(1).tolist() == [10.6, 10.8]
    assert gaps["ratio"].iloc[1] == pytest.approx(15.6 / 26.4)


def test_race_numbers_first_and_last(facts: pd.DataFrame) -> None:
    points = leadership.race_equality_series(facts)
    numbers = leadership.race_numbers(points, leadership.share_gap(points))
    assert numbers["workforce_bme_staff_first_value"] == 17.7
    assert numbers["workforce_bme_board_last_year"] == 2023
    assert numbers["workforce_board_gap_last_pp"] == 10.8
    assert "workforce_bme_exec_first_year" not in numbers  # no such rows in the fixture


def test_themes_and_coverage(facts: pd.DataFrame) -> None:
    classified = leadership.classify_leadership(facts).set_index("source_line")
    assert classified.loc[8, "theme"] == "system leader turnover and appointments"
    assert classified.loc[9, "theme"] == "ICB and system leader diversity"
    assert classified.loc[10, "theme"] == "Recovery Support Programme and oversight"
    assert classified.loc[11, "theme"] == "trust chief executive turnover"
    assert classified.loc[2, "theme"] == "trust workforce and board race equality"
    assert classified.loc[8, "orgs_covered"] == 42
    assert classified.loc[10, "orgs_covered"] == 1  # names one ICB by its Q-code
    assert pd.isna(classified.loc[2, "orgs_covered"])
    assert classified.loc[10, ["first_year", "last_year"]].tolist() == [2021, 2025]
    assert classified.loc[11, ["first_year", "last_year"]].tolist() == [2014, 2016]
    assert pd.isna(classified.loc[12, "first_year"])  # "not stated (pre-2015)"


def test_theme_coverage_counts(facts: pd.DataFrame) -> None:
    coverage = leadership.theme_coverage(leadership.classify_leadership(facts)).set_index("theme")
    assert coverage["n_rows"].sum() == len(FACTS)
    assert coverage.loc["Recovery Support Programme and oversight", "icbs_named"] == "QOC"
    assert coverage.loc["trust chief executive turnover", "max_orgs_covered"] == 140
    rows = leadership.theme_rows(
        leadership.classify_leadership(facts), "trust chief executive turnover"
    )
    assert rows["year"].tolist() == ["2014/15-2016/17", "not stated (pre-2015)"]


def test_fact_value_is_found_by_id(facts: pd.DataFrame) -> None:
    assert leadership.fact_value(facts, "lead_6") == 29
    with pytest.raises(DataError, match="lead_99"):
        leadership.fact_value(facts, "lead_99")
    with pytest.raises(DataError, match="lead_8"):  # a month, not a number
        leadership.fact_value(facts, "lead_8")


def test_legacy_debt_kinds_counts_and_picks(debt: pd.DataFrame) -> None:
    assert debt["kind"].tolist() == ["debt", "debt", "debt", "debt", "rule", "context"]
    assert debt["count_in_text"].iloc[3] == 30
    assert leadership.latest_debt(debt, "QOC")["value_gbp_m"] == 300
    assert leadership.england_debt_total(debt)["value_gbp_m"] == 4000
    table = leadership.debt_rows(debt)
    assert table["kind"].tolist()[-2:] == ["context", "rule"]
    with pytest.raises(DataError):
        leadership.latest_debt(debt, "QXX")


def _panel() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "icb_code": ["QAA", "QBB", "QOC"] * 2,
            "financial_year": ["2023/24"] * 3 + ["2024/25"] * 3,
            "core_allocation_gbp_m": [2000.0, 1500.0, 1000.0, 2100.0, 1600.0, 1200.0],
            "population": [300.0, 200.0, 100.0, 300.0, 200.0, 500.0],
        }
    )


def test_debt_against_allocation_known_answer(debt: pd.DataFrame) -> None:
    table = leadership.debt_against_allocation(_panel(), "QOC", 300.0)
    assert table["debt_pct_allocation"].tolist() == [30.0, 25.0]
    assert table["population_rank"].tolist() == [3, 1]
    assert table["population_share_pct"].iloc[0] == pytest.approx(100 / 6)
    numbers = leadership.debt_numbers(
        table, "2024/25", leadership.latest_debt(debt, "QOC"), leadership.england_debt_total(debt)
    )
    assert numbers["workforce_debt_pct_allocation"] == 25.0
    assert numbers["workforce_debt_pct_allocation_max"] == 30.0
    assert numbers["workforce_debt_share_of_england_pct"] == 7.5
    assert numbers["workforce_debt_population_rank"] == 1


def test_correlations_known_answers() -> None:
    data = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan], "y": [1, 8, 27, 64, 125, 0.0]})
    table = leadership.correlations(data, "y", ["x"], "s").iloc[0]
    assert table["n"] == 5
    assert table["spearman_rho"] == pytest.approx(1.0)
    assert table["spearman_p"] == pytest.approx(0.0, abs=1e-6)
    assert 0.9 < table["pearson_r"] < 1.0
    short = leadership.correlations(data.head(2), "y", ["x"], "s").iloc[0]
    assert short["n"] == 2 and math.isnan(short["pearson_r"])


def test_association_table_samples() -> None:
    panel = pd.DataFrame(
        {
            "icb_code": ["QA1", "QA2", "QA3", "QA4"] * 2,
            "financial_year": ["2023/24"] * 4 + ["2024/25"] * 4,
            "staff_x": [1.0, 2.0, 3.0, 4.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    outcome = pd.DataFrame(
        {
            "icb_code": ["QA1", "QA2", "QA3", "QA1", "QA2", "QA3", "QA4"],
            "financial_year": ["2023/24"] * 3 + ["2024/25"] * 4,
            "position_pct": [-1.0, -2.0, -3.0, -1.0, -2.0, -3.0, -4.0],
        }
    )
    cross = outcome.groupby("icb_code", as_index=False).agg(
        position_pct=("position_pct", "mean"), n_years=("financial_year", "nunique")
    )
    table = leadership.association_table(panel, outcome, cross, ["staff_x"])
    assert table["sample"].tolist() == ["system means over years", "2023/24", "2024/25"]
    assert table["n"].tolist() == [4, 3, 4]
    assert table["spearman_rho"].tolist() == pytest.approx([-1.0, -1.0, -1.0])


def test_survey_summary_and_numbers() -> None:
    panel = pd.DataFrame(
        {
            "icb_code": ["QA1", "QA2", "QA3"] * 2,
            "financial_year": ["2023/24"] * 3 + ["2024/25"] * 3,
            "staff_x": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan],
        }
    )
    summary = leadership.survey_summary(panel, {"staff_x": "label"})
    assert summary["n_icbs"].tolist() == [3, 2]
    assert summary["median"].tolist() == [2.0, 4.5]
    numbers = leadership.survey_numbers(
        summary, pd.DataFrame(columns=["variable", "sample"]), {"staff_x": "x"}
    )
    assert numbers == {
        "workforce_x_year": "2024/25",
        "workforce_x_n_icbs": 2,
        "workforce_x_median": 4.5,
        "workforce_x_min": 4.0,
        "workforce_x_max": 5.0,
        "workforce_survey_association_sentence": (
            "No survey measure could be compared with the position."
        ),
    }


def test_figures_are_returned(facts: pd.DataFrame) -> None:
    plots.set_house_style()
    chart = plots.race_equality_chart(leadership.race_equality_series(facts))
    assert len(chart.axes) == 2
    panel = _panel().assign(staff_x=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    spread = plots.distribution_panels(panel, {"staff_x": "x", "population": "people"})
    assert len(spread.axes) == 2
    scatter = plots.scatter_panels_with_fit(
        panel, "core_allocation_gbp_m", {"staff_x": "x"}, ylabel="y", notes={"staff_x": "N = 6"}
    )
    assert scatter.axes[0].get_title(loc="left") == "N = 6"


def test_distribution_jitter_is_reproducible() -> None:
    panel = _panel().assign(staff_x=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    first, second = (plots.distribution_panels(panel, {"staff_x": "x"}, seed=7) for _ in range(2))
    offsets = [figure.axes[0].collections[-1].get_offsets() for figure in (first, second)]
    np.testing.assert_array_equal(offsets[0], offsets[1])


def test_finding_titles_are_computed() -> None:
    gaps = pd.DataFrame(
        {"year": [2016, 2023], "workforce_pct": [17.7, 26.4], "leadership_pct": [7.1, 15.6]}
    ).assign(gap_pp=lambda t: t["workforce_pct"] - t["leadership_pct"])
    assert leadership.race_title(gaps) == (
        "Ethnic-minority staff were 26.4% of the trust workforce but 15.6% of board members in "
        "2023; the gap is about the same as in 2016"
    )
    wider = gaps.assign(leadership_pct=[7.1, 10.0])
    wider["gap_pp"] = wider["workforce_pct"] - wider["leadership_pct"]
    assert leadership.race_title(wider).endswith("the gap is wider than in 2016")
    associations = pd.DataFrame(
        {
            "sample": ["s", "s"],
            "variable": ["a_pct", "b"],
            "n": [30, 30],
            "spearman_rho": [-0.13, 0.4],
            "spearman_p": [0.48, 0.01],
        }
    )
    assert leadership.association_title(associations, "s") == (
        "1 of 2 staff-survey measures are associated with the position "
        "(before correction for multiple tests)"
    )
    note = leadership.association_note(associations, "s", {"a_pct": "Share of a, %"})
    assert (
        note == "N = 30 systems. Spearman \u03c1: Share of a \u22120.13 (p\u00a0=\u00a00.48); "
        "b 0.40 (p\u00a0=\u00a00.010)"
    )


def test_survey_association_sentence_is_holm_corrected() -> None:
    """The report's words on the survey measures follow the corrected p-values."""
    associations = pd.DataFrame(
        {
            "sample": ["system means over years"] * 2 + ["2023/24"],
            "variable": ["staff_engagement", "staff_bme_share_pct", "staff_engagement"],
            "n": [30, 30, 28],
            "spearman_rho": [0.2, -0.1, 0.9],
            "spearman_p": [0.03, 0.6, 0.0001],
        }
    )
    sentence = leadership.survey_association_sentence(
        associations, ["staff_engagement", "staff_bme_share_pct"]
    )
    assert sentence.startswith("Among the 30 systems with a financial position, none of the 2")
    assert "smallest adjusted p = 0.060" in sentence
