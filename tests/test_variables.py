"""The variable registry: one row per variable drives columns, schema ranges, labels and names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.analysis import models
from helpers.errors import ConfigError, DataError
from helpers.panel import icb_panel, schemas, variables
from helpers.paths import VARIABLES_FILE

GOOD_ROW = {
    "name": "bed_occupancy_pct",
    "label": "G&A bed occupancy",
    "unit": "%",
    "source": "healthyr",
    "table": "icb_year",
    "role": "predictor",
    "min": "0",
    "max": "100",
    "time_invariant": "false",
    "plain": "bed occupancy",
    "short": "Bed occupancy",
}


def write_registry(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "variables.csv"
    pd.DataFrame(rows, columns=variables.COLUMNS).to_csv(path, index=False)
    return path


def test_registry_is_indexed_by_name_with_numeric_bounds() -> None:
    table = variables.registry()
    assert table.index.name == "name" and table.index.is_unique
    assert table.loc["staff_engagement", "max"] == 10.0
    assert bool(table.loc["imd_score", "time_invariant"]) is True
    assert pd.isna(table.loc["nctr_per_100k", "max"])


def test_label_unit_and_range() -> None:
    assert variables.label("bed_occupancy_pct") == "G&A bed occupancy"
    assert variables.unit("total_allocation_gbp_m") == "£m"
    assert variables.value_range("distance_from_target_pct") == (-30.0, 30.0)
    assert variables.value_range("rtt_waiting_per_1000") == (0.0, None)
    with pytest.raises(ConfigError, match="'no_such_variable' is not in the registry"):
        variables.label("no_such_variable")


def test_valid_predictors_are_the_predictor_rows_and_exclude_context_and_outcomes() -> None:
    predictors = variables.valid_predictors()
    assert "distance_from_target_pct" in predictors and "log_population" in predictors
    assert "real_growth_pct" in predictors
    assert "core_allocation_gbp_m" not in predictors
    assert "value_pct_allocation" not in predictors


def test_check_names_names_the_parameter_the_bad_names_and_the_valid_ones() -> None:
    valid = ["a", "b", "c"]
    variables.check_names("main_predictors", ["a", "c"], valid)
    with pytest.raises(ConfigError) as caught:
        variables.check_names("main_predictors", ["a", "zz", "yy"], valid)
    message = str(caught.value)
    assert (
        "main_predictors" in message and "['zz', 'yy']" in message and "['a', 'b', 'c']" in message
    )
    with pytest.raises(ConfigError, match="candidate_predictors is empty"):
        variables.check_names("candidate_predictors", [], valid)
    with pytest.raises(ConfigError, match=r"main_predictors repeats \['a'\]"):
        variables.check_names("main_predictors", ["a", "b", "a"], valid)
    assert issubclass(ConfigError, ValueError)


def test_registry_drives_panel_columns_schema_and_model_labels() -> None:
    in_panel = variables.names_in("icb_year")
    assert ["icb_code", "financial_year", *in_panel] == icb_panel.PANEL_COLUMNS
    assert set(in_panel) <= set(schemas.ICB_YEAR.columns)
    assert set(icb_panel.TIME_INVARIANT) == set(variables.time_invariant())
    assert models.VARIABLE_LABELS["bed_occupancy_pct"] == "G&A bed occupancy (%)"
    assert set(models.VARIABLE_LABELS) == set(variables.valid_predictors())


def test_schema_range_comes_from_the_registry() -> None:
    column = schemas.ICB_YEAR.columns["staff_engagement"]
    frame = pd.DataFrame({"staff_engagement": [6.5, 10.5]})
    with pytest.raises(Exception, match="less_than_or_equal_to"):
        column.validate(frame)


def test_bad_registry_rows_are_named_by_line(tmp_path: Path) -> None:
    rows = [
        GOOD_ROW,
        {**GOOD_ROW, "name": "bed_occupancy_pct"},
        {**GOOD_ROW, "name": "x", "role": "driver", "min": "5", "max": "1"},
    ]
    with pytest.raises(DataError) as caught:
        variables.read_registry(write_registry(tmp_path, rows))
    message = str(caught.value)
    assert "name repeated on line(s) [2, 3]" in message
    assert "role not in ['context', 'outcome', 'predictor'] on line(s) [4]" in message
    assert "min above max on line(s) [4]" in message


def test_committed_icb_year_holds_every_registry_panel_variable() -> None:
    table = schemas.read_table("icb_year.parquet")
    assert list(table.columns[: len(icb_panel.PANEL_COLUMNS)]) == icb_panel.PANEL_COLUMNS


def test_every_registry_row_declares_its_timing() -> None:
    table = variables.registry()
    assert set(table["timing"]) <= variables.TIMINGS
    assert variables.timing("nctr_per_100k") == "in_year"
    assert variables.lag_years("bed_occupancy_pct") == 1
    assert variables.lag_years("distance_from_target_pct") == 0
    assert variables.lag_years("imd_score") == 0
    assert variables.shift_year("2023/24", -1) == "2022/23"
    assert variables.shift_year("2099/00", 1) == "2100/01"


def test_timed_panel_takes_in_year_measures_from_the_previous_year() -> None:
    panel = pd.DataFrame(
        {
            "icb_code": ["A", "A", "B", "B"],
            "financial_year": ["2022/23", "2023/24", "2022/23", "2023/24"],
            "nctr_per_100k": [1.0, 2.0, 3.0, 4.0],
            "distance_from_target_pct": [5.0, 6.0, 7.0, 8.0],
        }
    )
    timed = variables.timed_panel(panel, ["nctr_per_100k", "distance_from_target_pct"])
    assert timed["nctr_per_100k"].tolist()[1::2] == [1.0, 3.0]
    assert timed["nctr_per_100k"].isna().tolist()[0::2] == [True, True]
    assert timed["nctr_per_100k__same_year"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert timed["distance_from_target_pct"].tolist() == [5.0, 6.0, 7.0, 8.0]
    assert "distance_from_target_pct__same_year" not in timed
    assert timed["measured_in__nctr_per_100k"].tolist() == [
        "2021/22",
        "2022/23",
        "2021/22",
        "2022/23",
    ]


def test_no_model_predictor_postdates_the_figure_it_explains() -> None:
    """On the committed data: every predictor a model can use is measured no later than the
    financial year of the figure, and in-year measures strictly before it."""
    from helpers.analysis import models
    from helpers.panel import schemas

    positions = schemas.read_table("finance_positions.parquet")
    panel = schemas.read_table("icb_year.parquet")
    lookup = schemas.read_table("icb_lookup.parquet")
    predictors = variables.valid_predictors()
    figures = models.figure_data(positions, panel, lookup, predictors)
    assert len(figures) > 50
    for name in predictors:
        measured = figures[f"measured_in__{name}"].str[:4].astype(int)
        year = figures["financial_year"].astype(str).str[:4].astype(int)
        present = figures[name].notna()
        if variables.timing(name) == "in_year":
            assert (measured[present] < year[present]).all(), name
        else:
            assert (measured[present] <= year[present]).all(), name


def test_plain_and_short_words_are_both_or_neither(tmp_path: Path) -> None:
    rows = [
        {**GOOD_ROW, "timing": "in_year", "plain": "bed occupancy", "short": "Bed occupancy"},
        {**GOOD_ROW, "name": "x", "timing": "in_year", "plain": "x words", "short": ""},
    ]
    with pytest.raises(DataError, match=r"give both or neither on line\(s\) \[3\]"):
        variables.read_registry(write_registry(tmp_path, rows))


def test_a_predictor_or_outcome_needs_words_and_a_context_variable_not(tmp_path: Path) -> None:
    """params.yaml may put any predictor in a model (a student swapping a driver), so every
    predictor and outcome row needs the briefing's words; a context variable may go without."""
    rows = [
        {**GOOD_ROW, "timing": "in_year"},
        {**GOOD_ROW, "name": "x", "timing": "in_year", "plain": "", "short": ""},
        {**GOOD_ROW, "name": "y", "role": "context", "timing": "advance", "plain": "", "short": ""},
    ]
    with pytest.raises(DataError) as refused:
        variables.read_registry(write_registry(tmp_path, rows))
    assert str(refused.value).endswith(
        "plain and short words missing (every predictor and outcome row needs them) on line(s) [3]"
    )
    for name in variables.valid_predictors():
        assert variables.words(name) and variables.words(name, "short"), name


def test_words_come_from_the_registry_and_a_blank_row_names_file_and_line() -> None:
    assert variables.words("nctr_per_100k") == "delayed discharges"
    assert variables.words("value_pct_allocation", "short") == "Systems: position, % of allocation"
    assert variables.words("rural_share") == "the rural share of the population"
    line = list(variables.registry().index).index("population") + 2
    assert (
        VARIABLES_FILE.read_text(encoding="utf-8").splitlines()[line - 1].startswith("population,")
    )
    with pytest.raises(DataError, match=rf"variables\.csv: line {line} \(population\): no"):
        variables.words("population")
    with pytest.raises(ConfigError, match="not_a_variable"):
        variables.words("not_a_variable")
