"""The render stage: the pandoc fallback on a miniature project, and on the real report."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path

import matplotlib
import nbformat
import pandas as pd
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.paths import PROCESSED_DIR, REPORT_DIR
from helpers.report import article_numbers, render
from helpers.report.article_numbers import ReportLayout
from helpers.report.render import RenderError

matplotlib.use("Agg")

BIB = """@misc{ons-demo,
  author = {{Office for National Statistics}},
  title  = {A demonstration dataset},
  year   = {2024},
  url    = {https://www.ons.gov.uk/}
}
"""

QMD = """---
title: "A miniature report"
author:
  - name: "ics-deficits contributors"
date: "1 January 2026"
abstract: |
  A tiny article with {{< var n_icbs >}} systems.
---

## Introduction {#sec-intro}

There are {{< var n_icbs >}} systems [@ons-demo]. @fig-demo-trend shows the trend and
@tbl-demo-panel lists the panel; the method is in @sec-method.

{{< embed notebooks/01_demo_notebook.ipynb#fig-demo-trend >}}

## Method {#sec-method}

Back to @sec-intro, with the commit `{{< var provenance.git_commit >}}`.

{{< embed notebooks/01_demo_notebook.ipynb#tbl-demo-panel >}}

## References {.unnumbered}

::: {#refs}
:::
"""

CONFIG = """project:
  type: manuscript
manuscript:
  article: index.qmd
bibliography: references.bib
number-sections: true
"""


def png_output() -> nbformat.NotebookNode:
    """A display_data output holding a real matplotlib PNG."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(2, 1.5))
    axes.plot([2022, 2023, 2024], [-1.0, -2.5, -1.8])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=50)
    plt.close(figure)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return new_output(
        "display_data", data={"image/png": encoded, "text/plain": "<Figure size 200x150>"}
    )


def table_output() -> nbformat.NotebookNode:
    """An execute_result output holding a DataFrame's HTML and text."""
    frame = pd.DataFrame({"icb_code": ["QHM", "QYG"], "deficit_gbp_m": [-12.5, 3.0]})
    return new_output(
        "execute_result",
        data={"text/html": frame.to_html(), "text/plain": frame.to_string()},
        execution_count=3,
    )


def write_demo_notebook(path: Path) -> Path:
    """An executed notebook with a labelled figure cell and a labelled table cell."""
    figure = new_code_cell(
        "#| label: fig-demo-trend\n#| fig-cap: 'Deficit by year, £ million.'\n"
        "#| fig-alt: A line falling then rising.\nplots.trend(panel)",
        outputs=[png_output()],
        execution_count=2,
    )
    table = new_code_cell(
        '#| label: tbl-demo-panel\n#| tbl-cap: "The panel, one row per ICB."\npanel',
        outputs=[table_output()],
        execution_count=3,
    )
    notebook = new_notebook(cells=[new_markdown_cell("# Demo"), figure, table])
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


@pytest.fixture()
def project(mini_project: ReportLayout) -> ReportLayout:
    """A miniature project: one executed notebook, numbers, and a report folder."""
    write_demo_notebook(mini_project.notebooks_dir / "01_demo_notebook.ipynb")
    article_numbers.save_numbers({"n_icbs": 42}, "01_demo_notebook", mini_project.processed_dir)
    (mini_project.report_dir / "index.qmd").write_text(QMD)
    (mini_project.report_dir / "_quarto.yml").write_text(CONFIG)
    (mini_project.report_dir / "references.bib").write_text(BIB)
    return mini_project


def render_fallback(layout: ReportLayout, messages: list[str] | None = None) -> str:
    """Run the render stage with the fallback; return the HTML."""
    sink = messages if messages is not None else []
    renderer = render.render_report(sink.append, layout, use_quarto=False)
    assert "fallback" in renderer
    return (layout.report_dir / "_output" / "index.html").read_text()


def test_fallback_resolves_front_matter_sections_and_toc(project: ReportLayout) -> None:
    html = render_fallback(project)
    assert "A miniature report" in html
    assert "ics-deficits contributors" in html
    assert "1 January 2026" in html
    assert "A tiny article with 42 systems." in html
    assert 'id="TOC"' in html
    for identifier, title in [("sec-intro", "Introduction"), ("sec-method", "Method")]:
        assert f'id="{identifier}"' in html
        assert f'href="#{identifier}"' in html
        assert title in html


def test_fallback_embeds_figures_and_tables_with_numbered_captions(project: ReportLayout) -> None:
    html = render_fallback(project)
    assert 'id="fig-demo-trend"' in html
    assert re.search(r'<img [^>]*src="data:image/png;base64,iVBOR', html)
    assert "A line falling then rising." in html
    assert '<span class="label">Figure 1:</span> Deficit by year, £ million.' in html
    assert 'id="tbl-demo-panel"' in html
    assert '<span class="label">Table 1:</span> The panel, one row per ICB.' in html
    assert 'class="table-scroll"' in html  # a plain pandas table gets the scrolling box
    assert "Made in notebook" in html and 'href="../notebooks/01_demo_notebook.ipynb"' in html
    assert "<table" in html and "QHM" in html


def test_fallback_resolves_vars_crossrefs_and_citations(project: ReportLayout) -> None:
    html = render_fallback(project)
    assert "There are 42 systems" in html
    assert '<a href="#fig-demo-trend">Figure 1</a>' in html
    assert '<a href="#tbl-demo-panel">Table 1</a>' in html
    assert '<a href="#sec-method">Method</a>' in html
    assert '<a href="#sec-intro">Introduction</a>' in html
    assert "the commit <code>unknown</code>" in html
    assert 'id="ref-ons-demo"' in html and "A Demonstration Dataset" in html
    for placeholder in ("{{<", "?@", "@fig-", "@tbl-", "@sec-", "@ons-"):
        assert placeholder not in html, placeholder


def test_fallback_says_which_renderer_ran(project: ReportLayout) -> None:
    messages: list[str] = []
    html = render_fallback(project, messages)
    assert 'class="renderer-note"' in html and "1.4 or later</a>) was not found" in html
    # in the colophon's place at the end, not on the first screen
    assert html.index('class="renderer-note"') > html.index('id="sec-method"')
    assert "make report" in html
    assert (project.report_dir / "_output" / "index.pdf").read_bytes().startswith(b"%PDF")
    assert "Quarto not found" in messages[0] and "Quarto >= 1.4" in messages[0]
    variables = yaml.safe_load((project.report_dir / "_variables.yml").read_text())
    assert "fallback" in variables["provenance"]["renderer"]
    assert (project.report_dir / "notebooks" / "01_demo_notebook.ipynb").is_file()


def test_fallback_is_deterministic(project: ReportLayout) -> None:
    first = render_fallback(project)
    assert render_fallback(project) == first


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("{{< var n_icbs >}} systems [", "{{< var n_trusts >}} systems [", "n_trusts"),
        ("in @sec-method", "in @sec-missing", "@sec-missing"),
        ("@fig-demo-trend shows", "@fig-other-trend shows", "@fig-other-trend"),
        ("#tbl-demo-panel >}}", "#tbl-nowhere >}}", "no cell labelled 'tbl-nowhere'"),
        ("[@ons-demo]", "[@nobody-2020]", "nobody-2020"),
        ("01_demo_notebook.ipynb#fig", "02_absent.ipynb#fig", "02_absent.ipynb does not exist"),
        ("## Method", "{{< include other.qmd >}}\n\n## Method", "other.qmd >}}: no file"),
        ("## Method", "{{< pagebreak >}}\n\n## Method", "unsupported shortcode"),
    ],
)
def test_fallback_errors_name_what_is_unresolved(
    project: ReportLayout, old: str, new: str, message: str
) -> None:
    article = project.report_dir / "index.qmd"
    text = article.read_text()
    assert old in text
    article.write_text(text.replace(old, new, 1))
    with pytest.raises(RenderError, match=message):
        render_fallback(project)


def test_a_figure_cell_without_an_image_is_an_error(project: ReportLayout) -> None:
    path = project.notebooks_dir / "01_demo_notebook.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[1].outputs = []
    nbformat.write(notebook, path)
    with pytest.raises(RenderError, match="'fig-demo-trend' .* has no image output"):
        render_fallback(project)


def test_quarto_is_used_when_installed(project: ReportLayout, monkeypatch) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(render, "find_quarto", lambda: ("/opt/quarto/bin/quarto", "1.6.40"))
    monkeypatch.setattr(render, "render_with_quarto", lambda exe, folder: calls.append(folder))
    messages: list[str] = []
    assert render.render_report(messages.append, project) == "Quarto 1.6.40"
    assert calls == [project.report_dir]
    assert "rendered by Quarto 1.6.40" in messages[0]
    assert not (project.report_dir / "_output").exists()


def test_cell_options_are_read_from_leading_comment_lines() -> None:
    source = "#| label: fig-x\n#| fig-cap: 'A: caption'\nplot()\n#| label: not-this"
    assert render.cell_options(source) == {"label": "fig-x", "fig-cap": "A: caption"}
    assert render.cell_code(source) == "plot()\n#| label: not-this"


@pytest.mark.realdata
def test_real_report_renders_every_section(tmp_path: Path) -> None:
    report_dir = tmp_path / "report"
    report_dir.mkdir()
    for name in ("index.qmd", "_quarto.yml", "references.bib", "exhibit_credits.yml"):
        shutil.copy(REPORT_DIR / name, report_dir / name)
    shutil.copy(REPORT_DIR.parent / "CHANGELOG.md", tmp_path / "CHANGELOG.md")  # included
    layout = ReportLayout(
        notebooks_dir=REPORT_DIR / "notebooks", processed_dir=PROCESSED_DIR, report_dir=report_dir
    )
    render.render_report(lambda message: None, layout, use_quarto=False)
    html = (report_dir / "_output" / "index.html").read_text()
    article = (REPORT_DIR / "index.qmd").read_text()
    _, body = render.split_front_matter(article, REPORT_DIR / "index.qmd")
    ast = render.run_pandoc(["-f", "markdown", "-t", "json"], body)
    titles = render.section_titles(json.loads(ast))
    assert len(titles) == 16  # 12 sections, and the annex's cite, changelog, colophon, related
    for identifier in titles:
        assert f'<section id="{identifier}"' in html, identifier
    for title in titles.values():
        assert title in " ".join(html.split()), title
    embedded = re.findall(r"\{\{< embed [^#]+#([a-z0-9-]+) >\}\}", article)
    assert len(embedded) >= 30
    for label in embedded:  # every embedded figure and table is in the page, numbered
        assert f'id="{label}"' in html, label
    figures = [label for label in embedded if label.startswith("fig-")]
    assert html.count("data:image/png;base64,") >= len(figures)
    assert f">Figure {len(figures)}:<" in html and f"Figure {len(figures) + 1}:" not in html
    assert re.search(r'<a href="#tbl-source-inventory">Table \d+</a>', html)
    assert "{{<" not in html and "?@" not in html and "@fig-" not in html and "@tbl-" not in html


def test_held_html_is_restored_once_each_and_a_lost_placeholder_is_an_error() -> None:
    context = render.EmbedContext()
    first = context.hold_html("  <table><tr><td>1</td></tr></table>\n")
    second = context.hold_html("<img src='data:image/png;base64,AAAA'>")
    assert first.startswith("```{=html}\n<!--held-html-0-->") and "<table>" not in first
    assert second != first
    document = "<p>a</p>\n<!--held-html-0-->\n<p>b</p>\n<!--held-html-1-->\n"
    assert context.restore_html(document) == (
        "<p>a</p>\n<table><tr><td>1</td></tr></table>\n<p>b</p>\n"
        "<img src='data:image/png;base64,AAAA'>\n"
    )
    with pytest.raises(RenderError, match="held-html-1"):
        context.restore_html("<p>a</p>\n<!--held-html-0-->\n")


def test_walk_replaces_elements_and_copies_the_rest() -> None:
    ast = {"blocks": [{"t": "Para", "c": [{"t": "Str", "c": "a"}, {"t": "Space"}]}], "n": 1}

    def drop_spaces(element: dict) -> list | None:
        return [] if element["t"] == "Space" else None

    walked = render.walk(ast, drop_spaces)
    assert walked == {"blocks": [{"t": "Para", "c": [{"t": "Str", "c": "a"}]}], "n": 1}
    assert ast["blocks"][0]["c"][1] == {"t": "Space"}  # the input is not changed
    assert walked["blocks"][0] is not ast["blocks"][0]


def test_include_shortcode_inserts_a_file(tmp_path: Path) -> None:
    (tmp_path / "part.md").write_text("### Changes\n\n- one\n")
    article = tmp_path / "index.qmd"
    text = "Before.\n\n{{< include part.md >}}\n\nAfter."
    assert render.expand_includes(text, article) == "Before.\n\n### Changes\n\n- one\n\n\nAfter."
    with pytest.raises(RenderError, match="no file"):
        render.expand_includes("{{< include missing.md >}}", article)
