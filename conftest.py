"""Test-session set-up shared by ``tests/`` and nbval on the executed notebooks.

Processed files a test or a re-executed notebook writes go to ``.build/test-results/`` (never
to ``data/processed/``), and reads fall back to ``data/processed/`` (helpers.data.io). Scratch
notebooks (``notebooks/scratch/``) are never collected.
"""

from __future__ import annotations

import os

from helpers.paths import BUILD_DIR, RESULTS_VARIABLE

collect_ignore_glob = ["notebooks/scratch/*", "notebooks/*.ipynb"]
os.environ.setdefault(RESULTS_VARIABLE, str(BUILD_DIR / "test-results"))
