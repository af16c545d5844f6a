"""Harmonisation across code systems and calendars: financial years, ICB code vintages, units."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas only where series are converted: config's year labels need none
    import pandas as pd

#: Between the 2022 and 2024 ONS vintages two ICBs changed E54 code (boundary change);
#: their NHS Q-codes did not change.
E54_2024_TO_2022: dict[str, str] = {"E54000063": "E54000052", "E54000064": "E54000053"}


def financial_year_label(start_year: int) -> str:
    """Label of the April-March financial year starting in ``start_year`` (2024 -> '2024/25')."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def years_between(first_year: str, last_year: str) -> list[str]:
    """Financial-year labels from ``first_year`` to ``last_year`` inclusive."""
    first, last = int(first_year[:4]), int(last_year[:4])
    return [financial_year_label(year) for year in range(first, last + 1)]


def financial_year_of(dates: pd.Series) -> pd.Series:
    """Financial-year label ('2024/25') of each date, April to March; missing stays missing."""
    import pandas as pd

    parsed = pd.to_datetime(dates)
    start = parsed.dt.year.where(parsed.dt.month >= 4, parsed.dt.year - 1)
    # one label per distinct year, not one Python call per row
    label_of = {year: financial_year_label(int(year)) for year in start.dropna().unique()}
    return start.map(label_of).astype("string")


def gbp_thousands_to_millions(values: pd.Series) -> pd.Series:
    """Convert a series in GBP thousands to GBP millions."""
    return values.astype("float64") / 1000.0
