"""ICB geography: the 42-ICB code lookup, LSOA -> ICB aggregation, and ICB boundaries.

ICBs (1 July 2022 onwards) carry an NHS Q-code (``icb_code``, the project's key) and an ONS E54
code; two E54 codes changed in April 2024 (see :data:`helpers.panel.harmonise.E54_2024_TO_2022`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from helpers.data.readers import geographr, icb_allocations
from helpers.data.readers._common import require_columns
from helpers.data.readers.geographr import read_lsoa11_icb22_lookup, read_lsoa21_icb24_lookup
from helpers.data.readers.icb_allocations import read_allocation_sheet
from helpers.errors import DataError
from helpers.panel.harmonise import E54_2024_TO_2022
from helpers.panel.joins import checked_merge

LOGGER = logging.getLogger(__name__)
N_ICBS = 42
REGION_WORKBOOK = "2023_2025"
REGION_SHEET = "ICB Core Allocations 2024-25"


def _distinct_one_per_icb(frame: pd.DataFrame, key: str, source: str) -> pd.DataFrame:
    """Distinct rows of ``frame``; DataError unless there is exactly one per ``key`` and 42 keys."""
    distinct = frame.drop_duplicates().reset_index(drop=True)
    if distinct[key].duplicated().any() or len(distinct) != N_ICBS:
        raise DataError(
            f"{source}: expected {N_ICBS} ICBs with one row each, found {len(distinct)} rows for "
            f"{distinct[key].nunique()} codes"
        )
    return distinct


def icb_lookup(
    lsoa11_lookup_path: Path | None = None,
    lsoa21_lookup_path: Path | None = None,
    allocations_path: Path | None = None,
) -> pd.DataFrame:
    """The 42 ICBs with their codes, name and NHS England region; one row per ICB.

    Columns: icb_code (NHS Q-code), icb_ons_code (E54, July 2022 vintage), icb_ons_code_2024
    (E54, April 2024 vintage), icb_name (ONS name, e.g. 'NHS Cheshire and Merseyside
    Integrated Care Board'), region_code (NHS England region Y-code), region_name.

    Sources: codes and names from geographr ``lookup_lsoa11_sicbl22_icb22_ltla22`` (2022) and
    ``lookup_lsoa21_icb24`` (2024), joined on the Q-code; the NHS England region (2023
    configuration, columns ``R23``/``Region``) from the NHS England ICB allocation workbook
    2023/24-2024/25, sheet 'ICB Core Allocations 2024-25'. Paths default to the readers' own
    verified raw files (their ``load``). Sorted by icb_code.
    """
    lsoa11 = (
        read_lsoa11_icb22_lookup(lsoa11_lookup_path)
        if lsoa11_lookup_path
        else geographr.load("lsoa11_icb22")
    )
    icb22 = _distinct_one_per_icb(
        lsoa11[["icb22_code_h", "icb22_code", "icb22_name"]].rename(
            columns={
                "icb22_code_h": "icb_code",
                "icb22_code": "icb_ons_code",
                "icb22_name": "icb_name",
            }
        ),
        "icb_code",
        "LSOA11 -> ICB22 lookup",
    )
    lsoa21 = (
        read_lsoa21_icb24_lookup(lsoa21_lookup_path)
        if lsoa21_lookup_path
        else geographr.load("lsoa21_icb24")
    )
    icb24 = _distinct_one_per_icb(
        lsoa21[["icb24_code_nhs", "icb24_code"]].rename(
            columns={"icb24_code_nhs": "icb_code", "icb24_code": "icb_ons_code_2024"}
        ),
        "icb_code",
        "LSOA21 -> ICB24 lookup",
    )
    allocations = (
        read_allocation_sheet(allocations_path, REGION_SHEET)
        if allocations_path
        else icb_allocations.load(REGION_WORKBOOK, REGION_SHEET)
    )
    regions = _distinct_one_per_icb(
        allocations.loc[
            allocations["org_level"] == "icb", ["org_code", "region_code", "region_name"]
        ].rename(columns={"org_code": "icb_code"}),
        "icb_code",
        f"allocation workbook sheet {REGION_SHEET!r}",
    )
    lookup = checked_merge(
        icb22,
        icb24,
        on=["icb_code"],
        how="inner",
        validate="one_to_one",
        label="ICB22 -> ICB24 codes",
        allow_unmatched=False,
    )
    lookup = checked_merge(
        lookup,
        regions,
        on=["icb_code"],
        how="inner",
        validate="one_to_one",
        label="ICB -> NHS England region",
        allow_unmatched=False,
    )
    changed = lookup["icb_ons_code_2024"] != lookup["icb_ons_code"]
    expected = lookup.loc[changed, "icb_ons_code_2024"].map(E54_2024_TO_2022)
    if not expected.eq(lookup.loc[changed, "icb_ons_code"]).all():
        raise DataError(
            "ICB E54 codes changed between 2022 and 2024 other than as listed in "
            f"E54_2024_TO_2022: {lookup.loc[changed].to_dict('records')}"
        )
    columns = [
        "icb_code",
        "icb_ons_code",
        "icb_ons_code_2024",
        "icb_name",
        "region_code",
        "region_name",
    ]
    return lookup[columns].astype("string").sort_values("icb_code").reset_index(drop=True)


def icb_lookup_from_files() -> pd.DataFrame:
    """:func:`icb_lookup` from the verified raw files (default paths); same output."""
    return icb_lookup()


def _attach_icb(
    data: pd.DataFrame, lookup: pd.DataFrame, area_column: str, icb_column: str, label: str
) -> pd.DataFrame:
    """Inner-join ``data`` (indexed by area code) to ``lookup``; log areas lost on either side."""
    require_columns(lookup, [area_column, icb_column], f"{label}: lookup")
    if lookup[area_column].duplicated().any():
        raise DataError(f"{label}: lookup has duplicated {area_column} values")
    frame = data.rename_axis(area_column).reset_index()
    merged = checked_merge(
        frame,
        lookup[[area_column, icb_column]],
        on=[area_column],
        how="inner",
        validate="one_to_one",
        label=f"{label}: areas -> ICB",
    )
    dropped = len(frame) - len(merged)
    # Both sides' keys are unique (validated above), so each matched lookup area is one row
    # of ``merged``: the rest of the lookup has no data (no slow element-wise isin needed).
    not_covered = len(lookup) - len(merged)
    if dropped:
        LOGGER.warning("%s: %d area(s) not in the lookup dropped", label, dropped)
    if not_covered:
        LOGGER.warning("%s: %d lookup area(s) have no data", label, int(not_covered))
    return merged


def weighted_mean_by_icb(
    values: pd.Series,
    weights: pd.Series,
    lookup: pd.DataFrame,
    area_column: str,
    icb_column: str = "icb_code",
    name: str = "value",
) -> pd.DataFrame:
    """Weight-weighted mean of small-area ``values`` within each ICB.

    ``values`` and ``weights`` are Series indexed by area code (e.g. LSOA); ``lookup`` maps
    ``area_column`` to ``icb_column``. Areas with a missing value or weight, or absent from the
    lookup, are dropped and counted in the log. Returns one row per ICB: ``icb_column``,
    ``name`` (sum(value * weight) / sum(weight)), ``weight`` (sum of weights used), ``n_areas``;
    sorted by ``icb_column``.
    """
    label = f"weighted_mean_by_icb({name})"
    data = pd.concat({"value": values, "weight": weights}, axis=1, join="outer")
    incomplete = data["value"].isna() | data["weight"].isna()
    if incomplete.any():
        LOGGER.warning("%s: %d area(s) without value or weight dropped", label, incomplete.sum())
    data = data.loc[~incomplete].astype("float64")
    if (data["weight"] < 0).any():
        raise DataError(f"{label}: negative weights")
    merged = _attach_icb(data, lookup, area_column, icb_column, label)
    merged["product"] = merged["value"] * merged["weight"]
    grouped = merged.groupby(icb_column, sort=True).agg(
        product=("product", "sum"), weight=("weight", "sum"), n_areas=("value", "size")
    )
    if (grouped["weight"] <= 0).any():
        raise DataError(
            f"{label}: ICB(s) with zero total weight: {grouped.index[grouped.weight <= 0]}"
        )
    grouped[name] = grouped["product"] / grouped["weight"]
    return grouped[[name, "weight", "n_areas"]].reset_index()


def sum_by_icb(
    values: pd.Series,
    lookup: pd.DataFrame,
    area_column: str,
    icb_column: str = "icb_code",
    name: str = "value",
) -> pd.DataFrame:
    """Sum small-area ``values`` (Series indexed by area code) within each ICB.

    Missing values and areas absent from the lookup are dropped and counted in the log.
    Returns ``icb_column``, ``name``, ``n_areas``; sorted by ``icb_column``.
    """
    label = f"sum_by_icb({name})"
    missing = values.isna()
    if missing.any():
        LOGGER.warning("%s: %d area(s) without a value dropped", label, int(missing.sum()))
    data = values.loc[~missing].astype("float64").to_frame("value")
    merged = _attach_icb(data, lookup, area_column, icb_column, label)
    grouped = merged.groupby(icb_column, sort=True).agg(
        total=("value", "sum"), n_areas=("value", "size")
    )
    return grouped.rename(columns={"total": name}).reset_index()


def icb_boundaries(path: Path | None = None) -> pd.DataFrame:
    """ICB boundaries (July 2022): see
    :func:`helpers.data.readers.geographr.read_icb_boundaries`."""
    return geographr.read_icb_boundaries(path) if path else geographr.load("icb_boundaries")
