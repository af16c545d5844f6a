"""Readers for the healthyr NHS England operational statistics (A&E, beds, discharge, RTT).

Each reader keeps the source's own units (counts of attendances, beds, patients or pathways),
names columns in snake_case and adds ``date`` as the first day of the reporting month
(or the day itself for the daily discharge files). Derived percentage columns of the source
(``pct_*``, ``*_occupancy_rate``) are not kept: the project derives its own ratios from counts.

Key columns: ICB files carry ``icb22_code`` (ONS E54, 2022 codes); trust files
``nhs_trust22_code`` (ODS, not harmonised for mergers); RTT ICB files ``stp20_nhs_code``
(the provider-parent Q-code: STP codes before July 2022, ICB codes after).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from helpers.data.readers._common import (
    acquired,
    check_not_above,
    check_ranges,
    choose,
    read_csv_text,
    read_rda_frame,
    require_columns,
    to_numbers,
)
from helpers.errors import DataError

LOGGER = logging.getLogger(__name__)

AE_COUNTS: tuple[str, ...] = (
    "total_attendances",
    "attendances_over_4hours",
    "total_emergency_admissions",
    "emergency_admissions_over_4hours",
)
GA_BED_COUNTS: tuple[str, ...] = (
    "general_acute_beds_available",
    "general_acute_beds_occupied",
    "adult_general_acute_beds_available",
    "adult_general_acute_beds_occupied",
    "paediatric_general_acute_beds_available",
    "paediatric_general_acute_beds_occupied",
)
DISCHARGE_COUNTS: tuple[str, ...] = (
    "discharged_by_1700",
    "discharged_between_1701_2359",
    "discharged_total",
)
RTT_FLOW_COUNTS: tuple[str, ...] = ("completed", "incomplete", "new")
RTT_WAIT_COUNTS: tuple[str, ...] = ("waits_over_18_weeks", "waits_over_52_weeks")
#: Plausible range of any monthly or daily count here (patients, attendances, beds, pathways):
#: never negative, and below England's population.
COUNT_RANGE: tuple[float, float] = (0.0, 60e6)
#: Counts that are part of another count in the same row (part, whole).
AE_PARTS: tuple[tuple[str, str], ...] = (
    ("attendances_over_4hours", "total_attendances"),
    ("emergency_admissions_over_4hours", "total_emergency_admissions"),
)
#: Occupied general & acute beds cannot exceed those available (the adult split can: the source
#: shows 3 such trust-months, so only the total is checked).
GA_BED_PARTS: tuple[tuple[str, str], ...] = (
    ("general_acute_beds_occupied", "general_acute_beds_available"),
)
#: CSV line of the first data row (the header is line 1).
FIRST_LINE = 2


def _parse_month_text(values: pd.Series, path: Path) -> pd.Series:
    """Parse month labels such as 'April 2022' to the first day of the month; fail on any miss."""
    parsed = pd.to_datetime(values.astype("string").str.strip(), format="%B %Y", errors="coerce")
    bad = values[parsed.isna()]
    if len(bad):
        raise DataError(
            f"{path}: {len(bad)} unparseable month label(s) in 'date': {bad.unique()[:5]}"
        )
    return parsed


def _parse_iso_dates(values: pd.Series, path: Path) -> pd.Series:
    """Parse ISO dates ('2022-04-01'); fail on any value that does not parse."""
    parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    bad = values[parsed.isna()]
    if len(bad):
        raise DataError(f"{path}: {len(bad)} unparseable date(s) in 'date': {bad.unique()[:5]}")
    return parsed


def _r_dates(values: pd.Series, path: Path) -> pd.Series:
    """Convert R Date values (days since 1970-01-01, read as floats) to timestamps."""
    if values.isna().any():
        raise DataError(f"{path}: {int(values.isna().sum())} missing value(s) in 'date'")
    return pd.to_datetime(values.astype("float64"), unit="D")


def _check_unique(frame: pd.DataFrame, keys: Sequence[str], path: Path) -> None:
    """Raise DataError if the key columns do not identify rows uniquely."""
    duplicated = frame.duplicated(list(keys), keep=False)
    if duplicated.any():
        shown = frame.loc[duplicated, list(keys)].head(5).to_dict("records")
        raise DataError(f"{path}: {int(duplicated.sum())} rows share keys {list(keys)}: {shown}")


def _tidy(
    frame: pd.DataFrame,
    code: str,
    counts: Sequence[str],
    keys: Sequence[str],
    path: Path,
    parts: Sequence[tuple[str, str]] = (),
    first_line: int | None = FIRST_LINE,
) -> pd.DataFrame:
    """Select the key and count columns, type and range-check them (errors name the line, from
    ``first_line``; None: no line numbers), check that no part exceeds its whole and that the
    keys are unique, and sort."""
    tidy = frame.loc[:, [*keys, *counts]].copy()
    tidy[code] = tidy[code].astype("string").str.strip()
    for column in counts:
        tidy[column] = to_numbers(tidy, column, path, first_line)
    check_ranges(tidy, dict.fromkeys(counts, COUNT_RANGE), path, first_line)
    for part, whole in parts:
        check_not_above(tidy, part, whole, path, first_line)
    _check_unique(tidy, keys, path)
    return tidy.sort_values(list(keys)).reset_index(drop=True)


def _read_csv_table(
    path: Path,
    code: str,
    counts: Sequence[str],
    parse_dates: Callable[[pd.Series, Path], pd.Series],
    parts: Sequence[tuple[str, str]] = (),
) -> pd.DataFrame:
    """A healthyr CSV of ``code``, ``date`` and ``counts`` columns: check the columns, parse
    ``date`` with ``parse_dates`` and :func:`_tidy` the rows keyed by (``code``, ``date``)."""
    frame = read_csv_text(path)
    require_columns(frame, (code, "date", *counts), path)
    frame["date"] = parse_dates(frame["date"], path)
    return _tidy(frame, code, counts, (code, "date"), path, parts)


def read_icb_accidents_emergency(path: Path) -> pd.DataFrame:
    """Monthly A&E attendances and 4-hour waits by ICB (all A&E types, system-level sheets).

    Columns: ``icb22_code`` (E54), ``date`` (month start), ``total_attendances``,
    ``attendances_over_4hours``, ``total_emergency_admissions``,
    ``emergency_admissions_over_4hours`` (counts).
    """
    return _read_csv_table(path, "icb22_code", AE_COUNTS, _parse_month_text, AE_PARTS)


def read_trust_accidents_emergency(path: Path) -> pd.DataFrame:
    """Monthly A&E attendances and 4-hour waits by trust (ODS code, not merger-harmonised).

    Columns as :func:`read_icb_accidents_emergency` with ``nhs_trust22_code`` for the key;
    trusts in the 4-hour field test have missing 4-hour breach counts (kept as NaN).
    """
    return _read_csv_table(path, "nhs_trust22_code", AE_COUNTS, _parse_month_text, AE_PARTS)


def read_general_acute_beds(path: Path) -> pd.DataFrame:
    """Monthly average general & acute beds available and occupied, by trust.

    Columns: ``nhs_trust22_code``, ``date`` (month start), and for all / adult / paediatric
    G&A beds ``*_available`` and ``*_occupied`` (mean beds per day over the month).
    """
    return _read_csv_table(path, "nhs_trust22_code", GA_BED_COUNTS, _parse_month_text, GA_BED_PARTS)


def read_criteria_to_reside(path: Path) -> pd.DataFrame:
    """Daily count of hospital patients who no longer meet the criteria to reside, by ICB.

    Columns: ``icb22_code`` (E54), ``date`` (day), ``do_not_meet_criteria_to_reside``: patients
    not meeting the criteria on the day, before that day's discharges (about 22,000 a day for
    England; NHS England's headline "remaining in hospital" count, about 12,000-14,000, is a
    different column not kept by healthyr). One ICB (E54000056) stops after August 2023.
    """
    counts = ("do_not_meet_criteria_to_reside",)
    return _read_csv_table(path, "icb22_code", counts, _parse_iso_dates)


def read_discharged_patients(path: Path) -> pd.DataFrame:
    """Daily patients discharged (by 17:00, 17:01-23:59, total), by ICB.

    Columns: ``icb22_code`` (E54), ``date`` (day), ``discharged_by_1700``,
    ``discharged_between_1701_2359``, ``discharged_total``. The by-time split exists only until
    May 2023; from June 2023 the source gives the total alone and the split is missing.
    """
    parts = (("discharged_by_1700", "discharged_total"),)
    return _read_csv_table(path, "icb22_code", DISCHARGE_COUNTS, _parse_iso_dates, parts)


def read_rtt_flow_stp(path: Path) -> pd.DataFrame:
    """Monthly RTT pathways by provider-parent ICB/STP: completed, incomplete, new.

    Columns: ``stp20_nhs_code`` (Q-code), ``date`` (month start), ``completed``,
    ``incomplete``, ``new``. Caveat: healthyr sums every 'RTT Part' whose description starts
    'Incomplete', so ``incomplete`` adds 'Incomplete Pathways with DTA' (a subset) to
    'Incomplete Pathways' and exceeds the published waiting list (by about 15% for England).
    """
    return _read_csv_table(path, "stp20_nhs_code", RTT_FLOW_COUNTS, _parse_iso_dates)


def read_rtt_stp(path: Path) -> pd.DataFrame:
    """Monthly RTT waits over 18 and 52 weeks by provider-parent ICB/STP and treatment function.

    Columns: ``stp20_nhs_code`` (Q-code), ``date`` (month start), ``treatment`` (includes the
    'Total' row), ``waits_over_18_weeks``, ``waits_over_52_weeks``. Caveat: healthyr sums the
    week bands over all RTT parts (completed as well as incomplete pathways, DTA subset
    included), so these are not the published counts of patients still waiting.
    """
    frame = read_rda_frame(path)
    require_columns(frame, ("stp20_nhs_code", "date", "treatment", *RTT_WAIT_COUNTS), path)
    frame["date"] = _r_dates(frame["date"], path)
    frame["treatment"] = frame["treatment"].astype("string").str.strip()
    keys = ("stp20_nhs_code", "date", "treatment")
    parts = (("waits_over_52_weeks", "waits_over_18_weeks"),)
    # An R data file has no CSV lines to name.
    return _tidy(frame, "stp20_nhs_code", RTT_WAIT_COUNTS, keys, path, parts, first_line=None)


#: Table name -> (catalogue file, reader). Files of the dataset not listed here
#: (england_rtt_trust.rda, england_delayed_discharge_reasons.rda, england_health_index_ics.csv)
#: have no reader: the pipeline does not use them.
TABLES: dict[str, tuple[str, Callable[[Path], pd.DataFrame]]] = {
    "icb_accidents_emergency": (
        "healthyr/england_icb_accidents_emergency.csv",
        read_icb_accidents_emergency,
    ),
    "trust_accidents_emergency": (
        "healthyr/england_trust_accidents_emergency.csv",
        read_trust_accidents_emergency,
    ),
    "general_acute_beds": (
        "healthyr/england_critical_general_acute_beds.csv",
        read_general_acute_beds,
    ),
    "criteria_to_reside": ("healthyr/england_icb_criteria_to_reside.csv", read_criteria_to_reside),
    "discharged_patients": (
        "healthyr/england_icb_discharged_patients.csv",
        read_discharged_patients,
    ),
    "rtt_flow_stp": ("healthyr/england_rtt_flow_stp.csv", read_rtt_flow_stp),
    "rtt_stp": ("healthyr/england_rtt_stp.rda", read_rtt_stp),
}


def load(table: str) -> pd.DataFrame:
    """One healthyr table by name (see :data:`TABLES`), acquired by hash and read once."""
    file, reader = TABLES[choose("healthyr", table, TABLES)]
    return reader(acquired(file))
