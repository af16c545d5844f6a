"""Schemas of the processed tables: columns, types, keys and ranges, checked on write and read.

Each table's name and key columns are a contract the models and the report rely on. Use
:func:`write_table` and :func:`read_table` rather than raw pandas I/O so that every processed
table is validated both ways.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from helpers.data.curated import AS_AT_DATE, FINANCE_BASES, FINANCE_SCOPES, STAGE_OF_MEASURE
from helpers.data.io import read_processed, write_processed
from helpers.errors import DataError
from helpers.panel import trust_registry, variables
from helpers.panel.finance import BEST_COLUMNS
from helpers.paths import PROCESSED_DIR

N_ICBS = 42
ICB_CODE = r"^Q[A-Z0-9]{2}$"
ONS_ICB_CODE = r"^E54\d{6}$"
FINANCIAL_YEAR = r"^20\d{2}/\d{2}$"
#: England's registered population (GP lists) and total ICB core allocation: published bounds.
ENGLAND_POPULATION_BOUNDS = (55e6, 66e6)
ENGLAND_CORE_ALLOCATION_BOUNDS_GBP_M = (80_000.0, 140_000.0)


def _percent(nullable: bool = True) -> pa.Column:
    return pa.Column(float, pa.Check.in_range(0, 100), nullable=nullable)


def _positive(nullable: bool = True) -> pa.Column:
    return pa.Column(float, pa.Check.gt(0), nullable=nullable)


def _icb_code() -> pa.Column:
    return pa.Column(str, pa.Check.str_matches(ICB_CODE))


def _financial_year() -> pa.Column:
    return pa.Column(str, pa.Check.str_matches(FINANCIAL_YEAR))


def _england_total(column: str, bounds: tuple[float, float]) -> pa.Check:
    """Each financial year's England total of ``column`` lies within published bounds."""

    def check(frame: pd.DataFrame) -> bool:
        totals = frame.groupby("financial_year")[column].sum(min_count=1).dropna()
        return bool(totals.between(*bounds).all())

    return pa.Check(check, error=f"England total of {column} per year outside {bounds}")


def _every_icb_every_year(column: str) -> pa.Check:
    def check(frame: pd.DataFrame) -> bool:
        counts = frame.groupby("financial_year")["icb_code"].nunique()
        return bool((counts == N_ICBS).all())

    return pa.Check(check, error=f"{column}: every financial year must hold all {N_ICBS} ICBs")


ICB_LOOKUP = pa.DataFrameSchema(
    {
        "icb_code": _icb_code(),
        "icb_ons_code": pa.Column(str, pa.Check.str_matches(ONS_ICB_CODE)),
        "icb_ons_code_2024": pa.Column(str, pa.Check.str_matches(ONS_ICB_CODE)),
        "icb_name": pa.Column(str, pa.Check.str_length(min_value=5)),
        "region_name": pa.Column(str, pa.Check.str_length(min_value=3)),
    },
    unique=["icb_code"],
    checks=[pa.Check(lambda frame: len(frame) == N_ICBS, error=f"exactly {N_ICBS} ICBs")],
    strict=False,
    name="icb_lookup",
)


def registry_column(name: str, nullable: bool = True) -> pa.Column:
    """A float column checked against the variable's valid range in the registry."""
    low, high = variables.value_range(name)
    checks = [
        check
        for check in (
            None if low is None else pa.Check.ge(low),
            None if high is None else pa.Check.le(high),
        )
        if check is not None
    ]
    return pa.Column(float, checks, nullable=nullable)


ICB_YEAR = pa.DataFrameSchema(
    {
        "icb_code": _icb_code(),
        "financial_year": _financial_year(),
        **{name: registry_column(name) for name in variables.names_in("icb_year")},
    },
    unique=["icb_code", "financial_year"],
    checks=[
        _every_icb_every_year("icb_year"),
        _england_total("population", ENGLAND_POPULATION_BOUNDS),
        _england_total("core_allocation_gbp_m", ENGLAND_CORE_ALLOCATION_BOUNDS_GBP_M),
    ],
    strict=False,
    name="icb_year",
)

FINANCE_POSITIONS = pa.DataFrameSchema(
    {
        "icb_code": _icb_code(),
        "financial_year": _financial_year(),
        "measure": pa.Column(str),
        "stage": pa.Column(str, pa.Check.isin(sorted(set(STAGE_OF_MEASURE.values())))),
        "value_gbp_m": pa.Column(float),
        "core_allocation_gbp_m": _positive(),
        "total_allocation_gbp_m": _positive(),
        "value_pct_allocation": registry_column("value_pct_allocation"),
        "value_pct_total_allocation": registry_column("value_pct_total_allocation"),
        "as_at_date": pa.Column(str, pa.Check.str_matches(AS_AT_DATE.pattern)),
        "revision": pa.Column(int, pa.Check.ge(1)),
        "basis": pa.Column(str, pa.Check.isin(sorted(FINANCE_BASES))),
        "basis_evidence": pa.Column(str),
        "scope": pa.Column(str, pa.Check.isin(sorted(FINANCE_SCOPES))),
        "scope_evidence": pa.Column(str),
        "basis_before_audit": pa.Column(str),
        "scope_before_audit": pa.Column(str),
        "source_kind": pa.Column(str, pa.Check.isin(["official", "press", "campaign"])),
        "original_source": pa.Column(str, pa.Check.str_length(min_value=1)),
        **{column: pa.Column(bool) for column in BEST_COLUMNS.values()},
        "source_url": pa.Column(str, pa.Check.str_matches(r"^https?://")),
    },
    checks=[
        pa.Check(
            lambda frame, column=column: bool(
                (frame[frame[column]].groupby(["icb_code", "financial_year"]).size() == 1).all()
            ),
            error=f"at most one {column} row per system and year",
        )
        for column in BEST_COLUMNS.values()
    ],
    strict=False,
    name="finance_positions",
)

NATIONAL_FACTS = pa.DataFrameSchema(
    {
        "financial_year": _financial_year(),
        "fact": pa.Column(str),
        "value": pa.Column(float),
        "unit_base": pa.Column(str),
        "is_lower_bound": pa.Column(bool),
        "is_approximate": pa.Column(bool),
        "source_url": pa.Column(str, pa.Check.str_matches(r"^https?://")),
    },
    strict=False,
    name="national_facts",
)

COVERAGE = pa.DataFrameSchema(
    {
        "table": pa.Column(str, pa.Check.isin(["icb_year", "finance_positions"])),
        "variable": pa.Column(str),
        "financial_year": _financial_year(),
        "n_icbs": pa.Column(int, pa.Check.in_range(0, N_ICBS)),
        "n_rows": pa.Column(int, pa.Check.ge(0)),
    },
    strict=False,
    name="coverage",
)

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "icb_lookup.parquet": ICB_LOOKUP,
    "icb_year.parquet": ICB_YEAR,
    "finance_positions.parquet": FINANCE_POSITIONS,
    "national_facts.parquet": NATIONAL_FACTS,
    "coverage.parquet": COVERAGE,
    "trust_panel.parquet": trust_registry.panel_schema(),
    "trust_rollup.parquet": trust_registry.rollup_schema(),
}


def failure_lines(frame: pd.DataFrame, failures: pd.DataFrame) -> pd.DataFrame:
    """Failure cases naming each row by its keys (``icb_code``, ``financial_year``) and, for
    rows built from a curated CSV, by its CSV line (``source_line``) instead of the index.

    The index of a sorted table means nothing to the person fixing the data, so it is shown
    only where no CSV line is known.
    """
    cases = failures[["column", "check", "failure_case", "index"]].copy()
    if not frame.index.is_unique:
        return cases

    def at_failures(column: str) -> list[object]:
        values = frame[column]
        return [values.get(i, pd.NA) if pd.notna(i) else pd.NA for i in cases["index"]]

    for key in ("icb_code", "financial_year"):
        if key in frame:
            cases[key] = at_failures(key)
    if "source_line" in frame:
        cases["csv_line"] = at_failures("source_line")
        cases = cases.drop(columns="index")
    return cases


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """Validate lazily; raise DataError listing every failed check (column, check, case and
    the CSV line where the row came from a curated file, else the row index)."""
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as error:
        cases = failure_lines(frame, error.failure_cases).head(25)
        raise DataError(
            f"table '{schema.name}' failed its schema:\n{cases.to_string(index=False)}"
        ) from error


def write_table(frame: pd.DataFrame, name: str, directory: Path = PROCESSED_DIR) -> Path:
    """Validate ``frame`` against its schema, then write it atomically to data/processed."""
    validate(frame, SCHEMAS[name])
    return write_processed(frame, name, directory)


def read_table(name: str, directory: Path = PROCESSED_DIR) -> pd.DataFrame:
    """Read a processed table and validate it against its schema."""
    return validate(read_processed(name, directory), SCHEMAS[name])
