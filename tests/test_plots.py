"""Figures keep every text inside the canvas (the system profiles are stored uncropped); the
house style and the deferred tight layout every plotting function ends with."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import TightLayoutEngine

from helpers.report import plots

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
            "stage_label": ["outturn", "year to date"],
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
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert legend == ["outturn", "year to date", "best available"]  # stages read as words
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


def test_house_style_sets_fonts_sizes_and_unhinted_text() -> None:
    plots.set_house_style()
    assert plt.rcParams["font.sans-serif"][0] == plots.FONT_FAMILY
    assert plt.rcParams["figure.dpi"] == 100
    assert plt.rcParams["axes.titlelocation"] == "left"
    assert plt.rcParams["text.hinting"] == "no_hinting"
