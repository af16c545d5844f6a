"""Render the report: the pipeline's last stage.

``render_report()`` copies the executed notebooks into ``report/notebooks/``, writes
``report/_variables.yml`` and then renders ``report/``:

* with Quarto (>= 1.4) when ``quarto`` is on the PATH: ``quarto render report`` builds the
  manuscript (HTML and a Typst PDF) in ``report/_manuscript/``;
* otherwise with a fallback built on pandoc (the ``pypandoc-binary`` wheel ships it): one
  standalone HTML file, ``report/_output/index.html``, with a visible banner saying so.

The fallback resolves what the article uses of Quarto's syntax: front matter (title, author,
date, abstract), ``{{< var key >}}`` from ``_variables.yml``, ``{{< embed nb.ipynb#label >}}``
(the labelled cell's stored image or table output, with a numbered caption from its
``fig-cap``/``tbl-cap`` option), ``@fig-``/``@tbl-``/``@sec-`` cross-references and ``[@key]``
citations (pandoc's citeproc). Pandoc parses the Markdown; this module only expands the
shortcodes before parsing and turns cross-reference citations into links in pandoc's AST. An
unknown variable, label, reference or citation key is an error naming it.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import html
import json
import math
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from helpers.data.io import atomic_write
from helpers.errors import DataError, PipelineError
from helpers.report import article_numbers as report_numbers
from helpers.report.article_numbers import ReportLayout
from helpers.yaml_files import parse_yaml

if TYPE_CHECKING:  # nbformat is imported where a notebook is read: the build runner needs none
    import nbformat

MIN_QUARTO = (1, 4)
ARTICLE = "index.qmd"
FALLBACK_OUTPUT = Path("_output") / "index.html"
FALLBACK_PDF = Path("_output") / "index.pdf"
QUARTO_OUTPUT = Path("_manuscript")
SHORTCODE = re.compile(r"\{\{<\s*(?P<name>[a-z]+)\s*(?P<args>.*?)\s*>\}\}", re.DOTALL)
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n---[ \t]*\n", re.DOTALL)
CELL_OPTION = re.compile(r"^#\|\s?(?P<option>.*)$")
CROSSREF = re.compile(r"^(?P<kind>fig|tbl|sec)-[A-Za-z0-9_-]+$")
KIND_NAMES = {"fig": "Figure", "tbl": "Table"}
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
DYNAMIC_DATES = {"last-modified", "today", "now"}
ASSETS_DIR = "assets"
TEMPLATE_FILE = "fallback.html"
CSS_FILE = "report.css"
CREDITS_FILE = "exhibit_credits.yml"


class RenderError(PipelineError):
    """The report could not be rendered (bad shortcode, label, reference, citation, tool)."""


@dataclass(frozen=True)
class PrintLimits:
    """Bounds of a printed exhibit on the A4 page (text block 178 x 261 mm)."""

    text_width_mm: float = 178.0
    max_height_mm: float = 125.0  # under half the text block: no figure fills a page
    #: A chart over ``tall_aspect`` times as tall as wide (the forest plot of every test) may
    #: take the text block's height, so that it is not narrowed to an illegible strip.
    tall_aspect: float = 2.0
    tall_max_height_mm: float = 225.0
    min_width_mm: float = 120.0  # small charts are not shrunk below two thirds of the width
    wide_table_columns: int = 10  # tables with more columns are printed on a landscape page
    portrait_characters: float = 118.0  # characters of table text (7.5 pt) a portrait line holds
    landscape_characters: float = 175.0  # and a landscape one


PRINT_LIMITS = PrintLimits()


@dataclass
class Embed:
    """One embedded notebook output: its label, kind (fig or tbl), number and Markdown."""

    label: str
    kind: str
    number: int
    markdown: str

    @property
    def reference_text(self) -> str:
        """How a cross-reference to it reads, e.g. 'Figure 2'."""
        return f"{KIND_NAMES[self.kind]} {self.number}"


@dataclass
class Article:
    """A ``.qmd`` article split into front matter and body."""

    path: Path
    meta: dict[str, Any]
    body: str
    embeds: dict[str, Embed] = field(default_factory=dict)


# --- front matter, variables, cell options ---------------------------------------------------


def split_front_matter(text: str, source: Path) -> tuple[dict[str, Any], str]:
    """The YAML front matter (a mapping) and the body of a ``.qmd`` file."""
    match = FRONT_MATTER.match(text)
    if not match:
        raise RenderError(f"{source}: no YAML front matter (a block between '---' lines)")
    meta = parse_yaml(match.group("yaml")) or {}
    if not isinstance(meta, dict):
        raise RenderError(f"{source}: the front matter is not a YAML mapping")
    return meta, text[match.end() :]


def lookup_variable(variables: dict[str, Any], key: str, source: Path) -> str:
    """Value of a (dotted) ``var`` key; an unknown key is an error naming it."""
    value: Any = variables
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise RenderError(
                f"{source}: unknown variable {{{{< var {key} >}}}}: {key!r} is not in "
                "_variables.yml (a notebook must write it with "
                "helpers.report.article_numbers.save_numbers)"
            )
        value = value[part]
    if isinstance(value, dict | list):
        raise RenderError(f"{source}: variable {key!r} is a {type(value).__name__}, not a value")
    return str(value)


def substitute_variables(text: str, variables: dict[str, Any], source: Path) -> str:
    """Replace every ``{{< var key >}}`` in ``text`` with its value."""

    def replace(match: re.Match[str]) -> str:
        if match.group("name") != "var":
            return match.group(0)
        return lookup_variable(variables, match.group("args").strip(), source)

    return SHORTCODE.sub(replace, text)


def expand_includes(text: str, source: Path) -> str:
    """Replace every ``{{< include path >}}`` with that file's text (Quarto's include; the
    path is relative to ``source``'s folder); a missing file is an error naming it."""

    def replace(match: re.Match[str]) -> str:
        if match.group("name") != "include":
            return match.group(0)
        path = source.parent / match.group("args").strip()
        if not path.is_file():
            raise RenderError(
                f"{source}: {{{{< include {match.group('args')} >}}}}: no file {path}"
            )
        return path.read_text(encoding="utf-8")

    return SHORTCODE.sub(replace, text)


def cell_options(source: str) -> dict[str, Any]:
    """Quarto cell options: the leading ``#| key: value`` lines of a code cell, as YAML."""
    lines: list[str] = []
    for line in source.splitlines():
        match = CELL_OPTION.match(line)
        if not match:
            break
        lines.append(match.group("option"))
    options = parse_yaml("\n".join(lines)) if lines else {}
    return options if isinstance(options, dict) else {}


def cell_code(source: str) -> str:
    """A code cell's source without its leading ``#|`` option lines."""
    lines = source.splitlines()
    while lines and CELL_OPTION.match(lines[0]):
        lines.pop(0)
    return "\n".join(lines).strip("\n")


# --- embeds ---------------------------------------------------------------------------------


def notebook_labels(notebook_path: Path) -> dict[str, nbformat.NotebookNode]:
    """Code cells of a notebook by their ``label`` option; a repeated label is an error.

    A notebook is read once per version of the file (its path, size and modification time),
    however many of its cells the article embeds."""
    stat = notebook_path.stat()
    return _notebook_labels(notebook_path.resolve(), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _notebook_labels(
    notebook_path: Path, size: int, modified_ns: int
) -> dict[str, nbformat.NotebookNode]:
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    cells: dict[str, nbformat.NotebookNode] = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        label = cell_options(cell.source).get("label")
        if label is None:
            continue
        if label in cells:
            raise RenderError(f"{notebook_path}: two cells have the label {label!r}")
        cells[str(label)] = cell
    return cells


def find_labelled_cell(notebook_path: Path, label: str) -> nbformat.NotebookNode:
    """The code cell whose ``#| label:`` is ``label``; raises RenderError naming both."""
    if not notebook_path.is_file():
        raise RenderError(f"embed: notebook {notebook_path} does not exist")
    cells = notebook_labels(notebook_path)
    if label not in cells:
        raise RenderError(
            f"embed: {notebook_path.name} has no cell labelled {label!r} "
            f"(labels: {sorted(cells) or 'none'})"
        )
    return cells[label]


def _output_data(cell: nbformat.NotebookNode) -> Iterator[dict[str, Any]]:
    """The rich (MIME-bundle) outputs of a cell, in order."""
    for output in cell.get("outputs", []):
        if output.get("output_type") in {"execute_result", "display_data"}:
            yield output.get("data", {})


def _output_metadata(cell: nbformat.NotebookNode) -> Iterator[dict[str, Any]]:
    """The metadata of the rich outputs of a cell, in the order of :func:`_output_data`."""
    for output in cell.get("outputs", []):
        if output.get("output_type") in {"execute_result", "display_data"}:
            yield output.get("metadata", {})


def _image_html(
    data: dict[str, Any], alt: str, metadata: dict[str, Any] | None = None
) -> str | None:
    """An ``<img>`` (base64 data URI) or inline ``<svg>`` from one output, or None.

    A high-resolution ("retina") PNG carries its display width in the output's metadata; the
    image gets that width so it is drawn sharp at its intended size.
    """
    for mime in IMAGE_TYPES:
        if mime not in data:
            continue
        payload = data[mime]
        payload = "".join(payload) if isinstance(payload, list) else str(payload)
        if mime == "image/svg+xml":
            return payload
        encoded = "".join(payload.split())
        size = (metadata or {}).get(mime, {})
        width = (
            f' width="{int(size["width"])}"' if isinstance(size, dict) and size.get("width") else ""
        )
        alt_text = html.escape(alt, quote=True)
        return f'<img src="data:{mime};base64,{encoded}"{width} alt="{alt_text}">'
    return None


def image_payloads(cell: nbformat.NotebookNode) -> list[tuple[str, bytes]]:
    """(MIME type, bytes) of every image output of a cell (for the PDF's image files)."""
    return [(mime, raw) for mime, raw, _ in image_outputs(cell)]


def image_outputs(cell: nbformat.NotebookNode) -> list[tuple[str, bytes, float | None]]:
    """(MIME type, bytes, display width in CSS pixels or None) of every image output."""
    images: list[tuple[str, bytes, float | None]] = []
    for data, metadata in zip(_output_data(cell), _output_metadata(cell), strict=True):
        for mime in IMAGE_TYPES:
            if mime in data:
                payload = data[mime]
                payload = "".join(payload) if isinstance(payload, list) else str(payload)
                raw = payload.encode() if mime == "image/svg+xml" else base64.b64decode(payload)
                size = (metadata or {}).get(mime, {})
                width = size.get("width") if isinstance(size, dict) else None
                images.append((mime, raw, float(width) if width else None))
                break
    return images


def png_size(raw: bytes) -> tuple[int, int] | None:
    """(width, height) in pixels of a PNG (from its header), None for anything else."""
    if raw[:8] != b"\x89PNG\r\n\x1a\n" or len(raw) < 24:
        return None
    return int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")


def max_height_mm(pixels: tuple[int, int], limits: PrintLimits) -> float:
    """The printed height an image may take: the text block's for a tall chart (over
    ``limits.tall_aspect`` times as tall as wide), else ``limits.max_height_mm``."""
    width_px, height_px = pixels
    tall = height_px > limits.tall_aspect * max(width_px, 1)
    return limits.tall_max_height_mm if tall else limits.max_height_mm


def printed_width_mm(
    pixels: tuple[int, int] | None, display_width: float | None, limits: PrintLimits
) -> float:
    """Width to print an image at: its size on screen (CSS pixels at 96 per inch), at most the
    text width and at most as wide as keeps it within the height limit (:func:`max_height_mm`),
    at least the minimum width (unless the height limit forbids it); the text width when the
    size is unknown."""
    if pixels is None:
        return limits.text_width_mm
    width_px, height_px = pixels
    screen_mm = (display_width or width_px) * 25.4 / 96
    by_height = max_height_mm(pixels, limits) * width_px / max(height_px, 1)
    width = min(max(screen_mm, limits.min_width_mm), limits.text_width_mm)
    return math.floor(min(width, by_height) * 10) / 10


def _raw_html(markup: str) -> str:
    """A pandoc raw HTML block."""
    return f"```{{=html}}\n{markup.strip()}\n```"


def _figure_body(
    cell: nbformat.NotebookNode,
    label: str,
    source: str,
    alt: str,
    raw: Callable[[str], str] = _raw_html,
) -> str:
    """The figure's images, then any HTML the cell also displayed (its data download)."""
    parts: list[str] = []
    found = False
    for data, metadata in zip(_output_data(cell), _output_metadata(cell), strict=True):
        image = _image_html(data, alt, metadata)
        if image:
            parts.append(image)
            found = True
        elif "text/html" in data:
            markup = data["text/html"]
            parts.append("".join(markup) if isinstance(markup, list) else str(markup))
    if not found:
        raise RenderError(f"embed: cell {label!r} in {source} has no image output")
    return raw("\n".join(parts))


def _table_body(
    cell: nbformat.NotebookNode, label: str, source: str, raw: Callable[[str], str] = _raw_html
) -> str:
    for data in _output_data(cell):
        if "text/html" in data:
            markup = data["text/html"]
            markup = "".join(markup) if isinstance(markup, list) else str(markup)
            if 'class="table-scroll"' not in markup:  # a table not made by helpers.report.tables
                markup = f'<div class="table-scroll" tabindex="0">\n{markup}\n</div>'
            return raw(markup)
        if "text/markdown" in data:
            markup = data["text/markdown"]
            return "".join(markup) if isinstance(markup, list) else str(markup)
    raise RenderError(f"embed: cell {label!r} in {source} has no HTML or Markdown table output")


@dataclass
class EmbedContext:
    """What an embed needs beyond its cell: notebook titles, publisher credits, output target.

    ``titles`` maps a notebook path as written in the shortcode to its title (from
    ``_quarto.yml``); ``credits`` maps a label or a notebook stem to the publishers credited
    under the exhibit; ``notebook_href`` is the folder the source line links notebooks from.
    For the PDF (``target="typst"``) images are written as files to ``image_dir`` and tables
    become placeholders that :func:`render_pdf` fills with pandoc tables.
    """

    titles: dict[str, str] = field(default_factory=dict)
    credits: dict[str, str] = field(default_factory=dict)
    notebook_href: str = "../notebooks/"
    target: str = "html"
    image_dir: Path | None = None
    tables: dict[str, str] = field(default_factory=dict)
    held_html: dict[str, str] = field(default_factory=dict)

    def hold_html(self, markup: str) -> str:
        """A raw HTML block holding only a placeholder comment for ``markup``, which
        :meth:`restore_html` puts back into pandoc's output: the megabytes of images and tables
        then never pass through pandoc's Markdown reader and HTML writer, which would copy them
        through unchanged anyway."""
        token = f"<!--held-html-{len(self.held_html)}-->"
        self.held_html[token] = markup.strip()
        return _raw_html(token)

    def restore_html(self, document: str) -> str:
        """``document`` with each placeholder of :meth:`hold_html` replaced by its markup."""
        for token, markup in self.held_html.items():
            if document.count(token) != 1:
                raise RenderError(f"pandoc's output holds {token} {document.count(token)} times")
            document = document.replace(token, markup, 1)
        return document

    def credit(self, label: str, source: str) -> str | None:
        """The publisher credit of an exhibit: its own, else its notebook's, else None."""
        return self.credits.get(label) or self.credits.get(Path(source).stem)


def source_line(label: str, source: str, context: EmbedContext) -> str:
    """'Data: <publishers>. Made in [<notebook title>](<link>).' for under an exhibit."""
    title = context.titles.get(source) or Path(source).stem
    name = Path(source).name
    credit = context.credit(label, source)
    made = f"Made in notebook [{title}]({context.notebook_href}{name})."
    return f"Data: {credit.rstrip('.')}. {made}" if credit else made


def _typst_figure(
    cell: nbformat.NotebookNode, label: str, source: str, context: EmbedContext
) -> str:
    """Markdown images (files in ``context.image_dir``) for the PDF, each printed at its
    screen size within the bounds of :data:`PRINT_LIMITS` (no full-page or tiny figures)."""
    if context.image_dir is None:
        raise RenderError("embed: the PDF target needs an image folder")
    images = image_outputs(cell)
    if not images:
        raise RenderError(f"embed: cell {label!r} in {source} has no image output")
    lines = []
    for index, (mime, raw, display_width) in enumerate(images, start=1):
        suffix = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}[mime]
        path = context.image_dir / f"{label}-{index}.{suffix}"
        path.write_bytes(raw)
        width = printed_width_mm(png_size(raw), display_width, PRINT_LIMITS)
        lines.append(f"![]({path.name}){{width={width}mm}}")
    return "\n\n".join(lines)


def embed_markdown(
    notebook_path: Path,
    label: str,
    number: int,
    source: str,
    echo: bool = False,
    context: EmbedContext | None = None,
) -> Embed:
    """Markdown for one embedded output: a fenced div with id ``label``, the output, a
    numbered caption ("Figure N: ..." or "Table N: ...") taken from the cell's options and a
    source line crediting the publishers and linking the notebook."""
    context = context or EmbedContext()
    match = CROSSREF.match(label)
    if not match or match.group("kind") not in KIND_NAMES:
        raise RenderError(f"embed: label {label!r} must start with 'fig-' or 'tbl-'")
    kind = match.group("kind")
    cell = find_labelled_cell(notebook_path, label)
    options = cell_options(cell.source)
    caption = options.get(f"{kind}-cap")
    if not isinstance(caption, str) or not caption.strip():
        raise RenderError(f"embed: cell {label!r} in {source} has no '{kind}-cap' option")
    caption_md = (
        f"::: {{.caption}}\n[{KIND_NAMES[kind]} {number}:]{{.label}} {caption.strip()}\n:::"
    )
    if kind == "fig":
        alt = str(options.get("fig-alt") or caption)
        body = (
            _typst_figure(cell, label, source, context)
            if context.target == "typst"
            else _figure_body(cell, label, source, alt, context.hold_html)
        )
        parts = [body, caption_md]
    else:
        table = _table_body(
            cell, label, source, _raw_html if context.target == "typst" else context.hold_html
        )
        if context.target == "typst":
            context.tables[label] = table
            table = f'::: {{.table-placeholder data-label="{label}"}}\n:::'
        parts = [caption_md, table]
    if echo:
        parts.insert(0, f"``` python\n{cell_code(cell.source)}\n```")
    parts.append(f"::: {{.embed-source}}\n{source_line(label, source, context)}\n:::")
    markdown = f"::: {{#{label} .embed .embed-{kind}}}\n" + "\n\n".join(parts) + "\n:::"
    return Embed(label=label, kind=kind, number=number, markdown=markdown)


def expand_embeds(article: Article, context: EmbedContext | None = None) -> str:
    """Replace every ``{{< embed nb.ipynb#label >}}`` in the body, numbering figures and tables
    separately in order of appearance; fills ``article.embeds``."""
    counters = dict.fromkeys(KIND_NAMES, 0)
    article.embeds.clear()

    def replace(match: re.Match[str]) -> str:
        if match.group("name") != "embed":
            return match.group(0)
        address, *arguments = match.group("args").split()
        if "#" not in address:
            raise RenderError(
                f"{article.path}: embed {address!r} has no '#label' (the fallback embeds "
                "single labelled cells only)"
            )
        target, label = address.split("#", 1)
        if label in article.embeds:
            raise RenderError(f"{article.path}: {label!r} is embedded twice")
        kind = label.split("-", 1)[0]
        counters[kind] = counters.get(kind, 0) + 1
        echo = "echo=true" in arguments
        embed = embed_markdown(
            article.path.parent / target, label, counters[kind], target, echo=echo, context=context
        )
        article.embeds[label] = embed
        return "\n\n" + embed.markdown + "\n\n"

    return SHORTCODE.sub(replace, article.body)


# --- pandoc ---------------------------------------------------------------------------------


def pandoc_executable() -> str:
    """Path of pandoc: the one bundled by pypandoc-binary, else one on the PATH."""
    try:
        import pypandoc

        return str(pypandoc.get_pandoc_path())
    except (ImportError, OSError) as error:
        found = shutil.which("pandoc")
        if found:
            return found
        raise RenderError(
            "pandoc not found: install the pinned lock (pypandoc-binary) with `make env`"
        ) from error


def pandoc_version() -> str:
    """Version of the pandoc the fallback uses, e.g. '3.9'."""
    first = run_pandoc(["--version"]).splitlines()[0]
    return first.split()[-1]


def run_pandoc(arguments: list[str], text: str | None = None) -> str:
    """Run pandoc with ``arguments`` (and ``text`` on stdin); return stdout or raise."""
    done = subprocess.run(
        [pandoc_executable(), *arguments],
        input=text,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    if done.returncode != 0:
        raise RenderError(f"pandoc {' '.join(arguments[:3])} ... failed: {done.stderr.strip()}")
    return done.stdout


def bibliography_keys(bibliography: Path) -> set[str]:
    """Citation keys defined in a BibTeX/BibLaTeX file (parsed by pandoc)."""
    if not bibliography.is_file():
        raise RenderError(f"bibliography {bibliography} does not exist")
    entries = json.loads(run_pandoc(["-f", "biblatex", "-t", "csljson", str(bibliography)]))
    return {entry["id"] for entry in entries}


def stringify(node: Any) -> str:
    """Plain text of a pandoc AST fragment (inline elements)."""
    if isinstance(node, list):
        return "".join(stringify(item) for item in node)
    if not isinstance(node, dict):
        return ""
    kind = node.get("t")
    if kind == "Str":
        return str(node["c"])
    if kind in {"Space", "SoftBreak", "LineBreak"}:
        return " "
    if kind in {"Code", "Math"}:
        return str(node["c"][-1])
    if kind in {"RawInline", "Note"}:
        return ""
    return stringify(node.get("c", []))


def walk(node: Any, visit: Callable[[dict[str, Any]], list[Any] | None]) -> Any:
    """Copy of a pandoc AST in which ``visit`` may replace any element by a list of elements.

    Only lists and mappings are descended into (strings and numbers are shared, not visited):
    the AST of the report has hundreds of thousands of nodes."""
    if isinstance(node, list):
        result: list[Any] = []
        for item in node:
            if isinstance(item, dict):
                replacement = visit(item) if "t" in item else None
                if replacement is None:
                    result.append(_walk_mapping(item, visit))
                else:
                    result.extend(replacement)
            elif isinstance(item, list):
                result.append(walk(item, visit))
            else:
                result.append(item)
        return result
    if isinstance(node, dict):
        return _walk_mapping(node, visit)
    return node


def _walk_mapping(
    node: dict[str, Any], visit: Callable[[dict[str, Any]], list[Any] | None]
) -> dict[str, Any]:
    """A mapping of a pandoc AST with its list and mapping values walked (see :func:`walk`)."""
    return {
        key: walk(value, visit) if isinstance(value, list | dict) else value
        for key, value in node.items()
    }


def section_titles(ast: dict[str, Any]) -> dict[str, str]:
    """Titles of the headings whose id starts with ``sec-``."""
    titles: dict[str, str] = {}

    def visit(element: dict[str, Any]) -> None:
        if element.get("t") == "Header":
            identifier = element["c"][1][0]
            if identifier.startswith("sec-"):
                titles[identifier] = stringify(element["c"][2])
        return None

    walk(ast["blocks"], visit)
    return titles


def _text(words: str) -> list[dict[str, Any]]:
    """Pandoc inlines for a plain string."""
    inlines: list[dict[str, Any]] = []
    for index, word in enumerate(words.split(" ")):
        if index:
            inlines.append({"t": "Space"})
        inlines.append({"t": "Str", "c": word})
    return inlines


def resolve_crossrefs(
    ast: dict[str, Any], targets: dict[str, str], source: Path
) -> tuple[dict[str, Any], set[str]]:
    """Turn ``@fig-x``/``@tbl-x``/``@sec-x`` citations into links reading ``targets[id]``.

    Returns the new AST and the remaining (bibliographic) citation keys. A cross-reference
    with no target is an error naming it.
    """
    cited: set[str] = set()

    def visit(element: dict[str, Any]) -> list[Any] | None:
        if element.get("t") != "Cite":
            return None
        citations = element["c"][0]
        ids = [citation["citationId"] for citation in citations]
        crossrefs = [key for key in ids if CROSSREF.match(key)]
        if not crossrefs:
            cited.update(ids)
            return None
        if len(crossrefs) != len(ids):
            raise RenderError(f"{source}: [{'; '.join(ids)}] mixes cross-references and citations")
        inlines: list[Any] = []
        for index, citation in enumerate(citations):
            key = citation["citationId"]
            if key not in targets:
                raise RenderError(
                    f"{source}: unresolved cross-reference @{key}: no embedded output or "
                    "section has that label"
                )
            if index:
                inlines += [{"t": "Str", "c": ";"}, {"t": "Space"}]
            prefix = citation.get("citationPrefix") or []
            suffix = citation.get("citationSuffix") or []
            inlines += [*prefix, *([{"t": "Space"}] if prefix else [])]
            inlines.append({"t": "Link", "c": [["", [], []], _text(targets[key]), [f"#{key}", ""]]})
            inlines += suffix
        return inlines

    return walk(ast, visit), cited


# --- the fallback renderer ------------------------------------------------------------------


def display_date(value: Any, commit_date: str | None) -> str | None:
    """The front-matter date for display; Quarto's dynamic dates become the commit date."""
    if value is None:
        return None
    text = str(value)
    if text in DYNAMIC_DATES:
        if not commit_date:
            return None
        day = dt.date.fromisoformat(commit_date)
        return f"{day.day} {day:%B %Y}"
    return text


def author_names(value: Any) -> list[str]:
    """Author names from Quarto's ``author``/``authors`` (strings or mappings with ``name``)."""
    items = value if isinstance(value, list) else [value] if value else []
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, dict):
            name = name.get("literal") or " ".join(str(part) for part in name.values())
        if name:
            names.append(str(name))
    return names


def pandoc_metadata(
    meta: dict[str, Any], variables: dict[str, Any], article: Path, commit_date: str | None
) -> dict[str, Any]:
    """Metadata pandoc's HTML template understands, from Quarto front matter."""

    def text(key: str) -> str | None:
        value = meta.get(key)
        return substitute_variables(str(value), variables, article) if value else None

    result: dict[str, Any] = {
        "title": text("title") or article.stem,
        "subtitle": text("subtitle"),
        "author": author_names(meta.get("author") or meta.get("authors")),
        "date": display_date(meta.get("date"), commit_date),
        "abstract": text("abstract"),
        "lang": meta.get("lang", "en-GB"),
        "toc-title": "Contents",
        "link-citations": True,
    }
    return {key: value for key, value in result.items() if value not in (None, [], "")}


def banner_html(renderer: str) -> str:
    """One discreet line, at the end of the page (the colophon's place, not the first screen),
    saying which renderer built the page (the fallback, not Quarto)."""
    return (
        f'<p class="renderer-note" role="note">Rendered by {html.escape(renderer)}: Quarto '
        '(<a href="https://quarto.org/docs/get-started/">1.4 or later</a>) was not found; '
        "<code>make report</code> uses it where installed.</p>"
    )


def assets_dir(report_dir: Path) -> Path:
    """The report's ``assets/`` (template, CSS); the repository's when a report has none."""
    own = report_dir / ASSETS_DIR
    if (own / TEMPLATE_FILE).is_file():
        return own
    from helpers.paths import REPORT_DIR

    return REPORT_DIR / ASSETS_DIR


def load_credits(report_dir: Path) -> dict[str, str]:
    """Publisher credits per exhibit label or notebook stem (``exhibit_credits.yml``)."""
    path = report_dir / CREDITS_FILE
    if not path.is_file():
        return {}
    credits = parse_yaml(path.read_text(encoding="utf-8")) or {}
    if not isinstance(credits, dict) or not all(
        isinstance(value, str) for value in credits.values()
    ):
        raise RenderError(f"{path}: expected a mapping of label or notebook to a credit line")
    return {str(key): value for key, value in credits.items()}


def notebook_titles(config: dict[str, Any]) -> dict[str, str]:
    """Notebook path -> title, from the manuscript's ``notebooks`` list in ``_quarto.yml``."""
    entries = config.get("manuscript", {}).get("notebooks", []) or []
    return {
        str(entry["notebook"]): str(entry.get("title") or entry["notebook"])
        for entry in entries
        if isinstance(entry, dict) and "notebook" in entry
    }


def _parse_article(
    article_path: Path, variables: dict[str, Any], context: EmbedContext
) -> tuple[Article, dict[str, Any], set[str]]:
    """The article with variables and embeds resolved, parsed into a pandoc AST whose
    cross-references (to embeds and sections) are resolved; with the citation keys it cites."""
    meta, body = split_front_matter(article_path.read_text(encoding="utf-8"), article_path)
    body = expand_includes(body, article_path)
    article = Article(path=article_path, meta=meta, body=body)
    article.body = substitute_variables(body, variables, article_path)
    body = expand_embeds(article, context)
    leftover = SHORTCODE.search(body)
    if leftover:
        raise RenderError(f"{article_path}: unsupported shortcode {leftover.group(0)!r}")
    ast = json.loads(run_pandoc(["-f", "markdown", "-t", "json"], body))
    targets = {label: embed.reference_text for label, embed in article.embeds.items()}
    targets.update(section_titles(ast))
    ast, cited = resolve_crossrefs(ast, targets, article_path)
    return article, ast, cited


def _citation_arguments(article: Article, cited: set[str], bibliography: Path | None) -> list[str]:
    """pandoc's citeproc arguments; unknown keys are an error naming them."""
    if bibliography is None and article.meta.get("bibliography"):
        bibliography = article.path.parent / str(article.meta["bibliography"])
    if not cited:
        return []
    if bibliography is None:
        raise RenderError(f"{article.path}: cites {sorted(cited)} but has no bibliography")
    unknown = sorted(cited - bibliography_keys(bibliography))
    if unknown:
        raise RenderError(f"{article.path}: citation keys not in {bibliography}: {unknown}")
    return ["--citeproc", f"--bibliography={bibliography}"]


def render_fallback(
    article_path: Path,
    variables: dict[str, Any],
    output: Path,
    *,
    renderer: str,
    bibliography: Path | None = None,
    commit_date: str | None = None,
    number_sections: bool = False,
    context: EmbedContext | None = None,
) -> Path:
    """Render a ``.qmd`` article to one standalone HTML file with pandoc; return its path.

    Raises RenderError naming any unknown variable, missing notebook or label, unresolved
    cross-reference, unknown citation key, or leftover shortcode.
    """
    context = replace(context or EmbedContext(), held_html={})
    article, ast, cited = _parse_article(article_path, variables, context)
    ast = collapsible_callouts(ast)
    assets = assets_dir(article_path.parent)
    # Standalone without --embed-resources: images are data URIs already and the style sheet
    # goes in inline, so pandoc need not re-parse the whole 4 MB page (5 s) to find resources.
    arguments = ["-f", "json", "-t", "html5", "--standalone", "--toc"]
    arguments += ["--toc-depth=2", "--fail-if-warnings", "--section-divs", "--wrap=none"]
    arguments += [f"--template={assets / TEMPLATE_FILE}"]
    if number_sections:
        arguments.append("--number-sections")
    arguments += _citation_arguments(article, cited, bibliography)
    arguments += [f"--variable=include-after:{banner_html(renderer)}"]  # colophon, at the end
    with tempfile.TemporaryDirectory() as scratch:
        meta_file = Path(scratch) / "metadata.yaml"
        metadata = pandoc_metadata(article.meta, variables, article_path, commit_date)
        meta_file.write_text(yaml.safe_dump(metadata, allow_unicode=True), encoding="utf-8")
        arguments.append(f"--metadata-file={meta_file}")
        style_file = Path(scratch) / "style.html"
        style = (assets / CSS_FILE).read_text(encoding="utf-8")
        style_file.write_text(f"<style>\n{style}</style>\n", encoding="utf-8")
        arguments.append(f"--include-in-header={style_file}")
        document = context.restore_html(run_pandoc(arguments, json.dumps(ast)))
    atomic_write(output, lambda tmp: tmp.write_text(document, encoding="utf-8"))
    output.chmod(0o644)
    return output


# --- the PDF (pandoc to Typst, compiled by the typst package) ---------------------------------

PRINT_STYLE_FILE = "print.typ"  # in report/assets/: tables, running heads, page numbers
#: Typst markup around an exhibit: a figure with its caption is never split across pages; a
#: table's caption sticks to the table's first rows; a wide table gets a landscape page.
KEEP_TOGETHER = ("#block(breakable: false, width: 100%)[", "]")
STICKY = ("#block(sticky: true)[", "]")
LANDSCAPE = ("#page(flipped: true)[", "]")


def typst_preamble(report_dir: Path) -> str:
    """The Typst preamble of the PDF: the report's print style (``assets/print.typ``)."""
    return (assets_dir(report_dir) / PRINT_STYLE_FILE).read_text(encoding="utf-8")


def _raw_typst(markup: str) -> dict[str, Any]:
    """A pandoc raw Typst block."""
    return {"t": "RawBlock", "c": ["typst", markup]}


def _table_rows(table: dict[str, Any]) -> Iterator[list[tuple[str, int]]]:
    """(text, column span) of each cell of a pandoc table, row by row: head, bodies, foot."""
    _, _, _, head, bodies, foot = table["c"]
    rows = list(head[1])
    for body in bodies:
        rows += body[2] + body[3]
    rows += foot[1]
    for row in rows:
        yield [(stringify(cell[4]), int(cell[3])) for cell in row[1]]


#: A table token longer than this (a SHA-256, a URL, an identifier) may break inside.
LONG_TOKEN = 24
BREAK = "\u200b"  # zero-width space: a line may break here, nothing is printed


def breakable_token(token: str, limit: int = LONG_TOKEN) -> str:
    """``token`` with invisible break opportunities when it is longer than ``limit``: after
    each ``/ _ . ? & =`` and every 16 characters of a run without one. Words of prose are
    shorter than the limit and are never split."""
    if len(token) <= limit:
        return token
    pieces = re.split(r"(?<=[/_.?&=])", token)
    chunks = [piece[start : start + 16] for piece in pieces for start in range(0, len(piece), 16)]
    return BREAK.join(chunk for chunk in chunks if chunk)


def _breakable_cells(table: dict[str, Any]) -> dict[str, Any]:
    """The table with every long token of its cells made breakable (:func:`breakable_token`)."""

    def visit(element: dict[str, Any]) -> list[Any] | None:
        if element.get("t") == "Str" and len(element["c"]) > LONG_TOKEN:
            return [{"t": "Str", "c": breakable_token(element["c"])}]
        return None

    return _walk_mapping(table, visit)


def column_needs(
    rows: list[list[tuple[str, int]]], columns: int
) -> tuple[list[float], list[float]]:
    """Each column's least width (its longest word) and wanted width (its longest cell, capped
    at 45), in characters plus padding; cells spanning columns are left out."""
    least = [4.0] * columns
    wanted = [4.0] * columns
    for row in rows:
        column = 0
        for text, span in row:
            if span == 1 and column < columns:
                pieces = text.replace(BREAK, " ").split()
                longest = max((len(piece) for piece in pieces), default=0)
                least[column] = max(least[column], longest + 1.5)
                wanted[column] = max(wanted[column], min(len(text), 45) + 1.5, least[column])
            column += span
    return least, wanted


def column_shares(least: list[float], wanted: list[float], room: float) -> list[float]:
    """Each column's share of the width, so that no word need be split: every column gets at
    least its longest word; the rest of the ``room`` (characters a line holds) goes to the
    columns that want more, in proportion to the extra they want."""
    if sum(wanted) <= room:
        widths = wanted
    else:
        spare = max(room - sum(least), 0.0)
        extra = sum(want - low for want, low in zip(wanted, least, strict=True)) or 1.0
        widths = [
            low + spare * (want - low) / extra for want, low in zip(wanted, least, strict=True)
        ]
    total = sum(widths)
    return [round(width / total, 4) for width in widths]


def _typst_table(table: dict[str, Any], limits: PrintLimits) -> tuple[dict[str, Any], bool]:
    """The table with left-aligned columns as wide as :func:`column_shares` says, and whether
    it needs a landscape page (more columns than ``limits.wide_table_columns``, or longest
    words that do not fit side by side across the portrait width)."""
    table = _breakable_cells(table)
    columns = len(table["c"][2])
    least, wanted = column_needs(list(_table_rows(table)), columns)
    landscape = columns > limits.wide_table_columns or sum(least) > limits.portrait_characters
    room = limits.landscape_characters if landscape else limits.portrait_characters
    specs = [
        [{"t": "AlignLeft"}, {"t": "ColWidth", "c": share}]
        for share in column_shares(least, wanted, room)
    ]
    content = list(table["c"])
    content[2] = specs
    return {"t": "Table", "c": content}, landscape


def _typst_exhibits(ast: dict[str, Any], limits: PrintLimits = PRINT_LIMITS) -> dict[str, Any]:
    """Wrap each embedded exhibit in the Typst markup that keeps it printable (see
    :data:`KEEP_TOGETHER`, :data:`STICKY`, :data:`LANDSCAPE`)."""

    def visit(element: dict[str, Any]) -> list[Any] | None:
        if element.get("t") != "Div" or "embed" not in element["c"][0][1]:
            return None
        attributes, blocks = element["c"]
        if "embed-fig" in attributes[1]:
            wrapped = [_raw_typst(KEEP_TOGETHER[0]), *blocks, _raw_typst(KEEP_TOGETHER[1])]
            return [{"t": "Div", "c": [attributes, wrapped]}]
        wide: list[bool] = []

        def size_table(inner: dict[str, Any]) -> list[Any] | None:
            if inner.get("t") != "Table":
                return None
            table, landscape = _typst_table(inner, limits)
            wide.append(landscape)
            return [table]

        wrapped = []
        for block in blocks:
            if block.get("t") == "Div" and "caption" in block["c"][0][1]:
                wrapped += [_raw_typst(STICKY[0]), block, _raw_typst(STICKY[1])]
            else:
                wrapped += walk([block], size_table)
        exhibit = {"t": "Div", "c": [attributes, wrapped]}
        if any(wide):
            return [_raw_typst(LANDSCAPE[0]), exhibit, _raw_typst(LANDSCAPE[1])]
        return [exhibit]

    return walk(ast, visit)


def _table_markup(markup: str) -> str:
    """An HTML table's markup without its CSV link, caption and raw-block fences."""
    markup = re.sub(r'<a class="csv-download".*?</a>', "", markup, flags=re.DOTALL)
    markup = re.sub(r"<caption>.*?</caption>", "", markup, flags=re.DOTALL)
    return markup.replace("```{=html}", "").replace("```", "")


def _tables_blocks(tables: dict[str, str]) -> dict[str, list[Any]]:
    """pandoc blocks for each HTML table, by label, from one pandoc run: each table is parsed
    inside a div of its own, and the div's Table blocks (else all its blocks) are kept."""
    keys = {f"batch-table-{index}": label for index, label in enumerate(tables)}
    document = "\n".join(
        f'<div id="{key}">\n{_table_markup(tables[label])}\n</div>' for key, label in keys.items()
    )
    parsed = json.loads(run_pandoc(["-f", "html", "-t", "json"], document))
    blocks: dict[str, list[Any]] = {}
    for block in parsed["blocks"]:
        if block.get("t") == "Div" and block["c"][0][0] in keys:
            content = block["c"][1]
            tables_only = [item for item in content if item.get("t") == "Table"]
            blocks[keys[block["c"][0][0]]] = tables_only or content
    missing = sorted(set(tables) - set(blocks))
    if missing:
        raise RenderError(f"PDF: pandoc did not return the tables {missing}")
    return blocks


def _fill_tables(ast: dict[str, Any], tables: dict[str, str]) -> dict[str, Any]:
    """Replace each table placeholder div by the pandoc table parsed from its HTML."""
    parsed = _tables_blocks(tables) if tables else {}

    def visit(element: dict[str, Any]) -> list[Any] | None:
        if element.get("t") != "Div":
            return None
        attributes = dict(element["c"][0][2])
        if "table-placeholder" not in element["c"][0][1]:
            return None
        label = attributes.get("label") or attributes.get("data-label")
        if label not in tables:
            raise RenderError(f"PDF: no table HTML for placeholder {label!r}")
        return parsed[label]

    return walk(ast, visit)


def _attribute(element: dict[str, Any], key: str) -> str | None:
    """The value of attribute ``key`` of a pandoc Div (or None)."""
    return dict(element["c"][0][2]).get(key)


def collapsible_callouts(ast: Any) -> Any:
    """Quarto's collapsed callouts (``::: {.callout-note collapse="true" title="..."}``) as
    HTML ``<details>`` elements that open on request, titled by their ``title``; the annex of
    the report uses them, so the briefing reads short and the audit stays one click away.
    Other divs are left as they are."""

    def visit(element: dict[str, Any]) -> list[Any] | None:
        if element.get("t") != "Div":
            return None
        classes = element["c"][0][1]
        if not any(name.startswith("callout") for name in classes):
            return None
        if _attribute(element, "collapse") != "true":
            return None
        title = html.escape(_attribute(element, "title") or "Details")
        names = " ".join(["callout", *classes])
        return [
            {
                "t": "RawBlock",
                "c": [
                    "html",
                    f'<details class="{names}"><summary>{title}</summary>'
                    '<div class="callout-body">',
                ],
            },
            *walk(element["c"][1], visit),
            {"t": "RawBlock", "c": ["html", "</div></details>"]},
        ]

    return walk(ast, visit)


def unwrap_callouts(ast: Any) -> Any:
    """Callout divs replaced by their content, for the PDF: a printed annex shows everything,
    and Typst allows no landscape page (a wide table's) inside a container."""

    def visit(element: dict[str, Any]) -> list[Any] | None:
        if element.get("t") != "Div":
            return None
        if not any(name.startswith("callout") for name in element["c"][0][1]):
            return None
        return list(walk(element["c"][1], visit))

    return walk(ast, visit)


def _strip_raw_html(ast: dict[str, Any]) -> dict[str, Any]:
    """Drop raw HTML blocks and inlines (a PDF cannot show them)."""

    def visit(element: dict[str, Any]) -> list[Any] | None:
        if element.get("t") in {"RawBlock", "RawInline"} and element["c"][0] == "html":
            return []
        return None

    return walk(ast, visit)


def matplotlib_font_dir() -> Path:
    """The folder of the fonts matplotlib ships (DejaVu Sans: the charts' font)."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def render_pdf(
    article_path: Path,
    variables: dict[str, Any],
    output: Path,
    *,
    renderer: str,
    bibliography: Path | None = None,
    commit_date: str | None = None,
    number_sections: bool = False,
    context: EmbedContext | None = None,
) -> Path:
    """Render the article to an A4 PDF: pandoc writes Typst, the ``typst`` package compiles it.

    Same article, variables, embeds and cross-references as the HTML; images become files,
    tables become pandoc tables parsed from their HTML; raw HTML is dropped. Returns the path.
    """
    try:
        import typst
    except ImportError as error:
        raise RenderError("the typst package is missing: run `make env`") from error
    base = context or EmbedContext()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        context = EmbedContext(
            titles=base.titles,
            credits=base.credits,
            notebook_href=base.notebook_href,
            target="typst",
            image_dir=scratch,
        )
        article, ast, cited = _parse_article(article_path, variables, context)
        # Raw HTML is dropped before the tables go in, so their large ASTs are walked only once.
        ast = _fill_tables(_strip_raw_html(unwrap_callouts(ast)), context.tables)
        ast = _typst_exhibits(ast)
        metadata = pandoc_metadata(article.meta, variables, article_path, commit_date)
        metadata.update({"papersize": "a4", "margin": {"x": "16mm", "y": "18mm"}})
        metadata["mainfont"] = "DejaVu Sans"
        metadata["fontsize"] = "9.5pt"
        metadata["section-numbering"] = "1.1" if number_sections else None
        metadata = {key: value for key, value in metadata.items() if value is not None}
        meta_file = scratch / "metadata.yaml"
        meta_file.write_text(yaml.safe_dump(metadata, allow_unicode=True), encoding="utf-8")
        preamble = scratch / "preamble.typ"
        preamble.write_text(typst_preamble(article_path.parent), encoding="utf-8")
        arguments = ["-f", "json", "-t", "typst", "--standalone", "--toc", "--toc-depth=1"]
        arguments.append("--shift-heading-level-by=-1")  # the article's ## sections are chapters
        arguments += [f"--metadata-file={meta_file}", f"--include-in-header={preamble}"]
        arguments += _citation_arguments(article, cited, bibliography)
        arguments += ["--wrap=none"]
        source = scratch / "index.typ"
        source.write_text(run_pandoc(arguments, json.dumps(ast)), encoding="utf-8")
        try:
            pdf = typst.compile(
                str(source), root=str(scratch), font_paths=[str(matplotlib_font_dir())]
            )
        except Exception as error:  # typst raises its own error types
            raise RenderError(f"typst could not compile the PDF: {error}") from error
        atomic_write(output, lambda tmp: tmp.write_bytes(pdf))
    output.chmod(0o644)
    return output


# --- Quarto and the stage -------------------------------------------------------------------


def quarto_version(executable: str) -> tuple[int, ...] | None:
    """Quarto's version as a tuple, or None if it cannot be run."""
    try:
        done = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, check=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    numbers = re.findall(r"\d+", done.stdout.strip())
    return tuple(int(number) for number in numbers[:3]) or None


def find_quarto() -> tuple[str, str] | None:
    """(executable, version text) of a Quarto >= 1.4 on the PATH, else None."""
    executable = shutil.which("quarto")
    if not executable:
        return None
    version = quarto_version(executable)
    if version is None or version[:2] < MIN_QUARTO:
        return None
    return executable, ".".join(str(part) for part in version)


def render_with_quarto(executable: str, report_dir: Path) -> None:
    """``quarto render report``: the manuscript's HTML and Typst PDF in ``_manuscript/``."""
    done = subprocess.run(
        [executable, "render", str(report_dir)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-20:])
        raise RenderError(f"quarto render {report_dir} failed:\n{tail}")


def _quarto_config(report_dir: Path) -> dict[str, Any]:
    """The report's ``_quarto.yml`` as a mapping."""
    config_file = report_dir / "_quarto.yml"
    if not config_file.is_file():
        raise RenderError(f"{config_file} does not exist")
    return parse_yaml(config_file.read_text(encoding="utf-8")) or {}


def render_report(
    report: Callable[[str], None] = print,
    layout: ReportLayout | None = None,
    use_quarto: bool | None = None,
) -> str:
    """Copy notebooks, write ``_variables.yml`` and render the report; return the renderer.

    ``use_quarto`` None means: Quarto if a Quarto >= 1.4 is on the PATH, else the fallback.
    Raises RenderError (a PipelineError) naming what is wrong.
    """
    layout = layout or ReportLayout()
    started = time.perf_counter()
    report_numbers.copy_notebooks(layout)
    quarto = find_quarto() if use_quarto in (None, True) else None
    if use_quarto and quarto is None:
        raise RenderError("Quarto >= 1.4 was requested but is not on the PATH")
    renderer = f"Quarto {quarto[1]}" if quarto else f"the pandoc {pandoc_version()} fallback"
    try:
        from helpers.report import key_points  # pandas: imported only when rendering

        variables_file = report_numbers.write_variables(renderer, layout, key_points.variables)
    except DataError as error:
        raise RenderError(str(error)) from error
    if quarto:
        render_with_quarto(quarto[0], layout.report_dir)
        where = layout.report_dir / QUARTO_OUTPUT
        report(f"report: rendered by {renderer} (HTML and Typst PDF) into {where}")
        return renderer
    config = _quarto_config(layout.report_dir)
    article = layout.report_dir / str(config.get("manuscript", {}).get("article", ARTICLE))
    bibliography = config.get("bibliography")
    options: dict[str, Any] = {
        "renderer": renderer,
        "bibliography": layout.report_dir / str(bibliography) if bibliography else None,
        "commit_date": report_numbers.git_commit_date(layout.root),
        "number_sections": bool(config.get("number-sections", False)),
        "context": EmbedContext(
            titles=notebook_titles(config), credits=load_credits(layout.report_dir)
        ),
    }
    variables = report_numbers.load_variables(variables_file)
    # The HTML and the PDF are independent and mostly wait on pandoc and Typst: make both at once.
    with ThreadPoolExecutor(max_workers=2) as pool:
        html_job = pool.submit(
            render_fallback, article, variables, layout.report_dir / FALLBACK_OUTPUT, **options
        )
        pdf_job = pool.submit(
            render_pdf, article, variables, layout.report_dir / FALLBACK_PDF, **options
        )
        output, pdf = html_job.result(), pdf_job.result()
    seconds = time.perf_counter() - started
    report(
        f"report: Quarto not found, so rendered by {renderer} into {output} and {pdf} "
        f"(A4, via Typst) in {seconds:.1f} s.\n"
        "        For the Quarto manuscript, install Quarto >= 1.4 and run `make report`."
    )
    return renderer
