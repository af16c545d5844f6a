"""Readers for the geographr lookups: LSOA -> sub-ICB -> ICB tables and rural-urban classes.

Each ``.rda`` file holds one data frame; the columns keep geographr's snake_case names
(``lsoa11_code``, ``icb22_code`` = ONS E54, ``icb22_code_h`` = NHS Q-code, ...). Text columns
are returned as pandas ``string``; rows are sorted by the LSOA code. Also here: trust successions
(``lookup_trust_trust``), the admitted-patient shares of trusts by ICB
(``lookup_nhs_trusts22_icb22``) and the ICB boundaries (``boundaries_icb22``, an sf object read
with ``rdata``). :func:`load` reads any of them by table name. Files of the dataset without a
reader (``lookup_ltla24_region24``, ``lookup_nhs_trusts22_nhs_region21``, ``points_nhs_trusts22``)
are not used by the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from helpers.data.readers._common import (
    acquired,
    choose,
    read_rda_frame,
    read_rda_frame_rdata,
    require_columns,
)
from helpers.errors import DataError

LSOA11_ICB22_COLUMNS: tuple[str, ...] = (
    "lsoa11_code",
    "lsoa11_name",
    "sicbl22_code",
    "sicbl22_code_h",
    "sicbl22_name",
    "icb22_code",
    "icb22_code_h",
    "icb22_name",
    "ltla22_code",
    "ltla22_name",
)
LSOA21_ICB24_COLUMNS: tuple[str, ...] = (
    "lsoa21_code",
    "lsoa21_name",
    "sicbl24_code",
    "sicbl24_code_nhs",
    "sicbl24_name",
    "icb24_code",
    "icb24_code_nhs",
    "icb24_name",
)
RUC11_COLUMNS: tuple[str, ...] = ("lsoa11_code", "ruc11_code", "ruc", "classification")
RUC21_COLUMNS: tuple[str, ...] = ("lsoa21_code", "ruc21_code", "ruc", "classification")


def _select_text(
    frame: pd.DataFrame, columns: tuple[str, ...], key: str, path: Path
) -> pd.DataFrame:
    """Keep ``columns`` as strings, check ``key`` is unique and complete, sort by it."""
    require_columns(frame, columns, path)
    tidy = frame.loc[:, list(columns)].astype("string")
    if tidy[key].isna().any():
        raise DataError(f"{path}: {int(tidy[key].isna().sum())} row(s) with missing {key}")
    duplicated = tidy[key].duplicated()
    if duplicated.any():
        raise DataError(f"{path}: duplicated {key}: {tidy.loc[duplicated, key].head(5).tolist()}")
    return tidy.sort_values(key).reset_index(drop=True)


def read_lsoa11_icb22_lookup(path: Path) -> pd.DataFrame:
    """LSOA 2011 -> sub-ICB location -> ICB (July 2022) -> LTLA, one row per English LSOA 2011.

    Columns: lsoa11_code, lsoa11_name, sicbl22_code (E38), sicbl22_code_h (NHS 3-char),
    sicbl22_name, icb22_code (E54), icb22_code_h (Q-code), icb22_name, ltla22_code, ltla22_name.
    """
    return _select_text(read_rda_frame(path), LSOA11_ICB22_COLUMNS, "lsoa11_code", path)


def read_lsoa21_icb24_lookup(path: Path) -> pd.DataFrame:
    """LSOA 2021 -> sub-ICB location -> ICB (April 2024), one row per English LSOA 2021.

    Columns: lsoa21_code, lsoa21_name, sicbl24_code (E38), sicbl24_code_nhs, sicbl24_name,
    icb24_code (E54, 2024 vintage), icb24_code_nhs (Q-code), icb24_name.
    """
    return _select_text(read_rda_frame(path), LSOA21_ICB24_COLUMNS, "lsoa21_code", path)


def read_ruc11_lsoa11(path: Path) -> pd.DataFrame:
    """Rural-urban classification 2011 by LSOA 2011 (England and Wales).

    Columns: lsoa11_code, ruc11_code (A1..E2), ruc ('Urban'/'Rural'), classification.
    """
    tidy = _select_text(read_rda_frame(path), RUC11_COLUMNS, "lsoa11_code", path)
    _check_ruc(tidy, path)
    return tidy


def read_ruc21_lsoa21(path: Path) -> pd.DataFrame:
    """Rural-urban classification 2021 by LSOA 2021 (England and Wales).

    Columns: lsoa21_code, ruc21_code, ruc ('Urban'/'Rural'), classification.
    """
    tidy = _select_text(read_rda_frame(path), RUC21_COLUMNS, "lsoa21_code", path)
    _check_ruc(tidy, path)
    return tidy


def _check_ruc(frame: pd.DataFrame, path: Path) -> None:
    """Raise unless every ``ruc`` value is 'Urban' or 'Rural'."""
    bad = ~frame["ruc"].isin(["Urban", "Rural"])
    if bad.any():
        raise DataError(
            f"{path}: column ruc has values other than Urban/Rural: "
            f"{sorted(frame.loc[bad, 'ruc'].astype(str).unique())[:5]}"
        )


def read_trust_successors(path: Path) -> pd.DataFrame:
    """geographr ``lookup_trust_trust``: ``old_code``, ``new_code``, ``date`` (effective date)."""
    frame = read_rda_frame(path)
    require_columns(frame, ("old_code", "new_code", "date"), path)
    tidy = frame.loc[:, ["old_code", "new_code", "date"]].copy()
    for column in ("old_code", "new_code"):
        tidy[column] = tidy[column].astype("string").str.strip()
    tidy["date"] = pd.to_datetime(tidy["date"].astype("float64"), unit="D")
    return tidy.sort_values(["old_code", "date", "new_code"]).reset_index(drop=True)


def read_trust_patient_shares(path: Path) -> pd.DataFrame:
    """geographr ``lookup_nhs_trusts22_icb22``: ``trust_code``, ``icb_ons_code`` (E54, 2022) and
    ``weight`` (share of the trust's admitted patients living in the ICB), in file order.

    :func:`helpers.panel.apportion.patient_share_weights` turns it into a weight table keyed by
    Q-code.
    """
    frame = read_rda_frame(path)
    columns = ("nhs_trust22_code", "icb22_code", "proportion_trust_came_from_icb")
    require_columns(frame, columns, path)
    tidy = frame.loc[:, list(columns)].rename(
        columns={
            "nhs_trust22_code": "trust_code",
            "icb22_code": "icb_ons_code",
            "proportion_trust_came_from_icb": "weight",
        }
    )
    tidy["trust_code"] = tidy["trust_code"].astype("string").str.strip()
    tidy["icb_ons_code"] = tidy["icb_ons_code"].astype("string").str.strip()
    return tidy


BOUNDARY_CRS = "EPSG:4326"


def _multipolygon(parts: list) -> object:
    """A shapely MultiPolygon from sf's nested list: polygons -> rings -> (n, 2) arrays."""
    from shapely.geometry import MultiPolygon, Polygon

    polygons = [Polygon(rings[0], rings[1:]) for rings in parts]
    return MultiPolygon(polygons)


def read_icb_boundaries(path: Path) -> pd.DataFrame:
    """ICB boundaries (July 2022, ultra-generalised) from geographr ``boundaries_icb22``.

    Returns one row per ICB: icb_ons_code (E54, 2022 vintage), icb_name, geometry (shapely
    MultiPolygon in longitude/latitude, EPSG:4326, recorded in ``frame.attrs['crs']``); sorted
    by icb_ons_code. The sf object is decoded with ``rdata`` (pyreadr cannot read sf geometry;
    the file is 9 kB): each geometry arrives as a list of polygons, each a list of coordinate
    rings (outer ring first).
    """
    frame = read_rda_frame_rdata(path)
    require_columns(frame, ["icb22_code", "icb22_name", "geometry"], path)
    geometries = [_multipolygon(parts) for parts in frame["geometry"]]
    tidy = pd.DataFrame(
        {
            "icb_ons_code": frame["icb22_code"].astype("string"),
            "icb_name": frame["icb22_name"].astype("string"),
            "geometry": geometries,
        }
    )
    if tidy["icb_ons_code"].duplicated().any():
        raise DataError(f"{path}: duplicated icb22_code values")
    tidy = tidy.sort_values("icb_ons_code").reset_index(drop=True)
    tidy.attrs["crs"] = BOUNDARY_CRS
    return tidy


#: Table name -> (catalogue file, reader).
TABLES: dict[str, tuple[str, Callable[[Path], pd.DataFrame]]] = {
    "lsoa11_icb22": ("geographr/lookup_lsoa11_sicbl22_icb22_ltla22.rda", read_lsoa11_icb22_lookup),
    "lsoa21_icb24": ("geographr/lookup_lsoa21_icb24.rda", read_lsoa21_icb24_lookup),
    "ruc11_lsoa11": ("geographr/ruc11_lsoa11.rda", read_ruc11_lsoa11),
    "ruc21_lsoa21": ("geographr/ruc21_lsoa21.rda", read_ruc21_lsoa21),
    "trust_successors": ("geographr/lookup_trust_trust.rda", read_trust_successors),
    "trust_patient_shares": ("geographr/lookup_nhs_trusts22_icb22.rda", read_trust_patient_shares),
    "icb_boundaries": ("geographr/boundaries_icb22.rda", read_icb_boundaries),
}


def load(table: str) -> pd.DataFrame:
    """One geographr table by name (see :data:`TABLES`), acquired by hash and read once."""
    file, reader = TABLES[choose("geographr", table, TABLES)]
    return reader(acquired(file))
