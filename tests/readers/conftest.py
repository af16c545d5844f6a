"""Fixtures shared by the reader tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import rdata


def _write_rda(path: Path, name: str, frame: pd.DataFrame) -> Path:
    """Write ``frame`` as the single object of an .rda file (text columns as R factors)."""
    converted = frame.copy()
    for column in converted.columns:
        if not pd.api.types.is_numeric_dtype(converted[column]):
            converted[column] = pd.Categorical(converted[column].astype(str))
    rdata.write_rda(path, {name: converted})
    return path


@pytest.fixture()
def write_rda() -> Callable[[Path, str, pd.DataFrame], Path]:
    """A function writing a small data frame to an .rda file, as R packages ship them."""
    return _write_rda
