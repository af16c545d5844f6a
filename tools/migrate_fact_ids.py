# ruff: noqa: E501, SIM905
"""One-off, checked migration of the curated fact tables to stable ids and numeric values.

Run once (``python tools/migrate_fact_ids.py``) on the tables as they were at commit 636fc44;
it rewrites, in ``data/raw/curated/``:

- ``ics_finance_national.csv``: adds ``fact_id``; splits ``unit`` ('£m (approx., lower bound)')
  into the base ``unit`` and ``precision`` (exact | approximate | lower_bound |
  approximate_lower_bound); adds ``as_at_date`` (YYYY-MM, the month the figure describes) and
  ``original_source`` (the document a row reports; the row's own URL when it reports itself);
- ``legacy_debt.csv``: adds ``fact_id`` and ``kind`` (debt | context | rule, from the RULE /
  CONTEXT prefix of ``measure``); replaces ``value_gbp_m`` by ``value`` + ``unit``, reading the
  two counts the source gave only in the text ("= 30 (count, not GBP)") from
  :data:`DEBT_COUNTS`, each checked against the text; adds ``original_source``;
- ``leadership_facts.csv``: adds ``fact_id`` and ``original_source``;
- ``national_timeline.csv``: replaces the ``fact`` text by the fact's ``fact_id``.

Every check below must pass before anything is written: row counts, every original column
kept verbatim (the unit and value_gbp_m columns are rebuilt from the new columns and compared),
unique ids, valid dates. Nothing is parsed from prose at run time after this: the loaders read
the new columns.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CURATED = ROOT / "data" / "raw" / "curated"
STOP = set(
    (
        "a an the of to in on at by for and or vs with from those that this these its their is "
        "are was were be been as per after before than more less over under up off if"
    ).split()
)
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
#: (financial_year, as_at) -> YYYY-MM where the as_at text names no month, M or Q token.
AS_AT_DATES: dict[tuple[str, str], str] = {
    ("2022/23", "final plans"): "2022-06",  # final 2022/23 plans were due in June 2022
    ("2022/23", "final plans (mid-2022)"): "2022-06",
    ("2022/23", "spring 2022 drafts"): "2022-04",
    ("2022/23", "2022/23 plans"): "2022-06",
    ("2023/24", "draft plans"): "2023-03",
    ("2023/24", "plans"): "2023-05",  # final 2023/24 plans, May 2023
    ("2023/24", "2024"): "2024-07",  # as published (NAO report, July 2024)
    ("2024/25", "final plans"): "2024-06",  # final plans received 12 June 2024
    ("2024/25", "autumn 2024"): "2024-10",
    ("2024/25", "early 2025"): "2025-02",
    ("2025/26", "initial plans"): "2025-03",  # Mackey letter of 6 March 2025
    ("2025/26", "plans"): "2025-04",  # revised plans of 30 April 2025
}
NHSE_MAY_2023 = "NHS England board, 18 May 2023: financial performance update (2022/23 year-end)"
NAO_JULY_2024 = "National Audit Office: NHS financial management and sustainability (July 2024)"
#: source_url -> the document the row reports, where it is not the page itself.
ORIGINAL_SOURCES: dict[str, str] = {
    # HFMA reports Julian Kelly's paper to the NHS England board of Thursday 18 May 2023.
    "https://hfma.org.uk/articles/systems-finish-year-ps534m-combined-overspend": NHSE_MAY_2023,
    # The Lowdown cites "the latest NHS England overview" (June 2023): the same paper.
    "https://lowdownnhs.info/news/midlands-icbs-face-brutal-year-ahead/": NHSE_MAY_2023,
    "https://nhsfunding.info/integrated-care/icb-financial-squeeze-set-to-tighten": (
        "NHS England board, March 2023: financial performance update"
    ),
    "https://nhsfunding.info/integrated-care/new-money-insufficient-to-stop-deficits-and-cuts": (
        "HSJ, June 2022 (article not identified): ICBs' combined financial gap"
    ),
    "https://lowdownnhs.info/news/icbs-plunge-further-from-savings-targets": (
        "NHS England board, October 2023: financial performance update"
    ),
    "https://healthcareleadernews.com/news/damning-verdict-on-icb-finances-in-latest-nao-report": (
        NAO_JULY_2024
    ),
    "https://publications.parliament.uk/pa/cm5901/cmselect/cmpubacc/350/report.html": NAO_JULY_2024,
    "https://www.hfma.org.uk/articles/financial-recovery-support-difficult-times": NAO_JULY_2024,
    "https://newsio.com/2023/12/12/local-nhs-bodies-on-track-to-spend-4-9bn-more-than-planned-exclusive-data-shows-2": (
        "https://news.sky.com/video/local-nhs-bodies-on-track-to-spend-4-9bn-more-than-planned-exclusive-data-shows-13028368"
    ),
    "https://healthcareleadernews.com/news/over-30-icss-set-to-be-in-deficit-this-year": (
        "https://england.nhs.uk/long-read/financial-performance-update-3"
    ),
    # Julian Kelly's oral update at the same board meeting: not independent of its paper.
    "https://www.hsj.co.uk/finance-and-efficiency/eleven-icss-warned-of-significant-concern-about-overspending/7037550.article": (
        "https://england.nhs.uk/long-read/financial-performance-update-3"
    ),
    "https://r.sugem.io/r/nhsstaff/comments/1jqct31/another_hsj_paywall_ask_please": (
        "HSJ, April 2025: Last minute ICS bailouts fuel distrust with NHSE"
    ),
    "https://nhsproviders.org/resources/what-do-trusts-need-to-help-them-to-deliver-the-202526-financial-reset": (
        "https://nhsproviders.org/resources/what-do-trusts-need-to-help-them-to-deliver-the-202526-financial-reset"
    ),
    # Distilled Post reports NHS England's quarter-3 2025/26 system forecasts and its month-9
    # review of deficit support (13 systems without support in quarter 4).
    "https://www.distilledpost.com/post/the-ps460-million-shock-why-nhs-englands-finance-strategy-is-entering-dangerous-territory": (
        "https://www.england.nhs.uk/long-read/month-9-financial-position-2025-26"
    ),
    "https://www.distilledpost.com/post/the-ps400m-warning-are-integrated-care-boards-delivering-value-or-just-overheads": (
        "NHS England: quarter 3 2025/26 system forecast outturns"
    ),
    # Leadership facts that report another document.
    "https://www.kingsfund.org.uk/insight-and-analysis/blogs/2023-nhs-workforce-race-equality-standard-here-we-go-again": (
        "NHS England: Workforce Race Equality Standard 2023 data analysis report"
    ),
    "https://healthbusinessuk.net/news/19032024/report-shows-nhs-execs-are-more-diverse-ever": (
        "NHS England: Workforce Race Equality Standard 2023 data analysis report"
    ),
    "https://www.kingsfund.org.uk/press/press-releases/nhs-trusts-face-worryingly-high-levels-senior-vacancies": (
        "The King's Fund and NHS Providers: Leadership in today's NHS: delivering the impossible (2018)"
    ),
    "https://www.hsjjobs.com/article/revealed-the-ethnically-diverse-trusts-with-all-white-leadership/": (
        "HSJ: Revealed: The ethnically diverse trusts with all-white leadership (2022)"
    ),
    "https://www.hsjjobs.com/article/revealed-60pc-of-trusts-have-a-first-time-ceo/": (
        "HSJ: Revealed: 60pc of trusts have a 'first-time' CEO (2023)"
    ),
    "https://www.hsjjobs.com/article/revealed-ceo-and-exec-turnover-at-each-acute-trust/": (
        "HSJ: Revealed: CEO and exec turnover at each acute trust (2022)"
    ),
}
#: legacy_debt.csv counts given only in the measure text: line -> (value, unit).
DEBT_COUNTS: dict[int, tuple[str, str]] = {4: ("30", "systems"), 5: ("10", "systems")}
#: legacy_debt.csv ids, by CSV line (the header is line 1).
DEBT_IDS: dict[int, str] = {
    2: "debt_qoc_outstanding_2024",
    3: "debt_england_total_outstanding_2024",
    4: "debt_england_systems_repaying_2024",
    5: "debt_england_systems_over_200m_2024",
    6: "debt_larger_systems_annual_repayment_2024",
    7: "debt_clawback_max_cut_per_ics_2024",
    8: "debt_qoc_shropshire_ccg_2019",
    9: "debt_qoc_shropshire_ccg_2018_19",
    10: "debt_qgh_herefordshire_worcestershire_ccg_2022",
    11: "debt_rule_icb_opening_positions_2022",
    12: "debt_context_planned_overspend_2024_25",
    13: "debt_rule_capital_for_deficit_plans_2024_25",
    14: "debt_context_qoc_real_terms_deficit_2024_25",
    15: "debt_context_qoc_underlying_deficit_2025_26",
}
PRECISION = {
    "": "exact",
    "approx.": "approximate",
    "lower bound": "lower_bound",
    "approx., lower bound": "approximate_lower_bound",
}
PRECISION_TEXT = {value: key for key, value in PRECISION.items()}


def slug(text: str, n_words: int) -> str:
    """The first ``n_words`` content words of ``text`` (brackets dropped), joined by '_'."""
    text = re.sub(r"\(.*?\)", " ", text)
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP]
    return "_".join(words[:n_words])


def unique_ids(bases: list[str], tie_breaks: list[list[str]]) -> list[str]:
    """Make ids unique by appending tie-break slugs, in order, to the repeated ones only."""
    ids = list(bases)
    for level in range(len(tie_breaks[0]) if tie_breaks else 0):
        seen: dict[str, int] = {}
        for value in ids:
            seen[value] = seen.get(value, 0) + 1
        ids = [
            f"{value}_{tie_breaks[index][level]}" if seen[value] > 1 else value
            for index, value in enumerate(ids)
        ]
    assert len(set(ids)) == len(ids), [i for i in ids if ids.count(i) > 1]
    return ids


def as_at_date(year: str, as_at: str) -> str:
    """The month a national figure describes (YYYY-MM): M/Q tokens, month names, overrides."""
    start = int(year[:4])
    months = re.findall(r"\bM(\d{1,2})\b", as_at)
    if months:
        month = 3 + int(months[-1])
        return f"{start + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}"
    quarter = re.search(r"\bQ([1-4])\b", as_at)
    named = re.search(r"\b([A-Za-z]+)\s+(20\d{2})\b", as_at)
    if named and named.group(1).lower() in MONTHS:
        return f"{named.group(2)}-{MONTHS[named.group(1).lower()]:02d}"
    if quarter:
        month = 3 + 3 * int(quarter.group(1))
        return f"{start + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}"
    if as_at.startswith("year-end"):
        return f"{start + 1}-03"
    return AS_AT_DATES[(year, as_at)]


def read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (CURATED / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write(name: str, columns: list[str], rows: list[dict[str, str]]) -> None:
    with (CURATED / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def original(url: str) -> str:
    return ORIGINAL_SOURCES.get(url, url)


def migrate_national(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    bases = [
        f"nat_{r['financial_year'][2:4]}{r['financial_year'][5:7]}_{slug(r['fact'], 4)}"
        for r in rows
    ]
    ties = [[slug(r["as_at"], 2), slug(r["source_publisher"], 1)] for r in rows]
    ids = unique_ids(bases, ties)
    out = []
    for fact_id, row in zip(ids, rows, strict=True):
        match = re.fullmatch(r"(.*?)\s*(?:\((.*)\))?", row["unit"])
        assert match, row["unit"]
        base, qualifier = match.group(1), match.group(2) or ""
        new = {"fact_id": fact_id, **row}
        new["unit"] = base
        new["precision"] = PRECISION[qualifier]
        new["as_at_date"] = as_at_date(row["financial_year"], row["as_at"])
        new["original_source"] = original(row["source_url"])
        out.append(new)
    return out


def migrate_debt(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    out = []
    for line, row in enumerate(rows, start=2):
        kind = (
            "rule"
            if row["measure"].startswith("RULE")
            else "context"
            if row["measure"].startswith("CONTEXT")
            else "debt"
        )
        value, unit = row["value_gbp_m"], "£m" if row["value_gbp_m"] else ""
        if line in DEBT_COUNTS:
            value, unit = DEBT_COUNTS[line]
            assert f"= {value} (count" in row["measure"], (line, row["measure"])
        new = {"fact_id": DEBT_IDS[line], "kind": kind}
        new |= {key: item for key, item in row.items() if key != "value_gbp_m"}
        new["value"], new["unit"] = value, unit
        new["original_source"] = original(row["source_url"])
        out.append(new)
    return out


def migrate_leadership(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    bases = [f"lead_{slug(r['fact'], 5)}_{slug(r['year'], 3)}" for r in rows]
    ties = [[slug(r["org_code"] or r["org_name"], 3), slug(r["source_publisher"], 2)] for r in rows]
    ids = unique_ids(bases, ties)
    out = []
    for fact_id, row in zip(ids, rows, strict=True):
        out.append({"fact_id": fact_id, **row, "original_source": original(row["source_url"])})
    return out


def check_kept(old: list[dict[str, str]], new: list[dict[str, str]], skip: set[str]) -> None:
    """Every original column, except those rebuilt, is kept verbatim in every row."""
    assert len(old) == len(new), (len(old), len(new))
    for line, (before, after) in enumerate(zip(old, new, strict=True), start=2):
        for key, value in before.items():
            if key not in skip:
                assert after[key] == value, (line, key, value, after[key])


def main() -> int:
    columns, national = read("ics_finance_national.csv")
    if "fact_id" in columns:
        print("already migrated")
        return 0
    new_national = migrate_national(national)
    check_kept(national, new_national, {"unit"})
    for before, after in zip(national, new_national, strict=True):
        qualifier = PRECISION_TEXT[after["precision"]]
        rebuilt = after["unit"] + (f" ({qualifier})" if qualifier else "")
        assert rebuilt == before["unit"], (before["unit"], rebuilt)
        assert re.fullmatch(r"20\d{2}-(0[1-9]|1[0-2])", after["as_at_date"]), after
    _, debt = read("legacy_debt.csv")
    new_debt = migrate_debt(debt)
    check_kept(debt, new_debt, {"value_gbp_m"})
    for before, after in zip(debt, new_debt, strict=True):
        if before["value_gbp_m"]:
            assert after["value"] == before["value_gbp_m"] and after["unit"] == "£m"
    _, lead = read("leadership_facts.csv")
    new_lead = migrate_leadership(lead)
    check_kept(lead, new_lead, set())
    _, timeline = read("national_timeline.csv")
    by_text = {(r["financial_year"], r["fact"]): r["fact_id"] for r in new_national}
    new_timeline = []
    for row in timeline:
        fact_id = by_text[(row["financial_year"], row["fact"])]
        new_timeline.append(
            {key: (fact_id if key == "fact" else value) for key, value in row.items()}
        )
    all_ids = [r["fact_id"] for r in new_national + new_debt + new_lead]
    assert len(set(all_ids)) == len(all_ids), "fact ids repeat across tables"
    write(
        "ics_finance_national.csv",
        [
            "fact_id",
            "financial_year",
            "fact",
            "value",
            "unit",
            "precision",
            "as_at",
            "as_at_date",
            "source_publisher",
            "source_title",
            "source_date",
            "source_url",
            "original_source",
        ],
        new_national,
    )
    write(
        "legacy_debt.csv",
        [
            "fact_id",
            "kind",
            "system_name",
            "icb_code",
            "measure",
            "value",
            "unit",
            "as_at",
            "source_publisher",
            "source_title",
            "source_date",
            "source_url",
            "original_source",
        ],
        new_debt,
    )
    write("leadership_facts.csv", ["fact_id", *lead[0].keys(), "original_source"], new_lead)
    write(
        "national_timeline.csv",
        ["financial_year", "stage", "basis", "fact_id", "selection_note"],
        [{("fact_id" if k == "fact" else k): v for k, v in r.items()} for r in new_timeline],
    )
    print(
        f"migrated {len(new_national)} national, {len(new_debt)} debt, {len(new_lead)} leadership rows"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
