"""A figure's fingerprint follows what it shows, not its pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.report import figure_data, plots


def _bar_chart(values: list[float], labels: list[str], title: str = "Deficits"):
    figure, axis = plt.subplots(figsize=(4, 3))
    axis.bar(labels, values)
    axis.plot([0, 1], [values[0], values[1]], color="black")
    axis.scatter([0.5], [values[0]])
    axis.annotate("largest", (0, values[0]))
    axis.set_title(title)
    figure.canvas.draw()  # tick labels exist once drawn
    return figure


def test_rounded_text_is_six_significant_digits() -> None:
    assert figure_data.rounded_text(np.array([1 / 3, -2.5e-7, np.nan])) == [
        "3.33333e-01",
        "-2.50000e-07",
        "nan",
    ]


def test_fingerprint_ignores_the_last_bits_of_the_plotted_values() -> None:
    values = [1 / 3, 2 / 3]
    first = figure_data.fingerprint(_bar_chart(values, ["QOC", "QOP"]))
    moved = [float(np.nextafter(value, 1.0)) for value in values]
    second = figure_data.fingerprint(_bar_chart(moved, ["QOC", "QOP"]))
    assert first == second
    plt.close("all")


def test_fingerprint_changes_with_a_value_a_label_or_a_title() -> None:
    base = figure_data.fingerprint(_bar_chart([1.0, 2.0], ["QOC", "QOP"]))
    value = figure_data.fingerprint(_bar_chart([1.0, 2.01], ["QOC", "QOP"]))
    label = figure_data.fingerprint(_bar_chart([1.0, 2.0], ["QOC", "QE1"]))
    title = figure_data.fingerprint(_bar_chart([1.0, 2.0], ["QOC", "QOP"], "Surpluses"))
    assert value["values_sha256"] != base["values_sha256"] and value["texts"] == base["texts"]
    assert "QE1" in label["texts"] and "QOP" not in label["texts"]
    assert "Surpluses" in title["texts"] and title["values_sha256"] == base["values_sha256"]
    plt.close("all")


def test_fingerprint_covers_a_house_style_chart() -> None:
    plots.set_house_style()
    influence = pd.DataFrame(
        {
            "label": ["QOC 2023/24", "QMJ 2022/23", "QWO 2023/24"],
            "fitted": [-1.0, 0.9, -0.9],
            "residual": [0.5, -0.9, 0.9],
            "cooks_distance": [0.45, 0.056, 0.056],
        }
    )
    figure = plots.diagnostics(influence)
    figure.canvas.draw()
    shown = figure_data.fingerprint(figure)
    assert {"QOC 2023/24", "QMJ 2022/23", "Cook's distance"} <= set(shown["texts"])
    swapped = plots.diagnostics(influence.iloc[[0, 2, 1]].reset_index(drop=True))
    # tied distances are labelled in label order, whatever the input order
    assert figure_data.annotations(swapped.axes[1]) == figure_data.annotations(figure.axes[1])
    assert figure_data.annotations(figure.axes[1])[1].startswith("QMJ 2022/23 @ 1.00000e+00")
    plt.close("all")


def test_two_labels_swapped_between_points_change_the_fingerprint() -> None:
    figure, axis = plt.subplots()
    axis.scatter([0, 1], [0, 1])
    axis.annotate("QOC", (0, 0))
    axis.annotate("QOP", (1, 1))
    swapped, other = plt.subplots()
    other.scatter([0, 1], [0, 1])
    other.annotate("QOP", (0, 0))
    other.annotate("QOC", (1, 1))
    first, second = figure_data.fingerprint(figure), figure_data.fingerprint(swapped)
    assert first["texts"] == second["texts"]
    assert first["values_sha256"] != second["values_sha256"]
    plt.close("all")
