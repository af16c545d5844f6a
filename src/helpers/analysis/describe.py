"""Tidy frames and summary numbers for notebook 02 (the scale and timeline of ICS deficits).

Three strands, each a small pure function on processed tables so that it can be tested with
fixtures:

* the national timeline: the curated selection ``data/raw/curated/national_timeline.csv``
  (which national fact stands for each stage of each year) joined to ``national_facts`` on
  ``fact_id``, in the shape :func:`helpers.report.plots.timeline_chart` draws;
* system positions: the best-available figure per system and year (share of core allocation),
  with region and a readable stage, summarised by year and by system (coverage and mean);
* funding: allocation per head, distance from target and need index across the 42 ICBs, and
  how distance from target moved between two years.

Positions follow the curated sign convention (surplus positive, deficit negative); national
timeline values are magnitudes of a deficit or an overspend in £m.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data import curated
from helpers.errors import DataError
from helpers.panel.finance import readable
from helpers.panel.joins import checked_merge
from helpers.report.plots import STAGE_ORDER
from helpers.report.tables import PeopleTable, people_table

LOGGER = logging.getLogger(__name__)

TIMELINE_FILE: Path = curated.TIMELINE_FILE
TIMELINE_COLUMNS: list[str] = curated.TIMELINE_COLUMNS
TIMELINE_BASES: tuple[str, ...] = ("aggregate deficit", "overspend against plan")
#: Short names of the timeline stages, used in the keys of the report's numbers.
STAGE_KEYS: dict[str, str] = {
    "draft plans": "draft",
    "final plans": "final",
    "forecast": "forecast",
    "outturn": "outturn",
}
#: Readable stage of a best-available system position (its curated ``measure``).
MEASURE_STAGES: dict[str, str] = {
    measure: readable(measure) for measure in ("plan_draft", "plan", "forecast", "outturn")
}
N_ICBS = 42


def year_key(financial_year: str) -> str:
    """'2022/23' -> '2022_23', for keys of the report's numbers."""
    return financial_year.replace("/", "_")


def short_icb_name(name: str) -> str:
    """'NHS Cheshire and Merseyside Integrated Care Board' -> 'Cheshire and Merseyside'."""
    short = name.strip().removeprefix("NHS ").removesuffix(" Integrated Care Board")
    return short.removesuffix(" ICB").strip()


def format_gbp_m(value: float, *, lower_bound: bool = False, approximate: bool = False) -> str:
    """£m value as text for the report: '£621 million', '£2.2 billion', 'over £1 billion'."""
    if abs(value) >= 1000:
        text = f"£{value / 1000:.1f}".removesuffix(".0") + " billion"
    else:
        text = f"£{value:.0f} million"
    if lower_bound:
        return f"over {text}"
    if approximate:
        return f"about {text}"
    return text


# --- The national timeline ---------------------------------------------------------------------


def read_timeline_selection(path: Path = TIMELINE_FILE) -> pd.DataFrame:
    """The curated timeline selection, checked: known stages and bases, one row per year/stage."""
    frame = curated.load_timeline_selection(path)
    problems = [
        f"line {index + 2}: stage {stage!r} not in {STAGE_ORDER}"
        for index, stage in frame["stage"].items()
        if stage not in STAGE_ORDER
    ] + [
        f"line {index + 2}: basis {basis!r} not in {list(TIMELINE_BASES)}"
        for index, basis in frame["basis"].items()
        if basis not in TIMELINE_BASES
    ]
    duplicated = frame.duplicated(["financial_year", "stage"], keep=False)
    problems += [
        f"line {index + 2}: {row.financial_year} {row.stage} is selected more than once"
        for index, row in frame[duplicated].iterrows()
    ]
    if problems:
        raise DataError(f"{path}: " + "; ".join(problems))
    return frame[TIMELINE_COLUMNS]


def national_timeline(selection: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """Join the timeline selection to the national facts; one row per year and stage.

    Every selected ``fact_id`` must exist exactly once in ``facts``, be a fact of the selected
    year and be in £m; otherwise DataError names each fact at fault. Returns financial_year,
    stage, basis, value_gbp_m, is_lower_bound, is_approximate, fact, as_at, selection_note and
    the source columns, sorted by year and stage (draft plans, final plans, forecast, outturn).
    """
    counts = facts["fact_id"].value_counts()
    problems = []
    for year, fact_id in selection[["financial_year", "fact_id"]].itertuples(index=False):
        found = int(counts.get(fact_id, 0))
        if found != 1:
            what = "not found" if found == 0 else f"found {found} times"
            problems.append(f"{year} fact_id {fact_id!r} {what} in national_facts")
    if problems:
        raise DataError("national timeline: " + "; ".join(problems))
    joined = selection.merge(
        facts, on="fact_id", how="left", validate="one_to_one", suffixes=("", "_fact")
    )
    wrong_year = joined[joined["financial_year"] != joined["financial_year_fact"]]
    if len(wrong_year):
        listed = "; ".join(
            f"{row.fact_id} is a {row.financial_year_fact} fact, selected for {row.financial_year}"
            for row in wrong_year.itertuples()
        )
        raise DataError(f"national timeline: {listed}")
    not_gbp = joined[joined["unit_base"] != "£m"]
    if len(not_gbp):
        listed = "; ".join(
            f"{row.financial_year} fact_id {row.fact_id!r} is in {row.unit_base!r}"
            for row in not_gbp.itertuples()
        )
        raise DataError(f"national timeline: values must be in £m: {listed}")
    joined = joined.rename(columns={"value": "value_gbp_m"})
    joined["stage_rank"] = joined["stage"].map(STAGE_ORDER.index)
    joined = joined.sort_values(["financial_year", "stage_rank"], ignore_index=True)
    columns = [
        "financial_year",
        "stage",
        "basis",
        "value_gbp_m",
        "is_lower_bound",
        "is_approximate",
        "fact",
        "as_at",
        "selection_note",
        "source_publisher",
        "source_title",
        "source_date",
        "source_url",
    ]
    return joined[[column for column in columns if column in joined.columns]]


def timeline_table(timeline: pd.DataFrame) -> pd.DataFrame:
    """The plotted national facts with their sources, for display (value as text)."""
    value = [
        format_gbp_m(
            row.value_gbp_m, lower_bound=row.is_lower_bound, approximate=row.is_approximate
        )
        for row in timeline.itertuples()
    ]
    table = pd.DataFrame(
        {
            "Year": timeline["financial_year"],
            "Stage": timeline["stage"],
            "Basis": timeline["basis"],
            "Value": value,
            "Fact (as recorded)": timeline["fact"],
            "Publisher": timeline["source_publisher"],
            "Date": timeline["source_date"],
            "Source": timeline["source_url"],
        }
    )
    return table.set_index(["Year", "Stage"])


def timeline_publishers(timeline: pd.DataFrame) -> list[str]:
    """Distinct publishers of the plotted facts, sorted case-insensitively."""
    return sorted(timeline["source_publisher"].unique(), key=str.lower)


def timeline_numbers(timeline: pd.DataFrame) -> dict[str, int | float | str]:
    """Numbers for the report: each plotted fact in £m and as text, keyed by stage and year.

    Keys: ``national_<stage>_<year>_gbp_m`` and ``national_<stage>_<year>_text``, where stage
    is draft, final, forecast or outturn (e.g. ``national_outturn_2023_24_text``).
    """
    numbers: dict[str, int | float | str] = {"national_timeline_n_facts": len(timeline)}
    for row in timeline.itertuples():
        stem = f"national_{STAGE_KEYS[row.stage]}_{year_key(row.financial_year)}"
        value = float(row.value_gbp_m)
        numbers[f"{stem}_gbp_m"] = int(value) if value.is_integer() else round(value, 1)
        numbers[f"{stem}_text"] = format_gbp_m(
            value, lower_bound=row.is_lower_bound, approximate=row.is_approximate
        )
    return numbers


# --- System positions --------------------------------------------------------------------------


def best_positions(
    positions: pd.DataFrame, lookup: pd.DataFrame, years: Sequence[str]
) -> pd.DataFrame:
    """Best-available whole-system positions in ``years`` with region, short name and stage.

    Keeps rows flagged ``best_available`` with scope 'system' and a known share of allocation
    (rows left out are counted in the log). Adds icb_name (short), region_name and ``stage``
    (readable measure: draft plan, final plan, forecast, outturn). Sorted by year and system.
    """
    keep = (
        positions["best_available"]
        & (positions["scope"] == "system")
        & positions["financial_year"].isin(list(years))
    )
    unscaled = keep & positions["value_pct_allocation"].isna()
    if unscaled.any():
        LOGGER.warning("%d best-available rows have no share of allocation", int(unscaled.sum()))
    best = positions[keep & ~unscaled]
    LOGGER.info("best-available positions: %d of %d rows", len(best), len(positions))
    columns = [
        "icb_code",
        "financial_year",
        "measure",
        "value_gbp_m",
        "value_pct_allocation",
        "source_kind",
        "source_publisher",
    ]
    best = checked_merge(
        best[columns],
        lookup[["icb_code", "icb_name", "region_name"]],
        ["icb_code"],
        label="best positions -> icb_lookup",
        allow_unmatched=False,
    )
    best["icb_name"] = best["icb_name"].map(short_icb_name)
    best["stage"] = best["measure"].map(MEASURE_STAGES).fillna(best["measure"])
    return best.sort_values(["financial_year", "icb_code"], ignore_index=True)


def positions_by_year(best: pd.DataFrame, years: Sequence[str]) -> pd.DataFrame:
    """Per year: systems with a figure (of 42), in deficit, median/min/max % and source kinds.

    Years without any figure are kept with zero systems and missing statistics.
    """
    grouped = best.groupby("financial_year")["value_pct_allocation"]
    summary = pd.DataFrame(
        {
            "systems": grouped.size(),
            "in_deficit": best.assign(d=best["value_pct_allocation"] < 0)
            .groupby("financial_year")["d"]
            .sum(),
            "median_pct": grouped.median(),
            "min_pct": grouped.min(),
            "max_pct": grouped.max(),
        }
    )
    kinds = best.pivot_table(
        index="financial_year", columns="source_kind", values="icb_code", aggfunc="size"
    )
    summary = summary.join(kinds.add_prefix("n_"))
    summary = summary.reindex(list(years))
    count_columns = [column for column in summary if column in ("systems", "in_deficit")]
    count_columns += [column for column in summary if column.startswith("n_")]
    summary[count_columns] = summary[count_columns].fillna(0).astype(int)
    summary.index.name = "financial_year"
    return summary


def n_title(summary: pd.DataFrame, unit: str = "systems") -> str:
    """'N = 19 (2022/23), 16 (2023/24) ... systems of 42' from :func:`positions_by_year`."""
    parts = [f"{int(n)} ({year})" for year, n in summary["systems"].items()]
    return f"N = {', '.join(parts)} {unit} of {N_ICBS}"


def coverage_title(coverage: pd.DataFrame, prefix: str) -> str:
    """'<prefix>: 32 of 42 systems have a figure' from :func:`system_coverage`."""
    covered = int((coverage["n_years"] > 0).sum())
    return f"{prefix}: {covered} of {len(coverage)} systems have a figure"


def system_coverage(best: pd.DataFrame, lookup: pd.DataFrame, years: Sequence[str]) -> pd.DataFrame:
    """One row per ICB (all 42): years with a best-available figure and mean position.

    Columns: icb_code, icb_ons_code, icb_name (short), region_name, n_years (0 to
    len(years)), coverage (text such as '2 years', missing when there is no figure) and
    mean_position_pct (mean of the best-available % of allocation over the covered years,
    missing when there is none). Sorted by icb_code.
    """
    shown = best[best["financial_year"].isin(list(years))]
    per_system = shown.groupby("icb_code").agg(
        n_years=("financial_year", "nunique"), mean_position_pct=("value_pct_allocation", "mean")
    )
    frame = lookup[["icb_code", "icb_ons_code", "icb_name", "region_name"]].copy()
    frame["icb_name"] = frame["icb_name"].map(short_icb_name)
    frame = frame.merge(per_system, on="icb_code", how="left", validate="one_to_one")
    unknown = sorted(set(per_system.index) - set(frame["icb_code"]))
    if unknown:
        raise DataError(f"positions for systems not in the ICB lookup: {unknown}")
    frame["n_years"] = frame["n_years"].fillna(0).astype(int)
    frame["coverage"] = [
        None if n == 0 else f"{n} year{'s' if n > 1 else ''}" for n in frame["n_years"]
    ]
    return frame.sort_values("icb_code", ignore_index=True)


def coverage_counts(coverage: pd.DataFrame, years: Sequence[str]) -> pd.DataFrame:
    """Number of systems by years covered (0 to len(years)); every count shown."""
    counts = coverage["n_years"].value_counts().reindex(range(len(years) + 1), fill_value=0)
    table = counts.rename("systems").to_frame()
    table.index.name = "years_with_a_figure"
    return table


def with_boundaries(frame: pd.DataFrame, boundaries: pd.DataFrame) -> pd.DataFrame:
    """Attach each ICB's geometry (2022 E54 code); DataError unless all 42 match one to one."""
    shapes = boundaries[["icb_ons_code", "geometry"]].astype({"icb_ons_code": str})
    keyed = frame.astype({"icb_ons_code": str})
    missing = sorted(set(keyed["icb_ons_code"]) - set(shapes["icb_ons_code"]))
    if missing:
        raise DataError(f"ICB boundaries: no geometry for {missing}")
    return keyed.merge(shapes, on="icb_ons_code", how="left", validate="one_to_one")


def position_numbers(
    summary: pd.DataFrame, coverage: pd.DataFrame, years: Sequence[str]
) -> dict[str, int | float | str]:
    """Numbers for the report from :func:`positions_by_year` and :func:`system_coverage`.

    Per year: ``positions_n_systems_<year>``, ``positions_n_deficit_<year>`` and (when there is
    a figure) ``positions_median_pct_<year>`` (1 dp). Overall: systems with any figure, with a
    figure in every year, and with none.
    """
    numbers: dict[str, int | float | str] = {}
    for year, row in summary.iterrows():
        key = year_key(str(year))
        numbers[f"positions_n_systems_{key}"] = int(row["systems"])
        numbers[f"positions_n_deficit_{key}"] = int(row["in_deficit"])
        if row["systems"] > 0:
            numbers[f"positions_median_pct_{key}"] = round(float(row["median_pct"]), 1)
    numbers["positions_n_system_years"] = int(summary["systems"].sum())
    numbers["positions_n_systems_any_year"] = int((coverage["n_years"] > 0).sum())
    numbers["positions_n_systems_every_year"] = int((coverage["n_years"] == len(years)).sum())
    numbers["positions_n_systems_none"] = int((coverage["n_years"] == 0).sum())
    return numbers


# --- Funding -----------------------------------------------------------------------------------

FUNDING_COLUMNS: list[str] = ["allocation_per_head_gbp", "distance_from_target_pct", "need_index"]


def funding_frame(
    icb_year: pd.DataFrame, lookup: pd.DataFrame, years: Sequence[str]
) -> pd.DataFrame:
    """Funding columns of the panel for ``years`` with short name and region; sorted."""
    frame = icb_year.loc[
        icb_year["financial_year"].isin(list(years)),
        ["icb_code", "financial_year", *FUNDING_COLUMNS],
    ]
    frame = checked_merge(
        frame,
        lookup[["icb_code", "icb_name", "region_name"]],
        ["icb_code"],
        label="funding -> icb_lookup",
        allow_unmatched=False,
    )
    frame["icb_name"] = frame["icb_name"].map(short_icb_name)
    return frame.sort_values(["financial_year", "icb_code"], ignore_index=True)


def funding_by_year(funding: pd.DataFrame, below_target_pct: float) -> pd.DataFrame:
    """Per year: ICBs, allocation per head (min, median, max and the ICBs at the extremes),
    distance from target (min, median, max; ICBs below ``below_target_pct``), need index range.
    """
    rows = []
    for year, group in funding.groupby("financial_year", sort=True):
        per_head = group.dropna(subset=["allocation_per_head_gbp"])
        lowest = per_head.loc[per_head["allocation_per_head_gbp"].idxmin()]
        highest = per_head.loc[per_head["allocation_per_head_gbp"].idxmax()]
        distance = group["distance_from_target_pct"]
        rows.append(
            {
                "financial_year": year,
                "icbs": int(group["icb_code"].nunique()),
                "per_head_min_gbp": lowest["allocation_per_head_gbp"],
                "per_head_min_icb": lowest["icb_name"],
                "per_head_median_gbp": per_head["allocation_per_head_gbp"].median(),
                "per_head_max_gbp": highest["allocation_per_head_gbp"],
                "per_head_max_icb": highest["icb_name"],
                "distance_min_pct": distance.min(),
                "distance_median_pct": distance.median(),
                "distance_max_pct": distance.max(),
                "distance_sd_pct": distance.std(),
                "below_target_n": int((distance < below_target_pct).sum()),
                "need_index_min": group["need_index"].min(),
                "need_index_max": group["need_index"].max(),
            }
        )
    return pd.DataFrame(rows).set_index("financial_year")


def correlation_title(frame: pd.DataFrame, x: str, y: str, unit: str = "ICBs") -> str:
    """'N = 42 ICBs; Pearson r = 0.21' over the rows where both ``x`` and ``y`` are known."""
    both = frame[[x, y]].dropna()
    r = both[x].corr(both[y]) if len(both) > 1 else float("nan")
    return f"N = {len(both)} {unit}; Pearson r = {r:.2f}"


def convergence(funding: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    """Distance from target per ICB in ``first`` and ``last`` and its change; sorted by change.

    ``closer`` is True when the distance moved towards zero (the target).
    """
    wide = funding.pivot(
        index="icb_code", columns="financial_year", values="distance_from_target_pct"
    )
    missing = [year for year in (first, last) if year not in wide.columns]
    if missing:
        raise DataError(f"convergence: no distance from target for {missing}")
    names = funding.drop_duplicates("icb_code").set_index("icb_code")[["icb_name", "region_name"]]
    table = pd.DataFrame({"first_pct": wide[first], "last_pct": wide[last]}).join(names)
    table["change_pp"] = table["last_pct"] - table["first_pct"]
    table["closer"] = table["last_pct"].abs() < table["first_pct"].abs()
    return table.sort_values(["change_pp", "icb_code"]).reset_index()


def funding_numbers(
    by_year: pd.DataFrame, moved: pd.DataFrame, below_target_pct: float, first: str, last: str
) -> dict[str, int | float | str]:
    """Numbers for the report from :func:`funding_by_year` and :func:`convergence`.

    Per year: lowest and highest allocation per head (£, rounded) with the ICBs, and ICBs below
    ``below_target_pct``; for the years ``first`` -> ``last``: ICBs closer to target, the
    spread (SD) and median of distance from target in each.
    """
    numbers: dict[str, int | float | str] = {
        "funding_below_target_threshold_pct": float(abs(below_target_pct)),
        "funding_n_icbs_closer_to_target": int(moved["closer"].sum()),
        "funding_n_icbs_compared": int(moved[["first_pct", "last_pct"]].notna().all(axis=1).sum()),
        "funding_convergence_first_year": first,
        "funding_convergence_last_year": last,
    }
    for year, row in by_year.iterrows():
        key = year_key(str(year))
        numbers[f"funding_per_head_min_gbp_{key}"] = int(np.round(row["per_head_min_gbp"]))
        numbers[f"funding_per_head_min_icb_{key}"] = str(row["per_head_min_icb"])
        numbers[f"funding_per_head_max_gbp_{key}"] = int(np.round(row["per_head_max_gbp"]))
        numbers[f"funding_per_head_max_icb_{key}"] = str(row["per_head_max_icb"])
        numbers[f"funding_n_below_target_{key}"] = int(row["below_target_n"])
        if year in (first, last):
            numbers[f"funding_distance_median_pct_{key}"] = round(row["distance_median_pct"], 1)
            numbers[f"funding_distance_sd_pct_{key}"] = round(row["distance_sd_pct"], 1)
    return numbers


# --- Chart titles that state the finding (computed, so they change with the data) ---------------


def _share_words(count: int, total: int) -> str:
    """'every one of the 4' / '3 of the 4' / 'none of the 4'."""
    if total and count == total:
        return f"all {total}"
    if count == 0:
        return f"none of the {total}"
    return f"{count} of the {total}"


def timeline_title(timeline: pd.DataFrame) -> str:
    """The national timeline's finding: in how many years final plans were below draft plans,
    and the latest draft-plan total."""
    values = timeline.pivot_table(
        index="financial_year", columns="stage", values="value_gbp_m", aggfunc="first"
    )
    if "draft plans" not in values or "final plans" not in values:
        return "ICS finances in England by stage of each financial year"
    both = values[["draft plans", "final plans"]].dropna()
    smaller = int((both["final plans"] < both["draft plans"]).sum())
    latest = values["draft plans"].dropna().index.max()
    latest_row = timeline[
        (timeline["financial_year"] == latest) & (timeline["stage"] == "draft plans")
    ].iloc[0]
    latest_text = format_gbp_m(
        float(latest_row["value_gbp_m"]),
        lower_bound=bool(latest_row["is_lower_bound"]),
        approximate=bool(latest_row.get("is_approximate", False)),
    )
    return (
        f"Final plans cut the draft-plan deficit in {_share_words(smaller, len(both))} years "
        f"with both; {latest} drafts added up to {latest_text}"
    )


def positions_title(summary: pd.DataFrame) -> str:
    """In how many years most systems with a figure were in deficit (from positions_by_year)."""
    covered = summary[summary["systems"] > 0]
    majority = int((covered["in_deficit"] * 2 > covered["systems"]).sum())
    return (
        f"Most systems with a published position were in deficit in "
        f"{_share_words(majority, len(covered))} years with figures"
    )


def group_deficit_title(best: pd.DataFrame, group: str, noun: str) -> str:
    """How many groups (regions, source kinds) have at least one system-year in deficit."""
    in_deficit = best[best["value_pct_allocation"] < 0][group].nunique()
    total = best[group].nunique()
    return f"Deficits appear in {_share_words(int(in_deficit), int(total))} {noun}"


def positions_note(summary: pd.DataFrame, unit: str = "systems") -> str:
    """'N = 19 (2022/23), 16 (2023/24) ... systems of 42' for under a chart."""
    return n_title(summary, unit)


def coverage_map_title(coverage: pd.DataFrame) -> str:
    """How many systems have any published position, and how many have one every year."""
    covered = int((coverage["n_years"] > 0).sum())
    every = int((coverage["n_years"] == coverage["n_years"].max()).sum()) if covered else 0
    return (
        f"{covered} of {len(coverage)} systems have a published position; "
        f"{every} {'has' if every == 1 else 'have'} one in every year"
    )


def position_map_title(coverage: pd.DataFrame) -> str:
    """How many of the systems with a figure averaged a deficit."""
    shown = coverage.dropna(subset=["mean_position_pct"])
    deficit = int((shown["mean_position_pct"] < 0).sum())
    return f"{deficit} of the {len(shown)} systems with a figure averaged a deficit"


def correlation_strength(r: float) -> str:
    """Words for the size of a correlation: |r| < 0.1 negligible, < 0.3 weak, < 0.5 moderate."""
    size = abs(r)
    if math.isnan(size):
        return "cannot be measured"
    if size < 0.1:
        return "negligible"
    if size < 0.3:
        return "weak"
    if size < 0.5:
        return "moderate"
    return "strong"


def correlation_finding(frame: pd.DataFrame, x: str, y: str, what: str) -> str:
    """'<what>: a weak positive correlation (r = 0.21)' over rows with both values."""
    both = frame[[x, y]].dropna()
    r = float(both[x].corr(both[y])) if len(both) > 1 else float("nan")
    strength = correlation_strength(r)
    direction = (
        ""
        if strength in ("negligible", "cannot be measured")
        else (" positive" if r > 0 else " negative")
    )
    shown = f"{r:.2f}".replace("-", "\u2212")
    return f"{what}: a {strength}{direction} correlation (r = {shown})"


def convergence_title(moved: pd.DataFrame, first: str, last: str) -> str:
    """How many ICBs moved closer to their fair-shares target between two years."""
    compared = moved[["first_pct", "last_pct"]].notna().all(axis=1)
    closer = int(moved.loc[compared, "closer"].sum())
    return (
        f"{closer} of {int(compared.sum())} ICBs moved closer to their fair-shares target "
        f"between {first} and {last}"
    )


# --- Tables for people (helpers.report.tables) ----------------------------------------------


def timeline_people_table(timeline: pd.DataFrame) -> PeopleTable:
    """The plotted national facts with publishers and links, for readers."""
    table = timeline_table(timeline).reset_index()
    table["Link"] = timeline["source_url"].to_numpy()
    return people_table(
        table,
        {
            "Year": "Year",
            "Stage": "Stage",
            "Basis": "Basis",
            "Value": "Value",
            "Fact (as recorded)": "Fact as published",
            "Publisher": "Publisher",
            "Date": "Date",
            "Link": "Source",
        },
        formats={"Value": "text", "Date": "text"},
        links={"Link": "Publisher"},
        name="tbl-deficit-timeline",
    )


def positions_people_table(summary: pd.DataFrame) -> PeopleTable:
    """:func:`positions_by_year` for readers: counts, median and range, systems by source kind."""
    frame = summary.reset_index()
    labels = {
        "financial_year": "Financial year",
        "systems": f"Systems with a figure (of {N_ICBS})",
        "in_deficit": "In deficit",
        "median_pct": "Median position, % of allocation",
        "min_pct": "Lowest, %",
        "max_pct": "Highest, %",
    }
    kinds = [column for column in frame.columns if column.startswith("n_")]
    labels.update({kind: f"From {kind.removeprefix('n_')} sources" for kind in kinds})
    formats = {"systems": "int", "in_deficit": "int", **dict.fromkeys(kinds, "int")}
    formats.update({"median_pct": "1dp", "min_pct": "1dp", "max_pct": "1dp"})
    return people_table(frame, labels, formats=formats, name="tbl-positions-by-year")


def funding_people_table(summary: pd.DataFrame, below_target_pct: float) -> PeopleTable:
    """:func:`funding_by_year` for readers, one row per financial year."""
    threshold = f"{abs(below_target_pct):g}"
    return people_table(
        summary.reset_index(),
        {
            "financial_year": "Financial year",
            "icbs": "ICBs",
            "per_head_min_gbp": "Lowest allocation per head, £",
            "per_head_min_icb": "ICB with the lowest",
            "per_head_median_gbp": "Median per head, £",
            "per_head_max_gbp": "Highest per head, £",
            "per_head_max_icb": "ICB with the highest",
            "distance_min_pct": "Distance from target: lowest, %",
            "distance_median_pct": "median, %",
            "distance_max_pct": "highest, %",
            "distance_sd_pct": "standard deviation, points",
            "below_target_n": f"ICBs more than {threshold}% below target",
            "need_index_min": "Need index: lowest",
            "need_index_max": "highest",
        },
        formats={
            "icbs": "int",
            "per_head_min_gbp": "gbp",
            "per_head_median_gbp": "gbp",
            "per_head_max_gbp": "gbp",
            "distance_min_pct": "1dp",
            "distance_median_pct": "1dp",
            "distance_max_pct": "1dp",
            "distance_sd_pct": "1dp",
            "below_target_n": "int",
            "need_index_min": "3dp",
            "need_index_max": "3dp",
        },
        name="tbl-funding-by-year",
    )


def convergence_people_table(moved: pd.DataFrame, first: str, last: str) -> PeopleTable:
    """:func:`convergence` for readers: each ICB's distance in two years and the change."""
    frame = moved.assign(closer_text=moved["closer"].map({True: "yes", False: "no"}))
    return people_table(
        frame,
        {
            "icb_name": "ICB",
            "region_name": "Region",
            "first_pct": f"Distance from target {first}, %",
            "last_pct": f"{last}, %",
            "change_pp": "Change, points",
            "closer_text": "Closer to target",
        },
        formats={"first_pct": "1dp", "last_pct": "1dp", "change_pp": "1dp"},
        name="tbl-funding-convergence",
    )
