"""The claims engine: comparators, statuses, verdicts, time window, independence, each
derivation, and bad input in claim_parts.csv named by CSV line and field."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from helpers.analysis import claims
from helpers.analysis.claims import (
    CONTRADICTED,
    INCONCLUSIVE,
    MATCH,
    MISMATCH,
    NOT_TESTABLE,
    PARTLY_CONTRADICTED,
    PARTLY_SUPPORTED,
    SUPPORTED,
    UNTESTABLE,
    ClaimContext,
    ClaimInputs,
    Evidence,
    Rules,
)
from helpers.data import curated
from helpers.errors import DataError

CLAIM_URL = "https://press.example/claim"
ORIGINAL = "Board paper, May 2023"
CLAIM = ClaimContext("C99", "2023-06", CLAIM_URL, ORIGINAL)
RULES = Rules(about_tolerance_pct=10, pct_point_tolerance=0.5)


def fact(
    fact_id: str,
    value: float,
    unit: str = "£m",
    *,
    as_at_date: str = "2023-05",
    original: str = "https://other.example/a",
    url: str = "https://other.example/a",
    precision: str = "exact",
) -> dict[str, object]:
    return {
        "fact_id": fact_id,
        "table": "ics_finance_national.csv",
        "text": f"fact {fact_id}",
        "period": "2023/24",
        "value": value,
        "unit": unit,
        "precision": precision,
        "as_at_date": as_at_date,
        "source_publisher": "Pub",
        "source_title": "Title",
        "source_date": "2023",
        "source_url": url,
        "original_source": original,
        "source_line": 2,
    }


def facts_frame(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=curated.FACT_COLUMNS)


def part(**fields: str) -> pd.Series:
    base = dict.fromkeys(curated.CLAIM_PART_COLUMNS, "")
    base |= {"claim_id": "C99", "part": "a", "statement": "a part", "kind": "amount"}
    base |= {"claimed_value": "100", "unit": "£m", "comparator": "within", "source_line": 2}
    return pd.Series(base | fields)


# --- comparators: each piece of evidence against the claim ---------------------------------------


def point(value: float) -> Evidence:
    return Evidence(value, value, "x")


@pytest.mark.parametrize(
    ("comparator", "evidence", "claimed", "tolerance", "kind", "expected"),
    [
        ("equal", point(14), 14, 0, "count", MATCH),
        ("equal", point(14), 15, 0, "count", MISMATCH),
        ("within", point(720), 750, 10, "amount", MATCH),  # 10% of 750 = 75
        ("within", point(650), 750, 10, "amount", MISMATCH),
        ("within", point(74.3), 74.2, 0.5, "percentage", MATCH),  # points, not per cent
        ("within", point(73.0), 74.2, 0.5, "percentage", MISMATCH),
        ("at_least", point(8), 3, 0, "count", MATCH),
        ("at_least", point(2), 3, 0, "count", MISMATCH),
        ("at_most", point(1), 1, 0, "count", MATCH),
        ("at_most", point(2), 1, 0, "count", MISMATCH),
        ("more_than", point(31.9), 33.33, 0, "share", MISMATCH),
        ("more_than", point(33.33), 33.33, 0, "share", MISMATCH),  # strictly more
        ("more_than", point(2.25), 2, 0, "ratio", MATCH),
        ("less_than", point(74.3), 76, 0, "percentage", MATCH),
        ("less_than", point(76), 76, 0, "percentage", MISMATCH),
    ],
)
def test_each_comparator(
    comparator: str, evidence: Evidence, claimed: float, tolerance: float, kind: str, expected: str
) -> None:
    assert claims.judge(evidence, comparator, claimed, tolerance, kind) == expected


def test_a_range_inside_matches_straddling_is_inconclusive_outside_fails() -> None:
    assert claims.judge(Evidence(16, 21, "x"), "at_least", 16, 0, "count") == MATCH
    assert claims.judge(Evidence(16, 21, "x"), "equal", 16, 0, "count") == INCONCLUSIVE
    assert claims.judge(Evidence(16, 21, "x"), "equal", 9, 0, "count") == MISMATCH
    assert claims.judge(Evidence(1000, math.inf, "x"), "within", 1300, 10, "amount") == INCONCLUSIVE


def test_unknown_comparator_is_an_error() -> None:
    with pytest.raises(DataError, match="roughly"):
        claims.judge(point(1), "roughly", 1, 0, "count")


def test_blank_tolerance_takes_the_default_for_the_kind() -> None:
    assert claims.tolerance_of(part(kind="amount"), RULES) == 10
    assert claims.tolerance_of(part(kind="share"), RULES) == 0.5
    assert claims.tolerance_of(part(kind="count"), RULES) == 0
    assert claims.tolerance_of(part(kind="share", tolerance="0.05"), RULES) == 0.05


# --- statuses and verdicts ------------------------------------------------------------------------


def test_sources_must_agree_for_a_match() -> None:
    assert claims.combine([MATCH, MATCH]) == MATCH
    assert claims.combine([MISMATCH, MISMATCH]) == MISMATCH
    assert claims.combine([MATCH, MISMATCH]) == INCONCLUSIVE
    assert claims.combine([]) == UNTESTABLE


@pytest.mark.parametrize(
    ("statuses", "verdict"),
    [
        ([MATCH, MATCH], SUPPORTED),
        ([MATCH, UNTESTABLE], PARTLY_SUPPORTED),
        ([MATCH, INCONCLUSIVE], PARTLY_SUPPORTED),
        ([MATCH, MISMATCH, UNTESTABLE], PARTLY_CONTRADICTED),
        ([MISMATCH, UNTESTABLE], CONTRADICTED),
        ([MISMATCH, MISMATCH], CONTRADICTED),
        ([UNTESTABLE, INCONCLUSIVE], NOT_TESTABLE),
    ],
)
def test_each_verdict(statuses: list[str], verdict: str) -> None:
    assert claims.verdict_of(statuses) == verdict


def test_several_sources_are_all_reported_and_must_agree() -> None:
    inputs = ClaimInputs(facts=facts_frame(fact("f_hsj", 650), fact("f_nao", 720)))
    result = claims.evaluate_part(
        part(evidence_facts="f_hsj f_nao", claimed_value="750"), CLAIM, inputs, RULES
    )
    assert result.status == INCONCLUSIVE
    assert "independent sources disagree" in result.evidence
    assert "£650m" in result.evidence and "£720m" in result.evidence


# --- independence and the time window ------------------------------------------------------------


def test_facts_tracing_to_the_claims_own_source_are_left_out() -> None:
    own = fact("f_own", 100, original=ORIGINAL.upper())  # same document, other spelling
    own_page = fact("f_page", 100, url=CLAIM_URL + "/", original="https://other.example/b")
    other = fact("f_other", 105)
    inputs = ClaimInputs(facts=facts_frame(own, own_page, other))
    result = claims.evaluate_part(part(evidence_facts="f_own f_page f_other"), CLAIM, inputs, RULES)
    assert result.status == MATCH
    assert result.evidence.count("traces to the claim's own source") == 2
    only_own = claims.evaluate_part(part(evidence_facts="f_own"), CLAIM, inputs, RULES)
    assert only_own.status == UNTESTABLE
    assert "no independent evidence" in only_own.evidence and "f_own" in only_own.evidence


def test_the_time_window_keeps_only_evidence_from_its_months() -> None:
    early, inside, late = (
        fact("f_early", 100, as_at_date="2022-11"),
        fact("f_in", 100, as_at_date="2023-04"),
        fact("f_late", 50, as_at_date="2023-08"),
    )
    inputs = ClaimInputs(facts=facts_frame(early, inside, late))
    windowed = part(
        evidence_facts="f_early f_in f_late", window_months_before="6", window_months_after="1"
    )
    result = claims.evaluate_part(windowed, CLAIM, inputs, RULES)
    assert result.status == MATCH  # f_late (a mismatch) is outside the window
    assert "f_early = £100m" in result.evidence and "outside the window" in result.evidence
    unbounded = claims.evaluate_part(
        part(evidence_facts="f_early f_in f_late"), CLAIM, inputs, RULES
    )
    assert unbounded.status == INCONCLUSIVE
    none_left = part(evidence_facts="f_late", window_months_before="0", window_months_after="0")
    assert claims.evaluate_part(none_left, CLAIM, inputs, RULES).status == UNTESTABLE


def test_months_between() -> None:
    assert claims.months_between("2022-12", "2023-01") == 1
    assert claims.months_between("2023-06", "2022-12") == -6


def test_policy_parts_are_not_tested_and_say_why() -> None:
    result = claims.evaluate_part(
        part(kind="policy", untestable_reason="a target, not a figure"),
        CLAIM,
        ClaimInputs(facts=facts_frame()),
        RULES,
    )
    assert (result.status, result.evidence) == (UNTESTABLE, "a target, not a figure")


def test_a_lower_bound_fact_is_an_open_range() -> None:
    evidence = claims.fact_evidence(pd.Series(fact("f", 1000, precision="lower_bound")))
    assert (evidence.low, evidence.high) == (1000, math.inf)


# --- derivations, each on its own fixture ---------------------------------------------------------


def icb_year(total: bool = True) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "icb_code": ["QAA", "QBB", "QOC"],
            "financial_year": ["2024/25"] * 3,
            "core_allocation_gbp_m": [2000.0, 1500.0, 900.0],
            "population": [3e6, 2e6, 0.5e6],
        }
    )
    return frame.assign(total_allocation_gbp_m=[2400.0, 1800.0, 1200.0]) if total else frame


def derive(name: str, inputs: ClaimInputs, **args: str) -> list[Evidence]:
    spec = claims.DERIVATIONS[name]
    facts = inputs.facts.set_index("fact_id", drop=False)
    rows = {
        arg: [facts.loc[i] for i in args.pop(arg).split()]
        for arg in spec.fact_arguments
        if arg in args
    }
    return spec.function(inputs, CLAIM, rows, args)


def test_share_of_allocation_core_and_wider() -> None:
    inputs = ClaimInputs(facts=facts_frame(fact("debt", 300)), icb_year=icb_year())
    core = derive(
        "share_of_allocation", inputs, amount="debt", icb="QOC", year="2024/25", allocation="core"
    )
    wider = derive(
        "share_of_allocation", inputs, amount="debt", icb="QOC", year="2024/25", allocation="total"
    )
    assert core[0].low == pytest.approx(100 * 300 / 900)
    assert wider[0].low == pytest.approx(25.0)
    assert "wider allocation" in wider[0].label


def test_share_of_allocation_without_the_wider_column_is_not_testable() -> None:
    inputs = ClaimInputs(facts=facts_frame(fact("debt", 300)), icb_year=icb_year(total=False))
    with pytest.raises(claims.NotTestable, match="total_allocation_gbp_m"):
        derive(
            "share_of_allocation",
            inputs,
            amount="debt",
            icb="QOC",
            year="2024/25",
            allocation="total",
        )


def test_england_share_of_allocation_scales_to_the_months() -> None:
    frame = pd.concat([icb_year()] * 14, ignore_index=True)  # 42 rows
    inputs = ClaimInputs(facts=facts_frame(fact("over", 237)), icb_year=frame)
    total = frame["core_allocation_gbp_m"].sum()
    whole = derive(
        "england_share_of_allocation", inputs, amount="over", year="2024/25", allocation="core"
    )
    two = derive(
        "england_share_of_allocation",
        inputs,
        amount="over",
        year="2024/25",
        allocation="core",
        months="2",
    )
    assert whole[0].low == pytest.approx(100 * 237 / total)
    assert two[0].low == pytest.approx(6 * whole[0].low)
    with pytest.raises(claims.NotTestable, match="covers 3 of 42"):
        derive(
            "england_share_of_allocation",
            ClaimInputs(facts=inputs.facts, icb_year=icb_year()),
            amount="over",
            year="2024/25",
            allocation="core",
        )


# --- issue 19.8: a part can only fail on the source's own denominator or definition -----------


@pytest.mark.parametrize(
    ("claim_definition", "evidence_definition", "status", "expected"),
    [
        ("", "", MISMATCH, MISMATCH),  # nothing declared: judged as before
        ("core_allocation", "core_allocation", MISMATCH, MISMATCH),  # same denominator
        ("source_total_allocation", "core_allocation", MISMATCH, UNTESTABLE),
        ("unstated_allocation", "wider_allocation", MATCH, UNTESTABLE),  # nor can it match
        ("combined_deficit", "ambiguous", MATCH, INCONCLUSIVE),
        ("combined_deficit", "ambiguous", MISMATCH, INCONCLUSIVE),
        ("combined_deficit", "ambiguous", UNTESTABLE, UNTESTABLE),
    ],
)
def test_definition_rule(
    claim_definition: str, evidence_definition: str, status: str, expected: str
) -> None:
    new_status, reason = claims.definition_rule(status, claim_definition, evidence_definition)
    assert new_status == expected
    assert (reason == "") == (new_status == status)


def share_part(claim_definition: str, allocation: str = "core") -> pd.Series:
    """7.1% claimed; the fixture's 42 ICBs make £11,000m 8.9% of core allocation."""
    return part(
        kind="share",
        claimed_value="7.1",
        unit="%",
        tolerance="0.05",
        derivation="england_share_of_allocation",
        arguments=f"amount=eff; year=2024/25; allocation={allocation}",
        claim_definition=claim_definition,
    )


def test_a_part_whose_evidence_has_another_denominator_cannot_be_contradicted() -> None:
    frame = pd.concat([icb_year()] * 14, ignore_index=True)  # 42 ICBs, core total £61,600m
    facts = facts_frame(fact("eff", 5500, url=CLAIM_URL, original=ORIGINAL))
    inputs = ClaimInputs(facts=facts, icb_year=frame)
    same = claims.evaluate_part(share_part("core_allocation"), CLAIM, inputs, RULES)
    assert same.status == MISMATCH  # the source divided by the same allocation: it fails
    other = claims.evaluate_part(share_part("source_total_allocation"), CLAIM, inputs, RULES)
    assert other.status == UNTESTABLE
    assert other.evidence.startswith("not testable on the source's own terms")
    assert "8.93% of the 42 ICBs' 2024/25 core allocation" in other.evidence  # for information
    wider = claims.evaluate_part(share_part("unstated_allocation", "total"), CLAIM, inputs, RULES)
    assert wider.status == UNTESTABLE and "wider allocation the data hold" in wider.evidence


def test_ambiguous_evidence_is_inconclusive_not_a_match() -> None:
    facts = facts_frame(fact("over", 534), fact("plan", 100))
    combined = part(
        claimed_value="621",
        derivation="sum_of_facts",
        arguments="facts=over plan",
        claim_definition="combined_deficit",
    )
    inputs = ClaimInputs(facts=facts)
    assert claims.evaluate_part(combined, CLAIM, inputs, RULES).status == MATCH
    ambiguous = combined.copy()
    ambiguous["evidence_definition"] = "ambiguous"
    result = claims.evaluate_part(ambiguous, CLAIM, inputs, RULES)
    assert result.status == INCONCLUSIVE and "more than one reading" in result.evidence


def test_a_share_of_allocation_must_say_what_the_source_divided_by() -> None:
    facts = facts_frame(fact("eff", 1))
    with pytest.raises(DataError, match=r"line 2, field 'claim_definition': england_share"):
        claims.check_references(pd.DataFrame([share_part("")]), facts, Path("claim_parts.csv"))
    clash = share_part("core_allocation")
    clash["evidence_definition"] = "wider_allocation"
    with pytest.raises(DataError, match=r"field 'evidence_definition': 'wider_allocation' but"):
        claims.check_references(pd.DataFrame([clash]), facts, Path("claim_parts.csv"))


def test_population_rank() -> None:
    inputs = ClaimInputs(facts=facts_frame(), icb_year=icb_year())
    assert derive("population_rank", inputs, icb="QOC", year="2024/25")[0].low == 1
    assert (
        derive("population_rank", inputs, icb="QOC", year="2024/25", order="descending")[0].low == 3
    )


def test_count_positions_is_a_range_over_uncovered_systems_and_skips_the_claims_source() -> None:
    positions = pd.DataFrame(
        {
            "icb_code": ["QAA", "QAA", "QBB", "QOC", "QOC"],
            "financial_year": ["2022/23"] * 5,
            "measure": ["plan_draft"] * 5,
            "scope": ["system"] * 5,
            "value_gbp_m": [-150.0, -50.0, -120.0, -200.0, 10.0],
            "source_url": ["https://a", "https://a", "https://b", CLAIM_URL, "https://c"],
            "source_line": [2, 3, 4, 5, 6],
        }
    )
    inputs = ClaimInputs(facts=facts_frame(), finance_positions=positions)
    deepest = derive(
        "count_positions",
        inputs,
        year="2022/23",
        measure="plan_draft",
        below="-100",
        pick="deepest",
    )
    latest = derive("count_positions", inputs, year="2022/23", measure="plan_draft", below="-100")
    assert (deepest[0].low, deepest[0].high) == (
        2,
        41,
    )  # QAA and QBB; QOC's -200 is the claim's own
    assert (latest[0].low, latest[0].high) == (1, 40)  # QAA's latest is -50


def test_england_ae_4h_from_icb_and_trust_rows() -> None:
    month = pd.Timestamp("2024-03-01")
    ae_icb = pd.DataFrame(
        {
            "icb22_code": ["QAA", "QBB"],
            "date": [month, month],
            "total_attendances": [1000.0, 1000.0],
            "attendances_over_4hours": [200.0, 300.0],
        }
    )
    ae_trust = pd.DataFrame(
        {
            "nhs_trust22_code": ["R1", "R2", "R3"],
            "date": [month] * 3,
            "total_attendances": [900.0, 900.0, 50.0],
            "attendances_over_4hours": [200.0, 250.0, None],
        }
    )
    inputs = ClaimInputs(facts=facts_frame(), ae_icb=ae_icb, ae_trust=ae_trust)
    both = derive("england_ae_4h", inputs, month="2024-03", rows="icb trust")
    assert [e.low for e in both] == pytest.approx([75.0, 75.0])
    assert "1 trusts with attendances but no 4-hour count left out" in both[1].label
    with pytest.raises(claims.NotTestable, match="2025-03"):
        derive("england_ae_4h", inputs, month="2025-03", rows="icb")


def test_sum_and_ratio_of_facts() -> None:
    inputs = ClaimInputs(
        facts=facts_frame(
            fact("plan", 100), fact("over", 534), fact("low", 50, precision="lower_bound")
        )
    )
    assert derive("sum_of_facts", inputs, facts="plan over")[0].low == 634
    assert derive("sum_of_facts", inputs, facts="plan low")[0].high == math.inf
    assert derive("ratio_of_facts", inputs, numerator="over", denominator="plan")[0].low == 5.34


def test_break_even_failures_bounds() -> None:
    inputs = ClaimInputs(facts=facts_frame(fact("o", 16, "systems"), fact("d", 5, "systems")))
    evidence = derive("break_even_failures", inputs, overspent="o", deficit_plans="d")[0]
    assert (evidence.low, evidence.high) == (16, 21)


def test_leader_change_gap() -> None:
    inputs = ClaimInputs(facts=facts_frame(fact("s", 74, "percent"), fact("t", 3, "years")))
    gap = derive("leader_change_gap", inputs, stable_share="s", median_tenure="t")[0].low
    assert gap == pytest.approx(100 * (1 - 0.74**2) - 100 * (1 - 0.5 ** (1 / 3)))


def test_a_derivation_whose_evidence_is_the_claims_own_source_is_not_run() -> None:
    inputs = ClaimInputs(
        facts=facts_frame(fact("o", 16, "systems", original=ORIGINAL), fact("d", 5, "systems"))
    )
    result = claims.evaluate_part(
        part(
            kind="count",
            claimed_value="16",
            unit="systems",
            comparator="equal",
            derivation="break_even_failures",
            arguments="overspent=o; deficit_plans=d",
        ),
        CLAIM,
        inputs,
        RULES,
    )
    assert result.status == UNTESTABLE and "o = 16 systems" in result.evidence


def test_every_registered_derivation_has_a_test_above() -> None:
    """Adding a derivation means adding its own test here, and its name to this list."""
    assert set(claims.DERIVATIONS) == {
        "count_positions",
        "population_rank",
        "share_of_allocation",
        "england_share_of_allocation",
        "england_ae_4h",
        "sum_of_facts",
        "ratio_of_facts",
        "break_even_failures",
        "leader_change_gap",
    }


# --- bad input: CSV line and field ----------------------------------------------------------------


def write_parts(tmp_path: Path, rows: list[pd.Series]) -> Path:
    path = tmp_path / "claim_parts.csv"
    pd.DataFrame(rows)[curated.CLAIM_PART_COLUMNS].to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"comparator": "roughly"}, "field 'comparator' not one of"),
        ({"claimed_value": "about 5"}, "field 'claimed_value' missing or not a number"),
        ({"kind": "vibe"}, "field 'kind' not one of"),
        ({"claim_id": "C77"}, "field 'claim_id' not in claims.csv"),
        ({"tolerance": "ten"}, "field 'tolerance' not a number"),
        ({"window_months_before": "-2"}, "field 'window_months_before' not a whole number"),
        ({"evidence_facts": ""}, "field 'evidence_facts' and derivation both empty"),
        ({"kind": "policy", "untestable_reason": ""}, "field 'untestable_reason' empty"),
    ],
)
def test_bad_part_rows_are_named_by_line_and_field(
    tmp_path: Path, fields: dict[str, str], expected: str
) -> None:
    good = part(evidence_facts="f_in")
    path = write_parts(tmp_path, [good, part(**({"part": "b", "evidence_facts": "f_in"} | fields))])
    with pytest.raises(DataError) as caught:
        curated.load_claim_parts(path, {"C99"})
    assert expected in str(caught.value) and "line(s) [3]" in str(caught.value)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"evidence_facts": "f_nope"},
            "line 2, field 'evidence_facts': unknown fact id(s) ['f_nope']",
        ),
        (
            {"evidence_facts": "", "derivation": "magic"},
            "line 2, field 'derivation': unknown derivation 'magic'",
        ),
        (
            {"evidence_facts": "", "derivation": "ratio_of_facts", "arguments": "numerator=f_in"},
            "line 2, field 'arguments': ratio_of_facts takes",
        ),
        (
            {
                "evidence_facts": "",
                "derivation": "ratio_of_facts",
                "arguments": "numerator=f_in; denominator=f_x",
            },
            "line 2, field 'arguments': unknown fact id(s) ['f_x']",
        ),
        (
            {"evidence_facts": "", "derivation": "population_rank", "arguments": "icb QOC"},
            "line 2, field 'arguments': bad argument 'icb QOC'",
        ),
        (
            {
                "evidence_facts": "",
                "derivation": "england_ae_4h",
                "arguments": "month=2024-03; rows=icb ambulance",
            },
            "line 2, field 'arguments': rows='icb ambulance' not among ['icb', 'trust']",
        ),
        (
            {
                "evidence_facts": "",
                "derivation": "count_positions",
                "arguments": "year=2022/23; measure=outturn; below=minus ten",
            },
            "line 2, field 'arguments': below='minus ten' is not a number",
        ),
        (
            {"evidence_facts": "f_undated", "window_months_before": "3"},
            "line 2, field 'window_months_before': fact(s) ['f_undated'] have no as_at_date",
        ),
    ],
)
def test_bad_references_are_named_by_line_and_field(fields: dict[str, str], expected: str) -> None:
    facts = facts_frame(fact("f_in", 1), fact("f_undated", 1, as_at_date=""))
    with pytest.raises(DataError) as caught:
        claims.check_references(pd.DataFrame([part(**fields)]), facts, Path("claim_parts.csv"))
    assert expected in str(caught.value)


def test_bad_claim_date_is_named(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    row = {column: "x" for column in curated.CLAIM_COLUMNS}
    row |= {
        "claim_id": "C01",
        "claim_date": "2023",
        "source_url": "https://example.org/claim",
        "archive_url": "",
        "source_date": "2023-07",
        "source_check": "confirmed",
    }
    pd.DataFrame([row]).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"field 'claim_date' not like '2023-07'.*line\(s\) \[2\]"):
        curated.load_claims(path)


def test_parse_arguments() -> None:
    assert claims.parse_arguments("year=2024/25; rows=icb trust") == {
        "year": "2024/25",
        "rows": "icb trust",
    }
    with pytest.raises(ValueError, match="expected key=value"):
        claims.parse_arguments("year=2024/25; year=2023/24")


# --- the committed register, end to end -----------------------------------------------------------


@pytest.mark.realdata
def test_committed_register_and_the_known_cases() -> None:
    claim_rows = curated.load_claims()
    part_rows = curated.load_claim_parts(claim_ids=set(claim_rows["claim_id"]))
    results = {
        r.claim_id: r for r in claims.check_all(claim_rows, part_rows, claims.load_inputs(), RULES)
    }
    assert len(results) >= 21
    status = {(r.claim_id, p.part): p for r in results.values() for p in r.parts}
    # C02: the rise is tested only against evidence from its own window (none is left).
    assert (
        status[("C02", "b")].status == UNTESTABLE
        and "outside the window" in status[("C02", "b")].evidence
    )
    # C03: overspending against plan is not failing to break even; the counts trace to the
    # claim's own source (NHS England's May 2023 paper), so they cannot test it.
    assert status[("C03", "a")].status == UNTESTABLE and results["C03"].verdict == NOT_TESTABLE
    # C04: HSJ's 14 against the claimed fifteen; two independent £ totals disagree.
    assert status[("C04", "a")].status == MISMATCH and status[("C04", "b")].status == INCONCLUSIVE
    assert results["C04"].verdict == PARTLY_CONTRADICTED
    # C05: a forecast is not compared with a constructed outcome.
    assert results["C05"].verdict == NOT_TESTABLE
    # C06: the "independent" source reports the same NHS England paper.
    assert status[("C06", "a")].status == UNTESTABLE and status[("C06", "c")].status == UNTESTABLE
    # C07: smallest system; "a third of its annual allocation" names no allocation the data
    # hold, so the share is computed for information and not judged (issue 19.8).
    assert status[("C07", "e")].status == MATCH and status[("C07", "f")].status == UNTESTABLE
    assert results["C07"].verdict == PARTLY_SUPPORTED
    # Issue 19.8: shares of "total allocation" / "budgets" are not testable against the ICBs'
    # core or wider allocation; the £534m may be the overspend or the whole deficit.
    for claim_id in ("C15", "C16", "C19"):
        assert results[claim_id].verdict == NOT_TESTABLE
    assert "7.1% of total allocation" in status[("C19", "b")].evidence
    assert status[("C22", "a")].status == INCONCLUSIVE
    # C18 c: a run-rate extrapolation is not a forecast outturn.
    assert status[("C18", "c")].status == UNTESTABLE
    # The rule, over the whole register: evidence on another denominator or definition never
    # matches or fails.
    for _, row in part_rows.iterrows():
        declared, evidence = row["claim_definition"], claims.evidence_definition_of(row)
        if declared and evidence and declared != evidence:
            result = status[(row["claim_id"], row["part"])]
            assert result.status in (UNTESTABLE, INCONCLUSIVE), (row["claim_id"], row["part"])
    # C08: both the ICB-row and the trust-row England figures are shown.
    assert (
        "ICB rows" in status[("C08", "c")].evidence
        and "trust rows" in status[("C08", "c")].evidence
    )
    assert status[("C08", "b")].status == MATCH


def test_the_table_for_people_leaves_fact_ids_out_of_the_evidence() -> None:
    """claim_parts_check.csv keeps each fact id for audit; the report's table shows the
    publisher and date that cite the fact, not its id."""
    evidence = (
        "5 systems (HFMA, 2023-05-19; nat_2223_systems_started_year_deficit) [matches]; "
        "left out: nat_2324_x = £100m (Pub, 2023): traces to the claim's own source"
    )
    assert claims.without_fact_ids(evidence) == (
        "5 systems (HFMA, 2023-05-19) [matches]; left out: £100m (Pub, 2023): traces to the "
        "claim's own source"
    )
    assert claims.without_fact_ids("between 16 and 21 (HSJ, 2023)") == (
        "between 16 and 21 (HSJ, 2023)"
    )
