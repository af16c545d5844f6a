"""The claims check: validation of claims.csv, verdict rules and each claim's check."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from helpers import claims
from helpers.claims import (
    CONTRADICTED,
    MATCH,
    MISMATCH,
    NOT_TESTABLE,
    PARTLY,
    SUPPORTED,
    UNTESTABLE,
    Claim,
    ClaimInputs,
    Part,
    Rules,
)
from helpers.errors import DataError

HEADER = ",".join(claims.CLAIM_COLUMNS) + "\n"
GOOD_ROW = "C01,A claim.,n=1,Pub,Title,2024,https://example.org/a,confirmed,note\n"
CLAIM_URL = "https://press.example/claim"
OTHER_URL = "https://official.example/paper"
RULES = Rules()


def write_claims(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "claims.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def claim(claim_id: str, numbers: dict[str, float], url: str = CLAIM_URL) -> Claim:
    return Claim(claim_id, f"claim {claim_id}", numbers, url)


def facts_frame(rows: list[tuple[str, str, float, str, str]]) -> pd.DataFrame:
    """National facts from (year, fact, value, as_at, url) tuples."""
    frame = pd.DataFrame(rows, columns=["financial_year", "fact", "value", "as_at", "source_url"])
    return frame.assign(
        source_publisher="Pub", source_date="2024", source_line=range(2, len(frame) + 2)
    )


def leadership_frame(rows: list[tuple[str, float, str, str]]) -> pd.DataFrame:
    """Leadership facts from (fact, value, year, url) tuples."""
    frame = pd.DataFrame(rows, columns=["fact", "value", "year", "source_url"])
    return frame.assign(
        source_publisher="Pub", source_date="2020", source_line=range(2, len(frame) + 2)
    )


def inputs(**tables: pd.DataFrame) -> ClaimInputs:
    """Claim inputs with empty (but well-formed) tables unless given."""
    empty = {
        "icb_year": pd.DataFrame(
            columns=["icb_code", "financial_year", "population", "core_allocation_gbp_m"]
        ),
        "icb_lookup": pd.DataFrame(columns=["icb_code", "icb_name"]),
        "finance_positions": pd.DataFrame(
            columns=[
                "icb_code",
                "system_name",
                "financial_year",
                "measure",
                "scope",
                "value_gbp_m",
                "source_url",
                "source_line",
            ]
        ),
        "national_facts": facts_frame([]),
        "legacy_debt": pd.DataFrame(
            columns=[
                "system_name",
                "icb_code",
                "measure",
                "value_gbp_m",
                "source_publisher",
                "source_date",
                "source_url",
                "source_line",
            ]
        ),
        "leadership_facts": leadership_frame([]),
        "ae_england": pd.DataFrame(
            columns=[
                "month",
                "attendances",
                "over_4h",
                "n_icbs",
                "pct_within_4h",
                "n_trusts_without_4h",
            ]
        ),
    }
    return ClaimInputs(**{**empty, **tables})


# ---------------------------------------------------------------------------------------------
# claims.csv


def test_valid_claims_file_loads(tmp_path: Path) -> None:
    table = claims.load_claims(write_claims(tmp_path, GOOD_ROW))
    assert table["claim_id"].tolist() == ["C01"]
    assert claims.claim_from_row(table.iloc[0]).numbers == {"n": 1.0}


def test_validator_names_the_csv_line_of_each_bad_row(tmp_path: Path) -> None:
    body = (
        GOOD_ROW
        + "C02,Second.,n=2,Pub,Title,2024,,confirmed,note\n"  # line 3: no URL
        + "C01,Third.,n=x,Pub,Title,2024,https://example.org/c,maybe,note\n"  # line 4
    )
    with pytest.raises(DataError) as error:
        claims.load_claims(write_claims(tmp_path, body))
    message = str(error.value)
    assert "source_url missing or not a URL on line(s) [3]" in message
    assert "claim_id repeated on line(s) [2, 4]" in message
    assert re.search(r"claimed_numbers not like .* on line\(s\) \[4\]", message)
    assert re.search(r"source_check not one of .* on line\(s\) \[4\]", message)


def test_claimed_numbers_parse_and_reject_bad_items() -> None:
    assert claims.parse_claimed_numbers("a=1; b_gbp_m=2.5") == {"a": 1.0, "b_gbp_m": 2.5}
    for bad in ["", "a", "a=1; a=2", "A=1", "a=x"]:
        with pytest.raises(ValueError):
            claims.parse_claimed_numbers(bad)


def test_committed_claims_each_have_a_check() -> None:
    table = claims.load_claims()
    assert set(table["claim_id"]) == set(claims.CHECKS)
    assert table["source_url"].str.startswith("https://").all()


# ---------------------------------------------------------------------------------------------
# rules


@pytest.mark.parametrize(
    ("statuses", "verdict"),
    [
        ([MATCH, MATCH], SUPPORTED),
        ([MATCH, UNTESTABLE], PARTLY),
        ([MATCH, MISMATCH], PARTLY),
        ([MISMATCH, UNTESTABLE], CONTRADICTED),
        ([MISMATCH], CONTRADICTED),
        ([UNTESTABLE, UNTESTABLE], NOT_TESTABLE),
    ],
)
def test_verdict_rules(statuses: list[str], verdict: str) -> None:
    assert claims.verdict_of([Part("p", status, "") for status in statuses]) == verdict


def test_own_source_is_recognised_across_url_variants() -> None:
    assert claims.same_source("https://www.hsj.co.uk/a/1.article", "http://hsj.co.uk/a/1.article/")
    assert claims.same_source("https://x.org/a?ref=b", "https://x.org/a")
    assert not claims.same_source("https://x.org/a", "https://x.org/b")


def test_amount_tolerance_is_relative_to_the_data() -> None:
    assert claims.amount_matches(750, 720, Rules(about_tolerance_pct=10))
    assert not claims.amount_matches(750, 650, Rules(about_tolerance_pct=10))


def test_check_all_refuses_a_claim_without_a_check() -> None:
    table = pd.DataFrame({"claim_id": ["C99"]})
    with pytest.raises(DataError, match="no check function for claim"):
        claims.check_all(table, inputs(), RULES)


# ---------------------------------------------------------------------------------------------
# one fixture per claim check

FACTS_2425 = [
    ("2024/25", claims.FACT_DEFICIT_PLANS_2425, 31, "final plans", OTHER_URL),
    ("2024/25", claims.FACT_PLANNED_DEFICIT_2425, 2200, "final plans", OTHER_URL),
]
C06 = claim("C06", {"deficit_plans": 31, "systems_total": 42, "planned_deficit_gbp_m": 2200})


def test_c06_supported_by_an_independent_source() -> None:
    check = claims.check_c06(C06, inputs(national_facts=facts_frame(FACTS_2425)), RULES)
    assert check.verdict == SUPPORTED


def test_c06_contradicted_when_every_figure_differs() -> None:
    rows = [(y, f, v / 2, a, u) for y, f, v, a, u in FACTS_2425]
    check = claims.check_c06(C06, inputs(national_facts=facts_frame(rows)), RULES)
    assert check.verdict == CONTRADICTED
    assert "claimed 31; independent sources: 15.5" in check.evidence


def test_c06_not_testable_against_its_own_source() -> None:
    rows = [(y, f, v, a, CLAIM_URL) for y, f, v, a, _ in FACTS_2425]
    check = claims.check_c06(C06, inputs(national_facts=facts_frame(rows)), RULES)
    assert check.verdict == NOT_TESTABLE


def test_c01_counts_systems_with_draft_deficits_above_the_threshold() -> None:
    positions = pd.DataFrame(
        {
            "icb_code": ["QAA", "QAA", "QBB", "QCC", "QDD"],
            "system_name": ["A", "A", "B", "C", "D"],
            "financial_year": "2022/23",
            "measure": "plan_draft",
            "scope": "system",
            "value_gbp_m": [-150.0, -90.0, -120.0, -100.0, -300.0],
            "source_url": OTHER_URL,
            "source_line": range(5),
        }
    )
    c01 = claim("C01", {"initial_deficit_above_gbp_m": 100})
    check = claims.check_c01(c01, inputs(finance_positions=positions), Rules(several_min=3))
    assert check.numbers["n_drafts_above_threshold"] == 3  # A (deepest draft), B, D; not C
    assert check.verdict == PARTLY  # the break-even expectation cannot be tested
    fewer = claims.check_c01(c01, inputs(finance_positions=positions), Rules(several_min=4))
    assert fewer.verdict == CONTRADICTED


def test_c02_rise_is_bounded_below_by_overspending_systems() -> None:
    rows = [
        ("2022/23", claims.FACT_DEFICIT_PLANS_2223, 5, "final plans", OTHER_URL),
        ("2022/23", claims.FACT_OVERSPENT_2223, 16, "year-end", OTHER_URL),
    ]
    facts = inputs(national_facts=facts_frame(rows))
    nine = claims.check_c02(claim("C02", {"deficit_plans": 5, "rise": 9}), facts, RULES)
    assert nine.verdict == PARTLY and nine.numbers["rise_min"] == 11
    eleven = claims.check_c02(claim("C02", {"deficit_plans": 5, "rise": 11}), facts, RULES)
    assert eleven.verdict == SUPPORTED


def test_c03_matches_the_count_of_systems_off_plan() -> None:
    rows = [("2022/23", claims.FACT_OVERSPENT_2223, 16, "year-end", OTHER_URL)]
    check = claims.check_c03(
        claim("C03", {"icbs_failed": 16, "icbs_total": 42}),
        inputs(national_facts=facts_frame(rows)),
        RULES,
    )
    assert check.verdict == SUPPORTED


def test_c04_mixes_a_wrong_count_with_matching_amounts() -> None:
    rows = [
        ("2023/24", claims.FACT_DEFICIT_PLANS_2324[0], 14, "final plans", OTHER_URL),
        ("2023/24", claims.FACT_DEFICIT_PLANS_2324[1], 15, "plans", CLAIM_URL),  # own: left out
        ("2023/24", claims.FACT_PLANNED_DEFICIT_2324[0], 720, "plans", OTHER_URL),
        ("2023/24", claims.FACT_REVISED_PLANS_2324, 3000, "April", OTHER_URL),
    ]
    c04 = claim(
        "C04", {"deficit_plans": 15, "planned_deficit_gbp_m": 750, "revised_plans_gbp_m": 3000}
    )
    check = claims.check_c04(c04, inputs(national_facts=facts_frame(rows)), RULES)
    assert [part.status for part in check.parts] == [MISMATCH, MATCH, MATCH]
    assert check.verdict == PARTLY


def test_c05_not_testable_without_in_year_or_outturn_figures() -> None:
    c05 = claim("C05", {"ytd_m2_gbp_m": 340, "annual_deficit_gbp_m": 2750})
    assert claims.check_c05(c05, inputs(), RULES).verdict == NOT_TESTABLE


def test_c05_compares_the_annual_figure_with_the_underlying_deficit() -> None:
    rows = [
        ("2023/24", claims.FACT_OUTTURN_2324, 1400, "year-end", OTHER_URL),
        ("2023/24", claims.FACT_EXTRA_FUNDING_2324, 1200, "M10", OTHER_URL),
    ]
    c05 = claim("C05", {"ytd_m2_gbp_m": 340, "annual_deficit_gbp_m": 2750})
    check = claims.check_c05(c05, inputs(national_facts=facts_frame(rows)), RULES)
    assert check.numbers["underlying_deficit_gbp_m"] == 2600
    assert check.verdict == PARTLY


def test_c07_smallest_system_and_share_of_allocation() -> None:
    panel = pd.DataFrame(
        {
            "icb_code": ["QOC", "QAA", "QBB"],
            "financial_year": "2024/25",
            "population": [0.5e6, 1e6, 2e6],
            "core_allocation_gbp_m": [800.0, 1500.0, 3000.0],
        }
    )
    lookup = pd.DataFrame({"icb_code": ["QOC", "QAA", "QBB"], "icb_name": ["S", "A", "B"]})
    c07 = claim(
        "C07",
        {
            "total_debt_gbp_m": 4000,
            "systems_repaying": 30,
            "systems_over_200m": 10,
            "system_debt_gbp_m": 300,
            "share_of_allocation_above_pct": 33.3,
        },
    )
    check = claims.check_c07(c07, inputs(icb_year=panel, icb_lookup=lookup), RULES)
    assert check.numbers["smallest_icb"] == "QOC"
    assert check.numbers["debt_share_allocation_pct"] == 37.5
    assert check.verdict == PARTLY  # the debt figures themselves are not testable here
    larger = panel.assign(
        population=[3e6, 1e6, 2e6], core_allocation_gbp_m=[1000.0, 1500.0, 3000.0]
    )
    check = claims.check_c07(c07, inputs(icb_year=larger, icb_lookup=lookup), RULES)
    assert check.verdict == CONTRADICTED


def test_c08_tests_the_achieved_share_and_flags_missing_4h_data() -> None:
    ae = pd.DataFrame(
        {
            "month": ["2024-03"],
            "attendances": [1000.0],
            "over_4h": [257.0],
            "n_icbs": [42],
            "pct_within_4h": [74.3],
            "n_trusts_without_4h": [0],
        }
    )
    c08 = claim("C08", {"target_pct": 76, "achieved_pct": 74.2})
    check = claims.check_c08(c08, inputs(ae_england=ae), RULES)
    assert [part.status for part in check.parts] == [UNTESTABLE, MATCH, MATCH]
    assert check.numbers["gap_to_target_pp"] == 1.7
    flagged = claims.check_c08(c08, inputs(ae_england=ae.assign(n_trusts_without_4h=14)), RULES)
    assert "14 trust(s) reported no 4-hour breaches" in flagged.evidence
    off = claims.check_c08(c08, inputs(ae_england=ae.assign(pct_within_4h=80.0)), RULES)
    assert off.verdict == CONTRADICTED


def test_c09a_not_testable_from_its_own_source_alone() -> None:
    rows = [(claims.LEAD_ALL_WHITE_BOARD + ") ...", 1, "2021", CLAIM_URL)]
    c09a = claim(
        "C09a",
        {
            "all_white_boards": 1,
            "workforce_ethnic_minority_pct": 21,
            "most_diverse_workforce_pct": 52,
        },
    )
    check = claims.check_c09a(c09a, inputs(leadership_facts=leadership_frame(rows)), RULES)
    assert check.verdict == NOT_TESTABLE
    assert "claim's own source" in check.evidence


def test_c09b_reads_the_2019_count_of_chairs() -> None:
    fact = claims.LEAD_BME_CHAIRS_2020 + " (three named); up from one in summer 2019"
    rows = [(fact, 3, "2020", OTHER_URL)]
    c09b = claim("C09b", {"ethnic_minority_chairs_and_leads": 1})
    check = claims.check_c09b(c09b, inputs(leadership_facts=leadership_frame(rows)), RULES)
    assert check.numbers["bme_chairs_2019"] == 1
    assert check.verdict == PARTLY


def test_c10_compares_system_and_trust_leader_turnover() -> None:
    rows = [
        (claims.LEAD_TWO_LEADS, 29, "2019", CLAIM_URL),
        (claims.LEAD_STABLE_SIX_MONTHS + " (x)", 74, "2020", OTHER_URL),
        (claims.LEAD_TRUST_CEO_TENURE, 3, "2018", OTHER_URL),
    ]
    c10 = claim("C10", {"systems_two_leads": 29, "systems_total": 42, "share_pct": 70})
    check = claims.check_c10(c10, inputs(leadership_facts=leadership_frame(rows)), RULES)
    assert check.numbers == {"system_change_pct_a_year": 45.0, "trust_ceo_change_pct_a_year": 21.0}
    assert check.verdict == PARTLY


def test_england_ae_is_attendance_weighted_and_counts_trusts_without_4h_data() -> None:
    ae_icb = pd.DataFrame(
        {
            "icb22_code": ["E1", "E2"],
            "date": pd.to_datetime(["2024-03-01", "2024-03-01"]),
            "total_attendances": [100.0, 300.0],
            "attendances_over_4hours": [50.0, 30.0],
        }
    )
    ae_trust = pd.DataFrame(
        {
            "nhs_trust22_code": ["R1", "R2"],
            "date": pd.to_datetime(["2024-03-01", "2024-03-01"]),
            "attendances_over_4hours": [float("nan"), 3.0],
        }
    )
    table = claims.england_ae_by_month(ae_icb, ae_trust)
    assert table["pct_within_4h"].iloc[0] == pytest.approx(80.0)  # 1 - 80/400, not mean of 50, 90
    assert table["n_trusts_without_4h"].iloc[0] == 1


def test_report_numbers_are_prefixed_snake_case() -> None:
    check = claims.check_c06(C06, inputs(national_facts=facts_frame(FACTS_2425)), RULES)
    numbers = claims.report_numbers([check])
    assert numbers["claims_n_supported"] == 1 and numbers["claims_c06_verdict"] == SUPPORTED
    assert all(re.match(r"^claims_[a-z0-9_]+$", key) for key in numbers)


# ---------------------------------------------------------------------------------------------
# real data


@pytest.mark.realdata
def test_claims_on_the_committed_tables() -> None:
    checks = {
        check.claim_id: check
        for check in claims.check_all(claims.load_claims(), claims.load_inputs(), RULES)
    }
    assert checks["C07"].numbers["smallest_icb"] == "QOC"
    assert 30 < checks["C07"].numbers["debt_share_allocation_pct"] < 33.3
    assert 73.5 < checks["C08"].numbers["england_pct"] < 75.0
    assert checks["C06"].verdict == SUPPORTED
    assert {check.verdict for check in checks.values()} <= set(claims.VERDICTS)
