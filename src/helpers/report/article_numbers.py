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
BRIEFING_KEY = "briefing"  # the sentences under the forest plot (helpers.report.key_points)
RESERVED_KEYS = (PROVENANCE_KEY, KEY_POINTS_KEY, BRIEFING_KEY)
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
            if key in RESERVED_KEYS:
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


#: Sections of ``_variables.yml`` written from the numbers and the processed tables (the render
#: stage passes :func:`helpers.report.key_points.variables`, which writes ``key_points`` and
#: ``briefing``; it is passed in, not imported here, so that the notebooks, which import this
#: module, do not rerun when the key points' wording changes).
Sections = Callable[[dict[str, Number], Path], dict[str, dict[str, str]]]


def write_variables(
    renderer: str, layout: ReportLayout | None = None, sections: Sections | None = None
) -> Path:
    """Write ``report/_variables.yml``: every number plus a ``provenance`` mapping.

    Numbers come from :func:`collect_numbers` (a key set by two stages is an error); the file
    is written atomically with sorted keys so unchanged inputs give identical bytes.
    ``sections(numbers, processed_dir)`` adds the reserved sections (the key points).
    """
    layout = layout or ReportLayout()
    numbers = collect_numbers(layout.processed_dir)
    variables: dict[str, Any] = dict(numbers)
    if sections is not None:
        for key, section in sections(numbers, layout.processed_dir).items():
            if key not in RESERVED_KEYS:
                raise DataError(f"section {key!r} is not one of {list(RESERVED_KEYS)}")
            variables[key] = section
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
