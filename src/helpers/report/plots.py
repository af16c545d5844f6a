"""One function per figure type. The house style is set once; each function returns its figure."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import TightLayoutEngine
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from helpers.precision import sort_by_value
from helpers.report import figure_images
from helpers.report.tables import format_p

STAGE_ORDER: list[str] = ["draft plans", "final plans", "forecast", "outturn"]
#: Categorical palette (Okabe-Ito, colour-blind safe) for unordered groups.
PALETTE = "colorblind"
#: Sequential palette (perceptually ordered, colour-blind safe) for ordered groups: years,
#: stages of a year, counts.
ORDERED_PALETTE = "plasma"
#: The smallest text on any chart (points). With charts at most :data:`FIGURE_WIDTH` inches
#: wide at 100 dpi, shrunk to a phone's 364 px column (390 px less the page's margins), text
#: of this size is drawn at least 11 x 100/72 x 364/600 = 9.3 px high.
MIN_TEXT_PT = 11.0
#: The widest chart (inches): wider ones shrink too far on a phone.
FIGURE_WIDTH = 6.0
FONT_FAMILY = "DejaVu Sans"  # the report's body font is the same family (report/assets/report.css)
TITLE_WIDTH = 54  # characters per line of a chart title before it wraps
NOTE_COLOUR = "0.35"
NOTE_SIZE = MIN_TEXT_PT
MISSING_COLOUR = (0.88, 0.88, 0.88)

# --- One meaning per colour ----------------------------------------------------------------
# Every chart takes its colours from here, so a colour means one thing across the report:
# a stage is the same colour in every chart, years have their own (blue-green) scale, and no
# colour of one meaning is reused for another. Greys carry no meaning (marks without one).

#: Stages of a figure, earliest to final: an ordered (plasma) scale.
STAGE_COLOURS: dict[str, str] = {
    "draft plan": "#0D0887",
    "final plan": "#9C179E",
    "forecast": "#ED7953",
    "outturn": "#F0C127",
}
#: Kinds of source (Paul Tol's high-contrast scheme, colour-blind safe).
SOURCE_KIND_COLOURS: dict[str, str] = {
    "official": "#004488",
    "press": "#DDAA33",
    "campaign": "#BB5566",
}
#: Whether an estimate is nominally significant (unadjusted p below 0.05).
SIGNIFICANCE_COLOURS: dict[str, str] = {"p < 0.05 (unadjusted)": "#EE3377", "p ≥ 0.05": "#33BBEE"}
#: A value that fell or rose between two years (Tol's teal and orange).
CHANGE_COLOURS: dict[str, str] = {"fell": "#009988", "rose": "#EE7733"}
#: The one thing a chart singles out: the observed value, the profiled system.
HIGHLIGHT_COLOURS: dict[str, str] = {"highlighted": "#AA3377"}
#: Unordered groups named by a chart's legend (models, outcomes, series, comparisons):
#: seaborn's colour-blind palette.
GROUP_COLOURS: list[str] = ["#0173B2", "#DE8F05", "#029E73", "#D55E00", "#CC78BC", "#CA9161"]
#: Colour maps of the ordered meanings whose values the data decide: financial years
#: (light to dark blue-green) and counts (light to dark green).
SCALE_MAPS: dict[str, tuple[str, float, float]] = {
    "year": ("YlGnBu", 0.35, 0.95),
    "count": ("Greens", 0.3, 0.9),
}
#: Fixed meanings: each value's colour.
COLOURS: dict[str, dict[str, str]] = {
    "stage": STAGE_COLOURS,
    "source kind": SOURCE_KIND_COLOURS,
    "significance": SIGNIFICANCE_COLOURS,
    "change": CHANGE_COLOURS,
    "highlight": HIGHLIGHT_COLOURS,
    "group": {str(index): colour for index, colour in enumerate(GROUP_COLOURS)},
}
FELL, ROSE = CHANGE_COLOURS["fell"], CHANGE_COLOURS["rose"]
HIGHLIGHT = HIGHLIGHT_COLOURS["highlighted"]


def stage_key(stage: str) -> str:
    """A stage as :data:`STAGE_COLOURS` names it: 'draft_plan', 'draft plans' -> 'draft plan'."""
    text = str(stage).replace("_", " ")
    return text.removesuffix("s") if text.endswith(" plans") else text


def colours(meaning: str, values: list[object]) -> dict[object, str]:
    """The colour of each of ``values`` under ``meaning`` (a key of :data:`COLOURS` or
    :data:`SCALE_MAPS`; 'group': the values in order). Raises KeyError naming an unknown
    meaning or value."""
    if meaning in SCALE_MAPS:
        name, low, high = SCALE_MAPS[meaning]
        ordered = sorted(values)
        stops = np.linspace(low, high, len(ordered)) if len(ordered) > 1 else [high]
        colour_map = matplotlib.colormaps[name]
        return {
            value: matplotlib.colors.to_hex(colour_map(stop))
            for value, stop in zip(ordered, stops, strict=True)
        }
    if meaning == "group":
        if len(values) > len(GROUP_COLOURS):
            raise KeyError(f"{len(values)} groups: the group palette has {len(GROUP_COLOURS)}")
        return dict(zip(values, GROUP_COLOURS, strict=False))
    if meaning not in COLOURS:
        raise KeyError(f"no colour meaning {meaning!r}; known: {sorted([*COLOURS, *SCALE_MAPS])}")
    table = COLOURS[meaning]
    key = stage_key if meaning == "stage" else str
    unknown = [value for value in values if key(value) not in table]  # type: ignore[arg-type]
    if unknown:
        raise KeyError(f"no {meaning} colour for {unknown}; known: {sorted(table)}")
    return {value: table[key(value)] for value in values}  # type: ignore[arg-type]


#: Width of the system-profile charts (inches), and how much of it their measure labels take.
PROFILE_WIDTH = 8.0
PROFILE_LABEL_INCHES = 3.2
#: Stages of a system's figure, earliest to final (the ordered scale of position charts).
ORDERED_STAGES: list[str] = ["draft plan", "final plan", "forecast", "outturn"]
#: Characters per line of a driver's label on the coefficient plot (wrapped to leave the plot
#: most of the figure's width).
COEFFICIENT_LABEL_WIDTH = 30
#: Characters per line of a panel title on the specification-estimates chart (about a third
#: of its width each).
PANEL_TITLE_WIDTH = 30
#: Width of one driver's column of the specification curve (inches).
CURVE_PANEL_INCHES = 3.2


def ordered_colours(count: int) -> list[tuple[float, float, float]]:
    """``count`` colours spread along the ordered palette, dark to light, stopping short of
    its palest end so every colour stands out on white."""
    colour_map = matplotlib.colormaps[ORDERED_PALETTE]
    stops = np.linspace(0.0, 0.82, count) if count > 1 else [0.0] * count
    return [tuple(colour_map(stop)[:3]) for stop in stops]


def set_house_style(*, crop: bool = True) -> None:
    """Seaborn theme, fonts, sizes and output format used by every figure in the report.

    Figures are drawn in one font family (DejaVu Sans, also the report's body font), with text
    large enough to read when the figure is shrunk to a phone's width, and are stored as
    double-resolution ("retina") PNGs: sharp on high-density screens, deterministic bytes.
    Every plotting function ends with :func:`finish`, so a notebook shows each figure once.
    Inside a Jupyter kernel the inline backend is selected whatever ``MPLBACKEND`` says, and
    figures are stored by :func:`helpers.report.figure_images.figure_png`: drawn once, laid out by
    the renderer that draws them, cropped to what is drawn (``crop=True``) or stored whole
    (``crop=False``: for figures of a fixed width whose text is wrapped to fit inside them,
    the system profiles).
    """
    if "ipykernel" in sys.modules:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            shell.run_line_magic("matplotlib", "inline")
            figure_images.use_figure_png(shell, crop=crop)
    sns.set_theme(style="whitegrid", context="notebook", palette=GROUP_COLOURS, font_scale=1.15)
    plt.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [FONT_FAMILY],
            "font.size": MIN_TEXT_PT,
            "axes.labelsize": 12,
            "xtick.labelsize": MIN_TEXT_PT,
            "ytick.labelsize": MIN_TEXT_PT,
            "legend.fontsize": MIN_TEXT_PT,
            "legend.title_fontsize": MIN_TEXT_PT,
            "figure.figsize": (FIGURE_WIDTH, 4.2),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.titleweight": "bold",
            "axes.titlesize": 13,
            "axes.titlelocation": "left",
            "legend.frameon": False,
            "svg.hashsalt": "ics-deficits",
            # Images are stored at double resolution, where snapping glyph outlines to the
            # pixel grid (hinting, made for 1x screens) changes nothing a reader can see but
            # costs about a sixth of the time a figure takes to draw.
            "text.hinting": "no_hinting",
        }
    )


def wrap_title(text: str, width: int = TITLE_WIDTH) -> str:
    """A chart title wrapped onto lines of at most ``width`` characters."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) if text else text


def characters_across(inches: float, fontsize: float, *, bold: bool = True) -> int:
    """How many characters of ``fontsize``-point text fit across ``inches`` (average DejaVu
    Sans widths: 0.62 em, bold 0.66 em), for wrapping titles and labels to stay inside a
    figure."""
    return max(20, int(inches * 72 / (fontsize * (0.66 if bold else 0.62))))


def legend_below(
    axis: plt.Axes, *, ncol: int = 3, title: str | None = None, **options: object
) -> None:
    """The axis's legend outside the data: centred on the figure, below the plot's tick
    labels and axis label (whatever the plot's height), its labels wrapped to the width."""
    handles, labels = axis.get_legend_handles_labels()
    if not handles:
        return
    figure = axis.figure
    columns = min(ncol, len(handles))
    inches = figure.get_size_inches()[0] * 0.9 / columns - 0.4
    width = characters_across(inches, MIN_TEXT_PT, bold=False)
    label_lines = axis.get_xlabel().count("\n") + 1 if axis.get_xlabel() else 0
    below = 0.4 + 0.24 * label_lines  # inches: tick labels, then each line of the axis label
    axis.legend(
        handles,
        [wrap_title(label, width) for label in labels],
        title=title,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=blended_transform_factory(
            figure.transFigure,
            axis.transAxes + ScaledTranslation(0, -below, figure.dpi_scale_trans),
        ),
        ncol=columns,
        frameon=False,
        fontsize=MIN_TEXT_PT,
        title_fontsize=MIN_TEXT_PT,
        **options,
    )


def titled(figure: Figure, title: str | None = None, note: str | None = None) -> Figure:
    """Give a figure a finding as its title (the figure's title, from its left edge, wrapped to
    its width) and a small note (N, coverage) under the plot, wrapped
    to the figure's width; returns the figure, its layout (done when
    it is drawn) leaving room for the note."""
    width_inches, height_inches = figure.get_size_inches()
    if title:  # across the whole figure from its left edge, whatever the axes' labels take
        width = min(TITLE_WIDTH, characters_across(width_inches - 0.3, 13))
        figure.suptitle(wrap_title(title, width), x=0.01, ha="left", fontsize=13, fontweight="bold")
    if note:
        characters = max(40, int(width_inches * 72 / (NOTE_SIZE * 0.62)))
        wrapped = wrap_title(note, characters)
        lines = wrapped.count("\n") + 1
        figure.text(0.01, 0.005, wrapped, fontsize=NOTE_SIZE, color=NOTE_COLOUR, va="bottom")
        reserved = min(0.3, lines * NOTE_SIZE * 1.5 / 72 / height_inches)
        figure.set_layout_engine(TightLayoutEngine(rect=(0, reserved, 1, 1)))
    return figure


def panel_title(axis: plt.Axes, text: str) -> None:
    """Name a panel above its plot, starting at the figure's left edge (not the plot's, which
    long tick labels push right), wrapped to the figure's width."""
    width = characters_across(axis.figure.get_size_inches()[0] - 0.3, 12)
    axis.annotate(
        wrap_title(text, width),
        xy=(0.01, 1.03),
        xycoords=("figure fraction", "axes fraction"),
        ha="left",
        va="bottom",
        fontsize=12,
        fontweight="bold",
    )


@contextmanager
def seeded_global_rng(seed: int = 0) -> Iterator[None]:
    """Seed numpy's global generator for the block, then restore it.

    seaborn's ``stripplot`` jitters points with the global generator; seeding it makes those
    figures byte-identical on every run without changing randomness elsewhere.
    """
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def finish(figure: Figure) -> Figure:
    """Give ``figure`` a tight layout, done when it is drawn (by the renderer that draws it,
    measuring once: matplotlib measures twice when given a rectangle to fill;
    spines left out of the measuring: they add nothing to the plot's own box, and measuring
    them re-formats the ticks four times per plot), and close it in pyplot, so a notebook
    displays it once: as the value the plotting function returns, not again when the cell
    ends."""
    figure.set_layout_engine(TightLayoutEngine(rect=None))  # type: ignore[arg-type]
    for axis in figure.axes:  # a spine lies on its plot's edge, which the layout counts anyway
        for spine in axis.spines.values():
            spine.set_in_layout(False)
    plt.close(figure)
    return figure


def timeline_chart(timeline: pd.DataFrame) -> Figure:
    """National aggregate positions by year and stage (draft, final plan, forecast, outturn).

    ``timeline`` has columns financial_year, stage, basis, value_gbp_m and is_lower_bound.
    Aggregate deficits (top) and forecast overspends against plan (bottom, when there are
    any) are different quantities, so each has its own axis. Hollow markers are lower bounds;
    colours are the stages of :data:`STAGE_COLOURS`.
    """
    kinds = [
        kind
        for kind in ["aggregate deficit", "overspend against plan"]
        if (timeline["basis"] == kind).any()
    ]
    figure, axes = plt.subplots(
        len(kinds),
        1,
        figsize=(FIGURE_WIDTH, 3.4 + 2.2 * (len(kinds) - 1)),
        sharex=True,
        height_ratios=[3, 1.6][: len(kinds)],
        squeeze=False,
    )
    years = sorted(timeline["financial_year"].unique())
    stage_colours = colours("stage", STAGE_ORDER)
    width = 0.8 / len(STAGE_ORDER)
    for axis, kind in zip(axes[:, 0], kinds, strict=True):
        for _, row in timeline[timeline["basis"] == kind].iterrows():
            position = (
                years.index(row["financial_year"])
                + (STAGE_ORDER.index(row["stage"]) - (len(STAGE_ORDER) - 1) / 2) * width
            )
            colour = stage_colours[row["stage"]]
            value = row["value_gbp_m"] / 1000
            axis.vlines(position, 0, value, color=colour, linewidth=3, alpha=0.6)
            axis.scatter(
                position,
                value,
                s=60,
                marker="o",
                facecolor="white" if row["is_lower_bound"] else colour,
                edgecolor=colour,
                linewidth=2,
                zorder=3,
            )
        axis.set_ylim(bottom=0)
        axis.set_ylabel(
            "Deficit, £ billion"
            if kind == "aggregate deficit"
            else "Overspend against\nplan, £ billion"
        )
        axis.grid(axis="x", visible=False)  # year groups straddle the tick
    bottom = axes[-1, 0]
    for stage, colour in stage_colours.items():
        bottom.scatter([], [], color=colour, marker="o", label=stage)
    bottom.scatter([], [], facecolor="white", edgecolor="grey", marker="o", label="lower bound")
    bottom.set_xticks(range(len(years)), years)
    bottom.set_xlabel("Financial year")
    legend_below(bottom, ncol=3)
    return finish(figure)


def position_distribution(best: pd.DataFrame, hue: str = "source_kind") -> Figure:
    """Best-available system positions (% of core allocation) per financial year."""
    figure, axis = plt.subplots(figsize=(FIGURE_WIDTH, 4.8))
    order = sorted(best["financial_year"].unique())
    present = list(best[hue].dropna().unique())
    ranks = {value: index for index, value in enumerate(ORDERED_STAGES)}
    meaning = hue.replace("_", " ")
    if all(stage_key(value) in ranks for value in present):  # an ordered scale
        hue_order = sorted(present, key=lambda value: ranks[stage_key(value)])
    else:
        hue_order = sorted(present)
    palette = colours(meaning, hue_order)
    sns.boxplot(
        data=best,
        x="financial_year",
        y="value_pct_allocation",
        order=order,
        color="0.9",
        showfliers=False,
        ax=axis,
    )
    with seeded_global_rng():
        sns.stripplot(
            data=best,
            x="financial_year",
            y="value_pct_allocation",
            order=order,
            hue=hue,
            hue_order=hue_order,
            palette=palette,
            dodge=False,
            jitter=0.2,
            size=6,
            ax=axis,
        )
    axis.axhline(0, color="black", linewidth=0.8)
    axis.set_xlabel("Financial year")
    axis.set_ylabel("Position, % of core allocation\n(surplus +, deficit \u2212)")
    legend_below(axis, ncol=2, title={"stage": "Stage of the figure"}.get(hue, meaning))
    return finish(figure)


def positions_by_group(best: pd.DataFrame, group: str) -> Figure:
    """Best-available positions (% of allocation) by a grouping such as region."""
    figure, axis = plt.subplots(figsize=(FIGURE_WIDTH, 5.0))
    medians = best.groupby(group)["value_pct_allocation"].median().rename("median").reset_index()
    order = sort_by_value(medians, "median", [group])[group].tolist()
    years = sorted(best["financial_year"].unique())
    with seeded_global_rng():
        sns.stripplot(
            data=best,
            y=group,
            x="value_pct_allocation",
            order=order,
            hue="financial_year",
            hue_order=years,
            palette=colours("year", years),
            size=6,
            jitter=0.15,
            ax=axis,
        )
    axis.axvline(0, color="black", linewidth=0.8)
    axis.set_xlabel("Position, % of core allocation\n(surplus +, deficit \u2212)")
    axis.set_ylabel("")
    legend_below(axis, ncol=2, title="Financial year")
    return finish(figure)


def _polygon_patch(geometry: object, **style: object) -> PathPatch:
    """A matplotlib patch for a shapely (Multi)Polygon, holes included."""
    polygons = getattr(geometry, "geoms", [geometry])
    vertices: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for polygon in polygons:
        for ring in [polygon.exterior, *polygon.interiors]:
            coordinates = np.asarray(ring.coords)
            ring_codes = np.full(len(coordinates), MplPath.LINETO)
            ring_codes[0] = MplPath.MOVETO
            vertices.append(coordinates)
            codes.append(ring_codes)
    path = MplPath(np.concatenate(vertices), np.concatenate(codes))
    return PathPatch(path, **style)


#: The colour of the regions' outlines and names on the maps.
REGION_LABEL_COLOUR = "0.2"


def label_regions(axis: plt.Axes, shapes: pd.DataFrame, *, named: bool) -> None:
    """Outline the NHS England regions (the ICBs' ``region_name``) and, when ``named``, name
    each one at its representative point (white halo), or beside it with a line when the
    region is narrower than its name (London)."""
    from shapely.ops import unary_union

    bounds = np.array([geometry.bounds for geometry in shapes["geometry"]])
    map_width = float(bounds[:, 2].max() - bounds[:, 0].min())
    for region, group in shapes.groupby("region_name", sort=True):
        outline = unary_union(list(group["geometry"]))
        axis.add_patch(
            _polygon_patch(outline, facecolor="none", edgecolor=REGION_LABEL_COLOUR, linewidth=1.0)
        )
        if not named:
            continue
        point = outline.representative_point()
        small = (outline.bounds[2] - outline.bounds[0]) < 0.12 * map_width
        axis.annotate(
            wrap_title(str(region), 14),
            (point.x, point.y),
            xytext=(40, -40) if small else (0, 0),
            textcoords="offset points",
            ha="left" if small else "center",
            va="center",
            fontsize=MIN_TEXT_PT,
            color=REGION_LABEL_COLOUR,
            fontweight="bold",
            arrowprops={"arrowstyle": "-", "color": REGION_LABEL_COLOUR} if small else None,
            path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
        )


def choropleth(
    shapes: pd.DataFrame,
    column: str,
    *,
    title: str,
    cmap: str = "RdBu",
    centre: float | None = None,
    missing_label: str = "no figure",
    categorical: bool = False,
    label_lowest: int = 0,
) -> Figure:
    """Map of the ICBs shaded by ``column`` (``shapes`` has a shapely ``geometry`` column).

    Missing values are drawn in light grey and named in the legend by ``missing_label``. With a
    ``region_name`` column the NHS England regions are outlined, and named on a map that names
    no system (:func:`label_regions`). Categories are
    shaded on the count scale (:data:`SCALE_MAPS`). The ``label_lowest`` systems with the
    lowest values are named on the map (by ``icb_name``, else ``icb_code``).
    """
    figure, axis = plt.subplots(figsize=(FIGURE_WIDTH, 6.2))
    values = shapes[column]
    present = values.notna()
    if categorical:
        categories = sorted(values[present].unique())
        palette = colours("count", categories)
        shades = [palette.get(value, MISSING_COLOUR) for value in values]
        for category, colour in palette.items():
            axis.scatter([], [], marker="s", color=colour, label=category)
    else:
        limit = np.nanmax(np.abs(values - (centre or 0))) if present.any() else 1.0
        lower, upper = (
            (centre - limit, centre + limit)
            if centre is not None
            else (np.nanmin(values), np.nanmax(values))
        )
        norm = matplotlib.colors.Normalize(vmin=lower, vmax=upper)
        mapper = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
        shades = [
            mapper.to_rgba(value) if pd.notna(value) else (0.88, 0.88, 0.88, 1.0)
            for value in values
        ]
        figure.colorbar(mapper, ax=axis, shrink=0.8, label=title, location="bottom", pad=0.02)
    for geometry, colour in zip(shapes["geometry"], shades, strict=True):
        axis.add_patch(_polygon_patch(geometry, facecolor=colour, edgecolor="white", linewidth=0.4))
    if "region_name" in shapes:  # named unless systems are named on the map
        label_regions(axis, shapes, named=not label_lowest)
    names = shapes["icb_name"] if "icb_name" in shapes else shapes.get("icb_code")
    if label_lowest and names is not None:
        lowest = values[present].sort_values(kind="stable").index[:label_lowest]
        for index in lowest:
            point = shapes.loc[index, "geometry"].representative_point()
            axis.annotate(
                wrap_title(str(names.loc[index]), 16),
                (point.x, point.y),
                xytext=(0, 0),
                textcoords="offset points",
                ha="center",
                va="center",
                fontsize=MIN_TEXT_PT,
                bbox={
                    "boxstyle": "round,pad=0.2",
                    "facecolor": "white",
                    "alpha": 0.85,
                    "edgecolor": "0.5",
                },
            )
    axis.scatter([], [], marker="s", color=MISSING_COLOUR, label=missing_label)
    axis.legend(frameon=False, fontsize=MIN_TEXT_PT, loc="upper left", bbox_to_anchor=(0.0, 1.0))
    axis.autoscale_view()
    axis.set_aspect("equal")
    axis.set_axis_off()
    return finish(figure)


def slope_chart(frame: pd.DataFrame, value: str, first: str, last: str, *, ylabel: str) -> Figure:
    """Each ICB's ``value`` in ``first`` and ``last`` financial years, joined by a line."""
    wide = frame.pivot(index="icb_code", columns="financial_year", values=value)[[first, last]]
    figure, axis = plt.subplots(figsize=(5, 5))
    for _, row in wide.dropna().iterrows():
        colour = FELL if row[last] < row[first] else ROSE
        axis.plot(
            [0, 1], [row[first], row[last]], color=colour, alpha=0.6, marker="o", markersize=3
        )
    axis.plot([], [], color=FELL, label="fell")
    axis.plot([], [], color=ROSE, label="rose")
    legend_below(axis, ncol=2, title=f"{ylabel.split(' (')[0]}, {first} to {last}")
    axis.set_xticks([0, 1], [first, last])
    axis.set_xlim(-0.2, 1.2)
    axis.axhline(0, color="black", linewidth=0.8)
    axis.set_ylabel(ylabel)
    return finish(figure)


def scatter_with_fit(
    frame: pd.DataFrame, x: str, y: str, *, xlabel: str, ylabel: str, hue: str | None = None
) -> Figure:
    """Scatter of ``y`` on ``x`` with a least-squares line and 95% band."""
    figure, axis = plt.subplots(figsize=(FIGURE_WIDTH, 4.6))
    sns.regplot(data=frame, x=x, y=y, scatter=False, color="0.3", ax=axis, seed=0)
    groups = list(dict.fromkeys(frame[hue].dropna())) if hue else []
    sns.scatterplot(
        data=frame,
        x=x,
        y=y,
        hue=hue,
        ax=axis,
        s=40,
        palette=colours("group", groups) if hue else None,
        color=None if hue else GROUP_COLOURS[0],
    )
    axis.set_xlabel(wrap_title(xlabel, 50))
    axis.set_ylabel(wrap_title(ylabel, 24))
    if hue:
        legend_below(axis, ncol=1, title=hue.replace("_", " ").capitalize())
    return finish(figure)


def coefficient_plot(coefficients: pd.DataFrame, labels: dict[str, str]) -> Figure:
    """Standardised coefficients with 95% intervals, one row per term, one colour per model."""
    shown = coefficients[coefficients["term"].isin(labels)].copy()
    shown["label"] = shown["term"].map(labels)
    models = list(dict.fromkeys(shown["model"]))
    terms = list(labels.values())
    figure, axis = plt.subplots(figsize=(FIGURE_WIDTH, 0.6 * len(terms) + 2.0))
    offsets = np.linspace(-0.25, 0.25, len(models)) if len(models) > 1 else [0.0]
    model_colours = colours("group", models)
    for model, offset in zip(models, offsets, strict=True):
        colour = model_colours[model]
        rows = shown[shown["model"] == model].set_index("label").reindex(terms)
        positions = np.arange(len(terms)) + offset
        axis.errorbar(
            rows["estimate"],
            positions,
            xerr=[rows["estimate"] - rows["conf_low"], rows["conf_high"] - rows["estimate"]],
            fmt="o",
            color=colour,
            label=wrap_title(model, 28),
            capsize=3,
        )
    axis.axvline(0, color="black", linewidth=0.8)
    axis.set_yticks(
        range(len(terms)), [wrap_title(term, COEFFICIENT_LABEL_WIDTH) for term in terms]
    )
    axis.invert_yaxis()
    axis.set_xlabel(
        wrap_title("Change in outcome per 1 SD of the driver (95% interval)", 32)
    )  # two lines, so the label stays within the plot's width and the figure
    legend_below(axis, ncol=1)  # then moved above the plot, right-aligned: inside the figure
    axis.get_legend().set_loc("lower right")
    axis.get_legend().set_bbox_to_anchor((1.0, 1.01), transform=axis.transAxes)
    return finish(figure)


def diagnostics(influence: pd.DataFrame, units: str = "system-years") -> Figure:
    """Residuals against fitted values (top), and Cook's distance per unit (bottom; ``units``
    names them on the axis, e.g. 'trusts'), the three largest labelled."""
    figure, (left, right) = plt.subplots(2, 1, figsize=(FIGURE_WIDTH, 7.6))
    left.scatter(influence["fitted"], influence["residual"], color="0.3", s=18)
    left.axhline(0, color="black", linewidth=0.8)
    left.set_xlabel("Fitted value")
    left.set_ylabel("Residual")
    ordered = sort_by_value(influence, "cooks_distance", ["label"], ascending=False)
    right.bar(range(len(ordered)), ordered["cooks_distance"], color="0.45")
    threshold = 4 / len(ordered)
    right.axhline(threshold, color="black", linestyle="--", linewidth=0.8, label="4 / N")
    for index, (_, row) in enumerate(ordered.head(3).iterrows()):
        right.annotate(
            row["label"],
            (index, row["cooks_distance"]),
            xytext=(4, -2 - 12 * index),
            textcoords="offset points",
            fontsize=MIN_TEXT_PT,
            ha="left",
            va="top",
        )
    right.set_xlabel(f"{units[:1].upper()}{units[1:]}, by Cook's distance")
    right.set_ylabel("Cook's distance")
    right.legend(frameon=False)
    return finish(figure)


def diagnostics_title(influence: pd.DataFrame, units: str = "system-years") -> str:
    """The diagnostics' finding: how many units pass the 4/N rule of thumb, and the largest."""
    threshold = 4 / len(influence)
    above = int((influence["cooks_distance"] > threshold).sum())
    top = sort_by_value(influence, "cooks_distance", ["label"], ascending=False).iloc[0]
    return (
        f"{above} of {len(influence)} {units} exceed Cook's distance 4/N; the largest is "
        f"{top['label']} ({top['cooks_distance']:.2f})"
    )


def permutation_histogram(null: np.ndarray, observed: float, *, xlabel: str) -> Figure:
    """Null distribution of a coefficient under permutation, with the observed value marked."""
    figure, axis = plt.subplots(figsize=(FIGURE_WIDTH, 3.8))
    axis.hist(null, bins=40, color="0.7")
    axis.axvline(observed, color=HIGHLIGHT, linewidth=2, label="observed")
    axis.axvline(-observed, color=HIGHLIGHT, linewidth=1, linestyle="--", label="mirror")
    axis.set_xlabel(wrap_title(xlabel, 50))
    axis.set_ylabel("Permutations")
    legend_below(axis, ncol=2)
    return finish(figure)


def permutation_title(null: np.ndarray, observed: float) -> str:
    """The permutation test's finding: the share of shuffles at least as far from zero."""
    share = float(np.mean(np.abs(np.asarray(null)) >= abs(observed)))
    shown = f"{observed:.2f}".replace("-", "\u2212")
    return (
        f"{share:.1%} of {len(null):,} whole-system shuffles give a coefficient as far from "
        f"zero as the observed {shown}"
    )


def coefficient_title(coefficients: pd.DataFrame, labels: dict[str, str]) -> str:
    """The coefficient plot's finding: how many intervals exclude zero, per model shown."""
    shown = coefficients[coefficients["term"].isin(labels)]
    excluding = (shown["conf_low"] > 0) | (shown["conf_high"] < 0)
    models = list(dict.fromkeys(shown["model"]))
    counts = [int(excluding[shown["model"] == model].sum()) for model in models]
    if not any(counts):
        return f"No 95% interval of the {len(labels)} drivers excludes zero in any model shown"
    best = models[int(np.argmax(counts))]
    return f"{max(counts)} of {len(labels)} drivers have 95% intervals that exclude zero ({best})"


def race_equality_chart(points: pd.DataFrame) -> Figure:
    """National race-equality series: shares (%) above, headcounts below.

    ``points`` is :func:`helpers.panel.leadership.race_equality_series` output (columns series,
    measure ``share``/``headcount``, year, value). Each point is labelled with its value; a
    line joins the points of one series but does not imply the years between were measured.
    """
    panels = [("share", "Ethnic-minority (BME) share, %"), ("headcount", "BME people (headcount)")]
    figure, axes = plt.subplots(2, 1, figsize=(FIGURE_WIDTH, 9), height_ratios=[3, 2])
    series_names = list(dict.fromkeys(points["series"]))
    series_colours = colours("group", series_names)
    years = sorted(points["year"].unique())
    for axis, (measure, ylabel) in zip(axes, panels, strict=True):
        shown = points[points["measure"] == measure]
        for name in dict.fromkeys(shown["series"]):
            rows = shown[shown["series"] == name].sort_values("year")
            axis.plot(
                rows["year"],
                rows["value"],
                marker="o",
                color=series_colours[name],
                label=name,
                lw=2,
            )
            for year, value in zip(rows["year"], rows["value"], strict=True):
                axis.annotate(
                    f"{value:g}",
                    (year, value),
                    textcoords="offset points",
                    xytext=(0, 6),
                    ha="center",
                    fontsize=MIN_TEXT_PT,
                    color=series_colours[name],
                )
        shown_years = sorted(shown["year"].unique()) or years
        axis.set_xticks(shown_years, [str(year) for year in shown_years])
        axis.set_ylim(bottom=0, top=shown["value"].max() * 1.2 if len(shown) else 1)
        axis.set_ylabel(ylabel)
        axis.set_xlabel("Year of WRES data (as reported)")
        legend_below(axis, ncol=1)
    return finish(figure)


def _panel_grid(count: int) -> tuple[int, int]:
    """Rows and columns for ``count`` panels: stacked one per row, so each stays readable when
    the figure is shrunk to a phone's width."""
    return count, 1


def distribution_panels(
    frame: pd.DataFrame, columns: dict[str, str], *, by: str = "financial_year", seed: int = 0
) -> Figure:
    """One panel per column: its distribution across units (box and points) for each ``by``.

    ``columns`` maps column names to axis labels; groups without values are left out of a
    panel (the caller notes the number of units per group under the figure). Points are jittered
    sideways by a generator seeded with ``seed``, so the figure is the same on every run.
    """
    rows, cols = _panel_grid(len(columns))
    figure, axes = plt.subplots(rows, cols, figsize=(FIGURE_WIDTH, 3.6 * rows), squeeze=False)
    for axis, (column, label) in zip(axes.flat, columns.items(), strict=False):
        shown = frame[[by, column]].dropna()
        order = sorted(shown[by].unique())
        with warnings.catch_warnings():  # seaborn passes matplotlib's deprecated ``vert``
            warnings.simplefilter("ignore", matplotlib.MatplotlibDeprecationWarning)
            sns.boxplot(
                data=shown, x=by, y=column, order=order, color="0.9", showfliers=False, ax=axis
            )
        generator = np.random.default_rng(seed)
        positions = shown[by].map({group: index for index, group in enumerate(order)})
        jitter = generator.uniform(-0.2, 0.2, len(shown))
        axis.scatter(positions + jitter, shown[column], s=16, color="0.3", zorder=3)
        axis.set_xlabel("Financial year")
        axis.set_ylabel(wrap_title(label, 26))
        axis.tick_params(axis="x", labelrotation=30)
    return finish(figure)


def scatter_panels_with_fit(
    frame: pd.DataFrame,
    y: str,
    panels: dict[str, str],
    *,
    ylabel: str,
    notes: dict[str, str] | None = None,
) -> Figure:
    """Scatter of ``y`` on each column in ``panels`` with a least-squares line and 95% band.

    ``notes`` (column -> text, e.g. N and correlation) is written above each panel.
    """
    rows, cols = _panel_grid(len(panels))
    figure, axes = plt.subplots(rows, cols, figsize=(FIGURE_WIDTH, 3.8 * rows), squeeze=False)
    for axis, (column, label) in zip(axes.flat, panels.items(), strict=False):
        shown = frame[[column, y]].dropna()
        sns.regplot(data=shown, x=column, y=y, scatter=False, color="0.3", ax=axis, seed=0)
        axis.scatter(shown[column], shown[y], s=30, color="0.3", alpha=0.8)
        axis.axhline(0, color="black", linewidth=0.8)
        axis.set_xlabel(label)
        axis.set_ylabel(wrap_title(ylabel, 26))
        if notes and column in notes:
            axis.set_title(
                wrap_title(notes[column], 60), fontsize=MIN_TEXT_PT, fontweight="normal", loc="left"
            )
    return finish(figure)


def profile_timeline(timeline: pd.DataFrame, years: list[str], title: str) -> Figure:
    """One system's cited positions by year and stage (£m); best-available figures ringed.

    ``timeline`` has columns financial_year, stage, stage_label (the legend's name of the
    stage), value_gbp_m, best_available and x (year index plus a fixed offset per stage, so
    stages sit side by side within a year).
    """
    figure, axis = plt.subplots(figsize=(PROFILE_WIDTH, 3.8))
    axis.axhline(0, color="0.3", linewidth=0.8)
    stages = list(dict.fromkeys(timeline["stage"]))
    colours = dict(zip(stages, sns.color_palette(PALETTE, max(len(stages), 1)), strict=False))
    for stage in stages:
        rows = timeline[timeline["stage"] == stage]
        label = str(rows["stage_label"].iloc[0])
        axis.scatter(
            rows["x"], rows["value_gbp_m"], s=40, color=colours[stage], label=label, zorder=3
        )
    best = timeline[timeline["best_available"]]
    axis.scatter(
        best["x"],
        best["value_gbp_m"],
        s=160,
        facecolors="none",
        edgecolors="black",
        linewidths=1.2,
        label="best available",
        zorder=4,
    )
    axis.set_xticks(range(len(years)), years)
    axis.set_xlim(-0.6, len(years) - 0.4)
    axis.set_ylabel("£m (deficit negative)")
    axis.set_title(wrap_title(title, characters_across(PROFILE_WIDTH - 1.0, 10)), fontsize=10)
    if stages:
        axis.legend(fontsize=8, loc="best", frameon=True)
    return finish(figure)


def profile_distributions(data: pd.DataFrame, title: str) -> Figure:
    """Each measure across the systems on one axis: every system's distance from the median
    of the systems in standard deviations (grey), the profiled system (large, coloured) and
    the median (0), one row per measure. ``data`` has label, standardised and is_system."""
    labels = list(dict.fromkeys(data["label"]))
    figure, axis = plt.subplots(figsize=(PROFILE_WIDTH, 0.45 * len(labels) + 1.2))
    rows = {label: index for index, label in enumerate(labels)}
    y = data["label"].map(rows).astype(float)
    others = ~data["is_system"].astype(bool)
    axis.scatter(data.loc[others, "standardised"], y[others], s=16, color="0.6", alpha=0.7)
    highlight = sns.color_palette(PALETTE)[3]
    axis.scatter(data.loc[~others, "standardised"], y[~others], s=80, color=highlight, zorder=3)
    axis.axvline(0, color="0.2", linewidth=1)
    label_width = characters_across(PROFILE_LABEL_INCHES, 8, bold=False)
    axis.set_yticks(
        range(len(labels)), [wrap_title(label, label_width) for label in labels], fontsize=8
    )
    axis.set_ylim(len(labels) - 0.5, -0.5)
    axes_inches = PROFILE_WIDTH - PROFILE_LABEL_INCHES - 0.3
    label_size = FontProperties(size=plt.rcParams["axes.labelsize"]).get_size_in_points()
    axis.set_xlabel(
        wrap_title(
            "Standard deviations from the median of the systems (0 = median)",
            characters_across(axes_inches, label_size, bold=False),
        )
    )
    axis.set_title(wrap_title(title, characters_across(axes_inches, 10)), fontsize=10)
    return finish(figure)


def specification_estimates(
    curve: pd.DataFrame, term_labels: dict[str, str], outcome_labels: dict[str, str]
) -> Figure:
    """Each driver's estimate under every specification, one panel per outcome, stacked
    (dots filled in the significance colour where the unadjusted p is below 0.05)."""
    outcomes = list(dict.fromkeys(curve["outcome"]))
    terms = list(term_labels)
    significance = list(SIGNIFICANCE_COLOURS)
    figure, axes = plt.subplots(
        len(outcomes),
        1,
        figsize=(FIGURE_WIDTH, len(outcomes) * (0.42 * len(terms) + 1.4) + 0.8),
        sharex=True,
        squeeze=False,
    )
    for axis, outcome in zip(axes[:, 0], outcomes, strict=True):
        rows = curve[curve["outcome"] == outcome]
        positions = rows["term"].map({term: index for index, term in enumerate(terms)})
        significant = rows["p_value"] < 0.05
        axis.scatter(
            rows["estimate"][~significant],
            positions[~significant],
            facecolors="none",
            edgecolors=SIGNIFICANCE_COLOURS[significance[1]],
            s=22,
            label=significance[1],
        )
        axis.scatter(
            rows["estimate"][significant],
            positions[significant],
            color=SIGNIFICANCE_COLOURS[significance[0]],
            s=22,
            label=significance[0],
        )
        axis.axvline(0, color="black", linewidth=0.8)
        panel_title(axis, outcome_labels.get(outcome, outcome))
        axis.set_yticks(
            range(len(terms)), [wrap_title(term_labels[t], COEFFICIENT_LABEL_WIDTH) for t in terms]
        )
        axis.set_ylim(len(terms) - 0.5, -0.5)
    axes[-1, 0].set_xlabel("Percentage points per SD of the driver")
    legend_below(axes[-1, 0], ncol=2)
    legend = axes[-1, 0].get_legend()  # from the figure's left edge, under the axis label
    legend.set_loc("upper left")
    legend.set_bbox_to_anchor(
        (0.01, 0.0),
        transform=blended_transform_factory(
            figure.transFigure,
            axes[-1, 0].transAxes + ScaledTranslation(0, -0.75, figure.dpi_scale_trans),
        ),
    )
    return finish(figure)


def specification_estimates_title(curve: pd.DataFrame, term_labels: dict[str, str]) -> str:
    """The trust specification chart's finding: how many driver-outcome pairs keep one sign in
    every specification."""
    shown = curve[curve["term"].isin(term_labels)]
    signs = shown.groupby(["outcome", "term"])["estimate"].agg(
        lambda values: (values > 0).all() or (values < 0).all()
    )
    return (
        f"{int(signs.sum())} of {len(signs)} driver-outcome pairs keep one sign in every "
        "specification"
    )


def specification_curve_plot(
    curve: pd.DataFrame,
    dimensions: list[str],
    labels: dict[str, str],
    *,
    title: str,
    ylabel: str,
) -> Figure:
    """Specification curve: per driver (stacked), the estimates sorted with 95% intervals
    (nominally significant in the significance colour); beneath, for each choice, each
    driver's median estimate over the specifications that make it (one colour per driver),
    so the choices that move an estimate stand out.

    Estimates are divided by the outcome's SD in each specification's sample, so that
    specifications with different denominators (units) share one axis.
    """
    drivers = [driver for driver in labels if driver in set(curve["driver"])]
    options = [
        (dimension, option) for dimension in dimensions for option in curve[dimension].unique()
    ]
    scaled = curve[curve["driver"].isin(drivers)].copy()
    for column in ["estimate", "conf_low", "conf_high"]:
        scaled[column] = scaled[column] / scaled["outcome_sd"]
    row_inches = 0.32
    figure, axes = plt.subplots(
        len(drivers) + 1,
        1,
        figsize=(FIGURE_WIDTH, 1.9 * len(drivers) + row_inches * len(options) + 2.6),
        height_ratios=[1.9] * len(drivers) + [row_inches * len(options)],
        squeeze=False,
    )
    significant_colour, other_colour = SIGNIFICANCE_COLOURS.values()
    for index, driver in enumerate(drivers):
        rows = scaled[scaled["driver"] == driver].sort_values("estimate", ignore_index=True)
        significant = rows["p_value"] < 0.05
        axis = axes[index, 0]
        axis.vlines(rows.index, rows["conf_low"], rows["conf_high"], color="0.88", linewidth=0.5)
        axis.scatter(
            rows.index,
            rows["estimate"],
            s=10,
            zorder=3,
            color=np.where(significant, significant_colour, other_colour),
        )
        axis.axhline(0, color="black", linewidth=0.8)
        panel_title(axis, labels[driver])
        axis.set_ylabel(wrap_title(ylabel, 14))
        axis.set_xticks([])
        axis.set_xlim(-1, len(rows))
    axes[len(drivers) - 1, 0].set_xlabel("Specifications, sorted by estimate")
    axes[0, 0].scatter([], [], color=significant_colour, s=14, label="p < 0.05 (unadjusted)")
    axes[0, 0].scatter([], [], color=other_colour, s=14, label="p ≥ 0.05")
    axes[0, 0].legend(frameon=False, loc="upper left", fontsize=MIN_TEXT_PT)
    choices = axes[-1, 0]
    driver_colours = colours("group", drivers)
    offsets = np.linspace(-0.25, 0.25, len(drivers)) if len(drivers) > 1 else [0.0]
    for driver, offset in zip(drivers, offsets, strict=True):
        rows = scaled[scaled["driver"] == driver]
        medians = [
            rows.loc[rows[dimension] == option, "estimate"].median()
            for dimension, option in options
        ]
        choices.scatter(
            medians,
            np.arange(len(options)) + offset,
            s=22,
            color=driver_colours[driver],
            label=labels[driver],
        )
    choices.axvline(0, color="black", linewidth=0.8)
    choices.set_yticks(range(len(options)), [wrap_title(str(option), 32) for _, option in options])
    choices.set_ylim(len(options) - 0.5, -0.5)
    choices.set_xlabel(
        wrap_title(f"Median over the specifications making the choice ({ylabel})", 30)
    )
    panel_title(choices, "Median estimate by choice made")
    legend_below(choices, ncol=1)
    legend = choices.get_legend()
    legend.set_loc("upper left")
    legend.set_bbox_to_anchor(
        (0.01, 0.0),
        transform=blended_transform_factory(
            figure.transFigure,
            choices.transAxes + ScaledTranslation(0, -0.8, figure.dpi_scale_trans),
        ),
    )
    figure.suptitle(  # an empty last line keeps the first panel's name clear of the title
        wrap_title(title, characters_across(FIGURE_WIDTH - 0.3, 13)) + "\n",
        fontsize=13,
        fontweight="bold",
        x=0.01,
        ha="left",
    )
    return finish(figure)


#: Colours of the forest plot: a test that survives the correction for multiple testing, and
#: one that does not.
FOREST_FOUND, FOREST_NOT_FOUND = "black", "0.55"
#: Height of one test's row and of one outcome's panel header in the forest plot (inches).
FOREST_ROW_INCHES = 0.19
FOREST_HEADER_INCHES = 0.42


def forest_plot(tests: pd.DataFrame, *, title: str, alpha: float = 0.05) -> Figure:
    """Every reported driver test: estimate and 95% interval, one panel per outcome (stacked,
    one shared axis in percentage points of the outcome), the corrected p at the right; a
    filled marker where the corrected p is below ``alpha``.

    ``tests`` has the columns of ``helpers.report.key_points.reported_tests``: outcome_label,
    driver_label, estimate, conf_low, conf_high, p_adjusted, unit.
    """
    outcomes = list(dict.fromkeys(tests["outcome_label"]))
    counts = [int((tests["outcome_label"] == outcome).sum()) for outcome in outcomes]
    height = FOREST_ROW_INCHES * sum(counts) + FOREST_HEADER_INCHES * len(outcomes) + 1.6
    figure, axes = plt.subplots(
        len(outcomes),
        1,
        figsize=(FIGURE_WIDTH, height),
        sharex=True,
        gridspec_kw={"height_ratios": [count + 1.2 for count in counts]},
        squeeze=False,
    )
    for axis, outcome in zip(axes[:, 0], outcomes, strict=True):
        rows = tests[tests["outcome_label"] == outcome].reset_index(drop=True)
        found = (rows["p_adjusted"] < alpha).to_numpy()
        positions = np.arange(len(rows))
        colours = np.where(found, FOREST_FOUND, FOREST_NOT_FOUND)
        axis.hlines(positions, rows["conf_low"], rows["conf_high"], colors=colours, linewidth=1.6)
        axis.scatter(rows["estimate"][found], positions[found], color=FOREST_FOUND, s=36, zorder=3)
        axis.scatter(
            rows["estimate"][~found],
            positions[~found],
            facecolors="white",
            edgecolors=FOREST_NOT_FOUND,
            s=36,
            zorder=3,
        )
        axis.axvline(0, color="black", linewidth=0.8)
        labels = [
            f"{label} ‡" if unit.startswith("pp (") else label
            for label, unit in zip(rows["driver_label"], rows["unit"], strict=True)
        ]
        axis.set_yticks(positions, labels, fontsize=12)
        axis.set_ylim(len(rows) - 0.5, -0.7)
        panel_title(axis, outcome)
        p_texts = [format_p(p_value) for p_value in rows["p_adjusted"]]
        # The corrected p-values as the right-hand axis's labels, so the layout makes room.
        p_axis = axis.secondary_yaxis("right")
        p_axis.set_yticks(positions, p_texts, fontsize=11.5)
        p_axis.tick_params(axis="y", length=0)
        p_axis.spines["right"].set_visible(False)
        for label, p_value in zip(p_axis.get_yticklabels(), rows["p_adjusted"], strict=True):
            label.set_color(FOREST_FOUND if p_value < alpha else NOTE_COLOUR)
        axis.grid(axis="y", visible=False)
    axes[-1, 0].set_xlabel(
        "Difference in the outcome, percentage points, per standard deviation of the driver "
        "(‡ loan against no loan); line: 95% interval",
        fontsize=11.5,
        wrap=True,
    )
    axes[-1, 0].xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=6, integer=True))
    figure.suptitle(wrap_title(title, 52), x=0.01, ha="left", fontsize=13.5, fontweight="bold")
    return finish(figure)
