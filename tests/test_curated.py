"""Validation of the curated fact tables: every bad row is named by its CSV line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.curated import (
    FINANCE_PANEL_COLUMNS,
    LEADERSHIP_COLUMNS,
    LEGACY_DEBT_COLUMNS,
    NATIONAL_COLUMNS,
    parse_unit,
    read_curated,
    validate_cited_facts,
    validate_finance_panel,
    validate_national_facts,
)
from helpers.errors import DataError
from helpers.paths import CURATED_DIR

ICBS = {"QHM", "QOC"}
GOOD = {
    "system_name": "North East and North Cumbria",
    "icb_code": "QHM",
    "financial_year": "2024/25",
    "measure": "plan",
    "stage": "final_plan",
    "value_gbp_m": "-12.5",
    "as_at": "final plan",
    "as_at_date": "2024-05",
    "revision": "1",
    "basis": "unknown",
    "scope": "system",
    "source_publisher": "HSJ",
    "source_title": "A title",
    "source_date": "2024-06",
    "source_url": "https://example.org/article",
    "source_kind": "press",
    "original_source": "HSJ: A title",
    "notes": "",
}


def write_panel(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "ics_finance_panel.csv"
    pd.DataFrame(rows, columns=FINANCE_PANEL_COLUMNS).to_csv(path, index=False)
    return path


def load(path: Path) -> pd.DataFrame:
    return validate_finance_panel(read_curated(path, FINANCE_PANEL_COLUMNS), path, ICBS)


def test_valid_rows_pass_and_values_become_numbers(tmp_path: Path) -> None:
    frame = load(write_panel(tmp_path, [GOOD, {**GOOD, "icb_code": "QOC", "value_gbp_m": "3"}]))
    assert frame["value_gbp_m"].tolist() == [-12.5, 3.0]
    assert frame["revision"].tolist() == [1, 1] and frame["revision"].dtype == "int64"
    assert frame["source_line"].tolist() == [2, 3]


@pytest.mark.parametrize(
    ("field", "bad", "expected"),
    [
        ("source_url", "", "source_url missing or not a URL on line(s) [3]"),
        ("measure", "overspend", "measure not one of"),
        ("icb_code", "QZZ", "icb_code not one of the 42 ICB Q-codes on line(s) [3]"),
        ("value_gbp_m", "about 5", "value_gbp_m missing or not a number on line(s) [3]"),
        (
            "financial_year",
            "2024-25",
            "financial_year is not a real year like '2024/25' on line(s) [3]",
        ),
        ("stage", "", "stage missing or not the stage of its measure"),
        ("stage", "draft_plan", "stage missing or not the stage of its measure"),
        ("as_at_date", "", "as_at_date missing or not a month like '2024-03' on line(s) [3]"),
        (
            "as_at_date",
            "2024-13",
            "as_at_date missing or not a month like '2024-03' on line(s) [3]",
        ),
        (
            "as_at_date",
            "May 2024",
            "as_at_date missing or not a month like '2024-03' on line(s) [3]",
        ),
        ("revision", "", "revision missing or not a whole number 1, 2, ... on line(s) [3]"),
        ("revision", "0", "revision missing or not a whole number 1, 2, ... on line(s) [3]"),
        ("revision", "1.5", "revision missing or not a whole number 1, 2, ... on line(s) [3]"),
        (
            "basis",
            "after",
            "basis not in ['after_support', 'before_support', 'unknown'] on line(s) [3]",
        ),
        ("original_source", "", "original_source is empty on line(s) [3]"),
    ],
)
def test_each_kind_of_bad_row_is_named_by_line(
    tmp_path: Path, field: str, bad: str, expected: str
) -> None:
    path = write_panel(tmp_path, [GOOD, {**GOOD, field: bad}, {**GOOD, "icb_code": "QOC"}])
    with pytest.raises(DataError) as caught:
        load(path)
    assert expected in str(caught.value)
    assert str(path) in str(caught.value)


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    rows = [{**GOOD, "source_url": ""}, GOOD, {**GOOD, "measure": "x", "value_gbp_m": "n/a"}]
    with pytest.raises(DataError) as caught:
        load(write_panel(tmp_path, rows))
    message = str(caught.value)
    assert "source_url missing or not a URL on line(s) [2]" in message
    assert "measure not one of" in message and "line(s) [4]" in message
    assert "value_gbp_m missing or not a number on line(s) [4]" in message


def test_missing_column_names_the_file_and_column(tmp_path: Path) -> None:
    path = write_panel(tmp_path, [GOOD])
    pd.read_csv(path).drop(columns=["source_url"]).to_csv(path, index=False)
    with pytest.raises(
        DataError, match=r"ics_finance_panel.csv: expected column\(s\) \['source_url'\]"
    ):
        read_curated(path, FINANCE_PANEL_COLUMNS)


def test_national_fact_without_a_number_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "national.csv"
    row = {
        "financial_year": "2024/25",
        "fact": "Systems in deficit",
        "value": "31",
        "unit": "systems",
        "as_at": "plans",
        "source_publisher": "p",
        "source_title": "t",
        "source_date": "2024",
        "source_url": "https://example.org",
    }
    pd.DataFrame([row, {**row, "value": "many"}]).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"value missing or not a number on line\(s\) \[3\]"):
        validate_national_facts(read_curated(path, NATIONAL_COLUMNS), path)


def test_units_are_split_into_base_and_flags() -> None:
    parsed = parse_unit(pd.Series(["£m", "£m (approx., lower bound)", "systems"]))
    assert parsed["unit_base"].tolist() == ["£m", "£m", "systems"]
    assert parsed["is_lower_bound"].tolist() == [False, True, False]
    assert parsed["is_approximate"].tolist() == [False, True, False]


@pytest.mark.realdata
def test_committed_curated_tables_are_valid() -> None:
    from helpers.geography import icb_lookup_from_files

    codes = set(icb_lookup_from_files()["icb_code"])
    panel_path = CURATED_DIR / "ics_finance_panel.csv"
    panel = validate_finance_panel(
        read_curated(panel_path, FINANCE_PANEL_COLUMNS), panel_path, codes
    )
    assert len(panel) == 243 and panel["icb_code"].nunique() == 37
    national_path = CURATED_DIR / "ics_finance_national.csv"
    assert (
        len(validate_national_facts(read_curated(national_path, NATIONAL_COLUMNS), national_path))
        == 81
    )
    debt_path = CURATED_DIR / "legacy_debt.csv"
    debt = validate_cited_facts(
        read_curated(debt_path, LEGACY_DEBT_COLUMNS), debt_path, "value_gbp_m", codes
    )
    assert len(debt) == 14
    leaders_path = CURATED_DIR / "leadership_facts.csv"
    leaders = validate_cited_facts(
        read_curated(leaders_path, LEADERSHIP_COLUMNS), leaders_path, "value"
    )
    assert len(leaders) == 85


def test_line_numbers_stay_right_after_blank_lines(tmp_path: Path) -> None:
    header, first = write_panel(tmp_path, [GOOD]).read_text(encoding="utf-8").splitlines()
    path = tmp_path / "ics_finance_panel.csv"
    lines = [header, "", first, "", first.replace("QHM", "QOC"), first.replace("QHM", "QZZ")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # header 1, blank 2, row 3, blank 4, row 5, bad row 6
    with pytest.raises(DataError, match=r"ICB Q-codes on line\(s\) \[6\]"):
        load(path)


def test_line_numbers_count_the_lines_of_a_multi_line_quoted_field(tmp_path: Path) -> None:
    rows = [{**GOOD, "notes": "first line\nsecond line\nthird"}, {**GOOD, "icb_code": "QZZ"}]
    path = write_panel(tmp_path, rows)
    # header 1, row spanning lines 2-4, bad row on line 5
    with pytest.raises(
        DataError, match=r"icb_code not one of the 42 ICB Q-codes on line\(s\) \[5\]"
    ):
        load(path)
    assert read_curated(write_panel(tmp_path, rows[:1]), FINANCE_PANEL_COLUMNS)[
        "source_line"
    ].tolist() == [2]


@pytest.mark.parametrize(
    ("field", "bad", "expected"),
    [
        ("value_gbp_m", "inf", "value_gbp_m is inf/nan, not a value on line(s) [3]"),
        ("value_gbp_m", "-Infinity", "value_gbp_m is inf/nan, not a value on line(s) [3]"),
        (
            "financial_year",
            "2099/00",
            "financial_year is not a real year like '2024/25' on line(s) [3]",
        ),
        (
            "financial_year",
            "2024/26",
            "financial_year is not a real year like '2024/25' on line(s) [3]",
        ),
        (
            "source_url",
            "http://example.org/a",
            "source_url is not an https:// address with a host on line(s) [3]",
        ),
        (
            "source_url",
            "https://localhost/a",
            "source_url is not an https:// address with a host on line(s) [3]",
        ),
        (
            "source_url",
            "https:///a",
            "source_url is not an https:// address with a host on line(s) [3]",
        ),
        ("source_date", "2024/06", "source_date is not YYYY, YYYY-MM or YYYY-MM-DD"),
        ("source_date", "2024-13", "source_date is not YYYY, YYYY-MM or YYYY-MM-DD"),
        ("source_date", "June 2024", "source_date is not YYYY, YYYY-MM or YYYY-MM-DD"),
        (
            "source_date",
            "",
            "source_date is not YYYY, YYYY-MM or YYYY-MM-DD (leave it blank only with a "
            "source_date_note saying why) on line(s) [3]",
        ),
        (
            "value_gbp_m",
            "-12500",
            "value_gbp_m outside the plausible range [-2000.0, 2000.0] on line(s) [3]",
        ),
    ],
)
def test_generic_row_rules_name_the_file_rule_and_line(
    tmp_path: Path, field: str, bad: str, expected: str
) -> None:
    path = write_panel(tmp_path, [GOOD, {**GOOD, field: bad}])
    with pytest.raises(DataError) as caught:
        read_curated(path, FINANCE_PANEL_COLUMNS)
    assert f"{path}: {expected}" in str(caught.value) or (
        expected in str(caught.value)
        and str(path) in str(caught.value)
        and "line(s) [3]" in str(caught.value)
    )


def test_exact_duplicate_rows_are_refused_naming_the_repeat(tmp_path: Path) -> None:
    path = write_panel(tmp_path, [GOOD, {**GOOD, "icb_code": "QOC"}, GOOD])
    with pytest.raises(DataError) as caught:
        read_curated(path, FINANCE_PANEL_COLUMNS)
    assert f"{path}: exact duplicate of an earlier row on line(s) [4]" in str(caught.value)


def test_blank_source_date_is_allowed_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "legacy_debt.csv"
    row = {
        "system_name": "Shropshire, Telford and Wrekin",
        "icb_code": "QOC",
        "measure": "debt",
        "value_gbp_m": "300",
        "as_at": "2024",
        "source_publisher": "HSJ",
        "source_title": "t",
        "source_date": "",
        "source_url": "https://www.hsj.co.uk/a",
        "source_date_note": "not shown in stored copy",
    }
    pd.DataFrame([row]).to_csv(path, index=False)
    assert read_curated(path, LEGACY_DEBT_COLUMNS)["source_date"].tolist() == [""]
    pd.DataFrame([{**row, "value_gbp_m": "30000"}]).to_csv(path, index=False)
    with pytest.raises(
        DataError,
        match=r"value_gbp_m outside the plausible range \[0.0, 5000.0\] on line\(s\) \[2\]",
    ):
        read_curated(path, LEGACY_DEBT_COLUMNS)


def test_bytes_that_are_not_utf8_and_ragged_rows_name_the_line(tmp_path: Path) -> None:
    path = write_panel(tmp_path, [GOOD, GOOD | {"icb_code": "QOC"}])
    data = path.read_bytes().replace(b"QOC", b"Q\xe9C")
    path.write_bytes(data)
    with pytest.raises(DataError, match=r"ics_finance_panel.csv: line 3: not valid UTF-8"):
        read_curated(path, FINANCE_PANEL_COLUMNS)
    path.write_text(
        path.read_text(encoding="latin-1").splitlines()[0] + "\na,b\n", encoding="utf-8"
    )
    expected = f"line 2: 2 fields where the header has {len(FINANCE_PANEL_COLUMNS)}"
    with pytest.raises(DataError, match=expected):
        read_curated(path, FINANCE_PANEL_COLUMNS)
