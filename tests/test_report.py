"""Report numbers, _variables.yml and notebook copies; the report's sources are consistent."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_notebook

from helpers.errors import DataError
from helpers.paths import NOTEBOOKS_DIR, PROCESSED_DIR, REPORT_DIR
from helpers.report import article_numbers, key_points, release, render
from helpers.report.article_numbers import ReportLayout

SECTIONS = {  # the briefing (issue 20): answer, limits, methods, then the annex
    "sec-answer": "The answer in four charts",
    "sec-limits": "What the data can and cannot say",
    "sec-methods": "Methods in brief",
    "sec-related": "Related analyses",
    "sec-annex": "Annex: the audit",
    "sec-annex-scale": "A. Scale, positions and funding",
    "sec-annex-models": "B. The system driver models in full",
    "sec-annex-trusts": "C. Trusts and the legacy-deficit test",
    "sec-annex-workforce": "D. Workforce, leadership and historic debt",
    "sec-annex-claims": "E. Claims register",
    "sec-annex-coverage": "F. Coverage",
    "sec-appendix": "G. Sources and software",
    "sec-glossary": "Glossary",
    "sec-cite": "How to cite",
    "sec-changelog": "Changelog",
    "sec-colophon": "Colophon",
}


# --- save_numbers, collect_numbers, write_variables, copy_notebooks ---------------------------


def test_save_numbers_is_sorted_and_deterministic(tmp_path: Path) -> None:
    path = article_numbers.save_numbers(
        {"b_total": "£1.2 billion", "a_count": 42}, "02_demo", tmp_path
    )
    assert path == tmp_path / "numbers_02_demo.json"
    first = path.read_bytes()
    article_numbers.save_numbers({"a_count": 42, "b_total": "£1.2 billion"}, "02_demo", tmp_path)
    assert path.read_bytes() == first
    assert list(json.loads(first)) == ["a_count", "b_total"]
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize(
    ("numbers", "message"),
    [
        ({"BadKey": 1}, "'BadKey' is not snake_case"),
        ({"flag": True}, "flag is a bool"),
        ({"share": float("nan")}, "share is nan"),
        ({"values": [1, 2]}, "values is a list"),
    ],
)
def test_save_numbers_rejects_bad_keys_and_values(
    tmp_path: Path, numbers: dict[str, Any], message: str
) -> None:
    with pytest.raises(DataError, match=message):
        article_numbers.save_numbers(numbers, "stage", tmp_path)


def test_save_numbers_rejects_bad_stage_names(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="stage name 'Bad Stage'"):
        article_numbers.save_numbers({"a": 1}, "Bad Stage", tmp_path)


def write_inventory(directory: Path) -> None:
    """A three-file, two-dataset source inventory."""
    (directory / "source_inventory.csv").write_text(
        "dataset_id,file\nimd,imd/a.rda\nimd,imd/b.rda\ngeographr,geographr/c.rda\n"
    )


def test_collect_numbers_merges_stages_and_derived_numbers(tmp_path: Path) -> None:
    article_numbers.save_numbers({"n_icbs": 42}, "01_build", tmp_path)
    article_numbers.save_numbers({"deficit_total": "£1.5 billion"}, "02_describe", tmp_path)
    write_inventory(tmp_path)
    assert article_numbers.collect_numbers(tmp_path) == {
        "deficit_total": "£1.5 billion",
        "n_icbs": 42,
        "n_raw_datasets": 2,
        "n_raw_files": 3,
    }


def test_a_key_set_by_two_stages_is_an_error_naming_both(tmp_path: Path) -> None:
    article_numbers.save_numbers({"n_icbs": 42}, "01_build", tmp_path)
    article_numbers.save_numbers({"n_icbs": 42}, "02_describe", tmp_path)
    with pytest.raises(DataError, match=r"'n_icbs' is set twice: in numbers_01_build.json"):
        article_numbers.collect_numbers(tmp_path)


def test_a_stage_repeating_a_derived_number_is_an_error(tmp_path: Path) -> None:
    write_inventory(tmp_path)
    article_numbers.save_numbers({"n_raw_files": 3}, "00_inventory", tmp_path)
    with pytest.raises(DataError, match="'n_raw_files' is set twice"):
        article_numbers.collect_numbers(tmp_path)


def test_provenance_is_a_reserved_key(tmp_path: Path) -> None:
    article_numbers.save_numbers({"provenance": "x"}, "01_build", tmp_path)
    with pytest.raises(DataError, match="reserved"):
        article_numbers.collect_numbers(tmp_path)


def test_write_variables_has_numbers_and_provenance(mini_project: ReportLayout) -> None:
    layout = mini_project
    article_numbers.save_numbers({"n_icbs": 42}, "01_build", layout.processed_dir)
    path = article_numbers.write_variables("the test renderer", layout)
    assert path == layout.report_dir / "_variables.yml"
    variables = yaml.safe_load(path.read_text())
    assert variables["n_icbs"] == 42
    provenance = variables["provenance"]
    assert provenance["renderer"] == "the test renderer"
    assert provenance["git_commit"] == "unknown"
    assert len(provenance["params_sha256"]) == 64
    assert set(article_numbers.VERSIONED_PACKAGES) | {"python"} <= set(provenance)
    first = path.read_bytes()
    article_numbers.write_variables("the test renderer", layout)
    assert path.read_bytes() == first


def test_copy_notebooks_copies_pipeline_notebooks_and_drops_stale_copies(
    mini_project: ReportLayout,
) -> None:
    layout = mini_project
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), layout.notebooks_dir / "01_a_b.ipynb")
    nbformat.write(new_notebook(), layout.notebooks_dir / "scratch.ipynb")
    layout.report_notebooks_dir.mkdir()
    (layout.report_notebooks_dir / "09_gone.ipynb").write_text("{}")
    copies = article_numbers.copy_notebooks(layout)
    assert [copy.name for copy in copies] == ["01_a_b.ipynb"]
    assert sorted(p.name for p in layout.report_notebooks_dir.iterdir()) == ["01_a_b.ipynb"]
    assert copies[0].read_bytes() == (layout.notebooks_dir / "01_a_b.ipynb").read_bytes()


# --- the real report's sources: _quarto.yml, index.qmd, references.bib ------------------------


@pytest.fixture(scope="module")
def quarto_config() -> dict[str, Any]:
    return yaml.safe_load((REPORT_DIR / "_quarto.yml").read_text())


@pytest.fixture(scope="module")
def article() -> tuple[dict[str, Any], str]:
    path = REPORT_DIR / "index.qmd"
    return render.split_front_matter(path.read_text(), path)


@pytest.fixture(scope="module")
def article_ast(article: tuple[dict[str, Any], str]) -> dict[str, Any]:
    return json.loads(render.run_pandoc(["-f", "markdown", "-t", "json"], article[1]))


def shortcodes(body: str, name: str) -> list[str]:
    """Arguments of every ``{{< name ... >}}`` shortcode in ``body``."""
    return [
        match.group("args").strip()
        for match in render.SHORTCODE.finditer(body)
        if match.group("name") == name
    ]


def cited_ids(ast: dict[str, Any]) -> set[str]:
    """Every ``@key`` in a pandoc AST (citations and cross-references alike)."""
    found: set[str] = set()

    def visit(element: dict[str, Any]) -> None:
        if element.get("t") == "Cite":
            found.update(citation["citationId"] for citation in element["c"][0])

    render.walk(ast, visit)
    return found


def test_quarto_config_is_a_manuscript_that_does_not_execute(
    quarto_config: dict[str, Any],
) -> None:
    assert quarto_config["project"]["type"] == "manuscript"
    assert quarto_config["manuscript"]["article"] == "index.qmd"
    assert (REPORT_DIR / quarto_config["manuscript"]["article"]).is_file()
    assert quarto_config["execute"]["enabled"] is False
    assert {"html", "typst"} <= set(quarto_config["format"])
    assert quarto_config["format"]["html"]["toc"] is True
    assert (REPORT_DIR / quarto_config["bibliography"]).is_file()


def test_manuscript_notebooks_exist(quarto_config: dict[str, Any]) -> None:
    listed = [entry["notebook"] for entry in quarto_config["manuscript"]["notebooks"]]
    assert "notebooks/00_inventory_sources.ipynb" in listed
    for path in listed:
        assert path.startswith("notebooks/"), f"{path}: list the copy in report/notebooks/"
        assert (NOTEBOOKS_DIR / Path(path).name).is_file(), path


def test_article_front_matter_has_what_quarto_needs(article: tuple[dict[str, Any], str]) -> None:
    meta, _ = article
    assert meta["title"] and meta["date"]
    assert render.author_names(meta["author"]) == ["ics-deficits contributors"]


def test_article_has_every_section(article_ast: dict[str, Any]) -> None:
    assert render.section_titles(article_ast) == SECTIONS


def test_every_embed_target_has_its_labelled_cell(article: tuple[dict[str, Any], str]) -> None:
    embeds = shortcodes(article[1], "embed")
    assert "notebooks/00_inventory_sources.ipynb#tbl-source-inventory" in embeds
    for address in embeds:
        target, label = address.split()[0].split("#")
        assert target.startswith("notebooks/"), f"{target}: embed the copy in report/notebooks/"
        assert (NOTEBOOKS_DIR / Path(target).name).is_file(), f"{address}: no such notebook"
        notebook = REPORT_DIR / target  # the executed copy, a build output
        assert notebook.is_file(), f"{address}: {notebook} does not exist (run make report)"
        cell = render.find_labelled_cell(notebook, label)
        assert cell.get("outputs"), f"{address}: the cell has no stored output (run make report)"


def test_every_crossref_has_an_embedded_label_or_section(
    article: tuple[dict[str, Any], str], article_ast: dict[str, Any]
) -> None:
    embedded = {address.split()[0].split("#")[1] for address in shortcodes(article[1], "embed")}
    refs = {key for key in cited_ids(article_ast) if render.CROSSREF.match(key)}
    assert "tbl-source-inventory" in refs
    missing = refs - embedded - set(SECTIONS)
    assert not missing, f"cross-references with no embedded label or section: {sorted(missing)}"


def test_every_citation_is_in_the_bibliography(article_ast: dict[str, Any]) -> None:
    keys = {key for key in cited_ids(article_ast) if not render.CROSSREF.match(key)}
    assert keys, "the article cites no source"
    missing = keys - render.bibliography_keys(REPORT_DIR / "references.bib")
    assert not missing, f"citation keys not in references.bib: {sorted(missing)}"


#: The peer analysts issue 20 asks the briefing to cite and compare.
PEER_PUBLISHERS = (
    "The King's Fund",
    "National Audit Office",
    "Nuffield Trust",
    "The Health Foundation",
)


def test_the_briefing_cites_an_analysis_by_each_peer_publisher(
    article_ast: dict[str, Any],
) -> None:
    """Each peer publisher is the author or institution of an entry the article cites."""
    bib = (REPORT_DIR / "references.bib").read_text()
    entries = {
        match.group(1): match.group(0)
        for match in re.finditer(r"@\w+\{([^,]+),.*?\n\}", bib, flags=re.S)
    }
    cited = [entries[key] for key in cited_ids(article_ast) if key in entries]
    missing = [name for name in PEER_PUBLISHERS if not any(name in entry for entry in cited)]
    assert not missing, f"no cited analysis by: {missing}"


def test_every_var_key_is_produced(article: tuple[dict[str, Any], str]) -> None:
    produced = set(article_numbers.collect_numbers(PROCESSED_DIR))
    produced |= {f"provenance.{key}" for key in article_numbers.provenance("test")}
    produced |= {f"key_points.{key}" for key in key_points.KEY_POINTS}
    produced |= {f"briefing.{key}" for key in ("forest_found", "forest_rest", "system_drivers")}
    produced |= {f"release.{key}" for key in release.release_variables()}
    keys = set(shortcodes(article[1], "var"))
    assert keys, "the article quotes no computed number"
    assert not keys - produced, f"variables no stage produces: {sorted(keys - produced)}"


# --- key points (written by helpers.report.key_points: tests/test_briefing.py) ---------------


def test_key_points_is_a_reserved_key(tmp_path: Path) -> None:
    article_numbers.save_numbers({"key_points": "x"}, "01_build", tmp_path)
    with pytest.raises(DataError, match="reserved"):
        article_numbers.collect_numbers(tmp_path)
