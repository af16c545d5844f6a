"""Fingerprints of the labelled figures in the executed notebooks, checked like text.

nbval compares text outputs only, so two figures drawn under each other's labels would pass it
and be published under each other's captions. ``tests/expected/figure_hashes.json`` records
the SHA-256 of each labelled figure's PNG in the committed (canonical) run; a test compares
the notebooks with it. After a deliberate change to a figure, rebuild the notebooks
(``make report``) and then regenerate the record with ``make figure-hashes``
(``python -m helpers.figure_hashes``), and review its diff: only the figures you meant to
change should move.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat

from helpers.paths import REPORT_DIR, ROOT

#: The executed notebooks (build outputs of the workflow) whose figures are checked.
EXECUTED_DIR: Path = REPORT_DIR / "notebooks"

MANIFEST_FILE: Path = ROOT / "tests" / "expected" / "figure_hashes.json"
FIGURE_LABEL = re.compile(r"^#\|\s*label:\s*(fig-[a-z0-9-]+)\s*$", re.MULTILINE)


def figure_hashes(notebook: Path) -> dict[str, list[str]]:
    """SHA-256 of every PNG output of each cell labelled ``fig-...``, by label, in order."""
    hashes: dict[str, list[str]] = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        match = FIGURE_LABEL.search(cell.source) if cell.cell_type == "code" else None
        if match is None:
            continue
        pngs = [
            output["data"]["image/png"]
            for output in cell.get("outputs", [])
            if "image/png" in output.get("data", {})
        ]
        hashes[match.group(1)] = [
            hashlib.sha256(base64.b64decode("".join(png))).hexdigest() for png in pngs
        ]
    return hashes


def all_figure_hashes(notebooks_dir: Path = EXECUTED_DIR) -> dict[str, dict[str, list[str]]]:
    """Figure hashes of every notebook that has labelled figures, by notebook name."""
    found = {path.name: figure_hashes(path) for path in sorted(notebooks_dir.glob("[0-9]*.ipynb"))}
    return {name: figures for name, figures in found.items() if figures}


def write_manifest(path: Path = MANIFEST_FILE, notebooks_dir: Path = EXECUTED_DIR) -> Path:
    """Record the current notebooks' figure hashes (stable, sorted JSON)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(all_figure_hashes(notebooks_dir), indent=2, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def differences(
    recorded: dict[str, dict[str, list[str]]], current: dict[str, dict[str, list[str]]]
) -> list[str]:
    """Human-readable differences between recorded and current figure hashes."""
    problems: list[str] = []
    for notebook in sorted(set(recorded) | set(current)):
        before, now = recorded.get(notebook, {}), current.get(notebook, {})
        for label in sorted(set(before) | set(now)):
            if label not in now:
                problems.append(f"{notebook}: figure {label} is recorded but no longer drawn")
            elif label not in before:
                problems.append(f"{notebook}: figure {label} is new (not recorded)")
            elif before[label] != now[label]:
                moved = [
                    other
                    for other, hashes in before.items()
                    if hashes == now[label] and other != label
                ]
                hint = f" (it now shows what {moved[0]} showed)" if moved else ""
                problems.append(f"{notebook}: figure {label} changed{hint}")
    return problems


def main() -> int:
    """Command line: rewrite the record from the committed notebooks."""
    path = write_manifest()
    count = sum(len(figures) for figures in all_figure_hashes().values())
    print(f"recorded {count} labelled figures in {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
