"""Live plots hold their range while data grow, so their axes are not redrawn every frame."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
import pytest

from designer.training.sticky_range import GROW, KEEP, ROOM, StickyViewBox, hold

pytestmark = pytest.mark.gui


def test_a_range_that_still_holds_the_data_well_is_kept() -> None:
    assert hold((0.0, 10.0), (1.0, 9.0)) == (0.0, 10.0)
    assert hold((0.0, 10.0), (0.0, 10.0 * KEEP)) == (0.0, 10.0)


def test_data_leaving_the_range_widen_it_most_on_the_side_they_ran_past() -> None:
    low, high = hold((0.0, 10.0), (0.0, 12.0))
    assert low == pytest.approx(-12.0 * ROOM) and high == pytest.approx(12.0 * (1 + GROW))
    low, high = hold((0.0, 10.0), (-2.0, 8.0))
    assert low == pytest.approx(-2.0 - 10 * GROW) and high == pytest.approx(8.0 + 10 * ROOM)


def test_data_shrinking_to_a_small_part_of_the_range_are_refitted() -> None:
    low, high = hold((0.0, 100.0), (10.0, 20.0))
    assert low == pytest.approx(10.0 - 10 * ROOM) and high == pytest.approx(20.0 + 10 * ROOM)


def test_a_refitted_range_holds_the_same_data_at_the_next_frame() -> None:
    for wanted in ((-1.0, 11.0), (-1.0, 9.0), (1.0, 11.0), (40.0, 41.0)):
        refitted = hold((0.0, 10.0), wanted)
        assert hold(refitted, wanted) == refitted, wanted


def test_a_single_value_is_passed_on_for_pyqtgraph_to_pad() -> None:
    assert hold((0.0, 1.0), (5.0, 5.0)) == (5.0, 5.0)
    assert hold((0.0, 1.0), (0.5, 0.5)) == (0.0, 1.0)  # already in view


def _grow(qtbot: Any, view_box: pg.ViewBox | None, frames: int = 200) -> tuple[pg.PlotWidget, list, list]:
    """A plot fed one more step of a falling loss per frame, as a run feeds the loss plot."""
    widget = pg.PlotWidget(viewBox=view_box)
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    curve = widget.plot()
    changes: list[Any] = []
    widget.getPlotItem().getViewBox().sigRangeChanged.connect(lambda _vb, ranges, *_: changes.append(ranges))
    views = []
    steps = np.arange(1, frames * 5 + 1, dtype=float)
    loss = 2.0 * np.exp(-steps / 300) + 0.05 * np.sin(steps)
    for frame in range(1, frames + 1):
        curve.setData(steps[: frame * 5], loss[: frame * 5])
        widget.scene().prepareForPaint()  # what each paint does first
        views.append(widget.getPlotItem().getViewBox().viewRange())
    return widget, changes, views


def test_the_view_changes_a_few_times_where_pyqtgraph_changes_it_every_frame(qtbot: Any) -> None:
    _, plain_changes, _ = _grow(qtbot, None)
    _, held_changes, views = _grow(qtbot, StickyViewBox())
    assert len(plain_changes) >= 190  # the reference: pyqtgraph's own auto range
    assert len(held_changes) <= 40
    steps = np.arange(1, 1001, dtype=float)
    loss = 2.0 * np.exp(-steps / 300) + 0.05 * np.sin(steps)
    for frame, ((x0, x1), (y0, y1)) in enumerate(views, start=1):  # every point stays in view
        n = frame * 5
        assert x0 <= 1 and x1 >= n
        assert y0 <= loss[:n].min() and y1 >= loss[:n].max()


def _view(widget: pg.PlotWidget) -> np.ndarray:
    return np.ravel(widget.getPlotItem().getViewBox().viewRange())


def _add_points(widget: pg.PlotWidget, count: int) -> None:
    curve = widget.getPlotItem().listDataItems()[0]
    x, y = curve.getData()
    steps = np.arange(x[-1] + 1, x[-1] + 1 + count)
    curve.setData(np.concatenate([x, steps]), np.concatenate([y, np.full(count, y.min() - 0.1)]))
    widget.scene().prepareForPaint()


def test_after_a_run_the_view_fits_exactly_also_points_that_come_late(qtbot: Any) -> None:
    plain, _, _ = _grow(qtbot, None, frames=50)
    held, _, _ = _grow(qtbot, StickyViewBox(), frames=50)
    box = held.getPlotItem().getViewBox()
    assert _view(held) != pytest.approx(_view(plain))
    box.fit_exactly()
    held.scene().prepareForPaint()
    assert _view(held) == pytest.approx(_view(plain))  # pyqtgraph's own fit is the reference
    for widget in (plain, held):  # the last epoch's points, drawn after the run's end
        _add_points(widget, 7)
    assert _view(held) == pytest.approx(_view(plain))
    box.hold_range()  # a new run: holding again
    _add_points(held, 1)  # runs past the exact fit: refitted with room to grow
    before = _view(held)
    _add_points(held, 1)
    assert _view(held) == pytest.approx(before)


def test_auto_range_turned_back_on_after_a_zoom_fits_the_data(qtbot: Any) -> None:
    plain, _, _ = _grow(qtbot, None, frames=50)
    held, _, _ = _grow(qtbot, StickyViewBox(), frames=50)
    for widget in (plain, held):
        box = widget.getPlotItem().getViewBox()
        box.scaleBy((0.8, 0.8))  # a slight zoom in: the data still fill most of the view
        box.enableAutoRange()  # the "A" button
        widget.scene().prepareForPaint()
    assert _view(held) == pytest.approx(_view(plain))


def test_a_view_the_user_zoomed_stays_where_they_put_it(qtbot: Any) -> None:
    widget, _, _ = _grow(qtbot, StickyViewBox(), frames=10)
    box = widget.getPlotItem().getViewBox()
    box.setXRange(3, 7, padding=0)  # as a wheel zoom or drag does: auto range goes off on x
    curve = widget.getPlotItem().listDataItems()[0]
    curve.setData(np.arange(1, 500, dtype=float), np.ones(499))
    widget.scene().prepareForPaint()
    assert box.viewRange()[0] == pytest.approx([3, 7])
