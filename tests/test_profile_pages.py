"""The profile runner and the 42 built pages (``make report`` builds them before ``make test``)."""

from __future__ import annotations

import html
from pathlib import Path

import nbformat
import pytest

from helpers import profile_pages, profiles
from helpers.config import load_params
from helpers.errors import ConfigError
from helpers.pressure import financial_years


def _job(code: str) -> profile_pages.ProfileJob:
    return profile_pages.ProfileJob(code, {"icb_code": code}, Path(f"{code}.ipynb"), Path("x"))


def test_jobs_are_shared_round_robin_without_empty_shares() -> None:
    jobs = [_job(code) for code in ("QAA", "QBB", "QCC")]
    shares = profile_pages.split_jobs(jobs, 2)
    assert [[job.icb_code for job in share] for share in shares] == [["QAA", "QCC"], ["QBB"]]
    assert len(profile_pages.split_jobs(jobs[:1], 4)) == 1


def test_reset_cell_is_added_then_removed_and_counts_renumbered() -> None:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell("1")]
    )
    prepared = profile_pages.with_reset_cell(notebook)
    assert prepared.cells[0].source == profile_pages.RESET_SOURCE and len(notebook.cells) == 2
    prepared.cells[2].execution_count = 7
    prepared.cells[2].outputs = [
        nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=7)
    ]
    profile_pages.sanitize_executed(prepared, {"icb_code": "QOC"})
    assert [cell.cell_type for cell in prepared.cells] == ["markdown", "code"]
    assert prepared.cells[1].execution_count == 1
    assert prepared.cells[1].outputs[0]["execution_count"] == 1
    assert prepared.metadata["papermill"] == {"parameters": {"icb_code": "QOC"}}


def test_job_key_changes_with_parameters_and_inputs() -> None:
    key = profile_pages.job_key("inputs", {"icb_code": "QOC"})
    assert key == profile_pages.job_key("inputs", {"icb_code": "QOC"})
    assert key != profile_pages.job_key("inputs", {"icb_code": "QE1"})
    assert key != profile_pages.job_key("changed", {"icb_code": "QOC"})


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
    canonical = nbformat.read(profile_pages.PROFILE_NOTEBOOK, as_version=4)
    code = canonical.metadata["papermill"]["parameters"]["icb_code"]
    executed = profile_pages.EXECUTED_DIR / f"{code}.ipynb"
    if not executed.is_file():
        pytest.fail(f"{executed} missing: run `make report` first")
    reused = nbformat.read(executed, as_version=4)
    assert [cell.get("outputs") for cell in reused.cells] == [
        cell.get("outputs") for cell in canonical.cells
    ]
