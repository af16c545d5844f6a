"""The best-available rule and scaling of positions to allocation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.errors import DataError
from helpers.panel import finance
from helpers.panel.finance import add_share_of_allocation, as_at_month, flag_best_available


@pytest.fixture(scope="module")
def finance_panel_rows() -> pd.DataFrame:
    """The committed curated panel, validated as the pipeline reads it."""
    from helpers.panel.geography import icb_lookup_from_files
    from helpers.panel.icb_panel import load_curated_finance

    return load_curated_finance(set(icb_lookup_from_files()["icb_code"]))


COLUMNS = ["stage", "value_gbp_m", "as_at_date", "revision", "source_kind", "basis", "scope"]


def rows(
    *specs: tuple[str, float, str, int, str, str, str], source_date: str = "2024-06"
) -> pd.DataFrame:
    """Positions for one system-year: (stage, value, as_at_date, revision, kind, basis, scope)."""
    frame = pd.DataFrame(specs, columns=COLUMNS)
    frame["icb_code"] = "QHM"
    frame["financial_year"] = "2024/25"
    frame["source_date"] = source_date
    frame["source_line"] = range(2, len(frame) + 2)
    return frame


def chosen(frame: pd.DataFrame) -> list[int]:
    flagged = flag_best_available(frame)
    return flagged.loc[flagged["best_available"], "source_line"].tolist()


def test_as_at_labels_become_months() -> None:
    labels = pd.Series(["M5", "year-end (M12)", "Q3 2025/26 (NHSE)", "final plan", None, "M10"])
    months = as_at_month(labels).tolist()
    assert months[:3] == [5.0, 12.0, 9.0] and months[5] == 10.0
    assert np.isnan(months[3]) and np.isnan(months[4])


def test_outturn_beats_forecast_beats_final_plan_beats_draft() -> None:
    frame = rows(
        ("draft_plan", -9.0, "2024-03", 1, "official", "unknown", "system"),
        ("final_plan", -5.0, "2024-04", 1, "campaign", "unknown", "system"),
        ("forecast", -7.0, "2024-10", 1, "press", "unknown", "system"),
        ("outturn", -6.0, "2025-03", 1, "campaign", "unknown", "system"),
    )
    assert chosen(frame) == [5]
    assert chosen(frame.iloc[:3]) == [4]
    assert chosen(frame.iloc[:2]) == [3]


def test_then_later_month_then_revision_then_source_kind_then_basis() -> None:
    later_month = rows(
        ("forecast", -1.0, "2024-09", 1, "official", "unknown", "system"),
        ("forecast", -2.0, "2024-12", 1, "campaign", "unknown", "system"),
    )
    assert chosen(later_month) == [3]
    revised = rows(
        ("final_plan", -1.0, "2024-04", 2, "campaign", "unknown", "system"),
        ("final_plan", -2.0, "2024-04", 1, "official", "unknown", "system"),
    )
    assert chosen(revised) == [2]
    stronger_kind = rows(
        ("final_plan", -1.0, "2024-04", 1, "campaign", "unknown", "system"),
        ("final_plan", -2.0, "2024-04", 1, "official", "unknown", "system"),
        ("final_plan", -3.0, "2024-04", 1, "press", "unknown", "system"),
    )
    assert chosen(stronger_kind) == [3]
    underlying = rows(
        ("final_plan", 0.0, "2024-04", 1, "press", "after_support", "system"),
        ("final_plan", -96.0, "2024-04", 1, "press", "before_support", "system"),
    )
    assert chosen(underlying) == [3]


def test_unbreakable_tie_with_different_values_names_both_lines() -> None:
    tied = rows(
        ("final_plan", -1.0, "2024-04", 1, "press", "unknown", "system"),
        ("final_plan", -2.0, "2024-04", 1, "press", "unknown", "system"),
        ("draft_plan", -3.0, "2024-03", 1, "press", "unknown", "system"),
    )
    with pytest.raises(DataError, match=r"QHM 2024/25: lines \[2, 3\]"):
        flag_best_available(tied)


def test_same_figure_reported_twice_flags_the_later_report_not_the_file_order() -> None:
    duplicate = rows(
        ("outturn", -148.6, "2025-03", 1, "press", "unknown", "system"),
        ("outturn", -148.6, "2025-03", 1, "press", "unknown", "system"),
    )
    duplicate["source_date"] = ["2025-05-20", "2025-06"]
    assert chosen(duplicate) == [3]


def test_ytd_and_partial_scopes_are_never_best_available() -> None:
    frame = rows(
        ("ytd", -5.0, "2024-08", 1, "official", "unknown", "system"),
        ("outturn", -2.0, "2025-03", 1, "official", "unknown", "icb"),
    )
    assert chosen(frame) == []


#: Real rows of data/raw/curated/ics_finance_panel.csv that the free-text rule (before issue 8)
#: got wrong: (line, stage, value, as_at text, as_at_date, revision, kind, basis).
WRONG_BEFORE = {
    "QF7 2022/23: revised draft beats first draft (was -140 by file order)": (
        [
            (31, "draft_plan", -140.0, "early 2022 first draft", "2022-03", 1, "campaign"),
            (32, "draft_plan", -76.5, "early 2022 revised draft", "2022-03", 2, "campaign"),
        ],
        32,
    ),
    "QH8 2023/24: December forecast beats August (was -39: months as text did not parse)": (
        [
            (79, "forecast", -39.0, "Aug 2023", "2023-08", 1, "press"),
            (82, "forecast", -60.0, "Nov 2023", "2023-11", 1, "press"),
            (83, "forecast", -57.0, "Dec 2023 (agreed revised position)", "2023-12", 2, "press"),
        ],
        83,
    ),
    "QUA 2024/25: NHSE control total beats the plan it did not accept (was -119)": (
        [
            (
                158,
                "final_plan",
                -119.0,
                "system plan (not accepted by NHSE)",
                "2024-04",
                1,
                "campaign",
            ),
            (160, "final_plan", -90.0, "NHSE control total", "2024-04", 2, "campaign"),
        ],
        160,
    ),
}


@pytest.mark.parametrize("case", list(WRONG_BEFORE))
def test_structured_columns_correct_the_old_free_text_picks(case: str) -> None:
    specs, right_line = WRONG_BEFORE[case]
    frame = pd.DataFrame(
        specs,
        columns=[
            "source_line",
            "stage",
            "value_gbp_m",
            "as_at",
            "as_at_date",
            "revision",
            "source_kind",
        ],
    ).assign(
        icb_code="QXX",
        financial_year="2023/24",
        basis="unknown",
        scope="system",
        source_date="2024",
    )
    assert chosen(frame) == [right_line]


@pytest.mark.realdata
def test_committed_panel_picks_the_revised_rows(finance_panel_rows: pd.DataFrame) -> None:
    """On the committed curated panel, the three systems above get their right figures."""
    flagged = flag_best_available(finance_panel_rows)
    best = flagged[flagged["best_available"]].set_index(["icb_code", "financial_year"])
    assert best.loc[("QF7", "2022/23"), "value_gbp_m"] == -76.5
    assert best.loc[("QH8", "2023/24"), "value_gbp_m"] == -57.0
    assert best.loc[("QUA", "2024/25"), "stage"] == "forecast"
    assert best.loc[("QUA", "2024/25"), "value_gbp_m"] == -119.0
    assert best.groupby(level=[0, 1]).size().max() == 1


def test_share_of_allocation_uses_that_years_core_allocation() -> None:
    positions = pd.DataFrame(
        {
            "icb_code": ["QHM", "QHM", "QOC"],
            "financial_year": ["2023/24", "2024/25", "2024/25"],
            "value_gbp_m": [-50.0, 20.0, -10.0],
        }
    )
    funding = pd.DataFrame(
        {
            "icb_code": ["QHM", "QHM"],
            "financial_year": ["2023/24", "2024/25"],
            "core_allocation_gbp_m": [1000.0, 2000.0],
        }
    )
    result = add_share_of_allocation(positions, funding)
    assert result["value_pct_allocation"].tolist()[:2] == [-5.0, 1.0]
    assert "value_pct_total_allocation" not in result
    with_total = add_share_of_allocation(
        positions, funding.assign(total_allocation_gbp_m=[1250.0, float("nan")])
    )
    assert with_total["value_pct_total_allocation"].iloc[0] == -4.0
    assert with_total["value_pct_total_allocation"].iloc[1:].isna().all()
    assert np.isnan(result["value_pct_allocation"].iloc[2])


def test_codes_read_as_words() -> None:
    assert finance.readable("draft_plan") == "draft plan"
    assert finance.readable("deficit_support_withheld") == "deficit support withheld"
    assert finance.readable("ytd") == "year to date"
    assert finance.readable("plan") == "final plan"  # a curated measure, not a stage
    assert finance.readable("not available") == "not available"


# --- issue 19: outcome bases ------------------------------------------------------------------


def test_best_available_is_chosen_within_each_outcome_basis() -> None:
    """GM 2024/25 in miniature: a deficit plan before support, a later breakeven forecast
    after support, an unknown-basis draft. Each basis picks its own figure."""
    frame = rows(
        ("draft_plan", -300.0, "2024-03", 1, "press", "unknown", "system"),
        ("final_plan", -175.0, "2024-06", 1, "press", "before_support", "system"),
        ("forecast", 0.0, "2025-02", 1, "press", "after_support", "system"),
    )

    def pick(basis: str) -> list[int]:
        flagged = flag_best_available(frame, basis, "chosen")
        return flagged.loc[flagged["chosen"], "source_line"].tolist()

    assert pick("any") == [4]  # the mixed outcome: the £0 forecast
    assert pick("before_support") == [3]  # the primary outcome: the -£175m plan
    assert pick("after_support") == [4]
    assert pick("before_support_or_unknown") == [3]  # the final plan beats the draft
    only_unknown = frame.iloc[[0]]
    assert flag_best_available(only_unknown, "before_support", "c")["c"].sum() == 0
    with pytest.raises(ValueError, match="outcome basis 'underlying' not one of"):
        flag_best_available(frame, "underlying")


def test_rows_of_basis_admits_the_declared_bases_only() -> None:
    frame = rows(
        ("final_plan", -1.0, "2024-04", 1, "press", "before_support", "system"),
        ("final_plan", -2.0, "2024-04", 2, "press", "unknown", "system"),
        ("forecast", -3.0, "2024-10", 1, "press", "after_support", "system"),
        ("deficit_support", 4.0, "2024-10", 1, "press", "not_applicable", "system"),
    )
    kept = {
        b: finance.rows_of_basis(frame, b)["source_line"].tolist() for b in finance.OUTCOME_BASES
    }
    assert kept == {
        "before_support": [2],
        "after_support": [4],
        "before_support_or_unknown": [2, 3],
        "any": [2, 3, 4],
    }


def test_basis_audit_counts_before_and_after() -> None:
    frame = rows(
        ("final_plan", -5.0, "2024-04", 1, "press", "before_support", "system"),
        ("forecast", -7.0, "2024-10", 1, "press", "unknown", "trust"),
        ("outturn", -9.0, "2025-03", 1, "press", "before_support", "system"),
    )
    frame["basis_before_audit"] = ["unknown", "unknown", ""]  # the last row added by the audit
    frame["scope_before_audit"] = ["system", "system", ""]
    frame["basis_evidence"] = ["rule:r", "", 'quote:"x"']
    frame["scope_evidence"] = ['title:"t"', 'notes:"n"', 'title:"t"']
    audit = finance.basis_audit(frame).set_index(["rows", "dimension", "value"])
    assert audit.loc[("all rows", "basis", "unknown")].tolist() == [2, 1]
    assert audit.loc[("all rows", "basis", "before_support")].tolist() == [0, 2]
    assert audit.loc[("all rows", "scope", "trust")].tolist() == [0, 1]
    # before: the forecast (system then) was best; after: the added outturn is
    best = "best available (any basis)"
    assert audit.loc[(best, "basis", "unknown")].tolist() == [1, 0]
    assert audit.loc[(best, "basis", "before_support")].tolist() == [0, 1]
    assert audit.loc[("best available (before_support)", "basis_evidence", "quote")].tolist() == [
        0,
        1,
    ]


@pytest.mark.realdata
def test_committed_panel_outcome_by_basis(finance_panel_rows: pd.DataFrame) -> None:
    """The referee's cases: GM 2024/25 is -175 before support and 0 after; QOC 2024/25 is
    -115 before and -12 after; QOC 2023/24 has no whole-system figure after re-scoping."""

    def best(basis: str, icb: str, year: str) -> list[float]:
        flagged = flag_best_available(finance_panel_rows, basis, "chosen")
        pick = flagged[flagged["chosen"] & (flagged["icb_code"] == icb)]
        return pick.loc[pick["financial_year"] == year, "value_gbp_m"].tolist()

    assert best("before_support", "QOP", "2024/25") == [-175.0]
    assert best("after_support", "QOP", "2024/25") == [0.0]
    assert best("before_support", "QOC", "2024/25") == [-115.0]
    assert best("after_support", "QOC", "2024/25") == [-12.0]
    assert best("any", "QOC", "2023/24") == []


def test_basis_audit_numbers_give_counts_and_a_generated_sentence() -> None:
    frame = rows(
        ("final_plan", -5.0, "2024-04", 1, "press", "before_support", "system"),
        ("forecast", -7.0, "2024-10", 1, "press", "unknown", "trust"),
        ("outturn", -9.0, "2025-03", 1, "press", "before_support", "system"),
    )
    frame["basis_before_audit"] = ["unknown", "unknown", ""]
    frame["scope_before_audit"] = ["system", "system", ""]
    frame["basis_evidence"] = ["rule:r", "", 'quote:"x"']
    frame["scope_evidence"] = ['title:"t"', 'notes:"n"', 'title:"t"']
    numbers = finance.basis_audit_numbers(finance.basis_audit(frame))
    assert numbers["basis_audit_all_basis_unknown_before"] == 2
    assert numbers["basis_audit_all_basis_unknown_after"] == 1
    assert numbers["basis_audit_all_n_after"] == 3
    assert numbers["basis_audit_best_before_support_n_after"] == 1
    assert numbers["basis_audit_best_after_support_n_after"] == 0
    assert numbers["basis_audit_sentence"].startswith(
        "Before the audit 2 of 2 curated finance rows had an unknown basis; after it, 1 of 3 do"
    )
