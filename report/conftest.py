"""nbval checks the executed notebooks in ``report/notebooks/`` (build outputs of the workflow).

When Snakemake reports nothing to do for them (``snakemake -n``: every executed notebook is
up to date with its notebook, parameters, code and data), they are what running the notebooks
on the current inputs produced, so nbval's re-execution is skipped with that reason;
otherwise nbval executes and compares them as usual. ``ICSFIN_NBVAL_ALWAYS=1``
(``make test-notebooks``) re-executes them regardless.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    notebooks = sorted({Path(str(i.fspath)) for i in items if str(i.fspath).endswith(".ipynb")})
    if os.environ.get("ICSFIN_NBVAL_ALWAYS") or not notebooks:
        return
    from helpers.workflow import up_to_date

    if not up_to_date([str(path) for path in notebooks]):
        return
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(
                pytest.mark.skip(
                    reason=f"{Path(str(item.fspath)).name}: up to date with its inputs "
                    "(snakemake -n: nothing to do); make test-notebooks re-executes it"
                )
            )
