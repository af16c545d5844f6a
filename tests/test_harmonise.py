"""Financial-year assignment, code vintages and units."""

from __future__ import annotations

import pandas as pd

from helpers.panel.harmonise import (
    E54_2024_TO_2022,
    financial_year_label,
    financial_year_of,
    gbp_thousands_to_millions,
)


def test_months_go_to_the_april_to_march_year_they_fall_in() -> None:
    dates = pd.Series(["2023-03-31", "2023-04-01", "2024-01-15", "2024-12-01", None])
    assert financial_year_of(dates).tolist()[:4] == ["2022/23", "2023/24", "2023/24", "2024/25"]
    assert pd.isna(financial_year_of(dates).iloc[4])


def test_financial_years_keep_the_index_and_name_and_are_text() -> None:
    dates = pd.Series(
        pd.to_datetime(["2025-03-01", None, "2025-04-01", "2025-03-01"]), index=[7, 3, 5, 1]
    )
    years = financial_year_of(dates.rename("extract_date"))
    assert years.name == "extract_date" and years.index.tolist() == [7, 3, 5, 1]
    assert years.dtype == "string"
    assert years.tolist() == ["2024/25", pd.NA, "2025/26", "2024/25"]


def test_labels_wrap_the_century() -> None:
    assert financial_year_label(2022) == "2022/23"
    assert financial_year_label(2099) == "2099/00"


def test_only_two_icbs_changed_ons_code_in_2024() -> None:
    assert E54_2024_TO_2022 == {"E54000063": "E54000052", "E54000064": "E54000053"}


def test_thousands_become_millions() -> None:
    assert gbp_thousands_to_millions(pd.Series([1500, 250])).tolist() == [1.5, 0.25]
