"""Figures keep every text inside the canvas (the system profiles are stored uncropped); the
house style and the deferred tight layout every plotting function ends with."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
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
    assert figure.get_suptitle().count("\n") >= 1  # 5 inches: two lines
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


def _hexes(values: object) -> set[str]:
    from matplotlib.colors import to_hex

    return {to_hex(value).lower() for value in values}  # type: ignore[attr-defined]


def _is_grey(colour: str) -> bool:
    return colour[1:3] == colour[3:5] == colour[5:7]


def test_each_colour_meaning_maps_to_one_colour_and_no_colour_has_two_meanings() -> None:
    """The palette registry: within a meaning each value has its own colour; across meanings
    (stage, source kind, significance, change, highlight, groups, years, counts) no colour is
    used twice, so stage and year can never share a palette again."""
    years = ["2022/23", "2023/24", "2024/25", "2025/26"]
    used: dict[str, str] = {}
    meanings = {
        **{meaning: dict(table) for meaning, table in plots.COLOURS.items()},
        "year": plots.colours("year", years),
        "count": plots.colours("count", [1, 2, 3, 4]),
    }
    for meaning, table in meanings.items():
        shades = [str(colour).lower() for colour in table.values()]
        assert len(set(shades)) == len(shades), f"{meaning}: two values share a colour"
        for colour in shades:
            assert not _is_grey(colour), f"{meaning} uses grey {colour}: greys carry no meaning"
            assert colour not in used, f"{colour} means both {used[colour]} and {meaning}"
            used[colour] = meaning


def test_colours_are_looked_up_by_meaning_and_fail_clearly() -> None:
    assert plots.colours("stage", ["draft plans", "final_plan", "outturn"]) == {
        "draft plans": plots.STAGE_COLOURS["draft plan"],
        "final_plan": plots.STAGE_COLOURS["final plan"],
        "outturn": plots.STAGE_COLOURS["outturn"],
    }
    assert plots.colours("year", ["2023/24", "2022/23"]) == plots.colours(
        "year", ["2022/23", "2023/24"]
    )
    with pytest.raises(KeyError, match="no colour meaning 'mood'"):
        plots.colours("mood", ["happy"])
    with pytest.raises(KeyError, match="no stage colour for \\['audit'\\]"):
        plots.colours("stage", ["audit"])


def _best_positions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "financial_year": ["2022/23", "2022/23", "2023/24", "2024/25"],
            "value_pct_allocation": [-2.0, 0.5, -1.0, -3.0],
            "stage": ["draft plan", "outturn", "final plan", "forecast"],
            "region_name": ["London", "Midlands", "London", "North West"],
        }
    )


def test_charts_draw_stage_and_year_in_their_registered_colours() -> None:
    """The strip plots take their colours from the registry: stage colours in one chart, the
    year scale in the other, and the two share no colour."""
    best = _best_positions()
    by_stage = plots.position_distribution(best, hue="stage")
    stage_drawn = {
        colour
        for collection in by_stage.axes[0].collections
        for colour in _hexes(collection.get_facecolors())
    }
    assert {colour.lower() for colour in plots.STAGE_COLOURS.values()} <= stage_drawn
    by_year = plots.positions_by_group(best, "region_name")
    year_drawn = {
        colour
        for collection in by_year.axes[0].collections
        for colour in _hexes(collection.get_facecolors())
    }
    years = plots.colours("year", sorted(best["financial_year"].unique()))
    assert {colour.lower() for colour in years.values()} <= year_drawn
    assert not (stage_drawn - {"#ffffff"}) & set(years.values())


def test_the_lead_chart_keeps_deficits_and_overspends_on_separate_axes() -> None:
    timeline = pd.DataFrame(
        {
            "financial_year": ["2023/24", "2023/24", "2024/25"],
            "stage": ["draft plans", "forecast", "final plans"],
            "basis": ["aggregate deficit", "overspend against plan", "aggregate deficit"],
            "value_gbp_m": [3000.0, 800.0, 1500.0],
            "is_lower_bound": [False, False, True],
        }
    )
    figure = plots.timeline_chart(timeline)
    assert [axis.get_ylabel() for axis in figure.axes] == [
        "Deficit, £ billion",
        "Overspend against\nplan, £ billion",
    ]
    only_deficits = plots.timeline_chart(timeline[timeline["basis"] == "aggregate deficit"])
    assert len(only_deficits.axes) == 1


def test_every_report_chart_keeps_its_text_at_the_minimum_size() -> None:
    """Text no smaller than MIN_TEXT_PT on charts no wider than FIGURE_WIDTH: at a phone's
    364 px column that is at least 9 px."""
    from helpers.report.figure_images import smallest_text_points

    plots.set_house_style()
    best = _best_positions()
    influence = pd.DataFrame(
        {
            "fitted": [1.0, 2.0, 3.0],
            "residual": [0.1, -0.2, 0.1],
            "cooks_distance": [0.5, 0.1, 0.2],
            "label": ["QOC 2024/25", "QE1 2023/24", "QUA 2023/24"],
        }
    )
    figures = [
        plots.position_distribution(best, hue="stage"),
        plots.positions_by_group(best, "region_name"),
        plots.diagnostics(influence, units="trusts"),
        plots.permutation_histogram(np.linspace(-1, 1, 50), 0.5, xlabel="Driver: coefficient"),
    ]
    for figure in figures:
        FigureCanvasAgg(figure).draw()
        assert figure.get_size_inches()[0] <= plots.FIGURE_WIDTH
        assert smallest_text_points(figure) >= plots.MIN_TEXT_PT
        assert _drawn_outside(figure) == [0.0, 0.0, 0.0, 0.0]
    assert plots.MIN_TEXT_PT * 100 / 72 * 364 / (plots.FIGURE_WIDTH * 100) >= 9
    assert figures[2].axes[1].get_xlabel() == "Trusts, by Cook's distance"


def test_finding_titles_are_computed_from_the_plotted_data() -> None:
    influence = pd.DataFrame(
        {
            "cooks_distance": [0.9, 0.1, 0.05, 0.02, 0.01, 0.01, 0.3, 0.01],
            "label": list("ABCDEFGH"),
        }
    )
    assert plots.diagnostics_title(influence, "trusts") == (
        "1 of 8 trusts exceed Cook's distance 4/N; the largest is A (0.90)"
    )
    null = np.array([-0.3, -0.1, 0.1, 0.2, 0.6])
    assert plots.permutation_title(null, -0.5) == (
        "20.0% of 5 whole-system shuffles give a coefficient as far from zero as the "
        "observed \u22120.50"
    )
    coefficients = pd.DataFrame(
        {
            "term": ["a", "b", "a", "b"],
            "model": ["M1", "M1", "M2", "M2"],
            "conf_low": [0.1, -1.0, -0.2, -1.0],
            "conf_high": [0.5, 1.0, 0.4, -0.1],
        }
    )
    assert plots.coefficient_title(coefficients, {"a": "A", "b": "B"}) == (
        "1 of 2 drivers have 95% intervals that exclude zero (M1)"
    )
    curve = pd.DataFrame(
        {"outcome": ["y"] * 4, "term": ["a", "a", "b", "b"], "estimate": [1.0, 2.0, -1.0, 1.0]}
    )
    assert plots.specification_estimates_title(curve, {"a": "A", "b": "B"}) == (
        "1 of 2 driver-outcome pairs keep one sign in every specification"
    )


def _square_shapes() -> pd.DataFrame:
    """Four unit squares in a row (ICBs A-D): A-C in a wide region, D alone in a narrow one."""
    from shapely.geometry import box

    return pd.DataFrame(
        {
            "icb_code": ["A", "B", "C", "D"],
            "icb_name": ["Alpha", "Beta", "Gamma", "Delta"],
            "region_name": ["Wide Region", "Wide Region", "Wide Region", "Small"],
            "value": [1.0, 2.0, np.nan, 4.0],
            "geometry": [box(0, 0, 3, 3), box(3, 0, 6, 3), box(6, 0, 9, 3), box(9, 0, 9.5, 3)],
        }
    )


def _texts(figure: Figure) -> list[str]:
    return [text.get_text() for axis in figure.axes for text in axis.texts]


def test_maps_outline_and_name_the_regions_unless_systems_are_named() -> None:
    """Labelled maps: each region outlined once; named (the narrow one beside it, with a
    line) on a map that names no system; outlined only where systems are named."""
    shapes = _square_shapes()
    regions = plots.choropleth(shapes, "value", title="Value", cmap="Greens")
    assert sorted(_texts(regions)) == ["Small", "Wide Region"]
    axis = regions.axes[0]
    assert len(axis.patches) == len(shapes) + 2  # one patch per ICB, one outline per region
    small = next(text for text in axis.texts if text.get_text() == "Small")
    assert small.arrow_patch is not None  # narrower than its name: named beside it
    wide = next(text for text in axis.texts if text.get_text() == "Wide Region")
    assert wide.arrow_patch is None
    systems = plots.choropleth(shapes, "value", title="Value", cmap="Greens", label_lowest=1)
    assert _texts(systems) == ["Alpha"]
    assert len(systems.axes[0].patches) == len(shapes) + 2
    plt.close("all")
