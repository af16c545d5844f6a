"""System profiles: what the processed tables say about one integrated care system.

Notebook ``08_profile_system`` calls these functions for one ``icb_code``; each compares the
system with the other 41 (rank, England median, range). Every sentence is built here from the
tables, so a profile carries no hand-typed number. Columns that other stages have not produced
yet (for example ``stage`` or ``basis`` on the finance positions) are reported as not available,
computed from their absence, never filled in.

Ranks: 1 is the highest value among the systems with a value that year (ties share the lower
rank); for financial positions 1 is the largest deficit as a share of allocation.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.io import read_processed
from helpers.errors import ConfigError, DataError
from helpers.panel.finance import STAGE_RANK, readable
from helpers.panel.leadership import SYSTEM_FACT_COLUMNS
from helpers.panel.schemas import read_table
from helpers.paths import PROCESSED_DIR

#: Processed tables a profile reads (and nothing else); the runner hashes them to skip work.
INPUT_TABLES: tuple[str, ...] = (
    "icb_lookup.parquet",
    "icb_year.parquet",
    "finance_positions.parquet",
    "model_diagnostics.csv",
    "system_facts.csv",
)
#: Finance-position columns the profile shows when the table carries them.
FINANCE_DETAIL_COLUMNS: tuple[str, ...] = (
    "stage",
    "basis",
    "original_source",
    "value_pct_total_allocation",
)
#: Labels of the columns the profile shows that the driver models do not use.
PROFILE_LABELS: dict[str, str] = {
    "core_allocation_gbp_m": "Core allocation (£m)",
    "total_allocation_gbp_m": "Total allocation (£m)",
    "allocation_per_head_gbp": "Core allocation per head (£)",
    "real_growth_pct": "Real-terms allocation growth (%)",
    "population": "Registered population",
    "staff_bme_share_pct": "Ethnic-minority staff-survey respondents (%)",
    "staff_discrimination_pct": "Staff experiencing discrimination from colleagues (%)",
}
MINUS = "\u2212"
NOT_AVAILABLE = "not yet available"


@dataclass(frozen=True)
class ProfileInputs:
    """The processed tables one profile reads. Optional tables are None when not written."""

    lookup: pd.DataFrame
    panel: pd.DataFrame
    positions: pd.DataFrame
    diagnostics: pd.DataFrame | None
    facts: pd.DataFrame | None


def load_inputs(directory: Path = PROCESSED_DIR) -> ProfileInputs:
    """Read the processed tables a profile needs (schema-checked where a schema exists).

    A kernel that profiles one system after another re-reads the tables only when one of
    them has changed on disk (same path, size and modification time reuse the checked
    tables); each call returns fresh copies, so no profile can change another's inputs.
    """
    stamp = tuple(
        (name, path.stat().st_mtime_ns, path.stat().st_size) if path.is_file() else (name,)
        for name in INPUT_TABLES
        for path in [directory / name]
    )
    cached = _read_inputs(directory, stamp)
    frames = [getattr(cached, field.name) for field in dataclasses.fields(cached)]
    return ProfileInputs(*(None if frame is None else frame.copy() for frame in frames))


@functools.lru_cache(maxsize=2)
def _read_inputs(directory: Path, stamp: tuple[tuple[object, ...], ...]) -> ProfileInputs:
    """The tables as read and checked; ``stamp`` (names, times, sizes) keys the cache."""

    def optional(name: str) -> pd.DataFrame | None:
        return read_processed(name, directory) if (directory / name).is_file() else None

    return ProfileInputs(
        lookup=read_table("icb_lookup.parquet", directory),
        panel=read_table("icb_year.parquet", directory),
        positions=read_table("finance_positions.parquet", directory),
        diagnostics=optional("model_diagnostics.csv"),
        facts=optional("system_facts.csv"),
    )


# --- the system ------------------------------------------------------------------------------


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


def variable_label(name: str) -> str:
    """Plain-English label of a column: the variable registry when present, else the model
    labels, else the profile's own labels, else the column name."""
    try:
        from helpers.panel import variables  # type: ignore[attr-defined]

        return str(variables.label(name))
    except (ImportError, AttributeError, KeyError):
        pass
    from helpers.analysis.models import VARIABLE_LABELS

    return VARIABLE_LABELS.get(name) or PROFILE_LABELS.get(name) or name


# --- formatting --------------------------------------------------------------------------------


def format_number(value: float | None, decimals: int | None = None) -> str:
    """A number for people: thousands separators, a true minus, '–' when missing.

    Without ``decimals`` the precision follows the size: 0 decimals from 100, 1 from 10,
    otherwise 2.
    """
    if value is None or pd.isna(value):
        return "\u2013"
    if decimals is None:
        size = abs(float(value))
        decimals = 0 if size >= 100 else 1 if size >= 10 else 2
    return f"{float(value):,.{decimals}f}".replace("-", MINUS)


def html_table(frame: pd.DataFrame, escape_columns: Sequence[str] = ()) -> str:
    """A plain HTML table (no index) of already formatted text; ``escape_columns`` are
    HTML-escaped, the others are trusted markup made by this module."""
    header = "".join(f"<th>{html.escape(str(column))}</th>" for column in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else value
            text = html.escape(str(text)) if column in escape_columns else str(text)
            cells.append(f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<table class="profile-table"><thead><tr>'
        + header
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def source_link(url: str, text: str) -> str:
    """An HTML link to a source."""
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(text)}</a>'


# --- comparisons with the other systems --------------------------------------------------------


def rank_descending(values: pd.Series) -> pd.Series:
    """Rank with 1 = highest value; ties share the lower rank; missing values stay missing."""
    return values.rank(ascending=False, method="min")


def compare_measures(
    panel: pd.DataFrame, icb_code: str, measures: Sequence[str], years: Sequence[str]
) -> pd.DataFrame:
    """One row per measure and year: the system's value, its rank among the systems with a
    value, how many have one, the England median (of ICB values), lowest and highest.

    Measures that ``panel`` does not carry are left out (see :func:`absent_columns`). Rows come
    in the order of ``measures``, then of financial year. All measures and years are computed
    at once (one long table grouped by measure and year), not one group at a time.
    """
    columns = ["measure", "financial_year", "value", "rank", "n_systems"]
    columns += ["england_median", "lowest", "highest"]
    present = list(dict.fromkeys(name for name in measures if name in panel.columns))
    shown = panel[panel["financial_year"].isin(list(years))]
    if not present or shown.empty:
        return pd.DataFrame(columns=columns)
    wide = shown[present].astype(float)
    wide.columns = pd.Index(range(len(present)))
    long = pd.DataFrame(
        {
            "measure": np.repeat(np.arange(len(present)), len(shown)),
            "financial_year": np.tile(shown["financial_year"].to_numpy(dtype=object), len(present)),
            "icb_code": np.tile(shown["icb_code"].to_numpy(dtype=object), len(present)),
            "value": wide.to_numpy().ravel(order="F"),
        }
    )
    groups = long.groupby(["measure", "financial_year"], sort=True)["value"]
    long["rank"] = groups.rank(ascending=False, method="min")
    table = groups.agg(
        n_systems="count", england_median="median", lowest="min", highest="max"
    ).reset_index()
    own = long.loc[long["icb_code"] == icb_code, ["measure", "financial_year", "value", "rank"]]
    table = table.merge(own, on=["measure", "financial_year"], how="left", validate="one_to_one")
    table["measure"] = [present[index] for index in table["measure"]]
    table["n_systems"] = table["n_systems"].astype(int)
    return table[columns].reset_index(drop=True)


def comparison_display(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison for people: labels, formatted numbers, 'k of n' ranks."""
    rank_text = [
        "\u2013" if pd.isna(rank) else f"{int(rank)} of {n}"
        for rank, n in zip(comparison["rank"], comparison["n_systems"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Measure": comparison["measure"].map(variable_label),
            "Year": comparison["financial_year"],
            "This system": comparison["value"].map(format_number),
            "Rank (1 = highest)": rank_text,
            "England median": comparison["england_median"].map(format_number),
            "Lowest": comparison["lowest"].map(format_number),
            "Highest": comparison["highest"].map(format_number),
        }
    )


def latest_with_value(comparison: pd.DataFrame) -> pd.DataFrame:
    """For each measure, the latest year in which the system has a value."""
    known = comparison[comparison["value"].notna()]
    return known.sort_values(["measure", "financial_year"]).groupby("measure").tail(1)


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


def median_sentence(name: str, group: str, comparison: pd.DataFrame) -> str:
    """E.g. 'Kent and Medway is above the England median on 2 of 5 funding measures ...'."""
    counts = position_against_median(comparison)
    if counts["measures"] == 0:
        return f"{name} has no value for any {group} measure in the years shown."
    return (
        f"{name} is above the England median on {counts['above']} and below it on "
        f"{counts['below']} of {counts['measures']} {group} measures (each in the latest year "
        "for which the system has a value)."
    )


def distribution_data(panel: pd.DataFrame, comparison: pd.DataFrame, icb_code: str) -> pd.DataFrame:
    """Every system's value of each measure (in the comparison's order) in the latest year the
    profiled system has one:
    measure, label, financial_year, icb_code, value, is_system, and ``standardised``: the
    distance from the median of the systems in standard deviations (missing when all equal)."""
    frames = []
    latest = latest_with_value(comparison)
    order = {measure: index for index, measure in enumerate(dict.fromkeys(comparison["measure"]))}
    latest = latest.sort_values("measure", key=lambda measures: measures.map(order))
    for row in latest.itertuples(index=False):
        year_rows = panel[panel["financial_year"] == row.financial_year]
        frames.append(
            pd.DataFrame(
                {
                    "measure": row.measure,
                    "label": f"{variable_label(row.measure)}, {row.financial_year}",
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


def absent_columns(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """The columns in ``columns`` that ``frame`` does not carry, in the given order."""
    return [column for column in columns if column not in frame.columns]


# --- financial figures -----------------------------------------------------------------------


def finance_record(positions: pd.DataFrame, icb_code: str) -> pd.DataFrame:
    """Every cited financial figure on record for the system, by year and stage.

    Stage is the ``stage`` column when the table has it, else the curated ``measure``; basis,
    original source and share of total allocation are ``None`` where the table lacks them.
    Sorted by year, then month of the year the figure refers to, then curated line.
    """
    rows = positions[positions["icb_code"] == icb_code].copy()
    for column in FINANCE_DETAIL_COLUMNS:
        if column not in rows.columns:
            rows[column] = None
    if rows["stage"].isna().all():
        rows["stage"] = rows["measure"]
    order = [
        column
        for column in ("financial_year", "as_at_date", "as_at_month", "source_line")
        if column in rows
    ]
    return rows.sort_values(order, na_position="first", ignore_index=True)


def finance_display(record: pd.DataFrame, positions: pd.DataFrame) -> pd.DataFrame:
    """The financial record for people, with source links and the best-available mark."""
    missing = set(absent_columns(positions, FINANCE_DETAIL_COLUMNS))

    def detail(column: str) -> list[str]:
        if column in missing:
            return [NOT_AVAILABLE] * len(record)
        return ["\u2013" if pd.isna(value) else str(value) for value in record[column]]

    sources = [
        source_link(url, f"{publisher}, {date}")
        for url, publisher, date in zip(
            record["source_url"], record["source_publisher"], record["source_date"], strict=True
        )
    ]
    originals = detail("original_source")
    if "original_source" not in missing:
        originals = [
            source_link(text, text) if str(text).startswith("http") else html.escape(text)
            for text in originals
        ]
    table = pd.DataFrame(
        {
            "Year": record["financial_year"],
            "Stage": record["stage"].map(readable),
            "As at": record["as_at"],
            "Basis": [readable(basis) for basis in detail("basis")],
            "£m": record["value_gbp_m"].map(lambda value: format_number(value, 1)),
            "% of core allocation": record["value_pct_allocation"].map(
                lambda value: format_number(value, 1)
            ),
            "% of total allocation": (
                [NOT_AVAILABLE] * len(record)
                if "value_pct_total_allocation" in missing
                else record["value_pct_total_allocation"].map(lambda v: format_number(v, 1))
            ),
            "Scope": record["scope"],
            "Source kind": record["source_kind"],
            "Best available": np.where(record["best_available"], "\u2714 best available", ""),
            "Source": sources,
            "Original source": originals,
        }
    )
    for column in ("Stage", "As at", "Basis", "Scope", "Source kind"):
        table[column] = table[column].map(lambda text: html.escape(str(text)))
    return table


def best_positions(positions: pd.DataFrame, years: Sequence[str]) -> pd.DataFrame:
    """The best-available row per system and year in ``years`` (all systems)."""
    best = positions[positions["best_available"] & positions["financial_year"].isin(list(years))]
    return best.sort_values(["financial_year", "icb_code"], ignore_index=True)


def best_position_comparison(
    positions: pd.DataFrame, icb_code: str, years: Sequence[str]
) -> pd.DataFrame:
    """Per year: the system's best-available position, its rank by deficit (1 = largest
    deficit as % of core allocation) among the systems with a figure, their number and the
    median of their positions."""
    best = best_positions(positions, years)
    rows = []
    for year in years:
        frame = best[best["financial_year"] == year].set_index("icb_code")
        shares = frame["value_pct_allocation"].astype(float)
        ranks = shares.rank(ascending=True, method="min")
        own = frame.loc[icb_code] if icb_code in frame.index else None
        rows.append(
            {
                "financial_year": year,
                "stage": None if own is None else own.get("stage", own["measure"]),
                "value_gbp_m": np.nan if own is None else float(own["value_gbp_m"]),
                "value_pct_allocation": np.nan if own is None else shares[icb_code],
                "rank_by_deficit": ranks.get(icb_code, np.nan),
                "n_systems": int(shares.notna().sum()),
                "median_pct": shares.median(),
            }
        )
    return pd.DataFrame(rows)


def best_position_display(comparison: pd.DataFrame) -> pd.DataFrame:
    """The best-available comparison for people."""
    return pd.DataFrame(
        {
            "Year": comparison["financial_year"],
            "Stage": comparison["stage"].map(readable, na_action="ignore").fillna("no figure"),
            "£m": comparison["value_gbp_m"].map(lambda value: format_number(value, 1)),
            "% of core allocation": comparison["value_pct_allocation"].map(
                lambda value: format_number(value, 1)
            ),
            "Rank by deficit (1 = largest)": [
                "\u2013" if pd.isna(rank) else f"{int(rank)} of {n}"
                for rank, n in zip(
                    comparison["rank_by_deficit"], comparison["n_systems"], strict=True
                )
            ],
            "Median of systems with a figure (%)": comparison["median_pct"].map(
                lambda value: format_number(value, 1)
            ),
        }
    )


def finance_sentence(name: str, record: pd.DataFrame, comparison: pd.DataFrame) -> str:
    """What the financial record holds, in one computed paragraph."""
    if record.empty:
        return f"No cited financial figure for {name} is on record in the curated tables."
    covered = comparison[comparison["value_gbp_m"].notna()]
    years = ", ".join(covered["financial_year"])
    sources = record["source_url"].nunique()
    text = (
        f"{len(record)} cited figure{'s' if len(record) != 1 else ''} for {name} "
        f"from {sources} source{'s' if sources != 1 else ''}; a best-available full-year "
        f"position exists for {len(covered)} of {len(comparison)} years"
    )
    text += f" ({years})." if years else "."
    if not covered.empty:
        latest = covered.iloc[-1]
        direction = "deficit" if latest["value_gbp_m"] < 0 else "surplus or balance"
        text += (
            f" The latest, {latest['financial_year']} ({readable(latest['stage'])}), is a "
            f"{direction} of "
            f"£{format_number(abs(latest['value_gbp_m']), 1)}m "
            f"({format_number(latest['value_pct_allocation'], 1)}% of core allocation), "
            f"rank {int(latest['rank_by_deficit'])} by deficit of {latest['n_systems']} systems "
            f"with a figure that year (median {format_number(latest['median_pct'], 1)}%)."
        )
    return text


def timeline_data(record: pd.DataFrame) -> pd.DataFrame:
    """Full-year and year-to-date position rows for the timeline chart (support and variance
    rows are not positions): financial_year, stage (and its readable stage_label),
    value_gbp_m, best_available, x (the year's
    index plus a fixed offset per stage: full-year stages from least to most final, then
    year-to-date)."""
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


# --- models, facts, what is not known ----------------------------------------------------------


def model_place(diagnostics: pd.DataFrame | None, icb_code: str) -> pd.DataFrame:
    """The system's row(s) in the driver-model diagnostics: actual, fitted, residual,
    leverage and Cook's distance with their ranks (1 = largest) and the sample size."""
    columns = [
        "model",
        "actual",
        "fitted",
        "residual",
        "leverage",
        "leverage_rank",
        "cooks_distance",
        "cooks_rank",
        "n_obs",
    ]
    if diagnostics is None or diagnostics.empty:
        return pd.DataFrame(columns=columns)
    frame = diagnostics.copy()
    if "model" not in frame.columns:
        frame["model"] = "cross-section driver model"
    code_column = "icb_code" if "icb_code" in frame.columns else "label"
    rows = []
    for model, group in frame.groupby("model", sort=False):
        if icb_code not in set(group[code_column]):
            continue
        own = group[group[code_column] == icb_code].iloc[0]
        rows.append(
            {
                "model": model,
                "actual": own["fitted"] + own["residual"],
                "fitted": own["fitted"],
                "residual": own["residual"],
                "leverage": own["leverage"],
                "leverage_rank": int(rank_descending(group["leverage"])[own.name]),
                "cooks_distance": own["cooks_distance"],
                "cooks_rank": int(rank_descending(group["cooks_distance"])[own.name]),
                "n_obs": len(group),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def model_sentence(name: str, place: pd.DataFrame, diagnostics: pd.DataFrame | None) -> str:
    """Whether and how the system sits in the driver models, in computed words."""
    if diagnostics is None:
        return (
            f"The driver-model diagnostics table is {NOT_AVAILABLE}, so {name}'s place in it "
            "is unknown."
        )
    if place.empty:
        code_column = "icb_code" if "icb_code" in diagnostics.columns else "label"
        n = diagnostics[code_column].nunique()
        return (
            f"{name} is not in the driver models' sample ({n} systems with a best-available "
            "position and every predictor), so it has no fitted value or leverage."
        )
    parts = []
    for row in place.itertuples(index=False):
        parts.append(
            f"In the {row.model} (N = {row.n_obs}) its mean position is "
            f"{format_number(row.actual, 1)}% of core allocation against a fitted "
            f"{format_number(row.fitted, 1)}% (residual {format_number(row.residual, 1)} "
            f"points); its leverage ranks {row.leverage_rank} of {row.n_obs} and its Cook's "
            f"distance {row.cooks_rank} of {row.n_obs} (1 = most influential)."
        )
    return " ".join(parts)


def model_display(place: pd.DataFrame) -> pd.DataFrame:
    """The model place for people."""
    return pd.DataFrame(
        {
            "Model": place["model"],
            "Actual (% of core allocation)": place["actual"].map(lambda v: format_number(v, 2)),
            "Fitted": place["fitted"].map(lambda v: format_number(v, 2)),
            "Residual": place["residual"].map(lambda v: format_number(v, 2)),
            "Leverage": place["leverage"].map(lambda v: format_number(v, 3)),
            "Leverage rank": [
                f"{r} of {n}" for r, n in zip(place["leverage_rank"], place["n_obs"], strict=True)
            ],
            "Cook's distance": place["cooks_distance"].map(lambda v: format_number(v, 3)),
            "Cook's rank": [
                f"{r} of {n}" for r, n in zip(place["cooks_rank"], place["n_obs"], strict=True)
            ],
        }
    )


def facts_for(facts: pd.DataFrame | None, icb_code: str) -> pd.DataFrame:
    """The curated leadership and legacy-debt facts that name the system."""
    if facts is None:
        return pd.DataFrame(columns=SYSTEM_FACT_COLUMNS)
    return facts[facts["icb_code"] == icb_code].reset_index(drop=True)


def facts_display(rows: pd.DataFrame) -> pd.DataFrame:
    """The system's facts for people, with source links."""
    return pd.DataFrame(
        {
            "Kind": rows["kind"].map(html.escape),
            "When": rows["when"].astype(str).map(html.escape),
            "Fact": rows["fact"].map(html.escape),
            "Value": [
                "\u2013" if pd.isna(value) else f"{format_number(value)} {html.escape(str(unit))}"
                for value, unit in zip(rows["value"], rows["unit"], strict=True)
            ],
            "Source": [
                source_link(url, f"{publisher}, {date}")
                for url, publisher, date in zip(
                    rows["source_url"], rows["source_publisher"], rows["source_date"], strict=True
                )
            ],
        }
    )


def unknowns(
    inputs: ProfileInputs,
    icb_code: str,
    years: Sequence[str],
    measures: Sequence[str],
    best: pd.DataFrame,
) -> list[str]:
    """What is not known about the system, one plain sentence each, from the tables."""
    notes: list[str] = []
    missing_years = best.loc[best["value_gbp_m"].isna(), "financial_year"].tolist()
    if missing_years:
        notes.append(
            f"No best-available full-year financial position for {', '.join(missing_years)} "
            f"({len(missing_years)} of {len(years)} years)."
        )
    own = inputs.panel[
        (inputs.panel["icb_code"] == icb_code) & inputs.panel["financial_year"].isin(list(years))
    ]
    for measure in measures:
        if measure not in inputs.panel.columns:
            notes.append(
                f"{variable_label(measure)}: {NOT_AVAILABLE} (no such column in icb_year)."
            )
            continue
        gaps = own.loc[own[measure].isna(), "financial_year"].sort_values().tolist()
        if gaps:
            notes.append(f"{variable_label(measure)}: no value for {', '.join(gaps)}.")
    for column in absent_columns(inputs.positions, FINANCE_DETAIL_COLUMNS):
        notes.append(
            f"Financial figures' {column.replace('_', ' ')}: {NOT_AVAILABLE} "
            "(no such column in finance_positions)."
        )
    if "basis" in inputs.positions.columns:
        record = inputs.positions[inputs.positions["icb_code"] == icb_code]
        unknown_basis = int((record["basis"].fillna("unknown") == "unknown").sum())
        if unknown_basis:
            notes.append(
                "Basis (before or after deficit support) not stated for "
                f"{unknown_basis} of {len(record)} figures."
            )
    if inputs.diagnostics is None:
        notes.append(f"Driver-model diagnostics: {NOT_AVAILABLE}.")
    elif model_place(inputs.diagnostics, icb_code).empty:
        notes.append("Not in the driver models' sample: no fitted value or leverage.")
    if inputs.facts is None:
        notes.append(f"Leadership and legacy-debt facts by system: {NOT_AVAILABLE}.")
    elif facts_for(inputs.facts, icb_code).empty:
        notes.append("No curated leadership or legacy-debt fact names this system.")
    return notes


def markdown_list(items: Sequence[str]) -> str:
    """A Markdown bullet list (or a sentence when empty)."""
    if not items:
        return "Nothing on the profile's checklist is missing for this system."
    return "\n".join(f"- {item}" for item in items)


# --- the index of all systems ------------------------------------------------------------------


def system_index(inputs: ProfileInputs, years: Sequence[str]) -> pd.DataFrame:
    """One row per system for the index page: code, name, region, the latest best-available
    position (year, stage, £m, % of core allocation) and the years with a figure."""
    best = best_positions(inputs.positions, years)
    if "stage" not in best.columns:
        best = best.assign(stage=best["measure"])
    latest = best.sort_values("financial_year").groupby("icb_code").tail(1).set_index("icb_code")
    counts = best.groupby("icb_code")["financial_year"].nunique()
    rows = []
    for row in inputs.lookup.sort_values("icb_code").itertuples(index=False):
        own = latest.loc[row.icb_code] if row.icb_code in latest.index else None
        rows.append(
            {
                "icb_code": row.icb_code,
                "name": short_name(row.icb_name),
                "region": row.region_name,
                "latest_year": None if own is None else own["financial_year"],
                "latest_stage": None if own is None else own["stage"],
                "latest_gbp_m": np.nan if own is None else float(own["value_gbp_m"]),
                "latest_pct": np.nan if own is None else float(own["value_pct_allocation"]),
                "years_with_figure": int(counts.get(row.icb_code, 0)),
                "n_years": len(years),
            }
        )
    return pd.DataFrame(rows)


def check_system_index(index: pd.DataFrame, n_expected: int) -> None:
    """The index must list every system once."""
    if len(index) != n_expected or index["icb_code"].duplicated().any():
        raise DataError(f"system index: expected {n_expected} distinct systems, got {len(index)}")


# --- page text ------------------------------------------------------------------------------------


def header_markdown(system: dict[str, str], years: Sequence[str], n_systems: int) -> str:
    """The page's title and one line of context."""
    return (
        f"# {system['name']} ({system['icb_code']})\n\n"
        f"{system['board']} · NHS England region: {system['region']} · financial years "
        f"{years[0]} to {years[-1]} · compared with the other {n_systems - 1} integrated care "
        "systems. [All systems](index.html)"
    )


def group_title(system: dict[str, str], group: str, counts: dict[str, int]) -> str:
    """A distribution chart's title stating the finding (above/below the median)."""
    return (
        f"{system['name']}: above the England median on {counts['above']} of "
        f"{counts['measures']} {group} measures, below on {counts['below']}"
    )


def timeline_title(system: dict[str, str], best: pd.DataFrame) -> str:
    """The timeline's title: the latest best-available position, or that there is none."""
    covered = best[best["value_gbp_m"].notna()]
    if covered.empty:
        return f"{system['name']}: no best-available full-year position on record"
    latest = covered.iloc[-1]
    return (
        f"{system['name']}: latest best-available position "
        f"£{format_number(latest['value_gbp_m'], 1)}m "
        f"({latest['financial_year']}, {readable(latest['stage'])}); every cited figure by year "
        "and stage"
    )


def facts_sentence(name: str, rows: pd.DataFrame, facts: pd.DataFrame | None) -> str:
    """How many curated facts name the system."""
    if facts is None:
        return f"The table of facts by system is {NOT_AVAILABLE}."
    if rows.empty:
        return (
            f"No curated leadership or legacy-debt fact names {name} (the curated tables hold "
            f"{facts['icb_code'].nunique()} systems with such facts; trust-level facts are not "
            "mapped to systems)."
        )
    kinds = rows["kind"].value_counts().sort_index()
    listed = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
    plural = len(rows) != 1
    return f"{len(rows)} curated fact{'s name' if plural else ' names'} {name}: {listed}."


def profile_link(icb_code: str, text: str, folder: str = "systems") -> str:
    """A link to a system's profile page, relative to the report."""
    return f'<a href="{folder}/{icb_code}.html">{html.escape(text)}</a>'


def coverage_with_links(coverage: pd.DataFrame, n_years: int) -> str:
    """The coverage map's table: every system, its years with a best-available position and
    mean position, each linked to its profile page (HTML)."""
    table = pd.DataFrame(
        {
            "System (profile)": [
                profile_link(code, name)
                for code, name in zip(coverage["icb_code"], coverage["icb_name"], strict=True)
            ],
            "Region": coverage["region_name"].map(html.escape),
            "Code": coverage["icb_code"],
            "Years with a figure": [f"{n} of {n_years}" for n in coverage["n_years"]],
            "Mean position (% of core allocation)": coverage["mean_position_pct"].map(
                lambda value: format_number(value, 1)
            ),
        }
    )
    return html_table(table)
