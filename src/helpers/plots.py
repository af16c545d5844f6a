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
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

STAGE_ORDER: list[str] = ["draft plans", "final plans", "forecast", "outturn"]
PALETTE = "colorblind"


def set_house_style() -> None:
    """Seaborn theme, fonts and figure size used by every figure in the report.

    Every plotting function ends with :func:`finish`, so a notebook shows each figure once.
    Inside a Jupyter kernel the inline backend is selected whatever ``MPLBACKEND`` says, so
    every figure is stored in the notebook as a PNG output.
    """
    if "ipykernel" in sys.modules:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            shell.run_line_magic("matplotlib", "inline")
    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
    plt.rcParams.update(
        {
            "figure.figsize": (8, 4.5),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.titleweight": "bold",
            "axes.titlesize": 12,
            "svg.hashsalt": "ics-deficits",
        }
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
    """Lay out ``figure`` and close it in pyplot, so a notebook displays it once: as the value
    the plotting function returns, not again when the cell ends."""
    figure.tight_layout()
    plt.close(figure)
    return figure


def timeline_chart(timeline: pd.DataFrame) -> Figure:
    """National aggregate positions by year and stage (draft, final plan, forecast, outturn).

    ``timeline`` has columns financial_year, stage, basis, value_gbp_m and is_lower_bound.
    Hollow markers are lower bounds; marker shape distinguishes aggregate deficits from
    overspends against plan, which are not the same quantity.
    """
    figure, axis = plt.subplots(figsize=(9, 4.8))
    years = sorted(timeline["financial_year"].unique())
    colours = dict(zip(STAGE_ORDER, sns.color_palette(PALETTE, len(STAGE_ORDER)), strict=True))
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
    axis.legend(frameon=False, fontsize=8, ncol=2, loc="upper left")
    axis.set_ylim(bottom=0)
    return finish(figure)


def position_distribution(best: pd.DataFrame, hue: str = "source_kind") -> Figure:
    """Best-available system positions (% of core allocation) per financial year."""
    figure, axis = plt.subplots()
    order = sorted(best["financial_year"].unique())
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
            hue_order=sorted(best[hue].unique()),
            dodge=False,
            jitter=0.2,
            size=6,
            ax=axis,
        )
    axis.axhline(0, color="black", linewidth=0.8)
    axis.set_xlabel("Financial year")
    axis.set_ylabel("Position, % of core allocation\n(surplus +, deficit -)")
    axis.legend(title=hue.replace("_", " "), frameon=False, fontsize=8)
    return finish(figure)


def positions_by_group(best: pd.DataFrame, group: str) -> Figure:
    """Best-available positions (% of allocation) by a grouping such as region."""
    figure, axis = plt.subplots(figsize=(8, 4.8))
    order = best.groupby(group)["value_pct_allocation"].median().sort_values().index.tolist()
    with seeded_global_rng():
        sns.stripplot(
            data=best,
            y=group,
            x="value_pct_allocation",
            order=order,
            hue="financial_year",
            hue_order=sorted(best["financial_year"].unique()),
            size=6,
            jitter=0.15,
            ax=axis,
        )
    axis.axvline(0, color="black", linewidth=0.8)
    axis.set_xlabel("Position, % of core allocation (surplus +, deficit -)")
    axis.set_ylabel("")
    axis.legend(title="financial year", frameon=False, fontsize=8)
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
    figure, axis = plt.subplots(figsize=(6, 7))
    values = shapes[column]
    present = values.notna()
    if categorical:
        categories = sorted(values[present].unique())
        palette = dict(zip(categories, sns.color_palette(PALETTE, len(categories)), strict=True))
        colours = [palette.get(value, (0.88, 0.88, 0.88)) for value in values]
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
        figure.colorbar(mapper, ax=axis, shrink=0.6, label=title)
    for geometry, colour in zip(shapes["geometry"], colours, strict=True):
        axis.add_patch(_polygon_patch(geometry, facecolor=colour, edgecolor="white", linewidth=0.4))
    axis.scatter([], [], marker="s", color=(0.88, 0.88, 0.88), label=missing_label)
    axis.legend(frameon=False, fontsize=8, loc="upper left")
    axis.autoscale_view()
    axis.set_aspect("equal")
    axis.set_axis_off()
    return finish(figure)


def slope_chart(frame: pd.DataFrame, value: str, first: str, last: str, *, ylabel: str) -> Figure:
    """Each ICB's ``value`` in ``first`` and ``last`` financial years, joined by a line."""
    wide = frame.pivot(index="icb_code", columns="financial_year", values=value)[[first, last]]
    figure, axis = plt.subplots(figsize=(5, 5))
    for _, row in wide.dropna().iterrows():
        colour = "tab:red" if row[last] < row[first] else "tab:blue"
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
        axis.legend(frameon=False, fontsize=8, title=hue.replace("_", " "))
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
    axis.set_yticks(range(len(terms)), terms)
    axis.invert_yaxis()
    axis.set_xlabel("Change in outcome per 1 SD of the driver (95% interval)")
    axis.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.4, -0.18), ncol=2)
    return finish(figure)


def diagnostics(influence: pd.DataFrame) -> Figure:
    """Residuals against fitted values, and Cook's distance per system (largest labelled)."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.scatter(influence["fitted"], influence["residual"], color="tab:blue")
    left.axhline(0, color="black", linewidth=0.8)
    left.set_xlabel("Fitted value")
    left.set_ylabel("Residual")
    left.set_title("Residuals vs fitted")
    ordered = influence.sort_values("cooks_distance", ascending=False)
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
    axis.legend(frameon=False)
    return finish(figure)


def race_equality_chart(points: pd.DataFrame) -> Figure:
    """National race-equality series: shares (%) on the left, headcounts on the right.

    ``points`` is :func:`helpers.leadership.race_equality_series` output (columns series,
    measure ``share``/``headcount``, year, value). Each point is labelled with its value; a
    line joins the points of one series but does not imply the years between were measured.
    """
    panels = [("share", "Ethnic-minority (BME) share, %"), ("headcount", "BME people (headcount)")]
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.6), width_ratios=[3, 2])
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
        axis.set_xticks(years, [str(year) for year in years])
        axis.set_ylim(bottom=0, top=shown["value"].max() * 1.2 if len(shown) else 1)
        axis.set_ylabel(ylabel)
        axis.set_xlabel("Year of WRES data (as reported)")
        axis.legend(frameon=False, fontsize=8, loc="upper left")
    return finish(figure)


def distribution_panels(
    frame: pd.DataFrame, columns: dict[str, str], *, by: str = "financial_year", seed: int = 0
) -> Figure:
    """One panel per column: its distribution across units (box and points) for each ``by``.

    ``columns`` maps column names to axis labels; groups without values are left out of a
    panel, and each panel's title gives the number of units per group. Points are jittered
    sideways by a generator seeded with ``seed``, so the figure is the same on every run.
    """
    figure, axes = plt.subplots(1, len(columns), figsize=(4 * len(columns), 4.2), squeeze=False)
    for axis, (column, label) in zip(axes[0], columns.items(), strict=True):
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
        counts = shown.groupby(by)[column].size().reindex(order)
        axis.set_title("N = " + ", ".join(str(int(count)) for count in counts), fontsize=9)
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
    figure, axes = plt.subplots(
        1, len(panels), figsize=(4 * len(panels), 4.2), squeeze=False, sharey=True
    )
    for axis, (column, label) in zip(axes[0], panels.items(), strict=True):
        shown = frame[[column, y]].dropna()
        sns.regplot(data=shown, x=column, y=y, scatter=False, color="0.3", ax=axis, seed=0)
        axis.scatter(shown[column], shown[y], s=30, color="tab:blue", alpha=0.8)
        axis.axhline(0, color="black", linewidth=0.8)
        axis.set_xlabel(label)
        axis.set_ylabel(ylabel if axis is axes[0][0] else "")
        if notes and column in notes:
            axis.set_title(notes[column], fontsize=8, fontweight="normal", loc="left")
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
        axis.set_title(outcome_labels.get(outcome, outcome), fontsize=9)
        axis.set_xlabel("pp per SD")
    first = np.atleast_1d(axes)[0]
    first.set_yticks(range(len(terms)), [term_labels[t] for t in terms])
    first.invert_yaxis()
    first.legend(frameon=False, fontsize=7, loc="lower left")
    return finish(figure)
