"""Shared fixtures: real raw files are reached only through the project's acquisition step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import acquire


@pytest.fixture(scope="session")
def raw_path() -> Callable[[str], Path]:
    """Return a function mapping a MANIFEST file key (e.g. 'imd/imd2025_england_icb24.rda')
    to a verified local copy, acquired as the pipeline does (data/raw, mirror, or URL)."""
    return acquire.fetch
