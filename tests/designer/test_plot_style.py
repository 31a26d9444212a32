"""The plots' look and cost: log-scale labels kept apart, titles set once, a CPU budget per machine."""

from __future__ import annotations

import math
import os
import time

import pytest
from PySide6.QtCore import QTimer

from backends.training.load import TrainerLoad
from designer.controller import DocumentController
from designer.training.pacing import FULL_MACHINE_BUDGET, FULL_MACHINE_SLOWEST_MS, FramePacer, default_budget
from designer.training.plot_style import LEGEND_COLUMNS, SparseLogAxis, make_plot, set_title
from designer.training.view import TrainingView

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


@pytest.mark.parametrize(("cores", "budget"), [(1, 0.1), (2, 0.1), (4, 0.2), (5, 0.25), (64, 0.25)])
def test_the_plots_cpu_budget_is_a_share_of_the_machine_within_bounds(cores: int, budget: float) -> None:
    assert default_budget(cores) == pytest.approx(budget)


def test_the_pacer_budget_follows_the_cores_this_process_may_use(qtbot) -> None:
    timer = QTimer()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert FramePacer(timer).budget == pytest.approx(default_budget(cores))
    assert FramePacer(timer, budget=0.3).budget == 0.3


def spin(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_a_full_machine_slows_the_plots_to_about_a_frame_a_second(qtbot) -> None:
    load = TrainerLoad(cores=2)
    pacer = FramePacer(QTimer(), fastest_ms=40, slowest_ms=200, budget=0.1, load=load)
    normal = []
    for _ in range(12):  # drawing takes the whole GUI thread: far over any budget
        pacer.tick()
        spin(0.01)
        normal.append(pacer.interval_ms)
    assert normal[-1] == 200  # five frames a second at the slowest, while cores are spare
    for _ in range(8):
        load.note(1.97)  # the trainer keeps both cores busy
    assert pacer.machine_full and pacer.budget == FULL_MACHINE_BUDGET
    for _ in range(12):
        pacer.tick()
        spin(0.01)
    assert pacer.interval_ms == FULL_MACHINE_SLOWEST_MS
    load.forget()  # paused, or over: the next frame is back within the normal pace
    pacer.tick()
    assert not pacer.machine_full and pacer.budget == 0.1 and pacer.interval_ms <= 200


def test_the_end_of_a_run_hurries_the_next_frame(qtbot) -> None:
    timer = QTimer()
    pacer = FramePacer(timer, slowest_ms=200)
    timer.setInterval(FULL_MACHINE_SLOWEST_MS)
    pacer.hurry()
    assert pacer.interval_ms == 200


def test_the_window_plots_follow_the_runner_load(qtbot) -> None:
    view = TrainingView(DocumentController())
    qtbot.addWidget(view)
    load = view.panel.runner.load
    for _ in range(8):
        load.note(float(load.cores))
    assert view.plots._pacer.machine_full and view.plots._pacer.slowest_ms == FULL_MACHINE_SLOWEST_MS
    view.panel.runner.shutdown()


def test_a_title_is_set_only_when_its_words_or_colour_change(qtbot) -> None:
    widget = make_plot("Loss")
    qtbot.addWidget(widget)
    item = widget.getPlotItem()
    calls: list[str] = []
    original = item.setTitle
    item.setTitle = lambda title, **style: (calls.append(title), original(title, **style))
    set_title(item, "Loss")
    assert calls == []  # make_plot showed it already
    set_title(item, "Loss · best epoch 3")
    set_title(item, "Loss · best epoch 3")
    assert calls == ["Loss · best epoch 3"]
    assert "Loss · best epoch 3" in item.titleLabel.text


def test_the_loss_plots_reflow_to_one_row_in_a_wide_short_dock(qtbot) -> None:
    from designer.training.plot_grid import best_columns
    from designer.training.plots import TrainingPlots

    assert (
        best_columns(1100, 300, 4) == 4 and best_columns(900, 700, 4) == 2 and best_columns(400, 900, 4) == 1
    )
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    grid = plots.loss_grid
    plots.resize(1120, 340)  # the dock under a wide canvas (1440 x 900 window)
    plots.show()
    qtbot.waitUntil(lambda: len({p.geometry().top() for p in grid.plots}) == 1)  # one row
    assert grid.columns == 4
    view = plots.view_plot.geometry()
    assert view.width() / view.height() < 1.2  # the decision boundary is near square, not a sliver
    box = plots.view_plot.getPlotItem().getViewBox().sceneBoundingRect()
    words = plots.model_view.placeholder.sceneBoundingRect()
    assert box.contains(words), (box, words)  # its "appears here" words are not cut off
    legend = plots.epoch_plot.getPlotItem().legend
    assert legend.columnCount == 1  # stacked, so it does not cover a narrow plot
    plots.resize(900, 760)
    qtbot.waitUntil(lambda: len({p.geometry().top() for p in grid.plots}) == 2)
    assert grid.columns == 2
    assert legend.columnCount == LEGEND_COLUMNS
