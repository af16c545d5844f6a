"""One-off migration of the curated ICS finance panel to structured columns (issue 8).

Run once, from the repository root::

    python tools/migrate_finance_panel.py OLD_PANEL.csv ADDITIONS.csv OUT.csv

``OUT.csv`` became ``data/raw/curated/ics_finance_panel.csv``. ``OLD_PANEL.csv`` is the
free-text panel as committed before the migration (commit 636fc44,
``git show 636fc44:data/raw/curated/ics_finance_panel.csv``) and ``ADDITIONS.csv`` is
``ics_finance_panel_additions.csv`` from the shared curated mirror. The script derives
``stage``, ``as_at_date``, ``revision``, ``basis`` and ``original_source`` for every row from
that row's own ``measure``, ``as_at``, ``notes``, ``source_*`` and ``financial_year`` text by the
rules below, appends the additions, prints every derived value for review and writes the new
panel. It is kept (not run by the pipeline) so that each derived value can be traced to a rule.

Rules
- ``stage`` = the measure's stage (``plan`` -> ``final_plan``, ``plan_draft`` -> ``draft_plan``,
  ``icb_only_outturn`` -> ``outturn`` (its scope is ``icb``), others unchanged).
- ``as_at_date`` (YYYY-MM), first rule that applies: (1) a month named in ``as_at``
  ("May 2023", "2024-02"; the last one named); (2) a month of the financial year ``Mn`` or
  quarter ``Qn`` (last named; M1 = April, Qn = month 3n); (3) year-end words -> March at the
  end of the year; (4) a final plan revised "in-year" -> the month of its report, capped at
  March of the year's end; (5) "early/spring YYYY" -> March of YYYY (the plan round); (6) an
  undated draft -> March before its year; an undated plan (or a figure labelled 'plan') -> the
  first month of its financial year (April); (7) the ``source_date`` month.
- ``revision``: 2 when the row says the figure revises another of its stage: "revised" or
  "current at time" in ``as_at`` or "revised estimate/draft" in ``notes``; a draft submitted in
  a named month (a formal submission after the undated first/original drafts of that round); a
  final plan that is an NHSE-set, agreed or approved figure (control total, target) rather than
  a system's first/initial/original/submitted/not-accepted one. 1 otherwise.
- ``basis``: from what ``as_at``/``notes`` say about deficit or non-recurrent support
  (patterns in :data:`AFTER_SUPPORT` and :data:`BEFORE_SUPPORT`); ``unknown`` otherwise.
- ``original_source``: an official row is its own original; a press or campaign row names the
  board papers or document it reports where its notes or ``as_at`` name one
  (:data:`ORIGINALS`), otherwise the article itself ("<publisher>: <title>").
"""

from __future__ import annotations

import re
import sys

import pandas as pd

STAGE_OF_MEASURE = {
    "plan": "final_plan",
    "plan_draft": "draft_plan",
    "icb_only_outturn": "outturn",
}
MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
NAMED_MONTH = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(20\d\d)\b", re.IGNORECASE
)
ISO_MONTH = re.compile(r"\b(20\d\d)-(\d\d)\b")
FY_MONTH = re.compile(r"\bM(\d{1,2})\b")
FY_QUARTER = re.compile(r"\bQ([1-4])\b")
YEAR_END = re.compile(r"year-end|outturn", re.IGNORECASE)
SEASON = re.compile(r"\b(early|spring)\s+(20\d\d)\b", re.IGNORECASE)
REVISES = re.compile(r"revis|current at time", re.IGNORECASE)
REVISED_IN_NOTES = re.compile(r"\brevised (estimate|draft)")
DATED_SUBMISSION = re.compile(r"submitted (jan|feb|mar|apr|may|jun)\w* 20\d\d", re.IGNORECASE)
IN_YEAR = re.compile(r"in-year", re.IGNORECASE)
SUPERSEDED = re.compile(
    r"\b(first|initial|original|earlier|not accepted|rejected|submitted|submission)\b",
    re.IGNORECASE,
)
REPLACING = re.compile(r"control total|NHSE|agreed|approved|accepted|target", re.IGNORECASE)
BEFORE_SUPPORT = re.compile(r"excludes deficit support|BEFORE deficit support")
AFTER_SUPPORT = re.compile(
    r"after (receipt of )?£?[\d.]*m? ?(deficit )?(support|funding)|after any deficit support"
    r"|after £\d+m support|after deficit support|AFTER deficit support|relied on non-recurrent"
    r"|non-recurrent technical benefits|before £[\d.]+m NHSE funding|before these items"
    r"|includes expected loss of £[\d.]+m deficit support|after receiving £80 million",
)
NOT_STATED = re.compile(
    r"presumably after deficit support \(not stated\)|before/after support not stated"
)
ORIGINALS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Oxleas FT board papers"), "Oxleas NHS Foundation Trust board papers (2022)"),
    (
        re.compile(r"Camden & Islington FT papers"),
        "Camden and Islington NHS FT board papers (2022)",
    ),
    (re.compile(r"C&W May 2022 papers"), "Coventry and Warwickshire ICS papers (May 2022)"),
    (re.compile(r"C&P board papers"), "Cambridgeshire and Peterborough ICS board papers (2023)"),
    (re.compile(r"UHNM board report"), "University Hospitals of North Midlands board report"),
    (re.compile(r"\((\w{3} 20\d\d) board\)"), "{system} ICB board papers ({0})"),
    (re.compile(r"reported to (\d+ \w+ 20\d\d) board"), "{system} ICB board papers ({0})"),
    (re.compile(r"reported to (\w+ 20\d\d) board"), "{system} ICB board papers ({0})"),
    (re.compile(r"\((\w{3} 20\d\d) scrutiny papers\)"), "{system} ICB papers to scrutiny ({0})"),
    (re.compile(r"report to (\w{3} 20\d\d) ICB meeting"), "{system} ICB board papers ({0})"),
    (
        re.compile(r"Feb 2026 board papers|2026-01/02 \(board papers\)|Jan/Feb 2026"),
        "{system} ICB board papers (Feb 2026)",
    ),
    (re.compile(r"ICB CFO written in February 2024"), "{system} ICB finance report (Feb 2024)"),
]


def fy_start(financial_year: str) -> int:
    """2023/24 -> 2023."""
    return int(financial_year[:4])


def fy_month(financial_year: str, month_of_year: int) -> str:
    """Month n of a financial year (1 = April) as YYYY-MM."""
    start = fy_start(financial_year)
    calendar = (month_of_year + 2) % 12 + 1
    year = start + (1 if month_of_year >= 10 else 0)
    return f"{year}-{calendar:02d}"


def as_at_date(row: pd.Series) -> tuple[str, str]:
    """The row's as_at_date and the rule that gave it."""
    text = row["as_at"]
    named = NAMED_MONTH.findall(text)
    if named:
        month, year = named[-1]
        return f"{year}-{MONTHS[month[:3].lower()]:02d}", "named month"
    iso = ISO_MONTH.findall(text)
    if iso:
        year, month = iso[-1]
        return f"{year}-{month}", "named month"
    months = FY_MONTH.findall(text)
    if months:
        return fy_month(row["financial_year"], int(months[-1])), "Mn"
    quarters = FY_QUARTER.findall(text)
    if quarters:
        return fy_month(row["financial_year"], 3 * int(quarters[-1])), "Qn"
    if YEAR_END.search(text):
        return fy_month(row["financial_year"], 12), "year-end"
    if IN_YEAR.search(text) and row["measure"] == "plan":
        reported = row["source_date"][:7]
        year_end = fy_month(row["financial_year"], 12)
        return min(reported, year_end), "in-year revision: report month, capped at year-end"
    season = SEASON.search(text)
    if season:
        return f"{season.group(2)}-03", "early/spring"
    if row["measure"] == "plan_draft":
        return f"{fy_start(row['financial_year'])}-03", "undated draft"
    if row["measure"] == "plan" or re.search(r"\bplan\b", text):
        return fy_month(row["financial_year"], 1), "undated plan"
    date = re.match(r"^(20\d\d)-(\d\d)", row["source_date"])
    if date:
        return f"{date.group(1)}-{date.group(2)}", "source_date"
    raise ValueError(f"no as_at_date for {row.to_dict()}")


def revision(row: pd.Series) -> int:
    """2 when the row's words say the figure revises or replaces another of its stage, else 1."""
    text = row["as_at"]
    if REVISES.search(text) or REVISED_IN_NOTES.search(row["notes"]):
        return 2
    if row["measure"] == "plan_draft" and DATED_SUBMISSION.search(text):
        return 2
    if row["measure"] != "plan" or SUPERSEDED.search(text):
        return 1
    return 2 if REPLACING.search(text) else 1


def basis(row: pd.Series) -> str:
    """before_support / after_support / unknown from the row's own words."""
    text = f"{row['as_at']} | {row['notes']}"
    if NOT_STATED.search(text):
        return "unknown"
    if BEFORE_SUPPORT.search(text):
        return "before_support"
    if AFTER_SUPPORT.search(text):
        return "after_support"
    return "unknown"


def original_source(row: pd.Series) -> str:
    """The underlying document: itself when official, else the named papers or the article."""
    if row["source_kind"] == "official":
        return f"{row['source_publisher']}: {row['source_title']}"
    text = f"{row['as_at']} | {row['notes']}"
    for pattern, template in ORIGINALS:
        found = pattern.search(text)
        if found:
            return template.format(*found.groups(), system=row["system_name"])
    return f"{row['source_publisher']}: {row['source_title']}"


def migrate(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the structured columns to the free-text panel."""
    dates = frame.apply(as_at_date, axis=1, result_type="expand")
    frame = frame.copy()
    frame["stage"] = frame["measure"].map(lambda m: STAGE_OF_MEASURE.get(m, m))
    frame["as_at_date"] = dates[0]
    frame["as_at_date_rule"] = dates[1]
    frame["revision"] = frame.apply(revision, axis=1)
    frame["basis"] = frame.apply(basis, axis=1)
    frame["original_source"] = frame.apply(original_source, axis=1)
    return frame


COLUMNS = [
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
    "source_publisher",
    "source_title",
    "source_date",
    "source_url",
    "source_kind",
    "original_source",
    "notes",
]


def main(old_path: str, additions_path: str, out_path: str) -> None:
    """Migrate, append the additions, print for review, write."""
    old = pd.read_csv(old_path, dtype=str, keep_default_na=False)
    additions = pd.read_csv(additions_path, dtype=str, keep_default_na=False)
    combined = pd.concat([old, additions], ignore_index=True)
    migrated = migrate(combined)
    review = migrated.assign(line=range(2, len(migrated) + 2))
    with pd.option_context(
        "display.width", 250, "display.max_rows", 1000, "display.max_colwidth", 45
    ):
        print(
            review[
                [
                    "line",
                    "icb_code",
                    "financial_year",
                    "stage",
                    "value_gbp_m",
                    "as_at",
                    "as_at_date",
                    "as_at_date_rule",
                    "revision",
                    "basis",
                    "original_source",
                ]
            ].to_string(index=False)
        )
    migrated[COLUMNS].to_csv(out_path, index=False, lineterminator="\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
