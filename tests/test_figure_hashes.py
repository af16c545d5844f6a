"""Each labelled figure in the committed notebooks is the one recorded for its label."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat

from helpers.report import figure_hashes
from helpers.report.figure_hashes import EXECUTED_DIR

REGENERATE = "make figure-hashes (python -m helpers.report.figure_hashes)"


def test_labelled_figures_match_the_recorded_hashes() -> None:
    recorded = json.loads(figure_hashes.MANIFEST_FILE.read_text(encoding="utf-8"))
    problems = figure_hashes.differences(recorded, figure_hashes.all_figure_hashes())
    assert not problems, (
        "labelled figures differ from tests/expected/figure_hashes.json:\n  "
        + "\n  ".join(problems)
        + f"\nIf the change is intended, run make report, then {REGENERATE}, and review the diff."
    )


def test_every_recorded_figure_has_a_png() -> None:
    recorded = json.loads(figure_hashes.MANIFEST_FILE.read_text(encoding="utf-8"))
    assert recorded, "no labelled figures recorded"
    empty = [
        f"{nb}:{label}" for nb, figures in recorded.items() for label, h in figures.items() if not h
    ]
    assert not empty, f"labelled figure cells without a PNG output: {empty}"


def test_two_swapped_figures_are_caught(tmp_path: Path) -> None:
    notebook_path = EXECUTED_DIR / "02_describe_deficits.ipynb"
    copy = tmp_path / notebook_path.name
    shutil.copy(notebook_path, copy)
    notebook = nbformat.read(copy, as_version=4)
    labelled = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and figure_hashes.FIGURE_LABEL.search(cell.source)
    ]
    first, second = labelled[0], labelled[1]
    first.outputs, second.outputs = second.outputs, first.outputs
    nbformat.write(notebook, copy)
    recorded = figure_hashes.all_figure_hashes(EXECUTED_DIR)
    problems = figure_hashes.differences(recorded, figure_hashes.all_figure_hashes(tmp_path))
    label_1 = figure_hashes.FIGURE_LABEL.search(first.source).group(1)  # type: ignore[union-attr]
    label_2 = figure_hashes.FIGURE_LABEL.search(second.source).group(1)  # type: ignore[union-attr]
    assert (
        f"{notebook_path.name}: figure {label_1} changed (it now shows what {label_2} showed)"
        in (problems)
    )
    assert any(
        problem.startswith(f"{notebook_path.name}: figure {label_2} changed")
        for problem in problems
    )
