"""Fingerprints of the labelled figures in the executed notebooks, checked like text.

nbval compares text outputs only, so two figures drawn under each other's labels would pass it
and be published under each other's captions. ``tests/expected/figure_data.json`` records,
for each labelled figure of the canonical run, what it shows: the SHA-256 of its plotted
values at a declared precision and the texts it shows (:mod:`helpers.report.figure_data`, stored in
each image's metadata when it is drawn). PNG bytes are not compared: they differ between
machines by a pixel of anti-aliasing while the figure is the same. A test compares the
notebooks with the record. After a deliberate change to a figure or its data, rebuild the
notebooks (``make report``), regenerate the record with ``make figure-hashes``
(``python -m helpers.report.figure_hashes``) and review its diff: only the figures you meant to
change should move.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat

from helpers.paths import REPORT_DIR, ROOT
from helpers.report.figure_data import METADATA_KEY

#: The executed notebooks (build outputs of the workflow) whose figures are checked.
EXECUTED_DIR: Path = REPORT_DIR / "notebooks"

MANIFEST_FILE: Path = ROOT / "tests" / "expected" / "figure_data.json"
Fingerprint = dict[str, object]
FIGURE_LABEL = re.compile(r"^#\|\s*label:\s*(fig-[a-z0-9-]+)\s*$", re.MULTILINE)


def figure_hashes(notebook: Path) -> dict[str, list[Fingerprint]]:
    """The data fingerprint of every image output of each cell labelled ``fig-...``, by label,
    in order (an image drawn without one, e.g. by an older build, has ``{"missing": ...}``)."""
    hashes: dict[str, list[Fingerprint]] = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        match = FIGURE_LABEL.search(cell.source) if cell.cell_type == "code" else None
        if match is None:
            continue
        hashes[match.group(1)] = [
            output.get("metadata", {}).get("image/png", {}).get(METADATA_KEY)
            or {"missing": "no data fingerprint in the image's metadata"}
            for output in cell.get("outputs", [])
            if "image/png" in output.get("data", {})
        ]
    return hashes


def all_figure_hashes(
    notebooks_dir: Path = EXECUTED_DIR,
) -> dict[str, dict[str, list[Fingerprint]]]:
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
    recorded: dict[str, dict[str, list[Fingerprint]]],
    current: dict[str, dict[str, list[Fingerprint]]],
) -> list[str]:
    """Human-readable differences between recorded and current figure fingerprints: which
    figure changed, whether its values or its texts (and which texts), and whether it now
    shows what another recorded figure showed."""
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
                detail = "" if moved else _what_changed(before[label], now[label])
                problems.append(f"{notebook}: figure {label} changed{hint}{detail}")
    return problems


def _what_changed(before: list[Fingerprint], now: list[Fingerprint]) -> str:
    """': its plotted values' / ': texts added [...], removed [...]' for one figure."""
    if len(before) != len(now):
        return f": {len(now)} images where {len(before)} were recorded"
    parts: list[str] = []
    for old, new in zip(before, now, strict=True):
        if old.get("values_sha256") != new.get("values_sha256"):
            parts.append("its plotted values")
        old_texts, new_texts = set(old.get("texts", [])), set(new.get("texts", []))  # type: ignore[call-overload]
        if added := sorted(new_texts - old_texts):
            parts.append(f"texts added {added[:5]}")
        if removed := sorted(old_texts - new_texts):
            parts.append(f"texts removed {removed[:5]}")
        if "missing" in new:
            parts.append(str(new["missing"]))
    return ": " + "; ".join(dict.fromkeys(parts)) if parts else ""


def main() -> int:
    """Command line: rewrite the record from the committed notebooks."""
    path = write_manifest()
    count = sum(len(figures) for figures in all_figure_hashes().values())
    print(f"recorded {count} labelled figures in {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
