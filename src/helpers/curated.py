"""The project's curated fact tables (``data/raw/curated/``): read, validate, tidy.

Every curated row cites its own public source. Validation stops on the first file with bad
rows and names every offending CSV line (the header is line 1), the column and what was
expected, so a contributor adding a row sees exactly what to fix.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import datetime
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


def _csv_records(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and records of a CSV, each record with the file line it starts on.

    Blank lines are skipped and a quoted field may span lines, so line numbers are counted by
    the csv module, not by row position. A record with the wrong number of fields, or bytes
    that are not UTF-8, raise DataError naming the line.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(f"{path}: line {line}: not valid UTF-8 text ({error.reason})") from error
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    previous_end = 0
    for record in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if not record or (len(record) == 1 and record[0].strip() == ""):
            continue
        if header is None:
            header = record
        elif len(record) != len(header):
            raise DataError(
                f"{path}: line {start}: {len(record)} fields where the header has {len(header)}"
            )
        else:
            records.append((start, record))
    if header is None:
        raise DataError(f"{path}: empty file, expected a header line")
    return header, records


def read_curated(path: Path, columns: list[str]) -> pd.DataFrame:
    """Read a curated CSV as text (no type guessing), checking its columns; keep line numbers.

    ``source_line`` is the CSV line each row starts on (the header is line 1), right after
    blank lines and multi-line quoted fields too. Every curated table passes
    :func:`check_rows` (the rules common to all of them) before its own validator.
    """
    header, records = _csv_records(path)
    frame = pd.DataFrame([fields for _, fields in records], columns=header, dtype=str)
    require_columns(frame, columns, path)
    frame = frame.map(lambda value: value.strip() if isinstance(value, str) else value)
    frame.insert(0, "source_line", [line for line, _ in records])
    check_rows(frame, path)
    return frame


#: Plausible ranges of numeric curated columns, by file name and column: a value outside is a
#: typo (a lost minus sign, £000 for £m) until a source shows otherwise.
PLAUSIBLE_RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("ics_finance_panel.csv", "value_gbp_m"): (-2_000.0, 2_000.0),
    ("legacy_debt.csv", "value_gbp_m"): (0.0, 5_000.0),
}
#: Financial years a curated row may name: the NHS's founding year to one year past the data.
FIRST_FINANCIAL_YEAR_START = 1948
DATE_FORMS = ("%Y", "%Y-%m", "%Y-%m-%d")
NON_FINITE = re.compile(r"^[+-]?(inf|infinity|nan)$", re.IGNORECASE)
FINANCIAL_YEAR_ANY = re.compile(r"^(\d{4})/(\d{2})$")


def _impossible_financial_year(values: pd.Series) -> pd.Series:
    from helpers.config import data_years

    latest = int(data_years()[-1][:4]) + 1
    parts = values.str.extract(FINANCIAL_YEAR_ANY).astype(float)
    start, end = parts[0], parts[1]
    possible = (
        start.between(FIRST_FINANCIAL_YEAR_START, latest) & (end == (start + 1) % 100)
    ).fillna(False)
    return (values != "") & ~possible


def _not_a_date(values: pd.Series) -> pd.Series:
    def valid(text: str) -> bool:
        for form in DATE_FORMS:
            try:
                datetime.strptime(text, form)
            except ValueError:
                continue
            return len(text) == {"%Y": 4, "%Y-%m": 7, "%Y-%m-%d": 10}[form]
        return False

    return ~values.map(valid)


def _outside(values: pd.Series, low: float, high: float) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    return numbers.notna() & ~numbers.between(low, high)


def row_problems(frame: pd.DataFrame, path: Path) -> list[str | None]:
    """The rules every curated table obeys, each failure naming the CSV lines.

    Exact duplicate rows; ``inf``/``nan`` written as a value; financial years that cannot
    exist (``2099/00``, ``2024/26``); a ``source_url`` that is not https with a real host;
    ``source_date`` not ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (blank only where a
    ``source_date_note`` says why); numbers outside :data:`PLAUSIBLE_RANGES`.
    """
    from helpers.sources import is_https_url

    content = frame.drop(columns="source_line")
    duplicated = content.duplicated(keep=False) & content.duplicated(keep="first")
    problems = [_problem(path, frame, duplicated, "exact duplicate of an earlier row")]
    for column in content.columns:
        non_finite = content[column].str.match(NON_FINITE)
        problems.append(_problem(path, frame, non_finite, f"{column} is inf/nan, not a value"))
    if "financial_year" in frame:
        impossible = _impossible_financial_year(frame["financial_year"])
        problems.append(
            _problem(path, frame, impossible, "financial_year is not a real year like '2024/25'")
        )
    if "source_url" in frame:
        given = frame["source_url"] != ""  # a missing URL is each table's own rule
        bad_url = given & ~frame["source_url"].map(is_https_url)
        problems.append(
            _problem(path, frame, bad_url, "source_url is not an https:// address with a host")
        )
    if "source_date" in frame:
        explained = frame.get("source_date_note", pd.Series("", index=frame.index)) != ""
        blank = frame["source_date"] == ""
        bad_date = _not_a_date(frame["source_date"]) & ~(blank & explained)
        problems.append(
            _problem(
                path,
                frame,
                bad_date,
                "source_date is not YYYY, YYYY-MM or YYYY-MM-DD "
                "(leave it blank only with a source_date_note saying why)",
            )
        )
    for (file_name, column), (low, high) in PLAUSIBLE_RANGES.items():
        if path.name == file_name and column in frame:
            problems.append(
                _problem(
                    path,
                    frame,
                    _outside(frame[column], low, high),
                    f"{column} outside the plausible range [{low}, {high}]",
                )
            )
    return problems


def check_rows(frame: pd.DataFrame, path: Path) -> None:
    """Raise DataError listing every row that breaks a rule common to all curated tables."""
    _raise_if(row_problems(frame, path))


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


def cited_as(rows: pd.DataFrame) -> pd.Series:
    """'Publisher, date' for each row; 'date not shown' where ``source_date`` is blank."""
    dates = rows["source_date"].where(rows["source_date"] != "", "date not shown")
    return rows["source_publisher"] + ", " + dates


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
