"""Reader for NHS England allocation-formula weighted populations by GP practice (2022/23 to
2025/26): projected registered population and need-weighted populations by component.

Two header layouts exist. 2022/23-2024/25 use ``ICS22``/``R22``/``pop 2022/23`` (the last is
reused for later years' projected population); 2025/26 uses ``ICB``/``Rcode``/``Population``
and starts with a byte-order mark. Both are mapped to one set of snake_case names.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from helpers.data.readers._common import (
    acquired,
    check_ranges,
    read_csv_text,
    require_columns,
    text_values,
    to_numbers,
)
from helpers.errors import DataError
from helpers.panel.harmonise import financial_year_label

LOGGER = logging.getLogger(__name__)

#: Need-weighted population columns (same header in every year) -> tidy name.
WEIGHT_COLUMNS: dict[str, str] = {
    "G&A WP": "general_acute_wp",
    "CS WP": "community_services_wp",
    "MH WP": "mental_health_wp",
    "Mat WP": "maternity_wp",
    "Health Ineq WP": "health_inequalities_wp",
    "Prescr WP": "prescribing_wp",
    "Final WP": "final_wp",
    "Primary Medical Care WP": "primary_medical_care_wp",
    "Final PMC WP": "final_pmc_wp",
}
#: Identifier columns by layout -> tidy name.
LAYOUT_2022: dict[str, str] = {
    "Practice_Code": "practice_code",
    "GP_Practice_Name": "practice_name",
    "ICS22": "icb_code",
    "ICS22name": "icb_name",
    "R22": "region_code",
    "Region22": "region_name",
    "Patients": "registered_patients",
    "pop 2022/23": "population",
}
LAYOUT_2025: dict[str, str] = {
    "Practice_Code": "practice_code",
    "GP_Practice_Name": "practice_name",
    "ICB": "icb_code",
    "ICBname": "icb_name",
    "Rcode": "region_code",
    "Region": "region_name",
    "Patients": "registered_patients",
    "Population": "population",
}


def financial_year_of_file(path: Path) -> str:
    """Financial year from the file name ('2024_2025.csv' -> '2024/25')."""
    match = re.fullmatch(r"(\d{4})_(\d{4})", path.stem)
    if match is None or int(match.group(2)) != int(match.group(1)) + 1:
        raise DataError(f"{path}: file name is not '<YYYY>_<YYYY+1>.csv'; pass financial_year")
    return financial_year_label(int(match.group(1)))


def read_weighted_population(path: Path, financial_year: str | None = None) -> pd.DataFrame:
    """One row per GP practice: projected population and need-weighted populations.

    Columns: financial_year, practice_code, practice_name, icb_code (NHS Q-code), icb_name,
    region_code (NHS region Y-code), region_name, registered_patients (float; blank in some
    years), population (projected registered population used by the formula), then the
    need-weighted populations general_acute_wp, community_services_wp, mental_health_wp,
    maternity_wp, health_inequalities_wp, prescribing_wp, final_wp (core services),
    primary_medical_care_wp, final_pmc_wp. Sorted by icb_code, practice_code.
    ``financial_year`` defaults to the one in the file name.
    """
    year = financial_year or financial_year_of_file(path)
    raw = read_csv_text(path, encoding="utf-8-sig")
    layout = LAYOUT_2025 if "ICB" in raw.columns else LAYOUT_2022
    require_columns(raw, (*layout, *WEIGHT_COLUMNS), path)
    names = {**layout, **WEIGHT_COLUMNS}
    numeric = ["registered_patients", "population", *WEIGHT_COLUMNS.values()]
    tidy = raw.loc[:, list(names)].copy()
    for source, name in names.items():  # convert under the file's own column names
        convert = to_numbers if name in numeric else None
        tidy[source] = convert(raw, source, path, 2) if convert else text_values(raw[source])
    check_ranges(tidy, {s: (0.0, 1e7) for s, n in names.items() if n in numeric}, path, 2)
    tidy = tidy.rename(columns=names)
    for column in ("practice_code", "icb_code", "population", "final_wp"):
        missing = tidy[column].isna()
        if missing.any():
            raise DataError(f"{path}: {int(missing.sum())} row(s) with missing {column}")
    if tidy["practice_code"].duplicated().any():
        raise DataError(f"{path}: duplicated Practice_Code values")
    tidy.insert(0, "financial_year", year)
    tidy["financial_year"] = tidy["financial_year"].astype("string")
    LOGGER.info("%s: %d practices, %d ICBs", path.name, len(tidy), tidy["icb_code"].nunique())
    return tidy.sort_values(["icb_code", "practice_code"]).reset_index(drop=True)


FILES: dict[str, str] = {
    "2022/23": "weighted_population/2022_2023.csv",
    "2023/24": "weighted_population/2023_2024.csv",
    "2024/25": "weighted_population/2024_2025.csv",
    "2025/26": "weighted_population/2025_2026.csv",
}


def load(financial_year: str) -> pd.DataFrame:
    """Practice weighted populations for one financial year ('2022/23'..'2025/26'), acquired by
    hash (:func:`read_weighted_population`)."""
    if financial_year not in FILES:
        raise DataError(
            f"readers.weighted_population.load: no file for {financial_year!r}; "
            f"valid: {sorted(FILES)}"
        )
    return read_weighted_population(acquired(FILES[financial_year]), financial_year)
