"""The progress bar keeps up with a run at a pace a person can read, and ends on the run's last word."""

from __future__ import annotations

from typing import Any

import pytest

from backends.training import events as ev
from designer.training.run_status import FULL_MACHINE_INTERVAL_MS, PROGRESS_INTERVAL_MS, STEPS, RunStatus
from tests.designer.progress_events import progress

pytestmark = pytest.mark.gui


def finished(reason: str = "completed") -> ev.Finished:
    return ev.Finished(reason, 3, 3, {"accuracy": 0.9}, None, [], 1.0)


@pytest.fixture
def status(qtbot: Any) -> RunStatus:
    widget = RunStatus()
    qtbot.addWidget(widget)
    widget.show()
    widget.show_event(ev.RunStarted("cpu", 3, 10, 100, ["fc"], "classification", 2, ["a", "b"], 50))
    return widget


def test_a_first_progress_shows_at_once_and_a_burst_settles_on_the_newest(
    qtbot: Any, status: RunStatus
) -> None:
    status.show_event(progress(1, 0.1))
    assert status.progress.value() == round(0.1 * STEPS) and status.progress.format().startswith("epoch 1/3")
    for index in range(2, 10):  # a burst, faster than anyone can read
        status.show_event(progress(min(index, 3), index / 10))
    assert status.progress.value() == round(0.1 * STEPS)  # held for now
    qtbot.waitUntil(lambda: status.progress.value() == round(0.9 * STEPS), timeout=PROGRESS_INTERVAL_MS * 5)
    assert status.progress.format().startswith("epoch 3/3")


def test_the_end_of_a_run_is_not_overwritten_by_a_waiting_progress(qtbot: Any, status: RunStatus) -> None:
    status.show_event(progress(1, 0.3))
    status.show_event(progress(2, 0.6))  # waits for the interval
    status.show_event(finished())
    qtbot.wait(PROGRESS_INTERVAL_MS * 2)
    assert status.progress.format() == "completed" and status.progress.value() == STEPS


def test_a_stopped_run_shows_how_far_it_got(qtbot: Any, status: RunStatus) -> None:
    status.show_event(progress(1, 0.3))
    status.show_event(progress(2, 0.55))  # waits for the interval
    status.show_event(finished("stopped"))
    assert status.progress.format() == "stopped" and status.progress.value() == round(0.55 * STEPS)


def test_pausing_shows_where_the_run_stands(qtbot: Any, status: RunStatus) -> None:
    status.show_event(progress(1, 0.3))
    status.show_event(progress(2, 0.6))
    status.show_event(ev.Paused(step=40))
    assert status.progress.value() == round(0.6 * STEPS) and status.progress.format().startswith("epoch 2/3")


def test_on_a_full_machine_the_bar_changes_about_once_a_second(qtbot: Any, status: RunStatus) -> None:
    status.set_full_machine(True)
    status.show_event(progress(1, 0.1))  # the first shows at once
    status.show_event(progress(1, 0.2))
    qtbot.wait(PROGRESS_INTERVAL_MS * 2)
    assert status.progress.value() == round(0.1 * STEPS)  # the normal pace would have shown 0.2
    qtbot.waitUntil(
        lambda: status.progress.value() == round(0.2 * STEPS), timeout=FULL_MACHINE_INTERVAL_MS * 3
    )
    status.show_event(finished())  # the end never waits
    assert status.progress.format() == "completed"


def test_the_bar_keeps_moving_while_progress_streams_in(qtbot: Any, status: RunStatus) -> None:
    # As the panel feeds it: the pace is confirmed before every event, ten events a second.
    for index in range(1, 11):
        status.set_full_machine(False)
        status.show_event(progress(1, index / 100))
        qtbot.wait(100)
    assert status.progress.value() >= round(0.08 * STEPS)  # within about two intervals of the newest
