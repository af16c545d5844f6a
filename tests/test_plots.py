"""Figures keep every text inside the canvas (the system profiles are stored uncropped), and
are stored as the notebooks show them: drawn once, cropped on their pixels, encoded as PNG."""

from __future__ import annotations

import base64
import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import TightLayoutEngine
from PIL import Image

from helpers import plots

LONG_NAME = "Bath and North East Somerset, Swindon and Wiltshire"
LONG_LABEL = (
    "ICB total allocation (core, primary medical care, other primary care, running costs), 2025/26"
)


def _drawn_outside(figure: Figure) -> list[float]:
    """How far (inches) what is drawn reaches beyond each edge of the figure (left, bottom,
    right, top); all zero when everything is inside, as a tight crop would find it."""
    canvas = FigureCanvasAgg(figure)  # the figure is closed in pyplot: draw it on its own
    canvas.draw()
    drawn = figure.get_tightbbox(canvas.get_renderer())
    width, height = figure.get_size_inches()
    return [
        round(max(0.0, -drawn.x0), 2),
        round(max(0.0, -drawn.y0), 2),
        round(max(0.0, drawn.x1 - width), 2),
        round(max(0.0, drawn.y1 - height), 2),
    ]


def test_characters_across_grows_with_width_and_shrinks_with_size() -> None:
    assert plots.characters_across(7.0, 10) > plots.characters_across(4.0, 10)
    assert plots.characters_across(7.0, 10) > plots.characters_across(7.0, 14)
    assert plots.characters_across(7.0, 10, bold=False) > plots.characters_across(7.0, 10)
    assert plots.characters_across(0.1, 10) == 20


def test_profile_distributions_fit_long_titles_and_labels_inside_the_figure() -> None:
    plots.set_house_style(crop=False)
    labels = [LONG_LABEL, "Need index, 2025/26", "Staff engagement, 2024/25"]
    rng = np.random.default_rng(0)
    data = pd.DataFrame(
        {
            "label": np.repeat(labels, 42),
            "standardised": rng.normal(size=126),
            "is_system": np.tile(np.arange(42) == 0, 3),
        }
    )
    title = (
        f"{LONG_NAME}: above the England median on 9 of 17 funding, population and pressure "
        "measures, below on 8"
    )
    figure = plots.profile_distributions(data, title)
    assert _drawn_outside(figure) == [0.0, 0.0, 0.0, 0.0]
    assert tuple(figure.get_size_inches()) == (plots.PROFILE_WIDTH, 0.45 * 3 + 1.2)
    plt.close("all")


def test_profile_timeline_fits_a_long_title_inside_the_figure() -> None:
    plots.set_house_style(crop=False)
    timeline = pd.DataFrame(
        {
            "financial_year": ["2022/23", "2023/24"],
            "stage": ["outturn", "ytd"],
            "value_gbp_m": [-140.5, -60.0],
            "best_available": [True, False],
            "x": [0.2, 1.3],
        }
    )
    title = (
        f"{LONG_NAME}: latest best-available position £−140.5m (2022/23, outturn); every "
        "cited figure by year and stage"
    )
    figure = plots.profile_timeline(timeline, ["2022/23", "2023/24", "2024/25"], title)
    assert _drawn_outside(figure) == [0.0, 0.0, 0.0, 0.0]
    assert "\n" in figure.axes[0].get_title(loc="left")  # wrapped, not running off the figure
    plt.close("all")


# --- how figures are stored: drawn once, cropped on pixels, encoded by encode_png -------------

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
    image = Image.open(io.BytesIO(plots.encode_png(pixels, dpi=200)))
    assert image.mode == "RGB"
    assert image.size == (5, 7)
    assert np.array_equal(np.asarray(image), pixels[:, :, :3])
    assert round(image.info["dpi"][0]) == 200
    assert plots.encode_png(pixels, dpi=200) == plots.encode_png(pixels.copy(), dpi=200)


def test_encode_png_keeps_transparency_as_rgba() -> None:
    pixels = _pixels(3, 4)
    pixels[1, 2] = (10, 20, 30, 128)
    image = Image.open(io.BytesIO(plots.encode_png(pixels, dpi=100)))
    assert image.mode == "RGBA"
    assert np.array_equal(np.asarray(image), pixels)


def test_encode_png_reads_a_cropped_view() -> None:
    pixels = _pixels(10, 10)
    pixels[4, 6] = (0, 0, 0, 255)
    view = pixels[2:8, 3:9]  # not contiguous in memory
    image = Image.open(io.BytesIO(plots.encode_png(view, dpi=100)))
    assert np.array_equal(np.asarray(image), view[:, :, :3])


def test_crop_to_drawn_keeps_the_drawn_box_and_a_margin_inside_the_image() -> None:
    pixels = _pixels(50, 80)
    pixels[10:20, 30:35] = (200, 0, 0, 255)
    pixels[2, 78] = (0, 0, 255, 255)
    cropped = plots.crop_to_drawn(pixels, WHITE, pad=5)
    # drawn rows 2-19 and columns 30-78, widened by 5 and clamped to the image
    assert np.array_equal(cropped, pixels[0:25, 25:80])
    view = pixels[5:45, 20:40]  # drawn: rows 5-14, columns 10-14 of the view
    assert np.array_equal(plots.crop_to_drawn(view, WHITE, pad=3), view[2:18, 7:18])
    blank = _pixels(6, 9)
    assert plots.crop_to_drawn(blank, WHITE, pad=2).shape == blank.shape


def test_drawn_on_edge_finds_marks_on_any_border_only() -> None:
    pixels = _pixels(20, 30)
    pixels[5:15, 5:25] = (0, 0, 0, 255)
    assert not plots.drawn_on_edge(pixels, WHITE)
    for row, column in [(0, 10), (19, 10), (10, 0), (10, 29)]:
        marked = pixels.copy()
        marked[row, column] = (0, 0, 0, 255)
        assert plots.drawn_on_edge(marked, WHITE), (row, column)


def test_figure_png_draws_at_double_resolution_and_reports_the_display_size() -> None:
    plots.set_house_style()
    figure, axis = plt.subplots(figsize=(4, 3))
    axis.plot([0, 1], [0, 1])
    axis.set_xlabel("x")
    plots.finish(figure)
    whole, size = plots.figure_png(figure, crop=False)  # type: ignore[misc]
    assert size == {"width": 400, "height": 300}
    assert _decoded(whole).size == (800, 600)
    cropped, cropped_size = plots.figure_png(figure)  # type: ignore[misc]
    image = _decoded(cropped)
    assert (image.width // 2, image.height // 2) == (cropped_size["width"], cropped_size["height"])
    assert image.width <= 800 and image.height <= 600
    blank_border = np.asarray(image.convert("RGB"))[:10]  # the 0.1 inch margin (20 px) above
    assert (blank_border == 255).all()
    assert figure.dpi == 100  # restored after drawing at 200
    assert plots.figure_png(plt.figure()) is None  # nothing to show
    plt.close("all")


def test_figure_png_lays_out_in_the_drawing_so_labels_are_not_cut() -> None:
    plots.set_house_style()
    figure, axis = plt.subplots(figsize=(5, 3))
    axis.plot([0, 1], [0, 1_000_000])
    axis.set_ylabel("People")
    axis.set_xlabel("Share")
    plots.finish(figure)
    _, size = plots.figure_png(figure, crop=False)  # type: ignore[misc]
    assert size == {"width": 500, "height": 300}
    assert _drawn_outside(figure) == [0.0, 0.0, 0.0, 0.0]
    left, bottom = figure.subplotpars.left, figure.subplotpars.bottom
    assert left > 0.1 and bottom > 0.1  # the layout made room for both labels


@pytest.mark.filterwarnings("ignore:Tight layout not applied")
def test_figure_png_falls_back_to_a_tight_crop_with_a_warning_when_text_runs_off() -> None:
    plots.set_house_style()
    figure, axis = plt.subplots(figsize=(3, 2))
    axis.plot([0, 1], [0, 1])
    axis.text(0.5, 0.5, "a note far too long to fit in a three-inch figure " * 3)
    plots.finish(figure)
    with pytest.warns(UserWarning, match="drawn beyond its edges"):
        _, size = plots.figure_png(figure)  # type: ignore[misc]
    assert size["width"] > 300  # widened to hold the text, as bbox_inches="tight" does
    plt.close("all")


def test_finish_defers_a_tight_layout_leaves_spines_out_and_closes_the_figure() -> None:
    figure, axes = plt.subplots(1, 2)
    plots.finish(figure)
    assert isinstance(figure.get_layout_engine(), TightLayoutEngine)
    assert figure.get_layout_engine().get()["rect"] is None  # measured once, not twice
    assert all(not spine.get_in_layout() for axis in axes for spine in axis.spines.values())
    assert figure.number not in plt.get_fignums()


def test_titled_wraps_a_long_title_to_a_narrow_figure_and_reserves_room_for_the_note() -> None:
    plots.set_house_style()
    frame = pd.DataFrame(
        {
            "icb_code": ["A", "B", "A", "B"],
            "financial_year": ["2022/23", "2022/23", "2025/26", "2025/26"],
            "distance": [1.0, -2.0, 0.5, -1.0],
        }
    )
    figure = plots.slope_chart(frame, "distance", "2022/23", "2025/26", ylabel="Distance (%)")
    title = "34 of 42 ICBs moved closer to their fair-shares target between 2022/23 and 2025/26"
    plots.titled(figure, title, "N = 42 ICBs")
    assert figure.axes[0].get_title(loc="left").count("\n") >= 2  # 5 inches: three lines
    assert figure.get_layout_engine().get()["rect"][1] > 0  # room kept for the note
    assert _drawn_outside(figure) == [0.0, 0.0, 0.0, 0.0]
    plt.close("all")


def test_coefficient_plot_keeps_long_driver_labels_inside_the_figure() -> None:
    plots.set_house_style()
    labels = {"need": LONG_LABEL, "beds": "G&A bed occupancy (%)"}
    coefficients = pd.DataFrame(
        {
            "model": ["Primary panel, inverse-probability weighted"] * 2 + ["Cross-section"] * 2,
            "term": ["need", "beds"] * 2,
            "estimate": [0.2, -0.1, 0.3, 0.0],
            "conf_low": [-0.1, -0.4, 0.0, -0.2],
            "conf_high": [0.5, 0.2, 0.6, 0.2],
        }
    )
    figure = plots.coefficient_plot(coefficients, labels)
    assert _drawn_outside(figure) == [0.0, 0.0, 0.0, 0.0]
    tick_labels = [tick.get_text() for tick in figure.axes[0].get_yticklabels()]
    assert "\n" in tick_labels[0]
    plt.close("all")


def test_use_figure_png_makes_a_shell_show_each_figure_once_as_our_png() -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        svg = shell.display_formatter.formatters["image/svg+xml"]
        svg.for_type(Figure, lambda figure: "<svg/>")  # as InlineBackend.figure_formats would
        plots.use_figure_png(shell, crop=False)
        figure, axis = plt.subplots(figsize=(2, 2))
        axis.plot([0, 1], [1, 0])
        plots.finish(figure)
        data, metadata = shell.display_formatter.format(figure)
    finally:
        InteractiveShell.clear_instance()  # later tests must not find a shell
        plt.close("all")
    assert set(data) == {"text/plain", "image/png"}
    assert metadata["image/png"] == {"width": 200, "height": 200}  # crop=False: whole figure
    assert _decoded(data["image/png"]).size == (400, 400)


def test_house_style_sets_fonts_sizes_and_unhinted_text() -> None:
    plots.set_house_style()
    assert plt.rcParams["font.sans-serif"][0] == plots.FONT_FAMILY
    assert plt.rcParams["figure.dpi"] == 100
    assert plt.rcParams["axes.titlelocation"] == "left"
    assert plt.rcParams["text.hinting"] == "no_hinting"
