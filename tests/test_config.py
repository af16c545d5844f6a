"""params.yaml values are checked before any stage runs, naming the key, value and valid ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import config
from helpers.errors import ConfigError
from helpers.paths import PARAMS_FILE

MODEL = "03_model_deficit_drivers"


def canonical() -> dict[str, Any]:
    return yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def error_for(tmp_path: Path, document: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        config.load_params(write(tmp_path, document))
    return str(caught.value)


def test_the_committed_params_file_is_valid() -> None:
    assert config.check_params(canonical()) == []


def test_data_years_come_from_the_allocations_period() -> None:
    assert config.data_years() == ["2022/23", "2023/24", "2024/25", "2025/26"]


def test_misspelt_measure_is_refused_with_the_valid_measures(tmp_path: Path) -> None:
    document = canonical()
    document["notebooks"][MODEL]["stages"] = ["outturn", "forcast", "final_plan", "draft_plan"]
    message = error_for(tmp_path, document)
    assert f"notebooks.{MODEL}.stages[1] = 'forcast' is not a valid value" in message
    assert "valid values: ['outturn', 'forecast', 'final_plan', 'draft_plan']" in message
    assert str(tmp_path / "params.yaml") in message


def test_unknown_source_kind_inside_an_alternative_outcome(tmp_path: Path) -> None:
    document = canonical()
    document["notebooks"][MODEL]["alternative_outcomes"]["plans only"]["source_kinds"] = ["blog"]
    message = error_for(tmp_path, document)
    assert (
        f"notebooks.{MODEL}.alternative_outcomes.plans only.source_kinds[0] = 'blog' "
        "is not a valid value; valid values: ['campaign', 'official', 'press']"
    ) in message


def test_year_outside_the_data_is_refused(tmp_path: Path) -> None:
    document = canonical()
    document["common"]["first_year"] = "2019/20"
    message = error_for(tmp_path, document)
    assert (
        "common.first_year = '2019/20' is not a valid value; "
        "valid values: ['2022/23', '2023/24', '2024/25', '2025/26']"
    ) in message


def test_model_year_outside_the_panel_years_is_refused(tmp_path: Path) -> None:
    document = canonical()
    document["common"]["last_year"] = "2024/25"
    document["notebooks"][MODEL]["years"] = ["2022/23", "2025/26"]
    message = error_for(tmp_path, document)
    assert (
        f"notebooks.{MODEL}.years[1] = '2025/26' is not a valid value; "
        "valid values: ['2022/23', '2023/24', '2024/25']"
    ) in message


def test_first_year_after_last_year_is_refused(tmp_path: Path) -> None:
    document = canonical()
    document["common"]["first_year"] = "2025/26"
    document["common"]["last_year"] = "2023/24"
    assert "common.first_year = '2025/26' is after common.last_year = '2023/24'" in error_for(
        tmp_path, document
    )


def test_unknown_common_key_is_refused_with_the_valid_keys(tmp_path: Path) -> None:
    document = canonical()
    document["common"]["sed"] = 1
    message = error_for(tmp_path, document)
    assert "common has unknown key(s) ['sed']; valid keys: ['first_year', 'last_year', 'seed']" in (
        message
    )


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("common", "seed", "abc", "common.seed = 'abc': expected a whole number, got str"),
        (
            MODEL,
            "n_permutations",
            "2000",
            "n_permutations = '2000': expected a whole number, got str",
        ),
        (MODEL, "n_permutations", True, "n_permutations = True: expected a whole number, got bool"),
        (MODEL, "save_results", "yes", "save_results = 'yes': expected a true/false, got str"),
        (MODEL, "stages", "outturn", "stages = 'outturn': expected a list of text"),
        (
            "01_build_icb_panel",
            "min_months",
            13,
            "min_months = 13 is outside the valid range [1, 12]",
        ),
        (MODEL, "alpha", 0.9, "alpha = 0.9 is outside the valid range"),
        ("02_describe_deficits", "below_target_pct", "low", "expected a number, got str"),
    ],
)
def test_wrong_type_or_range_names_the_key_value_and_expectation(
    tmp_path: Path, section: str, key: str, value: Any, expected: str
) -> None:
    document = canonical()
    target = document["common"] if section == "common" else document["notebooks"][section]
    target[key] = value
    assert expected in error_for(tmp_path, document)


def test_empty_list_is_refused_with_the_valid_values(tmp_path: Path) -> None:
    document = canonical()
    document["notebooks"][MODEL]["source_kinds"] = []
    message = error_for(tmp_path, document)
    assert (
        f"notebooks.{MODEL}.source_kinds is an empty list: give at least one value; "
        "valid values: ['campaign', 'official', 'press']"
    ) in message


def test_unknown_predictor_is_refused_with_the_valid_predictors(tmp_path: Path) -> None:
    document = canonical()
    document["notebooks"][MODEL]["main_predictors"] = ["distance_from_target_pct", "imd_scor"]
    message = error_for(tmp_path, document)
    assert f"notebooks.{MODEL}.main_predictors[1] = 'imd_scor' is not a valid value" in message
    assert "'imd_score'" in message and "'log_population'" in message


def test_unknown_survey_column_and_debt_system(tmp_path: Path) -> None:
    document = canonical()
    workforce = document["notebooks"]["04_describe_workforce"]
    workforce["survey_columns"]["staff_happiness"] = "Happiness"
    workforce["debt_system"] = "QZZ"
    message = error_for(tmp_path, document)
    assert "survey_columns has unknown key(s) ['staff_happiness']; valid keys: [" in message
    assert "debt_system = 'QZZ' is not a valid value; valid values: ['Q" in message


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    document = canonical()
    document["common"]["seed"] = 1.5
    document["notebooks"][MODEL]["outcome"] = "deficit"
    message = error_for(tmp_path, document)
    assert "common.seed = 1.5" in message
    assert (
        "outcome = 'deficit' is not a valid value; valid values: ['position_pct', 'in_deficit']"
        in (message)
    )


def test_broken_yaml_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text("common: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"params.yaml: not valid YAML"):
        config.load_params(path)


def test_cli_prints_the_message_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = canonical()
    document["notebooks"][MODEL]["stages"] = ["forcast"]
    assert config.main([str(write(tmp_path, document))]) == 1
    err = capsys.readouterr().err
    assert "PARAMETERS INVALID" in err and "'forcast' is not a valid value" in err
    assert "Traceback" not in err


def test_build_stops_before_any_rule_on_a_bad_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Snakefile's first step (helpers.workflow.prepare) runs the same check as
    make check-params and stops before acquiring or running anything."""
    from helpers import acquire, workflow

    document = canonical()
    document["notebooks"][MODEL]["stages"] = ["forcast"]
    ran: list[str] = []
    monkeypatch.setattr(acquire, "acquire_all", lambda *args: ran.append("ran"))
    with pytest.raises(SystemExit) as stopped:
        workflow.prepare(write(tmp_path, document))
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert "BUILD STOPPED" in err and "'forcast' is not a valid value" in err
    assert "Traceback" not in err and ran == []
