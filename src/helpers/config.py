"""Load and check ``params.yaml``: the one place a run's parameters are set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from helpers.errors import DataError
from helpers.paths import PARAMS_FILE

REQUIRED_COMMON: dict[str, type] = {"seed": int, "first_year": str, "last_year": str}


def load_params(path: Path = PARAMS_FILE) -> dict[str, Any]:
    """Read ``params.yaml`` and check its shape; raise DataError naming the key at fault."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise DataError(f"{path}: expected a mapping with 'common' and 'notebooks'")
    common = document.get("common")
    notebooks = document.get("notebooks")
    if not isinstance(common, dict) or not isinstance(notebooks, dict):
        raise DataError(f"{path}: expected top-level 'common' and 'notebooks' mappings")
    for key, expected in REQUIRED_COMMON.items():
        if not isinstance(common.get(key), expected):
            raise DataError(f"{path}: common.{key} must be a {expected.__name__}")
    for name, section in notebooks.items():
        if section is not None and not isinstance(section, dict):
            raise DataError(f"{path}: notebooks.{name} must be a mapping of parameters")
    return document


def notebook_parameters(notebook_stem: str, params: dict[str, Any]) -> dict[str, Any]:
    """Parameters for one notebook: the common values overlaid with the notebook's own section."""
    section = params["notebooks"].get(notebook_stem) or {}
    return {**params["common"], **section}
