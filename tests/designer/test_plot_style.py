"""The log-scale axis keeps its labels apart on short plots."""

from __future__ import annotations

import math

import pytest

from designer.training.plot_style import SparseLogAxis

pytestmark = pytest.mark.gui


@pytest.mark.parametrize(
    ("low", "high", "size"),
    [(0.03, 0.43, 60), (0.03, 0.43, 300), (1e-6, 1e2, 100), (0.0004, 0.002, 40), (2.0, 2.5, 120)],
)
def test_log_ticks_are_round_numbers_that_fit(qtbot, low: float, high: float, size: float) -> None:
    axis = SparseLogAxis("left")
    axis.setLogMode(False, True)
    ((_, values),) = axis.tickValues(math.log10(low), math.log10(high), size)
    shown = [10**v for v in values]
    assert all(low * (1 - 1e-9) <= v <= high * (1 + 1e-9) for v in shown)
    mantissas = {round(v / 10 ** math.floor(math.log10(v) + 1e-9), 6) for v in shown}
    assert mantissas <= {1.0, 2.0, 3.0, 5.0}, shown
    assert len(values) <= max(2, size // SparseLogAxis.MIN_GAP_PX)  # no pile of labels
    labels = axis.tickStrings(values, 1.0, 1.0)
    assert all(float(text) == pytest.approx(v, rel=1e-2) for text, v in zip(labels, shown, strict=True))


def test_a_wide_enough_range_gets_at_least_two_labels(qtbot) -> None:
    axis = SparseLogAxis("left")
    axis.setLogMode(False, True)
    ((_, values),) = axis.tickValues(math.log10(0.03), math.log10(0.43), 40)
    assert len(values) == 2
