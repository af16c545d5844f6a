"""Shared parts of the readers: column checks, names, and the fast ``.rda`` reader.

Every raw file is opened through this module (:func:`read_csv_file`, :func:`read_csv_text`,
:func:`read_excel_sheet`, :func:`workbook_rows`, :func:`workbook_sheets`,
:func:`workbook_dimensions`, :func:`read_rda_frame`, :func:`rda_shape`), so an empty, truncated
or damaged file gives every reader the same :class:`~helpers.errors.DataError` naming the file,
its size and what was expected (:func:`opening`), never a bare library traceback.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import html
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.errors import DataError

#: Backends, switchable so a test can compare them on the real files: pyreadr (librdata, C)
#: against rdata (pure Python) for .rda files, calamine (Rust) against openpyxl for workbooks.
RDA_BACKEND = "pyreadr"
EXCEL_ENGINE = "calamine"

#: What each kind of raw file should be, for the messages of :func:`opening`.
EXPECTED: dict[str, str] = {
    "csv": "a CSV file with a header line",
    "xlsx": "an Excel workbook (.xlsx, a zip archive)",
    "rda": "an R data file (.rda) holding one data frame, saved by R's save()",
}


@contextlib.contextmanager
def opening(path: Path | str, kind: str) -> Iterator[None]:
    """Run a library's read of ``path`` (a raw file of ``kind``: csv, xlsx or rda); an empty
    file, or any failure of the library to parse it (a truncated or damaged file), becomes a
    DataError naming the file, its size and what it should be. DataErrors pass unchanged.
    """
    path = Path(path)
    expected = EXPECTED[kind]
    if path.is_file() and path.stat().st_size == 0:
        raise DataError(f"{path}: empty file (0 bytes); expected {expected}")
    try:
        yield
    except DataError:
        raise
    except FileNotFoundError as error:
        raise DataError(f"{path}: file not found; expected {expected}") from error
    except Exception as error:  # every library's parse failure, named with the file
        size = path.stat().st_size if path.is_file() else 0
        raise DataError(
            f"{path}: cannot be read as {expected} ({type(error).__name__}: {error}); "
            f"the file ({size:,} bytes) may be truncated or damaged: acquire it again "
            "(delete it and run make report)"
        ) from error


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

    with opening(path, "rda"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Missing constructor for R class")
        warnings.filterwarnings("ignore", message="Unknown file type", category=UserWarning)
        warnings.filterwarnings("ignore", message="Wrong extension", category=UserWarning)
        objects = rdata.read_rda(str(path))
    return _single_frame(objects, path)


def _single_frame(objects: dict, path: Path) -> pd.DataFrame:
    if len(objects) != 1:
        raise DataError(f"{path}: expected one object in the .rda file, found {list(objects)}")
    (frame,) = objects.values()
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{path}: expected a data frame, found {type(frame).__name__}")
    return frame.reset_index(drop=True)


#: Cells that mean "no value" in a raw CSV unless a reader declares others: an empty cell, and
#: R's ``NA`` (healthyr and geographr files are written by R). Anything else that is not a
#: number ("n/a", "-", "12k") is an error, never silently missing.
MISSING_TOKENS: tuple[str, ...] = ("", "NA")
SHOWN_CASES = 5


def _line_of(index: object, first_line: int | None) -> str:
    """'line N' of a CSV (``first_line`` = line of the first data row), else 'row N'."""
    position = int(index)  # type: ignore[call-overload]
    return f"line {position + first_line}" if first_line is not None else f"row {position + 1}"


def _cases(values: pd.Series, first_line: int | None) -> str:
    shown = [
        f"{_line_of(index, first_line)}: {value!r}"
        for index, value in values.head(SHOWN_CASES).items()
    ]
    more = f" (and {len(values) - SHOWN_CASES} more)" if len(values) > SHOWN_CASES else ""
    return "; ".join(shown) + more


def _decode_error(path: Path, encoding: str) -> DataError:
    """DataError naming the line and byte of the first undecodable byte of ``path``."""
    raw = path.read_bytes()
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        byte = raw[error.start : error.start + 1]
        return DataError(
            f"{path}: line {line}: not valid {encoding} text ({error.reason}, byte {byte!r}); "
            f"expected a {encoding} CSV"
        )
    return DataError(f"{path}: not valid {encoding} text; expected a {encoding} CSV")


def read_csv_text(path: Path, header_line: int = 1, **options: object) -> pd.DataFrame:
    """Read a raw CSV with every cell as text and no NA guessing, with a fresh 0..n-1 index.

    Parser and encoding failures become DataError naming the file and line; numbers are
    converted afterwards, column by column, with :func:`to_numbers`. Blank lines are kept (as
    rows of empty cells), so data row ``n`` (0-based) is CSV line ``header_line + 1 + n``
    (unless a quoted cell spans lines).
    """
    try:
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,  # keep blank lines as rows, so row n is line header_line + n
            skiprows=header_line - 1,
            **options,  # type: ignore[arg-type]
        )
    except UnicodeDecodeError as error:
        raise _decode_error(Path(path), str(options.get("encoding", "utf-8"))) from error
    except pd.errors.ParserError as error:
        raise DataError(f"{path}: not a well-formed CSV: {error}") from error
    except pd.errors.EmptyDataError as error:
        raise DataError(f"{path}: empty file, expected a header line") from error
    return frame.reset_index(drop=True)


def read_csv_file(path: Path | str, **options: object) -> pd.DataFrame:
    """``pd.read_csv(path, **options)`` for a raw CSV, its failures named: an undecodable byte
    (line and byte), a malformed or empty file, a missing column in ``usecols``."""
    try:
        with opening(path, "csv"):
            return pd.read_csv(path, **options)  # type: ignore[call-overload]
    except DataError as error:
        cause = error.__cause__
        if isinstance(cause, UnicodeDecodeError):
            raise _decode_error(Path(path), str(options.get("encoding", "utf-8"))) from cause
        raise


def to_numbers(
    frame: pd.DataFrame,
    column: str,
    source: Path | str,
    first_line: int | None = None,
    missing: Iterable[str] = MISSING_TOKENS,
    integer: bool = False,
) -> pd.Series:
    """Column ``column`` as float64 (Int64 with ``integer``); raise DataError naming the file,
    the column and the line (CSV, with ``first_line``) or row of every value that is not a number.

    Only the ``missing`` tokens become NaN; any other text ("n/a", "12k", "abc") is an error.
    """
    values = frame[column]
    text = values.astype("string").str.strip()
    is_missing = values.isna() | text.isin(list(missing)).fillna(False)
    numbers = pd.to_numeric(text.where(~is_missing), errors="coerce")
    bad = numbers.isna() & ~is_missing
    if bad.any():
        raise DataError(
            f"{source}: column '{column}': {int(bad.sum())} value(s) are not numbers "
            f"({_cases(values[bad], first_line)}); expected a number or a missing-value "
            f"marker {sorted(set(missing))}"
        )
    if integer:
        fractional = numbers.notna() & (numbers % 1 != 0)
        if fractional.any():
            raise DataError(
                f"{source}: column '{column}': expected whole numbers, found "
                f"{_cases(values[fractional], first_line)}"
            )
        return numbers.astype("Int64")
    return numbers.astype("float64")


def check_ranges(
    frame: pd.DataFrame,
    ranges: Mapping[str, tuple[float, float]],
    source: Path | str,
    first_line: int | None = None,
) -> None:
    """Raise DataError naming the file, column and line/row of every value outside its
    declared plausible range (missing values pass)."""
    problems = []
    for column, (low, high) in ranges.items():
        values = frame[column]
        outside = values.notna() & ~values.between(low, high)
        if outside.any():
            problems.append(
                f"column '{column}': {int(outside.sum())} value(s) outside the plausible range "
                f"[{low}, {high}] ({_cases(values[outside], first_line)})"
            )
    if problems:
        raise DataError(f"{source}: " + "; ".join(problems))


def check_not_above(
    frame: pd.DataFrame,
    part: str,
    whole: str,
    source: Path | str,
    first_line: int | None = None,
) -> None:
    """Raise DataError where ``part`` exceeds ``whole`` (e.g. 4-hour breaches above
    attendances), naming the file, both columns and the lines/rows."""
    above = frame[part].notna() & frame[whole].notna() & (frame[part] > frame[whole])
    if above.any():
        pairs = frame.loc[above, part].astype(str) + " > " + frame.loc[above, whole].astype(str)
        raise DataError(
            f"{source}: column '{part}' exceeds '{whole}' on {int(above.sum())} row(s) "
            f"({_cases(pairs, first_line)}); a part cannot exceed its whole"
        )


def text_values(values: pd.Series, missing: Iterable[str] = MISSING_TOKENS) -> pd.Series:
    """A text column, stripped, with the ``missing`` markers as missing values (``<NA>``)."""
    cleaned = values.astype("string").str.strip()
    return cleaned.mask(cleaned.isin(list(missing)))


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
        with opening(path, "rda"):
            objects = pyreadr.read_r(str(path))
    except DataError as error:
        if not isinstance(error.__cause__, LibrdataError | PyreadrError):
            raise
        raise DataError(
            f"{error}; if the file is whole, pyreadr may not decode its objects (sf "
            "geometries need read_rda_frame_rdata)"
        ) from error.__cause__
    return _from_pyreadr(_single_frame(objects, path))


@functools.cache
def _catalogue(path: str, size: int, mtime_ns: int) -> dict[str, Any]:
    """The catalogue entries by file key, read once per process (and again if the file changes)."""
    from helpers.data.sources import load_sources

    return {source.file: source for source in load_sources(Path(path))}


def acquired(file: str) -> Path:
    """Verified local copy of one raw file, by its catalogue key ('imd/imd2019_...rda')."""
    from helpers.data.acquire import acquire, fetch
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
    names = workbook_sheets(path)
    if sheet not in names:
        raise DataError(f"{path}: sheet {sheet!r} not found; sheets: {names}")
    with opening(path, "xlsx"):
        return pd.read_excel(path, sheet_name=sheet, engine=EXCEL_ENGINE, **options)


def workbook_rows(path: Path, sheet: str) -> list[tuple[object, ...]]:
    """Every row of a worksheet from A1 as tuples of cell values, empty cells as None.

    Read with calamine (openpyxl when :data:`EXCEL_ENGINE` says so); trailing empty rows may be
    absent. Raises DataError naming the sheets when ``sheet`` does not exist.
    """
    names = workbook_sheets(path)
    if sheet not in names:
        raise DataError(f"{path}: sheet {sheet!r} not found; sheets: {names}")
    with opening(path, "xlsx"):
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

    with opening(path, "xlsx"):
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
    with opening(path, "xlsx"):
        return _dimensions(path)


def _dimensions(path: Path) -> dict[str, tuple[int, int]]:
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


#: R serialisation (XDR) type codes and flag bits that :func:`rda_shape` needs.
_R_SYMSXP, _R_LISTSXP, _R_VECSXP, _R_REFSXP = 1, 2, 19, 255
_R_VECTOR_TYPES = frozenset({10, 13, 14, 15, 16, 19, 20, 24})  # lgl int real cplx str list expr raw
_R_IS_OBJECT, _R_HAS_ATTR, _R_HAS_TAG = 1 << 8, 1 << 9, 1 << 10
#: How much of the decompressed stream :func:`rda_shape` reads: the header, the object's name
#: and the first column's header all come well before this.
_RDA_HEAD_BYTES = 1 << 16


def _rda_opener(path: Path) -> Any:
    """The ``open`` function for an ``.rda`` file's compression (gzip, bzip2, xz or none)."""
    import bz2
    import gzip
    import lzma

    with path.open("rb") as handle:
        magic = handle.read(6)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.open
    if magic.startswith(b"BZh"):
        return bz2.open
    if magic.startswith(b"\xfd7zXZ"):
        return lzma.open
    return open


class _XdrCursor:
    """Big-endian 32-bit integers read one after another from the start of a byte string."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data = data
        self.position = 0
        self.path = path

    def integer(self) -> int:
        """The next signed 32-bit integer."""
        end = self.position + 4
        if end > len(self.data):
            raise DataError(f"{self.path}: the .rda header ends early")
        value = int.from_bytes(self.data[self.position : end], "big", signed=True)
        self.position = end
        return value

    def skip(self, count: int) -> None:
        """Skip ``count`` bytes."""
        self.position += count

    def length(self) -> int:
        """A vector length (a long length is written as -1 and two integers)."""
        value = self.integer()
        if value == -1:
            return (self.integer() << 32) + (self.integer() & 0xFFFFFFFF)
        return value


def rda_shape(path: Path) -> tuple[int, int]:
    """Rows and columns of the data frame an ``.rda`` file stores, read from the start of its
    serialised stream only (no cell is decoded): what ``len(frame), frame.shape[1]`` of
    :func:`read_rda_frame` give, in milliseconds instead of seconds.

    The stream holds the object's name, then the data frame as a list (its length is the number
    of columns) whose first column starts with its own length (the number of rows). Raises
    DataError naming the file when the stream is not that shape (e.g. not a data frame, a
    compact ALTREP column or an ASCII save): read such a file with :func:`read_rda_frame`.
    """
    with opening(path, "rda"), _rda_opener(path)(path, "rb") as handle:
        head = handle.read(_RDA_HEAD_BYTES)
    if not head.startswith((b"RDX2\nX\n", b"RDX3\nX\n")):
        raise DataError(f"{path}: not a binary (XDR) .rda file saved by R's save()")
    cursor = _XdrCursor(head, path)
    cursor.skip(7)
    version = cursor.integer()
    cursor.skip(8)  # the R versions that wrote it and that can read it
    if version == 3:
        cursor.skip(cursor.integer())  # the native encoding's name
    flags = cursor.integer()
    if flags & 0xFF != _R_LISTSXP or not flags & _R_HAS_TAG or flags & _R_HAS_ATTR:
        raise DataError(f"{path}: expected save()'s list of named objects at the start")
    symbol = cursor.integer()
    if symbol & 0xFF == _R_SYMSXP:
        cursor.integer()  # the name's CHARSXP flags
        cursor.skip(cursor.length())
    elif symbol & 0xFF == _R_REFSXP:
        if symbol >> 8 == 0:
            cursor.integer()
    else:
        raise DataError(f"{path}: expected the stored object's name")
    frame = cursor.integer()
    wanted = _R_VECSXP | _R_IS_OBJECT | _R_HAS_ATTR
    if frame & wanted != wanted or frame & 0xFF != _R_VECSXP:
        raise DataError(f"{path}: the stored object is not a data frame (a list with a class)")
    columns = cursor.length()
    if columns < 1:
        raise DataError(f"{path}: a data frame without columns (rows are in its attributes)")
    first = cursor.integer()
    if first & 0xFF not in _R_VECTOR_TYPES:
        raise DataError(f"{path}: the first column is not a plain vector (type {first & 0xFF})")
    return cursor.length(), columns
