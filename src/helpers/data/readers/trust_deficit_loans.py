"""Reader for DHSC's interim revenue support loans to NHS trusts (BBC Shared Data Unit workbooks).

Interim revenue support loans (IRSL) were DHSC loans that financed NHS trusts' deficits; they
were converted to public dividend capital in 2020/21, so a balance measures a trust's
accumulated deficit financing up to that year, not debt owed today (MANIFEST
``trust_deficit_loans``). :func:`load` returns one tidy table by name, acquired by hash:

- ``balances``: the per-trust rows of each year's sheet 'IRSL (TOTAL)' (closing balance at 31
  March 2017, 2018, 2019): ``financial_year``, ``trust_code`` (ODS code of that year),
  ``trust_name``, ``irsl_gbp_m``. Rows as in the source (a code can appear twice, under an old
  and a new name); the sheets' blank-code grand-total rows are left out.
- ``lines_2016_17``: the loan lines of the 2016/17 sheet 'Data': ``trust_code``, ``trust_name``,
  ``loan_type``, ``opening_gbp_m``, ``drawn_gbp_m``, ``repaid_gbp_m``, ``closing_gbp_m`` ('-'
  in the source is zero).
- ``ncb_2016_17``: the 2016/17 sheet 'Normal course of business to ad' (loans DHSC reported as
  made in the normal course of business): ``trust_code``, ``trust_name``, ``loan_type`` (Cap/Rev),
  ``closing_gbp_m``.
- ``lines_2017_18``: the loan lines of the 2017/18 sheet 'ALL DATA': ``trust_code``,
  ``trust_name``, ``opening_gbp_m`` (at 1 April 2017), ``closing_gbp_m`` (31 March 2018).
- ``bbc_trusts``: the BBC's own per-trust table (working file, sheet 'ALL TRUSTS', names only):
  ``trust_name``, ``irsl_2016_17_gbp_m``, ``irsl_2017_18_gbp_m``, ``irsl_2018_19_gbp_m``
  ('N/A' = not listed that year).
- ``bbc_national``: the BBC's national totals (sheet 'NHS ENGLAND'): ``financial_year``,
  ``irsl_gbp_m``.

Every amount is converted to GBP millions using the unit declared for its sheet in
:data:`SHEETS` (the 2016/17 workbook and the 2017/18 loan lines are in GBP thousands, the rest
in GBP). A cell that is not a number stops the read naming the file, sheet, row and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.data.readers._common import acquired, choose, require_columns, workbook_rows
from helpers.errors import DataError

FILES: dict[str, str] = {
    "2016/17": "trust_deficit_loans/nhs_debt_2016_17.xlsx",
    "2017/18": "trust_deficit_loans/nhs_debt_2017_18.xlsx",
    "2018/19": "trust_deficit_loans/nhs_debt_2018_19.xlsx",
    "bbc": "trust_deficit_loans/nhs_loans_all_data.xlsx",
}
#: Cells meaning zero (a dash) and missing (blank, 'N/A': trust not listed that year).
ZERO_TOKENS: tuple[str, ...] = ("-",)
MISSING_TOKENS: tuple[str, ...] = ("", "N/A")


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its file key, name, the unit of its amounts (GBP per unit) and columns
    (source header -> tidy name; amounts end in ``_gbp_m``)."""

    file: str
    name: str
    gbp_per_unit: float
    columns: dict[str, str]


SHEETS: dict[str, Sheet] = {
    "balances_2016_17": Sheet(
        FILES["2016/17"],
        "IRSL (TOTAL)",
        1_000.0,
        {
            "Year": "financial_year",
            "Org code": "trust_code",
            "Org Name": "trust_name",
            "SUM of Closing balance @31/03/2017": "irsl_gbp_m",
        },
    ),
    "balances_2017_18": Sheet(
        FILES["2017/18"],
        "IRSL (TOTAL)",
        1.0,
        {
            "Year": "financial_year",
            "Org code": "trust_code",
            "Org name": "trust_name",
            "SUM of Closing balance": "irsl_gbp_m",
        },
    ),
    "balances_2018_19": Sheet(
        FILES["2018/19"],
        "IRSL (TOTAL)",
        1.0,
        {
            "Year": "financial_year",
            "Org code": "trust_code",
            "Org Name": "trust_name",
            "SUM of Closing balance": "irsl_gbp_m",
        },
    ),
    "lines_2016_17": Sheet(
        FILES["2016/17"],
        "Data",
        1_000.0,
        {
            "Org Name": "trust_name",
            "Code": "trust_code",
            "Loan Type": "loan_type",
            "Opening Balance": "opening_gbp_m",
            "Drawn in Year 2016-17": "drawn_gbp_m",
            "Repaid in Year 2016-17": "repaid_gbp_m",
            "SUM of Closing balance @31/03/2017": "closing_gbp_m",
        },
    ),
    "ncb_2016_17": Sheet(
        FILES["2016/17"],
        "Normal course of business to ad",
        1_000.0,
        {
            "Trust Name": "trust_name",
            "Org code": "trust_code",
            "Loan type": "loan_type",
            "Closing balance as of 31/03/17": "closing_gbp_m",
        },
    ),
    "lines_2017_18": Sheet(
        FILES["2017/18"],
        "ALL DATA",
        1_000.0,
        {
            "Trust Name": "trust_name",
            "Org Code": "trust_code",
            "Loan type": "loan_type",
            "Opening balance @01/04/2017": "opening_gbp_m",
            "Closing balance @ 31/03/2018": "closing_gbp_m",
        },
    ),
    "bbc_trusts": Sheet(
        FILES["bbc"],
        "ALL TRUSTS",
        1.0,
        {
            "Org name": "trust_name",
            "2016/17": "irsl_2016_17_gbp_m",
            "2017/18": "irsl_2017_18_gbp_m",
            "2018/19": "irsl_2018_19_gbp_m",
        },
    ),
    "bbc_national": Sheet(
        FILES["bbc"],
        "NHS ENGLAND",
        1.0,
        {"Year": "financial_year", "Loans": "irsl_gbp_m"},
    ),
}


def _blank(value: object) -> bool:
    """True for an empty cell (None, NaN or only spaces)."""
    return value is None or (isinstance(value, float) and value != value) or not str(value).strip()


def _amounts(values: pd.Series, where: str, column: str, gbp_per_unit: float) -> pd.Series:
    """Amount cells as GBP millions: '-' is zero, blank/'N/A' missing; anything else that is not
    a number raises DataError naming the sheet, the column and the spreadsheet row."""
    text = values.map(lambda v: "" if _blank(v) else str(v).strip())
    numbers = pd.to_numeric(text.where(~text.isin(ZERO_TOKENS), "0"), errors="coerce")
    bad = numbers.isna() & ~text.isin(MISSING_TOKENS)
    if bad.any():
        shown = "; ".join(f"row {index + 2}: {text[index]!r}" for index in text.index[bad][:5])
        raise DataError(f"{where}: column '{column}': not a number ({shown})")
    return (numbers * gbp_per_unit / 1e6).astype("float64")


def read_sheet(path: Path, key: str) -> pd.DataFrame:
    """One declared sheet (:data:`SHEETS`) as a tidy frame: named columns only, text stripped,
    amounts in GBP millions, rows without a name and a code (blank and grand-total rows) dropped."""
    sheet = SHEETS[key]
    where = f"{path} [{sheet.name}]"
    rows = workbook_rows(path, sheet.name)
    if not rows:
        raise DataError(f"{where}: empty sheet")
    header = [str(cell).strip() if cell is not None else "" for cell in rows[0]]
    frame = pd.DataFrame([list(row) + [None] * (len(header) - len(row)) for row in rows[1:]])
    frame = frame.iloc[:, : len(header)]
    frame.columns = header
    wanted = {source.strip(): tidy for source, tidy in sheet.columns.items()}
    require_columns(frame, wanted, where)
    frame = frame.loc[:, list(wanted)].rename(columns=wanted)
    for column in frame.columns:
        if column.endswith("_gbp_m"):
            frame[column] = _amounts(frame[column], where, column, sheet.gbp_per_unit)
        else:
            frame[column] = frame[column].map(lambda v: None if _blank(v) else str(v).strip())
            frame[column] = frame[column].astype("string")
    keys = [c for c in ("trust_code", "trust_name", "financial_year") if c in frame.columns]
    frame = frame.dropna(subset=keys, how="all")
    if "trust_code" in frame.columns:
        frame = frame.loc[frame["trust_code"].notna()]
        _check_codes(frame, where)
    return frame.reset_index(drop=True)


def _check_codes(frame: pd.DataFrame, where: str) -> None:
    """Raise DataError naming the rows whose trust code is not a 3-5 character ODS code."""
    bad = ~frame["trust_code"].str.fullmatch(r"[A-Z0-9]{3,5}").fillna(False)
    if bad.any():
        shown = ", ".join(repr(code) for code in frame.loc[bad, "trust_code"].head(5))
        raise DataError(f"{where}: column 'trust_code' holds non-ODS code(s) {shown}")


def read_balances(paths: dict[str, Path]) -> pd.DataFrame:
    """The three year-end 'IRSL (TOTAL)' sheets stacked (``paths``: year -> workbook)."""
    tables = []
    for year, path in sorted(paths.items()):
        key = f"balances_{year.replace('/', '_')}"
        table = read_sheet(path, key)
        years = set(table["financial_year"].dropna())
        if years != {year}:
            raise DataError(
                f"{path} [{SHEETS[key].name}]: column 'Year' holds {sorted(years)}, expected {year}"
            )
        tables.append(table)
    stacked = pd.concat(tables, ignore_index=True)
    return stacked.sort_values(["financial_year", "trust_code", "trust_name"], kind="stable")[
        ["financial_year", "trust_code", "trust_name", "irsl_gbp_m"]
    ].reset_index(drop=True)


def read_bbc_national(path: Path) -> pd.DataFrame:
    """The BBC's national totals with years as '2016/17' (the sheet writes '2016-17')."""
    table = read_sheet(path, "bbc_national")
    table["financial_year"] = table["financial_year"].str.replace(
        r"^(\d{4})-(\d{2})$", r"\1/\2", regex=True
    )
    if not table["financial_year"].str.fullmatch(r"\d{4}/\d{2}").all():
        raise DataError(f"{path} [NHS ENGLAND]: column 'Year' holds an unreadable year")
    return table


TABLES: tuple[str, ...] = (
    "balances",
    "lines_2016_17",
    "ncb_2016_17",
    "lines_2017_18",
    "bbc_trusts",
    "bbc_national",
)


def load(table: str) -> pd.DataFrame:
    """One table by name (see the module docstring), its workbook(s) acquired by hash."""
    choose("trust_deficit_loans", table, TABLES)
    if table == "balances":
        years = ("2016/17", "2017/18", "2018/19")
        return read_balances({year: acquired(FILES[year]) for year in years})
    if table == "bbc_national":
        return read_bbc_national(acquired(FILES["bbc"]))
    sheet = SHEETS[table]
    return read_sheet(acquired(sheet.file), table)


def year_key(year: str) -> str:
    """'2018/19' -> '2018_19' (for column and key names)."""
    if not re.fullmatch(r"\d{4}/\d{2}", year):
        raise DataError(f"not a financial year: {year!r}")
    return year.replace("/", "_")
