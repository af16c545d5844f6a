"""The claims check: published, quantitative claims about ICS finances set against the data.

``data/raw/curated/claims.csv`` holds one row per claim: its text, the numbers it states as
``key=value`` pairs (``claimed_numbers``, e.g. ``deficit_plans=31; planned_deficit_gbp_m=2200``)
and the public page that makes it. :func:`load_claims` validates the file and names every bad
row by its CSV line (the header is line 1).

Each claim has one small function (``check_c01`` ...) that computes what the project's own data
say - the processed tables, the curated fact tables and the monthly A&E file - and returns a
:class:`ClaimCheck`: the evidence in words with the computed numbers, the numbers themselves
and a verdict. A claim is split into parts; each part is tested and gets one status:

- ``match``: the data agree with the part, by the rules below;
- ``mismatch``: the data disagree;
- ``untestable``: the project's data cannot test the part (it says so, and why).

Verdict rules (one claim, from the statuses of its parts):

- **supported**: every part was tested and every part matches;
- **contradicted**: at least one part was tested and every tested part mismatches;
- **partly supported**: at least one part matches, and another part mismatches or could not
  be tested;
- **not testable with these data**: no part could be tested.

Matching rules (set in ``params.yaml``, passed as :class:`Rules`):

- a count of systems or ICBs matches only if it is equal (no tolerance);
- an amount of money matches if it lies within ``about_tolerance_pct`` per cent of the data's
  figure (press claims round: "about £3bn", "£750m");
- a percentage matches if it lies within ``pct_point_tolerance`` percentage points;
- "several" means at least ``several_min``.

Independence: a claim is never tested against its own source. Curated rows whose
``source_url`` is the claim's own page (compared without scheme, ``www.``, query or trailing
slash) are left out, and the evidence says when they were the only figures available. Where
the curated sources disagree with each other, an amount or count matches if it agrees with at
least one independent source; the evidence lists all of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import curated
from helpers.errors import DataError
from helpers.finance import as_at_month
from helpers.paths import CURATED_DIR, PROCESSED_DIR

CLAIMS_FILE: Path = CURATED_DIR / "claims.csv"
CLAIM_COLUMNS: list[str] = [
    "claim_id",
    "claim",
    "claimed_numbers",
    *curated.SOURCE_COLUMNS,
    "source_check",
    "source_note",
]
CLAIM_ID = re.compile(r"^C\d{2}[a-z]?$")
NUMBER_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
SOURCE_CHECKS: frozenset[str] = frozenset({"confirmed", "partly confirmed", "not confirmed"})

MATCH, MISMATCH, UNTESTABLE = "match", "mismatch", "untestable"
SUPPORTED = "supported"
PARTLY = "partly supported"
CONTRADICTED = "contradicted"
NOT_TESTABLE = "not testable with these data"
VERDICTS: tuple[str, ...] = (SUPPORTED, PARTLY, CONTRADICTED, NOT_TESTABLE)
STATUS_LABEL: dict[str, str] = {
    MATCH: "matches",
    MISMATCH: "does not match",
    UNTESTABLE: "not testable",
}

# Curated national facts used as evidence, keyed by their exact ``fact`` text.
FACT_DEFICIT_PLANS_2223 = "Systems that started the year with deficit plans"
FACT_DEFICIT_PLANS_2223_HSJ = (
    "ICSs submitting deficit plans (HSJ; four named: Devon, Shropshire, Nottinghamshire, "
    "Herefordshire and Worcestershire)"
)
FACT_OVERSPENT_2223 = "Systems that overspent compared with plans"
FACT_FORECAST_OVERSPEND_2223 = "ICSs forecast to overspend vs plan (NHSE March 2023 board)"
FACT_FAILED_PLAN_2223 = "ICBs failing to achieve financial plan (per NHSE overview)"
FACT_DEFICIT_PLANS_2324 = [
    "ICSs forecasting deficits in final plans",
    "ICBs submitting deficit plans (Lowdown count; conflicts with NHSE 14)",
]
FACT_PLANNED_DEFICIT_2324 = [
    "Combined planned deficit of those ICSs",
    "Planned aggregate ICS deficit (NAO via HFMA; conflicts with £650m)",
]
FACT_REVISED_PLANS_2324 = "Combined ICS deficit at start of April 2023 planning round (roughly)"
FACT_OUTTURN_2324 = "Aggregated deficit across the 42 ICSs"
FACT_EXTRA_FUNDING_2324 = "Total additional funding injected into system allocations by M10"
FACT_DEFICIT_PLANS_2425 = "Systems with a deficit plan (final plans 12 June 2024)"
FACT_PLANNED_DEFICIT_2425 = "Total planned system overspend (covered by NHSE)"

# Leadership facts used as evidence, keyed by the start of their ``fact`` text.
LEAD_ALL_WHITE_BOARD = "only trust (among those with >1/5 BME workforce"
LEAD_BME_CHAIRS_2020 = "system chairs from a BME background"
LEAD_STABLE_SIX_MONTHS = "share of STPs/ICSs whose leadership was stable in the previous six months"
LEAD_TRUST_CEO_TENURE = "median tenure of a trust chief executive"
LEAD_TWO_LEADS = "systems with at least two executive leads since 2016"
LEAD_ICB_CEO_DESIGNATES = "ICB CEO designates identified as from an ethnic minority background"
NUMBER_WORDS: dict[str, int] = {
    word: number
    for number, word in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    )
}


@dataclass(frozen=True)
class Rules:
    """How claimed numbers are compared with the data (values come from ``params.yaml``)."""

    about_tolerance_pct: float = 10.0
    pct_point_tolerance: float = 0.5
    several_min: int = 3
    debt_system: str = "QOC"
    debt_allocation_year: str = "2024/25"
    ae_month: str = "2024-03"


@dataclass(frozen=True)
class Claim:
    """One row of ``claims.csv``: id, text, claimed numbers and the claim's own source."""

    claim_id: str
    text: str
    numbers: dict[str, float]
    source_url: str

    def number(self, key: str) -> float:
        """A claimed number by key; DataError names the claim if it is missing."""
        if key not in self.numbers:
            raise DataError(f"claim {self.claim_id}: claimed_numbers lacks '{key}'")
        return self.numbers[key]


@dataclass(frozen=True)
class Part:
    """One tested part of a claim: what it says, its status and the evidence in words."""

    name: str
    status: str
    detail: str


@dataclass(frozen=True)
class ClaimCheck:
    """What the project's data say about one claim."""

    claim_id: str
    verdict: str
    evidence: str
    numbers: dict[str, float | int | str]
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class ClaimInputs:
    """The tables the checks read (processed tables, curated facts, England A&E by month)."""

    icb_year: pd.DataFrame
    icb_lookup: pd.DataFrame
    finance_positions: pd.DataFrame
    national_facts: pd.DataFrame
    legacy_debt: pd.DataFrame
    leadership_facts: pd.DataFrame
    ae_england: pd.DataFrame = field(default_factory=pd.DataFrame)


# --------------------------------------------------------------------------------------------
# claims.csv: parse and validate


def parse_claimed_numbers(text: str) -> dict[str, float]:
    """Parse ``'a=1; b_gbp_m=2.5'`` into ``{'a': 1.0, 'b_gbp_m': 2.5}``; ValueError if malformed."""
    numbers: dict[str, float] = {}
    for item in text.split(";"):
        key, sep, value = item.strip().partition("=")
        key = key.strip()
        if not sep or not NUMBER_KEY.match(key) or key in numbers:
            raise ValueError(f"bad item {item.strip()!r}")
        numbers[key] = float(value.strip())
    if not numbers:
        raise ValueError("no numbers")
    return numbers


def _parses(text: str) -> bool:
    try:
        parse_claimed_numbers(text)
    except ValueError:
        return False
    return True


def validate_claims(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Check the claims file row by row; raise DataError naming each bad CSV line and column."""

    def problem(mask: pd.Series, what: str) -> str | None:
        lines = [int(line) for line in frame.loc[mask, "source_line"]]
        return f"{path}: {what} on line(s) {lines}" if lines else None

    duplicated = frame["claim_id"].duplicated(keep=False) & (frame["claim_id"] != "")
    problems = [
        problem(~frame["claim_id"].str.match(CLAIM_ID), "claim_id not like 'C01' or 'C09a'"),
        problem(duplicated, "claim_id repeated"),
        problem(frame["claim"] == "", "claim text is empty"),
        problem(
            ~frame["source_url"].str.match(r"^https?://\S+$"), "source_url missing or not a URL"
        ),
        problem(frame["source_publisher"] == "", "source_publisher is empty"),
        problem(
            ~frame["claimed_numbers"].map(_parses),
            "claimed_numbers not like 'key=number; key=number'",
        ),
        problem(
            ~frame["source_check"].isin(SOURCE_CHECKS),
            f"source_check not one of {sorted(SOURCE_CHECKS)}",
        ),
    ]
    found = [text for text in problems if text]
    if found:
        raise DataError("claims failed validation:\n  " + "\n  ".join(found))
    return frame


def load_claims(path: Path = CLAIMS_FILE) -> pd.DataFrame:
    """Read and validate ``claims.csv`` (text columns, plus ``source_line``)."""
    return validate_claims(curated.read_curated(path, CLAIM_COLUMNS), path)


def claim_from_row(row: pd.Series) -> Claim:
    """A :class:`Claim` from one validated row of the claims table."""
    return Claim(
        claim_id=str(row["claim_id"]),
        text=str(row["claim"]),
        numbers=parse_claimed_numbers(str(row["claimed_numbers"])),
        source_url=str(row["source_url"]),
    )


# --------------------------------------------------------------------------------------------
# inputs


def england_ae_by_month(ae_icb: pd.DataFrame, ae_trust: pd.DataFrame | None = None) -> pd.DataFrame:
    """England A&E 4-hour performance per month, attendance-weighted over the ICB file.

    Columns: ``month`` ('2024-03'), ``attendances``, ``over_4h``, ``pct_within_4h``
    (100 x (1 - over_4h / attendances)), ``n_icbs`` and ``n_trusts_without_4h``: trusts in the
    trust file with attendances but no 4-hour breach count that month (the 2022-23 field-test
    trusts, whose attendances the ICB file counts with no breaches, inflating the percentage).
    """
    months = ae_icb["date"].dt.strftime("%Y-%m")
    grouped = ae_icb.assign(month=months).groupby("month", sort=True)
    table = grouped.agg(
        attendances=("total_attendances", "sum"),
        over_4h=("attendances_over_4hours", "sum"),
        n_icbs=("icb22_code", "nunique"),
    ).reset_index()
    table["pct_within_4h"] = 100.0 * (1.0 - table["over_4h"] / table["attendances"])
    table["n_trusts_without_4h"] = 0
    if ae_trust is not None:
        missing = ae_trust[ae_trust["attendances_over_4hours"].isna()]
        counts = missing.groupby(missing["date"].dt.strftime("%Y-%m"))["nhs_trust22_code"].nunique()
        table["n_trusts_without_4h"] = table["month"].map(counts).fillna(0).astype(int)
    return table


def load_inputs(processed_dir: Path = PROCESSED_DIR) -> ClaimInputs:
    """Read every input of the checks: processed tables, curated facts and the A&E files."""
    from helpers.readers import healthyr
    from helpers.schemas import read_table

    lookup = read_table("icb_lookup.parquet", processed_dir)
    codes = set(lookup["icb_code"])
    debt_path = CURATED_DIR / "legacy_debt.csv"
    debt = curated.validate_cited_facts(
        curated.read_curated(debt_path, curated.LEGACY_DEBT_COLUMNS),
        debt_path,
        "value_gbp_m",
        codes,
    )
    lead_path = CURATED_DIR / "leadership_facts.csv"
    leadership = curated.validate_cited_facts(
        curated.read_curated(lead_path, curated.LEADERSHIP_COLUMNS), lead_path, "value"
    )
    ae = england_ae_by_month(
        healthyr.load("icb_accidents_emergency"), healthyr.load("trust_accidents_emergency")
    )
    return ClaimInputs(
        icb_year=read_table("icb_year.parquet", processed_dir),
        icb_lookup=lookup,
        finance_positions=read_table("finance_positions.parquet", processed_dir),
        national_facts=read_table("national_facts.parquet", processed_dir),
        legacy_debt=debt,
        leadership_facts=leadership,
        ae_england=ae,
    )


# --------------------------------------------------------------------------------------------
# comparison helpers


def same_source(first: str, second: str) -> bool:
    """True when two URLs name the same page (ignoring scheme, ``www.``, query, trailing /)."""

    def norm(url: str) -> str:
        url = re.sub(r"^https?://", "", url.strip().lower())
        url = re.sub(r"^www\.", "", url)
        return url.split("?")[0].split("#")[0].rstrip("/")

    return norm(first) == norm(second)


def independent(rows: pd.DataFrame, claim: Claim) -> pd.DataFrame:
    """``rows`` without those whose ``source_url`` is the claim's own source."""
    own = rows["source_url"].map(lambda url: same_source(str(url), claim.source_url))
    return rows.loc[~own]


def own_rows(rows: pd.DataFrame, claim: Claim) -> pd.DataFrame:
    """``rows`` whose ``source_url`` is the claim's own source."""
    own = rows["source_url"].map(lambda url: same_source(str(url), claim.source_url))
    return rows.loc[own]


def facts(inputs: ClaimInputs, year: str, names: str | Iterable[str]) -> pd.DataFrame:
    """National facts of ``year`` whose ``fact`` text is one of ``names`` (exact match)."""
    wanted = [names] if isinstance(names, str) else list(names)
    table = inputs.national_facts
    return table[(table["financial_year"] == year) & table["fact"].isin(wanted)]


def leadership(inputs: ClaimInputs, prefix: str) -> pd.DataFrame:
    """Leadership facts whose ``fact`` text starts with ``prefix``."""
    table = inputs.leadership_facts
    return table[table["fact"].str.startswith(prefix)]


def gbp(value: float) -> str:
    """£ million as text: '£2,200m'."""
    return f"£{value:,.0f}m"


def cited(rows: pd.DataFrame, value_column: str = "value", unit: str = "") -> str:
    """'14 (HSJ, 2023-05); 15 (The Lowdown, 2023-08)' for the rows' values and sources."""
    items = []
    for _, row in rows.iterrows():
        value = row[value_column]
        shown = gbp(value) if unit == "gbp" else f"{value:g}{unit}"
        items.append(f"{shown} ({row['source_publisher']}, {row['source_date']})")
    return "; ".join(items)


def amount_matches(claimed: float, observed: float, rules: Rules) -> bool:
    """An amount matches within ``about_tolerance_pct`` per cent of the observed figure."""
    return abs(claimed - observed) <= rules.about_tolerance_pct / 100.0 * abs(observed)


def compare_counts(claimed: float, rows: pd.DataFrame, what: str) -> Part:
    """A count part: matches if equal to at least one independent source's value."""
    if rows.empty:
        return Part(what, UNTESTABLE, "no independent count in the project's data")
    values = rows["value"].astype(float)
    status = MATCH if (values == claimed).any() else MISMATCH
    return Part(what, status, f"claimed {claimed:g}; independent sources: {cited(rows)}")


def compare_amounts(claimed: float, rows: pd.DataFrame, what: str, rules: Rules) -> Part:
    """An amount part: matches if within tolerance of at least one independent source."""
    if rows.empty:
        return Part(what, UNTESTABLE, "no independent figure in the project's data")
    values = rows["value"].astype(float)
    status = MATCH if any(amount_matches(claimed, v, rules) for v in values) else MISMATCH
    return Part(
        what,
        status,
        f"claimed {gbp(claimed)}; independent sources: {cited(rows, unit='gbp')} "
        f"(tolerance {rules.about_tolerance_pct:g}%)",
    )


def own_source_only(rows: pd.DataFrame, what: str, value_column: str = "value") -> Part:
    """An untestable part whose only figures come from the claim's own source."""
    if rows.empty:
        return Part(what, UNTESTABLE, "no figure in the project's data")
    lines = ", ".join(str(line) for line in rows["source_line"])
    values = ", ".join(f"{value:g}" for value in rows[value_column].dropna())
    shown = f" ({values})" if values else ""
    return Part(
        what,
        UNTESTABLE,
        f"the only figure in the project's data is the claim's own source{shown}, "
        f"curated line(s) {lines}: it agrees by construction",
    )


def verdict_of(parts: Iterable[Part]) -> str:
    """The claim's verdict from its parts' statuses (rules in the module docstring)."""
    statuses = [part.status for part in parts]
    tested = [status for status in statuses if status != UNTESTABLE]
    if not tested:
        return NOT_TESTABLE
    if all(status == MATCH for status in statuses):
        return SUPPORTED
    if all(status == MISMATCH for status in tested):
        return CONTRADICTED
    return PARTLY


def make_check(
    claim: Claim, parts: list[Part], numbers: dict[str, float | int | str]
) -> ClaimCheck:
    """Assemble a :class:`ClaimCheck` with its verdict and evidence text."""
    evidence = " | ".join(
        f"{part.name}: {STATUS_LABEL[part.status]} ({part.detail})" for part in parts
    )
    return ClaimCheck(claim.claim_id, verdict_of(parts), evidence, numbers, tuple(parts))


def _words_to_int(text: str) -> int | None:
    return int(text) if text.isdigit() else NUMBER_WORDS.get(text.lower())


# --------------------------------------------------------------------------------------------
# one function per claim


def check_c01(claim: Claim, inputs: ClaimInputs, rules: Rules) -> ClaimCheck:
    """2022/23: break-even expected; several systems had initial deficits above £100m."""
    threshold = claim.number("initial_deficit_above_gbp_m")
    positions = independent(inputs.finance_positions, claim)
    drafts = positions[
        (positions["financial_year"] == "2022/23")
        & (positions["measure"] == "plan_draft")
        & (positions["scope"] == "system")
    ]
    deepest = drafts.groupby("icb_code")["value_gbp_m"].min().sort_values()
    above = deepest[deepest < -threshold]
    names = drafts.drop_duplicates("icb_code").set_index("icb_code")["system_name"]
    listed = ", ".join(f"{names[code]} {gbp(-value)}" for code, value in above.items())
    if deepest.empty:
        second = Part(f"several initial deficits above {gbp(threshold)}", UNTESTABLE, "no drafts")
    else:
        second = Part(
            f"several initial deficits above {gbp(threshold)}",
            MATCH if len(above) >= rules.several_min else MISMATCH,
            f"{len(above)} of the {deepest.size} systems with a 2022/23 draft plan in the curated "
            f"panel had a draft deficit deeper than {gbp(threshold)}: {listed}; "
            f"'several' read as at least {rules.several_min}",
        )
    parts = [
        Part(
            "NHS England expected every system to break even",
            UNTESTABLE,
            "a policy expectation, not a figure in the project's data",
        ),
        second,
    ]
    numbers: dict[str, float | int | str] = {
        "n_systems_with_draft": int(deepest.size),
        "n_drafts_above_threshold": len(above),
        "largest_draft_deficit_gbp_m": float(-deepest.iloc[0]) if len(deepest) else np.nan,
    }
    return make_check(claim, parts, numbers)


def check_c02(claim: Claim, inputs: ClaimInputs, rules: Rules) -> ClaimCheck:
    """2022/23: five deficit plans at the start; the number in deficit later rose by nine.

    Systems overspending against plan at year-end (or forecast to) are all in deficit: those
    with balanced plans by definition, those with deficit plans a fortiori. So the count in
    deficit is at least the larger of the overspend count and the deficit-plan count, and the
    rise is at least that lower bound minus the deficit-plan count. A claimed rise below the
    bound mismatches, equal to it matches, above it cannot be tested.
    """
    plans = independent(
        facts(inputs, "2022/23", [FACT_DEFICIT_PLANS_2223, FACT_DEFICIT_PLANS_2223_HSJ]), claim
    )
    first = compare_counts(claim.number("deficit_plans"), plans, "five deficit plans")
    overspent = independent(
        facts(inputs, "2022/23", [FACT_OVERSPENT_2223, FACT_FORECAST_OVERSPEND_2223]), claim
    )
    numbers: dict[str, float | int | str] = {}
    if plans.empty or overspent.empty:
        second = Part("the number in deficit rose by nine", UNTESTABLE, "no counts in the data")
    else:
        n_plans = int(plans["value"].min())
        in_deficit = max(int(overspent["value"].max()), n_plans)
        rise_bound = in_deficit - n_plans
        claimed_rise = claim.number("rise")
        status = (
            MISMATCH
            if claimed_rise < rise_bound
            else MATCH
            if claimed_rise == rise_bound
            else UNTESTABLE
        )
        second = Part(
            "the number in deficit rose by nine",
            status,
            f"{cited(overspent)} systems overspent (or were forecast to overspend) against "
            f"plan, so at least {in_deficit} were in deficit against {n_plans} deficit plans: "
            f"a rise of at least {rise_bound}, against the claimed {claimed_rise:g}",
        )
        numbers = {"n_deficit_plans": n_plans, "n_in_deficit_min": in_deficit}
        numbers["rise_min"] = rise_bound
    return make_check(claim, [first, second], numbers)


def check_c03(claim: Claim, inputs: ClaimInputs, rules: Rules) -> ClaimCheck:
    """2022/23: sixteen of 42 ICBs failed to break even."""
    rows = independent(
        facts(inputs, "2022/23", [FACT_OVERSPENT_2223, FACT_FAILED_PLAN_2223]), claim
    )
    part = compare_counts(claim.number("icbs_failed"), rows, "sixteen of 42 failed")
    if part.status != UNTESTABLE:
        plans = facts(inputs, "2022/23", FACT_DEFICIT_PLANS_2223)
        n_plans = int(plans["value"].iloc[0]) if len(plans) else 0
        upper = int(rows["value"].max()) + n_plans
        part = Part(
            part.name,
            part.status,
            part.detail + f"; these count systems that overspent against plan: with {n_plans} "
            f"deficit plans, between {int(rows['value'].max())} and {upper} systems ended "
            "the year in deficit",
        )
    numbers: dict[str, float | int | str] = {
        "n_overspent": int(rows["value"].max()) if len(rows) else np.nan
    }
    return make_check(claim, [part], numbers)


def check_c04(claim: Claim, inputs: ClaimInputs, rules: Rules) -> ClaimCheck:
    """2023/24: fifteen deficit plans adding up to £750m; revised plans about £3bn."""
    counts = independent(facts(inputs, "2023/24", FACT_DEFICIT_PLANS_2324), claim)
    amounts = independent(facts(inputs, "2023/24", FACT_PLANNED_DEFICIT_2324), claim)
    revised = independent(facts(inputs, "2023/24", FACT_REVISED_PLANS_2324), claim)
    parts = [
        compare_counts(claim.number("deficit_plans"), counts, "fifteen deficit plans"),
        compare_amounts(
            claim.number("planned_deficit_gbp_m"), amounts, "plans adding up to £750m", rules
        ),
        compare_amounts(
            claim.number("revised_plans_gbp_m"), revised, "revised plans about £3bn", rules
        ),
    ]
    if parts[2].status == MATCH:
        parts[2] = Part(
            parts[2].name,
            MATCH,
            parts[2].detail + "; the £3bn is the late-April 2023 total, before the final plans",
        )
    numbers: dict[str, float | int | str] = {
        "n_deficit_plans_independent": int(counts["value"].min()) if len(counts) else np.nan,
        "planned_deficit_low_gbp_m": float(amounts["value"].min()) if len(amounts) else np.nan,
        "planned_deficit_high_gbp_m": float(amounts["value"].max()) if len(amounts) else np.nan,
    }
    return make_check(claim, parts, numbers)


def check_c05(claim: Claim, inputs: ClaimInputs, rules: Rules) -> ClaimCheck:
    """2023/24: £340m adrift at month 2, suggesting a £2.75bn annual deficit.

    The annual figure is compared with the underlying year-end deficit: the reported outturn
    plus the extra funding injected into system allocations during the year (without which
    the outturn would have been that much worse).
    """
    table = independent(inputs.national_facts, claim)
    in_year = table[(table["financial_year"] == "2023/24") & table["as_at"].str.match(r"^M\d")]
    at_m2 = in_year[in_year["as_at"] == "M2"]
    nearest = in_year.assign(month=as_at_month(in_year["as_at"])).sort_values("month").head(3)
    first = Part(
        "£340m adrift at month 2",
        UNTESTABLE,
        "the curated facts hold no month-2 2023/24 figure; the earliest in-year figures are "
        + "; ".join(
            f"{row['as_at']}: {gbp(row['value'])} ({row['fact']})" for _, row in nearest.iterrows()
        ),
    )
    if not at_m2.empty:
        first = compare_amounts(claim.number("ytd_m2_gbp_m"), at_m2, first.name, rules)
    outturn = independent(facts(inputs, "2023/24", FACT_OUTTURN_2324), claim)
    extra = independent(facts(inputs, "2023/24", FACT_EXTRA_FUNDING_2324), claim)
    plans = independent(facts(inputs, "2023/24", FACT_PLANNED_DEFICIT_2324), claim)
    numbers: dict[str, float | int | str] = {}
    if outturn.empty or extra.empty:
        second = Part("a £2.75bn annual deficit", UNTESTABLE, "no outturn and funding figures")
    else:
        reported = float(outturn["value"].iloc[0])
        support = float(extra["value"].iloc[0])
        underlying = reported + support
        claimed = claim.number("annual_deficit_gbp_m")
        run_rate = claim.number("ytd_m2_gbp_m") * 6
        plan_text = ""
        if len(plans):
            low, high = run_rate + plans["value"].min(), run_rate + plans["value"].max()
            plan_text = (
                f"; the claimed £340m x 6 = {gbp(run_rate)} plus the {gbp(plans['value'].min())}"
                f"-{gbp(plans['value'].max())} planned deficit gives {gbp(low)}-{gbp(high)}"
            )
        second = Part(
            "a £2.75bn annual deficit",
            MATCH if amount_matches(claimed, underlying, rules) else MISMATCH,
            f"reported year-end deficit {gbp(reported)} plus {gbp(support)} of extra in-year "
            f"funding = {gbp(underlying)} underlying, against the claimed {gbp(claimed)} "
            f"(tolerance {rules.about_tolerance_pct:g}%){plan_text}",
        )
        numbers = {
            "reported_deficit_gbp_m": reported,
            "extra_funding_gbp_m": support,
            "underlying_deficit_gbp_m": underlying,
            "underlying_deficit_text": f"£{underlying / 1000:.1f}bn",
        }
    return make_check(claim, [first, second], numbers)


def check_c06(claim: Claim, inputs: ClaimInputs, rules: Rules) -> ClaimCheck:
    """2024/25: 31 of 42 systems planned deficits totalling £2.2bn."""
    counts = independent(facts(inputs, "2024/25", FACT_DEFICIT_PLANS_2425), claim)
    amounts = independent(facts(inputs, "2024/25", FACT_PLANNED_DEFICIT_2425), claim)
    parts = [
        compare_counts(claim.number("deficit_plans"), counts, "31 deficit plans"),
        compare_amounts(claim.number("planned_deficit_gbp_m"), amounts, "totalling £2.2bn", rules),
    ]
    positions = inputs.finance_positions
    plans = positions[
        (positions["financial_year"] == "2024/25")
        & (positions["measure"] == "plan")
        & (positions["scope"] == "system")
    ]
    latest = plans.sort_values("source_line").groupby("icb_code")["value_gbp_m"].last()
    n_deficit = int((latest < 0).sum())
    parts[0] = Part(
        parts[0].name,
        parts[0].status,
        parts[0].detail + f"; in the curated panel {n_deficit} of the {latest.size} systems "
        "with a 2024/25 plan planned a deficit",
    )
    numbers: dict[str, float | int | str] = {
        "n_panel_plans": int(latest.size),
        "n_panel_deficit_plans": n_deficit,
    }
    return make_check(claim, parts, numbers)


def check_c07(claim: Claim, inputs: ClaimInputs, rules: Rules) -> ClaimCheck:
    """Historic debt: £4bn, 30 repaying, 10 over £200m; the smallest system owes a third."""
    debt = inputs.legacy_debt
    england = debt[
        debt["system_name"].str.startswith("England - all systems")
        & ~debt["measure"].str.startswith(("RULE", "CONTEXT"))
    ]
    total = england[england["measure"].str.contains("total outstanding", case=False)]
    repaying = england[england["measure"].str.contains("paying money back", case=False)]
    over_200 = england[england["measure"].str.contains("more than £200m", case=False)]
    system_rows = debt[
        (debt["icb_code"] == rules.debt_system) & ~debt["measure"].str.startswith("CONTEXT")
    ]
    own_system = own_rows(system_rows, claim)
    parts = [
        _debt_part(total, claim, "over £4bn outstanding", claim.number("total_debt_gbp_m"), rules),
        _debt_part(repaying, claim, "30 systems repaying", claim.number("systems_repaying"), rules),
        _debt_part(
            over_200,
            claim,
            "10 systems owing more than £200m",
            claim.number("systems_over_200m"),
            rules,
        ),
        own_source_only(own_system, "owes about £300m", "value_gbp_m"),
    ]
    panel = inputs.icb_year[inputs.icb_year["financial_year"] == rules.debt_allocation_year]
    names = inputs.icb_lookup.set_index("icb_code")["icb_name"]
    numbers: dict[str, float | int | str] = {}
    if panel["population"].notna().sum() == 0:
        parts.append(Part("the smallest of the 42 systems", UNTESTABLE, "no population"))
        parts.append(Part("more than a third of its allocation", UNTESTABLE, "no allocation"))
        return make_check(claim, parts, numbers)
    ordered = panel.dropna(subset=["population"]).sort_values("population")
    smallest, runner_up = ordered.iloc[0], ordered.iloc[1]
    parts.append(
        Part(
            "the smallest of the 42 systems",
            MATCH if smallest["icb_code"] == rules.debt_system else MISMATCH,
            f"smallest population in {rules.debt_allocation_year} of {len(ordered)} ICBs: "
            f"{names.get(smallest['icb_code'], smallest['icb_code'])} "
            f"({smallest['population'] / 1e6:.2f}m); next "
            f"{names.get(runner_up['icb_code'], runner_up['icb_code'])} "
            f"({runner_up['population'] / 1e6:.2f}m)",
        )
    )
    system = inputs.icb_year[inputs.icb_year["icb_code"] == rules.debt_system].set_index(
        "financial_year"
    )
    claimed_debt = claim.number("system_debt_gbp_m")
    shares = 100 * claimed_debt / system["core_allocation_gbp_m"]
    share = float(shares.get(rules.debt_allocation_year, np.nan))
    allocation = float(system["core_allocation_gbp_m"].get(rules.debt_allocation_year, np.nan))
    above = claim.number("share_of_allocation_above_pct")
    others = ", ".join(f"{share_value:.1f}% in {year}" for year, share_value in shares.items())
    parts.append(
        Part(
            "more than a third of its annual allocation",
            UNTESTABLE if np.isnan(share) else MATCH if share > above else MISMATCH,
            f"{gbp(claimed_debt)} is {share:.1f}% of its {rules.debt_allocation_year} core "
            f"allocation ({gbp(allocation)}); "
            f"by year: {others}; a wider allocation (with primary care and specialised services) "
            "would give a smaller share",
        )
    )
    numbers = {
        "smallest_icb": str(smallest["icb_code"]),
        "smallest_icb_name": str(names.get(smallest["icb_code"], smallest["icb_code"])),
        "debt_share_allocation_pct": round(share, 1),
        "debt_share_max_pct": round(float(shares.max()), 1),
        "allocation_year": rules.debt_allocation_year,
    }
    return make_check(claim, parts, numbers)


def _debt_part(rows: pd.DataFrame, claim: Claim, what: str, claimed: float, rules: Rules) -> Part:
    """A legacy-debt part: tested only against rows from another source.

    Amount rows carry ``value_gbp_m``; count rows give the count in the ``measure`` text
    ('... = 30 (count, not GBP)').
    """
    others = independent(rows, claim)
    if others.empty:
        return own_source_only(own_rows(rows, claim), what, "value_gbp_m")
    counts = pd.to_numeric(
        others["measure"].str.extract(r"=\s*(\d+)\s*\(count", expand=False), errors="coerce"
    )
    values = others["value_gbp_m"].where(others["value_gbp_m"].notna(), counts)
    return (
        compare_amounts(claimed, others.assign(value=values), what, rules)
        if others["value_gbp_m"].notna().any()
        else compare_counts(claimed, others.assign(value=values), what)
    )


def check_c08(claim: Claim, inputs: ClaimInputs, rules: Rules) -> ClaimCheck:
    """A&E: a 76% four-hour target for March 2024, missed with 74.2%."""
    target = claim.number("target_pct")
    achieved = claim.number("achieved_pct")
    month = inputs.ae_england[inputs.ae_england["month"] == rules.ae_month]
    parts = [
        Part(
            "the mandate targeted 76% by March 2024",
            UNTESTABLE,
            "a target set by government and NHS England, not a figure in the project's data",
        )
    ]
    if month.empty:
        parts += [
            Part("74.2% were seen within 4 hours", UNTESTABLE, f"no A&E data for {rules.ae_month}"),
            Part("the target was missed", UNTESTABLE, f"no A&E data for {rules.ae_month}"),
        ]
        return make_check(claim, parts, {})
    row = month.iloc[0]
    pct = float(row["pct_within_4h"])
    caveat = (
        f"; {int(row['n_trusts_without_4h'])} trust(s) reported no 4-hour breaches that month, "
        "which inflates the figure"
        if row["n_trusts_without_4h"] > 0
        else "; no trust lacked 4-hour data that month (the field test had ended)"
    )
    detail = (
        f"England {pct:.1f}% within 4 hours in {rules.ae_month}: "
        f"{row['attendances'] - row['over_4h']:,.0f} of {row['attendances']:,.0f} attendances, "
        f"all A&E types, summed over {int(row['n_icbs'])} ICBs{caveat}"
    )
    parts += [
        Part(
            "74.2% were seen within 4 hours",
            MATCH if abs(pct - achieved) <= rules.pct_point_tolerance else MISMATCH,
            detail + f"; claimed {achieved:g}% (tolerance {rules.pct_point_tolerance:g} points)",
        ),
        Part(
            "the target was missed",
            MATCH if pct < target else MISMATCH,
            f"{pct:.1f}% is {target - pct:.1f} points short of {target:g}%",
        ),
    ]
    numbers: dict[str, float | int | str] = {
        "england_pct": round(pct, 1),
        "gap_to_target_pp": round(target - pct, 1),
        "attendances": int(row["attendances"]),
        "month": rules.ae_month,
    }
    return make_check(claim, parts, numbers)


def check_c09a(claim: Claim, inputs: ClaimInputs, rules: Rules) -> ClaimCheck:
    """Boards: one trust's entire board white (21% ethnic-minority staff); most diverse 52%."""
    board = leadership(inputs, LEAD_ALL_WHITE_BOARD)
    others = independent(board, claim)
    first = (
        own_source_only(own_rows(board, claim), "one trust's entire board was white")
        if others.empty
        else compare_counts(claim.number("all_white_boards"), others, "one all-white board")
    )
    no_series = (
        "the project's data hold no trust-level workforce ethnicity series (leadership_facts.csv "
        "has national WRES shares and a few named trusts; the staff survey gives respondents, "
        "not staff in post, by ICB)"
    )
    parts = [
        first,
        Part("21% of that trust's workforce from ethnic minorities", UNTESTABLE, no_series),
        Part("the most diverse trust workforce was 52%", UNTESTABLE, no_series),
    ]
    return make_check(claim, parts, {})


def check_c09b(claim: Claim, inputs: ClaimInputs, rules: Rules) -> ClaimCheck:
    """STP/ICS chairs and executive leads: one person from an ethnic minority (summer 2019)."""
    chairs = independent(leadership(inputs, LEAD_BME_CHAIRS_2020), claim)
    claimed = claim.number("ethnic_minority_chairs_and_leads")
    numbers: dict[str, float | int | str] = {}
    first = Part("chairs", UNTESTABLE, "no independent count of chairs in 2019")
    for _, row in chairs.iterrows():
        found = re.search(r"up from (\w+) in summer 2019", row["fact"])
        count = _words_to_int(found.group(1)) if found else None
        if count is None:
            continue
        first = Part(
            "chairs",
            MATCH if count <= claimed else MISMATCH,
            f"{row['source_publisher']} ({row['source_date']}) counts {count} chair(s) from a "
            f"BME background in summer 2019 and {row['value']:g} in {row['year']}: consistent "
            f"with at most {claimed:g} among chairs and leads together",
        )
        numbers = {"bme_chairs_2019": count, "bme_chairs_2020": int(row["value"])}
    designates = leadership(inputs, LEAD_ICB_CEO_DESIGNATES)
    later = (
        f"; later, {int(designates['value'].iloc[0])} of the 42 ICB chief executive designates "
        f"({designates['year'].iloc[0]}) was from an ethnic minority"
        if len(designates)
        else ""
    )
    second = Part(
        "executive leads",
        UNTESTABLE,
        "the project's data hold no independent 2019 count of executive leads by ethnicity" + later,
    )
    return make_check(claim, [first, second], numbers)


def check_c10(claim: Claim, inputs: ClaimInputs, rules: Rules) -> ClaimCheck:
    """STP/ICS leader turnover high since 2016 (29 of 42 systems had two or more leads).

    "High" is tested against trust chief executives, turning each figure into an annual
    chance of a change of leader under a constant rate: systems stable over six months with
    share s change at 1 - s^2 a year; a median tenure of T years gives 1 - 0.5^(1/T).
    """
    two_leads = leadership(inputs, LEAD_TWO_LEADS)
    first = own_source_only(
        own_rows(two_leads, claim), "29 of 42 systems (70%) had at least two leads"
    )
    share = claim.number("systems_two_leads") / claim.number("systems_total") * 100
    first = Part(first.name, first.status, first.detail + f"; 29 / 42 = {share:.1f}%")
    stable = independent(leadership(inputs, LEAD_STABLE_SIX_MONTHS), claim)
    tenure = independent(leadership(inputs, LEAD_TRUST_CEO_TENURE), claim)
    numbers: dict[str, float | int | str] = {}
    if stable.empty or tenure.empty:
        second = Part("turnover is high", UNTESTABLE, "no independent turnover comparison")
    else:
        stable_share = float(stable["value"].iloc[0]) / 100
        years = float(tenure["value"].iloc[0])
        system_rate = 100 * (1 - stable_share**2)
        trust_rate = 100 * (1 - 0.5 ** (1 / years))
        second = Part(
            "turnover is high (above trust chief executives')",
            MATCH if system_rate > trust_rate else MISMATCH,
            f"{100 * stable_share:.0f}% of STPs/ICSs had stable leadership over six months "
            f"({stable['source_publisher'].iloc[0]}, {stable['year'].iloc[0]}): about "
            f"{system_rate:.0f}% change leader a year; a median trust chief executive tenure "
            f"of {years:g} years ({tenure['source_publisher'].iloc[0]}, {tenure['year'].iloc[0]}) "
            f"means about {trust_rate:.0f}% a year (constant-rate assumption)",
        )
        numbers = {
            "system_change_pct_a_year": round(system_rate, 0),
            "trust_ceo_change_pct_a_year": round(trust_rate, 0),
        }
    return make_check(claim, [first, second], numbers)


CHECKS: dict[str, Callable[[Claim, ClaimInputs, Rules], ClaimCheck]] = {
    "C01": check_c01,
    "C02": check_c02,
    "C03": check_c03,
    "C04": check_c04,
    "C05": check_c05,
    "C06": check_c06,
    "C07": check_c07,
    "C08": check_c08,
    "C09a": check_c09a,
    "C09b": check_c09b,
    "C10": check_c10,
}


# --------------------------------------------------------------------------------------------
# the table and the report's numbers


def check_all(claims: pd.DataFrame, inputs: ClaimInputs, rules: Rules) -> list[ClaimCheck]:
    """Run the check of every claim in ``claims``; DataError if a claim has no check."""
    missing = sorted(set(claims["claim_id"]) - set(CHECKS))
    if missing:
        raise DataError(f"claims.csv: no check function for claim(s) {missing}")
    return [
        CHECKS[row["claim_id"]](claim_from_row(row), inputs, rules) for _, row in claims.iterrows()
    ]


def _parts_summary(parts: tuple[Part, ...]) -> str:
    counts = {status: sum(part.status == status for part in parts) for status in STATUS_LABEL}
    return (
        f"{len(parts)} parts: {counts[MATCH]} match, {counts[MISMATCH]} do not, "
        f"{counts[UNTESTABLE]} not testable"
    )


def checks_table(claims: pd.DataFrame, checks: list[ClaimCheck]) -> pd.DataFrame:
    """The ``claims_check`` table: one row per claim with verdict, evidence and source."""
    by_id = {check.claim_id: check for check in checks}
    rows = []
    for _, claim in claims.iterrows():
        check = by_id[claim["claim_id"]]
        rows.append(
            {
                "claim_id": check.claim_id,
                "claim": claim["claim"],
                "verdict": check.verdict,
                "parts": _parts_summary(check.parts),
                "evidence": check.evidence,
                "source": (
                    f"{claim['source_publisher']}, {claim['source_title']} ({claim['source_date']})"
                ),
                "source_url": claim["source_url"],
                "source_check": claim["source_check"],
            }
        )
    return pd.DataFrame(rows)


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table as shown in the report: claim, verdict, evidence and source, by claim id."""
    shown = table.set_index("claim_id")[["claim", "verdict", "evidence", "source"]]
    return shown.rename(columns=str.capitalize).rename_axis("Claim")


def verdict_counts(checks: list[ClaimCheck]) -> pd.Series:
    """Claims per verdict, in the order of :data:`VERDICTS`."""
    return (
        pd.Series([check.verdict for check in checks])
        .value_counts()
        .reindex(list(VERDICTS), fill_value=0)
    )


def report_numbers(checks: list[ClaimCheck]) -> dict[str, float | int | str]:
    """Numbers for the report: verdict counts and each check's numbers, keys ``claims_*``."""
    counts = verdict_counts(checks)
    numbers: dict[str, float | int | str] = {
        "claims_n": len(checks),
        "claims_n_supported": int(counts[SUPPORTED]),
        "claims_n_partly_supported": int(counts[PARTLY]),
        "claims_n_contradicted": int(counts[CONTRADICTED]),
        "claims_n_not_testable": int(counts[NOT_TESTABLE]),
    }
    for check in checks:
        prefix = f"claims_{check.claim_id.lower()}"
        numbers[f"{prefix}_verdict"] = check.verdict
        for key, value in check.numbers.items():
            if isinstance(value, float):
                if np.isnan(value):
                    continue
                value = int(value) if value.is_integer() else round(value, 1)
            numbers[f"{prefix}_{key}"] = value
    return numbers
