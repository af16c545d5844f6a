"""nbval and the pipeline share one execution of each notebook.

``make report`` executes a notebook and records that its committed copy is byte for byte what
running it on the current inputs produced. nbval would re-execute it only to compare the
outputs again (less strictly: it normalises volatile text and ignores images), so such a
notebook is reported as skipped with that reason. Notebooks the pipeline has not reproduced
(inputs changed since, or no record, e.g. on a fresh clone before ``make report``) are executed
and compared by nbval as usual. ``ICSFIN_NBVAL_ALWAYS=1`` (``make test-notebooks``) re-executes
every notebook regardless.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("ICSFIN_NBVAL_ALWAYS") or not any(
        str(item.fspath).endswith(".ipynb") for item in items
    ):
        return
    from helpers.pipeline import reproduced_stages

    try:
        fresh = set(reproduced_stages())
    except Exception as error:
        config.issue_config_time_warning(
            pytest.PytestWarning(f"nbval executes every notebook: {error}"), stacklevel=2
        )
        return
    for item in items:
        path = Path(str(item.fspath))
        if path.suffix == ".ipynb" and path.stem in fresh:
            item.add_marker(
                pytest.mark.skip(
                    reason=f"{path.name}: reproduced byte for byte by the pipeline from the "
                    "current inputs (make report); make test-notebooks re-executes it"
                )
            )
