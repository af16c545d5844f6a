"""The fallback PDF (pandoc to Typst, compiled by the ``typst`` package) of the built report.

Checks ``report/_output/index.pdf`` as written by ``make report``: A4 pages, a sensible page
count, every section of the article, every embedded figure (as an image and a numbered
caption) and table, and the same computed numbers as the HTML (the key points).
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from helpers.paths import REPORT_DIR
from helpers.report import render

PDF = REPORT_DIR / "_output" / "index.pdf"
A4_POINTS = (595.28, 841.89)


@pytest.fixture(scope="module")
def pdf() -> dict[str, object]:
    """Pages, text and image count of the built PDF."""
    from pypdf import PdfReader

    if not PDF.is_file():
        pytest.fail(f"{PDF} does not exist: run `make report` first")
    reader = PdfReader(PDF)
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    images = sum(len(page.images) for page in reader.pages)
    boxes = {
        (round(float(page.mediabox.width), 1), round(float(page.mediabox.height), 1))
        for page in reader.pages
    }
    return {
        "pages": len(reader.pages),
        "text": " ".join(text.split()),
        "images": images,
        "boxes": boxes,
    }


def article_parts() -> tuple[dict[str, str], list[str]]:
    """Section titles and embedded labels of the article."""
    article = (REPORT_DIR / "index.qmd").read_text()
    _, body = render.split_front_matter(article, REPORT_DIR / "index.qmd")
    titles = render.section_titles(
        json.loads(render.run_pandoc(["-f", "markdown", "-t", "json"], body))
    )
    labels = re.findall(r"\{\{< embed [^#]+#([a-z0-9-]+) >\}\}", article)
    return titles, labels


def test_pdf_is_a4_with_a_sensible_page_count(pdf: dict[str, object]) -> None:
    portrait = (round(A4_POINTS[0], 1), round(A4_POINTS[1], 1))
    assert portrait in pdf["boxes"] and pdf["boxes"] <= {portrait, portrait[::-1]}  # A4, wide
    # tables on landscape pages
    assert 10 <= pdf["pages"] <= 80, pdf["pages"]


def test_pdf_has_every_section_figure_and_table(pdf: dict[str, object]) -> None:
    titles, labels = article_parts()
    text = pdf["text"]
    for title in titles.values():
        assert title in text, title
    figures = [label for label in labels if label.startswith("fig-")]
    tables = [label for label in labels if label.startswith("tbl-")]
    assert pdf["images"] >= len(figures)
    for number in range(1, len(figures) + 1):
        assert f"Figure {number}:" in text, number
    assert f"Figure {len(figures) + 1}:" not in text
    for number in range(1, len(tables) + 1):
        assert f"Table {number}:" in text, number


def test_pdf_carries_the_computed_key_points(pdf: dict[str, object]) -> None:
    variables = yaml.safe_load((REPORT_DIR / "_variables.yml").read_text())
    text = pdf["text"].replace("\u2019", "'")  # pandoc typesets straight quotes as curly ones
    for sentence in variables["key_points"].values():
        words = " ".join(str(sentence).split())
        assert words[:60] in text, words
    assert "{{<" not in text and "?@" not in text
