"""ICB population context: age structure, deprivation and rurality.

Sources and methods (all keyed by NHS Q-code ``icb_code``):

* ``share_65plus`` (percent 0-100, year-specific, :func:`share_65plus_by_year`): for 2024/25
  and 2025/26, GP registered patients aged 65+ / all registered patients (NHS England, ICB
  rows, MALE + FEMALE single years of age), averaging the counts of the extracts dated in the
  financial year (2024/25: 1 Mar 2025; 2025/26: 1 Apr, 1 May, 1 Nov, 1 Dec 2025). No
  registered-by-age data exist here for earlier years, so 2022/23 and 2023/24 use Census 2021
  usual residents (TS007A, LSOA 2021 -> ICB via the April 2024 lookup). The basis changes in
  2024/25 (resident -> registered; list inflation lowers the registered 65+ share by about one
  point): ``share_65plus_source`` names the source of each row.
* ``imd_score`` (time-invariant, :func:`icb_context`): IoD2025 official ICB summary "average
  score", the population-weighted mean of LSOA 2021 IMD scores (higher = more deprived). IoD2019
  has no scores; ``imd2019_average_rank`` gives its population-weighted mean LSOA 2011 rank
  (mid-2019 population; 1 = most deprived), not comparable with IoD2025.
* ``rural_share`` (time-invariant): percent of Census 2021 usual residents living in LSOAs 2021
  classed rural in the 2021 rural-urban classification (RUC 2021).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from helpers.data.readers import census2021_age, demographr, geographr, gp_registered_population
from helpers.data.readers import imd as imd_reader
from helpers.data.readers.census2021_age import read_census2021_age
from helpers.data.readers.demographr import read_population_totals_lsoa11
from helpers.data.readers.geographr import (
    read_lsoa11_icb22_lookup,
    read_lsoa21_icb24_lookup,
    read_ruc21_lsoa21,
)
from helpers.data.readers.gp_registered_population import read_gp_registered_population
from helpers.data.readers.imd import read_imd2019_lsoa11, read_imd2025_icb24
from helpers.errors import DataError
from helpers.panel.geography import sum_by_icb, weighted_mean_by_icb
from helpers.panel.harmonise import financial_year_of
from helpers.panel.joins import checked_merge

LOGGER = logging.getLogger(__name__)
OLD_AGE = 65
GP_SOURCE = "GP registered patients (NHS England), mean of extracts in the year"
CENSUS_SOURCE = "Census 2021 usual residents (TS007A)"
CENSUS_YEARS: tuple[str, ...] = ("2022/23", "2023/24")


def _census(census_path: Path | None) -> pd.DataFrame:
    """Census 2021 age bands from ``census_path``, or the reader's own verified file."""
    return read_census2021_age(census_path) if census_path else census2021_age.load()


def _lsoa21_to_icb(lookup_path: Path | None) -> pd.DataFrame:
    """LSOA 2021 -> ICB Q-code (April 2024 lookup), columns lsoa21_code, icb_code."""
    lookup = (
        read_lsoa21_icb24_lookup(lookup_path) if lookup_path else geographr.load("lsoa21_icb24")
    )
    return lookup[["lsoa21_code", "icb24_code_nhs"]].rename(columns={"icb24_code_nhs": "icb_code"})


def registered_share_65plus(gp: pd.DataFrame) -> pd.DataFrame:
    """Percent of registered patients aged 65+ by ICB and financial year, from ICB rows of
    :func:`read_gp_registered_population` (counts averaged over extracts in the year).

    Returns icb_code, financial_year, population_65plus, population_total, share_65plus,
    n_extracts.
    """
    icb = gp.loc[gp["org_type"] == "ICB"]
    single = icb.loc[icb["sex"].isin(["MALE", "FEMALE"]) & icb["age_lower"].notna()]
    total = icb.loc[(icb["sex"] == "ALL") & (icb["age"] == "ALL")]
    old = single.loc[single["age_lower"] >= OLD_AGE]
    keys = ["org_code", "extract_date"]
    counts = checked_merge(
        total.groupby(keys)["number_of_patients"].sum().rename("population_total").reset_index(),
        old.groupby(keys)["number_of_patients"].sum().rename("population_65plus").reset_index(),
        on=keys,
        how="inner",
        validate="one_to_one",
        label="GP registered: totals -> 65+",
        allow_unmatched=False,
    )
    by_age = single.groupby(keys)["number_of_patients"].sum()
    if (
        not by_age.reindex(pd.MultiIndex.from_frame(counts[keys]))
        .eq(counts["population_total"].to_numpy())
        .all()
    ):
        raise DataError("GP registered: single ages (MALE + FEMALE) do not sum to the ALL total")
    counts["financial_year"] = financial_year_of(counts["extract_date"])
    yearly = (
        counts.groupby(["org_code", "financial_year"], sort=True)
        .agg(
            population_65plus=("population_65plus", "mean"),
            population_total=("population_total", "mean"),
            n_extracts=("extract_date", "nunique"),
        )
        .reset_index()
        .rename(columns={"org_code": "icb_code"})
    )
    yearly["share_65plus"] = 100.0 * yearly["population_65plus"] / yearly["population_total"]
    return yearly


def census_share_65plus(census: pd.DataFrame, lsoa_to_icb: pd.DataFrame) -> pd.DataFrame:
    """Percent of Census 2021 usual residents aged 65+ by ICB, from :func:`read_census2021_age`
    and an lsoa21_code -> icb_code table. Welsh LSOAs are dropped (counted in the log).

    Returns icb_code, population_65plus, population_total, share_65plus.
    """
    by_lsoa = census.groupby("lsoa21_code")["population"].sum()
    old = census.loc[census["age_lower"] >= OLD_AGE].groupby("lsoa21_code")["population"].sum()
    english = by_lsoa.index.str.startswith("E")
    LOGGER.info("census_share_65plus: %d non-English LSOA(s) dropped", int((~english).sum()))
    total = sum_by_icb(by_lsoa[english], lsoa_to_icb, "lsoa21_code", name="population_total")
    aged = sum_by_icb(old[english], lsoa_to_icb, "lsoa21_code", name="population_65plus")
    result = total[["icb_code", "population_total"]].merge(
        aged[["icb_code", "population_65plus"]], on="icb_code", validate="one_to_one"
    )
    result["share_65plus"] = 100.0 * result["population_65plus"] / result["population_total"]
    return result[["icb_code", "population_65plus", "population_total", "share_65plus"]]


def share_65plus_by_year(
    gp_path: Path | None = None,
    census_path: Path | None = None,
    lsoa21_lookup_path: Path | None = None,
    census_years: Sequence[str] = CENSUS_YEARS,
) -> pd.DataFrame:
    """Percent of population aged 65+, one row per icb_code x financial_year.

    GP registered lists for the years their extracts cover (2024/25, 2025/26); Census 2021 for
    ``census_years`` (default 2022/23 and 2023/24). Columns: icb_code, financial_year,
    share_65plus (0-100), population_65plus, population_total, share_65plus_source. Sorted by
    icb_code, financial_year.
    """
    gp = (
        read_gp_registered_population(gp_path, org_type="ICB")
        if gp_path
        else gp_registered_population.load("ICB")
    )
    registered = registered_share_65plus(gp).drop(columns="n_extracts")
    registered["share_65plus_source"] = GP_SOURCE
    overlap = set(census_years) & set(registered["financial_year"])
    if overlap:
        raise DataError(f"share_65plus_by_year: years {sorted(overlap)} have GP data and census")
    census = census_share_65plus(_census(census_path), _lsoa21_to_icb(lsoa21_lookup_path))
    census_rows = pd.concat(
        [census.assign(financial_year=year) for year in census_years], ignore_index=True
    )
    census_rows["share_65plus_source"] = CENSUS_SOURCE
    columns = [
        "icb_code",
        "financial_year",
        "share_65plus",
        "population_65plus",
        "population_total",
        "share_65plus_source",
    ]
    combined = pd.concat([registered[columns], census_rows[columns]], ignore_index=True)
    for column in ("icb_code", "financial_year", "share_65plus_source"):
        combined[column] = combined[column].astype("string")
    return combined.sort_values(["icb_code", "financial_year"]).reset_index(drop=True)


def rural_share_by_icb(
    ruc: pd.DataFrame, population: pd.Series, lsoa_to_icb: pd.DataFrame
) -> pd.DataFrame:
    """Percent of population in rural LSOAs by ICB: population-weighted mean of 100 x
    (ruc == 'Rural'). ``ruc`` from :func:`read_ruc21_lsoa21`; ``population`` indexed by
    lsoa21_code. Returns icb_code, rural_share."""
    rural = (ruc.set_index("lsoa21_code")["ruc"] == "Rural").astype("float64") * 100.0
    english = rural.index.str.startswith("E")
    shares = weighted_mean_by_icb(
        rural[english], population, lsoa_to_icb, "lsoa21_code", name="rural_share"
    )
    return shares[["icb_code", "rural_share"]]


def imd2019_average_rank(
    imd2019: pd.DataFrame, population: pd.Series, lsoa11_to_icb: pd.DataFrame
) -> pd.DataFrame:
    """Population-weighted mean IoD2019 LSOA rank by ICB (1 = most deprived).

    ``population`` is indexed by lsoa11_code. Returns icb_code, imd2019_average_rank.
    """
    ranks = imd2019.set_index("lsoa11_code")["imd_rank"]
    result = weighted_mean_by_icb(
        ranks, population, lsoa11_to_icb, "lsoa11_code", name="imd2019_average_rank"
    )
    return result[["icb_code", "imd2019_average_rank"]]


def icb_context(
    imd2025_icb_path: Path | None = None,
    lsoa21_lookup_path: Path | None = None,
    ruc21_path: Path | None = None,
    census_path: Path | None = None,
    imd2019_path: Path | None = None,
    lsoa11_lookup_path: Path | None = None,
    population19_path: Path | None = None,
) -> pd.DataFrame:
    """Time-invariant ICB context, one row per icb_code (42).

    Columns: icb_code, imd_score (IoD2025 official ICB average score), imd_rank_of_score
    (1 = most deprived ICB), imd_most_deprived_decile_share (percent of the ICB's LSOAs in the
    most deprived 10% nationally), imd_vintage ('IoD2025'), imd2019_average_rank, rural_share
    (percent, RUC 2021 x Census 2021 population), rural_vintage, share_65plus_census2021
    (percent). Paths default to the verified raw files. Sorted by icb_code.
    """
    lsoa21 = _lsoa21_to_icb(lsoa21_lookup_path)
    icb24 = (
        read_lsoa21_icb24_lookup(lsoa21_lookup_path)
        if lsoa21_lookup_path
        else geographr.load("lsoa21_icb24")
    )
    codes = icb24[["icb24_code", "icb24_code_nhs"]].drop_duplicates()
    imd = (
        read_imd2025_icb24(imd2025_icb_path)
        if imd2025_icb_path
        else imd_reader.load("imd2025_icb24")
    )
    imd = checked_merge(
        imd,
        codes,
        on=["icb24_code"],
        how="inner",
        validate="one_to_one",
        label="IoD2025 ICB summary -> Q-code",
        allow_unmatched=False,
    )
    context = pd.DataFrame(
        {
            "icb_code": imd["icb24_code_nhs"],
            "imd_score": imd["imd_average_score"],
            "imd_rank_of_score": imd["imd_rank_of_average_score"],
            "imd_most_deprived_decile_share": 100.0
            * imd["imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally"],
            "imd_vintage": "IoD2025",
        }
    )
    census = _census(census_path)
    population21 = census.groupby("lsoa21_code")["population"].sum()
    rural = rural_share_by_icb(
        (read_ruc21_lsoa21(ruc21_path) if ruc21_path else geographr.load("ruc21_lsoa21")),
        population21,
        lsoa21,
    )
    rural["rural_vintage"] = "RUC 2021 (LSOA 2021), Census 2021 population"
    old = census_share_65plus(census, lsoa21)[["icb_code", "share_65plus"]].rename(
        columns={"share_65plus": "share_65plus_census2021"}
    )
    lsoa11 = (
        read_lsoa11_icb22_lookup(lsoa11_lookup_path)
        if lsoa11_lookup_path
        else geographr.load("lsoa11_icb22")
    )
    lsoa11 = lsoa11[["lsoa11_code", "icb22_code_h"]].rename(columns={"icb22_code_h": "icb_code"})
    population19 = (
        read_population_totals_lsoa11(population19_path)
        if population19_path
        else demographr.load(2019, by_age=False)
    ).set_index("lsoa11_code")["population"]
    rank19 = imd2019_average_rank(
        (read_imd2019_lsoa11(imd2019_path) if imd2019_path else imd_reader.load("imd2019_lsoa11")),
        population19,
        lsoa11,
    )
    for right, label in ((rank19, "IoD2019 rank"), (rural, "rural share"), (old, "65+ census")):
        context = checked_merge(
            context,
            right,
            on=["icb_code"],
            how="left",
            validate="one_to_one",
            label=f"ICB context -> {label}",
            allow_unmatched=False,
        )
    for column in ("icb_code", "imd_vintage", "rural_vintage"):
        context[column] = context[column].astype("string")
    return context.sort_values("icb_code").reset_index(drop=True)
