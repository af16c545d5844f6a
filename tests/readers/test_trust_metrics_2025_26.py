"""The trust_metrics_2025_26 reader: catalogue columns only, units, duplicate and bad values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data.readers import trust_metrics_2025_26 as reader
from helpers.errors import DataError


def oversight_frame() -> pd.DataFrame:
    """Two NHS trusts and one untyped provider, with every catalogue column and a fin_ column."""
    frame = pd.DataFrame({source: ["1", "2", "3"] for source in reader.OVERSIGHT_COLUMNS})
    frame["org_code"] = ["RAA", "RBB", "NXX"]
    frame["org_name"] = ["A Hospitals NHS Trust", "B Healthcare NHS Trust", "Provider X"]
    frame["Region"] = ["London"] * 3
    frame["Trust_type"] = ["Acute trust", "Mental health and community trust", None]
    frame["Trust_subtype"] = ["Acute - Teaching", "Community", None]
    frame["sick_sickness_rate_all_3m_avg"] = ["0.05", "0.061", "0.07"]
    frame["productivity_activity_growth"] = ["0.04", "", ""]
    frame["fin_ytd_deficit"] = ["not a number", "ocr", "junk"]
    return frame


def scorecard_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "code": ["RAA", "RCC"],
            "name": ["A Hospitals NHS Trust", "C Hospital NHS FT"],
            "region": ["London", "East"],
            "subtype": ["Acute - Teaching", "Acute - Specialist"],
            "finance_planned_sd_pct": ["1", "-2.5"],
            "op_income_k": ["500000", "120000"],
            "op_margin_pct": ["-1.5", "0.5"],
            "q3_var_pct": ["-0.2", ""],
            "q3_forecast_deficit": ["No", "No"],
            "q3_dsf": ["Yes", "No"],
            "budget": ["10", "20"],
        }
    )
    return frame


def test_oversight_reads_named_columns_only_and_converts_fractions(tmp_path: Path) -> None:
    path = tmp_path / "oversight.csv"
    oversight_frame().to_csv(path, index=False)
    tidy = reader.read_oversight(path)
    assert tidy["trust_code"].tolist() == ["RAA", "RBB"]  # untyped provider left out
    assert not any(column.startswith("fin_") for column in tidy.columns)
    assert tidy["sickness_rate_pct"].tolist() == pytest.approx([5.0, 6.1])
    assert tidy.loc[0, "productivity_activity_growth_pct"] == pytest.approx(4.0)
    assert pd.isna(tidy.loc[1, "productivity_activity_growth_pct"])


def test_scorecard_income_in_millions_and_flags_as_booleans(tmp_path: Path) -> None:
    path = tmp_path / "scorecard.csv"
    scorecard_frame().to_csv(path, index=False)
    tidy = reader.read_scorecard(path)
    assert tidy["operating_income_gbp_m"].tolist() == pytest.approx([500.0, 120.0])
    assert tidy["q3_deficit_support"].tolist() == [True, False]
    assert "budget" not in tidy.columns


@pytest.mark.parametrize(
    ("row", "column", "bad", "expected"),
    [
        (1, "code", "RAA", r"scorecard.*duplicate trust row.*RAA.*'trust_code'"),
        (0, "op_margin_pct", "about -1", r"scorecard.csv: column 'operating_margin_pct'"),
    ],
    ids=["duplicate-trust-row", "not-a-number"],
)
def test_a_bad_scorecard_cell_names_file_and_column(
    tmp_path: Path, row: int, column: str, bad: str, expected: str
) -> None:
    """A duplicate trust row names its code; a cell that is not a number names its column."""
    path = tmp_path / "scorecard.csv"
    frame = scorecard_frame()
    frame.loc[row, column] = bad
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match=expected):
        reader.read_scorecard(path, source="scorecard.csv")


def test_real_files_hold_the_catalogued_trusts() -> None:
    metrics = reader.load()
    assert len(metrics.oversight) == 150
    assert len(metrics.scorecard) == 134
    assert metrics.scorecard["operating_margin_pct"].notna().sum() == 131
    assert set(metrics.oversight["trust_type"]) == set(reader_types())


def reader_types() -> list[str]:
    return ["Acute trust", "Mental health and community trust", "Ambulance trust"]
