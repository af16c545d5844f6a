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
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import TightLayoutEngine
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from helpers.precision import sort_by_value
from helpers.report import figure_images

STAGE_ORDER: list[str] = ["draft plans", "final plans", "forecast", "outturn"]
#: Categorical palette (Okabe-Ito, colour-blind safe) for unordered groups.
PALETTE = "colorblind"
#: Sequential palette (perceptually ordered, colour-blind safe) for ordered groups: years,
#: stages of a year, counts.
ORDERED_PALETTE = "plasma"
FONT_FAMILY = "DejaVu Sans"  # the report's body font is the same family (report/assets/report.css)
TITLE_WIDTH = 54  # characters per line of a chart title before it wraps
NOTE_COLOUR = "0.35"
NOTE_SIZE = 9.5
MISSING_COLOUR = (0.88, 0.88, 0.88)
#: Okabe-Ito vermillion and blue, for "fell"/"rose" pairs.
FELL, ROSE = "#D55E00", "#0072B2"
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
    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE, font_scale=1.15)
    plt.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [FONT_FAMILY],
            "figure.figsize": (7, 4.4),
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
    """The axis's legend outside the data, centred below the plot."""
    handles, labels = axis.get_legend_handles_labels()
    if not handles:
        return
    axis.legend(
        handles,
        labels,
        title=title,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        ncol=min(ncol, len(handles)),
        frameon=False,
        fontsize=10,
        title_fontsize=10,
        **options,
    )


def titled(figure: Figure, title: str | None = None, note: str | None = None) -> Figure:
    """Give a figure a finding as its title (on the first axis, wrapped to the figure's width
    less an inch for the axis labels) and a small note (N, coverage) under the plot, wrapped
    to the figure's width; returns the figure, its layout (done when
    it is drawn) leaving room for the note."""
    axis = figure.axes[0]
    width_inches, height_inches = figure.get_size_inches()
    if title:
        width = min(TITLE_WIDTH, characters_across(width_inches - 1.0, 13))
        axis.set_title(
            wrap_title(title, width), loc="left", fontsize=13, fontweight="bold", wrap=True
        )  # wrapped again when drawn if the plot starts far enough right for it to run off
    if note:
        characters = max(40, int(width_inches * 72 / (NOTE_SIZE * 0.62)))
        wrapped = wrap_title(note, characters)
        lines = wrapped.count("\n") + 1
        figure.text(0.01, 0.005, wrapped, fontsize=NOTE_SIZE, color=NOTE_COLOUR, va="bottom")
        reserved = min(0.3, lines * NOTE_SIZE * 1.5 / 72 / height_inches)
        figure.set_layout_engine(TightLayoutEngine(rect=(0, reserved, 1, 1)))
    return figure


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
    Hollow markers are lower bounds; marker shape distinguishes aggregate deficits from
    overspends against plan, which are not the same quantity.
    """
    figure, axis = plt.subplots(figsize=(7.5, 5.2))
    years = sorted(timeline["financial_year"].unique())
    colours = dict(zip(STAGE_ORDER, ordered_colours(len(STAGE_ORDER)), strict=True))
    markers = {"aggregate deficit": "o", "overspend against plan": "s"}
    width = 0.8 / len(STAGE_ORDER)
    for _, row in timeline.iterrows():
        position = (
            years.index(row["financial_year"])
            + (STAGE_ORDER.index(row["stage"]) - (len(STAGE_ORDER) - 1) / 2) * width
        )
        colour = colours[row["stage"]]
        axis.vlines(position, 0, row["value_gbp_m"] / 1000, color=colour, linewidth=3, alpha=0.6)
        axis.scatter(
            position,
            row["value_gbp_m"] / 1000,
            s=60,
            marker=markers[row["basis"]],
            facecolor="white" if row["is_lower_bound"] else colour,
            edgecolor=colour,
            linewidth=2,
            zorder=3,
        )
    for stage, colour in colours.items():
        axis.scatter([], [], color=colour, marker="o", label=stage)
    axis.scatter([], [], color="grey", marker="s", label="overspend against plan (not deficit)")
    axis.scatter([], [], facecolor="white", edgecolor="grey", marker="o", label="lower bound")
    axis.set_xticks(range(len(years)), years)
    axis.set_ylabel("£ billion (deficit or overspend)")
    axis.set_xlabel("Financial year")
    legend_below(axis, ncol=3)
    axis.set_ylim(bottom=0)
    return finish(figure)


def position_distribution(best: pd.DataFrame, hue: str = "source_kind") -> Figure:
    """Best-available system positions (% of core allocation) per financial year."""
    figure, axis = plt.subplots(figsize=(7, 5))
    order = sorted(best["financial_year"].unique())
    present = list(best[hue].dropna().unique())
    ranks = {value: index for index, value in enumerate(ORDERED_STAGES)}
    if all(value in ranks for value in present):  # an ordered scale: ordered colours
        hue_order = sorted(present, key=ranks.__getitem__)
        palette = dict(zip(hue_order, ordered_colours(len(hue_order)), strict=True))
    else:
        hue_order = sorted(present)
        palette = dict(zip(hue_order, sns.color_palette(PALETTE, len(hue_order)), strict=True))
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
    legend_below(axis, ncol=4, title=hue.replace("_", " "))
    return finish(figure)


def positions_by_group(best: pd.DataFrame, group: str) -> Figure:
    """Best-available positions (% of allocation) by a grouping such as region."""
    figure, axis = plt.subplots(figsize=(7, 5.2))
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
            palette=dict(zip(years, ordered_colours(len(years)), strict=True)),
            size=6,
            jitter=0.15,
            ax=axis,
        )
    axis.axvline(0, color="black", linewidth=0.8)
    axis.set_xlabel("Position, % of core allocation (surplus +, deficit \u2212)")
    axis.set_ylabel("")
    legend_below(axis, ncol=4, title="Financial year")
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


def choropleth(
    shapes: pd.DataFrame,
    column: str,
    *,
    title: str,
    cmap: str = "RdBu",
    centre: float | None = None,
    missing_label: str = "no figure",
    categorical: bool = False,
) -> Figure:
    """Map of the ICBs shaded by ``column`` (``shapes`` has a shapely ``geometry`` column).

    Missing values are drawn in light grey and named in the legend by ``missing_label``.
    """
    figure, axis = plt.subplots(figsize=(6.5, 6.5))
    values = shapes[column]
    present = values.notna()
    if categorical:
        categories = sorted(values[present].unique())
        palette = dict(zip(categories, ordered_colours(len(categories))[::-1], strict=True))
        colours = [palette.get(value, MISSING_COLOUR) for value in values]
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
        colours = [
            mapper.to_rgba(value) if pd.notna(value) else (0.88, 0.88, 0.88, 1.0)
            for value in values
        ]
        figure.colorbar(mapper, ax=axis, shrink=0.6, label=title, location="bottom", pad=0.02)
    for geometry, colour in zip(shapes["geometry"], colours, strict=True):
        axis.add_patch(_polygon_patch(geometry, facecolor=colour, edgecolor="white", linewidth=0.4))
    axis.scatter([], [], marker="s", color=MISSING_COLOUR, label=missing_label)
    axis.legend(frameon=False, fontsize=10, loc="upper left", bbox_to_anchor=(1.0, 1.0))
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
    axis.set_xticks([0, 1], [first, last])
    axis.set_xlim(-0.2, 1.2)
    axis.axhline(0, color="black", linewidth=0.8)
    axis.set_ylabel(ylabel)
    return finish(figure)


def scatter_with_fit(
    frame: pd.DataFrame, x: str, y: str, *, xlabel: str, ylabel: str, hue: str | None = None
) -> Figure:
    """Scatter of ``y`` on ``x`` with a least-squares line and 95% band."""
    figure, axis = plt.subplots(figsize=(6, 4.5))
    sns.regplot(data=frame, x=x, y=y, scatter=False, color="0.3", ax=axis, seed=0)
    sns.scatterplot(data=frame, x=x, y=y, hue=hue, ax=axis, s=40)
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    if hue:
        legend_below(axis, title=hue.replace("_", " "))
    return finish(figure)


def coefficient_plot(coefficients: pd.DataFrame, labels: dict[str, str]) -> Figure:
    """Standardised coefficients with 95% intervals, one row per term, one colour per model."""
    shown = coefficients[coefficients["term"].isin(labels)].copy()
    shown["label"] = shown["term"].map(labels)
    models = list(dict.fromkeys(shown["model"]))
    terms = list(labels.values())
    figure, axis = plt.subplots(figsize=(8, 0.6 * len(terms) + 1.5))
    offsets = np.linspace(-0.25, 0.25, len(models)) if len(models) > 1 else [0.0]
    colours = sns.color_palette(PALETTE, len(models))
    for model, offset, colour in zip(models, offsets, colours, strict=True):
        rows = shown[shown["model"] == model].set_index("label").reindex(terms)
        positions = np.arange(len(terms)) + offset
        axis.errorbar(
            rows["estimate"],
            positions,
            xerr=[rows["estimate"] - rows["conf_low"], rows["conf_high"] - rows["estimate"]],
            fmt="o",
            color=colour,
            label=model,
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
    axis.legend(frameon=False, fontsize=9, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=1)
    return finish(figure)


def diagnostics(influence: pd.DataFrame) -> Figure:
    """Residuals against fitted values, and Cook's distance per system (largest labelled)."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.scatter(influence["fitted"], influence["residual"], color="tab:blue")
    left.axhline(0, color="black", linewidth=0.8)
    left.set_xlabel("Fitted value")
    left.set_ylabel("Residual")
    left.set_title("Residuals vs fitted")
    ordered = sort_by_value(influence, "cooks_distance", ["label"], ascending=False)
    right.bar(range(len(ordered)), ordered["cooks_distance"], color="tab:orange")
    threshold = 4 / len(ordered)
    right.axhline(threshold, color="black", linestyle="--", linewidth=0.8, label="4 / N")
    for index, (_, row) in enumerate(ordered.head(3).iterrows()):
        right.annotate(row["label"], (index, row["cooks_distance"]), fontsize=8, ha="left")
    right.set_xlabel("Systems, by Cook's distance")
    right.set_ylabel("Cook's distance")
    right.set_title("Influence")
    right.legend(frameon=False)
    return finish(figure)


def permutation_histogram(null: np.ndarray, observed: float, *, xlabel: str) -> Figure:
    """Null distribution of a coefficient under permutation, with the observed value marked."""
    figure, axis = plt.subplots(figsize=(6, 3.5))
    axis.hist(null, bins=40, color="0.7")
    axis.axvline(observed, color="tab:red", linewidth=2, label="observed")
    axis.axvline(-observed, color="tab:red", linewidth=1, linestyle="--", label="mirror")
    axis.set_xlabel(xlabel)
    axis.set_ylabel("Permutations")
    legend_below(axis, ncol=2)
    return finish(figure)


def race_equality_chart(points: pd.DataFrame) -> Figure:
    """National race-equality series: shares (%) above, headcounts below.

    ``points`` is :func:`helpers.panel.leadership.race_equality_series` output (columns series,
    measure ``share``/``headcount``, year, value). Each point is labelled with its value; a
    line joins the points of one series but does not imply the years between were measured.
    """
    panels = [("share", "Ethnic-minority (BME) share, %"), ("headcount", "BME people (headcount)")]
    figure, axes = plt.subplots(2, 1, figsize=(7, 9), height_ratios=[3, 2])
    series_names = list(dict.fromkeys(points["series"]))
    colours = dict(zip(series_names, sns.color_palette(PALETTE, len(series_names)), strict=True))
    years = sorted(points["year"].unique())
    for axis, (measure, ylabel) in zip(axes, panels, strict=True):
        shown = points[points["measure"] == measure]
        for name in dict.fromkeys(shown["series"]):
            rows = shown[shown["series"] == name].sort_values("year")
            axis.plot(
                rows["year"], rows["value"], marker="o", color=colours[name], label=name, lw=2
            )
            for year, value in zip(rows["year"], rows["value"], strict=True):
                axis.annotate(
                    f"{value:g}",
                    (year, value),
                    textcoords="offset points",
                    xytext=(0, 6),
                    ha="center",
                    fontsize=8,
                    color=colours[name],
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
    figure, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 3.6 * rows), squeeze=False)
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
        axis.scatter(positions + jitter, shown[column], s=16, color="tab:blue", zorder=3)
        axis.set_xlabel("Financial year")
        axis.set_ylabel(label)
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
    figure, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 3.6 * rows), squeeze=False)
    for axis, (column, label) in zip(axes.flat, panels.items(), strict=False):
        shown = frame[[column, y]].dropna()
        sns.regplot(data=shown, x=column, y=y, scatter=False, color="0.3", ax=axis, seed=0)
        axis.scatter(shown[column], shown[y], s=30, color="tab:blue", alpha=0.8)
        axis.axhline(0, color="black", linewidth=0.8)
        axis.set_xlabel(label)
        axis.set_ylabel(ylabel)
        if notes and column in notes:
            axis.set_title(notes[column], fontsize=8, fontweight="normal", loc="left")
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
    """Each driver's estimate under every specification, one panel per outcome (dots filled
    where the unadjusted p is below 0.05)."""
    outcomes = list(dict.fromkeys(curve["outcome"]))
    terms = list(term_labels)
    figure, axes = plt.subplots(
        1, len(outcomes), figsize=(4 * len(outcomes), 0.45 * len(terms) + 1.8), sharey=True
    )
    for axis, outcome in zip(np.atleast_1d(axes), outcomes, strict=True):
        rows = curve[curve["outcome"] == outcome]
        positions = rows["term"].map({term: index for index, term in enumerate(terms)})
        significant = rows["p_value"] < 0.05
        axis.scatter(
            rows["estimate"][~significant],
            positions[~significant],
            facecolors="none",
            edgecolors="tab:blue",
            s=18,
            label="p ≥ 0.05",
        )
        axis.scatter(
            rows["estimate"][significant],
            positions[significant],
            color="tab:red",
            s=18,
            label="p < 0.05 (unadjusted)",
        )
        axis.axvline(0, color="black", linewidth=0.8)
        axis.set_title(
            wrap_title(outcome_labels.get(outcome, outcome), PANEL_TITLE_WIDTH), fontsize=9
        )
        axis.set_xlabel("pp per SD")
    first = np.atleast_1d(axes)[0]
    first.set_yticks(range(len(terms)), [term_labels[t] for t in terms])
    first.invert_yaxis()
    first.legend(frameon=False, fontsize=7, loc="lower left")
    return finish(figure)


def specification_curve_plot(
    curve: pd.DataFrame,
    dimensions: list[str],
    labels: dict[str, str],
    *,
    title: str,
    ylabel: str,
) -> Figure:
    """Specification curve: per driver (columns), the estimates sorted with 95% intervals
    (top, nominally significant in colour) and, beneath, a marker for each choice made.

    Estimates are divided by the outcome's SD in each specification's sample, so that
    specifications with different denominators (units) share one axis.
    """
    drivers = [driver for driver in labels if driver in set(curve["driver"])]
    options = [
        (dimension, option) for dimension in dimensions for option in curve[dimension].unique()
    ]
    figure, axes = plt.subplots(
        2,
        len(drivers),
        figsize=(CURVE_PANEL_INCHES * len(drivers) + 2.5, 3 + 0.22 * len(options)),
        gridspec_kw={"height_ratios": [3, 0.3 * len(options)]},
        sharex="col",
        squeeze=False,
    )
    for column, driver in enumerate(drivers):
        rows = curve[curve["driver"] == driver].copy()
        for scaled in ["estimate", "conf_low", "conf_high"]:
            rows[scaled] = rows[scaled] / rows["outcome_sd"]
        rows = rows.sort_values("estimate", ignore_index=True)
        significant = rows["p_value"] < 0.05
        top, bottom = axes[0, column], axes[1, column]
        top.vlines(rows.index, rows["conf_low"], rows["conf_high"], color="0.8", linewidth=0.6)
        top.scatter(
            rows.index, rows["estimate"], s=4, color=np.where(significant, "tab:red", "0.3")
        )
        top.axhline(0, color="black", linewidth=0.8)
        top.set_title(
            wrap_title(labels[driver], characters_across(CURVE_PANEL_INCHES, 9)), fontsize=9
        )
        top.set_ylabel(ylabel if column == 0 else "", fontsize=8)
        for position, (dimension, option) in enumerate(options):
            chosen = np.flatnonzero(rows[dimension].to_numpy() == option)
            bottom.scatter(chosen, np.full(len(chosen), position), s=2, marker="|", color="0.2")
        bottom.set_yticks(range(len(options)))
        bottom.set_yticklabels(
            [f"{d.replace('_', ' ')}: {o}" for d, o in options] if column == 0 else [],
            fontsize=7,
        )
        bottom.set_ylim(len(options) - 0.5, -0.5)
        bottom.set_xlabel("Specifications, by estimate", fontsize=8)
        bottom.grid(False)
    figure.suptitle(title, fontsize=11, fontweight="bold")
    return finish(figure)


#: Colours of the forest plot: a test that survives the correction for multiple testing, and
#: one that does not.
FOREST_FOUND, FOREST_NOT_FOUND = "black", "0.55"
#: Height of one test's row and of one outcome's panel header in the forest plot (inches).
FOREST_ROW_INCHES = 0.3
FOREST_HEADER_INCHES = 0.55


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
        figsize=(6.6, height),
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
        axis.set_title(outcome, loc="left", fontsize=12, fontweight="bold")
        for position, p_value in zip(positions, rows["p_adjusted"], strict=True):
            text = (
                "p < 0.001"
                if p_value < 0.001
                else f"p = {p_value:.3f}"
                if p_value < 0.01
                else f"p = {p_value:.2f}"
            )
            axis.annotate(
                text,
                (1.01, position),
                xycoords=("axes fraction", "data"),
                va="center",
                fontsize=11.5,
                color=FOREST_FOUND if p_value < alpha else NOTE_COLOUR,
            )
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
