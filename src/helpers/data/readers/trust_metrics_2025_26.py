"""Reader for the two trust-level compilations of NHS England finance and oversight data.

Both files are third-party compilations of official releases (MANIFEST ``trust_metrics_2025_26``);
only the columns the catalogue names are read, never the OCR-derived ``fin_*`` columns.

:func:`load` returns the two tidy frames, acquired by hash:

- ``oversight`` (TrustPulse, ``trustpulse_trust_risk_scores.csv``): one row per NHS trust with a
  trust type (acute, mental health and community, ambulance); the 71 other providers with a
  blank type are left out and counted. Columns: ``trust_code`` (ODS), ``trust_name``,
  ``region_name``, ``trust_type``, ``trust_subtype``, ``planned_position_pct`` (NOF OF0079, 2025/26
  planned surplus/deficit, % of income), ``variance_to_plan_pct`` (OF0081, year-to-date variance
  to plan, %), ``implied_productivity_pct`` (OF0085), ``productivity_activity_growth_pct``,
  ``productivity_resource_growth_pct`` (supplementary productivity statistics, converted from
  fractions to %), ``finance_domain_score`` (NOF finance and productivity domain score, 1 best to
  4 worst), ``rc_actual_cost_gbp_m``, ``rc_expected_cost_gbp_m``, ``rc_cost_gap_pct`` (National
  Cost Collection), ``estates_backlog_gbp_m``, ``estates_backlog_high_risk_gbp_m``,
  ``estates_maintenance_cost_gbp_m`` (ERIC 2024/25), ``workforce_fte`` and ``workforce_fte_per_bed``
  (3-month averages), ``sickness_rate_pct`` (all staff groups, 3-month average, converted from a
  fraction to %).
- ``scorecard`` (Intuita, ``intuita_acute_trust_scorecard.csv``): one row per acute trust:
  ``trust_code``, ``trust_name``, ``region_name``, ``trust_subtype``, ``planned_position_pct``
  (OF0079), ``operating_income_gbp_m`` (TAC 2024/25, from GBP thousands), ``operating_margin_pct``
  (TAC 2024/25 operating surplus/deficit, % of operating income), ``q3_variance_pct`` (2025/26 Q3
  year-to-date variance against plan, % of turnover), ``q3_forecast_deficit`` (forecasting a
  deficit) and ``q3_deficit_support`` (receiving deficit support), Yes/No as boolean.

Duplicate trust codes stop the read with the file, the code and the column.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.data.readers._common import acquired, read_csv_file, require_columns
from helpers.errors import DataError

LOGGER = logging.getLogger(__name__)

OVERSIGHT_FILE = "trust_metrics_2025_26/trustpulse_trust_risk_scores.csv"
SCORECARD_FILE = "trust_metrics_2025_26/intuita_acute_trust_scorecard.csv"

#: TrustPulse column -> tidy name. Only catalogue-named columns; never ``fin_*``.
OVERSIGHT_COLUMNS: dict[str, str] = {
    "org_code": "trust_code",
    "org_name": "trust_name",
    "Region": "region_name",
    "Trust_type": "trust_type",
    "Trust_subtype": "trust_subtype",
    "planned_surplus_deficit_pct": "planned_position_pct",
    "variance_to_financial_plan_pct": "variance_to_plan_pct",
    "implied_productivity_pct": "implied_productivity_pct",
    "productivity_activity_growth": "productivity_activity_growth_pct",
    "productivity_resource_growth": "productivity_resource_growth_pct",
    "domain_score_finance_productivity": "finance_domain_score",
    "rc_actual_cost_total_m": "rc_actual_cost_gbp_m",
    "rc_expected_cost_total_m": "rc_expected_cost_gbp_m",
    "rc_cost_gap_pct": "rc_cost_gap_pct",
    "estates_backlog_total_m": "estates_backlog_gbp_m",
    "estates_backlog_high_risk_m": "estates_backlog_high_risk_gbp_m",
    "estates_maintenance_cost_m": "estates_maintenance_cost_gbp_m",
    "workforce_total_fte_3m_avg": "workforce_fte",
    "workforce_fte_per_bed_3m_avg": "workforce_fte_per_bed",
    "sick_sickness_rate_all_3m_avg": "sickness_rate_pct",
}
#: Columns the source gives as fractions (0.05 = 5%); multiplied by 100 here.
OVERSIGHT_FRACTIONS: tuple[str, ...] = (
    "productivity_activity_growth_pct",
    "productivity_resource_growth_pct",
    "sickness_rate_pct",
)
#: Intuita column -> tidy name. Only catalogue-named columns; the sales scores are never read.
SCORECARD_COLUMNS: dict[str, str] = {
    "code": "trust_code",
    "name": "trust_name",
    "region": "region_name",
    "subtype": "trust_subtype",
    "finance_planned_sd_pct": "planned_position_pct",
    "op_income_k": "operating_income_gbp_m",
    "op_margin_pct": "operating_margin_pct",
    "q3_var_pct": "q3_variance_pct",
    "q3_forecast_deficit": "q3_forecast_deficit",
    "q3_dsf": "q3_deficit_support",
}
TEXT_COLUMNS: tuple[str, ...] = (
    "trust_code",
    "trust_name",
    "region_name",
    "trust_type",
    "trust_subtype",
)


@dataclass(frozen=True)
class TrustMetrics:
    """The two compilations, tidy, with the file each came from (for error messages)."""

    oversight: pd.DataFrame
    scorecard: pd.DataFrame
    oversight_file: str = OVERSIGHT_FILE
    scorecard_file: str = SCORECARD_FILE


def _select(frame: pd.DataFrame, columns: dict[str, str], source: Path | str) -> pd.DataFrame:
    """Check, select and rename the named columns; text stripped, numbers as float."""
    require_columns(frame, columns, source)
    tidy = frame.loc[:, list(columns)].rename(columns=columns)
    for column in tidy.columns:
        if column in TEXT_COLUMNS:
            tidy[column] = tidy[column].astype("string").str.strip()
    return tidy


def _numbers(frame: pd.DataFrame, columns: list[str], source: Path | str) -> pd.DataFrame:
    """Convert ``columns`` to float; a value that is not a number raises, naming file and column."""
    result = frame.copy()
    for column in columns:
        try:
            result[column] = pd.to_numeric(result[column], errors="raise").astype("float64")
        except (ValueError, TypeError) as error:
            raise DataError(f"{source}: column '{column}' holds a non-number ({error})") from error
    return result


def check_unique_codes(frame: pd.DataFrame, source: Path | str, column: str = "trust_code") -> None:
    """Raise DataError naming the file, the repeated trust code(s) and the column."""
    missing = frame[column].isna()
    if missing.any():
        raise DataError(f"{source}: {int(missing.sum())} row(s) without a trust code in '{column}'")
    repeated = sorted(frame.loc[frame[column].duplicated(), column].unique())
    if repeated:
        raise DataError(
            f"{source}: duplicate trust row(s) for trust code(s) {repeated} in '{column}'"
        )


def read_oversight(path: Path, source: str = OVERSIGHT_FILE) -> pd.DataFrame:
    """Read the TrustPulse file: NHS trusts (typed rows) only, catalogue columns only."""
    frame = read_csv_file(path, dtype="string", usecols=lambda name: not name.startswith("fin_"))
    tidy = _select(frame, OVERSIGHT_COLUMNS, source)
    untyped = tidy["trust_type"].isna()
    LOGGER.info("%s: %d provider row(s) without a trust type left out", source, int(untyped.sum()))
    tidy = tidy.loc[~untyped]
    numbers = [c for c in tidy.columns if c not in TEXT_COLUMNS]
    tidy = _numbers(tidy, numbers, source)
    for column in OVERSIGHT_FRACTIONS:
        tidy[column] = tidy[column] * 100.0
    check_unique_codes(tidy, source)
    return tidy.sort_values("trust_code").reset_index(drop=True)


def _yes_no(values: pd.Series, source: Path | str, column: str) -> pd.Series:
    """Yes/No text as a nullable boolean; any other value raises, naming file and column."""
    flag = values.str.strip().str.lower()
    unknown = flag.notna() & ~flag.isin(["yes", "no"])
    if unknown.any():
        raise DataError(
            f"{source}: column '{column}' expects Yes/No, found {sorted(flag[unknown].unique())}"
        )
    return flag.map({"yes": True, "no": False}).astype("boolean")


def read_scorecard(path: Path, source: str = SCORECARD_FILE) -> pd.DataFrame:
    """Read the Intuita acute-trust file: catalogue columns only; income in GBP millions."""
    frame = read_csv_file(path, dtype="string")
    tidy = _select(frame, SCORECARD_COLUMNS, source)
    for column, original in (
        ("q3_forecast_deficit", "q3_forecast_deficit"),
        ("q3_deficit_support", "q3_dsf"),
    ):
        tidy[column] = _yes_no(tidy[column], source, original)
    numbers = [
        "planned_position_pct",
        "operating_income_gbp_m",
        "operating_margin_pct",
        "q3_variance_pct",
    ]
    tidy = _numbers(tidy, numbers, source)
    tidy["operating_income_gbp_m"] = tidy["operating_income_gbp_m"] / 1000.0
    check_unique_codes(tidy, source)
    return tidy.sort_values("trust_code").reset_index(drop=True)


def load() -> TrustMetrics:
    """Acquire both files by hash (data/raw, mirror, URL) and read them."""
    return TrustMetrics(
        oversight=read_oversight(acquired(OVERSIGHT_FILE)),
        scorecard=read_scorecard(acquired(SCORECARD_FILE)),
    )
