"""Figures stored as the notebooks show them: drawn once at double resolution, laid out in that
drawing, cropped on their pixels, encoded as PNG; redrawn or tightly cropped when they run off."""

from __future__ import annotations

import base64
import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from helpers.report import figure_images, plots

WHITE = (255, 255, 255, 255)


def _decoded(data: str) -> Image.Image:
    """The image of a base64 PNG, as a notebook output holds it."""
    return Image.open(io.BytesIO(base64.b64decode(data)))


def _pixels(height: int, width: int) -> np.ndarray:
    """A white RGBA canvas of ``height`` x ``width`` pixels."""
    return np.full((height, width, 4), 255, dtype=np.uint8)


def test_encode_png_round_trips_opaque_pixels_as_rgb_with_their_dpi() -> None:
    rng = np.random.default_rng(1)
    pixels = _pixels(7, 5)
    pixels[:, :, :3] = rng.integers(0, 256, size=(7, 5, 3), dtype=np.uint8)
    image = Image.open(io.BytesIO(figure_images.encode_png(pixels, dpi=200)))
    assert image.mode == "RGB"
    assert image.size == (5, 7)
    assert np.array_equal(np.asarray(image), pixels[:, :, :3])
    assert round(image.info["dpi"][0]) == 200
    assert figure_images.encode_png(pixels, dpi=200) == figure_images.encode_png(
        pixels.copy(), dpi=200
    )


def test_encode_png_keeps_transparency_as_rgba() -> None:
    pixels = _pixels(3, 4)
    pixels[1, 2] = (10, 20, 30, 128)
    image = Image.open(io.BytesIO(figure_images.encode_png(pixels, dpi=100)))
    assert image.mode == "RGBA"
    assert np.array_equal(np.asarray(image), pixels)


def test_encode_png_reads_a_cropped_view() -> None:
    pixels = _pixels(10, 10)
    pixels[4, 6] = (0, 0, 0, 255)
    view = pixels[2:8, 3:9]  # not contiguous in memory
    image = Image.open(io.BytesIO(figure_images.encode_png(view, dpi=100)))
    assert np.array_equal(np.asarray(image), view[:, :, :3])


def test_crop_to_drawn_keeps_the_drawn_box_and_a_margin_inside_the_image() -> None:
    pixels = _pixels(50, 80)
    pixels[10:20, 30:35] = (200, 0, 0, 255)
    pixels[2, 78] = (0, 0, 255, 255)
    cropped = figure_images.crop_to_drawn(pixels, WHITE, pad=5)
    # drawn rows 2-19 and columns 30-78, widened by 5 and clamped to the image
    assert np.array_equal(cropped, pixels[0:25, 25:80])
    view = pixels[5:45, 20:40]  # drawn: rows 5-14, columns 10-14 of the view
    assert np.array_equal(figure_images.crop_to_drawn(view, WHITE, pad=3), view[2:18, 7:18])
    blank = _pixels(6, 9)
    assert figure_images.crop_to_drawn(blank, WHITE, pad=2).shape == blank.shape


def test_drawn_on_edge_finds_marks_on_any_border_only() -> None:
    pixels = _pixels(20, 30)
    pixels[5:15, 5:25] = (0, 0, 0, 255)
    assert not figure_images.drawn_on_edge(pixels, WHITE)
    for row, column in [(0, 10), (19, 10), (10, 0), (10, 29)]:
        marked = pixels.copy()
        marked[row, column] = (0, 0, 0, 255)
        assert figure_images.drawn_on_edge(marked, WHITE), (row, column)


def test_figure_png_draws_at_double_resolution_and_reports_the_display_size() -> None:
    plots.set_house_style()
    figure, axis = plt.subplots(figsize=(4, 3))
    axis.plot([0, 1], [0, 1])
    axis.set_xlabel("x")
    plots.finish(figure)
    whole, size = figure_images.figure_png(figure, crop=False)  # type: ignore[misc]
    assert {key: size[key] for key in ("width", "height")} == {"width": 400, "height": 300}
    assert "x" in size["figure_data"]["texts"]  # what the figure shows (helpers.report.figure_data)
    assert _decoded(whole).size == (800, 600)
    cropped, cropped_size = figure_images.figure_png(figure)  # type: ignore[misc]
    image = _decoded(cropped)
    assert (image.width // 2, image.height // 2) == (cropped_size["width"], cropped_size["height"])
    assert image.width <= 800 and image.height <= 600
    blank_border = np.asarray(image.convert("RGB"))[:10]  # the 0.1 inch margin (20 px) above
    assert (blank_border == 255).all()
    assert figure.dpi == 100  # restored after drawing at 200
    assert figure_images.figure_png(plt.figure()) is None  # nothing to show
    plt.close("all")


def test_figure_png_lays_out_in_the_drawing_so_labels_are_not_cut() -> None:
    plots.set_house_style()
    figure, axis = plt.subplots(figsize=(5, 3))
    axis.plot([0, 1], [0, 1_000_000])
    axis.set_ylabel("People")
    axis.set_xlabel("Share")
    plots.finish(figure)
    before = (figure.subplotpars.left, figure.subplotpars.bottom)
    data, size = figure_images.figure_png(figure, crop=False)  # type: ignore[misc]
    assert {key: size[key] for key in ("width", "height")} == {"width": 500, "height": 300}
    pixels = np.asarray(_decoded(data).convert("RGBA"))
    assert not figure_images.drawn_on_edge(pixels, WHITE)  # a blank margin all round
    left, bottom = figure.subplotpars.left, figure.subplotpars.bottom
    assert left > before[0] and bottom > before[1]  # the layout made room for both labels


@pytest.mark.filterwarnings("ignore:Tight layout not applied")
def test_figure_png_falls_back_to_a_tight_crop_with_a_warning_when_text_runs_off() -> None:
    plots.set_house_style()
    figure, axis = plt.subplots(figsize=(3, 2))
    axis.plot([0, 1], [0, 1])
    axis.text(0.5, 0.5, "a note far too long to fit in a three-inch figure " * 3)
    plots.finish(figure)
    with pytest.warns(UserWarning, match="drawn beyond its edges"):
        _, size = figure_images.figure_png(figure)  # type: ignore[misc]
    assert size["width"] > 300  # widened to hold the text, as bbox_inches="tight" does
    plt.close("all")


def test_use_figure_png_makes_a_shell_show_each_figure_once_as_our_png() -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        svg = shell.display_formatter.formatters["image/svg+xml"]
        svg.for_type(Figure, lambda figure: "<svg/>")  # as InlineBackend.figure_formats would
        figure_images.use_figure_png(shell, crop=False)
        figure, axis = plt.subplots(figsize=(2, 2))
        axis.plot([0, 1], [1, 0])
        plots.finish(figure)
        data, metadata = shell.display_formatter.format(figure)
    finally:
        InteractiveShell.clear_instance()  # later tests must not find a shell
        plt.close("all")
    assert set(data) == {"text/plain", "image/png"}
    shown = metadata["image/png"]
    assert {key: shown[key] for key in ("width", "height")} == {"width": 200, "height": 200}
    assert "figure_data" in shown  # crop=False: whole figure, with what it shows
    assert _decoded(data["image/png"]).size == (400, 400)


def test_labels_outside_names_the_labels_a_layout_left_beyond_the_edges() -> None:
    plots.set_house_style()
    figure, axis = plt.subplots(figsize=(4, 3))
    axis.plot([0, 1], [0, 1])
    axis.set_xlabel("Share")
    axis.set_title("A title")
    figure.suptitle("")  # empty texts are not checked
    plots.finish(figure)  # laid out when drawn
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    assert figure_images.labels_outside(figure, canvas.get_renderer()) == []
    axis.set_xlabel("x" * 120)  # centred under the plot, far wider than the figure
    axis.legend(["line"], loc="upper left", bbox_to_anchor=(1.5, 1.0))
    figure.set_layout_engine("none")  # as a layout that could not fit them would leave them
    canvas.draw()
    assert figure_images.labels_outside(figure, canvas.get_renderer()) == ["x" * 120, "legend"]
    plt.close("all")


def test_figure_png_stores_the_title_and_the_smallest_text_with_the_image() -> None:
    """The stored image says what it finds (its title) and how small its text is (display
    px at its own size), which tests/test_exhibits_for_people.py reads at 390 px."""
    plots.set_house_style()
    figure, axis = plt.subplots(figsize=(4, 3))
    axis.plot([0, 1], [0, 1])
    axis.set_xlabel("x", fontsize=14)
    axis.annotate("small", (0.5, 0.5), fontsize=7.2)
    plots.titled(plots.finish(figure), "Deficits were deeper in 2024/25")
    assert figure_images.smallest_text_points(figure) == 7.2
    _, metadata = figure_images.figure_png(figure)  # type: ignore[misc]
    assert metadata[figure_images.TITLE_KEY] == "Deficits were deeper in 2024/25"
    assert metadata[figure_images.SMALLEST_TEXT_KEY] == 10.0  # 7.2 pt at 100 dpi
    plt.close("all")
