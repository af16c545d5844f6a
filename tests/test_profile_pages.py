"""The profile runner and the 42 built pages (``make report`` builds them before ``make test``)."""

from __future__ import annotations

import html
import subprocess
import sys

import nbformat
import pytest

from helpers.config import load_params
from helpers.errors import ConfigError
from helpers.panel.pressure import financial_years
from helpers.report import profile_kernels, profile_pages, profiles
from helpers.workflow import EXECUTED_DIR, KERNEL_ARGUMENTS, notebook_cells


def test_prepared_notebook_has_the_reset_cell_first_and_no_stored_outputs() -> None:
    cell = nbformat.v4.new_code_cell("1", execution_count=3)
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1"})]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# t"), cell])
    prepared = profile_kernels.prepared_notebook(notebook)
    assert prepared.cells[0].source == profile_kernels.RESET_SOURCE
    assert prepared.cells[0].id == profile_kernels.RESET_CELL_ID
    assert prepared.cells[2].outputs == [] and prepared.cells[2].execution_count is None
    assert len(notebook.cells) == 2 and len(notebook.cells[1].outputs) == 1  # input untouched


def test_reset_cell_is_removed_and_counts_renumbered() -> None:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell("1")]
    )
    prepared = profile_kernels.prepared_notebook(notebook)
    prepared.cells[2].execution_count = 7
    prepared.cells[2].outputs = [
        nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=7)
    ]
    profile_pages.sanitize_executed(prepared, {"icb_code": "QOC"})
    assert [cell.cell_type for cell in prepared.cells] == ["markdown", "code"]
    assert prepared.cells[1].execution_count == 1
    assert prepared.cells[1].outputs[0]["execution_count"] == 1
    assert prepared.metadata["papermill"] == {"parameters": {"icb_code": "QOC"}}


def test_warm_up_source_collects_each_top_level_import_once() -> None:
    cells = [
        {"cell_type": "markdown", "source": "import nothing", "tags": []},
        {"cell_type": "code", "source": "import pandas as pd\nx = 1", "tags": []},
        {"cell_type": "code", "source": "%matplotlib inline", "tags": []},
        {
            "cell_type": "code",
            "source": "from helpers import plots, profiles\nimport pandas as pd\n"
            "def f():\n    import json",
            "tags": [],
        },
    ]
    assert profile_kernels.warm_up_source(cells) == (
        "import pandas as pd\nfrom helpers import plots, profiles"
    )
    assert profile_kernels.warm_up_source([]) == ""


def test_warm_up_source_of_the_profile_notebook_imports_the_helpers() -> None:
    source = profile_kernels.warm_up_source(notebook_cells(profile_pages.PROFILE_NOTEBOOK))
    assert "from helpers.report import plots, profiles" in source.splitlines()
    compile(source, "warm-up", "exec")  # valid Python


def test_iri_grammar_is_not_loaded_by_the_runner() -> None:
    code = (
        "import sys, helpers.report.profile_pages, nbformat, papermill; "
        "print(sys.modules.get('rfc3987_syntax') is None, nbformat.validate is not None)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "True"]


def test_kernel_options_quiet_the_log_and_skip_history() -> None:
    assert profile_kernels.KERNEL_OPTIONS[: len(KERNEL_ARGUMENTS)] == tuple(KERNEL_ARGUMENTS)
    assert any(option.startswith("--IPKernelApp.log_level=") for option in KERNEL_ARGUMENTS)
    assert "--HistoryManager.enabled=False" in profile_kernels.KERNEL_OPTIONS
    assert "gc" in profile_kernels.RESET_SOURCE and "reset(new_session=True)" in (
        profile_kernels.RESET_SOURCE
    )


def test_unknown_requested_code_is_an_error_naming_valid_codes() -> None:
    with pytest.raises(ConfigError, match=r"'XQOC'.*Close matches: .*QOC.*Valid codes: "):
        profile_pages.select_codes(["XQOC"], [])


# --- the pages the pipeline built -----------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs() -> profiles.ProfileInputs:
    return profiles.load_inputs()


@pytest.fixture(scope="module")
def pages(inputs: profiles.ProfileInputs) -> dict[str, str]:
    codes = sorted(inputs.lookup["icb_code"])
    missing = [code for code in codes if not (profile_pages.PAGES_DIR / f"{code}.html").is_file()]
    if missing:
        pytest.fail(
            f"{len(missing)} of {len(codes)} profile pages missing in {profile_pages.PAGES_DIR} "
            f"(e.g. {missing[:3]}): run `make report` first"
        )
    return {
        code: (profile_pages.PAGES_DIR / f"{code}.html").read_text(encoding="utf-8")
        for code in codes
    }


def test_all_42_pages_exist_and_name_their_system(inputs, pages) -> None:
    assert len(pages) == 42
    for code, page in pages.items():
        identity = profiles.system_identity(inputs.lookup, code)
        assert f"{html.escape(identity['name'])} ({code})" in page, code


def test_every_page_carries_its_allocation(inputs, pages) -> None:
    params = load_params()
    years = financial_years(params["common"]["first_year"], params["common"]["last_year"])
    panel = inputs.panel[inputs.panel["financial_year"].isin(years)]
    for row in panel.itertuples(index=False):
        shown = profiles.format_number(row.core_allocation_gbp_m)
        assert f"<td>{shown}</td>" in pages[row.icb_code], (row.icb_code, row.financial_year)


def test_every_page_carries_its_financial_rows(inputs, pages) -> None:
    assert len(inputs.positions) > 0
    for row in inputs.positions.itertuples(index=False):
        page = pages[row.icb_code]
        assert f"<td>{profiles.format_number(row.value_gbp_m, 1)}</td>" in page, row
        assert html.escape(row.source_url, quote=True) in page, row


def test_index_links_every_system(inputs, pages) -> None:
    index = (profile_pages.PAGES_DIR / "index.html").read_text(encoding="utf-8")
    for code in inputs.lookup["icb_code"]:
        assert f'<a href="{code}.html">' in index
    assert 'id="search"' in index


def test_reused_kernel_run_equals_the_canonical_fresh_kernel_run() -> None:
    canonical_copy = EXECUTED_DIR / profile_pages.PROFILE_NOTEBOOK.name
    if not canonical_copy.is_file():
        pytest.fail(f"{canonical_copy} missing: run `make report` first")
    canonical = nbformat.read(canonical_copy, as_version=4)
    code = canonical.metadata["papermill"]["parameters"]["icb_code"]
    executed = profile_pages.EXECUTED_DIR / f"{code}.ipynb"
    if not executed.is_file():
        pytest.fail(f"{executed} missing: run `make report` first")
    reused = nbformat.read(executed, as_version=4)
    assert [cell.get("outputs") for cell in reused.cells] == [
        cell.get("outputs") for cell in canonical.cells
    ]


def test_profile_images_carry_the_notebooks_alt_text() -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        '#| label: fig-x\n#| fig-alt: "Dot chart of the positions."\nplot()'
    )
    image = {"image/png": "iVBORw0KGgo=", "text/plain": "x"}
    cell.outputs = [nbformat.v4.new_output("display_data", data=image)]
    notebook.cells = [cell, nbformat.v4.new_code_cell("1 + 1")]
    page = profile_pages.render_page(notebook, "QOC", profile_pages.page_exporter())
    assert 'alt="Dot chart of the positions."' in page
    assert "No description has been provided" not in page
    assert "alt" not in notebook.cells[1].metadata  # cells without fig-alt are left alone
