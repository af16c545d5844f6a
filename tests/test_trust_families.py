"""Trust-level families (Holm primary, one BH exploratory family), the RAAC list and its
comparison, and the generated words on deprivation and staff engagement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import inference, trust_models
from helpers.errors import DataError
from helpers.panel import trust_raac


def tidy(
    outcome: str, terms: list[str], p_values: list[float], family: str | None = None
) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "outcome": outcome,
            "term": terms,
            "estimate": [0.5] * len(terms),
            "conf_low": [0.1] * len(terms),
            "conf_high": [0.9] * len(terms),
            "p_value": p_values,
        }
    )
    if family is not None:
        table["family"] = family
    return table


def test_primary_keeps_holm_and_every_other_test_shares_one_bh_family() -> None:
    main = tidy(
        "planned_position_pct", ["rc_cost_gap_pct", "ae_4h_pct", "log_income"], [0.01, 0.04, 0.001]
    )
    main["family"] = ["primary", "primary", "exploratory"]
    main["p_holm"] = [0.02, 0.04, np.nan]
    other = tidy("operating_margin_pct", ["rc_cost_gap_pct", "ae_4h_pct"], [0.02, 0.5])
    table = trust_models.families({"main": main, "added driver": other}, alpha=0.05, power=0.8)
    primary = table[table["family"] == "primary"]
    assert primary["p_adjusted"].tolist() == pytest.approx([0.02, 0.04])
    exploratory = table[table["family"] == "exploratory"]
    assert len(exploratory) == 3  # the control and both tests of the other analysis
    expected = inference.benjamini_hochberg([0.001, 0.02, 0.5])
    assert exploratory["p_adjusted"].tolist() == pytest.approx(list(expected))
    for row in table.itertuples():
        distinguishable = "distinguishable from zero after correction" in row.sentence
        assert distinguishable == (row.p_adjusted < 0.05), row.sentence
    numbers = trust_models.family_numbers(table, 0.05)
    assert numbers["trust_primary_n_tests"] == 2
    assert numbers["trust_primary_n_distinguishable"] == 2
    assert numbers["trust_exploratory_n_tests"] == 3


def test_comparison_without_a_group_flags_sign_and_verdict_changes() -> None:
    base = pd.DataFrame(
        {
            "outcome": ["o", "o"],
            "term": ["a", "b"],
            "family": ["primary", "primary"],
            "estimate": [-1.5, 0.2],
            "p_value": [0.001, 0.6],
            "p_holm": [0.002, 0.6],
            "n_obs": [100, 100],
        }
    )
    without = base.assign(
        estimate=[-0.7, -0.1], p_value=[0.06, 0.7], p_holm=[0.12, 0.7], n_obs=[95, 95]
    )
    compared = trust_models.compare_without(base, without, 0.05).set_index("term")
    assert bool(compared.loc["a", "verdict_changes"]) and not bool(
        compared.loc["a", "sign_changes"]
    )
    assert bool(compared.loc["b", "sign_changes"]) and not bool(
        compared.loc["b", "verdict_changes"]
    )
    raac = pd.DataFrame({"trust_code": ["RAA", "RBB"]})
    numbers = trust_models.raac_numbers(compared.reset_index(), raac, 0.05)
    assert numbers["trust_raac_n_primary_all"] == 1
    assert numbers["trust_raac_n_primary_without"] == 0
    assert "Without the 2 trusts" in numbers["trust_raac_sentence"]
    assert "p = 0.001 with them; −0.70, p = 0.060 without" in numbers["trust_raac_sentence"]


def test_deprivation_words_follow_the_signs() -> None:
    trust_row = pd.Series({"estimate": -0.2, "conf_low": -1.0, "conf_high": 0.6, "p_adjusted": 0.9})
    system_row = pd.Series({"estimate": 0.58, "p_adjusted": 0.11})
    text = trust_models.describe_deprivation(trust_row, system_row, "plan", 0.05)
    assert "disagree in sign" in text and "matches the Nuffield Trust" in text
    assert "Neither estimate is distinguishable" in text
    positive = pd.Series({**trust_row.to_dict(), "estimate": 0.3})
    same = trust_models.describe_deprivation(positive, system_row, "plan", 0.05)
    assert "agree in sign" in same and "does not match the Nuffield Trust" in same


def test_deprivation_is_not_compared_when_a_level_does_not_declare_it() -> None:
    """A student who swaps deprivation out of notebook 03's declared drivers gets a sentence
    saying so, not a failed build."""
    drivers = pd.DataFrame(
        {"driver": ["rural_share", "imd_score"], "family": ["declared", "candidate"]}
    )
    assert trust_models.system_deprivation(drivers) is None
    coefficients = pd.DataFrame({"term": ["imd_score"], "outcome": ["plan"], "estimate": [-0.2]})
    trust_row = trust_models.trust_deprivation(coefficients, "plan")
    assert trust_row is not None and trust_row["estimate"] == -0.2
    assert trust_models.trust_deprivation(coefficients, "margin") is None
    text = trust_models.describe_deprivation(trust_row, None, "plan", 0.05)
    assert text == (
        "Deprivation is not among the declared drivers at system level (params.yaml), so the "
        "trust-level and system-level associations are not compared."
    )
    both = trust_models.describe_deprivation(None, None, "plan", 0.05)
    assert "at trust and system level" in both


def test_engagement_words_carry_the_reverse_causation_caveat() -> None:
    added = tidy("planned_position_pct", ["staff_engagement", "share_65plus"], [0.008, 0.3])
    text = trust_models.describe_engagement(added, 0.05)
    assert "nominally significant at 0.05 on 1" in text
    assert "p = 0.008" in text
    assert "causation may run the other way" in text
    assert trust_models.describe_engagement(added[added["term"] != "staff_engagement"], 0.05) == ""
    corrected = trust_models.describe_engagement(added.assign(p_adjusted=0.111), 0.05)
    assert "unadjusted p = 0.008, exploratory q = 0.11)" in corrected  # the one p format


def test_raac_list_is_cited_and_names_the_referees_hospitals() -> None:
    raac = trust_raac.load_raac_trusts()
    assert len(raac) == 7
    assert {"RCX", "RCF"} <= set(raac["trust_code"])  # King's Lynn, Airedale
    assert (raac["source_url"].str.startswith("https://")).all()


def test_raac_list_rejects_repeated_codes_and_unknown_trusts(tmp_path: Path) -> None:
    text = trust_raac.RAAC_FILE.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "raac_trusts.csv"
    repeated = text[1].replace("Airedale General Hospital", "Airedale second row")
    path.write_text("\n".join([*text, repeated]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="listed more than once"):
        trust_raac.load_raac_trusts(path)
    panel = pd.DataFrame({"trust_code": ["RCX"]})
    with pytest.raises(DataError, match="not in the trust panel"):
        trust_raac.without_raac(panel, trust_raac.load_raac_trusts())
