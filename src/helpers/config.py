"""Load and check ``params.yaml``: the one place a run's parameters are set.

The file's shape (``common`` and ``notebooks`` mappings) and every value are checked before any
stage runs, against the declarative schema below (:data:`COMMON_RULES`, :data:`NOTEBOOK_RULES`,
:data:`DISJOINT`): every section and every key has a rule (an unknown section or key is refused,
a missing one too), giving the type, the allowed values (stages, measures, source kinds,
predictors from the variable registries, years the data cover, roll-up names, ICB codes), ranges
(seeds as numpy accepts them, significance levels, tolerances) and non-empty lists. The valid
values that come from the data (registries, curated tables, the catalogue's period) are filled in
when the file is checked. A bad value raises :class:`~helpers.errors.ConfigError` naming the full
key path, the bad value, the valid ones and the closest ("did you mean ...?").

:func:`load_params` is the one entry point: ``make check-params`` (``python -m helpers.config``)
and the build call it, so the checker and the build apply the same rules.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from helpers.errors import ConfigError
from helpers.panel.harmonise import years_between
from helpers.paths import CURATED_DIR, PARAMS_FILE, PROCESSED_DIR, SOURCES_FILE
from helpers.yaml_files import parse_yaml

#: Dataset whose period (in data/sources.yaml) sets the financial years the ICB panel can hold.
PANEL_YEARS_DATASET = "icb_allocations"
FINANCIAL_YEAR = re.compile(r"^(20\d{2})/(\d{2})$")
MONTH = re.compile(r"^20\d{2}-(0[1-9]|1[0-2])$")
OUTCOMES: tuple[str, ...] = ("position_pct", "in_deficit")
#: Continuous outcome columns a specification curve may use as its denominator
#: (built by :func:`helpers.analysis.models.figure_data`).
DENOMINATORS: tuple[str, ...] = ("position_pct", "position_pct_total", "position_gbp_per_head")
#: The largest seed numpy's legacy generators accept (``np.random.seed``: 0 to 2**32 - 1).
MAX_SEED = 2**32 - 1
ICB_CODE = re.compile(r"^Q[A-Z0-9]{2}$")
#: A folder inside the repository, relative to its root: no leading "/", "~" or drive, no "..".
INSIDE_REPOSITORY = re.compile(r"^(?![/~\\]|[A-Za-z]:)(?!(.*[/\\])?\.\.([/\\]|$))")
TRUST_CODE = re.compile(r"^[A-Z0-9]{3,5}$")

#: A function giving the valid values from the whole parsed params.yaml document (so years
#: follow ``common.first_year``/``last_year`` and roll-up names follow notebook 06's section).
Choices = Callable[[Mapping[str, Any]], list[str]]


@dataclass(frozen=True)
class Rule:
    """What one parameter must be.

    ``kind`` is the type of the value, or of each item when ``is_list``; ``float`` accepts
    integers too, and no number accepts a boolean. ``choices`` gives the valid values (from the
    registries or from other parameters); ``low``/``high`` bound a number; ``pattern`` (with
    ``pattern_text`` for the message) constrains a string; ``fields`` are the rules of the keys
    of each entry of a mapping (``alternative_outcomes``: every entry holds exactly these keys);
    ``keys`` gives the valid keys of a mapping and ``values`` the rule for each of its values
    (the choices of a specification curve, name -> list); ``empty`` allows an empty list or
    mapping; ``section`` gives the rules of a mapping with fixed keys (``specification_curve``);
    ``optional`` lets the key be left out (an ``alternative_outcomes`` entry's ``basis``).
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
    values: Rule | None = None
    section: Mapping[str, Rule] | None = None
    empty: bool = False
    optional: bool = False


def _is_kind(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


# --------------------------------------------------------------------------- valid values


@cache
def _period_years(sources_file: Path) -> tuple[str, ...]:
    from helpers.data.sources import load_periods

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


def _common(document: Mapping[str, Any]) -> Mapping[str, Any]:
    common = document.get("common") if isinstance(document, Mapping) else None
    return common if isinstance(common, Mapping) else {}


def panel_years(document: Mapping[str, Any]) -> list[str]:
    """Financial years of this run's panel: ``first_year`` to ``last_year`` (if they are valid)."""
    valid = data_years()
    common = _common(document)
    first, last = common.get("first_year"), common.get("last_year")
    if first in valid and last in valid and first <= last:
        return years_between(first, last)
    return valid


def valid_predictors(_: Mapping[str, Any] | None = None) -> list[str]:
    """Names a model may use as a predictor: the variable registry's predictors
    (:func:`helpers.panel.variables.valid_predictors`) plus the derived ``log_population`` if the
    registry lacks it."""
    from helpers.panel import variables

    names = variables.valid_predictors()
    return names if "log_population" in names else [*names, "log_population"]


def icb_year_columns(_: Mapping[str, Any]) -> list[str]:
    """Measures of the ICB panel (``icb_year``) that a profile may show: the registry's."""
    from helpers.panel import variables

    return variables.names_in("icb_year")


def trust_variables(_: Mapping[str, Any]) -> list[str]:
    """Trust-level variables (the trust registry, ``trust_variables.csv``), in its order."""
    from helpers.panel import trust_registry

    return list(trust_registry.registry().index)


def finance_measures(_: Mapping[str, Any]) -> list[str]:
    """Measures a curated finance row may carry (the curated validator's vocabulary)."""
    from helpers.data.curated import FINANCE_MEASURES

    return sorted(FINANCE_MEASURES)


def full_year_stages(_: Mapping[str, Any]) -> list[str]:
    """Stages of a full-year position the models may select (the best-available rule's order)."""
    from helpers.panel.finance import STAGE_RANK

    return list(STAGE_RANK)


def source_kinds(_: Mapping[str, Any]) -> list[str]:
    """Kinds of source a curated finance row may cite."""
    from helpers.data.curated import SOURCE_KINDS

    return sorted(SOURCE_KINDS)


def debt_systems(_: Mapping[str, Any]) -> list[str]:
    """ICB codes with a row in the curated legacy-debt table."""
    import pandas as pd

    table = pd.read_csv(CURATED_DIR / "legacy_debt.csv", dtype=str, keep_default_na=False)
    return sorted(set(table["icb_code"]) - {""})


def icb_codes(_: Mapping[str, Any]) -> list[str]:
    """The 42 ICB codes of the committed ICB lookup (``icb_lookup.parquet``, built by stage 01
    and committed); before any build has written it, any code of the Q-code form passes here
    and the profile notebook checks it against the lookup it builds."""
    path = PROCESSED_DIR / "icb_lookup.parquet"
    if not path.is_file():
        return []
    import pandas as pd

    return sorted(pd.read_parquet(path, columns=["icb_code"])["icb_code"].astype(str))


def rollup_names(document: Mapping[str, Any]) -> list[str]:
    """Names of the trust roll-ups notebook 06 builds (its ``rollups`` parameter)."""
    notebooks = document.get("notebooks") if isinstance(document, Mapping) else None
    section = (
        (notebooks or {}).get("06_build_trust_panel") if isinstance(notebooks, Mapping) else None
    )
    rollups = section.get("rollups") if isinstance(section, Mapping) else None
    return list(rollups) if isinstance(rollups, Mapping) else []


def _fixed(*values: str) -> Choices:
    return lambda _: list(values)


# --------------------------------------------------------------------------- the schema

YEAR = Rule(str, choices=panel_years)
YEARS = Rule(str, is_list=True, choices=panel_years)
PREDICTORS = Rule(str, is_list=True, choices=valid_predictors)
MEASURES = Rule(str, is_list=True, choices=finance_measures)
SOURCE_KINDS = Rule(str, is_list=True, choices=source_kinds)
STAGES = Rule(str, is_list=True, choices=full_year_stages)
BASES = Rule(str, is_list=True, choices=_fixed("before_support", "after_support", "unknown"))
TIMINGS = Rule(str, choices=_fixed("lagged", "same_year"))
ALPHA = Rule(float, low=0.0001, high=0.5)
POWER = Rule(float, low=0.5, high=0.99)
TRUST_VARIABLES = Rule(str, is_list=True, choices=trust_variables)
TRUST_VARIABLE = Rule(str, choices=trust_variables)
ICB_MEASURES = Rule(str, is_list=True, choices=icb_year_columns)

RESULTS_DIR = Rule(
    str,
    pattern=INSIDE_REPOSITORY,
    pattern_text="a folder inside the repository, relative to its root",
)

COMMON_RULES: dict[str, Rule] = {
    "seed": Rule(int, low=0, high=MAX_SEED),
    "first_year": Rule(str, choices=data_years),
    "last_year": Rule(str, choices=data_years),
}

#: What an unknown key of a notebook's section adds: where a new parameter is declared.
NEW_PARAMETER = (
    " (a new parameter needs a rule in NOTEBOOK_RULES in src/helpers/config.py and the same key"
    " in the notebook's parameters cell)"
)

#: Every notebook's own parameters (a notebook with none has an empty section). Each key here
#: is declared in the notebook's ``parameters`` cell, with the value params.yaml gives it.
NOTEBOOK_RULES: dict[str, dict[str, Rule]] = {
    "00_inventory_sources": {},
    "01_build_icb_panel": {"min_months": Rule(int, low=1, high=12)},
    "02_describe_deficits": {"below_target_pct": Rule(float, low=-100, high=100)},
    "03_model_deficit_drivers": {
        "primary_model": Rule(str, choices=_fixed("panel_fixed_effects")),
        "main_predictors": PREDICTORS,
        "candidate_predictors": PREDICTORS,
        "years": YEARS,
        "stages": STAGES,
        "source_kinds": SOURCE_KINDS,
        "outcome": Rule(str, choices=_fixed(*OUTCOMES)),
        "alpha": ALPHA,
        "power": POWER,
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
        "specification_curve": Rule(
            dict,
            section={
                "timings": Rule(dict, values=TIMINGS),
                "bases": Rule(dict, values=BASES),
                "stage_subsets": Rule(dict, values=STAGES),
                "source_tiers": Rule(dict, values=SOURCE_KINDS),
                "year_windows": Rule(dict, values=YEARS),
                "denominators": Rule(dict, values=Rule(str, choices=_fixed(*DENOMINATORS))),
                "control_sets": Rule(
                    dict, values=Rule(str, is_list=True, choices=valid_predictors, empty=True)
                ),
            },
        ),
        "results_dir": RESULTS_DIR,
        "save_results": Rule(bool),
    },
    "04_describe_workforce": {
        "survey_columns": Rule(dict, keys=valid_predictors, values=Rule(str)),
        "outcome_measures": MEASURES,
        "outcome_source_kinds": SOURCE_KINDS,
        "debt_system": Rule(str, choices=debt_systems),
        "debt_allocation_year": YEAR,
    },
    "05_check_claims": {
        "about_tolerance_pct": Rule(float, low=0, high=100),
        "pct_point_tolerance": Rule(float, low=0, high=100),
    },
    "06_build_trust_panel": {
        "of0079_tolerance_pp": Rule(float, low=0, high=100),
        "measures_year_start": Rule(str, pattern=MONTH, pattern_text="a month written YYYY-MM"),
        "unmapped_trusts": Rule(
            dict, values=Rule(str, pattern=re.compile(r"\S"), pattern_text="a reason"), empty=True
        ),
        "rollup_size": TRUST_VARIABLES,
        "rollups": Rule(dict, fields={"outcome": TRUST_VARIABLE, "weight": TRUST_VARIABLE}),
    },
    "07_model_trust_finance": {
        "outcomes": TRUST_VARIABLES,
        "accounting_outcomes": TRUST_VARIABLES,
        "legacy_outcomes": TRUST_VARIABLES,
        "drop_raac": Rule(bool),
        "results_dir": RESULTS_DIR,
        "main_predictors": TRUST_VARIABLES,
        "controls": TRUST_VARIABLES,
        "candidate_predictors": TRUST_VARIABLES,
        "region_effects": Rule(bool),
        "break_even_band_pp": Rule(float, low=0, high=100),
        "alpha": ALPHA,
        "power": POWER,
        "validation": Rule(
            dict,
            fields={
                "rollup": Rule(str, choices=rollup_names),
                "financial_year": YEAR,
                "measures": MEASURES,
            },
        ),
        "min_share_covered_pct": Rule(float, low=0, high=100),
        "n_disagreeing": Rule(int, low=1, high=42),
        "system_year": YEAR,
        "system_rollups": Rule(str, is_list=True, choices=rollup_names),
        "save_results": Rule(bool),
    },
    "08_profile_system": {
        "icb_code": Rule(str, choices=icb_codes, pattern=ICB_CODE, pattern_text="an ICB Q-code"),
        "funding_measures": ICB_MEASURES,
        "population_measures": ICB_MEASURES,
        "pressure_measures": ICB_MEASURES,
    },
}

#: Lists of one section that may not share a name: a predictor belongs to one family.
DISJOINT: dict[str, tuple[str, ...]] = {
    "03_model_deficit_drivers": ("main_predictors", "candidate_predictors"),
    "07_model_trust_finance": ("outcomes", "main_predictors", "controls", "candidate_predictors"),
}


# --------------------------------------------------------------------------- checking


def _type_name(kind: type) -> str:
    return {float: "number", int: "whole number", str: "text", bool: "true/false", dict: "mapping"}[
        kind
    ]


def _suggestion(value: Any, valid: list[str]) -> str:
    """' Did you mean 'x'?' when a valid name is close to ``value`` (difflib), else ''."""
    close = difflib.get_close_matches(str(value), [str(name) for name in valid], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_scalar(where: str, value: Any, rule: Rule, document: Mapping[str, Any]) -> list[str]:
    """Problems with one value (or one list item) against ``rule``."""
    if not _is_kind(value, rule.kind):
        return [
            f"{where} = {value!r}: expected a {_type_name(rule.kind)}, got {type(value).__name__}"
        ]
    if rule.pattern is not None and not rule.pattern.search(value):
        return [f"{where} = {value!r} is not {rule.pattern_text}"]
    if rule.choices is not None:
        valid = rule.choices(document)
        if valid and value not in valid:
            return [
                f"{where} = {value!r} is not a valid value; valid values: {valid}"
                + _suggestion(value, valid)
            ]
    if (rule.low is not None and value < rule.low) or (rule.high is not None and value > rule.high):
        return [f"{where} = {value!r} is outside the valid range [{rule.low}, {rule.high}]"]
    return []


def check_value(where: str, value: Any, rule: Rule, document: Mapping[str, Any]) -> list[str]:
    """Every problem with ``value`` under ``rule``; ``where`` names the full key path."""
    if rule.is_list:
        if not isinstance(value, list):
            return [f"{where} = {value!r}: expected a list of {_type_name(rule.kind)}"]
        if not value and not rule.empty:
            valid = f"; valid values: {rule.choices(document)}" if rule.choices else ""
            return [f"{where} is an empty list: give at least one value{valid}"]
        problems = [
            problem
            for index, item in enumerate(value)
            for problem in _check_scalar(f"{where}[{index}]", item, rule, document)
        ]
        duplicates = sorted({str(item) for item in value if value.count(item) > 1})
        if duplicates:
            problems.append(f"{where} repeats {duplicates}")
        return problems
    if rule.kind is dict:
        return _check_mapping(where, value, rule, document)
    return _check_scalar(where, value, rule, document)


def _unknown_keys(where: str, unknown: list[str], valid: list[str], what: str = "key") -> str:
    hints = [
        f"{_suggestion(name, valid)[2:-1]} for {name!r}"
        for name in unknown
        if _suggestion(name, valid)
    ]
    hint = f"; {'; '.join(hints)}?" if hints else ""
    return f"{where} has unknown {what}(s) {unknown}; valid {what}s: {valid}{hint}"


def _check_mapping(where: str, value: Any, rule: Rule, document: Mapping[str, Any]) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where} = {value!r}: expected a mapping, got {type(value).__name__}"]
    if rule.section is not None:
        return check_section(where, value, rule.section, document)
    if not value:
        return [] if rule.empty else [f"{where} is empty: give at least one entry"]
    problems: list[str] = []
    if rule.keys is not None:
        valid = rule.keys(document)
        unknown = [key for key in value if key not in valid]
        if unknown:
            problems.append(_unknown_keys(where, unknown, valid))
    for name, entry in value.items():
        if not isinstance(name, str):
            problems.append(f"{where}: the key {name!r} is not text (quote it)")
        elif rule.fields is not None:
            problems += check_section(f"{where}.{name}", entry, rule.fields, document)
        elif rule.values is not None:
            problems += check_value(f"{where}.{name}", entry, rule.values, document)
    return problems


def check_section(
    where: str, section: Any, rules: Mapping[str, Rule], document: Mapping[str, Any]
) -> list[str]:
    """Problems in one mapping of parameters: every key needs a rule and every rule a key."""
    if section is None and not rules:
        return []
    if not isinstance(section, dict):
        return [f"{where} = {section!r}: expected a mapping of parameters"]
    problems: list[str] = []
    unknown = [key for key in section if key not in rules]
    missing = [key for key in rules if key not in section and not rules[key].optional]
    if unknown:
        problems.append(_unknown_keys(where, unknown, sorted(rules)))
    if missing:
        problems.append(f"{where} lacks key(s) {missing}")
    for key, rule in rules.items():
        if key in section:
            problems += check_value(f"{where}.{key}", section[key], rule, document)
    return problems


def _check_disjoint(where: str, section: Mapping[str, Any], keys: tuple[str, ...]) -> list[str]:
    """A name in two of the lists ``keys`` of one section (each belongs to one family)."""
    seen: dict[str, str] = {}
    problems: list[str] = []
    for key in keys:
        names = section.get(key)
        for name in names if isinstance(names, list) else []:
            if not isinstance(name, str):
                continue
            if name in seen and seen[name] != key:
                problems.append(
                    f"{where}: {name!r} is in both {where}.{seen[name]} and {where}.{key}; "
                    "each name belongs to one list"
                )
            seen.setdefault(name, key)
    return problems


def check_params(document: Any) -> list[str]:
    """Every problem with a parsed params.yaml document (empty when it is valid)."""
    if not isinstance(document, dict):
        return ["expected a mapping with 'common' and 'notebooks'"]
    common, notebooks = document.get("common"), document.get("notebooks")
    if not isinstance(common, dict) or not isinstance(notebooks, dict):
        return ["expected top-level 'common' and 'notebooks' mappings"]
    unknown_top = [key for key in document if key not in ("common", "notebooks")]
    problems = (
        [_unknown_keys("params.yaml", unknown_top, ["common", "notebooks"], "top-level key")]
        if unknown_top
        else []
    )
    problems += check_section("common", common, COMMON_RULES, document)
    first, last = common.get("first_year"), common.get("last_year")
    if isinstance(first, str) and isinstance(last, str) and first > last:
        problems.append(f"common.first_year = {first!r} is after common.last_year = {last!r}")
    unknown = [name for name in notebooks if name not in NOTEBOOK_RULES]
    if unknown:
        problems.append(_unknown_keys("notebooks", unknown, list(NOTEBOOK_RULES), "notebook"))
    for name, rules in NOTEBOOK_RULES.items():
        where = f"notebooks.{name}"
        section = notebooks.get(name)
        if name not in notebooks and rules:
            problems.append(f"notebooks lacks the section {name!r} (keys {list(rules)})")
            continue
        problems += [
            problem + NEW_PARAMETER if problem.startswith(f"{where} has unknown") else problem
            for problem in check_section(where, section, rules, document)
        ]
        if isinstance(section, dict) and name in DISJOINT:
            problems += _check_disjoint(where, section, DISJOINT[name])
    return problems


def load_params(path: Path = PARAMS_FILE, strict: bool = True) -> dict[str, Any]:
    """Read ``params.yaml`` and check it against the whole schema; raise ConfigError listing
    each key at fault (full path) with its bad value, the valid ones and the closest.

    The one entry point for the checker (``make check-params``) and the build alike.
    """
    try:
        document = parse_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the parameters file ({error.strerror})") from error
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
