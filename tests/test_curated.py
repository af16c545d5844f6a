"""Validation of the curated fact tables: every bad row is named by its CSV line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data import curated
from helpers.data.curated import (
    FINANCE_PANEL_COLUMNS,
    LEGACY_DEBT_COLUMNS,
    NATIONAL_COLUMNS,
    read_curated,
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
    "basis_evidence": "",
    "scope": "system",
    "scope_evidence": 'title:"A title"',
    "source_publisher": "HSJ",
    "source_title": "A title",
    "source_date": "2024-06",
    "source_url": "https://example.org/article",
    "source_kind": "press",
    "original_source": "HSJ: A title",
    "notes": "",
    "basis_before_audit": "unknown",
    "scope_before_audit": "system",
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
            "basis not in ['after_support', 'before_support', 'not_applicable', 'unknown']"
            " on line(s) [3]",
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


NATIONAL_ROW = {
    "fact_id": "nat_2425_deficit_plans",
    "financial_year": "2024/25",
    "fact": "Systems in deficit",
    "value": "31",
    "unit": "systems",
    "precision": "exact",
    "as_at": "plans",
    "as_at_date": "2024-06",
    "source_publisher": "p",
    "source_title": "t",
    "source_date": "2024",
    "source_url": "https://example.org",
    "original_source": "https://example.org",
}


def write_national(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "national.csv"
    pd.DataFrame(rows, columns=NATIONAL_COLUMNS).to_csv(path, index=False)
    return path


def test_national_facts_load_with_numbers_and_precision_flags(tmp_path: Path) -> None:
    path = write_national(
        tmp_path,
        [
            NATIONAL_ROW,
            {**NATIONAL_ROW, "fact_id": "nat_b", "value": "1000", "precision": "lower_bound"},
            {**NATIONAL_ROW, "fact_id": "nat_c", "precision": "approximate_lower_bound"},
        ],
    )
    frame = curated.load_national_facts(path)
    assert frame["value"].tolist() == [31.0, 1000.0, 31.0]
    assert frame["is_lower_bound"].tolist() == [False, True, True]
    assert frame["is_approximate"].tolist() == [False, False, True]
    assert frame["unit_base"].tolist() == ["systems"] * 3


@pytest.mark.parametrize(
    ("field", "bad", "expected"),
    [
        ("value", "many", "value missing or not a number on line(s) [3]"),
        ("fact_id", "Nat 1", "fact_id missing or not snake_case"),
        ("fact_id", "nat_2425_deficit_plans", "fact_id repeated on line(s) [2, 3]"),
        ("precision", "roughly", "precision not one of"),
        ("as_at_date", "2024", "as_at_date not like '2024-03'"),
        ("original_source", "", "original_source is empty"),
        ("archive_url", "http://example.org/copy", "archive_url is not an https:// address"),
        ("archive_url", "https://example.org", "archive_url repeats source_url"),
    ],
)
def test_each_bad_national_fact_is_named_by_line(
    tmp_path: Path, field: str, bad: str, expected: str
) -> None:
    path = write_national(
        tmp_path,
        [NATIONAL_ROW, {**NATIONAL_ROW, "fact_id": "nat_x", "source_title": "Another", field: bad}],
    )
    with pytest.raises(DataError) as caught:
        validate_national_facts(read_curated(path, NATIONAL_COLUMNS), path)
    assert expected in str(caught.value)
    assert "3]" in str(caught.value)


DEBT_ROW = {
    "fact_id": "debt_qoc_2024",
    "kind": "debt",
    "system_name": "Example",
    "icb_code": "QOC",
    "measure": "outstanding balance",
    "value": "300",
    "unit": "£m",
    "as_at": "2024",
    "source_publisher": "p",
    "source_title": "t",
    "source_date": "2024",
    "source_url": "https://example.org",
    "original_source": "https://example.org",
}


def write_debt(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "debt.csv"
    pd.DataFrame(rows, columns=LEGACY_DEBT_COLUMNS).to_csv(path, index=False)
    return path


def test_legacy_debt_splits_pounds_and_counts(tmp_path: Path) -> None:
    rows = [
        DEBT_ROW,
        {**DEBT_ROW, "fact_id": "debt_count", "value": "30", "unit": "systems", "icb_code": ""},
        {**DEBT_ROW, "fact_id": "debt_rule", "kind": "rule", "value": "", "unit": ""},
    ]
    debt = curated.load_legacy_debt(write_debt(tmp_path, rows), {"QOC"})
    assert debt["value_gbp_m"].tolist()[0] == 300 and debt["value_gbp_m"].isna().tolist() == [
        False,
        True,
        True,
    ]
    assert debt["count_in_text"].tolist()[1] == 30


@pytest.mark.parametrize(
    ("field", "bad", "expected"),
    [
        ("kind", "loan", "kind not in"),
        ("unit", "", "unit is empty but value is given"),
        ("value", "about 5", "value not a number"),
        ("icb_code", "QZZ", "icb_code not one of the 42 ICB Q-codes"),
    ],
)
def test_each_bad_debt_row_is_named_by_line(
    tmp_path: Path, field: str, bad: str, expected: str
) -> None:
    path = write_debt(tmp_path, [DEBT_ROW, {**DEBT_ROW, "fact_id": "debt_x", field: bad}])
    with pytest.raises(DataError, match=r"line\(s\) \[3\]") as caught:
        curated.load_legacy_debt(path, {"QOC"})
    assert expected in str(caught.value)


def test_all_facts_refuses_an_id_used_in_two_tables(tmp_path: Path) -> None:
    national = curated.load_national_facts(write_national(tmp_path, [NATIONAL_ROW]))
    path = tmp_path / "debt.csv"
    pd.DataFrame([{**DEBT_ROW, "fact_id": "nat_2425_deficit_plans"}]).to_csv(path, index=False)
    debt = curated.load_legacy_debt(path, {"QOC"})
    empty = pd.DataFrame(columns=[*curated.LEADERSHIP_COLUMNS, "source_line"])
    with pytest.raises(DataError, match="nat_2425_deficit_plans"):
        curated.all_facts(national, debt, empty)


@pytest.mark.realdata
def test_committed_curated_tables_are_valid() -> None:
    from helpers.panel.geography import icb_lookup_from_files

    codes = set(icb_lookup_from_files()["icb_code"])
    panel_path = CURATED_DIR / "ics_finance_panel.csv"
    panel = validate_finance_panel(
        read_curated(panel_path, FINANCE_PANEL_COLUMNS), panel_path, codes
    )
    assert len(panel) == 248 and panel["icb_code"].nunique() == 37
    national = curated.load_national_facts()
    debt = curated.load_legacy_debt(icb_codes=codes)
    leaders = curated.load_leadership_facts()
    assert (len(national), len(debt), len(leaders)) == (81, 14, 86)
    facts = curated.all_facts(national, debt, leaders)
    assert facts["fact_id"].is_unique and len(facts) == 81 + 14 + 86
    timeline = curated.load_timeline_selection()
    assert set(timeline["fact_id"]) <= set(national["fact_id"])


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
        "fact_id": "debt_qoc_test",
        "kind": "debt",
        "system_name": "Shropshire, Telford and Wrekin",
        "icb_code": "QOC",
        "measure": "debt",
        "value": "300",
        "unit": "£m",
        "as_at": "2024",
        "source_publisher": "HSJ",
        "source_title": "t",
        "source_date": "",
        "source_url": "https://www.hsj.co.uk/a",
        "original_source": "https://www.hsj.co.uk/a",
        "source_date_note": "not shown in stored copy",
    }
    pd.DataFrame([row]).to_csv(path, index=False)
    assert read_curated(path, LEGACY_DEBT_COLUMNS)["source_date"].tolist() == [""]
    pd.DataFrame([{**row, "value": "30000"}]).to_csv(path, index=False)
    with pytest.raises(
        DataError,
        match=r"value outside the plausible range \[0.0, 5000.0\] on line\(s\) \[2\]",
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


# --- issue 19: basis and scope evidence ------------------------------------------------------

RULES = pd.DataFrame(
    [
        {
            "rule_id": "r_plans",
            "basis": "before_support",
            "financial_year": "2024/25",
            "stages": "draft_plan final_plan",
            "as_at_from": "",
            "as_at_to": "2024-06",
            "value_min": "",
            "value_max": "",
            "requires_deficit_final_plan": "no",
            "rule": "plans of the round are before support",
            "fact_ids": "nat_x",
            "source_publisher": "NHS England",
            "source_title": "A board paper",
            "source_date": "2024-07",
            "source_url": "https://example.org/board",
        },
        {
            "rule_id": "r_breakeven",
            "basis": "after_support",
            "financial_year": "2024/25",
            "stages": "forecast outturn",
            "as_at_from": "2024-10",
            "as_at_to": "",
            "value_min": "0",
            "value_max": "0",
            "requires_deficit_final_plan": "yes",
            "rule": "breakeven after support from a system with a deficit plan",
            "fact_ids": "nat_x",
            "source_publisher": "NHS England",
            "source_title": "A board paper",
            "source_date": "2024-10",
            "source_url": "https://example.org/board",
        },
    ]
)
FACT_PAGES = {"nat_x": "https://example.org/board", "nat_page": "https://example.org/article"}


def load_with_rules(path: Path) -> pd.DataFrame:
    frame = read_curated(path, FINANCE_PANEL_COLUMNS)
    return validate_finance_panel(frame, path, ICBS, RULES, FACT_PAGES)


def evidence_error(tmp_path: Path, rows: list[dict[str, str]]) -> str:
    with pytest.raises(DataError) as caught:
        load_with_rules(write_panel(tmp_path, rows))
    return str(caught.value)


QUOTED = {**GOOD, "notes": 'Quote: "after deficit support funding of £10m"'}


def test_evidenced_bases_and_scopes_pass(tmp_path: Path) -> None:
    rows = [
        {**GOOD, "basis": "before_support", "basis_evidence": "rule:r_plans"},
        {**QUOTED, "basis": "after_support", "basis_evidence": 'quote:"after deficit support"'},
        {**GOOD, "scope": "icb", "scope_evidence": "fact:nat_page"},
        {
            **GOOD,
            "measure": "deficit_support",
            "stage": "deficit_support",
            "value_gbp_m": "10",
            "basis": "not_applicable",
            "basis_evidence": "stage:deficit_support",
            "scope_evidence": "",
        },
        {
            **GOOD,
            "measure": "forecast",
            "stage": "forecast",
            "value_gbp_m": "0",
            "as_at_date": "2025-01",
            "basis": "after_support",
            "basis_evidence": "rule:r_breakeven",
        },
    ]
    frame = load_with_rules(write_panel(tmp_path, rows))
    assert frame["basis"].tolist() == [
        "before_support",
        "after_support",
        "unknown",
        "not_applicable",
        "after_support",
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"basis": "before_support"},
            "basis_evidence missing (basis is not unknown) on line(s) [3]",
        ),
        (
            {"basis_evidence": "rule:r_plans"},
            "basis_evidence given for basis unknown on line(s) [3]",
        ),
        (
            {"basis": "after_support", "basis_evidence": 'quote:"in real terms"'},
            "line 3: basis_evidence: 'in real terms' is not in the stored notes or title",
        ),
        (
            {"basis": "before_support", "basis_evidence": "rule:r_nowhere"},
            "line 3: basis_evidence: rule 'r_nowhere' is not in finance_basis_rules.csv",
        ),
        (
            {"basis": "before_support", "basis_evidence": "rule:r_plans", "as_at_date": "2024-09"},
            "line 3: basis_evidence: row does not meet rule 'r_plans' on ['as_at_to']",
        ),
        (
            {"basis": "after_support", "basis_evidence": "rule:r_plans"},
            "line 3: basis_evidence: row does not meet rule 'r_plans' on ['basis']",
        ),
        (
            {"basis": "not_applicable", "basis_evidence": "stage:final_plan"},
            "basis not_applicable is for (and only for) the stages",
        ),
        ({"scope_evidence": ""}, "scope_evidence missing on line(s) [3]"),
        (
            {"scope": "icb", "scope_evidence": 'curator:"looks like the ICB"'},
            "line 3: scope_evidence: curator: evidence is allowed for scope 'system' only",
        ),
        (
            {"scope_evidence": "fact:nat_x"},
            "line 3: scope_evidence: 'nat_x' is not a national fact of this page",
        ),
        ({"scope_evidence": "the title says so"}, "line 3: scope_evidence: not kind:payload"),
        ({"basis_before_audit": "maybe"}, "basis_before_audit not blank or in"),
    ],
)
def test_each_unevidenced_basis_or_scope_is_named_by_line(
    tmp_path: Path, changes: dict[str, str], expected: str
) -> None:
    assert expected in evidence_error(tmp_path, [GOOD, {**GOOD, **changes}])


def test_breakeven_rule_needs_the_systems_own_deficit_plan(tmp_path: Path) -> None:
    breakeven = {
        **GOOD,
        "measure": "forecast",
        "stage": "forecast",
        "value_gbp_m": "0",
        "as_at_date": "2025-01",
        "basis": "after_support",
        "basis_evidence": "rule:r_breakeven",
    }
    surplus_plan = {**GOOD, "value_gbp_m": "1"}
    message = evidence_error(tmp_path, [surplus_plan, breakeven])
    assert "line 3: basis_evidence: row does not meet rule 'r_breakeven' on" in message
    assert "requires_deficit_final_plan" in message


def test_basis_rules_need_known_facts_stages_and_a_source(tmp_path: Path) -> None:
    path = tmp_path / "finance_basis_rules.csv"
    bad = RULES.copy()
    bad.loc[1, "fact_ids"] = "nat_missing"
    bad.loc[1, "stages"] = "forecast guess"
    bad.to_csv(path, index=False)
    with pytest.raises(DataError) as caught:
        curated.load_basis_rules(path, fact_ids={"nat_x"})
    message = str(caught.value)
    assert (
        "fact_ids empty or naming a fact not in ics_finance_national.csv on line(s) [3]" in message
    )
    assert "stages empty or not among" in message and "on line(s) [3]" in message


@pytest.mark.realdata
def test_the_audit_corrects_the_referees_cases() -> None:
    """QOC 2023/24 -130 is a trust figure; GM and QOC 2024/25 have evidenced bases."""
    from helpers.panel.geography import icb_lookup_from_files

    codes = set(icb_lookup_from_files()["icb_code"])
    path = CURATED_DIR / "ics_finance_panel.csv"
    panel = validate_finance_panel(read_curated(path, FINANCE_PANEL_COLUMNS), path, codes)

    def rows(icb: str, year: str, stage: str) -> pd.DataFrame:
        found = panel[
            (panel["icb_code"] == icb)
            & (panel["financial_year"] == year)
            & (panel["stage"] == stage)
        ]
        return found.set_index("value_gbp_m")

    sath = rows("QOC", "2023/24", "forecast").loc[-130.0]
    assert (sath["scope"], sath["scope_before_audit"]) == ("trust", "system")
    gm_plan = rows("QOP", "2024/25", "final_plan").loc[-175.0]
    assert (gm_plan["basis"], gm_plan["basis_evidence"]) == (
        "before_support",
        "rule:r2425_plans_before_deficit_support",
    )
    gm_forecast = rows("QOP", "2024/25", "forecast").loc[0.0]
    assert gm_forecast["basis_evidence"] == "rule:r2425_breakeven_after_deficit_support"
    qoc = rows("QOC", "2024/25", "outturn")
    assert (
        qoc.loc[-115.0, "basis"] == "before_support" and qoc.loc[-12.0, "basis"] == "after_support"
    )
    assert qoc.loc[-115.0, "basis_before_audit"] == ""  # added by the audit
    known = panel["basis"] != "unknown"
    assert (panel.loc[known, "basis_evidence"] != "").all()


def test_reprints_are_kept_only_as_archived_copies_of_the_cited_original() -> None:
    """Issue 20.5: where a figure was read from a reprint (newsio.com's copy of Sky News's
    analysis), the row cites the original publisher's page and keeps the reprint as the
    archived copy: no committed row cites the reprint itself."""
    from urllib.parse import urlsplit

    tables = [curated.load_national_facts(), curated.load_claims()]
    archived = pd.concat([table[table["archive_url"] != ""] for table in tables])
    assert len(archived) == 5
    assert set(archived["source_publisher"]) == {"Sky News"}
    assert {urlsplit(url).hostname for url in archived["source_url"]} == {"news.sky.com"}
    assert {urlsplit(url).hostname for url in archived["archive_url"]} == {"newsio.com"}
    cited_hosts = {urlsplit(url).hostname for table in tables for url in table["source_url"]}
    assert "newsio.com" not in cited_hosts
