"""Workforce measures by ICB and financial year: sickness absence and NHS Staff Survey results.

:func:`build_workforce` returns one row per ``icb_code`` x ``financial_year`` for every ICB in
``icb_lookup`` and every year from ``first_year`` to ``last_year``; values are missing where no
source covers the year (never imputed). Columns:

- ``sickness_absence_pct``: 100 x FTE days lost / FTE days available, summed over all
  organisations reporting under the ICS (``ICS_CODE``: trusts, the ICB, and any ambulance trust
  or other body the source assigns to that ICS) and over the months of the year; reported only
  where ``sickness_months`` >= ``min_months`` (default 12). Source covers 2024/25 only.
- ``staff_engagement``: staff engagement theme score (0-10), 2024 survey -> 2024/25.
- ``staff_bme_share_pct``: percent of respondents from ethnic-minority backgrounds.
- ``staff_discrimination_pct``: percent of staff who experienced discrimination at work from a
  manager, team leader or colleagues in the last 12 months (internal; WRES indicator 8 item).
- ``staff_discrimination_public_pct``: the same from patients, relatives or the public.
- ``staff_survey_orgs``: organisations contributing to the survey items in that year.

Staff survey year Y (autumn fieldwork) is assigned to financial year Y/Y+1. Organisations are
mapped to ICBs by the ICS name the survey gives them (names translated to Q-codes with the
sickness-absence ``ICS_CODE``/``ICS_NAME`` pairs); ICBs themselves (listed with ICS '-') map to
their own ODS code. Organisations without a single ICS (ambulance trusts, CSUs, social
enterprises, national bodies) are left out and logged. ICB values are means over the mapped
organisations weighted by each organisation's number of responses to the item (``base``), so
they approximate a respondent-level ICS figure.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import pandas as pd

from helpers.data.readers._common import require_columns
from helpers.errors import DataError
from helpers.panel.harmonise import financial_year_label, financial_year_of
from helpers.panel.joins import checked_merge
from helpers.panel.pressure import KEYS, financial_years, panel_frame

LOGGER = logging.getLogger(__name__)

#: Staff-survey items (``<item>_base``/``<item>_rate`` in the 2021-2024 file) -> output column.
SURVEY_ITEMS: dict[str, str] = {
    "ethnic_minority": "staff_bme_share_pct",
    "discrimination_internal": "staff_discrimination_pct",
    "discrimination_public": "staff_discrimination_public_pct",
}


def normalise_ics_name(name: object) -> str | None:
    """Comparable form of an ICS/ICB name: lower case, '&' -> 'and', no 'NHS'/'ICB'/'ICS' words."""
    if name is None or pd.isna(name):
        return None
    text = str(name).lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"\b(nhs|integrated care (board|system)|icb|ics)\b", " ", text)
    text = " ".join(text.split())
    return text or None


def ics_name_codes(sickness: pd.DataFrame, icb_lookup: pd.DataFrame) -> pd.DataFrame:
    """ICS name -> ICB Q-code table (``ics_key``, ``icb_code``) from the sickness-absence files."""
    require_columns(sickness, ("ics_code", "ics_name"), "sickness absence")
    pairs = sickness.loc[:, ["ics_code", "ics_name"]].drop_duplicates()
    pairs = pairs.loc[pairs["ics_code"].isin(set(icb_lookup["icb_code"].dropna()))]
    pairs = pairs.assign(ics_key=pairs["ics_name"].map(normalise_ics_name))
    pairs = pairs.drop_duplicates(["ics_key", "ics_code"])
    if pairs["ics_key"].duplicated().any() or pairs["ics_code"].duplicated().any():
        raise DataError("sickness absence: ICS names and codes are not one-to-one")
    table = pairs.rename(columns={"ics_code": "icb_code"})[["ics_key", "icb_code"]]
    return table.sort_values("icb_code").reset_index(drop=True)


def map_organisations(
    organisations: pd.DataFrame, names: pd.DataFrame, icb_lookup: pd.DataFrame, label: str
) -> pd.DataFrame:
    """Add ``icb_code`` to survey organisations (by ICS name, else an ICB's own ODS code).

    Organisations left without an ICB keep a missing ``icb_code``; they are counted and logged
    by benchmarking group.
    """
    require_columns(organisations, ("ods_code", "ics_name", "benchmarking_group"), label)
    frame = organisations.assign(ics_key=organisations["ics_name"].map(normalise_ics_name))
    frame["ics_key"] = frame["ics_key"].astype("object")
    mapped = checked_merge(
        frame, names, on=["ics_key"], how="left", validate="many_to_one", label=f"{label}: ICS name"
    )
    icb_codes = set(icb_lookup["icb_code"].dropna())
    is_icb = mapped["icb_code"].isna() & mapped["ods_code"].isin(icb_codes)
    mapped.loc[is_icb, "icb_code"] = mapped.loc[is_icb, "ods_code"]
    unmapped = mapped["icb_code"].isna()
    if unmapped.any():
        LOGGER.info(
            "%s: %d organisation row(s) without a single ICS left out: %s",
            label,
            int(unmapped.sum()),
            mapped.loc[unmapped, "benchmarking_group"].value_counts().to_dict(),
        )
    return mapped.drop(columns="ics_key")


def weighted_mean(frame: pd.DataFrame, value: str, base: str, by: Sequence[str]) -> pd.Series:
    """Mean of ``value`` weighted by ``base`` within ``by``; rows missing either are skipped."""
    usable = frame.dropna(subset=[value, base])
    usable = usable.loc[usable[base] > 0]
    numerator = (usable[value] * usable[base]).groupby([usable[c] for c in by]).sum()
    denominator = usable.groupby(list(by))[base].sum()
    return numerator / denominator


def sickness_by_year(
    sickness: pd.DataFrame, icb_lookup: pd.DataFrame, years: Sequence[str]
) -> pd.DataFrame:
    """Sickness absence percent and months covered per ICB x year (aggregated by ``ics_code``)."""
    require_columns(
        sickness, ("date", "ics_code", "fte_days_lost", "fte_days_available"), "sickness absence"
    )
    frame = sickness.assign(financial_year=financial_year_of(sickness["date"]))
    frame["month"] = frame["date"].dt.to_period("M")
    known = frame["ics_code"].isin(set(icb_lookup["icb_code"].dropna()))
    if (~known).any():
        LOGGER.info(
            "sickness absence: %d row(s) of bodies outside the ICBs (%s) left out",
            int((~known).sum()),
            sorted(frame.loc[~known, "ics_code"].unique()),
        )
    frame = frame.loc[known & frame["financial_year"].isin(list(years))]
    frame = frame.rename(columns={"ics_code": "icb_code"})
    sums = frame.groupby(KEYS)[["fte_days_lost", "fte_days_available"]].sum(min_count=1)
    out = pd.DataFrame(index=sums.index)
    out["sickness_absence_pct"] = 100.0 * sums["fte_days_lost"] / sums["fte_days_available"]
    out["sickness_months"] = frame.groupby(KEYS)["month"].nunique()
    return out.reset_index()


def engagement_by_year(
    engagement: pd.DataFrame,
    names: pd.DataFrame,
    icb_lookup: pd.DataFrame,
    survey_year: int,
    years: Sequence[str],
) -> pd.DataFrame:
    """Base-weighted staff engagement score per ICB for one survey year (-> financial year)."""
    require_columns(engagement, ("ods_code", "ics_name", "staff_engagement", "base"), "engagement")
    financial_year = financial_year_label(survey_year)
    if financial_year not in years:
        return pd.DataFrame(columns=[*KEYS, "staff_engagement"])
    mapped = map_organisations(engagement, names, icb_lookup, f"staff survey {survey_year}")
    mapped = mapped.dropna(subset=["icb_code"]).assign(financial_year=financial_year)
    score = weighted_mean(mapped, "staff_engagement", "base", KEYS).rename("staff_engagement")
    return score.reset_index()


def survey_items_by_year(
    items: pd.DataFrame, names: pd.DataFrame, icb_lookup: pd.DataFrame, years: Sequence[str]
) -> pd.DataFrame:
    """Base-weighted ethnic-minority share and discrimination rates per ICB x financial year."""
    needed = [f"{item}_{part}" for item in SURVEY_ITEMS for part in ("base", "rate")]
    require_columns(
        items, ("ods_code", "year", "ics_name", "benchmarking_group", *needed), "survey items"
    )
    frame = items.assign(financial_year=items["year"].map(financial_year_label).astype("string"))
    outside = ~frame["financial_year"].isin(list(years))
    if outside.any():
        LOGGER.info(
            "survey items: %d organisation-year row(s) outside the panel years left out",
            int(outside.sum()),
        )
    mapped = map_organisations(frame.loc[~outside], names, icb_lookup, "staff survey items")
    mapped = mapped.dropna(subset=["icb_code"])
    columns = {
        column: weighted_mean(mapped, f"{item}_rate", f"{item}_base", KEYS)
        for item, column in SURVEY_ITEMS.items()
    }
    out = pd.DataFrame(columns)
    out["staff_survey_orgs"] = mapped.groupby(KEYS)["ods_code"].nunique()
    return out.rename_axis(KEYS).reset_index()


def build_workforce(
    sickness: pd.DataFrame,
    engagement: pd.DataFrame,
    survey_items: pd.DataFrame,
    icb_lookup: pd.DataFrame,
    *,
    engagement_survey_year: int = 2024,
    first_year: str = "2022/23",
    last_year: str = "2025/26",
    min_months: int = 12,
) -> pd.DataFrame:
    """ICB x financial-year workforce measures (definitions and weighting in the module docstring).

    Inputs: ``read_sickness_absence`` output, ``read_organisation_engagement`` output (one survey
    year, ``engagement_survey_year``), ``read_staff_survey_items`` output and ``icb_lookup``
    (``icb_code``). Output sorted by ``icb_code``, ``financial_year``.
    """
    years = financial_years(first_year, last_year)
    names = ics_name_codes(sickness, icb_lookup)
    result = panel_frame(icb_lookup, years)
    parts = [
        sickness_by_year(sickness, icb_lookup, years),
        engagement_by_year(engagement, names, icb_lookup, engagement_survey_year, years),
        survey_items_by_year(survey_items, names, icb_lookup, years),
    ]
    for part in parts:
        part = part.astype({"icb_code": "string", "financial_year": "string"})
        label = f"workforce <- {next(c for c in part.columns if c not in KEYS)}"
        result = checked_merge(
            result, part, on=KEYS, how="left", validate="one_to_one", label=label
        )
    result["sickness_months"] = result["sickness_months"].fillna(0).astype("int64")
    short = result["sickness_months"] < min_months
    result.loc[short, "sickness_absence_pct"] = float("nan")
    result["staff_survey_orgs"] = result["staff_survey_orgs"].fillna(0).astype("int64")
    columns = [
        *KEYS,
        "sickness_absence_pct",
        "sickness_months",
        "staff_engagement",
        *SURVEY_ITEMS.values(),
        "staff_survey_orgs",
    ]
    return result.loc[:, columns].sort_values(KEYS).reset_index(drop=True)
