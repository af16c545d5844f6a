"""Paths anchored at the repository root, and nothing else."""

from __future__ import annotations

from pathlib import Path

ROOT: Path = Path(__file__).resolve().parents[2]
DATA_DIR: Path = ROOT / "data"
RAW_DIR: Path = DATA_DIR / "raw"
CURATED_DIR: Path = RAW_DIR / "curated"
PROCESSED_DIR: Path = DATA_DIR / "processed"
SOURCES_FILE: Path = DATA_DIR / "sources.yaml"
NOTEBOOKS_DIR: Path = ROOT / "notebooks"
REPORT_DIR: Path = ROOT / "report"
PARAMS_FILE: Path = ROOT / "params.yaml"
BUILD_DIR: Path = ROOT / ".build"
#: The workflow's processed files (published into data/processed) and stage parameters.
BUILD_PROCESSED_DIR: Path = BUILD_DIR / "processed"
BUILD_PARAMS_DIR: Path = BUILD_DIR / "params"
VARIABLES_FILE: Path = ROOT / "src" / "helpers" / "panel" / "variables.csv"
#: Environment variable naming the folder processed files are written to (and read from first).
#: The workflow sets it for its jobs; a notebook run anywhere else writes to SCRATCH_RESULTS_DIR.
RESULTS_VARIABLE: str = "ICSFIN_RESULTS_DIR"
SCRATCH_RESULTS_DIR: Path = NOTEBOOKS_DIR / "scratch" / "results"
