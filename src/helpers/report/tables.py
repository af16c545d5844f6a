"""Tables for people: human labels with units, no index, separators, a true minus sign.

:func:`people_table` turns a tidy frame into a :class:`PeopleTable`, which a notebook displays
as deterministic HTML (the same bytes on every run, so nbval and the byte-identical pipeline
hold) and which both renderers embed as is. What it does to a frame:

* columns are renamed by ``labels`` (every shown column needs one, so no internal name leaks)
  and only the labelled columns are shown, in the order of ``labels``;
* the index is never shown (reset it first if it carries data);
* numbers get thousands separators, a fixed number of decimals and a true minus sign (U+2212),
  and are right-aligned in tabular figures; text is left-aligned;
* a column listed in ``links`` becomes a link: its cells are URLs, shown as the publisher's
  host name (or the text of another column);
* a column formatted as ``"verdict"`` gets a colour-coded badge (supported, partly supported,
  contradicted, not testable), with the word always written so colour is never the only cue;
* every table offers its data as a CSV download (a ``data:`` link, so the page stays one file),
  whose text cells that a spreadsheet would run as formulas are neutralised
  (:mod:`helpers.data.safe_text`); in the HTML every text is escaped and only ``http(s)`` and
  relative URLs become links (never ``javascript:`` or ``data:``), so no curated text reaches
  the page as markup or script.

Formats (``formats`` maps a *source* column name to one of them): ``"int"``, ``"1dp"``,
``"2dp"``, ``"3dp"``, ``"pct0"``/``"pct1"`` (a number already in %, shown with ``%``),
``"gbp_m"`` (``£1,234m``), ``"gbp_m1"`` (``−£129.8m``),
``"gbp"`` (``£1,234``), ``"p"`` (p-values: 3 decimals, ``<0.001``; :func:`format_p`, the
one p-value format of the report's text, figures and tables),
``"text"``, ``"code"`` (monospace, e.g. a hash), ``"verdict"``, ``"year"`` (no separator).
Unformatted numeric columns get a separator and at most two decimals.
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

import pandas as pd

from helpers.data.io import table_csv
from helpers.precision import round_float

MINUS = "\u2212"
MISSING = "\u2013"  # an en dash marks a missing value
DECIMALS: dict[str, int] = {"int": 0, "1dp": 1, "2dp": 2, "3dp": 3, "pct0": 0, "pct1": 1}
FORMATS: frozenset[str] = frozenset(
    [*DECIMALS, "gbp_m", "gbp_m1", "gbp", "p", "text", "code", "verdict", "year", "pct2"]
)
#: A hyphen-minus that signs a number written inside a text (``-0.87 (0.45)``): not after a
#: letter or digit, so ranges (``2021-2025``) and dates keep their hyphens.
HYPHEN_MINUS = re.compile(r"(?<![\w.])-(?=£?\d)")
VERDICT_CLASSES: dict[str, str] = {
    "supported": "verdict-supported",
    "partly supported": "verdict-partly",
    "contradicted": "verdict-contradicted",
    "not testable": "verdict-untestable",
}
SLUG = re.compile(r"[^a-z0-9]+")
#: Schemes a cell may link to: web addresses and relative links (a system's profile page).
LINK_SCHEMES: frozenset[str] = frozenset({"http", "https", ""})


class TableError(ValueError):
    """A table specification does not fit its frame (unknown column, format or link)."""


#: A minus on a number that rounded to zero ('-0.00', '−0%'): shown without a sign.
NEGATIVE_ZERO = re.compile("(?<![\\w.])[-\\u2212](?=£?0(?:\\.0+)?(?![\\d.,]))")


def signed(text: str) -> str:
    """Replace a leading hyphen-minus of a formatted number by the true minus sign (none on a
    number that rounded to zero)."""
    text = NEGATIVE_ZERO.sub("", text, count=1) if text[:1] in "-\u2212" else text
    return MINUS + text[1:] if text.startswith("-") else text


def true_minus(text: str) -> str:
    """Every hyphen-minus that signs a number in ``text`` as the true minus sign (U+2212), and
    a minus written after the pound sign moved before it (``£-5m`` -> ``−£5m``)."""
    text = re.sub("£[-\u2212]", MINUS + "£", text)
    return NEGATIVE_ZERO.sub("", HYPHEN_MINUS.sub(MINUS, text))


def gbp(value: float, decimals: int = 0, suffix: str = "") -> str:
    """Pounds in the report's one format: separators, the sign before the pound sign:
    ``gbp(1467)`` = '£1,467', ``gbp(-129.84, 1, "m")`` = '−£129.8m'."""
    text = f"£{abs(value):,.{decimals}f}{suffix}"
    return MINUS + text if round(value, decimals) < 0 else text


def percent(value: float, decimals: int = 1) -> str:
    """A percentage in the report's one format: ``percent(-2.84)`` = '−2.8%'."""
    return signed(f"{value:,.{decimals}f}%") if round(value, decimals) else f"{0:.{decimals}f}%"


#: p-values below this are written as below it: ``p < 0.001`` (``<0.001`` in a table cell).
P_FLOOR = 0.001
#: p-values below this get three decimals in text and figures (``p = 0.034``), two at or above
#: (``p = 0.50``): three near the 0.05 level, so that 0.046 never reads as 'p = 0.05'.
P_THREE_DECIMALS_BELOW = 0.1


def format_p(
    p_value: float, *, three_decimals_below: float = P_THREE_DECIMALS_BELOW, prefix: str = "p"
) -> str:
    """A p-value in the report's one format: ``p = 0.034``, ``p = 0.50`` (two decimals from
    ``three_decimals_below``), ``p < 0.001`` (below :data:`P_FLOOR`), ``p not available``
    (NaN). With ``prefix=""`` and ``three_decimals_below=math.inf``: a table cell (``0.034``,
    ``0.500``, ``<0.001``)."""
    if math.isnan(p_value):
        return f"{prefix} not available".strip()
    if p_value < P_FLOOR:
        return f"{prefix} < {P_FLOOR}" if prefix else f"<{P_FLOOR}"
    decimals = 3 if p_value < three_decimals_below else 2
    return f"{prefix} = {p_value:.{decimals}f}" if prefix else f"{p_value:.{decimals}f}"


def p_cell(p_value: float) -> str:
    """A p-value as a table cell or a bare number in text (``0.034``, ``0.500``, ``<0.001``):
    :func:`format_p` without ``p =``, three decimals throughout."""
    return format_p(p_value, three_decimals_below=math.inf, prefix="")


def format_number(value: object, fmt: str | None) -> str:
    """One cell as text: separators, decimals, true minus; missing values as an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return MISSING
    if isinstance(value, float):
        value = round_float(value)
    if fmt == "code":
        return str(value)
    if fmt in ("text", "verdict"):
        return signed(str(value)) if _is_number(value) else true_minus(str(value))
    if fmt is None and not _is_number(value):
        return true_minus(str(value))
    if fmt == "year":
        return str(int(value)) if _is_number(value) else str(value)
    if not _is_number(value):
        return true_minus(str(value))
    number = float(value)  # type: ignore[arg-type]
    if fmt == "p":
        return p_cell(number)
    if fmt == "gbp_m":
        return gbp(number, 0, "m")
    if fmt == "gbp_m1":
        return gbp(number, 1, "m")
    if fmt == "gbp":
        return gbp(number)
    if fmt == "pct2":
        return signed(f"{number:,.2f}%")
    if fmt in DECIMALS:
        text = f"{number:,.{DECIMALS[fmt]}f}"
        return signed(text + "%" if fmt.startswith("pct") else text)
    if float(number).is_integer():
        return signed(f"{number:,.0f}")
    return signed(f"{number:,.2f}")


def _is_number(value: object) -> bool:
    """True for ints and floats (not booleans)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float) or pd.api.types.is_number(value)


def link_text(url: str) -> str:
    """What a link reads: the host name of ``url`` without ``www.``."""
    host = urlparse(url).netloc
    return host.removeprefix("www.") or url


def slug(text: str) -> str:
    """'Table of claims, 2024' -> 'table-of-claims-2024' (for file names and ids)."""
    return SLUG.sub("-", text.lower()).strip("-")[:60] or "table"


@dataclass(frozen=True, eq=False, repr=False)
class PeopleTable:
    """A frame formatted for readers; displays as HTML in a notebook and in the report."""

    frame: pd.DataFrame
    labels: dict[str, str]
    formats: dict[str, str]
    links: dict[str, str | None]
    caption: str | None = None
    name: str = "table"

    @property
    def data(self) -> pd.DataFrame:
        """The shown columns under their human labels (what the CSV download holds)."""
        return self.frame[list(self.labels)].rename(columns=self.labels)

    def csv(self) -> str:
        """The shown data as CSV text (raw values, human headers)."""
        return table_csv(self.data)

    def _cell(self, row: Mapping[str, object], column: str) -> str:
        value = row[column]
        fmt = self.formats.get(column)
        if column in self.links:
            if value is None or (isinstance(value, float) and math.isnan(value)) or not value:
                return f"<td>{MISSING}</td>"
            text_column = self.links[column]
            text = str(row[text_column]) if text_column else link_text(str(value))
            if urlparse(str(value).strip()).scheme not in LINK_SCHEMES:
                return f"<td>{html.escape(str(value))}</td>"  # no javascript: or data: links
            url = html.escape(str(value), quote=True)
            return f'<td><a href="{url}">{html.escape(text)}</a></td>'
        text = html.escape(format_number(value, fmt))
        if fmt == "code":
            return f'<td class="code">{text}</td>'
        if fmt == "verdict":
            css = VERDICT_CLASSES.get(str(value), "verdict-other")
            return f'<td><span class="verdict {css}">{text}</span></td>'
        numeric = fmt not in ("text", "verdict", "code") and _is_number(value)
        return f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>"

    def _header_cell(self, column: str) -> str:
        numeric = self.formats.get(column) not in ("text", "verdict", "code") and (
            pd.api.types.is_numeric_dtype(self.frame[column])
            and not pd.api.types.is_bool_dtype(self.frame[column])
        )
        css = ' class="num"' if numeric and column not in self.links else ""
        return f'<th scope="col"{css}>{html.escape(self.labels[column])}</th>'

    def to_html(self) -> str:
        """The table as HTML: a scrolling wrapper, the table, and a CSV download link."""
        head = "".join(self._header_cell(column) for column in self.labels)
        body = "\n".join(
            "<tr>" + "".join(self._cell(row, column) for column in self.labels) + "</tr>"
            for row in self.frame.to_dict("records")
        )
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        encoded = base64.b64encode(self.csv().encode("utf-8")).decode("ascii")
        download = (
            f'<a class="csv-download" download="{self.name}.csv" '
            f'href="data:text/csv;charset=utf-8;base64,{encoded}">Download the data (CSV)</a>'
        )
        return (
            '<div class="people-table">\n<div class="table-scroll" tabindex="0">\n'
            f'<table class="people">{caption}\n<thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{body}\n</tbody>\n</table>\n</div>\n{download}\n</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"PeopleTable({self.name}: {len(self.frame)} rows, {len(self.labels)} columns)"


def people_table(
    frame: pd.DataFrame,
    labels: dict[str, str],
    formats: dict[str, str] | None = None,
    caption: str | None = None,
    links: dict[str, str | None] | Sequence[str] | None = None,
    name: str | None = None,
) -> PeopleTable:
    """A :class:`PeopleTable` of ``frame`` showing the ``labels`` columns under their labels.

    ``formats`` maps source columns to a format (see the module docstring); ``links`` lists
    URL columns (or maps each to the column whose text the link shows); ``name`` names the CSV
    download (default: a slug of the caption, else of the labels). The frame's index is
    dropped. Raises TableError naming an unknown column, format or link text column.
    """
    formats = dict(formats or {})
    link_map: dict[str, str | None] = (
        dict(links) if isinstance(links, Mapping) else dict.fromkeys(links or [])
    )
    missing = [column for column in labels if column not in frame.columns]
    if missing:
        raise TableError(
            f"people_table: columns {missing} are not in the frame (columns: {list(frame.columns)})"
        )
    unknown = {column: fmt for column, fmt in formats.items() if fmt not in FORMATS}
    if unknown:
        raise TableError(f"people_table: unknown formats {unknown}; known: {sorted(FORMATS)}")
    stray = [column for column in [*formats, *link_map] if column not in labels]
    if stray:
        raise TableError(f"people_table: formats or links name columns not shown: {stray}")
    texts = [text for text in link_map.values() if text and text not in frame.columns]
    if texts:
        raise TableError(f"people_table: link text columns {texts} are not in the frame")
    return PeopleTable(
        frame=frame.reset_index(drop=True),
        labels=dict(labels),
        formats=formats,
        links=link_map,
        caption=caption,
        name=name or slug(caption or "-".join(labels.values())),
    )


@dataclass(frozen=True, eq=False, repr=False)
class DataDownload:
    """A link offering a figure's data as CSV; displays as HTML beside the figure."""

    frame: pd.DataFrame
    name: str

    def to_html(self) -> str:
        """A ``data:`` link to the frame as CSV (no index)."""
        text = table_csv(self.frame)
        encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
        return (
            f'<a class="csv-download" download="{self.name}.csv" '
            f'href="data:text/csv;charset=utf-8;base64,{encoded}">Download the data (CSV)</a>'
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"DataDownload({self.name}.csv: {len(self.frame)} rows)"


def data_download(frame: pd.DataFrame, name: str) -> DataDownload:
    """A CSV download link for the data behind a figure (``name``: the figure's label)."""
    return DataDownload(frame=frame.reset_index(drop=True), name=slug(name))


# --- Any frame to a table for people ------------------------------------------------------------

#: Words that read better in capitals or spelled out in a column label.
LABEL_WORDS: dict[str, str] = {
    "icb": "ICB",
    "icbs": "ICBs",
    "ics": "ICS",
    "imd": "IMD",
    "rtt": "RTT",
    "ae": "A&E",
    "vif": "VIF",
    "se": "SE",
    "sd": "SD",
    "ci": "CI",
    "n": "N",
    "gp": "GP",
    "ons": "ONS",
    "bme": "BME",
    "url": "link",
    "pct": "%",
    "pp": "percentage points",
    "gbp": "£",
    "m": "m",
}
#: Whole column names with a fixed human label.
KNOWN_LABELS: dict[str, str] = {
    "conf_low": "95% CI, low",
    "conf_high": "95% CI, high",
    "p_value": "p",
    "pvalue": "p",
    "std_error": "Standard error",
    "nobs": "N",
    "n_obs": "N",
    "term": "Term",
    "financial_year": "Financial year",
    "icb_code": "ICB code",
    "icb_name": "ICB",
    "region_name": "Region",
    "all": "All",
    "source_url": "Source",
    "url": "Link",
}
UNIT_SUFFIXES: list[tuple[str, str]] = [
    ("_gbp_m", ", £m"),
    ("_gbp", ", £"),
    ("_pct", ", %"),
    ("_pp", ", percentage points"),
]


def human_label(name: object) -> str:
    """A readable label for a column name: 'core_allocation_gbp_m' -> 'Core allocation, £m'.

    Known names have fixed labels; a unit suffix becomes ', <unit>'; abbreviations are
    capitalised; other underscores become spaces. A name that is already readable (has a
    space or a capital) is kept.
    """
    if isinstance(name, tuple):
        return " · ".join(human_label(part) for part in name if str(part))
    text = str(name)
    if text in KNOWN_LABELS:
        return KNOWN_LABELS[text]
    if " " in text or text != text.lower():
        return text
    unit = ""
    for suffix, words in UNIT_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text, unit = text[: -len(suffix)], words
            break
    words = [LABEL_WORDS.get(word, word) for word in text.split("_") if word]
    if not words:
        return str(name)
    if words[0] == "N" and len(words) > 1:
        words = ["Number", "of", *words[1:]]
    first = words[0]
    words[0] = first if first in LABEL_WORDS.values() else first[:1].upper() + first[1:]
    return " ".join(words) + unit


def _auto_format(column: str, values: pd.Series) -> str | None:
    """A format for a column from its name and values (None: the default)."""
    lowered = column.lower()
    if pd.api.types.is_bool_dtype(values):
        return "text"
    if lowered in {"p", "p_value", "pvalue", "p_adjusted", "q_value"} or lowered.endswith("_p"):
        return "p" if pd.api.types.is_numeric_dtype(values) else None
    if "year" in lowered and pd.api.types.is_integer_dtype(values):
        return "year"
    if pd.api.types.is_integer_dtype(values):
        return "int"
    if pd.api.types.is_float_dtype(values):
        shown = values.dropna()
        if len(shown) and (shown == shown.round()).all() and shown.abs().max() >= 10:
            return "int"
        return "2dp"
    return None


def auto_table(
    frame: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
    formats: dict[str, str] | None = None,
    caption: str | None = None,
    name: str | None = None,
) -> PeopleTable:
    """Any frame as a :class:`PeopleTable`: a named index becomes columns (a plain row number
    is dropped; an unnamed index of labels is an error, so no table loses its row labels),
    column names get human labels (``labels`` overrides), numbers get formats from their type
    (``formats`` overrides), and columns of URLs become links."""
    shown = frame.copy()
    if isinstance(shown.columns, pd.MultiIndex):
        shown.columns = [
            " · ".join(str(part) for part in column if str(part)) for column in shown.columns
        ]
    named_index = any(level is not None for level in shown.index.names)
    if not named_index and not pd.api.types.is_integer_dtype(shown.index):
        raise TableError(
            "auto_table: the index holds row labels but has no name, so they would be "
            f"dropped (first: {list(shown.index[:3])}); name it with rename_axis('...')"
        )
    shown = shown.reset_index(drop=not named_index)
    shown.columns = [str(column) for column in shown.columns]
    if shown.columns.duplicated().any():
        raise TableError(f"auto_table: repeated column names {list(shown.columns)}")
    overrides = dict(labels or {})
    table_labels = {column: overrides.get(column, human_label(column)) for column in shown.columns}
    table_formats = {
        column: fmt for column in shown.columns if (fmt := _auto_format(column, shown[column]))
    }
    table_formats.update(formats or {})
    links = [
        column
        for column in shown.columns
        if not pd.api.types.is_numeric_dtype(shown[column])
        and shown[column].dropna().astype(str).str.match(r"https?://").any()
    ]
    for column in links:
        table_formats.pop(column, None)
    return people_table(
        shown, table_labels, formats=table_formats, caption=caption, links=links, name=name
    )


# --- Labels from the registries, and the checks a table for people must pass -----------------

#: Row names of ``DataFrame.describe()`` as people read them.
DESCRIBE_LABELS: dict[str, str] = {
    "count": "Number with a value",
    "mean": "Mean",
    "std": "Standard deviation",
    "min": "Lowest",
    "25%": "Lower quartile",
    "50%": "Median",
    "75%": "Upper quartile",
    "max": "Highest",
}
IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def relabel(values: pd.Series | pd.Index, lookup: Callable[[str], str]) -> pd.Series:
    """``values`` with every snake_case identifier inside each text replaced by
    ``lookup(identifier)``: 'ytd_variance (press)' -> 'variance against plan, year to date
    (press)' with ``lookup=helpers.panel.finance.readable``. Returns a Series (index kept)."""
    series = values.to_series(index=values) if isinstance(values, pd.Index) else values
    return series.map(lambda text: IDENTIFIER.sub(lambda found: lookup(found.group(0)), str(text)))


#: What a reader must never see in a table cell: internal identifiers.
INTERNAL_NAME_PATTERNS: dict[str, re.Pattern[str]] = {
    "snake_case identifier": re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w(])"),
    "patsy term": re.compile(r"C\([^)]*\)\[T\.|\[T\.[^\]]*\]"),
    "file name": re.compile(
        r"\b[\w-]+\.(?:csv|parquet|ipynb|py|ya?ml|json|xlsx?|ods|zip|pdf)\b", re.IGNORECASE
    ),
}
#: Numbers outside the report's one format: a hyphen for a minus, a minus after the pound
#: sign, thousands without a separator (years 1900-2099 are not counted as thousands).
NUMBER_FORMAT_PATTERNS: dict[str, re.Pattern[str]] = {
    "hyphen-minus for a minus sign": HYPHEN_MINUS,
    "minus after the pound sign": re.compile("£[-\u2212]"),
    "thousands without a separator": re.compile(
        r"(?<![\w.,/\u2212-])(?:\d{5,}|(?!(?:19|20)\d\d)\d{4})(?![\d/])(?!\.\d*[eE])|£\d{4,}"
    ),
    "scientific notation": re.compile(r"\b\d(?:\.\d+)?e[-+]?\d+\b", re.IGNORECASE),
}


def internal_names(text: str) -> list[str]:
    """The internal identifiers in a cell's text (snake_case names, patsy terms, file names),
    each as '<kind>: <match>'; empty for a text made for people."""
    return [
        f"{kind}: {match.group(0)}"
        for kind, pattern in INTERNAL_NAME_PATTERNS.items()
        for match in pattern.finditer(text)
    ]


def number_format_problems(text: str) -> list[str]:
    """Numbers in a cell's text that break the one number format (:func:`format_number`),
    each as '<problem>: <match>'."""
    return [
        f"{kind}: {match.group(0)}"
        for kind, pattern in NUMBER_FORMAT_PATTERNS.items()
        for match in pattern.finditer(text)
    ]
