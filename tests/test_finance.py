"""The best-available rule and scaling of positions to allocation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.finance import add_share_of_allocation, as_at_month, flag_best_available


def rows(*specs: tuple[str, str, str, str, str]) -> pd.DataFrame:
    """Positions for one system-year: (measure, as_at, source_kind, source_date, scope)."""
    frame = pd.DataFrame(specs, columns=["measure", "as_at", "source_kind", "source_date", "scope"])
    frame["icb_code"] = "QHM"
    frame["financial_year"] = "2024/25"
    frame["source_line"] = range(2, len(frame) + 2)
    return frame


def chosen(frame: pd.DataFrame) -> list[int]:
    flagged = flag_best_available(frame)
    return flagged.loc[flagged["best_available"], "source_line"].tolist()


def test_as_at_labels_become_months() -> None:
    labels = pd.Series(["M5", "year-end (M12)", "Q3 2025/26 (NHSE)", "final plan", None, "M10"])
    months = as_at_month(labels).tolist()
    assert months[:3] == [5.0, 12.0, 9.0] and months[5] == 10.0
    assert np.isnan(months[3]) and np.isnan(months[4])


def test_outturn_beats_forecast_beats_plan_beats_draft() -> None:
    frame = rows(
        ("plan_draft", "draft", "official", "2024-03", "system"),
        ("plan", "final plan", "campaign", "2024-06", "system"),
        ("forecast", "M6", "press", "2024-10", "system"),
        ("outturn", "year-end", "campaign", "2025-05", "system"),
    )
    assert chosen(frame) == [5]
    assert chosen(frame.iloc[:3]) == [4]
    assert chosen(frame.iloc[:2]) == [3]


def test_ties_go_to_later_month_then_official_source_then_later_date_then_first_line() -> None:
    later_month = rows(
        ("forecast", "M6", "official", "2024-10", "system"),
        ("forecast", "M9", "campaign", "2025-01", "system"),
    )
    assert chosen(later_month) == [3]
    stronger_kind = rows(
        ("plan", "plan", "campaign", "2024-06", "system"),
        ("plan", "plan", "official", "2024-05", "system"),
    )
    assert chosen(stronger_kind) == [3]
    later_date = rows(
        ("plan", "plan", "press", "2024-05", "system"),
        ("plan", "plan", "press", "2024-07", "system"),
    )
    assert chosen(later_date) == [3]
    identical = rows(
        ("plan", "plan", "press", "2024-05", "system"),
        ("plan", "plan", "press", "2024-05", "system"),
    )
    assert chosen(identical) == [2]


def test_ytd_and_partial_scopes_are_never_best_available() -> None:
    frame = rows(
        ("ytd", "M5", "official", "2024-10", "system"),
        ("outturn", "year-end", "official", "2025-05", "icb"),
    )
    assert chosen(frame) == []


def test_share_of_allocation_uses_that_years_core_allocation() -> None:
    positions = pd.DataFrame(
        {
            "icb_code": ["QHM", "QHM", "QOC"],
            "financial_year": ["2023/24", "2024/25", "2024/25"],
            "value_gbp_m": [-50.0, 20.0, -10.0],
        }
    )
    funding = pd.DataFrame(
        {
            "icb_code": ["QHM", "QHM"],
            "financial_year": ["2023/24", "2024/25"],
            "core_allocation_gbp_m": [1000.0, 2000.0],
        }
    )
    result = add_share_of_allocation(positions, funding)
    assert result["value_pct_allocation"].tolist()[:2] == [-5.0, 1.0]
    assert np.isnan(result["value_pct_allocation"].iloc[2])
