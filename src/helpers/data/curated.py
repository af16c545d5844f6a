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

from helpers.data.readers._common import require_columns
from helpers.errors import DataError
from helpers.paths import CURATED_DIR

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
#: :mod:`helpers.panel.finance`): plans before the year, forecasts and year-to-date figures
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
#: ``not_applicable``: an amount of support (stage ``deficit_support`` or
#: ``deficit_support_withheld``) is the support itself, not a position before or after it.
FINANCE_BASES: frozenset[str] = frozenset(
    {"before_support", "after_support", "unknown", "not_applicable"}
)
#: Stages whose figure is an amount of support (basis ``not_applicable``).
SUPPORT_STAGES: frozenset[str] = frozenset({"deficit_support", "deficit_support_withheld"})
#: Full-year position stages: a system row of one of these is a candidate for the outcome.
POSITION_STAGES: frozenset[str] = frozenset({"outturn", "forecast", "final_plan", "draft_plan"})
AS_AT_DATE = re.compile(r"^20\d{2}-(0[1-9]|1[0-2])$")
#: ``system`` (ICB and its trusts), ``icb`` (the ICB alone), ``trusts`` (the system's provider
#: trusts together), ``trust`` (one trust) or ``unknown`` (the source leaves the footprint open).
FINANCE_SCOPES: frozenset[str] = frozenset({"system", "icb", "trusts", "trust", "unknown"})
#: Vocabularies before the issue 19 audit (``basis_before_audit``, ``scope_before_audit``).
PRE_AUDIT_BASES: frozenset[str] = frozenset({"before_support", "after_support", "unknown"})
PRE_AUDIT_SCOPES: frozenset[str] = frozenset({"system", "icb", "trusts"})
#: How a row evidences its basis or scope: ``kind:payload``. ``quote``: the source's words
#: (in the stored notes or title of a row of the same page), ``notes`` / ``title``: words of
#: that page's stored notes / title, ``rule``: a rule id of ``finance_basis_rules.csv`` whose
#: conditions the row meets, ``stage``: the row's own support stage (basis ``not_applicable``),
#: ``fact``: a national fact of the same page, ``curator``: scope only, the curator's reading
#: where the stored copy holds no words on the footprint (counted apart in the audit).
BASIS_EVIDENCE_KINDS: tuple[str, ...] = ("quote", "notes", "title", "rule", "stage")
SCOPE_EVIDENCE_KINDS: tuple[str, ...] = ("quote", "notes", "title", "fact", "curator")
EVIDENCE = re.compile(r'^(?P<kind>[a-z]+):(?P<payload>"[^"]+"|[a-z0-9_]+)$')
SOURCE_KINDS: frozenset[str] = frozenset({"official", "press", "campaign"})
FINANCIAL_YEAR = re.compile(r"^20\d{2}/\d{2}$")
SOURCE_COLUMNS: list[str] = ["source_publisher", "source_title", "source_date", "source_url"]
#: Where a figure was read from a reprint of an article whose original page is known, the row
#: cites the original (``source_url``) and keeps the reprint as ``archive_url`` (issue 20.5).
ARCHIVE_COLUMN = "archive_url"

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
    "basis_evidence",
    "scope",
    "scope_evidence",
    *SOURCE_COLUMNS,
    "source_kind",
    "original_source",
    "notes",
    "basis_before_audit",
    "scope_before_audit",
]
BASIS_RULES_FILE: Path = CURATED_DIR / "finance_basis_rules.csv"
BASIS_RULE_COLUMNS: list[str] = [
    "rule_id",
    "basis",
    "financial_year",
    "stages",
    "as_at_from",
    "as_at_to",
    "value_min",
    "value_max",
    "requires_deficit_final_plan",
    "rule",
    "fact_ids",
    *SOURCE_COLUMNS,
]
NATIONAL_FILE: Path = CURATED_DIR / "ics_finance_national.csv"
LEGACY_DEBT_FILE: Path = CURATED_DIR / "legacy_debt.csv"
LEADERSHIP_FILE: Path = CURATED_DIR / "leadership_facts.csv"
TIMELINE_FILE: Path = CURATED_DIR / "national_timeline.csv"
NATIONAL_COLUMNS: list[str] = [
    "fact_id",
    "financial_year",
    "fact",
    "value",
    "unit",
    "precision",
    "as_at",
    "as_at_date",
    *SOURCE_COLUMNS,
    ARCHIVE_COLUMN,
    "original_source",
]
LEGACY_DEBT_COLUMNS: list[str] = [
    "fact_id",
    "kind",
    "system_name",
    "icb_code",
    "measure",
    "value",
    "unit",
    "as_at",
    *SOURCE_COLUMNS,
    "original_source",
]
LEADERSHIP_COLUMNS: list[str] = [
    "fact_id",
    "unit",
    "org_name",
    "org_code",
    "year",
    "fact",
    "value",
    "unit_of_value",
    *SOURCE_COLUMNS,
    "original_source",
]
TIMELINE_COLUMNS: list[str] = ["financial_year", "stage", "basis", "fact_id", "selection_note"]
#: How exact a national figure is: 'over £1bn' is a lower bound, 'about £3bn' approximate.
PRECISIONS: tuple[str, ...] = ("exact", "approximate", "lower_bound", "approximate_lower_bound")
#: Legacy-debt rows: a debt balance or count, in-year context, or a rule of the regime.
DEBT_KINDS: tuple[str, ...] = ("debt", "context", "rule")
FACT_ID = re.compile(r"^[a-z][a-z0-9_]*$")
YEAR_MONTH = re.compile(r"^20\d{2}-(0[1-9]|1[0-2])$")


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
    ("legacy_debt.csv", "value"): (0.0, 5_000.0),
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
    ``source_date_note`` says why); an ``archive_url`` that is not https or repeats the
    ``source_url``; numbers outside :data:`PLAUSIBLE_RANGES`.
    """
    from helpers.data.sources import is_https_url

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
    if ARCHIVE_COLUMN in frame:
        archived = frame[ARCHIVE_COLUMN] != ""
        problems.append(
            _problem(
                path,
                frame,
                archived & ~frame[ARCHIVE_COLUMN].map(is_https_url),
                f"{ARCHIVE_COLUMN} is not an https:// address with a host",
            )
        )
        problems.append(
            _problem(
                path,
                frame,
                archived & (frame[ARCHIVE_COLUMN] == frame.get("source_url")),
                f"{ARCHIVE_COLUMN} repeats source_url (cite the original page as source_url "
                "and keep only the reprint as the archived copy)",
            )
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


def _source_url_problem(path: Path, frame: pd.DataFrame) -> str | None:
    """Every row needs a ``source_url`` (an http(s) address)."""
    return _problem(path, frame, _not_url(frame["source_url"]), "source_url missing or not a URL")


def _not_in_problem(
    path: Path, frame: pd.DataFrame, column: str, allowed: frozenset[str]
) -> str | None:
    """Every row's ``column`` must be one of the vocabulary ``allowed``."""
    return _problem(path, frame, ~frame[column].isin(allowed), f"{column} not in {sorted(allowed)}")


def _financial_year_problem(path: Path, frame: pd.DataFrame) -> str | None:
    """Every row needs a ``financial_year`` like '2024/25'."""
    return _problem(
        path,
        frame,
        ~frame["financial_year"].str.match(FINANCIAL_YEAR),
        "financial_year not like '2024/25'",
    )


def _not_number(values: pd.Series, allow_blank: bool) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    blank = values == ""
    return (numbers.isna() & ~blank) | (blank & (not allow_blank))


def _not_positive_integer(values: pd.Series) -> pd.Series:
    return ~values.str.fullmatch(r"[1-9]\d*")


def validate_finance_panel(
    frame: pd.DataFrame,
    path: Path,
    icb_codes: set[str],
    rules: pd.DataFrame | None = None,
    fact_sources: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Check the ICS finance panel row by row.

    Returns it with numeric ``value_gbp_m`` and integer ``revision``. Besides the source and
    value checks, every row needs a ``stage`` that agrees with its ``measure``
    (:data:`STAGE_OF_MEASURE`), an ``as_at_date`` ``YYYY-MM``, a ``revision`` 1, 2, ..., a
    ``basis`` in :data:`FINANCE_BASES` and a non-empty ``original_source``; and evidence for
    its basis and scope (:func:`evidence_problems`) against the national basis ``rules``
    (default: :func:`load_basis_rules`) and the national facts' pages ``fact_sources``
    (fact id -> source_url; default: ``ics_finance_national.csv``).
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
            _not_in_problem(path, frame, "basis", FINANCE_BASES),
            _problem(path, frame, frame["original_source"] == "", "original_source is empty"),
            _source_url_problem(path, frame),
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
            _financial_year_problem(path, frame),
            _not_in_problem(path, frame, "scope", FINANCE_SCOPES),
            _not_in_problem(path, frame, "source_kind", SOURCE_KINDS),
        ]
    )
    if fact_sources is None:
        national = read_curated(NATIONAL_FILE, NATIONAL_COLUMNS)
        fact_sources = dict(zip(national["fact_id"], national["source_url"], strict=True))
    if rules is None:
        rules = load_basis_rules(fact_ids=set(fact_sources))
    _raise_if(evidence_problems(frame, path, rules, fact_sources))
    return frame.assign(
        value_gbp_m=pd.to_numeric(frame["value_gbp_m"]),
        revision=frame["revision"].astype("int64"),
    )


def _words_on_page(frame: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Per source_url, the stored notes and titles of all its rows (joined), by field."""
    grouped = frame.groupby("source_url", sort=False)
    return {
        "notes": grouped["notes"].agg(" || ".join).to_dict(),
        "title": grouped["source_title"].agg(" || ".join).to_dict(),
    }


def _evidence_failure(
    row: pd.Series,
    column: str,
    kinds: tuple[str, ...],
    words: dict[str, dict[str, str]],
    rules: pd.DataFrame,
    fact_sources: dict[str, str],
    deficit_plans: set[tuple[str, str]],
) -> str:
    """Why one row's ``basis_evidence`` or ``scope_evidence`` does not hold ('' if it does)."""
    match = EVIDENCE.match(str(row[column]))
    if not match or match["kind"] not in kinds:
        return f"not kind:payload with kind in {list(kinds)}"
    kind, payload = match["kind"], match["payload"].strip('"')
    url = row["source_url"]
    if kind in ("quote", "notes", "title"):
        fields = ("notes", "title") if kind == "quote" else (kind,)
        if not any(payload in words[field].get(url, "") for field in fields):
            return f"{payload!r} is not in the stored {' or '.join(fields)} of this page"
    elif kind == "fact" and fact_sources.get(payload) != url:
        return f"{payload!r} is not a national fact of this page"
    elif kind == "stage" and (payload != row["stage"] or row["basis"] != "not_applicable"):
        return "stage evidence names another stage or the basis is not not_applicable"
    elif kind == "curator" and row["scope"] != "system":
        return "curator: evidence is allowed for scope 'system' only"
    elif kind == "rule":
        return _rule_failure(row, payload, rules, deficit_plans)
    return ""


def _rule_failure(
    row: pd.Series, rule_id: str, rules: pd.DataFrame, deficit_plans: set[tuple[str, str]]
) -> str:
    """Why a row does not meet the conditions of the basis rule it names ('' if it does)."""
    found = rules[rules["rule_id"] == rule_id]
    if found.empty:
        return f"rule {rule_id!r} is not in {BASIS_RULES_FILE.name}"
    rule = found.iloc[0]
    value = float(pd.to_numeric(pd.Series([row["value_gbp_m"]]), errors="coerce").iloc[0])
    broken = {
        "basis": rule["basis"] != row["basis"],
        "financial_year": rule["financial_year"] != row["financial_year"],
        "stages": row["stage"] not in rule["stages"].split(),
        "as_at_from": rule["as_at_from"] != "" and row["as_at_date"] < rule["as_at_from"],
        "as_at_to": rule["as_at_to"] != "" and row["as_at_date"] > rule["as_at_to"],
        "value_min": rule["value_min"] != "" and not value >= float(rule["value_min"]),
        "value_max": rule["value_max"] != "" and not value <= float(rule["value_max"]),
        "requires_deficit_final_plan": rule["requires_deficit_final_plan"] == "yes"
        and (row["icb_code"], row["financial_year"]) not in deficit_plans,
    }
    failed = [name for name, bad in broken.items() if bad]
    return f"row does not meet rule {rule_id!r} on {failed}" if failed else ""


def evidence_problems(
    frame: pd.DataFrame, path: Path, rules: pd.DataFrame, fact_sources: dict[str, str]
) -> list[str | None]:
    """Evidence rules of the finance panel (issue 19), each failure naming the CSV lines.

    ``basis_evidence`` is empty exactly when the basis is ``unknown``, and otherwise holds
    (:data:`EVIDENCE`, kinds :data:`BASIS_EVIDENCE_KINDS`); the basis is ``not_applicable``
    exactly on support stages; ``scope_evidence`` is required on every row whose scope is not
    ``system`` and on every whole-system full-year position (the rows the outcome draws on),
    and holds (kinds :data:`SCOPE_EVIDENCE_KINDS`); ``basis_before_audit`` and
    ``scope_before_audit`` are blank (a row the audit added) or in the pre-audit vocabularies.
    """
    words = _words_on_page(frame)
    values = pd.to_numeric(frame["value_gbp_m"], errors="coerce")
    deficit_plans = set(
        zip(
            frame.loc[
                (frame["stage"] == "final_plan") & (frame["scope"] == "system") & (values < 0),
                "icb_code",
            ],
            frame.loc[
                (frame["stage"] == "final_plan") & (frame["scope"] == "system") & (values < 0),
                "financial_year",
            ],
            strict=True,
        )
    )
    unknown = frame["basis"] == "unknown"
    has_basis_evidence = frame["basis_evidence"] != ""
    support = frame["stage"].isin(SUPPORT_STAGES)
    needs_scope = (frame["scope"] != "system") | frame["stage"].isin(POSITION_STAGES)
    has_scope_evidence = frame["scope_evidence"] != ""
    problems: list[str | None] = [
        _problem(
            path, frame, unknown & has_basis_evidence, "basis_evidence given for basis unknown"
        ),
        _problem(
            path,
            frame,
            ~unknown & ~has_basis_evidence,
            "basis_evidence missing (basis is not unknown)",
        ),
        _problem(
            path,
            frame,
            support != (frame["basis"] == "not_applicable"),
            f"basis not_applicable is for (and only for) the stages {sorted(SUPPORT_STAGES)}",
        ),
        _problem(path, frame, needs_scope & ~has_scope_evidence, "scope_evidence missing"),
        _problem(
            path,
            frame,
            ~frame["basis_before_audit"].isin({"", *PRE_AUDIT_BASES}),
            f"basis_before_audit not blank or in {sorted(PRE_AUDIT_BASES)}",
        ),
        _problem(
            path,
            frame,
            ~frame["scope_before_audit"].isin({"", *PRE_AUDIT_SCOPES}),
            f"scope_before_audit not blank or in {sorted(PRE_AUDIT_SCOPES)}",
        ),
    ]
    for column, kinds, given in (
        ("basis_evidence", BASIS_EVIDENCE_KINDS, has_basis_evidence),
        ("scope_evidence", SCOPE_EVIDENCE_KINDS, has_scope_evidence),
    ):
        for index, row in frame[given].iterrows():
            why = _evidence_failure(row, column, kinds, words, rules, fact_sources, deficit_plans)
            if why:
                problems.append(
                    f"{path}: line {int(frame.loc[index, 'source_line'])}: {column}: {why}"
                )
    return problems


def validate_basis_rules(frame: pd.DataFrame, path: Path, fact_ids: set[str]) -> pd.DataFrame:
    """Check the national basis rules: unique snake_case ids, a basis before or after
    support, a real financial year, known stages, months ``YYYY-MM`` (or blank), numbers (or
    blank), ``requires_deficit_final_plan`` yes/no, a rule in words, national fact ids that
    exist (``fact_ids``) and a cited source."""
    stages = set(STAGE_OF_MEASURE.values())
    month_or_blank = ~(frame["as_at_from"].str.match(YEAR_MONTH) | (frame["as_at_from"] == ""))
    month_or_blank_to = ~(frame["as_at_to"].str.match(YEAR_MONTH) | (frame["as_at_to"] == ""))
    unknown_facts = frame["fact_ids"].map(
        lambda ids: not ids.split() or any(i not in fact_ids for i in ids.split())
    )
    _raise_if(
        [
            _problem(
                path,
                frame,
                ~frame["rule_id"].str.match(FACT_ID),
                "rule_id missing or not snake_case",
            ),
            _problem(path, frame, frame["rule_id"].duplicated(keep=False), "rule_id repeated"),
            _problem(
                path,
                frame,
                ~frame["basis"].isin({"before_support", "after_support"}),
                "basis not before_support or after_support",
            ),
            _financial_year_problem(path, frame),
            _problem(
                path,
                frame,
                frame["stages"].map(
                    lambda text: not text.split() or not set(text.split()) <= stages
                ),
                f"stages empty or not among {sorted(stages)}",
            ),
            _problem(
                path,
                frame,
                month_or_blank | month_or_blank_to,
                "as_at_from/as_at_to not YYYY-MM or blank",
            ),
            _problem(
                path,
                frame,
                _not_number(frame["value_min"], allow_blank=True)
                | _not_number(frame["value_max"], allow_blank=True),
                "value_min/value_max not a number or blank",
            ),
            _problem(
                path,
                frame,
                ~frame["requires_deficit_final_plan"].isin({"yes", "no"}),
                "requires_deficit_final_plan not yes or no",
            ),
            _problem(path, frame, frame["rule"] == "", "rule (in words) is empty"),
            _problem(
                path,
                frame,
                unknown_facts,
                "fact_ids empty or naming a fact not in ics_finance_national.csv",
            ),
            _source_url_problem(path, frame),
        ]
    )
    return frame


def load_basis_rules(
    path: Path = BASIS_RULES_FILE, fact_ids: set[str] | None = None
) -> pd.DataFrame:
    """``finance_basis_rules.csv``, validated (:func:`validate_basis_rules`) against the
    national fact ids (default: those of ``ics_finance_national.csv``)."""
    if fact_ids is None:
        fact_ids = set(read_curated(NATIONAL_FILE, NATIONAL_COLUMNS)["fact_id"])
    return validate_basis_rules(read_curated(path, BASIS_RULE_COLUMNS), path, fact_ids)


def _fact_id_problems(path: Path, frame: pd.DataFrame) -> list[str | None]:
    """fact_id must be snake_case and unique within the file."""
    repeated = frame["fact_id"].duplicated(keep=False)
    return [
        _problem(
            path,
            frame,
            ~frame["fact_id"].str.match(FACT_ID),
            "fact_id missing or not snake_case (like 'nat_2324_planned_deficit')",
        ),
        _problem(path, frame, repeated & (frame["fact_id"] != ""), "fact_id repeated"),
        _problem(
            path,
            frame,
            frame["original_source"] == "",
            "original_source is empty (the source's own URL when it reports itself)",
        ),
    ]


def validate_national_facts(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Check the national facts; return them with numeric ``value`` and precision flags.

    Adds ``unit_base`` (the unit), ``is_lower_bound`` and ``is_approximate`` (from
    ``precision``) for the processed ``national_facts`` table.
    """
    _raise_if(
        [
            *_fact_id_problems(path, frame),
            _source_url_problem(path, frame),
            _problem(
                path,
                frame,
                _not_number(frame["value"], allow_blank=False),
                "value missing or not a number",
            ),
            _financial_year_problem(path, frame),
            _problem(path, frame, frame["fact"] == "", "fact is empty"),
            _problem(path, frame, frame["unit"] == "", "unit is empty"),
            _problem(
                path,
                frame,
                ~frame["precision"].isin(PRECISIONS),
                f"precision not one of {list(PRECISIONS)}",
            ),
            _problem(
                path,
                frame,
                ~frame["as_at_date"].str.match(YEAR_MONTH),
                "as_at_date not like '2024-03' (the month the figure describes)",
            ),
        ]
    )
    return frame.assign(
        value=pd.to_numeric(frame["value"]),
        unit_base=frame["unit"],
        is_lower_bound=frame["precision"].str.endswith("lower_bound"),
        is_approximate=frame["precision"].str.startswith("approximate"),
    )


def load_national_facts(path: Path = NATIONAL_FILE) -> pd.DataFrame:
    """``ics_finance_national.csv``, validated (see :func:`validate_national_facts`), sorted."""
    frame = validate_national_facts(read_curated(path, NATIONAL_COLUMNS), path)
    return frame.sort_values(["financial_year", "source_line"], ignore_index=True)


#: Leadership facts whose ``unit_of_value`` says the value is a date or month, not a number.
TEXT_VALUE_UNITS: frozenset[str] = frozenset({"date", "month", "month (start)"})


def validate_cited_facts(
    frame: pd.DataFrame, path: Path, value_column: str, icb_codes: set[str] | None = None
) -> pd.DataFrame:
    """Check a table of cited facts whose value may be blank (rules, or dates).

    Values must be numbers, except where a ``unit_of_value`` column says the value is a date or
    a month; the returned ``<value_column>`` is numeric (dates become missing) and the text is
    kept in ``<value_column>_text``.
    """
    numeric_expected = pd.Series(True, index=frame.index)
    if "unit_of_value" in frame:
        numeric_expected = ~frame["unit_of_value"].isin(TEXT_VALUE_UNITS)
    problems = [
        _source_url_problem(path, frame),
        _problem(
            path,
            frame,
            _not_number(frame[value_column], allow_blank=True) & numeric_expected,
            f"{value_column} not a number (unit_of_value not in {sorted(TEXT_VALUE_UNITS)})",
        ),
    ]
    if "fact_id" in frame:
        problems += _fact_id_problems(path, frame)
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


def load_leadership_facts(path: Path = LEADERSHIP_FILE) -> pd.DataFrame:
    """``leadership_facts.csv``, validated (numeric ``value``, text kept in ``value_text``)."""
    return validate_cited_facts(read_curated(path, LEADERSHIP_COLUMNS), path, "value")


def validate_legacy_debt(
    frame: pd.DataFrame, path: Path, icb_codes: set[str] | None = None
) -> pd.DataFrame:
    """Check the legacy-debt rows; return numeric ``value`` plus ``value_gbp_m`` and
    ``count_in_text`` (the value where the unit is £m, or a count of systems)."""
    blank_unit = (frame["value"] != "") & (frame["unit"] == "")
    _raise_if(
        [
            _problem(
                path, frame, ~frame["kind"].isin(DEBT_KINDS), f"kind not in {list(DEBT_KINDS)}"
            ),
            _problem(path, frame, blank_unit, "unit is empty but value is given"),
        ]
    )
    frame = validate_cited_facts(frame, path, "value", icb_codes)
    is_gbp = frame["unit"] == "£m"
    return frame.assign(
        value_gbp_m=frame["value"].where(is_gbp),
        count_in_text=frame["value"].where(~is_gbp & frame["value"].notna()).astype("Int64"),
    )


def load_legacy_debt(
    path: Path = LEGACY_DEBT_FILE, icb_codes: set[str] | None = None
) -> pd.DataFrame:
    """``legacy_debt.csv``, validated (see :func:`validate_legacy_debt`)."""
    return validate_legacy_debt(read_curated(path, LEGACY_DEBT_COLUMNS), path, icb_codes)


def load_timeline_selection(path: Path = TIMELINE_FILE) -> pd.DataFrame:
    """``national_timeline.csv``: which national fact (by ``fact_id``) stands for each stage."""
    frame = read_curated(path, TIMELINE_COLUMNS)
    _raise_if(
        [
            _problem(
                path, frame, ~frame["fact_id"].str.match(FACT_ID), "fact_id missing or malformed"
            )
        ]
    )
    return frame


#: Columns of :func:`all_facts`, one long table of every curated fact.
FACT_COLUMNS: list[str] = [
    "fact_id",
    "table",
    "text",
    "period",
    "value",
    "unit",
    "precision",
    "as_at_date",
    *SOURCE_COLUMNS,
    ARCHIVE_COLUMN,
    "original_source",
    "source_line",
]


def all_facts(national: pd.DataFrame, debt: pd.DataFrame, leadership: pd.DataFrame) -> pd.DataFrame:
    """The three validated fact tables in one frame keyed by ``fact_id`` (unique across them).

    ``text`` is the fact as recorded, ``period`` the year it describes (financial year, debt
    ``as_at`` or leadership ``year``); ``precision`` and ``as_at_date`` are blank where the
    table has none. DataError names any id used in two tables.
    """
    parts = [
        national.assign(table="ics_finance_national.csv", text=national["fact"]).assign(
            period=national["financial_year"]
        ),
        debt.assign(
            table="legacy_debt.csv", text=debt["measure"], period=debt["as_at"], precision="exact"
        ),
        leadership.assign(
            table="leadership_facts.csv",
            text=leadership["fact"],
            period=leadership["year"],
            unit=leadership["unit_of_value"],
            precision="exact",
        ),
    ]
    frame = pd.concat([part.reindex(columns=FACT_COLUMNS) for part in parts], ignore_index=True)
    blanks = ["precision", "as_at_date", ARCHIVE_COLUMN]
    frame[blanks] = frame[blanks].fillna("")
    repeated = frame[frame["fact_id"].duplicated(keep=False)]
    if len(repeated):
        listed = sorted(set(repeated["fact_id"] + " (" + repeated["table"] + ")"))
        raise DataError(f"curated facts: fact_id used in more than one table: {listed}")
    return frame


# --- The claims register -------------------------------------------------------------------

CLAIMS_FILE: Path = CURATED_DIR / "claims.csv"
CLAIM_PARTS_FILE: Path = CURATED_DIR / "claim_parts.csv"
CLAIM_COLUMNS: list[str] = [
    "claim_id",
    "claim",
    "claim_date",
    *SOURCE_COLUMNS,
    ARCHIVE_COLUMN,
    "original_source",
    "source_check",
    "source_note",
]
CLAIM_PART_COLUMNS: list[str] = [
    "claim_id",
    "part",
    "statement",
    "kind",
    "claimed_value",
    "unit",
    "comparator",
    "tolerance",
    "evidence_facts",
    "derivation",
    "arguments",
    "claim_definition",
    "evidence_definition",
    "window_months_before",
    "window_months_after",
    "untestable_reason",
    "note",
]
CLAIM_ID = re.compile(r"^C\d{2}[a-z]?$")
SOURCE_CHECKS: tuple[str, ...] = ("confirmed", "partly confirmed", "not confirmed")
#: Kinds of test; the last two are never tested and need ``untestable_reason``.
CLAIM_KINDS: tuple[str, ...] = (
    "count",
    "amount",
    "percentage",
    "share",
    "rank",
    "ratio",
    "policy",
    "untestable",
)
UNTESTED_KINDS: tuple[str, ...] = ("policy", "untestable")
#: What a claimed figure, or the evidence for it, is a share of or a measure of
#: (``claim_parts.csv`` ``claim_definition`` / ``evidence_definition``): a part can only fail
#: on evidence with the source's own denominator or definition (issue 19).
CLAIM_DEFINITIONS: dict[str, str] = {
    "core_allocation": "the ICBs' core allocation",
    "wider_allocation": (
        "the wider allocation the data hold (core, primary medical care, other primary care, "
        "running costs)"
    ),
    "source_total_allocation": (
        "the source's 'total allocation', which it does not break down and the data do not hold"
    ),
    "unstated_allocation": "an allocation or budget the source does not define",
    "combined_deficit": "the systems' combined deficit (planned deficit and overspend together)",
    "run_rate_projection": "a projection of the year-to-date overspend if the trend continued",
    "management_forecast": "the systems' own forecast outturn, after planned recovery actions",
    "ambiguous": "figures the source leaves open to more than one reading",
}
COMPARATORS: tuple[str, ...] = (
    "equal",
    "within",
    "at_least",
    "at_most",
    "more_than",
    "less_than",
)


def _field(path: Path, frame: pd.DataFrame, mask: pd.Series, column: str, what: str) -> str | None:
    """'<path>: field '<column>' <what> on line(s) [..]' when any row is bad."""
    return _problem(path, frame, mask, f"field '{column}' {what}")


def validate_claims(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Check ``claims.csv`` row by row; DataError names each bad line and field."""
    repeated = frame["claim_id"].duplicated(keep=False) & (frame["claim_id"] != "")
    _raise_if(
        [
            _field(
                path, frame, ~frame["claim_id"].str.match(CLAIM_ID), "claim_id", "not like 'C01'"
            ),
            _field(path, frame, repeated, "claim_id", "repeated"),
            _field(path, frame, frame["claim"] == "", "claim", "is empty"),
            _field(
                path,
                frame,
                ~frame["claim_date"].str.match(YEAR_MONTH),
                "claim_date",
                "not like '2023-07' (the month the claim was published)",
            ),
            _field(path, frame, _not_url(frame["source_url"]), "source_url", "is not a URL"),
            _field(path, frame, frame["source_publisher"] == "", "source_publisher", "is empty"),
            _field(path, frame, frame["original_source"] == "", "original_source", "is empty"),
            _field(
                path,
                frame,
                ~frame["source_check"].isin(SOURCE_CHECKS),
                "source_check",
                f"not one of {list(SOURCE_CHECKS)}",
            ),
        ]
    )
    return frame


def load_claims(path: Path = CLAIMS_FILE) -> pd.DataFrame:
    """``claims.csv``, validated (text columns plus ``source_line``)."""
    return validate_claims(read_curated(path, CLAIM_COLUMNS), path)


def _not_integer(values: pd.Series) -> pd.Series:
    return (values != "") & ~values.str.fullmatch(r"\d+")


def validate_claim_parts(frame: pd.DataFrame, path: Path, claim_ids: set[str]) -> pd.DataFrame:
    """Check ``claim_parts.csv`` row by row (kinds, comparators, numbers, windows, reasons);
    DataError names each bad line and field. References to facts and derivations are checked
    by :func:`helpers.analysis.claims.check_references`."""
    # Each fault is reported once: a row whose kind is unknown is reported for its kind only
    # (not again for the fields a tested kind needs), a tolerance that is not a number only as
    # that (not again as "given with comparator 'equal'").
    tested = frame["kind"].isin(CLAIM_KINDS) & ~frame["kind"].isin(UNTESTED_KINDS)
    no_evidence = (frame["evidence_facts"] == "") & (frame["derivation"] == "")
    both = (frame["evidence_facts"] != "") & (frame["derivation"] != "")
    repeated = frame.duplicated(["claim_id", "part"], keep=False)
    bad_tolerance = _not_number(frame["tolerance"], allow_blank=True)
    equal_with_tolerance = (
        (frame["comparator"] == "equal") & ~frame["tolerance"].isin(["", "0"]) & ~bad_tolerance
    )
    _raise_if(
        [
            _field(
                path, frame, ~frame["claim_id"].isin(claim_ids), "claim_id", "not in claims.csv"
            ),
            _field(path, frame, ~frame["part"].str.fullmatch(r"[a-z]"), "part", "not one letter"),
            _field(path, frame, repeated, "part", "repeated within its claim"),
            _field(path, frame, frame["statement"] == "", "statement", "is empty"),
            _field(
                path,
                frame,
                ~frame["kind"].isin(CLAIM_KINDS),
                "kind",
                f"not one of {list(CLAIM_KINDS)}",
            ),
            _field(
                path,
                frame,
                tested & _not_number(frame["claimed_value"], allow_blank=False),
                "claimed_value",
                "missing or not a number",
            ),
            _field(path, frame, tested & (frame["unit"] == ""), "unit", "is empty"),
            _field(
                path,
                frame,
                tested & ~frame["comparator"].isin(COMPARATORS),
                "comparator",
                f"not one of {list(COMPARATORS)}",
            ),
            _field(path, frame, bad_tolerance, "tolerance", "not a number"),
            _field(path, frame, equal_with_tolerance, "tolerance", "given with comparator 'equal'"),
            _field(
                path,
                frame,
                tested & no_evidence,
                "evidence_facts",
                "and derivation both empty (name facts or a derivation)",
            ),
            _field(path, frame, both, "derivation", "given with evidence_facts (use one)"),
            _field(
                path,
                frame,
                ~frame["claim_definition"].isin(["", *CLAIM_DEFINITIONS]),
                "claim_definition",
                f"not blank or one of {list(CLAIM_DEFINITIONS)}",
            ),
            _field(
                path,
                frame,
                ~frame["evidence_definition"].isin(["", *CLAIM_DEFINITIONS]),
                "evidence_definition",
                f"not blank or one of {list(CLAIM_DEFINITIONS)}",
            ),
            _field(
                path,
                frame,
                (frame["evidence_definition"] != "") & (frame["claim_definition"] == ""),
                "claim_definition",
                "empty where evidence_definition is given (say what the source's figure is)",
            ),
            _field(
                path,
                frame,
                frame["kind"].isin(UNTESTED_KINDS) & (frame["untestable_reason"] == ""),
                "untestable_reason",
                "empty for a policy or untestable part",
            ),
            _field(
                path,
                frame,
                _not_integer(frame["window_months_before"]),
                "window_months_before",
                "not a whole number of months",
            ),
            _field(
                path,
                frame,
                _not_integer(frame["window_months_after"]),
                "window_months_after",
                "not a whole number of months",
            ),
        ]
    )
    return frame


def load_claim_parts(
    path: Path = CLAIM_PARTS_FILE, claim_ids: set[str] | None = None
) -> pd.DataFrame:
    """``claim_parts.csv``, validated against the claims' ids (row checks only)."""
    frame = read_curated(path, CLAIM_PART_COLUMNS)
    ids = set(frame["claim_id"]) if claim_ids is None else claim_ids
    return validate_claim_parts(frame, path, ids)
