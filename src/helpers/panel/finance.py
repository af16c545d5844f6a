"""System financial positions: tidy, scale to allocation, and pick the best available figure.

Sign convention (from the curated panel): a surplus is positive and a deficit negative for
every full-year position and year-to-date figure; support rows are positive amounts.

Structured columns of the curated panel (``data/raw/curated/ics_finance_panel.csv``):

- ``stage``: ``draft_plan`` (a plan submitted before the year and later replaced),
  ``final_plan`` (the plan or control total agreed for the year), ``forecast`` (a full-year
  forecast made during the year), ``outturn`` (the year-end result); and, not full-year
  positions, ``ytd`` (year to date), ``ytd_variance`` and ``forecast_variance`` (against plan),
  ``deficit_support`` and ``deficit_support_withheld`` (amounts of support). Each ``measure``
  has one stage (:data:`helpers.data.curated.STAGE_OF_MEASURE`); ``icb_only_outturn`` is an
  ``outturn`` whose scope is ``icb``.
- ``as_at_date``: the month (``YYYY-MM``) the figure refers to or was agreed.
- ``revision``: 1, 2, ... orders figures of one system, year and stage when one revises another.
- ``basis``: ``before_support`` / ``after_support`` (deficit or other non-recurrent support)
  or ``unknown``; ``not_applicable`` on amounts of support. ``basis_evidence`` says how it is
  known: the source's words (``quote:"..."``), the stored note (``notes:"..."``), a national
  rule (``rule:<id>`` of ``finance_basis_rules.csv``) or the support stage (``stage:...``).
- ``scope``: ``system``, ``icb``, ``trusts`` (the provider trusts together), ``trust`` (one
  trust) or ``unknown``; ``scope_evidence`` as for the basis (``curator:`` where the stored
  copy holds no words on the footprint). ``basis_before_audit`` / ``scope_before_audit`` keep
  the values before the issue 19 audit (blank on rows it added): :func:`basis_audit` counts.
- ``original_source``: the document a press or campaign row reports (an official row: itself);
  two rows with one original source are not independent evidence.

Outcome bases (issue 19). The primary outcome is the position before deficit support
(``basis='before_support'``); the reported position after support is a second outcome
(``'after_support'``); rows of unknown basis enter only the stated sensitivity
``'before_support_or_unknown'``; ``'any'`` is every basis (the mixed outcome before the audit).
:func:`rows_of_basis` keeps the rows of one of :data:`OUTCOME_BASES`, and the best-available
rule below is applied within that basis (:func:`flag_best_available` ``basis=``);
``finance_positions`` carries one flag per basis (:data:`BEST_COLUMNS`).

Best-available rule. For each system and financial year, among full-year positions of the
whole system (``scope == 'system'``, stage in :data:`STAGE_RANK`) the single most final figure
is chosen by, in order: the latest stage (outturn > forecast > final plan > draft plan), the
latest ``as_at_date``, the highest ``revision``, the stronger source kind (official > press >
campaign), then the basis (before support > unknown > after support: where one source gives
both, the underlying position). There is no fallback to file order: rows still tied that report
different values raise :class:`~helpers.errors.DataError` naming their CSV lines; rows still tied
that report the same value are one figure reported twice, and the one from the later
``source_date`` (then the lower line) is flagged, which changes the cited source, never the value.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from helpers.errors import DataError

#: Full-year position stages, most final first.
STAGE_RANK: dict[str, int] = {"outturn": 0, "forecast": 1, "final_plan": 2, "draft_plan": 3}
SOURCE_KIND_RANK: dict[str, int] = {"official": 0, "press": 1, "campaign": 2}
BASIS_RANK: dict[str, int] = {
    "before_support": 0,
    "unknown": 1,
    "after_support": 2,
    "not_applicable": 3,
}
#: The outcome bases the model stage may select, and the row bases each admits.
OUTCOME_BASES: dict[str, tuple[str, ...]] = {
    "before_support": ("before_support",),
    "after_support": ("after_support",),
    "before_support_or_unknown": ("before_support", "unknown"),
    "any": ("before_support", "unknown", "after_support"),
}
#: The primary outcome's basis; the others are a second outcome and sensitivities.
PRIMARY_BASIS = "before_support"
#: ``finance_positions`` column flagging the best-available row of each outcome basis.
BEST_COLUMNS: dict[str, str] = {
    "any": "best_available",
    "before_support": "best_before_support",
    "after_support": "best_after_support",
    "before_support_or_unknown": "best_before_support_or_unknown",
}
#: How a stage, measure or basis code reads, where dropping its underscores is not enough.
READABLE_CODES: dict[str, str] = {
    "plan": "final plan",
    "plan_draft": "draft plan",
    "ytd": "year to date",
    "ytd_variance": "variance against plan, year to date",
    "forecast_variance": "forecast variance against plan",
    "icb_only_outturn": "outturn (ICB only)",
}


def readable(code: object) -> str:
    """A stage, measure or basis code as people read it: 'draft_plan' -> 'draft plan',
    'ytd' -> 'year to date' (:data:`READABLE_CODES`); other text is returned as it is."""
    text = str(code)
    return READABLE_CODES.get(text, text.replace("_", " "))


#: Sort keys of the best-available rule, most important first (ascending after negation).
BEST_AVAILABLE_KEYS: list[str] = [
    "stage_rank",
    "date_rank",
    "revision_rank",
    "kind_rank",
    "basis_rank",
]
YEAR_END_WORDS = re.compile(r"year-end|outturn|Q4", re.IGNORECASE)


def as_at_month(as_at: pd.Series) -> pd.Series:
    """Month of the financial year an ``as_at`` label refers to (M5 -> 5; year-end -> 12).

    Quarters map to their last month (Q3 -> 9). Plan stages and unparseable labels give NaN.
    """

    def parse(label: str) -> float:
        month = re.search(r"\bM(\d{1,2})\b", label)
        if month:
            return float(month.group(1))
        quarter = re.search(r"\bQ([1-4])\b", label)
        if quarter:
            return float(int(quarter.group(1)) * 3)
        if YEAR_END_WORDS.search(label):
            return 12.0
        return np.nan

    return as_at.fillna("").astype(str).map(parse).astype("float64")


def add_share_of_allocation(positions: pd.DataFrame, funding: pd.DataFrame) -> pd.DataFrame:
    """Add that year's allocations and the position as a share of each (value / allocation x 100).

    ``core_allocation_gbp_m`` and ``value_pct_allocation`` (core services allocation);
    ``total_allocation_gbp_m`` and ``value_pct_total_allocation`` (core + primary medical care +
    other primary care + running costs, when ``funding`` has it). Rows whose year has no
    allocation keep a missing percentage (counted in the coverage table).
    """
    columns = ["core_allocation_gbp_m", "total_allocation_gbp_m"]
    present = [column for column in columns if column in funding]
    allocation = funding[["icb_code", "financial_year", *present]]
    merged = positions.merge(
        allocation, on=["icb_code", "financial_year"], how="left", validate="many_to_one"
    )
    merged["value_pct_allocation"] = 100 * merged["value_gbp_m"] / merged["core_allocation_gbp_m"]
    if "total_allocation_gbp_m" in merged:
        merged["value_pct_total_allocation"] = (
            100 * merged["value_gbp_m"] / merged["total_allocation_gbp_m"]
        )
    return merged


def _ranking(frame: pd.DataFrame) -> pd.DataFrame:
    """Best-available sort keys of the eligible rows (lower is better)."""
    eligible = frame["stage"].isin(STAGE_RANK) & (frame["scope"] == "system")
    rows = frame[eligible]
    return pd.DataFrame(
        {
            "icb_code": rows["icb_code"],
            "financial_year": rows["financial_year"],
            "stage_rank": rows["stage"].map(STAGE_RANK),
            "date_rank": rows["as_at_date"].rank(method="dense", ascending=False),
            "revision_rank": -rows["revision"].astype("int64"),
            "kind_rank": rows["source_kind"].map(SOURCE_KIND_RANK),
            "basis_rank": rows["basis"].map(BASIS_RANK),
            "value": rows["value_gbp_m"],
            "source_date_rank": rows["source_date"].rank(method="dense", ascending=False),
            "line": rows["source_line"],
        },
        index=rows.index,
    )


def _raise_on_unbreakable_ties(leaders: pd.DataFrame) -> None:
    """Rows tied on every key that report different values cannot be ordered: stop."""
    conflicts = [
        f"{icb} {year}: lines {sorted(int(line) for line in group['line'])} "
        f"(values {sorted(group['value'].unique().tolist())})"
        for (icb, year), group in leaders.groupby(["icb_code", "financial_year"], sort=True)
        if group["value"].nunique() > 1
    ]
    if conflicts:
        raise DataError(
            "best-available rule cannot choose between rows tied on stage, as_at_date, revision, "
            "source kind and basis (set as_at_date or revision in "
            "data/raw/curated/ics_finance_panel.csv):\n  " + "\n  ".join(conflicts)
        )


def rows_of_basis(positions: pd.DataFrame, basis: str) -> pd.DataFrame:
    """The rows whose ``basis`` the outcome basis ``basis`` admits (:data:`OUTCOME_BASES`).

    Raises:
        ValueError: ``basis`` is not one of :data:`OUTCOME_BASES`.
    """
    if basis not in OUTCOME_BASES:
        raise ValueError(f"outcome basis {basis!r} not one of {list(OUTCOME_BASES)}")
    return positions[positions["basis"].isin(OUTCOME_BASES[basis])]


def flag_best_available(
    positions: pd.DataFrame, basis: str = "any", column: str = "best_available"
) -> pd.DataFrame:
    """Add a boolean ``column``: True on one row per system and year among the rows of the
    outcome basis ``basis`` (:func:`rows_of_basis`; see module doc for the rule).

    Raises:
        DataError: two eligible rows of one system and year tie on every key of the rule and
            report different values (the message names both CSV lines).
        ValueError: ``basis`` is not one of :data:`OUTCOME_BASES`.
    """
    frame = positions.copy()
    ranking = _ranking(rows_of_basis(frame, basis))
    ordered = ranking.sort_values(["icb_code", "financial_year", *BEST_AVAILABLE_KEYS])
    best = ordered.groupby(["icb_code", "financial_year"])[BEST_AVAILABLE_KEYS].transform("first")
    leaders = ordered[(ordered[BEST_AVAILABLE_KEYS] == best).all(axis=1)]
    _raise_on_unbreakable_ties(leaders)
    chosen = (
        leaders.sort_values(["icb_code", "financial_year", "source_date_rank", "line"])
        .groupby(["icb_code", "financial_year"], sort=False)
        .head(1)
        .index
    )
    frame[column] = frame.index.isin(chosen)
    return frame


def coverage_by_stage(positions: pd.DataFrame) -> pd.DataFrame:
    """Systems (of 42) with a whole-system full-year figure, by financial year and stage.

    Columns: ``financial_year``, ``stage`` (most final first), ``systems_with_figure`` (systems
    with at least one such row), ``systems_best_available`` (systems whose best-available
    figure is of this stage) and ``rows``. Every year and stage appears, with zeros.
    """
    whole = positions[(positions["scope"] == "system") & positions["stage"].isin(STAGE_RANK)]
    years = sorted(positions["financial_year"].unique())
    stages = sorted(STAGE_RANK, key=STAGE_RANK.get)
    grid = pd.MultiIndex.from_product([years, stages], names=["financial_year", "stage"])
    grouped = whole.groupby(["financial_year", "stage"])
    table = pd.DataFrame(
        {
            "systems_with_figure": grouped["icb_code"].nunique(),
            "systems_best_available": whole[whole["best_available"]]
            .groupby(["financial_year", "stage"])["icb_code"]
            .nunique(),
            "rows": grouped.size(),
        }
    )
    return table.reindex(grid).fillna(0).astype("int64").reset_index()


def tidy_finance_positions(validated: pd.DataFrame, funding: pd.DataFrame) -> pd.DataFrame:
    """The ``finance_positions`` table: validated curated rows, scaled and flagged, sorted."""
    frame = add_share_of_allocation(validated, funding)
    for basis, column in BEST_COLUMNS.items():
        frame = flag_best_available(frame, basis, column)
    frame["as_at_month"] = as_at_month(frame["as_at"])
    columns = [
        "icb_code",
        "system_name",
        "financial_year",
        "measure",
        "stage",
        "value_gbp_m",
        "core_allocation_gbp_m",
        "value_pct_allocation",
        "total_allocation_gbp_m",
        "value_pct_total_allocation",
        "as_at",
        "as_at_date",
        "as_at_month",
        "revision",
        "basis",
        "basis_evidence",
        "scope",
        "scope_evidence",
        "source_kind",
        "original_source",
        *BEST_COLUMNS.values(),
        "source_publisher",
        "source_title",
        "source_date",
        "source_url",
        "notes",
        "basis_before_audit",
        "scope_before_audit",
        "source_line",
    ]
    return frame[columns].sort_values(
        ["icb_code", "financial_year", "source_line"], ignore_index=True
    )


def _evidence_kind(evidence: pd.Series) -> pd.Series:
    """The kind of a ``basis_evidence`` / ``scope_evidence`` entry ('quote', 'rule', ...;
    'none' when empty)."""
    kind = evidence.fillna("").astype(str).str.extract(r"^([a-z]+):", expand=False)
    return kind.fillna("none")


def _audit_counts(frame: pd.DataFrame, row_set: str) -> pd.DataFrame:
    """Counts of ``frame`` by basis, scope and evidence kind (long form)."""
    parts = []
    for dimension, values in (
        ("basis", frame["basis"]),
        ("scope", frame["scope"]),
        ("basis_evidence", _evidence_kind(frame.get("basis_evidence", pd.Series(dtype=str)))),
        ("scope_evidence", _evidence_kind(frame.get("scope_evidence", pd.Series(dtype=str)))),
    ):
        counts = values.reindex(frame.index).fillna("none").value_counts()
        parts.append(
            pd.DataFrame(
                {"rows": row_set, "dimension": dimension, "value": counts.index, "n": counts}
            )
        )
    return pd.concat(parts, ignore_index=True)


def basis_audit(validated: pd.DataFrame) -> pd.DataFrame:
    """Counts by basis, scope and evidence kind before and after the issue 19 audit.

    ``validated``: the curated panel (``helpers.data.curated.validate_finance_panel``). Before the
    audit = the rows that existed then (``basis_before_audit`` not blank) with their old basis
    and scope (no evidence columns); after = every row now. Row sets: ``all rows``, ``best
    available (any basis)`` (the rule on each state), and after the audit only, the best
    available of each outcome basis (:data:`OUTCOME_BASES`). Columns: ``rows``,
    ``dimension`` (basis, scope, basis_evidence, scope_evidence), ``value``, ``before_audit``
    and ``after_audit`` (counts; 0 where none).
    """
    before = validated[validated["basis_before_audit"] != ""].assign(
        basis=lambda f: f["basis_before_audit"],
        scope=lambda f: f["scope_before_audit"],
        basis_evidence="",
        scope_evidence="",
    )
    after = validated
    tables = []
    for label, frame in (("before_audit", before), ("after_audit", after)):
        flagged = flag_best_available(frame)
        counts = [
            _audit_counts(frame, "all rows"),
            _audit_counts(flagged[flagged["best_available"]], "best available (any basis)"),
        ]
        if label == "after_audit":
            for basis in OUTCOME_BASES:
                if basis == "any":
                    continue
                chosen = flag_best_available(frame, basis, "chosen")
                counts.append(_audit_counts(chosen[chosen["chosen"]], f"best available ({basis})"))
        tables.append(pd.concat(counts, ignore_index=True).assign(state=label))
    long = pd.concat(tables, ignore_index=True)
    wide = long.pivot_table(
        index=["rows", "dimension", "value"], columns="state", values="n", aggfunc="sum"
    )
    wide = wide.reindex(columns=["before_audit", "after_audit"]).fillna(0).astype("int64")
    order = {name: i for i, name in enumerate(long["rows"].drop_duplicates())}
    table = wide.reset_index()
    table["_order"] = table["rows"].map(order)
    table = table.sort_values(["_order", "dimension", "value"], ignore_index=True)
    return table.drop(columns="_order").rename_axis(columns=None)


#: Short names of the audit's row sets, for report keys.
AUDIT_SET_KEYS: dict[str, str] = {
    "all rows": "all",
    "best available (any basis)": "best_any",
    "best available (before_support)": "best_before_support",
    "best available (after_support)": "best_after_support",
    "best available (before_support_or_unknown)": "best_before_support_or_unknown",
}


def basis_audit_numbers(audit: pd.DataFrame) -> dict[str, int | str]:
    """Report numbers from :func:`basis_audit`: ``basis_audit_<set>_<dimension>_<value>_<state>``
    for basis and scope counts (state ``before`` / ``after``), each set's total rows, and
    ``basis_audit_sentence``, the counts in words (generated, not typed)."""
    numbers: dict[str, int | str] = {}
    counted = audit[audit["dimension"].isin(["basis", "scope"])]
    for row in counted.itertuples(index=False):
        stem = f"basis_audit_{AUDIT_SET_KEYS[row.rows]}_{row.dimension}_{row.value}"
        numbers[f"{stem}_before"] = int(row.before_audit)
        numbers[f"{stem}_after"] = int(row.after_audit)
    bases = audit[audit["dimension"] == "basis"]
    for rows_name, key in AUDIT_SET_KEYS.items():
        group = bases[bases["rows"] == rows_name]
        numbers[f"basis_audit_{key}_n_before"] = int(group["before_audit"].sum())
        numbers[f"basis_audit_{key}_n_after"] = int(group["after_audit"].sum())

    def get(key: str) -> int:
        return int(numbers.get(key, 0))

    numbers["basis_audit_sentence"] = (
        f"Before the audit {get('basis_audit_all_basis_unknown_before')} of "
        f"{get('basis_audit_all_n_before')} curated finance rows had an unknown basis; after it, "
        f"{get('basis_audit_all_basis_unknown_after')} of {get('basis_audit_all_n_after')} do "
        f"({get('basis_audit_all_basis_before_support_after')} before deficit support, "
        f"{get('basis_audit_all_basis_after_support_after')} after it, "
        f"{get('basis_audit_all_basis_not_applicable_after')} amounts of support). Of the "
        f"{get('basis_audit_best_any_n_after')} best-available system-years of the mixed "
        f"outcome, {get('basis_audit_best_any_basis_unknown_after')} rest on a figure of unknown "
        f"basis (before the audit: {get('basis_audit_best_any_basis_unknown_before')} of "
        f"{get('basis_audit_best_any_n_before')}); the primary outcome, before deficit support, "
        f"has {get('basis_audit_best_before_support_n_after')} system-years and the reported "
        f"position after support {get('basis_audit_best_after_support_n_after')}. Scope: "
        f"{get('basis_audit_all_scope_system_after')} rows are whole-system figures "
        f"(before: {get('basis_audit_all_scope_system_before')}), "
        f"{get('basis_audit_all_scope_trust_after')} a single trust's and "
        f"{get('basis_audit_all_scope_unknown_after')} of unknown footprint."
    )
    return numbers
