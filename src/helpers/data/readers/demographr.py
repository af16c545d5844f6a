"""Reader for demographr's ONS small-area mid-year population estimates (LSOA 2011, single
year of age, persons), e.g. ``population19_lsoa11.rda`` (mid-2019)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from helpers.data.readers._common import acquired, read_rda_frame, require_columns
from helpers.errors import DataError

LOGGER = logging.getLogger(__name__)
OPEN_AGE = 90  #: the last age column is "90+"; it is returned as age 90
AGE_COLUMNS: tuple[str, ...] = (*(str(age) for age in range(OPEN_AGE)), f"{OPEN_AGE}+")
ID_COLUMNS: tuple[str, ...] = ("lsoa11_code", "lsoa11_name", "total_population")


def mid_year_of(path: Path) -> int:
    """Mid-year of the estimates from the file name ('population19_lsoa11.rda' -> 2019)."""
    match = re.search(r"population(\d{2})_", path.name)
    if match is None:
        raise DataError(f"{path}: cannot read the mid-year from the file name")
    return 2000 + int(match.group(1))


def _checked_ages(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The raw wide frame and its single-year age columns as float64, after checking that the
    ages sum to the published ``total_population`` of every LSOA (else DataError)."""
    wide = read_rda_frame(path)
    require_columns(wide, (*ID_COLUMNS, *AGE_COLUMNS), path)
    ages = wide.loc[:, list(AGE_COLUMNS)].astype("float64")
    mismatch = (ages.sum(axis=1) - wide["total_population"].astype("float64")).abs() > 0.5
    if mismatch.any():
        examples = wide.loc[mismatch, "lsoa11_code"].head(3).tolist()
        raise DataError(
            f"{path}: single-year ages do not sum to total_population for "
            f"{int(mismatch.sum())} LSOA(s), e.g. {examples}"
        )
    return wide, ages


def read_population_lsoa11(path: Path) -> pd.DataFrame:
    """Long table of persons by LSOA 2011 and single year of age (England and Wales).

    Columns: lsoa11_code, lsoa11_name, mid_year (int), age (int 0..90; 90 means 90 and over),
    population (persons). Sorted by lsoa11_code, age. Raises DataError if the ages do not sum to
    the published ``total_population`` of an LSOA.
    """
    wide, ages = _checked_ages(path)
    ages.columns = [int(c.rstrip("+")) for c in AGE_COLUMNS]
    ages.insert(0, "lsoa11_code", wide["lsoa11_code"].astype("string"))
    ages.insert(1, "lsoa11_name", wide["lsoa11_name"].astype("string"))
    long = ages.melt(
        id_vars=["lsoa11_code", "lsoa11_name"], var_name="age", value_name="population"
    )
    long["age"] = long["age"].astype("int64")
    long.insert(2, "mid_year", mid_year_of(path))
    LOGGER.info("%s: %d LSOAs x %d ages", path.name, len(wide), len(AGE_COLUMNS))
    return long.sort_values(["lsoa11_code", "age"]).reset_index(drop=True)


def read_population_totals_lsoa11(path: Path) -> pd.DataFrame:
    """Persons of all ages by LSOA 2011: the sum over single years of age of
    :func:`read_population_lsoa11` per LSOA (same checks), without building its long table of
    three million rows. The ages are whole numbers, so the sums are exact in any order.

    Columns: lsoa11_code, population. One row per lsoa11_code, sorted by it.
    """
    wide, ages = _checked_ages(path)
    totals = pd.DataFrame(
        {"lsoa11_code": wide["lsoa11_code"].astype("string"), "population": ages.sum(axis=1)}
    )
    return totals.groupby("lsoa11_code", sort=True)["population"].sum().reset_index()


FILES: dict[int, str] = {
    2019: "demographr/population19_lsoa11.rda",
    2020: "demographr/population20_lsoa11.rda",
}


def load(mid_year: int = 2019, by_age: bool = True) -> pd.DataFrame:
    """Persons by LSOA 2011 at ``mid_year`` (2019 or 2020), acquired by hash: by single year of
    age (:func:`read_population_lsoa11`), or with ``by_age=False`` all ages together
    (:func:`read_population_totals_lsoa11`). The pipeline uses mid-2019 totals."""
    if mid_year not in FILES:
        raise DataError(f"readers.demographr.load: no mid-year {mid_year}; valid: {sorted(FILES)}")
    path = acquired(FILES[mid_year])
    return read_population_lsoa11(path) if by_age else read_population_totals_lsoa11(path)
