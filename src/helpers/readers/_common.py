"""Shared parts of the readers: column checks, names, and the fast ``.rda`` reader."""

from __future__ import annotations

import datetime
import functools
import html
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.errors import DataError
from helpers.interim import cached

#: Backends, switchable so a test can compare them on the real files: pyreadr (librdata, C)
#: against rdata (pure Python) for .rda files, calamine (Rust) against openpyxl for workbooks.
RDA_BACKEND = "pyreadr"
EXCEL_ENGINE = "calamine"


def require_columns(frame: pd.DataFrame, columns: Iterable[str], source: Path | str) -> None:
    """Raise DataError naming the file and every expected column that is missing."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise DataError(
            f"{source}: expected column(s) {missing} not found; "
            f"columns present: {sorted(map(str, frame.columns))}"
        )


def snake_case(name: str) -> str:
    """Turn a source column header into a tidy snake_case name."""
    cleaned = "".join(ch.lower() if ch.isalnum() else "_" for ch in str(name).strip())
    while "__" in cleaned:
        cleaned = cleaned.replace("__", "_")
    return cleaned.strip("_")


def _from_pyreadr(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a frame read by ``pyreadr`` the types the project's readers expect.

    Text columns become pandas ``string`` (missing values ``pd.NA``) and R ``Date`` columns, which
    pyreadr returns as ``datetime.date`` objects, become days since 1970-01-01 as floats: the
    same table :func:`read_rda_frame_rdata` returns (a test checks this on every raw file).
    """
    tidy = frame.reset_index(drop=True)
    for column in tidy.columns:
        values = tidy[column]
        if isinstance(values.dtype, pd.CategoricalDtype) or not (
            pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype)
        ):
            continue
        present = values.dropna()
        if len(present) and isinstance(present.iloc[0], datetime.date):
            days = pd.to_datetime(values) - pd.Timestamp("1970-01-01")
            tidy[column] = (days / pd.Timedelta(days=1)).astype("float64")
        else:
            tidy[column] = values.astype("string")
    return tidy


def read_rda_frame_rdata(path: Path) -> pd.DataFrame:
    """Read the single data frame of an ``.rda`` file with the pure-Python ``rdata`` package.

    Slow (tens of seconds for the larger files), but it decodes objects ``pyreadr`` cannot, such
    as the geometry list-column of an sf boundary file. The tibble classes (``tbl_df``) are read
    as plain data frames; the warning ``rdata`` gives about them is expected and silenced.
    """
    import warnings

    import rdata

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Missing constructor for R class")
        objects = rdata.read_rda(str(path))
    return _single_frame(objects, path)


def _single_frame(objects: dict, path: Path) -> pd.DataFrame:
    if len(objects) != 1:
        raise DataError(f"{path}: expected one object in the .rda file, found {list(objects)}")
    (frame,) = objects.values()
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{path}: expected a data frame, found {type(frame).__name__}")
    return frame.reset_index(drop=True)


@cached
def read_rda_frame(path: Path) -> pd.DataFrame:
    """Read the single data frame stored in an R ``.rda`` file, with a fresh 0..n-1 index.

    Uses the C-backed ``pyreadr`` (librdata), an order of magnitude faster than ``rdata``;
    a file pyreadr cannot decode (e.g. an sf object with a geometry column) raises DataError:
    read those with :func:`read_rda_frame_rdata`.
    """
    if RDA_BACKEND == "rdata":
        return read_rda_frame_rdata(path)
    import pyreadr
    from pyreadr.custom_errors import LibrdataError, PyreadrError

    try:
        objects = pyreadr.read_r(str(path))
    except (LibrdataError, PyreadrError) as error:
        raise DataError(
            f"{path}: pyreadr cannot read this .rda file ({error}); objects such as sf "
            "geometries need read_rda_frame_rdata"
        ) from error
    return _from_pyreadr(_single_frame(objects, path))


@functools.cache
def _catalogue(path: str, size: int, mtime_ns: int) -> dict[str, Any]:
    """The catalogue entries by file key, read once per process (and again if the file changes)."""
    from helpers.sources import load_sources

    return {source.file: source for source in load_sources(Path(path))}


def acquired(file: str) -> Path:
    """Verified local copy of one raw file, by its catalogue key ('imd/imd2019_...rda')."""
    from helpers.acquire import acquire, fetch
    from helpers.paths import SOURCES_FILE

    status = SOURCES_FILE.stat()
    source = _catalogue(str(SOURCES_FILE), status.st_size, status.st_mtime_ns).get(file)
    return acquire(source) if source is not None else fetch(file)  # fetch names the bad key


def choose(dataset: str, table: str, known: Iterable[str]) -> str:
    """``table`` if it is one of ``known``, else a DataError naming the valid tables."""
    names = sorted(known)
    if table not in names:
        raise DataError(f"readers.{dataset}.load: unknown table {table!r}; valid: {names}")
    return table


def read_excel_sheet(path: Path, sheet: str, **options: object) -> pd.DataFrame:
    """One worksheet with pandas' ``read_excel`` and the fast calamine engine."""
    return pd.read_excel(path, sheet_name=sheet, engine=EXCEL_ENGINE, **options)


def workbook_rows(path: Path, sheet: str) -> list[tuple[object, ...]]:
    """Every row of a worksheet from A1 as tuples of cell values, empty cells as None.

    Read with calamine (openpyxl when :data:`EXCEL_ENGINE` says so); trailing empty rows may be
    absent. Raises DataError naming the sheets when ``sheet`` does not exist.
    """
    names = workbook_sheets(path)
    if sheet not in names:
        raise DataError(f"{path}: sheet {sheet!r} not found; sheets: {names}")
    if EXCEL_ENGINE == "openpyxl":
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return [tuple(row) for row in workbook[sheet].iter_rows(values_only=True)]
        finally:
            workbook.close()
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet)
    return [
        tuple(None if cell == "" else cell for cell in row)
        for row in rows.to_python(skip_empty_area=False)
    ]


def workbook_sheets(path: Path) -> list[str]:
    """Names of a workbook's sheets, in order."""
    from python_calamine import CalamineWorkbook

    return list(CalamineWorkbook.from_path(str(path)).sheet_names)


def _cell_position(reference: str) -> tuple[int, int]:
    """(row, column) of an A1-style reference such as 'AB12' (1-based)."""
    match = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", reference)
    if match is None:
        raise ValueError(f"not a cell reference: {reference!r}")
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(match.group(2)), column


def workbook_dimensions(path: Path) -> dict[str, tuple[int, int]]:
    """Rows and columns of each sheet of an ``.xlsx`` file, from the sheets' own ``dimension``
    records (what openpyxl reports as ``max_row``/``max_column``), without parsing any cells.

    A sheet without a dimension record is measured with openpyxl.
    """
    import zipfile

    sizes: dict[str, tuple[int, int]] = {}
    with zipfile.ZipFile(path) as archive:
        book = archive.read("xl/workbook.xml").decode("utf-8")
        links = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        targets: dict[str, str] = {}
        for element in re.findall(r"<Relationship\b[^>]*>", links):
            key = re.search(r'\bId="([^"]+)"', element)
            target = re.search(r'\bTarget="([^"]+)"', element)
            if key and target:
                targets[key.group(1)] = target.group(1)
        for element in re.findall(r"<sheet\b[^>]*>", book):
            name = re.search(r'\bname="([^"]+)"', element)
            link = re.search(r'\br:id="([^"]+)"', element)
            if not (name and link and link.group(1) in targets):
                return _openpyxl_dimensions(path)
            target = targets[link.group(1)].lstrip("/")
            member = target if target.startswith("xl/") else f"xl/{target}"
            with archive.open(member) as handle:
                head = handle.read(1 << 14).decode("utf-8", "ignore")
            found = re.search(r'<dimension ref="([^"]+)"', head)
            if found is None:
                return _openpyxl_dimensions(path)
            last = found.group(1).split(":")[-1]
            sizes[html.unescape(name.group(1))] = _cell_position(last)
    return sizes


def _openpyxl_dimensions(path: Path) -> dict[str, tuple[int, int]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        return {sheet.title: (sheet.max_row or 0, sheet.max_column or 0) for sheet in workbook}
    finally:
        workbook.close()
