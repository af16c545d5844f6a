"""The registry of names the analysis uses that are not panel columns: ``derived_variables.csv``.

The ICB and trust panels' variables have their registries (``variables.csv``,
``trust_variables.csv``). This one holds the rest, one row each, with the same ``label`` and the
briefing's ``plain`` and ``short`` words (both or neither) as those registries, and a ``kind``:

- ``rollup``: a trust outcome rolled up to systems (``params.yaml``, ``06_build_trust_panel.
  rollups``), named ``<outcome>_<YYYY>_<YY>``;
- ``legacy``: a measure of the DHSC deficit loans to 2019 built by
  :mod:`helpers.analysis.trust_legacy` (per trust, or per system as a share of allocation);
- ``national``: an explanation that hits every system in the same year (inflation, strikes), so
  no column of any panel can test it; the briefing names these as untestable.

A name here must not also be in the panel registries (one home per name).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from helpers.errors import DataError
from helpers.panel.variables import WORD_COLUMNS, words_incomplete, words_of

REGISTRY_FILE: Path = Path(__file__).with_name("derived_variables.csv")
COLUMNS: tuple[str, ...] = ("name", "kind", "label", *WORD_COLUMNS)
KINDS: frozenset[str] = frozenset({"rollup", "legacy", "national"})
#: Kinds whose rows the briefing names, so that need ``plain`` and ``short`` words.
WORDED_KINDS: frozenset[str] = frozenset({"legacy", "national"})


def read_registry(path: Path) -> pd.DataFrame:
    """Read and check the registry at ``path``, indexed by name; DataError naming the file,
    the line(s) and what is wrong."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [column for column in COLUMNS if column not in frame]
    if missing:
        raise DataError(f"{path}: expected column(s) {missing}")
    lines = pd.Series(range(2, len(frame) + 2), index=frame.index)
    checks = {
        "name not snake_case": ~frame["name"].str.fullmatch(r"[a-z][a-z0-9_]*"),
        "name repeated": frame["name"].duplicated(keep=False),
        "label empty": frame["label"] == "",
        f"kind not in {sorted(KINDS)}": ~frame["kind"].isin(KINDS),
        "plain and short: give both or neither": words_incomplete(frame),
        f"a {sorted(WORDED_KINDS)} row needs plain and short words": frame["kind"].isin(
            WORDED_KINDS
        )
        & (frame["plain"] == ""),
    }
    problems = [
        f"{what} on line(s) {lines[mask].tolist()}" for what, mask in checks.items() if mask.any()
    ]
    if problems:
        raise DataError(f"{path}: derived-variable registry invalid:\n  " + "\n  ".join(problems))
    return frame.set_index("name")


@cache
def _registry() -> pd.DataFrame:
    return read_registry(REGISTRY_FILE)


def registry() -> pd.DataFrame:
    """The registry, one row per name, indexed by ``name`` (a copy: safe to change)."""
    return _registry().copy()


def _require(name: str) -> None:
    if name not in _registry().index:
        raise DataError(
            f"{REGISTRY_FILE}: no row for {name!r}; add one (kind one of {sorted(KINDS)})"
        )


def label(name: str) -> str:
    """The human label of a roll-up, legacy measure or national explanation."""
    _require(name)
    return str(_registry().loc[name, "label"])


def words(name: str, kind: str = "plain") -> str:
    """The briefing's words for a name: ``plain`` (running text) or ``short`` (a chart label);
    a DataError naming the file and line when the row or its words are missing."""
    _require(name)
    return words_of(_registry(), name, kind, REGISTRY_FILE)


def names_of_kind(kind: str) -> list[str]:
    """The names of one ``kind`` (e.g. ``national``), in file order."""
    table = _registry()
    return list(table.index[table["kind"] == kind])
