"""Reader for NHS England "Patients registered at a GP practice" by sex and single year of age,
for commissioning regions, ICBs, sub-ICB locations and PCNs (extracts of 2025)."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from helpers.data.readers._common import acquired, require_columns
from helpers.errors import DataError

LOGGER = logging.getLogger(__name__)
COLUMNS: tuple[str, ...] = (
    "extract_date",
    "org_type",
    "org_code",
    "ons_code",
    "sex",
    "age",
    "number_of_patients",
)
ORG_TYPES: tuple[str, ...] = ("Comm Region", "ICB", "SUB_ICB_LOCATION_CODE", "PCN")


def read_gp_registered_population(path: Path, org_type: str | None = "ICB") -> pd.DataFrame:
    """Registered patients by organisation, extract date, sex and age.

    ``org_type`` keeps one organisation level ('Comm Region', 'ICB', 'SUB_ICB_LOCATION_CODE',
    'PCN'); None keeps all. The repository's loader columns (``_load_id`` ...) are dropped.

    Columns: extract_date (datetime64), org_type, org_code (ICB: NHS Q-code), ons_code (ICB: E54,
    2024 vintage), sex ('ALL', 'MALE', 'FEMALE'), age ('ALL', '0'..'94', '95+'),
    age_lower (Int64; 95 for '95+', missing for 'ALL'), number_of_patients (int).
    Single ages exist only for MALE and FEMALE. Sorted by org_type, org_code, extract_date, sex,
    age_lower.
    """
    if org_type is not None and org_type not in ORG_TYPES:
        raise DataError(f"{path}: unknown org_type {org_type!r}; expected one of {ORG_TYPES}")
    present = pq.ParquetFile(path).schema_arrow.names
    require_columns(pd.DataFrame(columns=present), COLUMNS, path)
    filters = [("org_type", "==", org_type)] if org_type is not None else None
    text = ["extract_date", "org_type", "org_code", "ons_code", "sex", "age"]
    # Read the text columns dictionary-encoded (a few distinct values in 1.4 million rows):
    # decoding them as strings before the filter takes most of the time. Same values after.
    frame = pd.read_parquet(path, columns=list(COLUMNS), filters=filters, read_dictionary=text)
    for column in ("org_type", "org_code", "ons_code", "sex", "age"):
        frame[column] = frame[column].astype("string")
    frame["extract_date"] = pd.to_datetime(frame["extract_date"], format="%Y-%m-%d")
    frame["number_of_patients"] = frame["number_of_patients"].astype("int64")
    ages = frame["age"].where(frame["age"] != "ALL").str.rstrip("+")
    frame.insert(6, "age_lower", pd.to_numeric(ages).astype("Int64"))
    unparsed = frame["age_lower"].isna() & (frame["age"] != "ALL")
    if unparsed.any():
        raise DataError(f"{path}: {int(unparsed.sum())} row(s) with an unreadable age")
    keys = ["org_type", "org_code", "extract_date", "sex", "age_lower"]
    LOGGER.info("%s: %d rows for org_type=%s", path.name, len(frame), org_type)
    return frame.sort_values(keys, na_position="first").reset_index(drop=True)


FILE = "gp_registered_population/gp_prac_reg_age_region.parquet"


def load(org_type: str | None = "ICB") -> pd.DataFrame:
    """Registered patients by age for ``org_type`` rows (:func:`read_gp_registered_population`),
    acquired by hash."""
    return read_gp_registered_population(acquired(FILE), org_type=org_type)
