"""Shared fixtures: real raw files are reached only through the project's acquisition step."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from helpers import workflow
from helpers.data import acquire
from helpers.errors import AcquisitionError, DataError
from helpers.paths import ROOT
from helpers.report.article_numbers import ReportLayout

pytest_plugins = ["pytester"]

#: Fixtures that hand a test real raw files; a test using one needs the raw data.
RAW_DATA_FIXTURES: frozenset[str] = frozenset({"raw_path", "real_icb_codes"})
NO_DATA_COMMAND = ".venv/bin/python -m pytest tests -m 'not realdata' -p no:cacheprovider"


def needs_raw_data(item: pytest.Item) -> bool:
    """True for a test that reads the real raw inputs: marked ``realdata``, using a raw-data
    fixture, or an nbval cell (executing a notebook reads the data)."""
    fixtures = set(getattr(item, "fixturenames", ()))
    return (
        item.get_closest_marker("realdata") is not None
        or bool(RAW_DATA_FIXTURES & fixtures)
        or str(item.path).endswith(".ipynb")
    )


@pytest.fixture(autouse=True)
def mirror_as_given_is_per_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts without the remembered as-given mirror value (restored afterwards)."""
    monkeypatch.setenv(acquire.MIRROR_AS_GIVEN_VARIABLE, "")
    monkeypatch.delenv(acquire.MIRROR_AS_GIVEN_VARIABLE)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the raw data ``realdata`` (so ``-m 'not realdata'`` skips
    them all), before pytest deselects by marker."""
    for item in items:
        if needs_raw_data(item) and item.get_closest_marker("realdata") is None:
            item.add_marker(pytest.mark.realdata)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Acquire the raw data once for the selected tests that need it; if it cannot be had,
    stop with one message saying how to supply it (not one failure per test)."""
    needing = [item for item in session.items if needs_raw_data(item)]
    if not needing:
        return
    try:
        acquire.export_resolved_mirror()
        acquire.acquire_all()
    except (AcquisitionError, DataError) as error:
        pytest.exit(
            f"{len(needing)} of the {len(session.items)} selected tests need the raw data, "
            f"which could not be acquired:\n{error}\n"
            "Supply it by setting ICSFIN_DATA_MIRROR to the data mirror (e.g. "
            "ICSFIN_DATA_MIRROR=../shared/data make test), by placing the files in data/raw/, "
            "or by allowing downloads; or run only the tests that need no data: "
            f"{NO_DATA_COMMAND}",
            returncode=1,
        )


@pytest.fixture(scope="session")
def raw_path() -> Callable[[str], Path]:
    """Return a function mapping a MANIFEST file key (e.g. 'imd/imd2025_england_icb24.rda')
    to a verified local copy, acquired as the pipeline does (data/raw, mirror, or URL)."""
    return acquire.fetch


@pytest.fixture(scope="session")
def real_icb_codes(raw_path: Callable[[str], Path]) -> pd.DataFrame:
    """The 42 ICBs' NHS and 2022 ONS codes (``icb_code``, ``icb_ons_code``) from geographr."""
    from helpers.data.readers._common import read_rda_frame

    lookup = read_rda_frame(raw_path("geographr/lookup_lsoa11_sicbl22_icb22_ltla22.rda"))
    codes = lookup[["icb22_code_h", "icb22_code"]].drop_duplicates()
    return codes.set_axis(["icb_code", "icb_ons_code"], axis=1).reset_index(drop=True)


@pytest.fixture(scope="session")
def forced_plan() -> str:
    """What Snakemake prints for a dry run of a forced build of what `make report` builds (rule
    ``all``; ``snakemake -n --forceall``): its plan of every job with its inputs and outputs,
    run once per session."""
    done = subprocess.run(
        [*workflow.SNAKEMAKE, "-n", "--forceall", "--cores", "1", "all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout + done.stderr


@pytest.fixture
def mini_project(tmp_path: Path) -> ReportLayout:
    """A miniature project outside any git repository: empty ``notebooks/``, ``processed/``
    and ``report/`` folders, a params file and a sources file, and the layout naming them."""
    for name in ("notebooks", "processed", "report"):
        (tmp_path / name).mkdir()
    (tmp_path / "params.yaml").write_text("common: {}\n")
    (tmp_path / "sources.yaml").write_text("sources: []\n")
    return ReportLayout(
        root=tmp_path,
        notebooks_dir=tmp_path / "notebooks",
        processed_dir=tmp_path / "processed",
        report_dir=tmp_path / "report",
        params_file=tmp_path / "params.yaml",
        sources_file=tmp_path / "sources.yaml",
    )
