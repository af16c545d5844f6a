"""Inference helpers: Holm, Benjamini-Hochberg, MDE and the generated sentence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import inference


def test_holm_hand_computed_and_nan_safe() -> None:
    adjusted = inference.holm([0.01, 0.04, 0.03, float("nan")])
    assert adjusted[:3] == pytest.approx([0.03, 0.06, 0.06])
    assert math.isnan(adjusted[3])


def test_benjamini_hochberg_hand_computed() -> None:
    assert inference.benjamini_hochberg([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.04, 0.04])


def test_mde_is_2_8_standard_errors_at_5_percent_and_80_percent_power() -> None:
    assert inference.mde_per_sd(1.0) == pytest.approx(2.8016, abs=1e-4)
    assert inference.mde_per_sd(0.5) == pytest.approx(np.float64(1.4008), abs=1e-4)


def test_sentence_words_follow_the_numbers() -> None:
    significant = inference.describe_estimate("X", -0.5, -0.9, -0.1, 0.01, "pp")
    null = inference.describe_estimate("X", 0.3, -0.2, 0.8, 0.4, "pp", mde=0.7)
    assert "lower" in significant and "distinguishable from zero after correction" in significant
    assert "higher" in null and "not distinguishable" in null and "0.70" in null
