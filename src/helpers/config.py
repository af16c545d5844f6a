"""Load and check ``params.yaml``: the one place a run's parameters are set.

The file's shape (``common`` and ``notebooks`` mappings) and every value are checked before any
stage runs, against the declarative rules below (:data:`COMMON_RULES`, :data:`NOTEBOOK_RULES`):
type, allowed values (measures, source kinds, predictors, years the data cover, ...), ranges
and non-empty lists. A bad value raises :class:`~helpers.errors.ConfigError` naming the key,
the bad value and the valid ones. Keys of a notebook's own section that have no rule here are
still checked by the pipeline against the notebook's ``parameters`` cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from helpers.errors import ConfigError
from helpers.harmonise import years_between
from helpers.paths import CURATED_DIR, PARAMS_FILE, SOURCES_FILE
from helpers.yaml_files import parse_yaml

#: Dataset whose period (in data/sources.yaml) sets the financial years the ICB panel can hold.
PANEL_YEARS_DATASET = "icb_allocations"
FINANCIAL_YEAR = re.compile(r"^(20\d{2})/(\d{2})$")
MONTH = re.compile(r"^20\d{2}-(0[1-9]|1[0-2])$")
OUTCOMES: tuple[str, ...] = ("position_pct", "in_deficit")

Choices = Callable[[Mapping[str, Any]], list[str]]


@dataclass(frozen=True)
class Rule:
    """What one parameter must be.

    ``kind`` is the type of the value, or of each item when ``is_list``; ``float`` accepts
    integers too, and no number accepts a boolean. ``choices`` gives the valid values from the
    ``common`` section (so years follow ``first_year``/``last_year``); ``low``/``high`` bound a
    number; ``pattern`` (with ``pattern_text`` for the message) constrains a string; ``fields``
    are the rules for the values of a mapping's entries (``alternative_outcomes``); ``keys``
    gives the valid keys of a mapping.
    """

    kind: type
    is_list: bool = False
    choices: Choices | None = None
    low: float | None = None
    high: float | None = None
    pattern: re.Pattern[str] | None = None
    pattern_text: str = ""
    fields: Mapping[str, Rule] | None = None
    keys: Choices | None = None
    optional: bool = False


def _is_kind(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


@cache
def _period_years(sources_file: Path) -> tuple[str, ...]:
    from helpers.sources import load_periods

    period = load_periods(sources_file).get(PANEL_YEARS_DATASET, "")
    found = sorted(re.findall(r"20\d{2}/\d{2}", period))
    if not found:
        raise ConfigError(
            f"{sources_file}: periods.{PANEL_YEARS_DATASET} names no financial years "
            f"('{period}'); it sets the years the ICB panel can hold"
        )
    return tuple(years_between(found[0], found[-1]))


def data_years(_: Mapping[str, Any] | None = None) -> list[str]:
    """Financial years the ICB panel can hold: the period of the allocations data."""
    return list(_period_years(SOURCES_FILE))


def panel_years(common: Mapping[str, Any]) -> list[str]:
    """Financial years of this run's panel: ``first_year`` to ``last_year`` (if they are valid)."""
    valid = data_years()
    first, last = common.get("first_year"), common.get("last_year")
    if first in valid and last in valid and first <= last:
        return years_between(first, last)
    return valid


def valid_predictors(_: Mapping[str, Any] | None = None) -> list[str]:
    """Names a model may use as a predictor: the variable registry's predictors
    (:func:`helpers.variables.valid_predictors`) plus the derived ``log_population`` if the
    registry lacks it."""
    from helpers import variables

    names = variables.valid_predictors()
    return names if "log_population" in names else [*names, "log_population"]


def finance_measures(_: Mapping[str, Any]) -> list[str]:
    """Measures a curated finance row may carry (the curated validator's vocabulary)."""
    from helpers.curated import FINANCE_MEASURES

    return sorted(FINANCE_MEASURES)


def full_year_stages(_: Mapping[str, Any]) -> list[str]:
    """Stages of a full-year position the models may select (the best-available rule's order)."""
    from helpers.finance import STAGE_RANK

    return list(STAGE_RANK)


def source_kinds(_: Mapping[str, Any]) -> list[str]:
    """Kinds of source a curated finance row may cite."""
    from helpers.curated import SOURCE_KINDS

    return sorted(SOURCE_KINDS)


def debt_systems(_: Mapping[str, Any]) -> list[str]:
    """ICB codes with a row in the curated legacy-debt table."""
    import pandas as pd

    table = pd.read_csv(CURATED_DIR / "legacy_debt.csv", dtype=str, keep_default_na=False)
    return sorted(set(table["icb_code"]) - {""})


def _fixed(*values: str) -> Choices:
    return lambda _: list(values)


YEAR = Rule(str, choices=panel_years)
PREDICTORS = Rule(str, is_list=True, choices=valid_predictors)
MEASURES = Rule(str, is_list=True, choices=finance_measures)
SOURCE_KINDS = Rule(str, is_list=True, choices=source_kinds)
STAGES = Rule(str, is_list=True, choices=full_year_stages)
BASES = Rule(str, is_list=True, choices=_fixed("before_support", "after_support", "unknown"))

COMMON_RULES: dict[str, Rule] = {
    "seed": Rule(int, low=0),
    "first_year": Rule(str, choices=data_years),
    "last_year": Rule(str, choices=data_years),
}

NOTEBOOK_RULES: dict[str, dict[str, Rule]] = {
    "01_build_icb_panel": {"min_months": Rule(int, low=1, high=12)},
    "02_describe_deficits": {"below_target_pct": Rule(float, low=-100, high=100)},
    "03_model_deficit_drivers": {
        "primary_model": Rule(str, choices=_fixed("panel_fixed_effects")),
        "years": Rule(str, is_list=True, choices=panel_years),
        "stages": STAGES,
        "source_kinds": SOURCE_KINDS,
        "outcome": Rule(str, choices=_fixed(*OUTCOMES)),
        "main_predictors": PREDICTORS,
        "candidate_predictors": PREDICTORS,
        "alpha": Rule(float, low=0.0001, high=0.5),
        "power": Rule(float, low=0.5, high=0.99),
        "n_permutations": Rule(int, low=1, high=1_000_000),
        "n_bootstrap": Rule(int, low=99, high=1_000_000),
        "wild_weights": Rule(str, choices=_fixed("auto", "rademacher", "webb")),
        "basis": BASES,
        "alternative_outcomes": Rule(
            dict,
            fields={
                "stages": STAGES,
                "source_kinds": SOURCE_KINDS,
                "basis": Rule(str, is_list=True, choices=BASES.choices, optional=True),
            },
        ),
        "specification_curve": Rule(dict),
        "results_dir": Rule(str),
        "save_results": Rule(bool),
    },
    "04_describe_workforce": {
        "survey_columns": Rule(dict, keys=valid_predictors, fields=None),
        "outcome_measures": MEASURES,
        "outcome_source_kinds": SOURCE_KINDS,
        "debt_system": Rule(str, choices=debt_systems),
        "debt_allocation_year": YEAR,
    },
    "05_check_claims": {
        "about_tolerance_pct": Rule(float, low=0, high=100),
        "pct_point_tolerance": Rule(float, low=0, high=100),
    },
}


def _type_name(kind: type) -> str:
    return {float: "number", int: "whole number", str: "text", bool: "true/false", dict: "mapping"}[
        kind
    ]


def _check_scalar(where: str, value: Any, rule: Rule, common: Mapping[str, Any]) -> list[str]:
    """Problems with one value (or one list item) against ``rule``."""
    if not _is_kind(value, rule.kind):
        return [
            f"{where} = {value!r}: expected a {_type_name(rule.kind)}, got {type(value).__name__}"
        ]
    if rule.choices is not None:
        valid = rule.choices(common)
        if value not in valid:
            return [f"{where} = {value!r} is not a valid value; valid values: {valid}"]
    if (rule.low is not None and value < rule.low) or (rule.high is not None and value > rule.high):
        return [f"{where} = {value!r} is outside the valid range [{rule.low}, {rule.high}]"]
    if rule.pattern is not None and not rule.pattern.match(value):
        return [f"{where} = {value!r} is not {rule.pattern_text}"]
    return []


def check_value(where: str, value: Any, rule: Rule, common: Mapping[str, Any]) -> list[str]:
    """Every problem with ``value`` under ``rule``; ``where`` names the key in messages."""
    if rule.is_list:
        if not isinstance(value, list):
            return [f"{where} = {value!r}: expected a list of {_type_name(rule.kind)}"]
        if not value:
            valid = f"; valid values: {rule.choices(common)}" if rule.choices else ""
            return [f"{where} is an empty list: give at least one value{valid}"]
        problems = [
            problem
            for index, item in enumerate(value)
            for problem in _check_scalar(f"{where}[{index}]", item, rule, common)
        ]
        duplicates = sorted({str(item) for item in value if value.count(item) > 1})
        if duplicates:
            problems.append(f"{where} repeats {duplicates}")
        return problems
    if rule.kind is dict:
        return _check_mapping(where, value, rule, common)
    return _check_scalar(where, value, rule, common)


def _check_mapping(where: str, value: Any, rule: Rule, common: Mapping[str, Any]) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where} = {value!r}: expected a mapping, got {type(value).__name__}"]
    if not value:
        return [f"{where} is empty: give at least one entry"]
    problems: list[str] = []
    if rule.keys is not None:
        valid = rule.keys(common)
        unknown = [key for key in value if key not in valid]
        if unknown:
            problems.append(f"{where} has unknown key(s) {unknown}; valid keys: {valid}")
    if rule.fields is not None:
        for name, entry in value.items():
            problems += check_section(f"{where}.{name}", entry, rule.fields, common, complete=True)
    return problems


def check_section(
    where: str,
    section: Any,
    rules: Mapping[str, Rule],
    common: Mapping[str, Any],
    complete: bool = False,
) -> list[str]:
    """Problems in one mapping of parameters. With ``complete``, every key needs a rule and
    every rule a key (used for ``common`` and the entries of ``alternative_outcomes``)."""
    if not isinstance(section, dict):
        return [f"{where} = {section!r}: expected a mapping of parameters"]
    problems: list[str] = []
    if complete:
        unknown = sorted(set(section) - set(rules))
        missing = sorted(key for key in set(rules) - set(section) if not rules[key].optional)
        if unknown:
            problems.append(f"{where} has unknown key(s) {unknown}; valid keys: {sorted(rules)}")
        if missing:
            problems.append(f"{where} lacks key(s) {missing}")
    for key, rule in rules.items():
        if key in section:
            problems += check_value(f"{where}.{key}", section[key], rule, common)
    return problems


def check_params(document: Any) -> list[str]:
    """Every problem with a parsed params.yaml document (empty when it is valid)."""
    if not isinstance(document, dict):
        return ["expected a mapping with 'common' and 'notebooks'"]
    common, notebooks = document.get("common"), document.get("notebooks")
    if not isinstance(common, dict) or not isinstance(notebooks, dict):
        return ["expected top-level 'common' and 'notebooks' mappings"]
    unknown_top = sorted(set(document) - {"common", "notebooks"})
    problems = [f"unknown top-level key(s) {unknown_top}; valid: ['common', 'notebooks']"]
    problems = problems if unknown_top else []
    problems += check_section("common", common, COMMON_RULES, common, complete=True)
    first, last = common.get("first_year"), common.get("last_year")
    if isinstance(first, str) and isinstance(last, str) and first > last:
        problems.append(f"common.first_year = {first!r} is after common.last_year = {last!r}")
    for name, section in notebooks.items():
        if section is None:
            continue
        problems += check_section(
            f"notebooks.{name}", section, NOTEBOOK_RULES.get(name, {}), common
        )
    return problems


def load_params(path: Path = PARAMS_FILE, strict: bool = True) -> dict[str, Any]:
    """Read ``params.yaml`` and check its shape and values; raise ConfigError listing each
    key at fault with its bad value and the valid ones."""
    try:
        document = parse_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    if not strict:
        # A toy project's params (the pipeline's own tests): its notebooks are not this
        # project's, so only the shape is checked; the project's notebooks get every rule.
        if not isinstance(document, dict) or not isinstance(document.get("notebooks"), dict):
            raise ConfigError(f"{path}: expected top-level 'common' and 'notebooks' mappings")
        return document
    problems = check_params(document)
    if problems:
        raise ConfigError(f"{path}: invalid parameters:\n  " + "\n  ".join(problems))
    return document


def notebook_parameters(notebook_stem: str, params: dict[str, Any]) -> dict[str, Any]:
    """Parameters for one notebook: the common values overlaid with the notebook's own section."""
    section = params["notebooks"].get(notebook_stem) or {}
    return {**params["common"], **section}


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m helpers.config [params.yaml]`` checks the file and says so."""
    import sys

    path = Path(argv[0]) if argv else PARAMS_FILE
    try:
        load_params(path)
    except ConfigError as error:
        print(f"PARAMETERS INVALID: {error}", file=sys.stderr)
        return 1
    print(f"{path}: parameters valid")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
