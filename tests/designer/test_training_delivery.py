"""How often the runner hands a run's events to the GUI thread: up to 25 times a second, about
twice a second while the run keeps the machine full (each delivery wakes the GUI thread,
whose CPU then comes out of training). The reader thread's side is driven directly."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from backends.training import events as ev
from designer.training.worker import FULL_MACHINE_MAILBOX_HZ, MAILBOX_HZ, TrainingRunner
from tests.designer.progress_events import progress

pytestmark = pytest.mark.gui


def deliveries_in(qtbot: Any, cores_used: float, seconds: float = 1.5) -> tuple[int, list[object]]:
    runner = TrainingRunner()
    runner.load.cores = 2
    for _ in range(10):  # the run has been going a while
        runner.load.note(cores_used)
    batches: list[list[object]] = []
    runner.events.connect(batches.append)

    def reader() -> None:  # what the pipe's reader thread does: 40 messages a second
        for step in range(1, round(seconds * 40) + 1):
            runner._on_message(
                runner._generation,
                ("events", [progress(step=step, fraction=step / 1000, cores_used=cores_used)]),
            )
            time.sleep(1 / 40)

    thread = threading.Thread(target=reader)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=10_000)
    qtbot.wait(round(2000 / FULL_MACHINE_MAILBOX_HZ))  # the last delivery
    return len(batches), [event for batch in batches for event in batch]


def test_events_come_often_while_cores_are_spare_and_seldom_on_a_full_machine(qtbot: Any) -> None:
    spare, spare_events = deliveries_in(qtbot, cores_used=1.0)
    full, full_events = deliveries_in(qtbot, cores_used=1.95)
    assert spare >= 10  # many of the 60 messages wake the GUI thread on their own (at most 25 Hz)
    assert spare <= 1.5 * MAILBOX_HZ + 2
    assert full <= 1.5 * FULL_MACHINE_MAILBOX_HZ + 3  # about two a second, plus the first
    # Nothing is lost or reordered either way.
    for events in (spare_events, full_events):
        assert [e.steps[0] for e in events] == list(range(1, 61))


def test_on_a_full_machine_a_pause_is_shown_at_once_and_ends_the_slow_pace(qtbot: Any) -> None:
    runner = TrainingRunner()
    runner.load.cores = 2
    for _ in range(10):
        runner.load.note(1.95)
    seen: list[object] = []
    runner.events.connect(seen.extend)
    runner._on_message(runner._generation, ("events", [progress(step=1, cores_used=1.95)]))
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=2000)  # the first after a quiet spell: at once
    runner._on_message(runner._generation, ("events", [progress(step=2, cores_used=1.95)]))  # waits ~0.5 s
    started = time.monotonic()
    runner._on_message(runner._generation, ("events", [ev.Paused(step=2)]))
    qtbot.waitUntil(lambda: any(isinstance(e, ev.Paused) for e in seen), timeout=2000)
    assert time.monotonic() - started < 0.5 / 2  # not held for the full-machine pace
    assert [type(e).__name__ for e in seen] == ["Progress", "Progress", "Paused"]
    assert not runner.load.full  # a paused trainer leaves the machine free
