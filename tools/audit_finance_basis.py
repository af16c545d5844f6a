"""One-off audit of basis and scope in the curated finance panel (issue 19, item 1).

Kept for the record, like ``tools/migrate_finance_panel.py``; not part of the pipeline. It ran
once on the 244-row panel of main at 24ca6fa and

- adds ``basis_evidence`` (after ``basis``) and ``scope_evidence`` (after ``scope``), and keeps
  the values before the audit in ``basis_before_audit`` / ``scope_before_audit`` (blank on
  rows the audit added), so the counts before and after are computed from the data;
- gives every row an evidenced basis: the source's words (``quote:"..."``, text in quotation
  marks in the stored notes or title), the curator's stored note (``notes:"..."``), a national
  rule of ``finance_basis_rules.csv`` (``rule:<rule_id>``) or, for amounts of support, the
  stage itself (``stage:<stage>``, basis ``not_applicable``); ``unknown`` where none applies;
- audits scope: QOC 2023/24 "-£130m" (BBC) becomes the trust figure it is; rows whose notes say
  the footprint is ambiguous become ``unknown``; every remaining whole-system full-year figure
  names its evidence (a quote, a note, a fact of the same page, or ``curator:`` when the
  stored copy holds no words on the footprint);
- adds four cited rows where the same source states the position before support.

Run from the repository root: ``python tools/audit_finance_basis.py``. It refuses to run twice.
"""

from __future__ import annotations

import csv
from pathlib import Path

PANEL = Path("data/raw/curated/ics_finance_panel.csv")
EXPECTED_ROWS = 244

SUPPORT_STAGES = {"deficit_support", "deficit_support_withheld"}
PLAN_STAGES = {"draft_plan", "final_plan"}

#: Basis evidence by CSV line (the pre-audit file): (basis, evidence).
QUOTED: dict[int, tuple[str, str]] = {
    60: ("after_support", 'notes:"balanced position relied on non-recurrent support"'),
    100: ("after_support", 'notes:"£228.6m deficit before £80m NHSE funding"'),
    101: ("after_support", 'notes:"£228.6m without £80m NHS funding"'),
    142: ("before_support", 'notes:"excludes deficit support"'),
    146: ("after_support", 'notes:"after receipt of £50m deficit funding"'),
    177: ("after_support", 'notes:"after £90m support package and £13m other allocations"'),
    180: ("after_support", 'notes:"£354.8m before these items"'),
    196: ("after_support", 'notes:"balanced after any deficit support funding"'),
    197: ("after_support", 'notes:"balanced after any deficit support funding"'),
    198: ("after_support", 'notes:"balanced after any deficit support funding"'),
    205: ("after_support", 'notes:"includes expected loss of £49.3m deficit support funding"'),
    206: ("after_support", 'notes:"£49.3m lost DSF"'),
    233: ("after_support", 'quote:"partly through some non-recurrent technical benefits"'),
    236: ("before_support", 'notes:"BEFORE deficit support"'),
    237: (
        "after_support",
        'quote:"That was adjusted to breakeven after NHS England provided Deficit Allocation '
        'Funding of £96m."',
    ),
    240: ("after_support", 'quote:"£49.3m of the deficit related to lost deficit support funding"'),
    245: ("after_support", 'notes:"Breakeven = the plan after £96m deficit allocation funding"'),
}
#: Rows whose stored notes say the footprint is not known (ICB or system): scope unknown.
SCOPE_UNKNOWN: dict[int, str] = {
    56: 'notes:"ICB also reported"',
    104: 'notes:"means the ICB alone or the whole system"',
    234: 'notes:"Footprint ambiguous"',
    235: 'notes:"Footprint ambiguous (ICB vs system)"',
    241: 'notes:"Footprint not explicit (ICB vs system)"',
    242: 'notes:"Footprint not explicit (ICB vs system)"',
    243: 'notes:"Footprint not explicit (ICB vs system)"',
    244: 'notes:"Footprint not explicit (ICB vs system)"',
}
SATH_NOTE = (
    "Issue 19 scope audit: a trust figure, not the system's. The same-day Shropshire Star "
    "(Mark Andrews, 'Hospital trust reveals £130 million hole in finances', 2024-01-23, "
    "https://www.shropshirestar.com/news/local-hubs/telford/2024/01/23/"
    "hospital-trust-reveals-130-million-hole-in-finances/) gives the same path for "
    "Shrewsbury and Telford Hospital NHS Trust: forecast deficit £57.1m, £106.9m within nine "
    "months, an overspend of nearly £130m by year-end (stored copy). "
)
#: Scope evidence of whole-system full-year rows by source URL (the words are in that page's
#: stored notes or title, checked by the validator), else by line.
SCOPE_BY_URL: dict[str, str] = {
    "https://lowdownnhs.info/news/full-ics-survey-results-for-england/": 'title:"ICS survey"',
    "https://lowdownnhs.info/news/midlands/": 'title:"ICS survey"',
    "https://lowdownnhs.info/analysis/londons-icbs-launch-in-cash-crisis/": (
        "fact:nat_2223_london_icss_combined_initial"
    ),
    "https://www.hsj.co.uk/quality-and-performance/nhse-rejects-unacceptable-ics-deficit/"
    "7034152.article": 'notes:"ICB + all provider trusts combined"',
    "https://www.hsj.co.uk/finance-and-efficiency/third-of-icss-fail-to-set-balanced-budgets/"
    "7034836.article": 'title:"ICSs"',
    "https://lowdownnhs.info/icbs/north-west-icb-roundup/": 'notes:"component of system plan"',
    "https://www.hsj.co.uk/south-yorkshire-ics/ics-sets-balanced-budget-to-avoid-nhs-england-"
    "sanctions/7034779.article": 'title:"ICS sets balanced budget"',
    "https://feeds.bbci.co.uk/news/articles/c4nn59n4yw4o": 'notes:"BBC: £228.6m"',
    "https://cumbriacrack.com/2024/05/20/nhs-bodies-in-south-cumbria-and-lancashire-report-"
    "deficit-of-nearly-150-million": 'notes:"provider component"',
    "https://lowdownnhs.info/analysis/south-east-icb-roundup": 'notes:"provider component"',
    "https://lowdownnhs.info/icb-watch/north-west-icb-roundup": 'notes:"provider component"',
    "https://lowdownnhs.info/regional-ics/midlands": 'notes:"conflicts with system plan"',
    "https://myconnect.swbh.nhs.uk/?p=57810": 'quote:"collective NHS deficit position"',
    "https://www.hsj.co.uk/finance-and-efficiency/icb-sanctioned-for-failing-to-stop-trusts-"
    "over-recruitment/7037630.article": 'quote:"Black Country Integrated Care System"',
    "https://www.parallelparliament.co.uk/question/51302/nhs-trusts-finance": (
        'notes:"balanced after any deficit support funding"'
    ),
    "https://www.yourthurrock.com/?p=156759": 'quote:"nationally negotiated and agreed plan"',
    "https://www.hsj.co.uk/daily-insight/daily-insight-a-simple-secondment/7037132.article": (
        'quote:"the system ended the year"'
    ),
    "https://spaldingvoice.co.uk/?p=273187": 'notes:"ICB only"',
    "https://lowdownnhs.info/analysis/as-we-head-towards-icss-lets-not-pronounce-the-death-"
    "of-the-nhs/": 'title:"ICSs"',
    "https://expressandstar.com/news/local-hubs/dudley/2024/07/01/black-country-health-bosses-"
    "seeking-national-funding-to-balance-the-books": 'quote:"Bosses from ICS submitted a plan"',
    "https://www.healthcare-management.uk/most-financially-challenged-icb-warns-difficult-"
    "decisions": 'notes:"£354.8m before these items"',
    "https://www.shropshirestar.com/news/health/2025/05/02/shropshire-and-telford-nhs-bodys-"
    "real-terms-deficit-hit-115m-meeting-told/": 'notes:"after £90m support package"',
}
SCOPE_BY_URL[
    "https://www.worksopguardian.co.uk/news/people/notts-nhs-organisation-targets-waste-to-"
    "avoid-frontline-cuts-4818371"
] = 'notes:"Nottinghamshire ICB per article"'
SCOPE_BY_URL["https://lowdownnhs.info/analysis/london-icb-roundup"] = 'notes:"ICB component"'
SCOPE_BY_URL["https://lowdownnhs.info/icbs/north-west-icb-roundup"] = 'notes:"ICB component"'
#: ICB or provider rows whose notes do not open with their footprint.
OWN_SCOPE_WORDS: dict[int, str] = {232: 'notes:"Nottinghamshire ICB per article"'}
CURATOR = 'curator:"whole system as curated; the stored copy has no words on the footprint"'


def rules() -> list[dict[str, str]]:
    """The national basis rules (``finance_basis_rules.csv``)."""
    with open(PANEL.with_name("finance_basis_rules.csv"), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def rule_for(row: dict[str, str], deficit_plans: set[tuple[str, str]]) -> str:
    """The id of the one national rule whose conditions the row meets, or ''."""
    hits = []
    for rule in rules():
        value = float(row["value_gbp_m"])
        if (
            row["financial_year"] == rule["financial_year"]
            and row["stage"] in rule["stages"].split()
            and (not rule["as_at_from"] or row["as_at_date"] >= rule["as_at_from"])
            and (not rule["as_at_to"] or row["as_at_date"] <= rule["as_at_to"])
            and (not rule["value_min"] or value >= float(rule["value_min"]))
            and (not rule["value_max"] or value <= float(rule["value_max"]))
            and (
                rule["requires_deficit_final_plan"] == "no"
                or (row["icb_code"], row["financial_year"]) in deficit_plans
            )
        ):
            hits.append(rule["rule_id"])
    if len(hits) > 1:
        raise SystemExit(f"row {row} meets several rules {hits}")
    return hits[0] if hits else ""


def added_rows(by_line: dict[int, dict[str, str]]) -> list[dict[str, str]]:
    """Rows stating the position before support, from the same sources (stored notes)."""

    def underlying(line: int, value: str, notes: str, evidence: str) -> dict[str, str]:
        row = dict(by_line[line])
        row.update(
            value_gbp_m=value,
            basis="before_support",
            basis_evidence=evidence,
            notes=notes + " Added by the issue 19 basis audit from the same source.",
            basis_before_audit="",
            scope_before_audit="",
        )
        return row

    return [
        underlying(
            100,
            "-228.6",
            "Position before support: £228.6m deficit before £80m NHSE funding (the -148.6 "
            "outturn of this page is after it).",
            'notes:"£228.6m deficit before £80m NHSE funding"',
        ),
        underlying(
            101,
            "-228.6",
            "Position before support: BBC: £228.6m without £80m NHS funding (the -148.6 "
            "outturn of this page is after it); source_date approximate (page undated in "
            "stored copy; inferred from context).",
            'notes:"£228.6m without £80m NHS funding"',
        ),
        underlying(
            177,
            "-115",
            'Position before support: "in real terms" -£115m, before the £90m support package '
            "and £13m other allocations (the -12 outturn of this page is after them).",
            'quote:"in real terms"',
        ),
        underlying(
            180,
            "-354.8",
            "Position before support: £354.8m before these items (the £175m deficit support "
            "and £50m winter surge funding of this page; the -129.8 outturn is after them); "
            "source_date approximate (page undated in stored copy; inferred from context).",
            'notes:"£354.8m before these items"',
        ),
    ]


def main() -> None:
    """Audit the panel in place (see the module docstring)."""
    with open(PANEL, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    if "basis_evidence" in header or len(rows) != EXPECTED_ROWS:
        raise SystemExit("the panel is not the pre-audit panel; the audit runs once")
    by_line = {index + 2: row for index, row in enumerate(rows)}
    deficit_plans = {
        (row["icb_code"], row["financial_year"])
        for row in rows
        if row["stage"] == "final_plan"
        and row["scope"] == "system"
        and float(row["value_gbp_m"]) < 0
    }
    for line, row in by_line.items():
        row["basis_before_audit"], row["scope_before_audit"] = row["basis"], row["scope"]
        if row["stage"] in SUPPORT_STAGES:
            basis, evidence = "not_applicable", f"stage:{row['stage']}"
        elif line in QUOTED:
            basis, evidence = QUOTED[line]
        elif rule := rule_for(row, deficit_plans):
            basis, evidence = (
                next(r["basis"] for r in rules() if r["rule_id"] == rule),
                f"rule:{rule}",
            )
        else:
            basis, evidence = "unknown", ""
        row["basis"], row["basis_evidence"] = basis, evidence
        row["scope_evidence"] = ""
        if line == 97:
            row["scope"] = "trust"
            row["scope_evidence"] = (
                'notes:"gives the same path for Shrewsbury and Telford Hospital NHS Trust"'
            )
            row["notes"] = SATH_NOTE + row["notes"]
        elif line in SCOPE_UNKNOWN:
            row["scope"] = "unknown"
            row["scope_evidence"] = SCOPE_UNKNOWN[line]
        elif row["scope"] in ("icb", "trusts"):
            row["scope_evidence"] = OWN_SCOPE_WORDS.get(line) or (
                f'notes:"{row["notes"].split(";")[0]}"' if row["notes"] else ""
            )
        elif row["stage"] in ("outturn", "forecast", "final_plan", "draft_plan"):
            row["scope_evidence"] = SCOPE_BY_URL.get(row["source_url"], CURATOR)
    out = [*rows, *added_rows(by_line)]
    columns = list(header)
    columns.insert(columns.index("basis") + 1, "basis_evidence")
    columns.insert(columns.index("scope") + 1, "scope_evidence")
    columns += ["basis_before_audit", "scope_before_audit"]
    with open(PANEL, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(out)


if __name__ == "__main__":
    main()
