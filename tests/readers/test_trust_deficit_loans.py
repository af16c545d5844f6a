"""The trust_deficit_loans reader: units per sheet, dashes as zero, bad cells named, real totals."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from helpers.data.readers import trust_deficit_loans as reader
from helpers.errors import DataError


def write_total_sheet(path: Path, rows: list[list[object]]) -> Path:
    """A 2016/17-style workbook with one 'IRSL (TOTAL)' sheet (amounts in GBP thousands)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "IRSL (TOTAL)"
    sheet.append(["Year", "Org code", "Org Name", "SUM of Closing balance @31/03/2017"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_thousands_become_millions_dashes_zero_and_total_rows_dropped(tmp_path: Path) -> None:
    path = write_total_sheet(
        tmp_path / "loans.xlsx",
        [
            ["2016/17", "RAA", "A Hospitals NHS Trust", 1500],
            ["2016/17", "RBB", "B Hospitals NHS Trust", "-"],
            [None, None, None, 1500],  # the sheet's grand total: no code, no name
        ],
    )
    table = reader.read_sheet(path, "balances_2016_17")
    assert table["trust_code"].tolist() == ["RAA", "RBB"]
    assert table["irsl_gbp_m"].tolist() == pytest.approx([1.5, 0.0])


def test_a_cell_that_is_not_a_number_is_named(tmp_path: Path) -> None:
    path = write_total_sheet(
        tmp_path / "loans.xlsx", [["2016/17", "RAA", "A Hospitals NHS Trust", "12k"]]
    )
    with pytest.raises(DataError, match=r"IRSL \(TOTAL\).*irsl_gbp_m.*row 2: '12k'"):
        reader.read_sheet(path, "balances_2016_17")


def test_a_code_that_is_not_an_ods_code_is_named(tmp_path: Path) -> None:
    path = write_total_sheet(
        tmp_path / "loans.xlsx", [["2016/17", "r a", "A Hospitals NHS Trust", 10]]
    )
    with pytest.raises(DataError, match="non-ODS code"):
        reader.read_sheet(path, "balances_2016_17")


def test_real_year_end_totals_match_the_bbc_and_the_catalogue() -> None:
    balances = reader.load("balances")
    totals = balances.groupby("financial_year")["irsl_gbp_m"].sum().round(3).to_dict()
    national = reader.load("bbc_national").set_index("financial_year")["irsl_gbp_m"]
    # 2017/18 and 2018/19 per-trust rows equal the BBC's totals; 2016/17 rows do not
    assert totals["2017/18"] == pytest.approx(national["2017/18"]) == pytest.approx(7353.708)
    assert totals["2018/19"] == pytest.approx(national["2018/19"]) == pytest.approx(10144.201)
    assert totals["2016/17"] == pytest.approx(4904.929)
    assert national["2016/17"] == pytest.approx(4668.755)
    barts = balances.query("financial_year == '2016/17' and trust_code == 'R1H'")
    assert barts["irsl_gbp_m"].tolist() == pytest.approx([277.5])  # GBP 277,500 thousand
