"""Tables and charts for people (issue 20, items 3 and 7), checked on what a reader gets.

Over the built report (``report/_output/index.html``, from ``make report``) and over every
labelled exhibit of the executed notebooks 00-07 (``report/notebooks/``, which the report
embeds, body or annex):

* no table cell (header or body) shows an internal name: a snake_case identifier, a patsy term
  (``C(region_name)[T.London]``), a fact id, a file name. Cells in code font (a hash, a file in
  the inventory of raw files, a declaration quoted from the parameters file) are identifiers
  shown as such and are not checked;
* every number in a table is in the one format of :func:`helpers.report.tables.format_number`:
  a true minus sign, the minus before the pound sign, thousands separated;
* every chart has a title stating its finding;
* chart text is at least 9 px high when the report is read at 390 px (a phone): the figure's
  smallest text (points, stored with the image) times the scale the phone's column shrinks
  the image by, measured in headless Chromium.
"""

from __future__ import annotations

import json
import re
from functools import cache
from html.parser import HTMLParser

from browser_support import REPORT_HTML, VIEWPORTS, open_page, require_built

from helpers.paths import ROOT
from helpers.report import figure_images, tables

EXECUTED = ROOT / "report" / "notebooks"
NOTEBOOKS = [
    f"{stem}.ipynb"
    for stem in (
        "00_inventory_sources",
        "01_build_icb_panel",
        "02_describe_deficits",
        "03_model_deficit_drivers",
        "04_describe_workforce",
        "05_check_claims",
        "06_build_trust_panel",
        "07_model_trust_finance",
    )
]
#: Smallest chart text a reader at 390 px may be asked to read (CSS px).
MIN_PHONE_TEXT_PX = 9.0
PHONE_WIDTH = VIEWPORTS["phone"][0]


class _Cells(HTMLParser):
    """Every table cell's text with the id of the exhibit around it and its class."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str, str]] = []  # (exhibit id, class, text)
        self._exhibit = "?"
        self._cell: list[str] | None = None
        self._class = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        identifier = found.get("id") or ""
        if identifier.startswith(("tbl-", "fig-")):
            self._exhibit = identifier
        if tag in ("td", "th"):
            self._cell, self._class = [], found.get("class") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append((self._exhibit, self._class, "".join(self._cell).strip()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_cells(html: str) -> list[tuple[str, str, str]]:
    """(exhibit id, class, text) of every ``<td>``/``<th>`` in ``html``."""
    parser = _Cells()
    parser.feed(html)
    return parser.cells


def cell_problems(cells: list[tuple[str, str, str]]) -> list[str]:
    """One line per internal name or off-format number in the cells (code cells exempt)."""
    return [
        f"{exhibit}: {problem} in {text[:90]!r}"
        for exhibit, css, text in cells
        if "code" not in css.split()
        for problem in [*tables.internal_names(text), *tables.number_format_problems(text)]
    ]


@cache
def executed_notebook(name: str) -> dict:
    return json.loads(require_built(EXECUTED / name).read_text(encoding="utf-8"))


def labelled_outputs(prefix: str) -> list[tuple[str, dict]]:
    """(label, output) of each output of each cell labelled ``prefix…`` in notebooks 00-07."""
    found = []
    for name in NOTEBOOKS:
        for cell in executed_notebook(name)["cells"]:
            source = "".join(cell.get("source", []))
            label = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in source.splitlines()
                    if line.startswith("#| label:")
                ),
                "",
            )
            if label.startswith(prefix):
                found += [(label, output) for output in cell.get("outputs", [])]
    return found


def figure_outputs() -> dict[str, dict]:
    """Metadata of each labelled figure's image in notebooks 00-07, by label."""
    figures = {
        label: output.get("metadata", {}).get("image/png", {})
        for label, output in labelled_outputs("fig-")
        if "image/png" in output.get("data", {})
    }
    assert len(figures) >= 15, f"only {len(figures)} labelled figures found"
    return figures


# --- Tables -------------------------------------------------------------------------------


def test_the_cell_checks_catch_what_the_issue_saw() -> None:
    """The checks find each fault issue 20 listed (so the tests below can fail)."""
    seen = cell_problems(
        [
            ("tbl-x", "", "ytd_variance (press)"),
            ("tbl-x", "", "C(region_name)[T.London]"),
            ("tbl-x", "num", "core_allocation_gbp_m"),
            ("tbl-x", "", "14 systems (HSJ, 2023-05; nat_2324_icss_forecasting_deficits_final)"),
            ("tbl-x", "", "see leadership_facts.csv"),
            ("tbl-x", "num", "£1467"),
            ("tbl-x", "num", "-2.8%"),
            ("tbl-x", "num", "£−129.8m"),
        ]
    )
    assert len({line.split(" in ")[1] for line in seen}) == 8, seen
    fine = [
        ("tbl-x", "num", "£1,467"),
        ("tbl-x", "num", "\u22122.8%"),
        ("tbl-x", "num", "\u2212£129.8m"),
        ("tbl-x", "", "2022/23"),
        ("tbl-x", "", "2021-2025"),
        ("tbl-x", "", "HSJ, 2023-05-19"),
        ("tbl-x", "code", "data/raw/x.csv"),
        ("tbl-x", "", "NHS England region: London"),
    ]
    assert cell_problems(fine) == []


def test_no_table_cell_in_the_report_shows_an_internal_name_or_an_off_format_number() -> None:
    cells = table_cells(require_built(REPORT_HTML).read_text(encoding="utf-8"))
    assert len(cells) > 500, f"only {len(cells)} table cells in the report"
    problems = cell_problems(cells)
    assert problems == [], f"{len(problems)} cells not for people:\n" + "\n".join(problems[:40])


def test_no_labelled_table_of_notebooks_00_07_shows_an_internal_name_or_an_off_format_number() -> (
    None
):
    """Every labelled table the report can embed (body or annex), not only today's."""
    outputs = [
        (label, "".join(output["data"]["text/html"]))
        for label, output in labelled_outputs("tbl-")
        if "text/html" in output.get("data", {})
    ]
    assert len(outputs) >= 40, f"only {len(outputs)} labelled tables found"
    problems = [
        line
        for label, html in outputs
        for line in cell_problems(table_cells(f'<div id="{label}">{html}</div>'))
    ]
    assert problems == [], f"{len(problems)} cells not for people:\n" + "\n".join(problems[:40])


def test_every_table_row_has_a_label() -> None:
    """No table is columns of numbers without row names (the coefficient tables were): the
    first column has a header and, unless it counts years, text in its cells."""
    unlabelled = []
    for label, output in labelled_outputs("tbl-"):
        html = "".join(output.get("data", {}).get("text/html", []))
        if "<table" not in html:
            continue
        header = re.search(r"<th[^>]*>(.*?)</th>", html, re.DOTALL)
        firsts = re.findall(r"<tr><td([^>]*)>", html)
        numeric = bool(firsts) and all('class="num"' in attributes for attributes in firsts)
        name = header.group(1).strip() if header else ""
        if not name or (numeric and "year" not in name.lower()):
            unlabelled.append(f"{label} (first column {name!r})")
    assert unlabelled == []


# --- Charts -------------------------------------------------------------------------------


def test_every_chart_has_a_finding_title() -> None:
    """Each labelled figure of notebooks 00-07 carries a title of a few words (its finding),
    stored with its image by helpers.report.figure_images."""
    titles = {
        label: meta.get(figure_images.TITLE_KEY, "") for label, meta in figure_outputs().items()
    }
    short = {label: title for label, title in titles.items() if len(title.split()) < 5}
    assert short == {}, f"charts without a finding title: {short}"


@cache
def phone_image_widths() -> dict[str, float]:
    """Rendered width (CSS px) of each figure's image in the report at 390 px, by label."""
    require_built(REPORT_HTML)
    with open_page("phone") as page:
        page.goto(REPORT_HTML.as_uri())
        widths = page.evaluate(
            """() => Object.fromEntries(Array.from(
                document.querySelectorAll('div.embed-fig[id^="fig-"] img')).map(
                (image) => [image.closest('div.embed-fig').id,
                            image.getBoundingClientRect().width]))"""
        )
    return {str(key): float(value) for key, value in widths.items()}


def test_chart_text_is_at_least_9_px_on_a_phone() -> None:
    """Smallest text of each embedded chart x the factor the 390 px page shrinks it by."""
    figures = figure_outputs()
    widths = phone_image_widths()
    assert widths, "no figure images found in the report"
    small = {}
    for label, shown in widths.items():
        meta = figures.get(label)
        if meta is None:  # a figure of another notebook (e.g. the briefing's own)
            continue
        text_px = float(meta[figure_images.SMALLEST_TEXT_KEY]) * shown / float(meta["width"])
        if text_px < MIN_PHONE_TEXT_PX:
            small[label] = round(text_px, 1)
    assert small == {}, f"chart text under {MIN_PHONE_TEXT_PX} px at 390 px: {small}"


def test_phone_widths_come_from_the_page() -> None:
    """The phone column is narrower than the viewport, and each figure fills at most it."""
    widths = phone_image_widths()
    assert 300 < max(widths.values()) < PHONE_WIDTH, widths
