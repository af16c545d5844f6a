"""A PDF that prints: long tables break across pages with their header repeated, no word is
split inside a table cell, captions stay with their exhibits, figures are bounded, wide tables
get a landscape page, and no words are printed on top of each other.

A miniature article (a 160-row table of long names in narrow columns, a 12-column table, a tall
and a small figure) is rendered by the fallback's PDF path; ``helpers.report.pdf_layout`` reads the
words' boxes back with pdfplumber. The detector is itself checked on a PDF that overprints.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from helpers.paths import REPORT_DIR
from helpers.report import pdf_layout, render

NAMES = [
    "Buckinghamshire, Oxfordshire and Berkshire West",
    "Cheshire and Merseyside",
    "Hampshire and Isle of Wight",
    "Primary panel (fixed effects)",
    "Northamptonshire",
]
ARTICLE = """---
title: "A printable miniature"
---

## Long table {#sec-long}

{{< embed nb.ipynb#tbl-long >}}

## Figures {#sec-figures}

{{< embed nb.ipynb#fig-tall >}}

{{< embed nb.ipynb#fig-small >}}

## Wide table {#sec-wide}

{{< embed nb.ipynb#tbl-wide >}}
"""


def _table_cell(label: str, frame: pd.DataFrame) -> nbformat.NotebookNode:
    output = new_output("execute_result", data={"text/html": frame.to_html(index=False)})
    output.execution_count = 1
    return new_code_cell(
        f'#| label: {label}\n#| tbl-cap: "The table {label}."\nframe',
        outputs=[output],
        execution_count=1,
    )


def _figure_cell(label: str, size: tuple[float, float]) -> nbformat.NotebookNode:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=size)
    axes.bar(["a", "b"], [1, 2])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    data = {"image/png": base64.b64encode(buffer.getvalue()).decode()}
    return new_code_cell(
        f'#| label: {label}\n#| fig-cap: "The figure {label}."\nplot()',
        outputs=[new_output("display_data", data=data)],
        execution_count=1,
    )


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The miniature rendered to PDF: its path, words per page and page sizes."""
    from pypdf import PdfReader

    folder = tmp_path_factory.mktemp("printable")
    rows = 160
    long = pd.DataFrame(
        {
            "System": [NAMES[i % len(NAMES)] for i in range(rows)],
            "Model specification": [NAMES[(i + 3) % len(NAMES)] for i in range(rows)],
            "Deficit": [f"−£{i}.5m" for i in range(rows)],
            "Share": [f"{i % 7}.1%" for i in range(rows)],
            "Note": ["Internationally comparable" for _ in range(rows)],
            "Row": [f"row{i:03d}" for i in range(rows)],
        }
    )
    wide = pd.DataFrame({f"Column {i}": [f"value {i}"] for i in range(12)})
    cells = [
        _table_cell("tbl-long", long),
        _figure_cell("fig-tall", (4, 12)),
        _figure_cell("fig-small", (2, 1.5)),
        _table_cell("tbl-wide", wide),
    ]
    nbformat.write(new_notebook(cells=cells), folder / "nb.ipynb")
    (folder / "index.qmd").write_text(ARTICLE)
    pdf = render.render_pdf(folder / "index.qmd", {}, folder / "out.pdf", renderer="test")
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(pdf).pages]
    return {"pdf": pdf, "words": pdf_layout.pdf_words(pdf), "sizes": sizes}


def _pages_with(words: list[list[pdf_layout.Word]], text: str) -> list[int]:
    return [index for index, page in enumerate(words, 1) if any(w.text == text for w in page)]


def test_no_words_are_printed_on_top_of_each_other(printed: dict[str, object]) -> None:
    assert pdf_layout.overprinted_words(printed["pdf"]) == []


def test_a_long_table_breaks_across_pages_and_repeats_its_header(
    printed: dict[str, object],
) -> None:
    words = printed["words"]
    first, last = _pages_with(words, "row000"), _pages_with(words, "row159")
    assert first and last and last[0] >= first[0] + 2, (first, last)  # spans 3+ pages
    rows = [w.text for page in words for w in page if w.text.startswith("row")]
    assert rows == [f"row{i:03d}" for i in range(160)]  # every row printed once, in order
    for number in range(first[0], last[0] + 1):
        lines = pdf_layout.page_lines(words[number - 1])
        texts = [pdf_layout.line_text(line) for line in lines]
        header = [i for i, text in enumerate(texts) if text.startswith("System Model")]
        assert header, f"page {number}: no header row"
        first_row = next(i for i, text in enumerate(texts) if "row" in text)
        assert header[0] < first_row, f"page {number}: header is not above the rows"


def test_no_word_is_split_inside_a_table_cell(printed: dict[str, object]) -> None:
    words = [w for page in printed["words"] for w in page if w.size < 9]
    split = [w.text for w in words if w.text.endswith("-") and len(w.text) > 1]
    assert split == []
    long_words = {"Buckinghamshire,", "Northamptonshire", "Internationally", "specification"}
    assert long_words <= {w.text for w in words}  # printed whole


def test_the_caption_stays_with_its_table(printed: dict[str, object]) -> None:
    words = printed["words"]
    caption = _pages_with(words, "tbl-long.")
    assert caption == _pages_with(words, "row000")


def test_figures_are_bounded_and_not_tiny(printed: dict[str, object]) -> None:
    limits = render.PRINT_LIMITS
    tall = render.printed_width_mm((400, 1200), None, limits)
    assert tall * 3 <= limits.tall_max_height_mm + 0.1  # a tall chart may take the text block
    assert tall * 3 > limits.max_height_mm
    squat = render.printed_width_mm((400, 700), None, limits)
    assert squat * 1.75 <= limits.max_height_mm + 0.1  # others stay within half a page
    assert render.printed_width_mm((200, 150), None, limits) == limits.min_width_mm
    assert render.printed_width_mm((3000, 1000), 1500, limits) == limits.text_width_mm
    caption = _pages_with(printed["words"], "fig-tall.")
    assert caption and len(printed["sizes"]) >= caption[0]


def test_a_wide_table_gets_a_landscape_page(printed: dict[str, object]) -> None:
    page = _pages_with(printed["words"], "tbl-wide.")[0]
    width, height = printed["sizes"][page - 1]
    assert width > height  # landscape
    assert all(w < h for w, h in printed["sizes"][: page - 1])  # the rest is portrait


def test_running_heads_and_page_numbers(printed: dict[str, object]) -> None:
    words = printed["words"]
    pages = len(words)
    for number in range(2, pages + 1):
        texts = [pdf_layout.line_text(line) for line in pdf_layout.page_lines(words[number - 1])]
        assert texts[0].startswith("A printable miniature"), (number, texts[0])
        assert f"{number} of {pages}" in texts[-1], (number, texts[-1])


def test_the_detector_finds_overprinted_words(tmp_path: Path) -> None:
    import typst

    source = tmp_path / "overprint.typ"
    source.write_text(
        "#place(top + left)[Buckinghamshire]\n#place(top + left, dy: 2pt)[Oxfordshire]\n"
        "#v(3em)\nSeparate words on a line.\n"
    )
    pdf = tmp_path / "overprint.pdf"
    pdf.write_bytes(typst.compile(str(source)))
    found = pdf_layout.overprinted_words(pdf)
    assert len(found) == 1 and "Buckinghamshire" in found[0] and "Oxfordshire" in found[0]


def test_the_built_report_pdf_has_no_overprinted_words() -> None:
    pdf = REPORT_DIR / "_output" / "index.pdf"
    if not pdf.is_file():
        pytest.fail(f"{pdf} does not exist: run `make report` first")
    assert pdf_layout.overprinted_words(pdf) == []


def test_the_built_report_pdf_bounds_its_figures() -> None:
    import pdfplumber

    pdf = REPORT_DIR / "_output" / "index.pdf"
    if not pdf.is_file():
        pytest.fail(f"{pdf} does not exist: run `make report` first")
    limits = render.PRINT_LIMITS
    with pdfplumber.open(pdf) as document:
        sizes = [
            (image["width"] * 25.4 / 72, image["height"] * 25.4 / 72)
            for page in document.pages
            for image in page.images
        ]
    assert len(sizes) >= 10
    for width, height in sizes:
        tall = height > limits.tall_aspect * width
        assert height <= (limits.tall_max_height_mm if tall else limits.max_height_mm) + 0.5
    assert max(width for width, _ in sizes) <= limits.text_width_mm + 0.5


def test_the_built_report_pdf_splits_table_words_only_at_their_own_hyphens() -> None:
    """A table word printed with a hyphen at the end of a line ("system-") must be a compound
    the report itself hyphenates ("system-level"), never a word Typst hyphenated."""
    import html as html_module
    import re

    pdf = REPORT_DIR / "_output" / "index.pdf"
    page = REPORT_DIR / "_output" / "index.html"
    if not pdf.is_file() or not page.is_file():
        pytest.fail("the built report is missing: run `make report` first")
    text = html_module.unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))
    words = [w for page_words in pdf_layout.pdf_words(pdf) for w in page_words if w.size < 9]
    split = {w.text for w in words if w.text.endswith("-") and len(w.text) > 1}
    assert [part for part in split if not re.search(re.escape(part) + r"\w", text)] == []
    assert len(words) > 1000  # the tables' text was read
