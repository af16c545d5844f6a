"""The project's curated fact tables (``data/raw/curated/``): read, validate, tidy.

Every curated row cites its own public source. Validation stops on the first file with bad
rows and names every offending CSV line (the header is line 1), the column and what was
expected, so a contributor adding a row sees exactly what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from helpers.errors import DataError
from helpers.readers._common import require_columns

FINANCE_MEASURES: frozenset[str] = frozenset(
    {
        "plan",
        "plan_draft",
        "forecast",
        "ytd",
        "ytd_variance",
        "outturn",
        "deficit_support",
        "deficit_support_withheld",
        "icb_only_outturn",
        "forecast_variance",
    }
)
#: The stage of the financial year each measure's figure belongs to (vocabulary documented in
#: :mod:`helpers.finance`): plans before the year, forecasts and year-to-date figures
#: during it, the outturn after it; support rows are amounts of deficit support, not positions.
STAGE_OF_MEASURE: dict[str, str] = {
    "plan_draft": "draft_plan",
    "plan": "final_plan",
    "forecast": "forecast",
    "outturn": "outturn",
    "icb_only_outturn": "outturn",
    "ytd": "ytd",
    "ytd_variance": "ytd_variance",
    "forecast_variance": "forecast_variance",
    "deficit_support": "deficit_support",
    "deficit_support_withheld": "deficit_support_withheld",
}
FINANCE_BASES: frozenset[str] = frozenset({"before_support", "after_support", "unknown"})
AS_AT_DATE = re.compile(r"^20\d{2}-(0[1-9]|1[0-2])$")
FINANCE_SCOPES: frozenset[str] = frozenset({"system", "icb", "trusts"})
SOURCE_KINDS: frozenset[str] = frozenset({"official", "press", "campaign"})
FINANCIAL_YEAR = re.compile(r"^20\d{2}/\d{2}$")
SOURCE_COLUMNS: list[str] = ["source_publisher", "source_title", "source_date", "source_url"]

FINANCE_PANEL_COLUMNS: list[str] = [
    "system_name",
    "icb_code",
    "financial_year",
    "measure",
    "stage",
    "value_gbp_m",
    "as_at",
    "as_at_date",
    "revision",
    "basis",
    "scope",
    *SOURCE_COLUMNS,
    "source_kind",
    "original_source",
    "notes",
]
NATIONAL_COLUMNS: list[str] = ["financial_year", "fact", "value", "unit", "as_at", *SOURCE_COLUMNS]
LEGACY_DEBT_COLUMNS: list[str] = [
    "system_name",
    "icb_code",
    "measure",
    "value_gbp_m",
    "as_at",
    *SOURCE_COLUMNS,
]
LEADERSHIP_COLUMNS: list[str] = [
    "unit",
    "org_name",
    "org_code",
    "year",
    "fact",
    "value",
    "unit_of_value",
    *SOURCE_COLUMNS,
]


def read_curated(path: Path, columns: list[str]) -> pd.DataFrame:
    """Read a curated CSV as text (no type guessing), checking its columns; keep line numbers."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    require_columns(frame, columns, path)
    frame = frame.map(lambda value: value.strip() if isinstance(value, str) else value)
    frame.insert(0, "source_line", range(2, len(frame) + 2))
    return frame


def _lines(frame: pd.DataFrame, mask: pd.Series) -> list[int]:
    return [int(line) for line in frame.loc[mask, "source_line"]]


def _problem(path: Path, frame: pd.DataFrame, mask: pd.Series, what: str) -> str | None:
    return f"{path}: {what} on line(s) {_lines(frame, mask)}" if mask.any() else None


def _raise_if(problems: Iterable[str | None]) -> None:
    found = [problem for problem in problems if problem]
    if found:
        raise DataError("curated data failed validation:\n  " + "\n  ".join(found))


def _not_url(values: pd.Series) -> pd.Series:
    return ~values.str.match(r"^https?://\S+$")


def _not_number(values: pd.Series, allow_blank: bool) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    blank = values == ""
    return (numbers.isna() & ~blank) | (blank & (not allow_blank))


def _not_positive_integer(values: pd.Series) -> pd.Series:
    return ~values.str.fullmatch(r"[1-9]\d*")


def validate_finance_panel(frame: pd.DataFrame, path: Path, icb_codes: set[str]) -> pd.DataFrame:
    """Check the ICS finance panel row by row.

    Returns it with numeric ``value_gbp_m`` and integer ``revision``. Besides the source and
    value checks, every row needs a ``stage`` that agrees with its ``measure``
    (:data:`STAGE_OF_MEASURE`), an ``as_at_date`` ``YYYY-MM``, a ``revision`` 1, 2, ..., a
    ``basis`` in :data:`FINANCE_BASES` and a non-empty ``original_source``.
    """
    expected_stage = frame["measure"].map(STAGE_OF_MEASURE)
    _raise_if(
        [
            _problem(
                path,
                frame,
                frame["stage"] != expected_stage,
                f"stage missing or not the stage of its measure {STAGE_OF_MEASURE}",
            ),
            _problem(
                path,
                frame,
                ~frame["as_at_date"].str.match(AS_AT_DATE),
                "as_at_date missing or not a month like '2024-03'",
            ),
            _problem(
                path,
                frame,
                _not_positive_integer(frame["revision"]),
                "revision missing or not a whole number 1, 2, ...",
            ),
            _problem(
                path,
                frame,
                ~frame["basis"].isin(FINANCE_BASES),
                f"basis not in {sorted(FINANCE_BASES)}",
            ),
            _problem(path, frame, frame["original_source"] == "", "original_source is empty"),
            _problem(path, frame, _not_url(frame["source_url"]), "source_url missing or not a URL"),
            _problem(
                path,
                frame,
                ~frame["measure"].isin(FINANCE_MEASURES),
                f"measure not one of {sorted(FINANCE_MEASURES)}",
            ),
            _problem(
                path,
                frame,
                ~frame["icb_code"].isin(icb_codes),
                "icb_code not one of the 42 ICB Q-codes",
            ),
            _problem(
                path,
                frame,
                _not_number(frame["value_gbp_m"], allow_blank=False),
                "value_gbp_m missing or not a number",
            ),
            _problem(
                path,
                frame,
                ~frame["financial_year"].str.match(FINANCIAL_YEAR),
                "financial_year not like '2024/25'",
            ),
            _problem(
                path, frame, ~frame["scope"].isin(FINANCE_SCOPES), f"scope not in {FINANCE_SCOPES}"
            ),
            _problem(
                path,
                frame,
                ~frame["source_kind"].isin(SOURCE_KINDS),
                f"source_kind not in {sorted(SOURCE_KINDS)}",
            ),
        ]
    )
    return frame.assign(
        value_gbp_m=pd.to_numeric(frame["value_gbp_m"]),
        revision=frame["revision"].astype("int64"),
    )


def validate_national_facts(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Check the national facts; return them with numeric ``value``."""
    _raise_if(
        [
            _problem(path, frame, _not_url(frame["source_url"]), "source_url missing or not a URL"),
            _problem(
                path,
                frame,
                _not_number(frame["value"], allow_blank=False),
                "value missing or not a number",
            ),
            _problem(
                path,
                frame,
                ~frame["financial_year"].str.match(FINANCIAL_YEAR),
                "financial_year not like '2024/25'",
            ),
            _problem(path, frame, frame["fact"] == "", "fact is empty"),
        ]
    )
    return frame.assign(value=pd.to_numeric(frame["value"]))


#: Leadership facts whose ``unit_of_value`` says the value is a date or month, not a number.
TEXT_VALUE_UNITS: frozenset[str] = frozenset({"date", "month", "month (start)"})


def validate_cited_facts(
    frame: pd.DataFrame, path: Path, value_column: str, icb_codes: set[str] | None = None
) -> pd.DataFrame:
    """Check a table of cited facts whose value may be blank (counts given in the text).

    Values must be numbers, except where a ``unit_of_value`` column says the value is a date or
    a month; the returned ``<value_column>`` is numeric (dates become missing) and the text is
    kept in ``<value_column>_text``.
    """
    numeric_expected = pd.Series(True, index=frame.index)
    if "unit_of_value" in frame:
        numeric_expected = ~frame["unit_of_value"].isin(TEXT_VALUE_UNITS)
    problems = [
        _problem(path, frame, _not_url(frame["source_url"]), "source_url missing or not a URL"),
        _problem(
            path,
            frame,
            _not_number(frame[value_column], allow_blank=True) & numeric_expected,
            f"{value_column} not a number (unit_of_value not in {sorted(TEXT_VALUE_UNITS)})",
        ),
    ]
    if icb_codes is not None and "icb_code" in frame:
        unknown = (frame["icb_code"] != "") & ~frame["icb_code"].isin(icb_codes)
        problems.append(_problem(path, frame, unknown, "icb_code not one of the 42 ICB Q-codes"))
    _raise_if(problems)
    numbers = pd.to_numeric(frame[value_column].where(numeric_expected), errors="coerce")
    return frame.assign(**{f"{value_column}_text": frame[value_column], value_column: numbers})


def parse_unit(units: pd.Series) -> pd.DataFrame:
    """Split national-fact units such as '£m (approx., lower bound)' into base and flags."""
    base = units.str.replace(r"\s*\(.*\)\s*$", "", regex=True).str.strip()
    return pd.DataFrame(
        {
            "unit_base": base,
            "is_lower_bound": units.str.contains("lower bound", regex=False),
            "is_approximate": units.str.contains("approx", regex=False),
        },
        index=units.index,
    )
