"""The claims check: a generic engine that tests each part of each published claim.

Claims are data. ``data/raw/curated/claims.csv`` holds one row per claim (text, date, the
page that makes it and the ``original_source`` that page reports); ``claim_parts.csv`` holds
one row per testable part: the claimed value and unit, the ``kind`` of test, the evidence (fact
ids of the curated fact tables, or a registered derivation with its ``arguments``), the
``comparator``, the ``tolerance``, the time window in which evidence counts and, for a part
that cannot be tested, the reason. Both load through :mod:`helpers.data.curated`; this module checks
every reference (fact id, derivation, argument) and names the CSV line and field of any bad one.

**Evidence.** A part names curated facts (each fact is one piece of evidence) or a derivation
from :data:`DERIVATIONS` (a small named function, each tested on its own, that computes a
figure from the processed tables or from facts: a share of allocation, a rank by population,
an England A&E percentage, a sum, a ratio...). Evidence is a range of possible values: a point
for an exact figure, ``[v, inf)`` for a lower bound ("over £1bn"), ``[a, b]`` for a bound
derived from partial coverage (a count among the systems the curated panel covers).

**Independence.** A fact counts as evidence only if its ``original_source`` (the document a
press row reports) differs from the claim's own ``original_source`` and its page differs from
the claim's page. A part whose only evidence traces to the claim's own source is not testable,
and its evidence says so. Facts a derivation uses as the claim's *own* inputs (e.g. the claimed
debt whose share of allocation is tested) are exempt: the test is of the relation, against
independent denominators.

**Time window.** ``window_months_before`` / ``window_months_after`` bound, relative to the
claim's date, the month a fact describes (``as_at_date``); facts outside are left out and named.

**Comparators** (evidence ``E`` against the claimed value ``C``, tolerance ``t``):
``equal`` (E = C), ``within`` (|E - C| <= t; for amounts ``t`` is a per cent of C),
``at_least`` (E >= C - t), ``at_most`` (E <= C + t), ``more_than`` (E > C), ``less_than``
(E < C). A blank tolerance takes the default for the part's kind from ``params.yaml``
(:class:`Rules`). Each piece of evidence *matches* if its whole range satisfies the comparator,
*fails* if none of it does, and is *inconclusive* otherwise.

**Part status**: ``match`` (every piece of independent evidence matches), ``mismatch`` (every
piece fails), ``inconclusive`` (the evidence straddles the claim, or independent sources
disagree), ``untestable`` (no independent evidence in the window, or a policy statement).

**Same denominator, same definition** (issue 19). A part may say what the source's figure is
a share or a measure of (``claim_definition``) and what its evidence is (``evidence_definition``,
or, for the allocation-share derivations, the ``allocation`` argument: core ->
``core_allocation``, total -> ``wider_allocation``). A share of an allocation must declare the
source's denominator. Where the two differ the part can neither match nor fail: it is
``untestable`` with the reason (the computed figure is shown for information), or
``inconclusive`` when the evidence is ``ambiguous`` (open to a reading that is the source's
definition and one that is not). Vocabulary: :data:`helpers.data.curated.CLAIM_DEFINITIONS`.

**Verdict** (from the statuses; inconclusive parts count as untested):

- *supported*: every part was tested and matches;
- *partly supported*: some parts match, the rest are untestable, none fails;
- *partly contradicted*: at least one tested part fails and at least one matches;
- *contradicted*: every tested part fails;
- *not testable*: no part could be tested.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from helpers.data import curated
from helpers.errors import DataError
from helpers.panel import variables
from helpers.panel.finance import readable
from helpers.paths import PROCESSED_DIR

MATCH, MISMATCH, INCONCLUSIVE, UNTESTABLE = "match", "mismatch", "inconclusive", "untestable"
STATUSES: tuple[str, ...] = (MATCH, MISMATCH, INCONCLUSIVE, UNTESTABLE)
STATUS_LABEL: dict[str, str] = {
    MATCH: "matches",
    MISMATCH: "fails",
    INCONCLUSIVE: "inconclusive",
    UNTESTABLE: "not testable",
}
SUPPORTED = "supported"
PARTLY_SUPPORTED = "partly supported"
PARTLY_CONTRADICTED = "partly contradicted"
CONTRADICTED = "contradicted"
NOT_TESTABLE = "not testable"
VERDICTS: tuple[str, ...] = (
    SUPPORTED,
    PARTLY_SUPPORTED,
    PARTLY_CONTRADICTED,
    CONTRADICTED,
    NOT_TESTABLE,
)
N_ICBS = 42
ALLOCATION_COLUMNS: dict[str, str] = {
    "core": "core_allocation_gbp_m",
    "total": "total_allocation_gbp_m",
}
ALLOCATION_WORDS: dict[str, str] = {
    "core": "core allocation",
    "total": "wider allocation (core, primary medical care, other primary care, running costs)",
}


@dataclass(frozen=True)
class Rules:
    """Default tolerances for a part whose ``tolerance`` is blank (from ``params.yaml``)."""

    about_tolerance_pct: float = 10.0
    pct_point_tolerance: float = 0.5

    def default_tolerance(self, kind: str) -> float:
        """Amounts: a per cent of the claimed value; percentages and shares: points; else 0."""
        if kind == "amount":
            return self.about_tolerance_pct
        if kind in ("percentage", "share"):
            return self.pct_point_tolerance
        return 0.0


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: a range of values, what it is, and where it comes from."""

    low: float
    high: float
    label: str
    original_sources: tuple[str, ...] = ()

    @property
    def is_point(self) -> bool:
        """True when the evidence is one value, not a range."""
        return self.low == self.high


@dataclass(frozen=True)
class ClaimContext:
    """What a derivation may need to know about the claim: id, date, own sources."""

    claim_id: str
    claim_date: str
    source_url: str
    original_source: str


@dataclass(frozen=True)
class ClaimInputs:
    """Every table the engine and the derivations read."""

    facts: pd.DataFrame
    icb_year: pd.DataFrame = field(default_factory=pd.DataFrame)
    icb_lookup: pd.DataFrame = field(default_factory=pd.DataFrame)
    finance_positions: pd.DataFrame = field(default_factory=pd.DataFrame)
    ae_icb: pd.DataFrame = field(default_factory=pd.DataFrame)
    ae_trust: pd.DataFrame = field(default_factory=pd.DataFrame)


class NotTestable(Exception):  # noqa: N818 - a reason, not an error
    """Raised by a derivation that cannot compute its figure; the message says why."""


@dataclass(frozen=True)
class PartResult:
    """The outcome of one claim part."""

    claim_id: str
    part: str
    statement: str
    claimed: str
    status: str
    evidence: str
    values: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class ClaimResult:
    """The verdict of one claim and its parts."""

    claim_id: str
    verdict: str
    parts: tuple[PartResult, ...]


# --------------------------------------------------------------------------------------------
# derivations: small named functions, referred to from claim_parts.csv by name

DerivationFunction = Callable[
    [ClaimInputs, ClaimContext, dict[str, list[pd.Series]], dict[str, str]], list[Evidence]
]


@dataclass(frozen=True)
class Derivation:
    """A registered derivation and the arguments it takes.

    ``evidence_facts``: arguments naming facts that are evidence (independence and the time
    window apply); ``input_facts``: arguments naming the claim's own figures (exempt);
    ``params`` / ``optional``: plain text arguments, required or not.
    """

    name: str
    function: DerivationFunction
    evidence_facts: tuple[str, ...] = ()
    input_facts: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    numbers: tuple[str, ...] = ()

    def argument_problems(self, arguments: dict[str, str]) -> list[str]:
        """What is wrong with the plain arguments: a value not among its choices (each
        space-separated token is checked), or not a number where one is expected."""
        problems = []
        for name, allowed in self.choices.items():
            bad = [token for token in arguments.get(name, "").split() if token not in allowed]
            if bad:
                problems.append(f"{name}={arguments[name]!r} not among {list(allowed)}")
        for name in self.numbers:
            if name in arguments:
                try:
                    float(arguments[name])
                except ValueError:
                    problems.append(f"{name}={arguments[name]!r} is not a number")
        return problems

    @property
    def fact_arguments(self) -> tuple[str, ...]:
        """Every argument whose value is a list of fact ids."""
        return self.evidence_facts + self.input_facts

    @property
    def arguments(self) -> tuple[str, ...]:
        """Every argument name the derivation accepts."""
        return self.fact_arguments + self.params + self.optional


DERIVATIONS: dict[str, Derivation] = {}


def register(
    name: str,
    *,
    evidence_facts: tuple[str, ...] = (),
    input_facts: tuple[str, ...] = (),
    params: tuple[str, ...] = (),
    optional: tuple[str, ...] = (),
    choices: dict[str, tuple[str, ...]] | None = None,
    numbers: tuple[str, ...] = (),
) -> Callable[[DerivationFunction], DerivationFunction]:
    """Decorator: add a derivation to :data:`DERIVATIONS` under ``name``."""

    def add(function: DerivationFunction) -> DerivationFunction:
        DERIVATIONS[name] = Derivation(
            name, function, evidence_facts, input_facts, params, optional, choices or {}, numbers
        )
        return function

    return add


def _fmt(value: float, unit: str) -> str:
    """A value with its unit for the evidence text: '£1,400m', '31.9%', '14 systems'."""
    if math.isinf(value):
        return "no upper limit"
    size = abs(value)
    shown = f"{size:,.1f}".removesuffix(".0") if not float(size).is_integer() else f"{size:,.0f}"
    sign = "\u2212" if value < 0 else ""
    if unit == "£m":
        return f"{sign}£{shown}m"
    shown = sign + shown
    if unit in ("%", "percent"):
        return f"{shown}%"
    return f"{shown} {unit}".strip()


def _cite(row: pd.Series) -> str:
    return f"{row['source_publisher']}, {row['source_date']}"


def _fact_value(row: pd.Series) -> float:
    value = float(row["value"])
    if np.isnan(value):
        raise NotTestable(f"fact {row['fact_id']} has no numeric value")
    return value


def _allocation_column(inputs: ClaimInputs, which: str) -> str:
    if which not in ALLOCATION_COLUMNS:
        raise DataError(f"allocation must be one of {sorted(ALLOCATION_COLUMNS)}, not {which!r}")
    column = ALLOCATION_COLUMNS[which]
    if column not in inputs.icb_year.columns:
        raise NotTestable(f"icb_year has no {column} (the {ALLOCATION_WORDS[which]})")
    return column


def _original_of(rows: pd.DataFrame) -> pd.Series:
    """Each row's original source: ``original_source`` where given, else its ``source_url``."""
    if "original_source" in rows.columns:
        given = rows["original_source"].fillna("").astype(str)
        return given.where(given != "", rows["source_url"].astype(str))
    return rows["source_url"].astype(str)


@register(
    "count_positions",
    params=("year", "measure", "below"),
    optional=("pick",),
    choices={"measure": tuple(sorted(curated.FINANCE_MEASURES)), "pick": ("latest", "deepest")},
    numbers=("below",),
)
def count_positions(
    inputs: ClaimInputs,
    claim: ClaimContext,
    facts: dict[str, list[pd.Series]],
    args: dict[str, str],
) -> list[Evidence]:
    """Systems whose curated position (``measure``, ``year``) is below ``below`` £m.

    One figure per system: its deepest (``pick=deepest``) or latest (default) whole-system row,
    leaving out rows that trace to the claim's own source. The panel covers some systems only,
    so the England count lies between the systems found below the threshold and that number
    plus the systems with no figure: the evidence is that range.
    """
    positions = inputs.finance_positions
    rows = positions[
        (positions["financial_year"] == args["year"])
        & (positions["measure"] == args["measure"])
        & (positions["scope"] == "system")
    ]
    own = _original_of(rows).map(lambda source: same_source(source, claim.original_source)) | rows[
        "source_url"
    ].map(lambda url: same_source(str(url), claim.source_url))
    rows = rows[~own]
    if rows.empty:
        raise NotTestable(
            f"no independent {readable(args['measure'])} rows for {args['year']} in the "
            "curated panel"
        )
    pick = args.get("pick", "latest")
    if pick not in ("latest", "deepest"):
        raise DataError(f"count_positions: pick must be 'latest' or 'deepest', not {pick!r}")
    ordered = rows.sort_values("source_line")
    values = (
        ordered.groupby("icb_code")["value_gbp_m"].min()
        if pick == "deepest"
        else ordered.groupby("icb_code")["value_gbp_m"].last()
    )
    threshold = float(args["below"])
    below = int((values < threshold).sum())
    missing = N_ICBS - int(values.size)
    label = (
        f"{below} of the {values.size} systems with an independent {args['year']} "
        f"{readable(args['measure'])} figure in the curated panel ({pick} figure) are below "
        f"{_fmt(threshold, '£m')}; {missing} systems have none, so between {below} and "
        f"{below + missing} of {N_ICBS}"
    )
    return [Evidence(below, below + missing, label, ("curated ICS finance panel",))]


@register(
    "population_rank",
    params=("icb", "year"),
    optional=("order",),
    choices={"order": ("ascending", "descending")},
)
def population_rank(
    inputs: ClaimInputs,
    claim: ClaimContext,
    facts: dict[str, list[pd.Series]],
    args: dict[str, str],
) -> list[Evidence]:
    """Rank of ``icb`` by registered population in ``year`` (1 = smallest; order=descending:
    1 = largest) among the ICBs with a population that year."""
    panel = inputs.icb_year[inputs.icb_year["financial_year"] == args["year"]]
    population = panel.set_index("icb_code")["population"].dropna()
    if args["icb"] not in population.index:
        raise NotTestable(f"no population for {args['icb']} in {args['year']}")
    ascending = args.get("order", "ascending") == "ascending"
    ranks = population.rank(ascending=ascending, method="min")
    rank = float(ranks[args["icb"]])
    ordered = population.sort_values(ascending=ascending)
    names = inputs.icb_lookup.set_index("icb_code")["icb_name"] if len(inputs.icb_lookup) else {}
    first, second = ordered.index[0], ordered.index[1]
    label = (
        f"{args['icb']} ranks {rank:.0f} of {population.size} ICBs by population in "
        f"{args['year']} ({'1 = smallest' if ascending else '1 = largest'}): "
        f"{names.get(first, first)} {ordered.iloc[0] / 1e6:.2f}m, next "
        f"{names.get(second, second)} {ordered.iloc[1] / 1e6:.2f}m"
    )
    return [Evidence(rank, rank, label, ("ICB registered populations (icb_year)",))]


@register(
    "share_of_allocation",
    input_facts=("amount",),
    params=("icb", "year", "allocation"),
    choices={"allocation": tuple(ALLOCATION_COLUMNS)},
)
def share_of_allocation(
    inputs: ClaimInputs,
    claim: ClaimContext,
    facts: dict[str, list[pd.Series]],
    args: dict[str, str],
) -> list[Evidence]:
    """100 x the ``amount`` fact (£m) / the ICB's ``allocation`` (core or total) in ``year``."""
    column = _allocation_column(inputs, args["allocation"])
    row = inputs.icb_year[
        (inputs.icb_year["icb_code"] == args["icb"])
        & (inputs.icb_year["financial_year"] == args["year"])
    ]
    if row.empty or pd.isna(row[column].iloc[0]):
        raise NotTestable(f"no {column} for {args['icb']} in {args['year']}")
    amount = sum(_fact_value(fact) for fact in facts["amount"])
    allocation = float(row[column].iloc[0])
    share = 100 * amount / allocation
    label = (
        f"{_fmt(amount, '£m')} is {share:.1f}% of {args['icb']}'s {args['year']} "
        f"{ALLOCATION_WORDS[args['allocation']]} of {_fmt(allocation, '£m')}"
    )
    return [Evidence(share, share, label, ("NHS England ICB allocations (icb_year)",))]


@register(
    "england_share_of_allocation",
    input_facts=("amount",),
    params=("year", "allocation"),
    optional=("months",),
    choices={"allocation": tuple(ALLOCATION_COLUMNS)},
    numbers=("months",),
)
def england_share_of_allocation(
    inputs: ClaimInputs,
    claim: ClaimContext,
    facts: dict[str, list[pd.Series]],
    args: dict[str, str],
) -> list[Evidence]:
    """100 x the ``amount`` fact / the 42 ICBs' ``allocation`` in ``year``, scaled to
    ``months``/12 of the year for a year-to-date amount (default 12)."""
    column = _allocation_column(inputs, args["allocation"])
    year = inputs.icb_year[inputs.icb_year["financial_year"] == args["year"]]
    present = year[column].dropna()
    if present.size != N_ICBS:
        raise NotTestable(
            f"{variables.label(column)} covers {present.size} of {N_ICBS} ICBs in {args['year']}"
        )
    months = int(args.get("months", "12"))
    allocation = float(present.sum()) * months / 12
    amount = sum(_fact_value(fact) for fact in facts["amount"])
    share = 100 * amount / allocation
    period = "" if months == 12 else f" ({months} of 12 months)"
    label = (
        f"{_fmt(amount, '£m')} is {share:.2f}% of the 42 ICBs' {args['year']} "
        f"{ALLOCATION_WORDS[args['allocation']]}{period}, {_fmt(allocation, '£m')}"
    )
    return [Evidence(share, share, label, ("NHS England ICB allocations (icb_year)",))]


def england_ae_by_month(frame: pd.DataFrame, code_column: str) -> pd.DataFrame:
    """England A&E 4-hour performance per month from rows by ICB or by trust.

    Columns: ``month`` ('2024-03'), ``attendances``, ``over_4h`` (rows with attendances but no
    4-hour count are left out of both and counted in ``n_without_4h``), ``pct_within_4h`` and
    ``n_units`` (ICBs or trusts with a 4-hour count).
    """
    rows = frame.assign(month=frame["date"].dt.strftime("%Y-%m"))
    has_4h = rows["attendances_over_4hours"].notna()
    counted = rows[has_4h].groupby("month", sort=True)
    table = counted.agg(
        attendances=("total_attendances", "sum"),
        over_4h=("attendances_over_4hours", "sum"),
        n_units=(code_column, "nunique"),
    )
    table["pct_within_4h"] = 100.0 * (1.0 - table["over_4h"] / table["attendances"])
    without = rows[~has_4h & rows["total_attendances"].gt(0)].groupby("month")[code_column]
    table["n_without_4h"] = without.nunique().reindex(table.index).fillna(0).astype(int)
    return table.reset_index()


@register("england_ae_4h", params=("month", "rows"), choices={"rows": ("icb", "trust")})
def england_ae_4h(
    inputs: ClaimInputs,
    claim: ClaimContext,
    facts: dict[str, list[pd.Series]],
    args: dict[str, str],
) -> list[Evidence]:
    """England % of A&E attendances (all types) within 4 hours in ``month``, summed over the
    ICB rows (``rows=icb``) and/or the trust rows (``rows=trust``; ``rows=icb trust`` gives
    both, one piece of evidence each) of the monthly A&E files."""
    sources = {
        "icb": (inputs.ae_icb, "icb22_code", "ICB"),
        "trust": (inputs.ae_trust, "nhs_trust22_code", "trust"),
    }
    evidence = []
    for which in args["rows"].split():
        if which not in sources:
            raise DataError(f"england_ae_4h: rows must be 'icb' and/or 'trust', not {which!r}")
        frame, code, units = sources[which]
        if frame.empty:
            raise NotTestable(f"no A&E rows by {which}")
        table = england_ae_by_month(frame, code)
        month = table[table["month"] == args["month"]]
        if month.empty:
            raise NotTestable(f"no A&E data by {which} for {args['month']}")
        row = month.iloc[0]
        pct = float(row["pct_within_4h"])
        label = (
            f"England {pct:.1f}% within 4 hours in {args['month']} from the {units} rows: "
            f"{row['attendances'] - row['over_4h']:,.0f} of {row['attendances']:,.0f} "
            f"attendances over {int(row['n_units'])} {units}s"
        )
        if row["n_without_4h"]:
            label += (
                f"; {int(row['n_without_4h'])} {units}s with attendances but no 4-hour count "
                "left out"
            )
        evidence.append(
            Evidence(pct, pct, label, ("NHS England A&E monthly statistics (healthyr)",))
        )
    return evidence


@register("sum_of_facts", evidence_facts=("facts",))
def sum_of_facts(
    inputs: ClaimInputs,
    claim: ClaimContext,
    facts: dict[str, list[pd.Series]],
    args: dict[str, str],
) -> list[Evidence]:
    """The sum of the listed facts (same unit), e.g. a planned deficit plus the overspend
    against plan gives the deficit; a lower-bound fact makes the sum a lower bound."""
    rows = facts["facts"]
    units = {str(row["unit"]) for row in rows}
    if len(units) != 1:
        raise DataError(f"sum_of_facts: facts in different units {sorted(units)}")
    unit = units.pop()
    total = sum(_fact_value(row) for row in rows)
    open_ended = any(str(row["precision"]).endswith("lower_bound") for row in rows)
    label = " + ".join(f"{_fmt(_fact_value(r), unit)} ({_cite(r)})" for r in rows)
    label += f" = {_fmt(total, unit)}"
    return [
        Evidence(
            total,
            math.inf if open_ended else total,
            label,
            tuple(str(row["original_source"]) for row in rows),
        )
    ]


@register("ratio_of_facts", evidence_facts=("numerator", "denominator"))
def ratio_of_facts(
    inputs: ClaimInputs,
    claim: ClaimContext,
    facts: dict[str, list[pd.Series]],
    args: dict[str, str],
) -> list[Evidence]:
    """The ratio of two facts (e.g. this year's deficit over last year's)."""
    top, bottom = facts["numerator"][0], facts["denominator"][0]
    ratio = _fact_value(top) / _fact_value(bottom)
    label = (
        f"{_fmt(_fact_value(top), str(top['unit']))} ({_cite(top)}) / "
        f"{_fmt(_fact_value(bottom), str(bottom['unit']))} ({_cite(bottom)}) = {ratio:.2f}"
    )
    return [
        Evidence(ratio, ratio, label, (str(top["original_source"]), str(bottom["original_source"])))
    ]


@register("break_even_failures", evidence_facts=("overspent", "deficit_plans"))
def break_even_failures(
    inputs: ClaimInputs,
    claim: ClaimContext,
    facts: dict[str, list[pd.Series]],
    args: dict[str, str],
) -> list[Evidence]:
    """Systems ending the year in deficit, from the count that overspent against plan (O) and
    the count that planned a deficit (D): every overspender is in deficit, and so is every
    deficit-plan system, so the count lies between max(O, D) and O + D."""
    over, plans = _fact_value(facts["overspent"][0]), _fact_value(facts["deficit_plans"][0])
    low, high = max(over, plans), over + plans
    label = (
        f"{over:.0f} systems overspent against plan ({_cite(facts['overspent'][0])}) and "
        f"{plans:.0f} planned a deficit ({_cite(facts['deficit_plans'][0])}): between "
        f"{low:.0f} and {high:.0f} were (or were forecast to be) in deficit"
    )
    sources = (str(facts["overspent"][0]["original_source"]),)
    return [Evidence(low, high, label, sources)]


@register("leader_change_gap", evidence_facts=("stable_share", "median_tenure"))
def leader_change_gap(
    inputs: ClaimInputs,
    claim: ClaimContext,
    facts: dict[str, list[pd.Series]],
    args: dict[str, str],
) -> list[Evidence]:
    """Percentage points by which the yearly chance of a change of system leader exceeds that
    of a trust chief executive, each under a constant rate: a share s of systems stable over
    six months gives 1 - s^2 a year; a median tenure of T years gives 1 - 0.5^(1/T)."""
    stable, tenure = facts["stable_share"][0], facts["median_tenure"][0]
    system_rate = 100 * (1 - (_fact_value(stable) / 100) ** 2)
    trust_rate = 100 * (1 - 0.5 ** (1 / _fact_value(tenure)))
    gap = system_rate - trust_rate
    label = (
        f"{_fact_value(stable):g}% of systems had stable leadership over six months "
        f"({_cite(stable)}): about {system_rate:.0f}% change leader a year; a median trust chief "
        f"executive tenure of {_fact_value(tenure):g} years ({_cite(tenure)}): about "
        f"{trust_rate:.0f}% a year (constant-rate assumption); gap {gap:.0f} points"
    )
    sources = (str(stable["original_source"]), str(tenure["original_source"]))
    return [Evidence(gap, gap, label, sources)]


# --------------------------------------------------------------------------------------------
# loading and checking the claim tables


def parse_arguments(text: str) -> dict[str, str]:
    """``'year=2024/25; icb=QOC'`` -> ``{'year': '2024/25', 'icb': 'QOC'}``; ValueError if bad."""
    arguments: dict[str, str] = {}
    for item in filter(None, (piece.strip() for piece in text.split(";"))):
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not re.fullmatch(r"[a-z_]+", key) or not value or key in arguments:
            raise ValueError(f"bad argument {item!r} (expected key=value)")
        arguments[key] = value
    return arguments


#: Derivations whose evidence definition follows from an argument: (argument, value -> definition).
DERIVED_DEFINITIONS: dict[str, tuple[str, dict[str, str]]] = {
    "share_of_allocation": (
        "allocation",
        {"core": "core_allocation", "total": "wider_allocation"},
    ),
    "england_share_of_allocation": (
        "allocation",
        {"core": "core_allocation", "total": "wider_allocation"},
    ),
}


def evidence_definition_of(part: pd.Series) -> str:
    """What the part's evidence is a share or measure of: its ``evidence_definition``, else
    what its derivation's arguments imply (:data:`DERIVED_DEFINITIONS`), else ''."""
    if part["evidence_definition"]:
        return str(part["evidence_definition"])
    derived = DERIVED_DEFINITIONS.get(str(part["derivation"]))
    if derived is None:
        return ""
    argument, meaning = derived
    return meaning.get(parse_arguments(str(part["arguments"])).get(argument, ""), "")


def definition_rule(
    status: str, claim_definition: str, evidence_definition: str
) -> tuple[str, str]:
    """A part whose evidence has another denominator or definition than the source's figure
    can neither match nor fail: (new status, reason to put before the evidence).

    Same or undeclared definitions keep the status (reason ''). ``ambiguous`` evidence turns
    a match or a fail into ``inconclusive``; any other difference makes the part
    ``untestable``; the computed evidence stays in the text, for information.
    """
    if not claim_definition or not evidence_definition or claim_definition == evidence_definition:
        return status, ""
    words = curated.CLAIM_DEFINITIONS
    if evidence_definition == "ambiguous":
        if status not in (MATCH, MISMATCH):
            return status, ""
        return INCONCLUSIVE, (
            f"the source's figure is {words[claim_definition]}; the evidence rests on "
            f"{words['ambiguous']}, so it can neither confirm nor contradict it: "
        )
    return UNTESTABLE, (
        f"not testable on the source's own terms: the source's figure is a share or measure of "
        f"{words[claim_definition]}, the evidence of {words[evidence_definition]}; "
        "computed for information only: "
    )


def _where(path: Path, line: int, column: str) -> str:
    return f"{path}: line {line}, field '{column}'"


def check_references(
    parts: pd.DataFrame, facts: pd.DataFrame, path: Path = curated.CLAIM_PARTS_FILE
) -> None:
    """Check every fact id, derivation and argument a part names; DataError naming each bad
    CSV line and field. Facts under a time window must have an ``as_at_date``."""
    known = set(facts["fact_id"])
    dated = set(facts.loc[facts["as_at_date"] != "", "fact_id"])
    problems: list[str] = []
    for row in parts.itertuples(index=False):
        line = int(row.source_line)
        ids = list(row.evidence_facts.split())
        if row.derivation:
            spec = DERIVATIONS.get(row.derivation)
            if spec is None:
                problems.append(
                    f"{_where(path, line, 'derivation')}: unknown derivation "
                    f"{row.derivation!r} (known: {sorted(DERIVATIONS)})"
                )
                continue
            try:
                arguments = parse_arguments(row.arguments)
            except ValueError as error:
                problems.append(f"{_where(path, line, 'arguments')}: {error}")
                continue
            unknown = sorted(set(arguments) - set(spec.arguments))
            missing = [name for name in spec.fact_arguments + spec.params if name not in arguments]
            if unknown or missing:
                problems.append(
                    f"{_where(path, line, 'arguments')}: {row.derivation} takes "
                    f"{list(spec.arguments)}; unknown {unknown}, missing {missing}"
                )
                continue
            problems += [
                f"{_where(path, line, 'arguments')}: {problem}"
                for problem in spec.argument_problems(arguments)
            ]
            if row.derivation in DERIVED_DEFINITIONS:
                argument, meaning = DERIVED_DEFINITIONS[row.derivation]
                implied = meaning.get(arguments.get(argument, ""), "")
                if not row.claim_definition:
                    problems.append(
                        f"{_where(path, line, 'claim_definition')}: {row.derivation} divides by "
                        f"{implied or 'an allocation'}; say what the source divided by "
                        f"(one of {list(curated.CLAIM_DEFINITIONS)})"
                    )
                if row.evidence_definition and row.evidence_definition != implied:
                    problems.append(
                        f"{_where(path, line, 'evidence_definition')}: "
                        f"{row.evidence_definition!r} but {argument}= implies {implied!r}"
                    )
            ids += [i for name in spec.evidence_facts for i in arguments[name].split()]
            input_ids = [i for name in spec.input_facts for i in arguments[name].split()]
            bad_inputs = sorted(set(input_ids) - known)
            if bad_inputs:
                problems.append(
                    f"{_where(path, line, 'arguments')}: unknown fact id(s) {bad_inputs}"
                )
        unknown_ids = sorted(set(ids) - known)
        if unknown_ids:
            field_name = "arguments" if row.derivation else "evidence_facts"
            problems.append(f"{_where(path, line, field_name)}: unknown fact id(s) {unknown_ids}")
        windowed = row.window_months_before != "" or row.window_months_after != ""
        undated = sorted(set(ids) & known - dated)
        if windowed and undated:
            problems.append(
                f"{_where(path, line, 'window_months_before')}: fact(s) {undated} have no "
                "as_at_date, so no time window can apply"
            )
    if problems:
        raise DataError("claim parts failed validation:\n  " + "\n  ".join(problems))


# --------------------------------------------------------------------------------------------
# the engine


def same_source(first: str, second: str) -> bool:
    """True when two sources name the same document (URLs compared without scheme, ``www.``,
    query or trailing slash; other text compared case-insensitively)."""

    def norm(text: str) -> str:
        text = re.sub(r"^https?://", "", str(text).strip().lower())
        text = re.sub(r"^www\.", "", text)
        return text.split("?")[0].split("#")[0].rstrip("/")

    return bool(first) and norm(first) == norm(second)


def months_between(start: str, end: str) -> int:
    """Whole months from ``start`` to ``end`` (both 'YYYY-MM')."""
    return (int(end[:4]) - int(start[:4])) * 12 + int(end[5:7]) - int(start[5:7])


def screen_facts(
    rows: pd.DataFrame, claim: ClaimContext, before: str, after: str
) -> tuple[pd.DataFrame, list[str]]:
    """Keep the facts that are independent of the claim and inside its window.

    Returns the kept rows and one line per fact left out, saying why.
    """
    kept, dropped = [], []
    for _, row in rows.iterrows():
        shown = f"{row['fact_id']} = {_fmt(float(row['value']), str(row['unit']))} ({_cite(row)})"
        if same_source(row["original_source"], claim.original_source) or same_source(
            row["source_url"], claim.source_url
        ):
            dropped.append(f"{shown}: traces to the claim's own source")
            continue
        if before != "" or after != "":
            gap = months_between(claim.claim_date, str(row["as_at_date"]))
            if (before != "" and gap < -int(before)) or (after != "" and gap > int(after)):
                dropped.append(
                    f"{shown}: describes {row['as_at_date']}, outside the window "
                    f"({before or 'any'} months before to {after or 'any'} after "
                    f"{claim.claim_date})"
                )
                continue
        kept.append(row)
    return pd.DataFrame(kept, columns=rows.columns), dropped


def fact_evidence(row: pd.Series) -> Evidence:
    """One fact as evidence: a point, or ``[value, inf)`` for a lower bound."""
    value = _fact_value(row)
    high = math.inf if str(row["precision"]).endswith("lower_bound") else value
    precision = "" if row["precision"] in ("exact", "") else f", {row['precision']}"
    label = f"{_fmt(value, str(row['unit']))}{precision} ({_cite(row)}; {row['fact_id']})"
    return Evidence(value, high, label, (str(row["original_source"]),))


def acceptance(
    comparator: str, claimed: float, tolerance: float, kind: str
) -> tuple[float, float, bool, bool]:
    """The range of evidence values that agree with the claim: (low, high, low open, high open)."""
    if comparator == "equal":
        return claimed, claimed, False, False
    if comparator == "within":
        width = abs(claimed) * tolerance / 100 if kind == "amount" else tolerance
        return claimed - width, claimed + width, False, False
    if comparator == "at_least":
        return claimed - tolerance, math.inf, False, False
    if comparator == "at_most":
        return -math.inf, claimed + tolerance, False, False
    if comparator == "more_than":
        return claimed, math.inf, True, False
    if comparator == "less_than":
        return -math.inf, claimed, False, True
    raise DataError(f"unknown comparator {comparator!r}")


def judge(evidence: Evidence, comparator: str, claimed: float, tolerance: float, kind: str) -> str:
    """MATCH if the whole evidence range agrees with the claim, MISMATCH if none of it does,
    INCONCLUSIVE otherwise."""
    low, high, low_open, high_open = acceptance(comparator, claimed, tolerance, kind)

    def inside(value: float) -> bool:
        above = value > low if low_open else value >= low
        below = value < high if high_open else value <= high
        return above and below

    if inside(evidence.low) and inside(evidence.high):
        return MATCH
    misses_low = evidence.high < low or (low_open and evidence.high == low)
    misses_high = evidence.low > high or (high_open and evidence.low == high)
    return MISMATCH if misses_low or misses_high else INCONCLUSIVE


def combine(statuses: list[str]) -> str:
    """A part's status from the status of each piece of evidence."""
    if not statuses:
        return UNTESTABLE
    if all(status == MATCH for status in statuses):
        return MATCH
    if all(status == MISMATCH for status in statuses):
        return MISMATCH
    return INCONCLUSIVE


COMPARATOR_WORDS: dict[str, str] = {
    "equal": "exactly",
    "within": "within",
    "at_least": "at least",
    "at_most": "at most",
    "more_than": "more than",
    "less_than": "less than",
}


def claimed_text(part: pd.Series, rules: Rules) -> str:
    """'more than 33.33%', '15 systems', '£750m (within 10%)'."""
    if part["kind"] in ("policy", "untestable") or part["claimed_value"] == "":
        return ""
    value = _fmt(float(part["claimed_value"]), part["unit"])
    tolerance = tolerance_of(part, rules)
    if part["comparator"] == "within":
        unit = (
            "%"
            if part["kind"] == "amount"
            else " points"
            if part["unit"] == "%"
            else f" {part['unit']}"
        )
        return f"{value} (within {tolerance:g}{unit})"
    if part["comparator"] == "equal":
        return value
    return f"{COMPARATOR_WORDS[part['comparator']]} {value}"


def tolerance_of(part: pd.Series, rules: Rules) -> float:
    """The part's tolerance, or the default for its kind when blank."""
    if part["tolerance"] != "":
        return float(part["tolerance"])
    return rules.default_tolerance(str(part["kind"]))


def evaluate_part(
    part: pd.Series, claim: ClaimContext, inputs: ClaimInputs, rules: Rules
) -> PartResult:
    """Test one part of a claim (rules in the module docstring)."""

    def result(status: str, text: str, values: tuple[Evidence, ...] = ()) -> PartResult:
        note = f"; {part['note']}" if part["note"] else ""
        return PartResult(
            claim.claim_id,
            str(part["part"]),
            str(part["statement"]),
            claimed_text(part, rules),
            status,
            text + note,
            values,
        )

    if part["kind"] in ("policy", "untestable"):
        return result(UNTESTABLE, str(part["untestable_reason"]))
    facts = inputs.facts.set_index("fact_id", drop=False)
    before, after = str(part["window_months_before"]), str(part["window_months_after"])
    try:
        if part["derivation"]:
            evidence, dropped = _derive(part, claim, inputs, facts, before, after)
        else:
            rows, dropped = screen_facts(
                facts.loc[part["evidence_facts"].split()], claim, before, after
            )
            evidence = [fact_evidence(row) for _, row in rows.iterrows()]
    except NotTestable as reason:
        return result(UNTESTABLE, str(reason))
    left_out = f"; left out: {'; '.join(dropped)}" if dropped else ""
    if not evidence:
        window = " in the window" if before != "" or after != "" else ""
        return result(UNTESTABLE, f"no independent evidence{window}" + left_out)
    claimed = float(part["claimed_value"])
    tolerance = tolerance_of(part, rules)
    statuses = [
        judge(item, part["comparator"], claimed, tolerance, part["kind"]) for item in evidence
    ]
    status = combine(statuses)
    shown = "; ".join(
        f"{item.label} [{STATUS_LABEL[item_status]}]"
        for item, item_status in zip(evidence, statuses, strict=True)
    )
    if status == INCONCLUSIVE and len(evidence) > 1 and set(statuses) <= {MATCH, MISMATCH}:
        shown = "independent sources disagree: " + shown
    status, reason = definition_rule(
        status, str(part["claim_definition"]), evidence_definition_of(part)
    )
    return result(status, reason + shown + left_out, tuple(evidence))


def _derive(
    part: pd.Series,
    claim: ClaimContext,
    inputs: ClaimInputs,
    facts: pd.DataFrame,
    before: str,
    after: str,
) -> tuple[list[Evidence], list[str]]:
    """Run the part's derivation on its screened evidence facts and its input facts."""
    spec = DERIVATIONS[part["derivation"]]
    arguments = parse_arguments(part["arguments"])
    every: dict[str, list[pd.Series]] = {
        name: [facts.loc[i] for i in arguments[name].split()] for name in spec.fact_arguments
    }
    dropped: list[str] = []
    for name in spec.evidence_facts:
        dropped += screen_facts(facts.loc[arguments[name].split()], claim, before, after)[1]
    params = {key: value for key, value in arguments.items() if key not in spec.fact_arguments}
    if dropped:
        # Not evidence; shown so that a reader sees what the left-out facts alone would give.
        unscreened = spec.function(inputs, claim, every, params)
        shown = "; ".join(item.label for item in unscreened)
        return [], [*dropped, f"from the facts left out alone: {shown}"]
    return spec.function(inputs, claim, every, params), []


def verdict_of(statuses: list[str]) -> str:
    """The claim's verdict from its parts' statuses (scale in the module docstring)."""
    matches = statuses.count(MATCH)
    fails = statuses.count(MISMATCH)
    if matches == 0 and fails == 0:
        return NOT_TESTABLE
    if fails == 0:
        return SUPPORTED if matches == len(statuses) else PARTLY_SUPPORTED
    return PARTLY_CONTRADICTED if matches else CONTRADICTED


def context_of(claim: pd.Series) -> ClaimContext:
    """The :class:`ClaimContext` of one row of ``claims.csv``."""
    return ClaimContext(
        str(claim["claim_id"]),
        str(claim["claim_date"]),
        str(claim["source_url"]),
        str(claim["original_source"]),
    )


def check_all(
    claims: pd.DataFrame, parts: pd.DataFrame, inputs: ClaimInputs, rules: Rules
) -> list[ClaimResult]:
    """Evaluate every part of every claim; DataError if a claim has no part."""
    check_references(parts, inputs.facts)
    without = sorted(set(claims["claim_id"]) - set(parts["claim_id"]))
    if without:
        raise DataError(f"claim_parts.csv: no parts for claim(s) {without}")
    results = []
    for _, claim in claims.iterrows():
        context = context_of(claim)
        rows = parts[parts["claim_id"] == claim["claim_id"]]
        evaluated = tuple(evaluate_part(row, context, inputs, rules) for _, row in rows.iterrows())
        results.append(
            ClaimResult(context.claim_id, verdict_of([p.status for p in evaluated]), evaluated)
        )
    return results


# --------------------------------------------------------------------------------------------
# inputs, tables and the report's numbers


def load_inputs(processed_dir: Path = PROCESSED_DIR) -> ClaimInputs:
    """Read every input: the curated facts, the processed tables and the A&E files."""
    from helpers.data.readers import healthyr
    from helpers.panel.schemas import read_table

    lookup = read_table("icb_lookup.parquet", processed_dir)
    facts = curated.all_facts(
        curated.load_national_facts(),
        curated.load_legacy_debt(icb_codes=set(lookup["icb_code"])),
        curated.load_leadership_facts(),
    )
    return ClaimInputs(
        facts=facts,
        icb_year=read_table("icb_year.parquet", processed_dir),
        icb_lookup=lookup,
        finance_positions=read_table("finance_positions.parquet", processed_dir),
        ae_icb=healthyr.load("icb_accidents_emergency"),
        ae_trust=healthyr.load("trust_accidents_emergency"),
    )


def parts_table(results: list[ClaimResult]) -> pd.DataFrame:
    """The ``claim_parts_check`` table: one row per part with its status and evidence."""
    rows = [
        {
            "claim_id": part.claim_id,
            "part": part.part,
            "statement": part.statement,
            "claimed": part.claimed,
            "status": part.status,
            "evidence": part.evidence,
        }
        for result in results
        for part in result.parts
    ]
    return pd.DataFrame(rows)


def checks_table(claims: pd.DataFrame, results: list[ClaimResult]) -> pd.DataFrame:
    """The ``claims_check`` table: one row per claim, its verdict and part counts."""
    by_id = {result.claim_id: result for result in results}
    rows = []
    for _, claim in claims.iterrows():
        result = by_id[claim["claim_id"]]
        statuses = [part.status for part in result.parts]
        rows.append(
            {
                "claim_id": result.claim_id,
                "claim": claim["claim"],
                "claim_date": claim["claim_date"],
                "verdict": result.verdict,
                "n_parts": len(statuses),
                **{f"n_{status}": statuses.count(status) for status in STATUSES},
                "source": citation_text(claim),
                "source_url": claim["source_url"],
                "archive_url": claim["archive_url"],
                "original_source": claim["original_source"],
                "source_check": claim["source_check"],
            }
        )
    return pd.DataFrame(rows)


def citation_text(row: pd.Series) -> str:
    """'Publisher, title (date)', naming the archived copy's site where the figure was read from
    a reprint of the cited original (``archive_url``)."""
    text = f"{row['source_publisher']}, {row['source_title']} ({row['source_date']})"
    archive = str(row.get("archive_url", "") or "")
    if archive:
        text += f"; archived copy at {urlsplit(archive).hostname}"
    return text


#: A fact id where the evidence text names one: '(HSJ, 2023; nat_2324_x)' and 'nat_2324_x = '.
FACT_ID_IN_TEXT = re.compile(
    r"; [a-z][a-z0-9]*(?:_[a-z0-9]+)+\)|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+ = "
)


def without_fact_ids(evidence: str) -> str:
    """Evidence text for people: the fact ids (kept in claim_parts_check.csv for audit) left
    out, the publisher and date that cite each fact kept."""
    return FACT_ID_IN_TEXT.sub(lambda found: ")" if found.group(0).endswith(")") else "", evidence)


def display_table(checks: pd.DataFrame, parts: pd.DataFrame) -> pd.DataFrame:
    """For the report: each part beside its claim; the claim, verdict and source are shown on
    the claim's first part only."""
    merged = parts.merge(
        checks[["claim_id", "claim", "verdict", "source"]],
        on="claim_id",
        how="left",
        validate="many_to_one",
    )
    first = ~merged["claim_id"].duplicated()
    shown = pd.DataFrame(
        {
            "Claim": np.where(first, merged["claim"], ""),
            "Verdict": np.where(first, merged["verdict"], ""),
            "Part": merged["statement"],
            "Claimed": merged["claimed"],
            "Status": merged["status"].map(STATUS_LABEL),
            "Evidence": merged["evidence"].map(without_fact_ids),
            "Source": np.where(first, merged["source"], ""),
        }
    )
    shown.index = pd.Index(merged["claim_id"] + "." + merged["part"], name="Part id")
    return shown


def verdict_counts(results: list[ClaimResult]) -> pd.Series:
    """Claims per verdict, in the order of :data:`VERDICTS`."""
    verdicts = pd.Series([result.verdict for result in results], dtype=object)
    return verdicts.value_counts().reindex(list(VERDICTS), fill_value=0).rename("claims")


def status_counts(results: list[ClaimResult]) -> pd.Series:
    """Parts per status, in the order of :data:`STATUSES`."""
    statuses = pd.Series([p.status for r in results for p in r.parts], dtype=object)
    return statuses.value_counts().reindex(list(STATUSES), fill_value=0).rename("parts")


def summary_sentence(results: list[ClaimResult]) -> str:
    """'23 published claims checked: 1 supported, ..., 7 not testable with these data'."""
    counts = verdict_counts(results)
    listed = ", ".join(f"{int(counts[verdict])} {verdict}" for verdict in VERDICTS[:-1])
    return (
        f"{len(results)} published claims checked: {listed} and "
        f"{int(counts[NOT_TESTABLE])} {NOT_TESTABLE} with these data"
    )


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def report_numbers(results: list[ClaimResult]) -> dict[str, float | int | str]:
    """Numbers for the report: counts by verdict and status, the summary sentence, each
    claim's verdict and each part's status and (single, point) evidence value."""
    counts = verdict_counts(results)
    parts = status_counts(results)
    numbers: dict[str, float | int | str] = {
        "claims_n": len(results),
        "claims_n_parts": int(parts.sum()),
        "claims_summary": summary_sentence(results),
    }
    numbers |= {f"claims_n_{_key(verdict)}": int(counts[verdict]) for verdict in VERDICTS}
    numbers |= {f"claims_parts_n_{status}": int(parts[status]) for status in STATUSES}
    for result in results:
        prefix = f"claims_{result.claim_id.lower()}"
        numbers[f"{prefix}_verdict"] = result.verdict
        for part in result.parts:
            numbers[f"{prefix}_{part.part}_status"] = STATUS_LABEL[part.status]
            if len(part.values) == 1 and part.values[0].is_point:
                numbers[f"{prefix}_{part.part}_value"] = round(part.values[0].low, 1)
    return numbers
