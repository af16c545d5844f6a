"""System profiles: what the processed tables say about one integrated care system.

:func:`build_profile` gathers everything a board member's page shows for one ``icb_code``;
:func:`profile_sections` turns it into the page's HTML sections. Notebook ``08_profile_system``
calls both for the system in ``params.yaml`` (the student's view of one profile), and
:mod:`helpers.report.profile_pages` calls them for all 42 systems in one process. Every
sentence is built here from the tables, so a profile carries no hand-typed number.

Like with like. Financial positions are compared only within one financial year, one stage
(draft plan, plan, forecast, outturn) and one basis (before or after deficit support): a
system's headline figure of a year is its best-available full-year figure on
:data:`HEADLINE_BASIS` (``finance_positions``' ``best_before_support`` flag, set by the rule of
:mod:`helpers.panel.finance`), ranked among the systems whose best figure on that basis that
year is of the same stage. Ranks: 1 is the largest deficit as a share of core allocation; for
other measures 1 is the highest value (ties share the lower rank).
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.io import read_processed
from helpers.errors import ConfigError, DataError
from helpers.panel import trust_registry, variables
from helpers.panel.finance import STAGE_RANK, readable
from helpers.panel.leadership import SYSTEM_FACT_COLUMNS
from helpers.panel.schemas import read_table
from helpers.paths import PROCESSED_DIR
from helpers.report.tables import people_table

#: Processed tables a profile reads (and nothing else).
INPUT_TABLES: tuple[str, ...] = (
    "icb_lookup.parquet",
    "icb_year.parquet",
    "finance_positions.parquet",
    "model_diagnostics.csv",
    "system_facts.csv",
    "trust_panel.parquet",
    "trust_rollup.parquet",
    "trust_legacy_loans.csv",
)
#: The basis of the headline figures: the report's primary outcome (before deficit support).
HEADLINE_BASIS = "before_support"
#: The other basis, shown apart and never compared with the headline.
OTHER_BASIS = "after_support"
BASIS_WORDS = {"before_support": "before deficit support", "after_support": "after deficit support"}
#: Trust roll-ups (notebook 06) shown for the system, and the trust columns shown per trust.
ROLLUPS: dict[str, str] = {
    "operating_margin_2024_25": "operating_margin_pct",
    "planned_position_2025_26": "planned_position_pct",
}
LEGACY_BALANCE = "irsl_2018_19_gbp_m"
LEGACY_SHARE = "legacy_loan_pct_income"
MINUS = "\u2212"
DASH = "\u2013"


@dataclass(frozen=True)
class ProfileInputs:
    """The processed tables a profile reads."""

    lookup: pd.DataFrame
    panel: pd.DataFrame
    positions: pd.DataFrame
    diagnostics: pd.DataFrame
    facts: pd.DataFrame
    trusts: pd.DataFrame
    rollup: pd.DataFrame
    loans: pd.DataFrame


def load_inputs(directory: Path = PROCESSED_DIR) -> ProfileInputs:
    """Read the processed tables a profile needs (schema-checked where a schema exists)."""
    return ProfileInputs(
        lookup=read_table("icb_lookup.parquet", directory),
        panel=read_table("icb_year.parquet", directory),
        positions=read_table("finance_positions.parquet", directory),
        diagnostics=read_processed("model_diagnostics.csv", directory),
        facts=read_processed("system_facts.csv", directory),
        trusts=read_processed("trust_panel.parquet", directory),
        rollup=read_processed("trust_rollup.parquet", directory),
        loans=read_processed("trust_legacy_loans.csv", directory),
    )


# --- the system and number formats --------------------------------------------------------------


def check_icb_code(icb_code: str, lookup: pd.DataFrame) -> str:
    """The ICB code, checked against the lookup; an unknown code raises ConfigError listing
    the valid codes and the closest matches by code and by name."""
    codes = sorted(lookup["icb_code"])
    if icb_code in codes:
        return icb_code
    names = dict(zip(lookup["icb_name"], lookup["icb_code"], strict=True))
    text = str(icb_code).strip()
    close = difflib.get_close_matches(text.upper(), codes, n=3, cutoff=0.3)
    close += [names[name] for name in difflib.get_close_matches(text, list(names), n=3, cutoff=0.4)]
    close = list(dict.fromkeys(close))
    hint = f" Close matches: {', '.join(close)}." if close else ""
    raise ConfigError(
        f"icb_code {icb_code!r} is not one of the {len(codes)} ICB codes in "
        f"icb_lookup.parquet.{hint} Valid codes: {', '.join(codes)}"
    )


def short_name(icb_name: str) -> str:
    """'NHS Kent and Medway Integrated Care Board' -> 'Kent and Medway'."""
    name = icb_name.removeprefix("NHS ").strip()
    return name.removesuffix("Integrated Care Board").removesuffix("ICB").strip()


def system_identity(lookup: pd.DataFrame, icb_code: str) -> dict[str, str]:
    """Code, short name, board name and NHS England region of one system."""
    row = lookup.set_index("icb_code").loc[icb_code]
    return {
        "icb_code": icb_code,
        "name": short_name(str(row["icb_name"])),
        "board": str(row["icb_name"]),
        "region": str(row["region_name"]),
    }


def fmt(value: object, unit: str = "", decimals: int = 1) -> str:
    """One number format for the profiles: '£1,467' (£ per person), '−£129.8m' (£m),
    '−2.8%' (any % unit), '1.05' (other units, 2 decimals below 10); '–' when missing."""
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return DASH
    number = float(value)  # type: ignore[arg-type]
    sign = MINUS if number < 0 and round(abs(number), decimals) > 0 else ""
    size = abs(number)
    if unit == "£m":
        return f"{sign}£{size:,.{decimals}f}m"
    if unit.startswith("£"):
        return f"{sign}£{size:,.0f}"
    if unit.startswith("%"):
        return f"{sign}{size:,.{decimals}f}%"
    places = 0 if size >= 1000 else decimals if size >= 10 else 2
    return f"{sign}{size:,.{places}f}"


def ordinal(rank: float) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    number = int(rank)
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def article(noun: str) -> str:
    """'outturn' -> 'an outturn', 'final plan' -> 'a final plan'."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def word_list(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def trust_title(name: str) -> str:
    """'MANCHESTER UNIVERSITY NHS FOUNDATION TRUST' -> 'Manchester University NHS Foundation
    Trust' (trust names arrive in capitals)."""
    words = [word.capitalize() if word.isupper() else word for word in str(name).split()]
    fixed = {"Nhs": "NHS", "And": "and", "Of": "of", "The": "the", "For": "for"}
    words = [words[0], *(fixed.get(word, word) for word in words[1:])] if words else words
    return " ".join(word if word != "Nhs" else "NHS" for word in words)


# --- financial positions: like with like ---------------------------------------------------------


def basis_positions(positions: pd.DataFrame, basis: str, years: Sequence[str]) -> pd.DataFrame:
    """Every system's best-available full-year figure on ``basis`` per year (the
    ``best_<basis>`` flag), each ranked among the systems whose figure that year is of the same
    stage (1 = largest deficit as % of core allocation): icb_code, financial_year, stage,
    value_gbp_m, value_pct_allocation, rank, n_systems, median_pct."""
    flag = f"best_{basis}"
    if flag not in positions.columns:
        raise DataError(f"finance_positions: no column {flag!r} (columns: {list(positions)})")
    rows = positions[positions[flag] & positions["financial_year"].isin(list(years))]
    columns = ["icb_code", "financial_year", "stage", "value_gbp_m", "value_pct_allocation"]
    frame = rows[columns].astype({"value_pct_allocation": float}).reset_index(drop=True)
    cells = frame.groupby(["financial_year", "stage"])["value_pct_allocation"]
    frame["rank"] = cells.rank(ascending=True, method="min")
    frame["n_systems"] = cells.transform("count").astype(int)
    frame["median_pct"] = cells.transform("median")
    return frame.sort_values(["financial_year", "icb_code"], ignore_index=True)


def own_positions(ranked: pd.DataFrame, icb_code: str, years: Sequence[str]) -> pd.DataFrame:
    """One row per year for the system (missing values where it has no figure)."""
    own = ranked[ranked["icb_code"] == icb_code].set_index("financial_year")
    return own.reindex(list(years)).rename_axis("financial_year").reset_index()


def comparison_cells(ranked: pd.DataFrame, count: int = 3) -> list[tuple[str, str]]:
    """The ``count`` (year, stage) cells of ``ranked`` with the most systems (ties: later
    year), in year order: the columns of the index, each comparing like with like."""
    sizes = ranked.groupby(["financial_year", "stage"]).size().reset_index(name="n")
    top = sizes.sort_values(["n", "financial_year"], ascending=False).head(count)
    return sorted(zip(top["financial_year"], top["stage"], strict=True))


def finance_record(positions: pd.DataFrame, icb_code: str) -> pd.DataFrame:
    """Every cited financial figure on record for the system, by year, as-at date and line."""
    rows = positions[positions["icb_code"] == icb_code]
    return rows.sort_values(
        ["financial_year", "as_at_date", "source_line"], na_position="first", ignore_index=True
    )


def timeline_data(record: pd.DataFrame) -> pd.DataFrame:
    """Full-year and year-to-date position rows for the notebook's timeline chart:
    financial_year, stage, stage_label, value_gbp_m, best_available and x (the year's index plus
    a fixed offset per stage: full-year stages from least to most final, then year-to-date)."""
    order = [*sorted(STAGE_RANK, key=STAGE_RANK.__getitem__, reverse=True), "ytd"]
    shown = record[record["stage"].isin(order)].copy()
    years = sorted(record["financial_year"].unique())
    offsets = dict(zip(order, np.linspace(-0.3, 0.3, len(order)), strict=True))
    shown["x"] = [
        years.index(year) + offsets[stage]
        for year, stage in zip(shown["financial_year"], shown["stage"], strict=True)
    ]
    shown["stage_label"] = shown["stage"].map(readable)
    return shown[["financial_year", "stage", "stage_label", "value_gbp_m", "best_available", "x"]]


# --- funding, population and pressure against the other systems ----------------------------------


def measure_ranks(
    panel: pd.DataFrame, measures: Sequence[str], years: Sequence[str]
) -> pd.DataFrame:
    """Every system's value of each measure and year with its rank among the systems with a
    value (1 = highest), their number, the England median, lowest and highest: one long table
    (icb_code first), in the order of ``measures``, then year. Measures ``panel`` does not
    carry are left out."""
    columns = ["icb_code", "measure", "financial_year", "value", "rank", "n_systems"]
    columns += ["england_median", "lowest", "highest"]
    present = [name for name in dict.fromkeys(measures) if name in panel.columns]
    shown = panel[panel["financial_year"].isin(list(years))]
    if not present or shown.empty:
        return pd.DataFrame(columns=columns)
    long = shown.melt(["icb_code", "financial_year"], present, "measure", "value")
    long["value"] = long["value"].astype(float)
    groups = long.groupby(["measure", "financial_year"], sort=False)["value"]
    long["rank"] = groups.rank(ascending=False, method="min")
    for name, how in (("n_systems", "count"), ("england_median", "median")):
        long[name] = groups.transform(how)
    long["lowest"], long["highest"] = groups.transform("min"), groups.transform("max")
    long["n_systems"] = long["n_systems"].astype(int)
    long["order"] = long["measure"].map({name: i for i, name in enumerate(present)})
    return long.sort_values(["order", "financial_year", "icb_code"], ignore_index=True)[columns]


def compare_measures(
    panel: pd.DataFrame, icb_code: str, measures: Sequence[str], years: Sequence[str]
) -> pd.DataFrame:
    """One system's rows of :func:`measure_ranks` (without icb_code)."""
    long = measure_ranks(panel, measures, years)
    return long[long["icb_code"] == icb_code].drop(columns="icb_code").reset_index(drop=True)


def latest_with_value(comparison: pd.DataFrame) -> pd.DataFrame:
    """For each measure (in the comparison's order), the latest year the system has a value."""
    known = comparison[comparison["value"].notna()]
    return known.groupby("measure", sort=False).tail(1).reset_index(drop=True)


def position_against_median(comparison: pd.DataFrame) -> dict[str, int]:
    """Counts of measures (latest year with a value) above, at and below the England median."""
    latest = latest_with_value(comparison)
    difference = latest["value"] - latest["england_median"]
    return {
        "measures": len(latest),
        "above": int((difference > 0).sum()),
        "at": int((difference == 0).sum()),
        "below": int((difference < 0).sum()),
    }


def group_title(system: dict[str, str], group: str, counts: dict[str, int]) -> str:
    """A distribution chart's title stating the finding (above/below the median)."""
    return (
        f"{system['name']}: above the England median on {counts['above']} of "
        f"{counts['measures']} {group} measures, below on {counts['below']}"
    )


def distribution_data(panel: pd.DataFrame, comparison: pd.DataFrame, icb_code: str) -> pd.DataFrame:
    """Every system's value of each measure in the latest year the profiled system has one
    (the notebook's chart): measure, label, financial_year, icb_code, value, is_system and
    ``standardised`` (distance from the systems' median in standard deviations)."""
    frames = []
    for row in latest_with_value(comparison).itertuples(index=False):
        year_rows = panel[panel["financial_year"] == row.financial_year]
        frames.append(
            pd.DataFrame(
                {
                    "measure": row.measure,
                    "label": f"{variables.label(row.measure)}, {row.financial_year}",
                    "financial_year": row.financial_year,
                    "icb_code": year_rows["icb_code"].to_numpy(),
                    "value": year_rows[row.measure].astype(float).to_numpy(),
                    "is_system": (year_rows["icb_code"] == icb_code).to_numpy(),
                }
            )
        )
    columns = ["measure", "label", "financial_year", "icb_code", "value", "is_system"]
    if not frames:
        return pd.DataFrame(columns=[*columns, "standardised"])
    frame = pd.concat(frames, ignore_index=True)[columns].dropna(subset=["value"])
    grouped = frame.groupby("label", sort=False)["value"]
    spread = grouped.transform("std").replace(0, np.nan)
    frame["standardised"] = (frame["value"] - grouped.transform("median")) / spread
    return frame


# --- trusts, driver models, facts --------------------------------------------------------------


def system_trusts(inputs: ProfileInputs, icb_code: str) -> pd.DataFrame:
    """The trusts the trust panel places in the system: trust_code, trust, type, operating
    income 2024/25, operating margin 2024/25, planned position 2025/26 and the legacy loan
    balance at 31 March 2019 (£m and % of 2024/25 income); largest income first."""
    trusts = inputs.trusts[inputs.trusts["icb_code"] == icb_code]
    loans = inputs.loans.set_index("trust_code")
    frame = pd.DataFrame(
        {
            "trust_code": trusts["trust_code"].astype(str),
            "trust": trusts["trust_name"].map(trust_title),
            "type": trusts["trust_type"].astype(str),
            "operating_income_gbp_m": trusts["operating_income_gbp_m"].astype(float),
            "operating_margin_pct": trusts["operating_margin_pct"].astype(float),
            "planned_position_pct": trusts["planned_position_pct"].astype(float),
        }
    )
    frame[LEGACY_BALANCE] = frame["trust_code"].map(loans[LEGACY_BALANCE]).astype(float)
    frame[LEGACY_SHARE] = frame["trust_code"].map(loans[LEGACY_SHARE]).astype(float)
    return frame.sort_values(
        ["operating_income_gbp_m", "trust"],
        ascending=[False, True],
        na_position="last",
        ignore_index=True,
    )


def system_rollups(rollup: pd.DataFrame, icb_code: str) -> pd.DataFrame:
    """The system's income-weighted trust roll-ups (:data:`ROLLUPS`): rollup, outcome,
    value_pct, n_trusts, n_trusts_covered, share_covered_pct."""
    rows = rollup[(rollup["icb_code"] == icb_code) & rollup["rollup"].isin(list(ROLLUPS))]
    columns = ["rollup", "outcome", "value_pct", "n_trusts", "n_trusts_covered"]
    return rows[[*columns, "share_covered_pct"]].reset_index(drop=True)


def model_place(diagnostics: pd.DataFrame, icb_code: str) -> pd.DataFrame:
    """The system's observations in the primary driver model's diagnostics, whose ``label`` is
    '<icb_code> <financial year>' (one row per system-year): financial_year, actual, fitted,
    residual, leverage, cooks_distance, their ranks among all observations (1 = largest)
    and n_obs. Empty when the system is not in the model's sample."""
    parts = diagnostics["label"].astype(str).str.extract(r"^(?P<code>Q\w{2})\s+(?P<year>\S+)$")
    if parts["code"].isna().any():
        bad = diagnostics.loc[parts["code"].isna(), "label"].tolist()[:3]
        raise DataError(f"model_diagnostics.csv: labels not '<ICB code> <year>': {bad}")
    frame = diagnostics.assign(
        financial_year=parts["year"],
        icb_code=parts["code"],
        actual=diagnostics["fitted"] + diagnostics["residual"],
        leverage_rank=diagnostics["leverage"].rank(ascending=False, method="min"),
        cooks_rank=diagnostics["cooks_distance"].rank(ascending=False, method="min"),
        n_obs=len(diagnostics),
    )
    columns = ["financial_year", "actual", "fitted", "residual", "leverage", "leverage_rank"]
    columns += ["cooks_distance", "cooks_rank", "n_obs"]
    own = frame[frame["icb_code"] == icb_code]
    return own.sort_values("financial_year")[columns].reset_index(drop=True)


def facts_for(facts: pd.DataFrame, icb_code: str) -> pd.DataFrame:
    """The curated leadership and legacy-debt facts that name the system."""
    return facts.loc[facts["icb_code"] == icb_code, list(SYSTEM_FACT_COLUMNS)].reset_index(
        drop=True
    )


# --- the profile ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What one system's page shows (every field computed from the processed tables)."""

    system: dict[str, str]
    years: list[str]
    headline: pd.DataFrame  # the system's figure per year on HEADLINE_BASIS, ranked
    other_basis: pd.DataFrame  # the same on OTHER_BASIS
    record: pd.DataFrame  # every cited figure
    measures: pd.DataFrame  # latest year per measure, with group and unit
    trusts: pd.DataFrame
    rollups: pd.DataFrame
    place: pd.DataFrame
    facts: pd.DataFrame
    unknowns: list[str]
    sentences: list[str]


def rank_all(
    inputs: ProfileInputs, years: Sequence[str], groups: dict[str, Sequence[str]]
) -> dict[str, pd.DataFrame]:
    """Every system's ranked positions on both bases and ranked measures (computed once)."""
    names = [name for group in groups.values() for name in group]
    return {
        HEADLINE_BASIS: basis_positions(inputs.positions, HEADLINE_BASIS, years),
        OTHER_BASIS: basis_positions(inputs.positions, OTHER_BASIS, years),
        "measures": measure_ranks(inputs.panel, names, years),
    }


def build_profile(
    inputs: ProfileInputs,
    icb_code: str,
    years: Sequence[str],
    groups: dict[str, Sequence[str]],
    ranked: dict[str, pd.DataFrame] | None = None,
) -> Profile:
    """The profile of one system. ``groups`` maps a group name (funding, population,
    pressure) to its measures; ``ranked`` (from :func:`rank_all`, for many profiles at once)
    holds the comparisons of all systems."""
    code = check_icb_code(icb_code, inputs.lookup)
    ranked = ranked or rank_all(inputs, years, groups)
    own = ranked["measures"][ranked["measures"]["icb_code"] == code]
    measures = latest_with_value(own.drop(columns="icb_code"))
    measures["group"] = measures["measure"].map(
        {name: group for group, names in groups.items() for name in names}
    )
    measures["unit"] = measures["measure"].map(variables.unit)
    headline = own_positions(ranked[HEADLINE_BASIS], code, years)
    other = own_positions(ranked[OTHER_BASIS], code, years)
    record = finance_record(inputs.positions, code)
    trusts = system_trusts(inputs, code)
    place = model_place(inputs.diagnostics, code)
    system = system_identity(inputs.lookup, code)
    missing = [
        name for names in groups.values() for name in names if name not in set(measures["measure"])
    ]
    unknowns = unknown_items(system["name"], headline, record, trusts, place, missing, years)
    sentences = [
        position_sentence(system["name"], headline, other),
        funding_sentence(system["name"], inputs.panel, code),
        unknown_sentence(system["name"], unknowns),
    ]
    return Profile(
        system=system,
        years=list(years),
        headline=headline,
        other_basis=other,
        record=record,
        measures=measures,
        trusts=trusts,
        rollups=system_rollups(inputs.rollup, code),
        place=place,
        facts=facts_for(inputs.facts, code),
        unknowns=unknowns,
        sentences=sentences,
    )


# --- the three sentences -----------------------------------------------------------------------


def balance_words(value_gbp_m: float) -> str:
    """'a deficit of £175.0m', 'a surplus of £2.0m' or 'break-even'."""
    if round(value_gbp_m, 1) == 0:
        return "break-even"
    kind = "deficit" if value_gbp_m < 0 else "surplus"
    return f"a {kind} of {fmt(abs(value_gbp_m), '£m')}"


def position_sentence(name: str, headline: pd.DataFrame, other: pd.DataFrame) -> str:
    """The position: the latest figure before deficit support, its share of allocation and
    its rank among systems with the same year, stage and basis; then the latest figure after
    support, named as such (never compared with the first)."""
    known = headline.dropna(subset=["value_gbp_m"])
    after = other.dropna(subset=["value_gbp_m"])
    if known.empty:
        text = f"No full-year position {BASIS_WORDS[HEADLINE_BASIS]} is on record for {name}"
    else:
        row = known.iloc[-1]
        stage, n = readable(row["stage"]), int(row["n_systems"])
        place = "" if row["rank"] == 1 else f"{ordinal(row['rank'])} "
        cell = f"systems with {article(stage)} on that basis that year"
        among = (
            f"the only system with {article(stage)} on that basis that year"
            if n == 1
            else f"the {place}largest deficit of the {n} {cell}"
            if row["value_gbp_m"] < 0
            else f"ranked {ordinal(row['rank'])} of the {n} {cell} (1 = largest deficit)"
        )
        text = (
            f"{BASIS_WORDS[HEADLINE_BASIS].capitalize()}, {name}'s {stage} for "
            f"{row['financial_year']} is {balance_words(row['value_gbp_m'])} "
            f"({fmt(row['value_pct_allocation'], '%')} of core allocation), {among}"
        )
    if not after.empty:
        last = after.iloc[-1]
        text += (
            f"; {BASIS_WORDS[OTHER_BASIS]}, its latest figure, {article(readable(last['stage']))} "
            f"for {last['financial_year']}, is {balance_words(last['value_gbp_m'])}"
        )
    return text + "."


def timeline_title(profile: Profile) -> str:
    """The notebook's timeline title: how many figures, and the latest headline figure."""
    name, known = profile.system["name"], profile.headline.dropna(subset=["value_gbp_m"])
    title = f"{name}: {len(profile.record)} cited financial figures"
    if known.empty:
        return f"{title}, none a full-year position {BASIS_WORDS[HEADLINE_BASIS]}"
    row = known.iloc[-1]
    return (
        f"{title}; {BASIS_WORDS[HEADLINE_BASIS]}, the {row['financial_year']} "
        f"{readable(row['stage'])} is {balance_words(row['value_gbp_m'])}"
    )


def funding_sentence(name: str, panel: pd.DataFrame, icb_code: str) -> str:
    """Funding against need in the latest year: distance from the fair-shares target, per-head
    allocation and need index, each against the England median."""
    year = panel.loc[panel["distance_from_target_pct"].notna(), "financial_year"].max()
    rows = panel[panel["financial_year"] == year].set_index("icb_code")
    own = rows.loc[icb_code]
    distance = float(own["distance_from_target_pct"])
    side = "above" if distance > 0 else "below" if distance < 0 else "at"
    need_rank = int(rows["need_index"].rank(ascending=False, method="min")[icb_code])
    return (
        f"In {year} its core allocation of {fmt(own['allocation_per_head_gbp'], '£')} per person "
        f"(England median {fmt(rows['allocation_per_head_gbp'].median(), '£')}) is "
        f"{fmt(abs(distance), '%')} {side} its fair-shares target (median "
        f"{fmt(rows['distance_from_target_pct'].median(), '%')}), for a need index of "
        f"{fmt(own['need_index'])} (England = 1; {ordinal(need_rank)} highest of {len(rows)})."
    )


def unknown_items(
    name: str,
    headline: pd.DataFrame,
    record: pd.DataFrame,
    trusts: pd.DataFrame,
    place: pd.DataFrame,
    missing_measures: Sequence[str],
    years: Sequence[str],
) -> list[str]:
    """What is not known about the system, one phrase each, computed from the tables."""
    items = []
    gaps = headline.loc[headline["value_gbp_m"].isna(), "financial_year"].tolist()
    if gaps:
        items.append(
            f"its full-year position {BASIS_WORDS[HEADLINE_BASIS]} for {word_list(gaps)} "
            f"({len(gaps)} of {len(years)} years)"
        )
    full = record[record["stage"].isin(list(STAGE_RANK))]
    if not (full["stage"] == "outturn").any():
        items.append("an outturn (year-end result) for any year")
    unknown_basis = int((full["basis"] == "unknown").sum())
    if unknown_basis:
        items.append(
            f"whether {unknown_basis} of its {len(full)} cited full-year figures are before or "
            "after deficit support"
        )
    no_margin = int(trusts["operating_margin_pct"].isna().sum())
    if no_margin:
        items.append(f"the 2024/25 operating margin of {no_margin} of its {len(trusts)} trusts")
    if place.empty:
        items.append("its place in the driver models (not in the models' sample)")
    if missing_measures:
        labels = [variables.label(measure) for measure in missing_measures]
        items.append(f"any value of {word_list(labels)}")
    return items


def unknown_sentence(name: str, items: Sequence[str]) -> str:
    """The third sentence: what is not known, plainly."""
    if not items:
        return f"Every figure this profile looks for is on record for {name}."
    return f"Not known for {name}: {'; '.join(items)}."


# --- the page's sections (HTML), shown by the notebook and written by profile_pages -----------


def header_html(profile: Profile) -> str:
    """The page's opening: the system's name, what it is, and the three sentences."""
    system = profile.system
    sentences = "\n".join(f"<li>{html.escape(text)}</li>" for text in profile.sentences)
    return (
        f'<header class="profile-head">\n<h1>{html.escape(system["name"])}</h1>\n'
        f'<p class="subtitle">{html.escape(system["board"])} ({system["icb_code"]}) · '
        f"NHS England region: {html.escape(system['region'])}</p>\n"
        f'<ul class="sentences">\n{sentences}\n</ul>\n</header>'
    )


def _table(frame: pd.DataFrame, labels: dict[str, str], name: str, **options: object) -> str:
    """A table for people (``helpers.report.tables.people_table``) as HTML."""
    formats = {column: "text" for column in labels}
    return people_table(frame, labels, formats=formats, name=name, **options).to_html()  # type: ignore[arg-type]


def finance_html(profile: Profile) -> str:
    """Headline positions (one basis, ranked within year and stage), the other basis apart,
    and every cited figure in a folded table."""
    code = profile.system["icb_code"]

    def shown(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "year": frame["financial_year"],
                "stage": ["no figure" if pd.isna(x) else readable(x) for x in frame["stage"]],
                "gbp": frame["value_gbp_m"].map(lambda v: fmt(v, "£m")),
                "pct": frame["value_pct_allocation"].map(lambda v: fmt(v, "%")),
                "rank": [
                    DASH if pd.isna(r) else f"{int(r)} of {int(n)}"
                    for r, n in zip(frame["rank"], frame["n_systems"], strict=True)
                ],
                "median": frame["median_pct"].map(lambda v: fmt(v, "%")),
            }
        )

    labels = {
        "year": "Financial year",
        "stage": "Stage",
        "gbp": "Position (£m; deficit −)",
        "pct": "Position (% of core allocation)",
        "rank": "Rank by deficit (1 = largest), same year and stage",
        "median": "Median of those systems (% of core allocation)",
    }
    record = profile.record
    everything = pd.DataFrame(
        {
            "year": record["financial_year"],
            "stage": record["stage"].map(readable),
            "as_at": record["as_at"].astype(str),
            "basis": record["basis"].map(readable),
            "gbp": record["value_gbp_m"].map(lambda v: fmt(v, "£m")),
            "pct": record["value_pct_allocation"].map(lambda v: fmt(v, "%")),
            "kind": record["source_kind"].astype(str),
            "url": record["source_url"],
            "publisher": record["source_publisher"].astype(str) + ", " + record["source_date"],
        }
    )
    record_labels = {
        "year": "Financial year",
        "stage": "Stage",
        "as_at": "As at",
        "basis": "Basis",
        "gbp": "£m",
        "pct": "% of core allocation",
        "kind": "Source kind",
        "url": "Source",
    }
    before, after = (BASIS_WORDS[HEADLINE_BASIS], BASIS_WORDS[OTHER_BASIS])
    return (
        f'<section id="finance">\n<h2>Financial position, {before}</h2>\n'
        f"<p>Each year's most final full-year figure {before} (deficit negative), ranked only "
        "against systems with a figure of the same year, stage and basis.</p>\n"
        + _table(shown(profile.headline), labels, f"{code}-position-{HEADLINE_BASIS}")
        + f"\n<h3>The same, {after}</h3>\n<p>Shown apart: a figure {after} is not comparable "
        f"with one {before}.</p>\n"
        + _table(shown(profile.other_basis), labels, f"{code}-position-{OTHER_BASIS}")
        + f"\n<details>\n<summary>Every cited financial figure ({len(record)})</summary>\n"
        + _table(
            everything,
            {**record_labels},
            f"{code}-financial-record",
            links={"url": "publisher"},
        )
        + "\n</details>\n</section>"
    )


def trusts_html(profile: Profile) -> str:
    """The system's trusts: 2024/25 margin, 2025/26 plan, legacy loans; the roll-ups above."""
    trusts = profile.trusts
    registry = trust_registry.labels(["operating_margin_pct", "planned_position_pct"])
    rollups = profile.rollups.set_index("rollup")
    lines = []
    for rollup, outcome in ROLLUPS.items():
        if rollup in rollups.index:
            row = rollups.loc[rollup]
            lines.append(
                f"<li>{html.escape(registry[outcome])}: "
                f"<strong>{fmt(row['value_pct'], '%')}</strong> for its trusts together, "
                f"weighted by income ({int(row['n_trusts_covered'])} of {int(row['n_trusts'])} "
                "trusts with a figure, "
                f"{fmt(row['share_covered_pct'], '%', 0)} of their total cost)</li>"
            )
    total = trusts[LEGACY_BALANCE].sum()
    holders = int((trusts[LEGACY_BALANCE] > 0).sum())
    lines.append(
        "<li>Legacy deficit loans (interim revenue support) held at 31 March 2019 by the "
        f"predecessors of its trusts: <strong>{fmt(total, '£m')}</strong> ({holders} of "
        f"{len(trusts)} trusts)</li>"
    )
    frame = pd.DataFrame(
        {
            "trust": trusts["trust"],
            "type": trusts["type"],
            "income": trusts["operating_income_gbp_m"].map(lambda v: fmt(v, "£m")),
            "margin": trusts["operating_margin_pct"].map(lambda v: fmt(v, "%")),
            "plan": trusts["planned_position_pct"].map(lambda v: fmt(v, "%")),
            "loans": trusts[LEGACY_BALANCE].map(lambda v: fmt(v, "£m")),
            "share": trusts[LEGACY_SHARE].map(lambda v: fmt(v, "%")),
        }
    )
    labels = {
        "trust": "Trust",
        "type": "Type",
        "income": "Operating income 2024/25 (£m)",
        "margin": "Operating margin 2024/25 (% of income)",
        "plan": "Planned position 2025/26 (% of income)",
        "loans": "Legacy loans at 31 March 2019 (£m)",
        "share": "Legacy loans (% of 2024/25 income)",
    }
    return (
        f'<section id="trusts">\n<h2>Its {len(trusts)} NHS trusts</h2>\n<ul>\n'
        + "\n".join(lines)
        + "\n</ul>\n"
        + _table(frame, labels, f"{profile.system['icb_code']}-trusts")
        + "\n</section>"
    )


def measures_html(profile: Profile) -> str:
    """Funding, population and pressure measures (latest year each) against the other systems."""
    measures = profile.measures
    frame = pd.DataFrame(
        {
            "group": measures["group"].str.capitalize(),
            "measure": measures["measure"].map(variables.label),
            "unit": measures["unit"],
            "year": measures["financial_year"],
            "value": [fmt(v, u) for v, u in zip(measures["value"], measures["unit"], strict=True)],
            "rank": [
                f"{int(r)} of {n}"
                for r, n in zip(measures["rank"], measures["n_systems"], strict=True)
            ],
            "median": [
                fmt(v, u) for v, u in zip(measures["england_median"], measures["unit"], strict=True)
            ],
            "range": [
                f"{fmt(low, u)} to {fmt(high, u)}"
                for low, high, u in zip(
                    measures["lowest"], measures["highest"], measures["unit"], strict=True
                )
            ],
        }
    )
    labels = {
        "group": "Group",
        "measure": "Measure",
        "unit": "Unit",
        "year": "Year",
        "value": "This system",
        "rank": "Rank (1 = highest)",
        "median": "England median",
        "range": "Range of systems",
    }
    return (
        '<section id="measures">\n<h2>Funding, population and pressure</h2>\n'
        "<p>Each measure in the latest year the system has a value, against the systems with a "
        "value that year.</p>\n"
        + _table(frame, labels, f"{profile.system['icb_code']}-measures")
        + "\n</section>"
    )


def _with_rank(place: pd.DataFrame, value: str, rank: str) -> list[str]:
    """Each row's ``value`` (2 dp) with its ``rank`` among the model's ``n_obs``: '0.12 (3 of
    29)'."""
    return [
        f"{fmt(v, '', 2)} ({int(r)} of {int(n)})"
        for v, r, n in zip(place[value], place[rank], place["n_obs"], strict=True)
    ]


def model_html(profile: Profile) -> str:
    """The system's place in the primary driver model (per system-year in its sample)."""
    place, name = profile.place, profile.system["name"]
    if place.empty:
        text = f"{name} is not in the primary driver model's sample, so it has no fitted value."
        table = ""
    else:
        top = place.sort_values("cooks_rank").iloc[0]
        text = (
            f"{name} enters the primary driver model with {len(place)} system-year"
            f"{'s' if len(place) != 1 else ''} of {int(top['n_obs'])}; its most influential, "
            f"{top['financial_year']}, ranks {ordinal(top['cooks_rank'])} of "
            f"{int(top['n_obs'])} by Cook's distance (1 = most influential)."
        )
        frame = pd.DataFrame(
            {
                "year": place["financial_year"],
                "actual": place["actual"].map(lambda v: fmt(v, "%")),
                "fitted": place["fitted"].map(lambda v: fmt(v, "%")),
                "residual": place["residual"].map(lambda v: fmt(v)),
                "cooks": _with_rank(place, "cooks_distance", "cooks_rank"),
                "leverage": _with_rank(place, "leverage", "leverage_rank"),
            }
        )
        labels = {
            "year": "Financial year",
            "actual": "Position (% of core allocation)",
            "fitted": "Fitted by the model (% of core allocation)",
            "residual": "Residual (percentage points)",
            "cooks": "Cook's distance (rank)",
            "leverage": "Leverage (rank)",
        }
        table = _table(frame, labels, f"{profile.system['icb_code']}-driver-model")
    return (
        f'<section id="model">\n<h2>Place in the driver models</h2>\n<p>{html.escape(text)}</p>\n'
        f"{table}\n</section>"
    )


def facts_html(profile: Profile) -> str:
    """Curated leadership and legacy-debt facts that name the system, with sources."""
    facts = profile.facts
    if facts.empty:
        name = html.escape(profile.system["name"])
        body = f"<p>No curated leadership or legacy-debt fact names {name}.</p>"
    else:
        frame = facts.assign(
            shown=[
                fmt(v, u) if u == "£m" or pd.isna(v) else f"{fmt(v)} {u}"
                for v, u in zip(facts["value"], facts["unit"], strict=True)
            ],
            when=facts["when"].astype(str),
            publisher=facts["source_publisher"].astype(str)
            + ", "
            + facts["source_date"].astype(str),
        )
        labels = {
            "kind": "Kind",
            "when": "When",
            "fact": "Fact",
            "shown": "Value",
            "source_url": "Source",
        }
        body = _table(
            frame, labels, f"{profile.system['icb_code']}-facts", links={"source_url": "publisher"}
        )
    return f'<section id="facts">\n<h2>Historic debt and leadership</h2>\n{body}\n</section>'


def unknowns_html(profile: Profile) -> str:
    """What is not known, as a list."""
    items = profile.unknowns or ["nothing this profile looks for is missing"]
    listed = "\n".join(f"<li>{html.escape(item[:1].upper() + item[1:])}.</li>" for item in items)
    return f'<section id="unknowns">\n<h2>What is not known</h2>\n<ul>\n{listed}\n</ul>\n</section>'


def profile_sections(profile: Profile) -> list[str]:
    """The page's sections in order (the notebook shows each; the runner writes them)."""
    return [
        header_html(profile),
        finance_html(profile),
        trusts_html(profile),
        measures_html(profile),
        model_html(profile),
        facts_html(profile),
        unknowns_html(profile),
    ]


def profile_csv_frame(profile: Profile) -> pd.DataFrame:
    """The profile's numbers as one long table (the page's CSV download): section, item,
    financial_year, stage_or_unit, value, rank, n_systems."""
    code = profile.system["icb_code"]
    parts = []
    for basis, frame in ((HEADLINE_BASIS, profile.headline), (OTHER_BASIS, profile.other_basis)):
        known = frame.dropna(subset=["value_gbp_m"])
        for column, unit in (
            ("value_gbp_m", "£m"),
            ("value_pct_allocation", "% of core allocation"),
        ):
            parts.append(
                pd.DataFrame(
                    {
                        "section": f"position {BASIS_WORDS[basis]}",
                        "item": known["stage"].map(readable),
                        "financial_year": known["financial_year"],
                        "unit": unit,
                        "value": known[column],
                        "rank": known["rank"],
                        "n_systems": known["n_systems"],
                    }
                )
            )
    measures = profile.measures
    parts.append(
        pd.DataFrame(
            {
                "section": measures["group"],
                "item": measures["measure"].map(variables.label),
                "financial_year": measures["financial_year"],
                "unit": measures["unit"],
                "value": measures["value"],
                "rank": measures["rank"],
                "n_systems": measures["n_systems"],
            }
        )
    )
    trusts = profile.trusts
    for column, year, unit in (
        ("operating_margin_pct", "2024/25", "% of income"),
        ("planned_position_pct", "2025/26", "% of income"),
        (LEGACY_BALANCE, "2018/19", "£m"),
    ):
        parts.append(
            pd.DataFrame(
                {
                    "section": "trust " + trust_registry.label(column)
                    if column != LEGACY_BALANCE
                    else "trust legacy loans at 31 March 2019",
                    "item": trusts["trust"],
                    "financial_year": year,
                    "unit": unit,
                    "value": trusts[column],
                    "rank": np.nan,
                    "n_systems": np.nan,
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, "icb_code", code)
    return frame


# --- the index of all systems ------------------------------------------------------------------


def system_index(inputs: ProfileInputs, years: Sequence[str], count: int = 3) -> pd.DataFrame:
    """One row per system for the index page: icb_code, name, region, the position before
    deficit support (% of core allocation) in each of the ``count`` most-covered (year, stage)
    cells (columns named '<year> <stage>'), the trusts' 2024/25 operating margin roll-up and the
    number of years with a figure before deficit support."""
    ranked = basis_positions(inputs.positions, HEADLINE_BASIS, years)
    frame = pd.DataFrame(
        {
            "icb_code": inputs.lookup["icb_code"],
            "name": inputs.lookup["icb_name"].map(short_name),
            "region": inputs.lookup["region_name"].astype(str),
        }
    )
    for year, stage in comparison_cells(ranked, count):
        cell = ranked[(ranked["financial_year"] == year) & (ranked["stage"] == stage)]
        values = cell.set_index("icb_code")["value_pct_allocation"]
        frame[f"{year} {stage}"] = frame["icb_code"].map(values).astype(float)
    margin = inputs.rollup[inputs.rollup["rollup"] == "operating_margin_2024_25"]
    frame["trust_margin_pct"] = frame["icb_code"].map(margin.set_index("icb_code")["value_pct"])
    frame["years_with_figure"] = frame["icb_code"].map(ranked.groupby("icb_code").size())
    frame["years_with_figure"] = frame["years_with_figure"].fillna(0).astype(int)
    return frame.sort_values("icb_code", ignore_index=True)


def check_system_index(index: pd.DataFrame, n_expected: int) -> None:
    """The index must list every system once."""
    if len(index) != n_expected or index["icb_code"].duplicated().any():
        raise DataError(f"system index: expected {n_expected} distinct systems, got {len(index)}")
