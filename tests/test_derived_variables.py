"""The registry of derived names (roll-ups, legacy-loan measures, national explanations) and the
briefing's words in the trust registry: one home each, checked with errors naming file and line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.analysis import trust_legacy, trust_models
from helpers.errors import DataError
from helpers.panel import derived_variables, trust_registry, variables
from helpers.paths import ROOT


def test_every_rollup_of_the_parameters_and_every_legacy_measure_has_a_row() -> None:
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    rollups = params["notebooks"]["06_build_trust_panel"]["rollups"]
    table = derived_variables.registry()
    assert set(table.index[table["kind"] == "rollup"]) == set(rollups)
    assert set(table.index[table["kind"] == "legacy"]) == {
        trust_legacy.SHARE,
        trust_legacy.ANY,
        trust_legacy.SYSTEM_SHARE,
    }
    assert derived_variables.names_of_kind("national") == ["inflation", "strikes", "agency_pay"]


def test_labels_are_the_ones_the_code_used_to_hold() -> None:
    assert trust_models.rollup_label("operating_margin_2024_25") == (
        "system trust-sector operating margin 2024/25"
    )
    assert trust_models.rollup_label("planned_position_2025_26_all_trusts") == (
        "system trust-sector planned position 2025/26 all trusts"
    )
    assert trust_models.any_label(trust_legacy.ANY) == "Any deficit loan 2017-2019 (0/1)"
    assert trust_models.any_label(trust_legacy.SYSTEM_SHARE) == (
        "System's trusts' deficit loans at 31 March 2019, % of 2024/25 core allocation"
    )
    assert trust_models.any_label("planned_position_pct") == trust_registry.label(
        "planned_position_pct"
    )


def test_a_rollup_without_a_row_is_an_error_naming_the_file() -> None:
    with pytest.raises(DataError, match=r"derived_variables\.csv: no row for 'margin_2030_31'"):
        trust_models.rollup_label("margin_2030_31")
    with pytest.raises(DataError, match="margin_2030_31"):
        trust_models.any_label("margin_2030_31")


def test_each_name_has_one_home() -> None:
    derived = set(derived_variables.registry().index)
    assert not derived & set(variables.registry().index)
    assert not derived & set(trust_registry.registry().index)


def test_bad_rows_are_named_by_line(tmp_path: Path) -> None:
    path = tmp_path / "derived_variables.csv"
    pd.DataFrame(
        [
            ("inflation", "national", "Inflation", "inflation", "Inflation"),
            ("strikes", "national", "Strikes", "", ""),
            ("x_2024_25", "rollup", "x", "x words", ""),
            ("y", "shock", "Y", "", ""),
        ],
        columns=list(derived_variables.COLUMNS),
    ).to_csv(path, index=False)
    with pytest.raises(DataError) as caught:
        derived_variables.read_registry(path)
    message = str(caught.value)
    assert str(path) in message
    assert "plain and short: give both or neither on line(s) [4]" in message
    assert "['legacy', 'national'] row needs plain and short words on line(s) [3]" in message
    assert "kind not in ['legacy', 'national', 'rollup'] on line(s) [5]" in message


def test_trust_registry_words_are_required_and_a_blank_row_is_named(tmp_path: Path) -> None:
    """Every trust variable needs both words: params.yaml may put any of them in a model."""
    table = trust_registry.registry().reset_index()
    assert trust_registry.words("backlog_per_income_pct") == "estates maintenance backlog"
    assert trust_registry.words("operating_margin_pct", "short") == (
        "Trusts: margin 2024/25 (accounts), %"
    )
    assert trust_registry.words("teaching") == "teaching status"
    line = list(table["name"]).index("teaching") + 2
    table.loc[table["name"] == "teaching", "short"] = ""
    path = tmp_path / "trust_variables.csv"
    table.to_csv(path, index=False)
    with pytest.raises(DataError, match=rf"words missing \(line\(s\) \[{line}\]\)"):
        trust_registry.registry(path)
    without = tmp_path / "without_words.csv"
    table.drop(columns=["plain", "short"]).to_csv(without, index=False)
    with pytest.raises(DataError, match=r"expected column\(s\) \['plain', 'short'\]"):
        trust_registry.registry(without)
