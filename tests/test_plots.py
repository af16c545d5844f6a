"""The system-profile charts keep every text inside the figure (they are stored uncropped)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

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
