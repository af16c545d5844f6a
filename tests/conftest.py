"""Shared fixtures: real raw files are reached only through the project's acquisition step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from helpers import acquire


@pytest.fixture(scope="session")
def raw_path() -> Callable[[str], Path]:
    """Return a function mapping a MANIFEST file key (e.g. 'imd/imd2025_england_icb24.rda')
    to a verified local copy, acquired as the pipeline does (data/raw, mirror, or URL)."""
    return acquire.fetch


@pytest.fixture(scope="session")
def real_icb_codes(raw_path: Callable[[str], Path]) -> pd.DataFrame:
    """The 42 ICBs' NHS and 2022 ONS codes (``icb_code``, ``icb_ons_code``) from geographr."""
    from helpers.readers._common import read_rda_frame

    lookup = read_rda_frame(raw_path("geographr/lookup_lsoa11_sicbl22_icb22_ltla22.rda"))
    codes = lookup[["icb22_code_h", "icb22_code"]].drop_duplicates()
    return codes.set_axis(["icb_code", "icb_ons_code"], axis=1).reset_index(drop=True)
