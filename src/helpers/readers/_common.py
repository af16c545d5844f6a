"""Shared checks for the readers: every reader states the columns it needs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from helpers.errors import DataError


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


def read_rda_frame(path: Path) -> pd.DataFrame:
    """Read the single data frame stored in an R ``.rda`` file, with a fresh 0..n-1 index.

    The tibble classes (``tbl_df``) are read as plain data frames; the ``rdata`` package warns
    about that, which is expected and silenced here.
    """
    import warnings

    import rdata

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Missing constructor for R class")
        objects = rdata.read_rda(str(path))
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
