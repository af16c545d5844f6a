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


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {("notebooks", MODEL, "alternative_outcomes", "plans only", "source_kinds"): ["blog"]},
            f"notebooks.{MODEL}.alternative_outcomes.plans only.source_kinds[0] = 'blog' "
            "is not a valid value; valid values: ['campaign', 'official', 'press']",
            id="unknown-source-kind-inside-an-alternative-outcome",
        ),
        pytest.param(
            {("common", "first_year"): "2019/20"},
            "common.first_year = '2019/20' is not a valid value; "
            "valid values: ['2022/23', '2023/24', '2024/25', '2025/26']",
            id="year-outside-the-data",
        ),
        pytest.param(
            {
                ("common", "last_year"): "2024/25",
                ("notebooks", MODEL, "years"): ["2022/23", "2025/26"],
            },
            f"notebooks.{MODEL}.years[1] = '2025/26' is not a valid value; "
            "valid values: ['2022/23', '2023/24', '2024/25']",
            id="model-year-outside-the-panel-years",
        ),
        pytest.param(
            {("common", "first_year"): "2025/26", ("common", "last_year"): "2023/24"},
            "common.first_year = '2025/26' is after common.last_year = '2023/24'",
            id="first-year-after-last-year",
        ),
        pytest.param(
            {("common", "sed"): 1},
            "common has unknown key(s) ['sed']; valid keys: ['first_year', 'last_year', 'seed']",
            id="unknown-common-key",
        ),
        pytest.param(
            {("notebooks", MODEL, "source_kinds"): []},
            f"notebooks.{MODEL}.source_kinds is an empty list: give at least one value; "
            "valid values: ['campaign', 'official', 'press']",
            id="empty-list",
        ),
    ],
)
def test_a_refused_value_names_its_key_and_what_is_valid(
    tmp_path: Path, changes: dict[tuple[str, ...], Any], expected: str
) -> None:
    """Each change (the path of keys to a value in params.yaml -> the new value) is refused
    with a message naming the key, the value and the valid values or keys."""
    document = canonical()
    for (*parents, key), value in changes.items():
        target = document
        for parent in parents:
            target = target[parent]
        target[key] = value
    assert expected in error_for(tmp_path, document)


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
    from helpers import workflow
    from helpers.data import acquire

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


# --- issue 22.3: one schema for every section, the same check in make check-params and the build

TRUST = "07_model_trust_finance"


def problems_for(document: dict[str, Any]) -> str:
    return "\n".join(config.check_params(document))


def test_misspelt_stage_inside_the_specification_curve_is_refused_with_a_suggestion() -> None:
    document = canonical()
    curve = document["notebooks"][MODEL]["specification_curve"]
    curve["stage_subsets"]["no draft plans"] = ["outturn", "forcast", "final_plan"]
    assert (
        f"notebooks.{MODEL}.specification_curve.stage_subsets.no draft plans[1] = 'forcast' "
        "is not a valid value; valid values: ['outturn', 'forecast', 'final_plan', 'draft_plan']; "
        "did you mean 'forecast'?"
    ) in problems_for(document)


@pytest.mark.parametrize(
    ("dimension", "name", "value", "expected"),
    [
        ("source_tiers", "all sources", ["oficial"], "did you mean 'official'?"),
        ("year_windows", "all years", ["2021/22"], "= '2021/22' is not a valid value"),
        ("denominators", "% of core allocation", "position_pc", "did you mean 'position_pct'?"),
        ("control_sets", "with size", ["log_populaton"], "did you mean 'log_population'?"),
        ("stage_subsets", "all stages", [], "stage_subsets.all stages is an empty list"),
        ("bases", "before support", ["before_suport"], "did you mean 'before_support'?"),
        ("timings", "same year (look-ahead)", "same-year", "did you mean 'same_year'?"),
    ],
)
def test_every_specification_curve_choice_is_checked(
    dimension: str, name: str, value: Any, expected: str
) -> None:
    document = canonical()
    document["notebooks"][MODEL]["specification_curve"][dimension][name] = value
    assert expected in problems_for(document)


def test_an_alternative_outcome_may_name_a_basis_and_only_a_valid_one() -> None:
    document = canonical()
    alternatives = document["notebooks"][MODEL]["alternative_outcomes"]
    assert any("basis" in entry for entry in alternatives.values())
    assert any("basis" not in entry for entry in alternatives.values())
    assert config.check_params(document) == []
    next(iter(alternatives.values()))["basis"] = ["before"]
    assert "basis[0] = 'before' is not a valid value" in problems_for(document)


def test_unknown_specification_curve_dimension_is_refused() -> None:
    document = canonical()
    curve = document["notebooks"][MODEL]["specification_curve"]
    curve["stage_subset"] = curve.pop("stage_subsets")
    message = problems_for(document)
    assert (
        f"notebooks.{MODEL}.specification_curve has unknown key(s) ['stage_subset']" in message
        and "did you mean 'stage_subsets' for 'stage_subset'?" in message
    )
    assert f"notebooks.{MODEL}.specification_curve lacks key(s) ['stage_subsets']" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda s: s.update(validaton=s.pop("validation")),
            f"notebooks.{TRUST} has unknown key(s) ['validaton']; valid keys: [",
        ),
        (
            lambda s: s["validation"]["plan_vs_plans"].update(measures=["plan", "plan_drfat"]),
            f"notebooks.{TRUST}.validation.plan_vs_plans.measures[1] = 'plan_drfat' is not a "
            "valid value",
        ),
        (
            lambda s: s["validation"]["margin_vs_outturn"].update(rollup="operating_margin_2024"),
            "did you mean 'operating_margin_2024_25'?",
        ),
        (
            lambda s: s.update(system_rollups=["planned_position_2025"]),
            f"notebooks.{TRUST}.system_rollups[0] = 'planned_position_2025' is not a valid value",
        ),
        (
            lambda s: s.update(main_predictors=["implied_productivity", "imd_score"]),
            "did you mean 'implied_productivity_pct'?",
        ),
        (lambda s: s.update(system_year="2021/22"), "system_year = '2021/22' is not a valid"),
        (lambda s: s.update(n_disagreeing=0), "n_disagreeing = 0 is outside the valid range"),
        (lambda s: s.update(region_effects="yes"), "region_effects = 'yes': expected a true/false"),
    ],
)
def test_a_typo_in_notebook_07_is_refused_with_its_key_path(change: Any, expected: str) -> None:
    document = canonical()
    change(document["notebooks"][TRUST])
    message = problems_for(document)
    assert expected in message
    if "validaton" in expected:
        assert "did you mean 'validation' for 'validaton'?" in message


@pytest.mark.parametrize(
    ("section", "change", "expected"),
    [
        (
            "06_build_trust_panel",
            lambda s: s["rollups"]["operating_margin_2024_25"].update(weight="operating_income"),
            "rollups.operating_margin_2024_25.weight = 'operating_income' is not a valid value",
        ),
        (
            "06_build_trust_panel",
            lambda s: s.update(measures_year_start="2024/25"),
            "measures_year_start = '2024/25' is not a month written YYYY-MM",
        ),
        (
            "06_build_trust_panel",
            lambda s: s.update(rollup_size=[]),
            "rollup_size is an empty list",
        ),
        (
            "08_profile_system",
            lambda s: s.update(icb_code="QXX"),
            "08_profile_system.icb_code = 'QXX' is not a valid value; valid values: ['QE1'",
        ),
        (
            "08_profile_system",
            lambda s: s.update(pressure_measures=["ae_4h"]),
            "pressure_measures[0] = 'ae_4h' is not a valid value",
        ),
        (
            "05_check_claims",
            lambda s: s.update(pct_point_tolerance=-1),
            "pct_point_tolerance = -1 is outside the valid range [0, 100]",
        ),
    ],
)
def test_sections_06_and_08_are_checked(section: str, change: Any, expected: str) -> None:
    document = canonical()
    change(document["notebooks"][section])
    assert expected in problems_for(document)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1e20", "common.seed = '1e20': expected a whole number, got str"),  # YAML 1.1: text
        ("1.0e+20", "common.seed = 1e+20: expected a whole number, got float"),
        ("100000000000000000000", "common.seed = 100000000000000000000 is outside the valid range"),
        ("4294967296", "common.seed = 4294967296 is outside the valid range [0, 4294967295]"),
        ("-1", "common.seed = -1 is outside the valid range [0, 4294967295]"),
    ],
)
def test_a_seed_numpy_cannot_take_is_refused(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "params.yaml"
    original = PARAMS_FILE.read_text(encoding="utf-8")
    path.write_text(original.replace("seed: 20221130", f"seed: {text}"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        config.load_params(path)
    assert expected in str(caught.value)


def test_the_largest_seed_numpy_takes_is_accepted() -> None:
    import numpy as np

    document = canonical()
    document["common"]["seed"] = config.MAX_SEED
    assert config.check_params(document) == []
    np.random.seed(config.MAX_SEED)  # numpy's own bound: no error
    with pytest.raises(ValueError):
        np.random.seed(config.MAX_SEED + 1)


def test_unknown_notebook_section_is_refused_with_a_suggestion() -> None:
    document = canonical()
    document["notebooks"]["07_model_trust_financ"] = document["notebooks"].pop(TRUST)
    message = problems_for(document)
    assert "notebooks has unknown notebook(s) ['07_model_trust_financ']" in message
    assert "did you mean '07_model_trust_finance' for '07_model_trust_financ'?" in message
    assert f"notebooks lacks the section '{TRUST}'" in message


@pytest.mark.parametrize(
    ("section", "first", "second", "name"),
    [
        (MODEL, "main_predictors", "candidate_predictors", "imd_score"),
        (TRUST, "main_predictors", "candidate_predictors", "share_65plus"),
        (TRUST, "controls", "main_predictors", "log_income"),
    ],
)
def test_a_name_in_two_predictor_lists_is_refused(
    section: str, first: str, second: str, name: str
) -> None:
    document = canonical()
    lists = document["notebooks"][section]
    target = second if name in lists[first] else first
    lists[target] = [*lists[target], name]
    assert f"{name!r} is in both" in problems_for(document)


def bad_documents() -> dict[str, dict[str, Any]]:
    unknown_key = canonical()
    unknown_key["notebooks"]["05_check_claims"]["about_tolerance"] = 10
    unknown_section = canonical()
    unknown_section["notebooks"]["09_extra"] = {}
    duplicate = canonical()
    duplicate["notebooks"][MODEL]["candidate_predictors"].append("imd_score")
    seed = canonical()
    seed["common"]["seed"] = 10**20  # numpy refuses it: once stage 02 failed on it, after 03 ran
    curve = canonical()
    curve["notebooks"][MODEL]["specification_curve"]["stage_subsets"]["plans only"] = ["forcast"]
    return {
        "unknown key": unknown_key,
        "unknown section": unknown_section,
        "duplicate": duplicate,
        "seed": seed,
        "curve stage": curve,
    }


@pytest.mark.parametrize(
    "case", ["unknown key", "unknown section", "duplicate", "seed", "curve stage"]
)
def test_check_params_refuses_exactly_what_the_build_refuses(
    case: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from helpers import workflow
    from helpers.data import acquire

    path = write(tmp_path, bad_documents()[case])
    assert config.main([str(path)]) == 1
    checker = capsys.readouterr().err.removeprefix("PARAMETERS INVALID: ").strip()
    ran: list[str] = []
    monkeypatch.setattr(acquire, "acquire_all", lambda *args: ran.append("ran"))
    with pytest.raises(SystemExit) as stopped:
        workflow.prepare(path)  # the Snakefile's first step
    build = capsys.readouterr().err
    assert stopped.value.code == 1
    assert checker and checker in build and ran == []


def test_the_schema_declares_exactly_each_notebooks_parameters_cell() -> None:
    """Every key the schema allows is a parameter the notebook declares and vice versa, so the
    build's own check (a key the parameters cell lacks) can never refuse what the checker passed."""
    from helpers.paths import NOTEBOOKS_DIR
    from helpers.workflow import declared_parameters

    notebooks = sorted(NOTEBOOKS_DIR.glob("0*.ipynb"))
    assert [path.stem for path in notebooks] == list(config.NOTEBOOK_RULES)
    for path in notebooks:
        own = declared_parameters(path) - set(config.COMMON_RULES)
        assert own == set(config.NOTEBOOK_RULES[path.stem]), path.stem


def test_an_unknown_notebook_parameter_says_where_a_new_one_is_declared() -> None:
    """A student adding a parameter to params.yaml alone learns the other two places."""
    document = config.load_params()
    document["notebooks"]["02_describe_deficits"]["my_threshold"] = 3
    assert config.check_params(document) == [
        "notebooks.02_describe_deficits has unknown key(s) ['my_threshold']; valid keys: "
        "['below_target_pct'] (a new parameter needs a rule in NOTEBOOK_RULES in "
        "src/helpers/config.py and the same key in the notebook's parameters cell)"
    ]
