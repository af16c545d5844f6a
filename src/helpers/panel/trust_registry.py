"""Trust-level variable registry and the schemas of the trust tables.

Kept apart from :mod:`helpers.panel.trust` (which reads the raw trust files) so that the
processed-table schemas can be imported by every stage without making it depend on the trust
readers.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pandas as pd

from helpers.data.readers._common import require_columns
from helpers.errors import DataError
from helpers.panel.variables import WORD_COLUMNS, words_of

REGISTRY_FILE: Path = Path(__file__).with_name("trust_variables.csv")
TRUST_TYPES: dict[str, str] = {
    "Acute trust": "acute",
    "Mental health and community trust": "mental health and community",
    "Ambulance trust": "ambulance",
}
TEACHING_SUBTYPE = "Acute - Teaching"


# --- registry ---------------------------------------------------------------------------------


def registry(path: Path = REGISTRY_FILE) -> pd.DataFrame:
    """Trust-level variables: name (index), label, unit, source, min, max, definition and the
    briefing's ``plain`` and ``short`` words (required: params.yaml may put any of them in a
    model) (a copy: safe to change)."""
    return _read_registry(path).copy()


@cache
def _read_registry(path: Path) -> pd.DataFrame:
    """The registry at ``path``, read and checked once per process (labels ask for it often)."""
    table = pd.read_csv(path, dtype={"name": "string", **dict.fromkeys(WORD_COLUMNS, "string")})
    require_columns(
        table, ("name", "label", "unit", "source", "min", "max", "definition", *WORD_COLUMNS), path
    )
    if table["name"].duplicated().any():
        raise DataError(
            f"{path}: repeated variable name(s) "
            f"{sorted(table.loc[table['name'].duplicated(), 'name'])}"
        )
    table[list(WORD_COLUMNS)] = table[list(WORD_COLUMNS)].fillna("").astype(object)
    blank = (table["plain"] == "") | (table["short"] == "")  # params.yaml may name any row
    if blank.any():
        lines = [index + 2 for index in table.index[blank]]
        raise DataError(f"{path}: plain and short words missing (line(s) {lines})")
    return table.set_index("name")


def label(name: str) -> str:
    """Plain-English label of a trust-level variable (its name if unregistered)."""
    table = _read_registry(REGISTRY_FILE)
    return str(table.loc[name, "label"]) if name in table.index else name


def words(name: str, kind: str = "plain") -> str:
    """The briefing's words for a trust-level variable: ``plain`` (running text) or ``short``
    (a chart label); a DataError naming the file and line when the variable or its words are
    missing."""
    table = _read_registry(REGISTRY_FILE)
    if name not in table.index:
        raise DataError(f"{REGISTRY_FILE}: no row for {name!r}; add one")
    return words_of(table, name, kind, REGISTRY_FILE)


def labels(names: Iterable[str]) -> dict[str, str]:
    """Labels for several variables."""
    return {name: label(name) for name in names}


# --- schemas of the processed tables -------------------------------------------------------


def panel_schema() -> object:
    """pandera schema of ``trust_panel.parquet``: keys, codes, types, registry ranges."""
    import pandera.pandas as pa

    table = registry()
    columns: dict[str, pa.Column] = {
        "trust_code": pa.Column(str, pa.Check.str_matches(r"^[A-Z0-9]{3,5}$")),
        "trust_name": pa.Column(str, pa.Check.str_length(min_value=5)),
        "trust_type": pa.Column(str, pa.Check.isin(sorted(TRUST_TYPES.values()))),
        "icb_code": pa.Column(str, pa.Check.str_matches(r"^Q[A-Z0-9]{2}$"), nullable=True),
        "in_oversight_file": pa.Column(bool),
        "in_scorecard_file": pa.Column(bool),
    }
    for name, row in table.iterrows():
        columns[str(name)] = pa.Column(
            float if name != "teaching" else int,
            pa.Check.in_range(float(row["min"]), float(row["max"])),
            nullable=name != "teaching",
            required=True,
        )
    return pa.DataFrameSchema(columns, unique=["trust_code"], strict=False, name="trust_panel")


def rollup_schema() -> object:
    """pandera schema of ``trust_rollup.parquet``: every ICB once per roll-up, shares 0-100."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "rollup": pa.Column(str),
            "icb_code": pa.Column(str, pa.Check.str_matches(r"^Q[A-Z0-9]{2}$")),
            "value_pct": pa.Column(float, pa.Check.in_range(-50, 30), nullable=True),
            "share_covered_pct": pa.Column(float, pa.Check.in_range(0, 100)),
            "n_trusts": pa.Column(int, pa.Check.ge(0)),
            "n_trusts_covered": pa.Column(int, pa.Check.ge(0)),
        },
        unique=["rollup", "icb_code"],
        checks=[
            pa.Check(
                lambda f: bool((f.groupby("rollup")["icb_code"].nunique() == 42).all()),
                error="every roll-up holds all 42 ICBs",
            )
        ],
        strict=False,
        name="trust_rollup",
    )


# --- words and numbers for the notebook and the report -------------------------------------
