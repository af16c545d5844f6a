"""Text cells that spreadsheet software would run as formulas, neutralised on the way out.

A CSV cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (CSV injection, OWASP). Following OWASP's
advice such a text cell gets a leading single quote, which the spreadsheet shows as text.

Only text cells are touched: numbers stay numbers, and text that is a plain number ("-12.5",
"+3") is left as it is, since a spreadsheet reads it as that number and runs nothing. A text
cell that already starts with quotes before such a character gets one more quote, so
:func:`restore_formulas` gives back exactly what was written (the project's readers of its own
CSVs use it, and see the original text).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: Characters a spreadsheet takes as the start of a formula (OWASP CSV injection).
FORMULA_CHARACTERS = "=+-@\t\r"
_FORMULA = re.compile(r"^[=+\-@\t\r]")
_QUOTED = re.compile(r"^'+[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise_text(value: object) -> object:
    """``value`` with a leading quote if it is text a spreadsheet would run as a formula."""
    if not isinstance(value, str):
        return value
    if _QUOTED.match(value) or (_FORMULA.match(value) and not _PLAIN_NUMBER.match(value)):
        return "'" + value
    return value


def restore_text(value: object) -> object:
    """The inverse of :func:`neutralise_text` for a cell read back from a written CSV."""
    if isinstance(value, str) and _QUOTED.match(value):
        return value[1:]
    return value


def _text_columns(frame: pd.DataFrame) -> list[object]:
    import pandas as pd

    return [
        column
        for column in frame.columns
        if pd.api.types.is_object_dtype(frame[column])
        or pd.api.types.is_string_dtype(frame[column])
    ]


def _apply(frame: pd.DataFrame, change: object) -> pd.DataFrame:
    columns = _text_columns(frame)
    names = [change(name) for name in frame.columns]  # type: ignore[operator]
    if not columns and names == list(frame.columns):
        return frame
    result = frame.copy()
    for column in columns:
        result[column] = result[column].map(change, na_action="ignore")  # type: ignore[arg-type]
    result.columns = names
    return result


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are safe to open in a
    spreadsheet (:func:`neutralise_text`); the frame itself if nothing is text."""
    return _apply(frame, neutralise_text)


def restore_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise_formulas` on a frame read from a CSV the project wrote."""
    return _apply(frame, restore_text)
