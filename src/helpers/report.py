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
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from helpers.errors import DataError
from helpers.io import atomic_write
from helpers.paths import NOTEBOOKS_DIR, PARAMS_FILE, PROCESSED_DIR, REPORT_DIR, ROOT, SOURCES_FILE

Number = str | int | float

KEY = re.compile(r"^[a-z][a-z0-9_]*$")
STAGE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
NOTEBOOK_NAME = re.compile(r"^\d{2}_[a-z0-9_]+\.ipynb$")
NUMBERS_GLOB = "numbers_*.json"
PROVENANCE_KEY = "provenance"
DERIVED_STAGE = "report"
VERSIONED_PACKAGES = ("pandas", "statsmodels", "seaborn", "papermill")


@dataclass(frozen=True)
class ReportLayout:
    """Where the report machinery reads and writes; defaults are the repository's folders."""

    root: Path = ROOT
    notebooks_dir: Path = NOTEBOOKS_DIR
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
    text = json.dumps(numbers, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
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
    table = pd.read_csv(inventory, usecols=["dataset_id", "file"])
    return {"n_raw_files": len(table), "n_raw_datasets": int(table["dataset_id"].nunique())}


def collect_numbers(processed_dir: Path = PROCESSED_DIR) -> dict[str, Number]:
    """Merge every ``numbers_*.json`` with :func:`derived_numbers`; a repeated key is an error."""
    merged: dict[str, Number] = {}
    origin: dict[str, str] = {}
    sources = [(path.name, load_numbers(path)) for path in sorted(processed_dir.glob(NUMBERS_GLOB))]
    sources.append(
        (f"{DERIVED_STAGE} (helpers.report.derived_numbers)", derived_numbers(processed_dir))
    )
    for name, numbers in sources:
        for key, value in numbers.items():
            if key == PROVENANCE_KEY:
                raise DataError(f"{name}: the key {PROVENANCE_KEY!r} is reserved for provenance")
            if key in merged:
                raise DataError(f"number {key!r} is set twice: in {origin[key]} and in {name}")
            merged[key] = value
            origin[key] = name
    return dict(sorted(merged.items()))


def _git(root: Path, *arguments: str) -> str | None:
    """Output of a git command in ``root``, or None when git or the repository is missing."""
    try:
        done = subprocess.run(
            ["git", *arguments], cwd=root, capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def git_commit(root: Path = ROOT) -> tuple[str, str]:
    """(commit hash, state) of the work tree: state is clean, uncommitted changes or no git."""
    commit = _git(root, "rev-parse", "HEAD")
    if not commit:
        return "unknown", "no git repository"
    changes = _git(root, "status", "--porcelain", "--untracked-files=no")
    return commit, "uncommitted changes" if changes else "clean"


def git_commit_date(root: Path = ROOT) -> str | None:
    """ISO date (YYYY-MM-DD) of the HEAD commit, or None without git."""
    date = _git(root, "log", "-1", "--format=%cs")
    return date or None


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


def provenance(renderer: str, layout: ReportLayout | None = None) -> dict[str, str]:
    """What the build is made from: commit, parameter and catalogue hashes, renderer, versions."""
    layout = layout or ReportLayout()
    commit, state = git_commit(layout.root)
    return {
        "git_commit": commit,
        "git_state": state,
        "git_date": git_commit_date(layout.root) or "unknown",
        "params_sha256": _sha256(layout.params_file),
        "sources_sha256": _sha256(layout.sources_file),
        "renderer": renderer,
        **software_versions(),
    }


def write_variables(renderer: str, layout: ReportLayout | None = None) -> Path:
    """Write ``report/_variables.yml``: every number plus a ``provenance`` mapping.

    Numbers come from :func:`collect_numbers` (a key set by two stages is an error); the file
    is written atomically with sorted keys so unchanged inputs give identical bytes.
    """
    layout = layout or ReportLayout()
    variables: dict[str, Any] = dict(collect_numbers(layout.processed_dir))
    variables[PROVENANCE_KEY] = provenance(renderer, layout)
    text = (
        "# Written by helpers.report.write_variables (make report); do not edit.\n"
        + yaml.safe_dump(variables, sort_keys=True, allow_unicode=True, default_flow_style=False)
    )
    return atomic_write(layout.variables_file, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def load_variables(path: Path) -> dict[str, Any]:
    """Read a ``_variables.yml`` file (an empty file gives an empty mapping)."""
    if not path.is_file():
        raise DataError(f"{path} does not exist: run the render stage (make report) first")
    variables = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
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
