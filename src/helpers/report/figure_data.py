"""What a figure shows, as data: the fingerprint a figure is checked by, on any machine.

A figure's PNG bytes depend on the machine (anti-aliasing of a value that differs in its last
bits, the zlib build), so figures are checked by what they plot instead: every plotted value
(lines, markers, bars, polygons, images, annotation anchors), in data coordinates and rounded
to :data:`FIGURE_DIGITS` significant digits, hashed; and the set of texts shown (titles, axis
and tick labels, legends, annotations). Two figures swapped between labels, a changed value or
a changed label all change the fingerprint; a pixel of anti-aliasing does not.
:func:`helpers.report.figure_images.figure_png` stores the fingerprint in the image's metadata.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Annotation, Text

#: Significant digits of a plotted value in the fingerprint: far coarser than the machine
#: differences (about 1e-12 relative), far finer than anything a reader can see.
FIGURE_DIGITS = 6
#: Metadata key (under the image's MIME type) of the fingerprint in a notebook output.
METADATA_KEY = "figure_data"


def rounded_text(values: np.ndarray, digits: int = FIGURE_DIGITS) -> list[str]:
    """Each finite value as text with ``digits`` significant digits ('nan', 'inf' otherwise).

    Python's formatting is correctly rounded and the same on every platform.
    """
    flat = np.asarray(values, dtype=float).ravel()
    return [f"{value:.{digits - 1}e}" if np.isfinite(value) else str(value) for value in flat]


def _patch_values(patch: Patch) -> np.ndarray:
    """A patch's geometry in data coordinates (a rectangle's corner and size; else vertices)."""
    if isinstance(patch, Rectangle):
        x, y = patch.get_xy()
        return np.array([x, y, patch.get_width(), patch.get_height()], dtype=float)
    vertices = patch.get_path().vertices
    return patch.get_patch_transform().transform(vertices)


def _collection_values(collection: Collection) -> Iterator[np.ndarray]:
    """A collection's offsets (scatter points), its paths' vertices and its colour array."""
    offsets = collection.get_offsets()
    if len(offsets):
        yield np.asarray(offsets, dtype=float)
    for path in collection.get_paths():
        yield np.asarray(path.vertices, dtype=float)
    array = collection.get_array()
    if array is not None:
        yield np.ma.filled(np.ma.asarray(array, dtype=float), np.nan)


def axes_values(axes: Axes) -> Iterator[np.ndarray]:
    """Every value plotted in ``axes``, in drawing-list order, in data coordinates."""
    for line in axes.get_lines():
        yield np.asarray(line.get_xydata(), dtype=float)
    for collection in axes.collections:
        yield from _collection_values(collection)
    for patch in axes.patches:
        yield _patch_values(patch)
    for image in axes.get_images():
        if isinstance(image, AxesImage):
            yield np.ma.filled(np.ma.asarray(image.get_array(), dtype=float), np.nan)
    for text in axes.texts:
        if isinstance(text, Annotation):
            yield np.asarray(text.xy, dtype=float)


def annotations(axes: Axes) -> list[str]:
    """Each annotation's text with the point it marks (which label sits on which point)."""
    return [
        f"{text.get_text()} @ {' '.join(rounded_text(np.asarray(text.xy, dtype=float)))}"
        for text in axes.texts
        if isinstance(text, Annotation)
    ]


def shown_texts(figure: Figure) -> list[str]:
    """The distinct non-empty visible texts of the figure (as drawn: call after drawing), sorted."""
    texts = {
        text.get_text().strip()
        for text in figure.findobj(Text)
        if text.get_visible() and text.get_text().strip()
    }
    return sorted(texts)


def fingerprint(figure: Figure) -> dict[str, object]:
    """The figure's fingerprint: SHA-256 of its rounded plotted values (with each annotation's
    text and anchor, so two labels swapped between points count), and its texts.

    Call it after the figure has been drawn, so tick labels exist.
    """
    digest = hashlib.sha256()
    for index, axes in enumerate(figure.axes):
        digest.update(f"axes {index}\n".encode())
        for values in axes_values(axes):
            digest.update((" ".join(rounded_text(values)) + "\n").encode())
        for annotation in annotations(axes):
            digest.update((annotation + "\n").encode())
    return {"values_sha256": digest.hexdigest(), "texts": shown_texts(figure)}
