"""The declared precision of every number the project writes: the same bytes on any machine.

Floating-point results differ in their last bits between machines: OpenBLAS and NumPy choose
different kernels by CPU (AVX-512 or not), and the thread count changes the order of sums. On
this project's models the largest difference measured between two CPUs was 1.9e-12 relative
(specification curve, 9,936 values; stop 18). Every table, numbers file and notebook table that
the project writes therefore rounds each float to :data:`SIGNIFICANT_DIGITS` significant
digits first, keeping at least :data:`MIN_DECIMALS` decimal places for large values (a
population of 61,903,547.3 keeps its decimal, as the tables show two decimals). Rounding goes
through Python's correctly rounded decimal formatting, so the same rounded value is the same
double everywhere.

Why 8 digits. Rounding hides a difference unless a rounding boundary falls between the two
values, which happens with probability about (relative difference) x 10^digits: about 2e-4
per value at 8 digits for the worst difference measured, and far less for typical ones (1e-14).
Measured on the 13,394 floats that differed between two CPUs: 0 differ after rounding to 8 or
10 digits, 24 after 12. No reported number needs more than four significant digits, so 8
digits leave every reported result unchanged. Values below :data:`ZERO_BELOW` in magnitude
(rounding noise around an exact zero, whose relative difference is unbounded) are written as 0.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a table is rounded
    import pandas as pd

SIGNIFICANT_DIGITS: int = 8
MIN_DECIMALS: int = 4
ZERO_BELOW: float = 1e-12


def round_float(value: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """``value`` rounded to ``digits`` significant digits, but never to fewer than
    :data:`MIN_DECIMALS` decimal places (NaN and infinities unchanged).

    Magnitudes below :data:`ZERO_BELOW` become 0.0 (negative zero too), so noise around an
    exact zero cannot differ between machines.
    """
    if not math.isfinite(value):
        return value
    if abs(value) < ZERO_BELOW:
        return 0.0
    if abs(value) >= 10.0 ** (digits - MIN_DECIMALS):
        return float(f"{value:.{MIN_DECIMALS}f}")
    return float(f"{value:.{digits - 1}e}")


def round_frame(frame: pd.DataFrame, digits: int = SIGNIFICANT_DIGITS) -> pd.DataFrame:
    """A copy of ``frame`` with every float column (and float cell of an object column) rounded.

    Integer, boolean, text and date columns are returned unchanged; so are the index and the
    column order. Missing values stay missing.
    """
    import numpy as np
    import pandas as pd

    rounded = frame.copy()
    vectorised = np.vectorize(lambda value: round_float(value, digits), otypes=[float])
    for column in rounded.columns:
        values = rounded[column]
        if values.dtype.kind == "f":
            array = values.to_numpy(dtype=float, na_value=np.nan, copy=True)
            if array.size:
                array = vectorised(array)
            rounded[column] = pd.Series(array, index=values.index, name=column).astype(values.dtype)
        elif values.dtype == object:
            rounded[column] = values.map(lambda cell: round_numbers(cell, digits))
    return rounded


def round_numbers(value: Any, digits: int = SIGNIFICANT_DIGITS) -> Any:
    """``value`` with every float inside it rounded (dicts, lists and tuples are walked).

    Booleans, integers and strings are returned as they are.
    """
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return round_float(value, digits)
    if isinstance(value, dict):
        return {key: round_numbers(item, digits) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(round_numbers(item, digits) for item in value)
    try:  # NumPy scalars
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency
        return value
    if isinstance(value, np.floating):
        return round_float(float(value), digits)
    return value


def sort_by_value(
    frame: pd.DataFrame, value: str, keys: list[str], *, ascending: bool = True
) -> pd.DataFrame:
    """``frame`` sorted by ``value`` at the declared precision, ties broken by ``keys``.

    Two values that are equal in exact arithmetic can differ in their last bits on another
    machine; sorting on the rounded value and then on stable keys (always ascending) gives the
    same order everywhere. The index is reset.
    """
    rounded = frame[value].map(lambda cell: round_numbers(cell))
    order = frame.assign(_rounded=rounded).sort_values(
        ["_rounded", *keys], ascending=[ascending, *([True] * len(keys))], kind="mergesort"
    )
    return order.drop(columns="_rounded").reset_index(drop=True)
