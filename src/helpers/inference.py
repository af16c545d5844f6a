"""Multiple-testing corrections, minimum detectable effects and the words that describe results.

Contract of INTERFACES.md (owned by the models helper; this is the trust branch's implementation
of the same signatures, to be replaced by the models helper's module at merge).
:func:`describe_estimate` is the only place where result-dependent words are made.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values (NaN-safe: NaNs stay NaN and do not count as tests)."""
    values = np.asarray(pvalues, dtype=float)
    adjusted = np.full(values.shape, np.nan)
    present = np.flatnonzero(~np.isnan(values))
    m = len(present)
    order = present[np.argsort(values[present], kind="stable")]
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * values[index]))
        adjusted[index] = running
    return adjusted


def benjamini_hochberg(pvalues: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (false discovery rate; NaN-safe)."""
    values = np.asarray(pvalues, dtype=float)
    adjusted = np.full(values.shape, np.nan)
    present = np.flatnonzero(~np.isnan(values))
    m = len(present)
    order = present[np.argsort(values[present], kind="stable")][::-1]
    running = 1.0
    for position, index in enumerate(order):
        rank = m - position
        running = min(running, values[index] * m / rank)
        adjusted[index] = min(running, 1.0)
    return adjusted


def mde_per_sd(se: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Minimum detectable effect, two-sided: (z_{1-alpha/2} + z_power) x se, in se's units."""
    return float((stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)) * se)


def describe_estimate(
    label: str,
    estimate: float,
    conf_low: float,
    conf_high: float,
    p_adjusted: float,
    unit: str,
    alpha: float = 0.05,
    mde: float | None = None,
) -> str:
    """One plain-English sentence: direction, interval, and whether the estimate is
    distinguishable from zero after correction (with the MDE when it is not)."""
    direction = "higher" if estimate > 0 else "lower"
    sentence = (
        f"{label}: associated with a {direction} value ({estimate:+.2f} {unit}; "
        f"95% interval {conf_low:.2f} to {conf_high:.2f})"
    )
    if p_adjusted < alpha:
        return (
            sentence
            + f", distinguishable from zero after correction (adjusted p = {p_adjusted:.3f})."
        )
    sentence += (
        f", but not distinguishable from zero after correction (adjusted p = {p_adjusted:.3f})"
    )
    if mde is not None and np.isfinite(mde):
        sentence += f"; the data could detect only effects of about ±{mde:.2f} {unit} or larger"
    return sentence + "."
