"""Reader for the re-keyed NHS England CCG allocations 2019/20-2022/23 (planned allocations of
January 2019; third-party long table with CCG, STP and NHS region rows)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from helpers.data.readers._common import (
    acquired,
    read_csv_text,
    require_columns,
    text_values,
    to_numbers,
)
from helpers.errors import DataError
from helpers.panel.harmonise import financial_year_label

COLUMNS: tuple[str, ...] = (
    "CCG_code",
    "CCG_name",
    "funding_allocation",
    "registered_population",
    "weighted_population",
    "tax_year_start",
    "funding_type",
)
FUNDING_TYPES: tuple[str, ...] = ("core_services", "primary_care", "specialised_services")


def org_level_of(codes: pd.Series) -> pd.Series:
    """'england' for ENG, 'region' for NHS region Y-codes, 'stp' for STP/ICS Q-codes, else 'ccg'."""
    level = pd.Series("ccg", index=codes.index, dtype="string")
    level[codes.str.match(r"^Y\d{2}$")] = "region"
    level[codes.str.match(r"^Q[A-Z0-9]{2}$")] = "stp"
    level[codes == "ENG"] = "england"
    return level


def read_allocations_2019_2023(path: Path) -> pd.DataFrame:
    """Long table of planned allocations by organisation, year and funding stream.

    Columns: org_code (CCG 3-char code, STP Q-code, region Y-code or 'ENG'), org_name, org_level
    ('ccg', 'stp', 'region', 'england'), financial_year ('2019/20'..'2022/23'), funding_type
    ('core_services', 'primary_care', 'specialised_services'), allocation_gbp_k (GBP thousands,
    as published), registered_population, weighted_population. Sorted by org_level, org_code,
    financial_year, funding_type.
    """
    raw = read_csv_text(path, encoding="utf-8-sig")
    require_columns(raw, COLUMNS, path)
    unknown = ~raw["funding_type"].isin(FUNDING_TYPES)
    if unknown.any():
        raise DataError(
            f"{path}: unknown funding_type value(s) {sorted(raw.loc[unknown, 'funding_type'])[:5]}"
        )

    def number(column: str, **options: Any) -> pd.Series:
        return to_numbers(raw, column, path, first_line=2, **options)

    tidy = pd.DataFrame(
        {
            "org_code": text_values(raw["CCG_code"]),
            "org_name": text_values(raw["CCG_name"]),
            "financial_year": number("tax_year_start", missing=(), integer=True).map(
                financial_year_label
            ),
            "funding_type": text_values(raw["funding_type"]),
            "allocation_gbp_k": number("funding_allocation"),
            "registered_population": number("registered_population"),
            "weighted_population": number("weighted_population"),
        }
    )
    tidy["financial_year"] = tidy["financial_year"].astype("string")
    tidy.insert(2, "org_level", org_level_of(tidy["org_code"]))
    keys = ["org_level", "org_code", "financial_year", "funding_type"]
    if tidy.duplicated(keys).any():
        raise DataError(f"{path}: duplicated {keys} rows")
    return tidy.sort_values(keys).reset_index(drop=True)


FILE = "allocations_2019_2023/NHS_funding_allocations.csv"


def load() -> pd.DataFrame:
    """The allocations long table (:func:`read_allocations_2019_2023`), acquired by hash.

    Not used by the pipeline yet: kept for the pre-2022 CCG allocation history.
    """
    return read_allocations_2019_2023(acquired(FILE))
