"""How a figure becomes the image a notebook stores: drawn once, cropped on its pixels, encoded.

IPython's inline ``retina`` formatter with ``bbox_inches="tight"`` laid each figure out three
times (to find what is drawn, again after moving it, and to draw it) and encoded the PNG with
adaptive row filters. :func:`figure_png` draws the figure once at double resolution, its
tight layout (set by :func:`helpers.report.plots.finish`) measured by the renderer that then draws
it; crops the pixels to what is drawn; and encodes them with :func:`encode_png`.
:func:`use_figure_png` makes it a shell's PNG formatter for matplotlib figures.
"""

from __future__ import annotations

import base64
import io
import struct
import warnings
import zlib
from functools import partial

import numpy as np
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Text

from helpers.report import figure_data

#: Times a figure is drawn again when the first drawing runs off its edges (see
#: :func:`figure_png`).
SETTLING_DRAWS = 1
#: Pixels per figure pixel of a stored image: double resolution ("retina"), sharp on
#: high-density screens; the image is displayed at its figure's size.
PIXEL_SCALE = 2
#: Blank margin left around what is drawn when a stored image is cropped (inches; the same as
#: matplotlib's ``savefig.pad_inches``).
CROP_PAD_INCHES = 0.1
#: zlib level of stored PNGs. Measured on the report's 22 figures: unfiltered rows at level 3
#: are as small as Pillow's adaptive filters at level 6 (3.19 against 3.17 MB) in a fifth of
#: the time (20 against about 100 ms a figure); level 6 would be 18% smaller at 45 ms.
PNG_COMPRESSION = 3
#: Metadata keys of a stored figure: its title (the finding it states) and the height of its
#: smallest text in display pixels at the figure's own size.
TITLE_KEY = "ics_deficits_title"
SMALLEST_TEXT_KEY = "ics_deficits_smallest_text_px"


def use_figure_png(shell: object, *, crop: bool = True) -> None:
    """Make ``shell`` (an IPython shell) display every matplotlib figure as the PNG of
    :func:`figure_png`, and as nothing else: one image output per figure."""
    formatters = shell.display_formatter.formatters  # type: ignore[attr-defined]
    for formatter in formatters.values():
        formatter.pop(Figure, None)
    formatters["image/png"].for_type(Figure, partial(figure_png, crop=crop))


def labels_outside(figure: Figure, renderer: RendererBase) -> list[str]:
    """The texts of the figure's titles, axis labels, legends and free texts that reach beyond
    its edges as ``renderer`` (the one that drew it) lays them out: empty when all are inside.

    These are the texts a tight layout can leave outside (a label centred under a plot that
    is narrower than the label); a text wholly outside leaves no mark on the edge pixels.
    Tick labels are not checked: the layout fits them exactly.
    """
    texts: list[Text] = list(figure.texts)
    titles = ("title", "_left_title", "_right_title")  # matplotlib keeps its three titles here
    texts += [title for title in [getattr(figure, "_suptitle", None)] if title is not None]
    for axis in figure.axes:
        texts += [title for name in titles if (title := getattr(axis, name, None)) is not None]
        texts += [axis.xaxis.label, axis.yaxis.label, *axis.texts]
    boxes = [
        (text.get_text(), text.get_window_extent(renderer))
        for text in texts
        if text.get_visible() and text.get_text()
    ]
    for axis in figure.axes:
        legend = axis.get_legend()
        if legend is not None and legend.get_visible():
            boxes.append(("legend", legend.get_window_extent(renderer)))
    width, height = renderer.get_canvas_width_height()
    return [
        name for name, box in boxes if box.x0 < 0 or box.y0 < 0 or box.x1 > width or box.y1 > height
    ]


def draw_pixels(figure: Figure, scale: float = PIXEL_SCALE) -> tuple[np.ndarray, list[str]]:
    """``figure`` drawn once at ``scale`` times its dpi: an (height, width, 4) RGBA array, and
    the labels that reach beyond its edges (:func:`labels_outside`).

    The figure's layout engine (set by :func:`helpers.report.plots.finish`) runs inside this one
    draw, measuring text with the same renderer that then draws it, so nothing is laid out
    twice.
    """
    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else None
    if canvas is None:
        canvas = FigureCanvasAgg(figure)
    dpi, manager = figure.dpi, canvas.manager
    canvas.manager = None  # no window to resize while the dpi changes
    try:
        figure.dpi = dpi * scale
        canvas.draw()
        outside = labels_outside(figure, canvas.get_renderer())
        return np.asarray(canvas.buffer_rgba()).copy(), outside
    finally:
        figure.dpi = dpi
        canvas.manager = manager


def crop_to_drawn(
    pixels: np.ndarray, background: tuple[int, int, int, int], pad: int
) -> np.ndarray:
    """``pixels`` cut to the smallest box holding every pixel that differs from
    ``background``, widened by ``pad`` pixels on each side (never beyond the image); the
    whole image when nothing is drawn."""
    height, width = pixels.shape[:2]
    colour = np.frombuffer(bytes(background), dtype=np.uint32)[0]
    drawn = np.ascontiguousarray(pixels).view(np.uint32)[:, :, 0] != colour
    rows, columns = np.flatnonzero(drawn.any(axis=1)), np.flatnonzero(drawn.any(axis=0))
    if rows.size == 0:
        return pixels
    top, bottom = max(0, rows[0] - pad), min(height, rows[-1] + 1 + pad)
    left, right = max(0, columns[0] - pad), min(width, columns[-1] + 1 + pad)
    return pixels[top:bottom, left:right]


def drawn_on_edge(pixels: np.ndarray, background: tuple[int, int, int, int]) -> bool:
    """Whether anything is drawn on the outermost rows or columns of ``pixels``: text or
    marks running off the figure (a laid-out figure keeps a blank margin)."""
    colour = np.frombuffer(bytes(background), dtype=np.uint32)[0]
    flat = np.ascontiguousarray(pixels).view(np.uint32)[:, :, 0]
    edges = [flat[0], flat[-1], flat[:, 0], flat[:, -1]]
    return any(bool((edge != colour).any()) for edge in edges)


def _figure_name(figure: Figure) -> str:
    """A figure's title (suptitle, else its first axis's), for messages."""
    suptitle = figure.get_suptitle()
    if suptitle:
        return suptitle
    axis = figure.axes[0] if figure.axes else None
    return (axis.get_title(loc="left") or axis.get_title()) if axis is not None else ""


def smallest_text_points(figure: Figure) -> float:
    """The size (points) of the smallest visible, non-empty text in ``figure``: titles, labels,
    tick labels, legends, annotations (``inf`` when it has none)."""
    sizes = [
        float(text.get_fontsize())
        for text in figure.findobj(Text)
        if text.get_visible() and text.get_text().strip()
    ]
    return min(sizes, default=float("inf"))


def _tight_pixels(figure: Figure, scale: float) -> np.ndarray:
    """``figure`` as RGBA pixels cropped by matplotlib's ``bbox_inches="tight"``, which widens
    the image to hold what is drawn beyond the figure (the slow path of :func:`figure_png`)."""
    from PIL import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi * scale, bbox_inches="tight")
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGBA"))


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(pixels: np.ndarray, dpi: float, level: int = PNG_COMPRESSION) -> bytes:
    """PNG bytes of an (height, width, 4) RGBA uint8 array, stored as RGB when it is opaque.

    Rows are stored unfiltered and deflated at zlib ``level``: for charts (large flat areas)
    this is as small as adaptive filtering and three times as fast. ``dpi`` is recorded in the
    pHYs chunk. The bytes depend only on the pixels, ``dpi`` and ``level``.
    """
    height, width = pixels.shape[:2]
    opaque = bool(pixels[:, :, 3].min() == 255)
    count = 3 if opaque else 4
    rows = np.zeros((height, 1 + width * count), dtype=np.uint8)  # filter byte 0: none
    samples = rows[:, 1:].reshape(height, width, count)
    for channel in range(count):  # one plane at a time: far faster than a strided reshape
        samples[:, :, channel] = pixels[:, :, channel]
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if opaque else 6, 0, 0, 0)
    per_metre = round(dpi / 0.0254)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), level)),
            _png_chunk(b"IEND", b""),
        ]
    )


def figure_png(
    figure: Figure, *, crop: bool = True, scale: float = PIXEL_SCALE
) -> tuple[str, dict[str, object]] | None:
    """A figure as a notebook shows it: base64 PNG drawn at ``scale`` times the figure's dpi,
    with its display size (in figure pixels) and its data fingerprint
    (:func:`helpers.report.figure_data.fingerprint`) as metadata; ``None`` for an empty figure.

    This replaces IPython's ``retina`` formatter with ``bbox_inches="tight"``, which laid the
    figure out three times (once to find what is drawn, once more after moving it, once to
    draw) and encoded with adaptive filters: here the figure is drawn once (its tight layout
    measured by the renderer that draws it), cropped on its pixels (``crop``, keeping
    :data:`CROP_PAD_INCHES` of margin) and encoded by :func:`encode_png`. One layout pass
    can leave a label running off the figure (a label centred under a plot moves when the
    plot is narrowed for long tick labels; found by :func:`labels_outside`, or by marks on the
    edge pixels): then the figure is drawn again, laid out from
    where the first pass left it, up to :data:`SETTLING_DRAWS` times, and if still over the
    edge, stored with matplotlib's tight crop and a warning.
    """
    if not figure.axes and not figure.lines:
        return None
    background: tuple[int, int, int, int] = tuple(  # type: ignore[assignment]
        round(255 * part) for part in to_rgba(figure.get_facecolor())
    )
    pixels, outside = draw_pixels(figure, scale)
    for _ in range(SETTLING_DRAWS):
        if not outside and not drawn_on_edge(pixels, background):
            break
        # laid out again from where the last layout left it
        pixels, outside = draw_pixels(figure, scale)
    if outside or drawn_on_edge(pixels, background):
        warnings.warn(
            f"figure {_figure_name(figure)!r} is drawn beyond its edges "
            f"({', '.join(outside) or 'marks on its edge'}): "
            "stored with matplotlib's tight crop, which lays it out three times; wrap or "
            "shorten its text",
            stacklevel=2,
        )
        pixels = _tight_pixels(figure, scale)
    if crop:
        pad = round(CROP_PAD_INCHES * figure.dpi * scale)
        pixels = crop_to_drawn(pixels, background, pad)
    height, width = pixels.shape[:2]
    data = encode_png(pixels, figure.dpi * scale)
    metadata: dict[str, object] = {  # display size as IPython's, and what the figure shows
        "width": int(width // scale),
        "height": int(height // scale),
        figure_data.METADATA_KEY: figure_data.fingerprint(figure),
        TITLE_KEY: " ".join(_figure_name(figure).split()),  # one line, as read
        SMALLEST_TEXT_KEY: round(smallest_text_points(figure) * figure.dpi / 72, 2),
    }
    return base64.b64encode(data).decode("ascii"), metadata
