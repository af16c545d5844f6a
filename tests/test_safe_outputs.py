"""Curated text cannot reach a spreadsheet as a live formula or a page as markup (issue 22.4).

Each curated table is copied into a fixture folder with one text column replaced, row by row, by
the formula and script cases (one case per row); the project's own loaders read the copy, and the
text is followed into every output that carries it: ``claims_check.csv``,
``claim_parts_check.csv`` and ``system_facts.csv`` (as the notebooks build and write them), any
processed CSV (the one writer), and the report's tables (HTML and their CSV downloads).
"""

from __future__ import annotations

import base64
import csv
import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from helpers.analysis import claims
from helpers.data import curated, safe_text
from helpers.data.io import read_processed, write_processed
from helpers.panel import icb_panel, leadership
from helpers.paths import CURATED_DIR
from helpers.report import tables

#: Formula cases (OWASP CSV injection) and a script case. Curated cells are stripped, so the
#: tab case reaches the outputs as '=1+1' (still a formula, still neutralised).
FORMULAS = [
    '=HYPERLINK("https://example.org","click")',
    "+SUM(1,1)",
    "-1+cmd|' /C calc'!A0",
    "@SUM(A1:A2)",
    "\t=1+1",
]
SCRIPT = "<script>alert('x')</script>"
CASES = [*FORMULAS, SCRIPT]
LIVE = re.compile(r"^[=+\-@\t\r]")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def live_cells(text: str) -> list[str]:
    """Cells of CSV ``text`` (headers too) that a spreadsheet would run as a formula."""
    return [
        cell
        for row in csv.reader(io.StringIO(text))
        for cell in row
        if LIVE.match(cell) and not NUMBER.match(cell)
    ]


def fixture(
    tmp_path: Path, name: str, column: str, row: Callable, cases: list[str] = CASES
) -> Path:
    """A copy of the curated folder where ``column`` of the first rows satisfying ``row`` in
    ``name`` holds the ``cases``, one per row."""
    folder = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, folder)
    path = folder / name
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = frame.index[frame.apply(row, axis=1)][: len(cases)]
    assert len(rows) == len(cases), f"{name}: too few rows for the cases"
    frame.loc[rows, column] = cases
    frame.to_csv(path, index=False, lineterminator="\n")
    return folder


def assert_safe_csv(
    path_or_text: Path | str, carries: bool = True, cases: list[str] = CASES
) -> None:
    """No live formula in the CSV; where it ``carries`` the cases, each arrived neutralised."""
    text = path_or_text.read_text("utf-8") if isinstance(path_or_text, Path) else path_or_text
    assert live_cells(text) == []
    if carries:
        cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        for case in set(FORMULAS) & set(cases):
            assert "'" + case.strip() in cells, case


def assert_safe_table(table: tables.PeopleTable, cases: list[str] = CASES) -> None:
    """The report table escapes the script case and its CSV download is safe."""
    page = table.to_html()
    assert "<script" not in page
    assert ("&lt;script&gt;" in page) == (SCRIPT in cases)
    encoded = re.search(r"base64,([A-Za-z0-9+/=]+)", page)
    assert encoded is not None
    assert_safe_csv(base64.b64decode(encoded.group(1)).decode("utf-8"), cases=cases)


def assert_round_trip(
    frame: pd.DataFrame, name: str, tmp_path: Path, carries: bool = True, cases: list[str] = CASES
) -> None:
    """The one processed-CSV writer neutralises; its reader gives back the text as it was."""
    path = write_processed(frame, name, tmp_path)
    assert_safe_csv(path, carries, cases)
    back = read_processed(name, tmp_path)
    text_columns = [c for c in frame.columns if frame[c].dtype == object]
    for column in text_columns:
        assert back[column].fillna("").astype(str).tolist() == (
            frame[column].fillna("").astype(str).tolist()
        ), column


@pytest.fixture(scope="module")
def claim_inputs() -> claims.ClaimInputs:
    return claims.load_inputs()


@pytest.mark.parametrize(
    ("name", "column"), [("claims.csv", "claim"), ("claim_parts.csv", "statement")]
)
def test_claims_outputs_are_safe(
    tmp_path: Path, claim_inputs: claims.ClaimInputs, name: str, column: str
) -> None:
    folder = fixture(tmp_path, name, column, lambda row: True)
    claim_rows = curated.load_claims(folder / "claims.csv")
    part_rows = curated.load_claim_parts(
        folder / "claim_parts.csv", claim_ids=set(claim_rows["claim_id"])
    )
    results = claims.check_all(claim_rows, part_rows, claim_inputs, claims.Rules())
    checks = claims.checks_table(claim_rows, results)
    parts = claims.parts_table(results)
    assert_round_trip(checks, "claims_check.csv", tmp_path, name == "claims.csv")
    assert_round_trip(parts, "claim_parts_check.csv", tmp_path, name != "claims.csv")
    assert_safe_table(tables.auto_table(claims.display_table(checks, parts)))


@pytest.mark.parametrize("cases", [CASES[:3], CASES[3:]], ids=["cases 1-3", "cases 4-6"])
@pytest.mark.parametrize(
    ("name", "column", "row"),
    [
        (
            "leadership_facts.csv",
            "fact",
            lambda row: row["unit"] == "system" and row["org_code"] != "",
        ),
        ("legacy_debt.csv", "source_publisher", lambda row: row["icb_code"] != ""),
    ],
)
def test_system_facts_are_safe(
    tmp_path: Path, name: str, column: str, row: Callable, cases: list[str]
) -> None:
    folder = fixture(tmp_path, name, column, row, cases)
    codes = set(read_processed_lookup())
    facts = leadership.load_leadership_facts(folder / "leadership_facts.csv")
    debt = leadership.load_legacy_debt(folder / "legacy_debt.csv", icb_codes=codes)
    rows = leadership.system_facts(facts, debt, codes)
    assert_round_trip(rows, "system_facts.csv", tmp_path, cases=cases)
    assert_safe_table(tables.auto_table(rows), cases)


@pytest.mark.parametrize(
    ("name", "column", "load"),
    [
        ("ics_finance_national.csv", "fact", curated.load_national_facts),
        ("national_timeline.csv", "selection_note", curated.load_timeline_selection),
        ("ics_finance_panel.csv", "notes", None),
    ],
)
def test_every_other_curated_table_reaches_tables_safely(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, column: str, load
) -> None:
    folder = fixture(tmp_path, name, column, lambda row: True)
    if load is None:
        monkeypatch.setattr(icb_panel, "CURATED_DIR", folder)
        codes = set(read_processed_lookup())
        frame = icb_panel.load_curated_finance(codes)
    else:
        frame = load(folder / name)
    assert {case.strip() for case in CASES} <= set(frame[column])
    assert_round_trip(frame.drop(columns="source_line", errors="ignore"), name, tmp_path)
    assert_safe_table(tables.auto_table(frame))


def read_processed_lookup() -> list[str]:
    from helpers.panel.schemas import read_table

    return list(read_table("icb_lookup.parquet")["icb_code"])


def test_numbers_stay_numbers_and_number_text_is_left_alone() -> None:
    frame = pd.DataFrame({"value": [-12.5, 3.0], "text": ["-12.5", "+3"], "formula": ["-A1", "=1"]})
    safe = safe_text.neutralise_formulas(frame)
    assert safe["value"].tolist() == [-12.5, 3.0]
    assert safe["text"].tolist() == ["-12.5", "+3"]
    assert safe["formula"].tolist() == ["'-A1", "'=1"]
    assert safe_text.restore_formulas(safe).equals(frame)


def test_text_already_quoted_round_trips() -> None:
    frame = pd.DataFrame({"text": ["'=1", "''+x", "it's", "'plain"]})
    safe = safe_text.neutralise_formulas(frame)
    assert safe["text"].tolist() == ["''=1", "'''+x", "it's", "'plain"]
    assert safe_text.restore_formulas(safe)["text"].tolist() == frame["text"].tolist()


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x"])
def test_a_link_that_is_not_a_web_address_is_shown_as_text(url: str) -> None:
    frame = pd.DataFrame({"name": ["x"], "url": [url]})
    page = tables.people_table(frame, {"name": "Name", "url": "Link"}, links=["url"]).to_html()
    assert "href=" not in page.split("csv-download")[0] and f"<td>{url}</td>" in page


@pytest.mark.parametrize("url", ["https://www.england.nhs.uk/a", "systems/QOX.html"])
def test_web_and_relative_addresses_stay_links(url: str) -> None:
    frame = pd.DataFrame({"name": ["x"], "url": [url]})
    page = tables.people_table(frame, {"name": "Name", "url": "Link"}, links=["url"]).to_html()
    assert f'href="{url}"' in page
