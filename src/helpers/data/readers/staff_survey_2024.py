"""Readers for the NHS Staff Survey 2024 detailed spreadsheets (organisational and national).

Each data sheet has four preamble rows: the question titles sit in row 1 (one merged cell per
question, e.g. 'Staff Engagement - Staff engagement', 'Q16b - ...') and the column headers in
row 5 ('ODS code', ..., '% Yes', 'Base (number of responses)', 'Staff Engagement - score').
Measure columns are named ``<question code>_<header>`` in snake_case, with the base shortened to
``_base`` and scores to ``_score``: e.g. ``staff_engagement_score``, ``staff_engagement_base``,
``q16b_yes``. Percentages are 0-100, theme scores 0-10, bases are numbers of responses.
Trusts are weighted by occupational group in the source; ICBs and CSUs are unweighted.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.data.readers._common import (
    acquired,
    choose,
    read_excel_sheet,
    require_columns,
    snake_case,
)
from helpers.errors import DataError

TITLE_ROW = 0
HEADER_ROW = 4
ORGANISATION_COLUMNS: dict[str, str] = {
    "ODS code": "ods_code",
    "Organisation name": "organisation_name",
    "Benchmarking group": "benchmarking_group",
    "Region": "region",
    "ICS": "ics_name",
    "Weighting": "weighting",
}
NATIONAL_COLUMNS: dict[str, str] = {
    "Base": "base",
    "Breakdown": "breakdown",
    "Breakdown subgroup": "breakdown_subgroup",
    "Weighting": "weighting",
}
ENGAGEMENT = {"staff_engagement_score": "staff_engagement", "staff_engagement_base": "base"}


def _measure_name(title: str, header: str) -> str:
    """Column name for a measure cell from its question title and its column header."""
    code = str(title).split(" - ")[0].strip()
    header = str(header).strip()
    if header.startswith("Base"):
        suffix = "base"
    elif header.endswith("- score"):
        suffix = "score"
    else:
        suffix = header.lstrip("%").strip()
    return snake_case(f"{code}_{suffix}")


def read_sheet(path: Path, sheet: str, id_columns: dict[str, str]) -> pd.DataFrame:
    """Read one data sheet: identifier columns renamed by ``id_columns``, then measure columns."""
    raw = read_excel_sheet(path, sheet, header=None)
    if len(raw) <= HEADER_ROW:
        raise DataError(f"{path} [{sheet}]: fewer than {HEADER_ROW + 1} rows")
    headers = raw.iloc[HEADER_ROW].astype("string").str.strip()
    titles = raw.iloc[TITLE_ROW].ffill()
    body = raw.iloc[HEADER_ROW + 1 :].reset_index(drop=True)
    body.columns = list(headers)
    require_columns(body, id_columns, f"{path} [{sheet}]")
    n_ids = len(id_columns)
    names = list(id_columns.values()) + [
        _measure_name(titles.iloc[i], headers.iloc[i]) for i in range(n_ids, len(headers))
    ]
    if len(set(names)) != len(names):
        raise DataError(f"{path} [{sheet}]: measure columns do not have unique names")
    body.columns = names
    body = body.dropna(how="all")
    for column in names[:n_ids]:
        body[column] = body[column].astype("string").str.strip()
    for column in names[n_ids:]:
        body[column] = pd.to_numeric(body[column], errors="raise").astype("float64")
    return body.reset_index(drop=True)


def read_organisation_engagement(path: Path) -> pd.DataFrame:
    """Staff engagement theme score (0-10) and its base, per organisation (THEMES sheet).

    Columns: ``ods_code``, ``organisation_name``, ``benchmarking_group``, ``region``,
    ``ics_name`` ('-' where the organisation has no single ICS, e.g. ICBs, ambulance trusts),
    ``weighting``, ``staff_engagement``, ``base`` (responses).
    """
    sheet = read_sheet(path, "THEMES", ORGANISATION_COLUMNS)
    require_columns(sheet, ENGAGEMENT, f"{path} [THEMES]")
    tidy = sheet.loc[:, [*ORGANISATION_COLUMNS.values(), *ENGAGEMENT]].rename(columns=ENGAGEMENT)
    if tidy["ods_code"].isna().any() or tidy["ods_code"].duplicated().any():
        raise DataError(f"{path} [THEMES]: 'ODS code' missing or repeated")
    return tidy.sort_values("ods_code").reset_index(drop=True)


def read_national_ics_engagement(path: Path) -> pd.DataFrame:
    """Official staff engagement score (0-10) and base per ICS from the national workbook.

    Columns: ``ics_name`` (short name), ``staff_engagement``, ``base``.
    """
    sheet = read_sheet(path, "THEMES", NATIONAL_COLUMNS)
    require_columns(sheet, ENGAGEMENT, f"{path} [THEMES]")
    ics = sheet.loc[sheet["breakdown"] == "ICS"]
    tidy = ics.loc[:, ["breakdown_subgroup", *ENGAGEMENT]].rename(
        columns={"breakdown_subgroup": "ics_name", **ENGAGEMENT}
    )
    return tidy.sort_values("ics_name").reset_index(drop=True)


FILES: dict[str, str] = {
    "organisation_engagement": (
        "staff_survey_2024/NSS24 detailed spreadsheets organisational results.xlsx"
    ),
    "national_ics_engagement": (
        "staff_survey_2024/NSS24 detailed spreadsheets national results.xlsx"
    ),
}


def load(table: str = "organisation_engagement") -> pd.DataFrame:
    """Staff engagement by organisation ('organisation_engagement') or the official ICS scores
    of the national workbook ('national_ics_engagement'), acquired by hash."""
    readers = {
        "organisation_engagement": read_organisation_engagement,
        "national_ics_engagement": read_national_ics_engagement,
    }
    return readers[choose("staff_survey_2024", table, readers)](acquired(FILES[table]))
