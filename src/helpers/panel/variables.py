"""The registry of analysis variables: one row per variable in ``src/helpers/panel/variables.csv``.

Each row gives a variable's ``name`` (the column name everywhere), its human ``label`` and
``unit``, its ``source`` (MANIFEST dataset ids), the ``table`` that holds it (``icb_year``, the
finance ``finance_positions`` or ``derived`` when a model builds it), its ``role``
(``predictor``: valid in the model parameters; ``context``: a panel column that is not a driver;
``outcome``), the valid range (``min``, ``max``; blank = unbounded) and whether it is
``time_invariant`` (one value per ICB shown in every year), its ``timing``: when it is
measured relative to the financial year of a figure it might explain (:data:`TIMINGS`). A model
uses a predictor only as measured before the figure was set (:func:`timed_panel`): ``advance``
values (allocations and their inputs) are published before the year begins and are used for the
same year; ``fixed`` values are structural characteristics measured once (deprivation,
rurality) and are treated as predating every figure; ``in_year`` values are measured during
the financial year and are taken from the previous year, because a plan is set before its year
begins and the panel holds only annual values (a forecast or outturn could use months up to its
``as_at_date``, which an annual panel cannot give). The last two columns are the words the
briefing uses for a variable it names (:data:`WORD_COLUMNS`): ``plain`` for running text
('delayed discharges') and ``short`` for a chart label ('Delayed discharges'): both or neither,
and both on every predictor and outcome row (:data:`WORDED_ROLES`), since params.yaml may put
any of them in a model.

The panel's columns, the processed-table schemas, the model labels and the list of valid
predictor names are all read from here. Adding a predictor = a builder function + one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pandas as pd

from helpers.errors import ConfigError, DataError
from helpers.paths import VARIABLES_FILE

COLUMNS: list[str] = [
    "name",
    "label",
    "unit",
    "source",
    "table",
    "role",
    "min",
    "max",
    "time_invariant",
    "timing",
    "plain",
    "short",
]
#: The briefing's words for a variable: ``plain`` for running text, ``short`` for a chart label.
WORD_COLUMNS: tuple[str, str] = ("plain", "short")
TABLES: frozenset[str] = frozenset({"icb_year", "finance_positions", "derived"})
ROLES: frozenset[str] = frozenset({"predictor", "context", "outcome"})
#: Roles whose variables params.yaml may put in a model, so the briefing may have to name them.
WORDED_ROLES: frozenset[str] = frozenset({"predictor", "outcome"})
#: When a variable is measured relative to the financial year of a figure (see the module text).
TIMINGS: frozenset[str] = frozenset({"advance", "fixed", "in_year", "outcome"})
#: Years a predictor of each timing is lagged behind the figure it explains.
LAG_YEARS: dict[str, int] = {"advance": 0, "fixed": 0, "in_year": 1}
#: Suffix of the same-year (unlagged) copy of a lagged predictor, for sensitivity analyses.
SAME_YEAR_SUFFIX: str = "__same_year"


def read_registry(path: Path) -> pd.DataFrame:
    """Read and check a registry file; DataError naming the file, line and column at fault."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [column for column in COLUMNS if column not in frame]
    if missing:
        raise DataError(f"{path}: expected column(s) {missing}")
    problems: list[str] = []
    lines = pd.Series(range(2, len(frame) + 2), index=frame.index)

    def flag(mask: pd.Series, what: str) -> None:
        if mask.any():
            problems.append(f"{what} on line(s) {lines[mask].tolist()}")

    flag(~frame["name"].str.fullmatch(r"[a-z][a-z0-9_]*"), "name not snake_case")
    flag(frame["name"].duplicated(keep=False), "name repeated")
    flag((frame["label"] == "") | (frame["unit"] == ""), "label or unit empty")
    flag(words_incomplete(frame), "plain and short: give both or neither")
    flag(
        frame["role"].isin(WORDED_ROLES) & (frame["plain"] == ""),
        "plain and short words missing (every predictor and outcome row needs them)",
    )
    flag(~frame["table"].isin(TABLES), f"table not in {sorted(TABLES)}")
    flag(~frame["role"].isin(ROLES), f"role not in {sorted(ROLES)}")
    flag(~frame["time_invariant"].isin(["true", "false"]), "time_invariant not true/false")
    flag(~frame["timing"].isin(TIMINGS), f"timing not in {sorted(TIMINGS)}")
    flag((frame["role"] == "outcome") != (frame["timing"] == "outcome"), "timing outcome iff role")
    flag(
        (frame["time_invariant"] == "true") & frame["timing"].isin(["in_year"]),
        "a time-invariant variable cannot be measured in-year",
    )
    bounds = {}
    for column in ("min", "max"):
        numbers = pd.to_numeric(frame[column].replace("", None), errors="coerce")
        flag(numbers.isna() & (frame[column] != ""), f"{column} not a number")
        bounds[column] = numbers
    flag(bounds["min"] > bounds["max"], "min above max")
    if problems:
        raise DataError(f"{path}: variable registry invalid:\n  " + "\n  ".join(problems))
    return frame.assign(
        min=bounds["min"].astype("float64"),
        max=bounds["max"].astype("float64"),
        time_invariant=frame["time_invariant"] == "true",
    ).set_index("name")


def words_incomplete(frame: pd.DataFrame) -> pd.Series:
    """Rows of a registry (read as text, blanks as '') with one of ``plain``/``short`` but not
    the other."""
    return (frame["plain"] == "") != (frame["short"] == "")


def words_of(table: pd.DataFrame, name: str, kind: str, path: Path) -> str:
    """The ``kind`` words (``plain`` or ``short``) of ``name`` in a registry ``table`` indexed
    by name in file order, read from ``path``.

    Raises:
        ConfigError: if ``kind`` is not a word column.
        DataError: naming the file, line and variable when its words are blank.
    """
    if kind not in WORD_COLUMNS:
        raise ConfigError(f"words of kind {kind!r}: choose from {list(WORD_COLUMNS)}")
    text = table.loc[name, kind]
    if pd.isna(text) or not str(text).strip():
        line = list(table.index).index(name) + 2
        raise DataError(
            f"{path}: line {line} ({name}): no {kind!r} words for the briefing; fill the "
            f"columns {list(WORD_COLUMNS)} of that row"
        )
    return str(text)


@cache
def _cached_registry() -> pd.DataFrame:
    return read_registry(VARIABLES_FILE)


def registry() -> pd.DataFrame:
    """The registry, one row per variable, indexed by ``name`` (a copy: safe to change)."""
    return _cached_registry().copy()


def _row(name: str) -> pd.Series:
    table = _cached_registry()
    if name not in table.index:
        raise ConfigError(
            f"variable {name!r} is not in the registry {VARIABLES_FILE.name}; "
            f"known variables: {sorted(table.index)}"
        )
    return table.loc[name]


def label(name: str) -> str:
    """The human label of a variable (e.g. 'G&A bed occupancy')."""
    return str(_row(name)["label"])


def words(name: str, kind: str = "plain") -> str:
    """The briefing's words for a variable: ``plain`` (running text) or ``short`` (a chart
    label); a DataError naming the file and line when that row has none."""
    _row(name)
    return words_of(_cached_registry(), name, kind, VARIABLES_FILE)


def unit(name: str) -> str:
    """The unit of a variable (e.g. '%', '£m')."""
    return str(_row(name)["unit"])


def labels(names: Sequence[str] | None = None, with_unit: bool = False) -> dict[str, str]:
    """Labels by name (all variables when ``names`` is None), optionally '<label> (<unit>)'."""
    chosen = list(_cached_registry().index) if names is None else list(names)
    return {name: f"{label(name)} ({unit(name)})" if with_unit else label(name) for name in chosen}


def value_range(name: str) -> tuple[float | None, float | None]:
    """The valid (min, max) of a variable; None where unbounded."""
    row = _row(name)
    return (
        None if pd.isna(row["min"]) else float(row["min"]),
        None if pd.isna(row["max"]) else float(row["max"]),
    )


def names_in(table: str) -> list[str]:
    """Variables held by a table (``icb_year``, ``finance_positions``, ``derived``), in order."""
    frame = _cached_registry()
    return list(frame.index[frame["table"] == table])


def time_invariant() -> list[str]:
    """Variables with one value per ICB, repeated in every year."""
    frame = _cached_registry()
    return list(frame.index[frame["time_invariant"]])


def valid_predictors() -> list[str]:
    """Names valid as model predictors (role ``predictor``), in registry order."""
    frame = _cached_registry()
    return list(frame.index[frame["role"] == "predictor"])


def check_names(param: str, names: list[str], valid: list[str]) -> None:
    """Stop on an empty list, a repeated name or a name not in ``valid``.

    Raises:
        ConfigError: naming the parameter, the bad names and the valid ones.
    """
    if not names:
        raise ConfigError(f"params.yaml: {param} is empty; choose from {valid}")
    repeated = sorted({name for name in names if list(names).count(name) > 1})
    if repeated:
        raise ConfigError(f"params.yaml: {param} repeats {repeated}; each name once")
    unknown = [name for name in names if name not in valid]
    if unknown:
        raise ConfigError(f"params.yaml: {param} has unknown name(s) {unknown}; valid: {valid}")


def timing(name: str) -> str:
    """When a variable is measured relative to a figure's financial year (:data:`TIMINGS`)."""
    return str(_row(name)["timing"])


def lag_years(name: str) -> int:
    """Years by which a predictor is lagged behind the figure it explains (0 or 1)."""
    kind = timing(name)
    if kind not in LAG_YEARS:
        raise ConfigError(f"variable {name!r} has timing {kind!r}: it is not a predictor")
    return LAG_YEARS[kind]


def shift_year(financial_year: str, years: int) -> str:
    """A financial year ``'2023/24'`` moved by ``years`` (``-1`` gives ``'2022/23'``)."""
    start = int(financial_year[:4]) + years
    return f"{start}/{(start + 1) % 100:02d}"


def timed_panel(
    panel: pd.DataFrame,
    names: Sequence[str],
    *,
    key: str = "icb_code",
    year: str = "financial_year",
    same_year_copies: bool = True,
) -> pd.DataFrame:
    """The panel's ``names`` as a model may use them for a figure of each row's year.

    Each predictor lagged by :func:`lag_years` takes the value of the previous financial year
    (missing when the panel has no such year); ``measured_in__<name>`` gives the year each
    value was measured in (for ``fixed`` variables: the row's year, by convention). With
    ``same_year_copies`` the unlagged values are kept as ``<name>__same_year`` for the
    timing sensitivity analysis. Returns ``key``, ``year`` and those columns, one row per
    panel row.
    """
    result = panel[[key, year]].copy()
    for name in names:
        lag = lag_years(name)
        source = panel[[key, year, name]].copy()
        source[year] = source[year].map(lambda value, lag=lag: shift_year(value, lag))
        shifted = result[[key, year]].merge(source, on=[key, year], how="left", validate="1:1")
        result[name] = shifted[name].to_numpy()
        result[f"measured_in__{name}"] = result[year].map(
            lambda value, lag=lag: shift_year(value, -lag)
        )
        if same_year_copies and lag:
            result[f"{name}{SAME_YEAR_SUFFIX}"] = panel[name].to_numpy()
    return result
