"""Numbers for the report's text, ``report/_variables.yml`` with provenance, notebook copies.

Notebooks never retype a number into the report: they call :func:`save_numbers`, which writes
``data/processed/numbers_<stage>.json``. The render stage merges every such file, a few numbers
derived here from processed tables, and the build's provenance (git commit, hash of
``params.yaml``, renderer, software versions) into ``report/_variables.yml``, which the report
reads with ``{{< var key >}}``. It also copies the executed notebooks into ``report/notebooks/``
because Quarto handles notebooks outside its project poorly.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from helpers.data.io import atomic_write
from helpers.errors import DataError
from helpers.paths import PARAMS_FILE, PROCESSED_DIR, REPORT_DIR, ROOT, SOURCES_FILE
from helpers.precision import SIGNIFICANT_DIGITS, round_numbers
from helpers.report import release
from helpers.repository import git_output
from helpers.yaml_files import parse_yaml

Number = str | int | float

KEY = re.compile(r"^[a-z][a-z0-9_]*$")
STAGE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
NOTEBOOK_NAME = re.compile(r"^\d{2}_[a-z0-9_]+\.ipynb$")
NUMBERS_GLOB = "numbers_*.json"
PROVENANCE_KEY = "provenance"
RELEASE_KEY = "release"
KEY_POINTS_KEY = "key_points"
DERIVED_STAGE = "report"
VERSIONED_PACKAGES = (
    "pandas",
    "numpy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "papermill",
    "typst",
)


@dataclass(frozen=True)
class ReportLayout:
    """Where the report machinery reads and writes; defaults are the repository's folders."""

    root: Path = ROOT
    notebooks_dir: Path = REPORT_DIR / "notebooks"  # the workflow's executed notebooks
    processed_dir: Path = PROCESSED_DIR
    report_dir: Path = REPORT_DIR
    params_file: Path = PARAMS_FILE
    sources_file: Path = SOURCES_FILE

    @property
    def variables_file(self) -> Path:
        """``report/_variables.yml``, read by Quarto's ``var`` shortcode (git-ignored)."""
        return self.report_dir / "_variables.yml"

    @property
    def report_notebooks_dir(self) -> Path:
        """``report/notebooks/``: the copies of the executed notebooks (git-ignored)."""
        return self.report_dir / "notebooks"


def _check_number(stage: str, key: str, value: object) -> None:
    """Raise DataError unless ``key`` is snake_case and ``value`` a finite number or a string."""
    if not isinstance(key, str) or not KEY.match(key):
        raise DataError(f"numbers for stage {stage!r}: key {key!r} is not snake_case")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DataError(
            f"numbers for stage {stage!r}: {key} is a {type(value).__name__}; "
            "give a str, int or float (format it for the text first)"
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise DataError(f"numbers for stage {stage!r}: {key} is {value}, not a finite number")


def numbers_path(stage: str, directory: Path = PROCESSED_DIR) -> Path:
    """``<directory>/numbers_<stage>.json``; the stage name must be snake_case."""
    if not STAGE.match(stage):
        raise DataError(f"stage name {stage!r} must be lower-case letters, digits and _")
    return directory / f"numbers_{stage}.json"


def save_numbers(numbers: dict[str, Number], stage: str, directory: Path = PROCESSED_DIR) -> Path:
    """Write a notebook's numbers for the report to ``data/processed/numbers_<stage>.json``.

    Keys are snake_case; values are ints, finite floats or strings already formatted for the
    text (e.g. ``"£1.2 billion"``). The file is written atomically with sorted keys, so the same
    numbers always give the same bytes. Raises DataError naming the stage and key at fault.
    """
    for key, value in numbers.items():
        _check_number(stage, key, value)
    path = numbers_path(stage, directory)
    text = json.dumps(round_numbers(numbers), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def load_numbers(path: Path) -> dict[str, Number]:
    """Read and check one ``numbers_<stage>.json`` file."""
    stage = path.stem.removeprefix("numbers_")
    try:
        numbers = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DataError(f"{path}: not valid JSON ({error})") from error
    if not isinstance(numbers, dict):
        raise DataError(f"{path}: expected a JSON object of key: value")
    for key, value in numbers.items():
        _check_number(stage, key, value)
    return numbers


def derived_numbers(processed_dir: Path = PROCESSED_DIR) -> dict[str, Number]:
    """Numbers the report quotes that are derived here from processed tables.

    From ``source_inventory.csv``: ``n_raw_files`` (rows, one per raw file) and
    ``n_raw_datasets`` (distinct dataset ids). Missing tables give no numbers.
    """
    inventory = processed_dir / "source_inventory.csv"
    if not inventory.is_file():
        return {}
    import pandas as pd  # only here: importing the module stays light for the build runner

    table = pd.read_csv(inventory, usecols=["dataset_id", "file"])
    return {"n_raw_files": len(table), "n_raw_datasets": int(table["dataset_id"].nunique())}


def _year_label(year_key: str) -> str:
    """'2024_25' -> '2024/25'."""
    return year_key.replace("_", "/")


def _by_year(numbers: dict[str, Number], prefix: str, suffix: str = "") -> dict[str, Number]:
    """Values of ``<prefix><YYYY_YY><suffix>`` keys, by year key, in year order."""
    pattern = re.compile(rf"^{re.escape(prefix)}(\d{{4}}_\d{{2}}){re.escape(suffix)}$")
    found = {
        match.group(1): value for key, value in numbers.items() if (match := pattern.match(key))
    }
    return dict(sorted(found.items()))


def _signed(value: Number) -> str:
    """A number as text with a true minus sign."""
    text = str(value)
    return "\u2212" + text[1:] if text.startswith("-") else text


def key_point_scale(numbers: dict[str, Number]) -> str | None:
    """The latest draft-plan aggregate deficit, whether it is the largest in the series, and
    the final-plan figure of the same year."""
    drafts = {
        year: float(value) for year, value in _by_year(numbers, "national_draft_", "_gbp_m").items()
    }
    if not drafts:
        return None
    latest = max(drafts)
    text = (
        f"Systems' draft plans for {_year_label(latest)} added up to a deficit of "
        f"{numbers[f'national_draft_{latest}_text']}"
    )
    if len(drafts) > 1 and drafts[latest] == max(drafts.values()):
        text += f", the largest draft-plan total of the {len(drafts)} years with one"
    final = numbers.get(f"national_final_{latest}_text")
    if final:
        text += f"; final plans still carried {final} before deficit support"
    return text + "."


def key_point_positions(numbers: dict[str, Number]) -> str | None:
    """The year with the most system figures: how many were in deficit, and the median."""
    counts = _by_year(numbers, "positions_n_systems_")
    if not counts:
        return None
    year = max(counts, key=lambda item: (int(counts[item]), item))
    n_deficit = numbers.get(f"positions_n_deficit_{year}")
    if n_deficit is None:
        return None
    text = (
        f"{n_deficit} of the {counts[year]} systems with a published {_year_label(year)} "
        "position were in deficit"
    )
    median = numbers.get(f"positions_median_pct_{year}")
    if median is not None:
        text += f" (median {_signed(median)}% of core allocation)"
    return text + "."


def key_point_coverage(numbers: dict[str, Number]) -> str | None:
    """How many of the 42 systems have any published position."""
    if "positions_n_systems_any_year" not in numbers:
        return None
    covered = numbers["positions_n_systems_any_year"]
    text = f"{covered} of the 42 systems have a published position in some year"
    if "positions_n_systems_none" in numbers:
        text += f"; {numbers['positions_n_systems_none']} have none"
    return text + ", so every finding rests on a partial, self-selected sample."


def key_point_drivers(numbers: dict[str, Number]) -> str | None:
    """The main model's headline: the conclusion the models stage wrote with
    ``helpers.analysis.inference`` (``model_conclusion``), else the main estimate's numbers
    alone."""
    for key in ("model_conclusion", "model_headline_sentence"):
        if key in numbers:
            return str(numbers[key])
    needed = ("model_distance_coef", "model_distance_ci_low", "model_distance_ci_high")
    if not all(key in numbers for key in needed):
        return None
    return (
        "Distance from the fair-shares target, in the main model: "
        f"{_signed(numbers['model_distance_coef'])} percentage points of allocation per "
        f"standard deviation (95% interval {_signed(numbers['model_distance_ci_low'])} to "
        f"{_signed(numbers['model_distance_ci_high'])}; "
        f"N = {numbers.get('model_n_systems', 'unknown')} systems)."
    )


def key_point_claims(numbers: dict[str, Number]) -> str | None:
    """How the checked published claims came out, by verdict."""
    if "claims_n" not in numbers:
        return None
    verdicts = [
        ("claims_n_supported", "supported"),
        ("claims_n_partly_supported", "partly supported"),
        ("claims_n_partly_contradicted", "partly contradicted"),
        ("claims_n_contradicted", "contradicted"),
        ("claims_n_not_testable", "not testable with these data"),
    ]
    parts = [f"{numbers[key]} {word}" for key, word in verdicts if key in numbers]
    return f"Of {numbers['claims_n']} published claims checked: " + ", ".join(parts) + "."


KEY_POINTS: dict[str, Callable[[dict[str, Number]], str | None]] = {
    "scale": key_point_scale,
    "positions": key_point_positions,
    "drivers": key_point_drivers,
    "claims": key_point_claims,
    "coverage": key_point_coverage,
}


def key_points(numbers: dict[str, Number]) -> dict[str, str]:
    """The report's key points, one sentence each computed from the numbers. A point whose
    numbers are missing from the build says so instead of disappearing."""
    points: dict[str, str] = {}
    for name, build in KEY_POINTS.items():
        points[name] = build(numbers) or f"(This build has no numbers for the {name} key point.)"
    return points


def collect_numbers(processed_dir: Path = PROCESSED_DIR) -> dict[str, Number]:
    """Merge every ``numbers_*.json`` with :func:`derived_numbers`; a repeated key is an error."""
    merged: dict[str, Number] = {}
    origin: dict[str, str] = {}
    sources = [(path.name, load_numbers(path)) for path in sorted(processed_dir.glob(NUMBERS_GLOB))]
    sources.append(
        (
            f"{DERIVED_STAGE} (helpers.report.article_numbers.derived_numbers)",
            derived_numbers(processed_dir),
        )
    )
    for name, numbers in sources:
        for key, value in numbers.items():
            if key in (PROVENANCE_KEY, KEY_POINTS_KEY):
                raise DataError(f"{name}: the key {key!r} is reserved for the render stage")
            if key in merged:
                raise DataError(f"number {key!r} is set twice: in {origin[key]} and in {name}")
            merged[key] = value
            origin[key] = name
    return dict(sorted(merged.items()))


def git_commit(root: Path = ROOT) -> tuple[str, str]:
    """(commit hash, state) of the work tree: state is clean, uncommitted changes or no git."""
    commit = git_output(root, "rev-parse", "HEAD")
    if not commit:
        return "unknown", "no git repository"
    changes = git_output(root, "status", "--porcelain", "--untracked-files=no")
    return commit, "uncommitted changes" if changes else "clean"


def git_commit_date(root: Path = ROOT) -> str | None:
    """ISO date (YYYY-MM-DD) of the HEAD commit, or None without git."""
    return git_output(root, "log", "-1", "--format=%cs")


def _sha256(path: Path) -> str:
    """SHA-256 of a file, or 'missing' when it does not exist."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


def software_versions() -> dict[str, str]:
    """Versions of Python and of the key analysis packages."""
    import platform

    versions = {"python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _cpu_model() -> str:
    """The processor's model name (Linux /proc/cpuinfo; else what :mod:`platform` says)."""
    import platform

    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name") and ":" in line:
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown"


def machine_details() -> dict[str, str]:
    """The machine the numbers were computed on: processor, operating system, the BLAS NumPy
    uses and the CPU features its kernels may use, and the declared output precision.

    Results agree across machines at the declared precision (:mod:`helpers.precision`); these
    details say where a build was made, for anyone comparing builds.
    """
    import platform

    import numpy as np

    config = np.show_config(mode="dicts") or {}
    blas = config.get("Build Dependencies", {}).get("blas", {})
    simd = config.get("SIMD Extensions", {})
    return {
        "cpu": _cpu_model(),
        "machine": platform.machine() or "unknown",
        "operating_system": f"{platform.system()} {platform.release()}".strip(),
        "blas": f"{blas.get('name', 'unknown')} {blas.get('version', '')}".strip(),
        "cpu_features": ", ".join(simd.get("found", [])) or "none reported",
        "significant_digits": str(SIGNIFICANT_DIGITS),
    }


def provenance(renderer: str, layout: ReportLayout | None = None) -> dict[str, str]:
    """What the build is made from: commit, parameter and catalogue hashes, renderer, versions."""
    layout = layout or ReportLayout()
    commit, state = git_commit(layout.root)
    return {
        "git_commit": commit,
        "git_state": state,
        # printed after the commit only when the tree differs from it: " (uncommitted changes)"
        "git_state_note": "" if state == "clean" else f" ({state})",
        "git_date": git_commit_date(layout.root) or "unknown",
        "params_sha256": _sha256(layout.params_file),
        "sources_sha256": _sha256(layout.sources_file),
        "renderer": renderer,
        **software_versions(),
        **machine_details(),
    }


def write_variables(renderer: str, layout: ReportLayout | None = None) -> Path:
    """Write ``report/_variables.yml``: every number plus a ``provenance`` mapping.

    Numbers come from :func:`collect_numbers` (a key set by two stages is an error); the file
    is written atomically with sorted keys so unchanged inputs give identical bytes.
    """
    layout = layout or ReportLayout()
    numbers = collect_numbers(layout.processed_dir)
    variables: dict[str, Any] = dict(numbers)
    variables[KEY_POINTS_KEY] = key_points(numbers)
    variables[PROVENANCE_KEY] = provenance(renderer, layout)
    variables[RELEASE_KEY] = release.release_variables(layout.root)
    text = (
        "# Written by helpers.report.article_numbers.write_variables (make report); do not edit.\n"
        + yaml.safe_dump(variables, sort_keys=True, allow_unicode=True, default_flow_style=False)
    )
    return atomic_write(layout.variables_file, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def load_variables(path: Path) -> dict[str, Any]:
    """Read a ``_variables.yml`` file (an empty file gives an empty mapping)."""
    if not path.is_file():
        raise DataError(f"{path} does not exist: run the render stage (make report) first")
    variables = parse_yaml(path.read_text(encoding="utf-8")) or {}
    if not isinstance(variables, dict):
        raise DataError(f"{path}: expected a mapping of variable names to values")
    return variables


def copy_notebooks(layout: ReportLayout | None = None) -> list[Path]:
    """Copy the executed pipeline notebooks ``NN_verb_object.ipynb`` into ``report/notebooks/``.

    A copy whose bytes are unchanged is left alone (so Quarto's caches stay valid) and copies
    of notebooks that no longer exist are removed. Returns the copies in numeric order.
    """
    layout = layout or ReportLayout()
    target = layout.report_notebooks_dir
    target.mkdir(parents=True, exist_ok=True)
    if target.resolve() == layout.notebooks_dir.resolve():  # executed there by the workflow
        return sorted(path for path in target.glob("*.ipynb") if NOTEBOOK_NAME.match(path.name))
    sources = sorted(
        path for path in layout.notebooks_dir.glob("*.ipynb") if NOTEBOOK_NAME.match(path.name)
    )
    copies: list[Path] = []
    for source in sources:
        copy = target / source.name
        if not copy.is_file() or copy.read_bytes() != source.read_bytes():
            atomic_write(copy, lambda tmp, source=source: shutil.copyfile(source, tmp))
            copy.chmod(0o644)
        copies.append(copy)
    wanted = {source.name for source in sources}
    for stale in target.glob("*.ipynb"):
        if stale.name not in wanted:
            stale.unlink()
    return copies
