"""Reader for the ebmgt merge of NHS Staff Survey organisational results, 2021-2024.

One row per organisation (``ods_code``) and survey ``year`` (fieldwork in the autumn of that
year). Identifier columns: ``organisation_name``, ``benchmarking_group``, ``region``,
``ics_stp``, ``ics``, ``weighting``, ``respondents``, plus ``ics_name`` = ``ics`` where given,
else ``ics_stp`` ('-' and blanks become missing). Caveat: in the 2021 rows the source's
``Region`` holds the STP name and ``ICS/STP`` the NHS region, so ``ics_name`` is a region name
for 2021. Measures keep the source pairs ``<item>_base`` (responses) and ``<item>_rate``
(percent, 0-100), e.g. ``ethnic_minority_rate``, ``discrimination_internal_rate`` (discrimination
from manager or colleagues), ``discrimination_public_rate`` (from patients or the public).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.data.readers._common import (
    acquired,
    read_csv_text,
    require_columns,
    snake_case,
    text_values,
    to_numbers,
)
from helpers.errors import DataError

ID_COLUMNS: tuple[str, ...] = (
    "ODS code",
    "Year",
    "Organisation name",
    "Benchmarking group",
    "Region",
    "ICS/STP",
    "ICS",
    "Weighting",
)
REQUIRED_MEASURES: tuple[str, ...] = (
    "Ethnic_minority_base",
    "Ethnic_minority_rate",
    "Discrimination_internal_base",
    "Discrimination_internal_rate",
    "Discrimination_public_base",
    "Discrimination_public_rate",
)
NO_ICS = {"-", ""}
#: Cells meaning "no value" in this file: blank, R's NA and pandas' written ``<NA>``.
MISSING = ("", "NA", "<NA>")


def read_staff_survey_items(path: Path) -> pd.DataFrame:
    """Organisation x year staff-survey items (bases and rates), sorted by year and ODS code."""
    frame = read_csv_text(path)
    require_columns(frame, (*ID_COLUMNS, *REQUIRED_MEASURES), path)
    frame.columns = [snake_case(column) for column in frame.columns]
    text = ["ods_code", "organisation_name", "benchmarking_group", "region", "ics_stp", "ics"]
    for column in text:
        frame[column] = text_values(frame[column], MISSING)
    frame["year"] = to_numbers(frame, "year", path, 2, missing=(), integer=True).astype("int64")
    measures = [c for c in frame.columns if c.endswith(("_base", "_rate")) or c == "respondents"]
    for column in measures:
        frame[column] = to_numbers(frame, column, path, first_line=2, missing=MISSING)
    ics_name = frame["ics"].fillna(frame["ics_stp"])
    frame["ics_name"] = ics_name.mask(ics_name.isin(NO_ICS)).astype("string")
    if frame.duplicated(["ods_code", "year"]).any():
        raise DataError(f"{path}: an organisation appears twice in one survey year")
    rates = [c for c in measures if c.endswith("_rate")]
    out_of_range = ((frame[rates] < 0) | (frame[rates] > 100)).sum().sum()
    if out_of_range:
        raise DataError(f"{path}: {int(out_of_range)} rate value(s) outside 0-100")
    columns = [*text[:4], "ics_stp", "ics", "ics_name", "weighting", *measures]
    columns = ["ods_code", "year", *[c for c in columns if c not in ("ods_code", "year")]]
    return frame.loc[:, columns].sort_values(["year", "ods_code"]).reset_index(drop=True)


FILE = "staff_survey_2021_2024/data_trusts_well-being - organisational results.csv"


def load() -> pd.DataFrame:
    """Staff survey items by organisation and year (:func:`read_staff_survey_items`), acquired
    by hash."""
    return read_staff_survey_items(acquired(FILE))
