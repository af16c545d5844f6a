"""Checks of a PDF's printed layout, from the words' bounding boxes (``pdfplumber``).

Used by the PDF tests: :func:`overprinted_words` finds different words printed on top of each
other (a table that does not break across pages prints its rows over the page foot);
:func:`page_lines` gives each page's text lines, top to bottom, for checks such as repeated
table headers and words split at the end of a line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Share of the smaller box two words must both cover to count as printed on top of each other
#: (touching or kerned neighbours overlap by a sliver; overprinted text by much more).
OVERLAP_SHARE = 0.25


@dataclass(frozen=True)
class Word:
    """One printed word: its text, page (1-based) and box in points from the page's top left."""

    text: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float

    @property
    def area(self) -> float:
        """The box's area in square points."""
        return max(self.x1 - self.x0, 0.0) * max(self.bottom - self.top, 0.0)

    def shared_area(self, other: Word) -> float:
        """Area of the intersection of the two boxes (0 when they do not meet)."""
        width = min(self.x1, other.x1) - max(self.x0, other.x0)
        height = min(self.bottom, other.bottom) - max(self.top, other.top)
        return width * height if width > 0 and height > 0 else 0.0


def _words_of_page(page: Any, number: int) -> Iterator[Word]:
    """The words of one pdfplumber page, in the order the PDF draws them."""
    for word in page.extract_words(use_text_flow=True, extra_attrs=["size"]):
        yield Word(
            text=word["text"],
            page=number,
            x0=float(word["x0"]),
            x1=float(word["x1"]),
            top=float(word["top"]),
            bottom=float(word["bottom"]),
            size=round(float(word["size"]), 1),
        )


def pdf_words(pdf: Path) -> list[list[Word]]:
    """Every page's words (a list per page)."""
    import pdfplumber

    with pdfplumber.open(pdf) as document:
        return [list(_words_of_page(page, index)) for index, page in enumerate(document.pages, 1)]


def overlaps(words: Iterable[Word], share: float = OVERLAP_SHARE) -> list[tuple[Word, Word]]:
    """Pairs of words on one page whose boxes share more than ``share`` of the smaller box."""
    ordered = sorted(words, key=lambda word: (word.top, word.x0))
    found: list[tuple[Word, Word]] = []
    for index, word in enumerate(ordered):
        for other in ordered[index + 1 :]:
            if other.top >= word.bottom:
                break
            smaller = min(word.area, other.area)
            if smaller > 0 and word.shared_area(other) > share * smaller:
                found.append((word, other))
    return found


def overprinted_words(pdf: Path) -> list[str]:
    """Each pair of different words printed on top of each other, as 'p<page>: a / b'."""
    return [
        f"p{first.page}: {first.text!r} at ({first.x0:.0f}, {first.top:.0f}) / {second.text!r}"
        for page in pdf_words(pdf)
        for first, second in overlaps(page)
    ]


def page_lines(words: list[Word], tolerance: float = 1.5) -> list[list[Word]]:
    """The words of one page grouped into lines (same baseline within ``tolerance`` points),
    top to bottom, each line left to right."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda word: (word.bottom, word.x0)):
        if lines and abs(lines[-1][0].bottom - word.bottom) <= tolerance:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda word: word.x0) for line in lines]


def line_text(line: list[Word]) -> str:
    """The words of a line joined by spaces."""
    return " ".join(word.text for word in line)
