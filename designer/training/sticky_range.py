"""Auto range that holds still while a plot's data grow.

pyqtgraph's auto range fits the data exactly, so a curve that gains points every frame
changes the view every frame, and each change redraws both axes' ticks and labels
(about 4 ms a plot on a 2-core machine: the largest part of the window's drawing cost
while training). A held range changes only when the data leave it or shrink to a small
part of it, and then leaves room to grow, so the axes redraw a few dozen times a run.
"""

from __future__ import annotations

import math

import pyqtgraph as pg

Span = tuple[float, float]

KEEP = 0.6  # the data may shrink to this share of the held span before it is refitted (below
# 1 / (1 + 2 * GROW), so a refit that added room on both sides holds at the next frame)
GROW = 0.25  # room added, as a share of the data's span, on a side the data ran past
ROOM = 0.05  # room added on a side they did not


def hold(current: Span, wanted: Span) -> Span:
    """The span to show: `current` while it still holds `wanted` well, else `wanted` widened,
    most on the side the data ran past (where growing data will go on growing)."""
    low, high = current
    want_low, want_high = wanted
    length = want_high - want_low
    if want_low >= low and want_high <= high and length >= KEEP * (high - low):
        return current
    if not (math.isfinite(length) and length > 0):  # a single value (pyqtgraph pads it itself)
        return current if low <= want_low <= high else wanted
    below = GROW if want_low < low else ROOM
    above = GROW if want_high > high else ROOM
    return want_low - below * length, want_high + above * length


class StickyViewBox(pg.ViewBox):
    """A ViewBox whose auto range holds (see `hold`); manual zoom and pan work as usual.

    It holds only the view its own last auto range left: once the user has zoomed or
    panned, turning auto range back on (the "A" button) fits the data exactly.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._exact = False
        self._left: list[list[float]] | None = None  # the view the last auto range left

    def fit_exactly(self) -> None:
        """Fit the data with no room to spare from now on (a finished run: its last points
        may still be on their way), until `hold_range`."""
        self._exact = True
        if any(self.state["autoRange"]):
            self.queueUpdateAutoRange()

    def hold_range(self) -> None:
        """Hold the range between refits again (a new run)."""
        self._exact = False

    def updateAutoRange(self) -> None:
        try:
            super().updateAutoRange()
        finally:
            self._left = self.viewRange()

    def setRange(self, rect=None, xRange=None, yRange=None, padding=None, update=True, disableAutoRange=True):  # type: ignore[no-untyped-def]
        # updateAutoRange calls this with disableAutoRange=False while it holds _updatingRange.
        now = self.viewRange()
        from_auto_range = self._updatingRange and not disableAutoRange and rect is None
        if from_auto_range and not self._exact and now == self._left:
            (x_now, y_now) = (tuple(span) for span in now)
            if xRange is not None:
                xRange = hold(x_now, tuple(xRange))  # type: ignore[arg-type]
                xRange = None if xRange == x_now else xRange
            if yRange is not None:
                yRange = hold(y_now, tuple(yRange))  # type: ignore[arg-type]
                yRange = None if yRange == y_now else yRange
            if xRange is None and yRange is None:
                return  # nothing moves: the axes keep their cached pictures
        super().setRange(rect, xRange, yRange, padding, update, disableAutoRange)
