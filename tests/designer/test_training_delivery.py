"""How often the runner hands a run's events to the GUI thread: up to 25 times a second, about
twice a second while the run keeps the machine full (each delivery wakes the GUI thread,
whose CPU then comes out of training). The reader thread's side is driven directly."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest

from backends.training import events as ev
from designer.training.worker import FULL_MACHINE_MAILBOX_HZ, MAILBOX_HZ, TrainingRunner

pytestmark = pytest.mark.gui


def progress(step: int, cpu_cores: float) -> ev.Progress:
    return ev.Progress(
        epoch=1,
        steps=np.array([step]),
        losses=np.array([0.5]),
        grad_norms={},
        weight_norms={},
        learning_rate=0.01,
        samples_per_second=1000.0,
        eta_seconds=5.0,
        fraction_done=step / 1000,
        cpu_cores=cpu_cores,
    )


def deliveries_in(qtbot: Any, cpu_cores: float, seconds: float = 1.5) -> tuple[int, list[object]]:
    runner = TrainingRunner()
    runner.load.cores = 2
    batches: list[list[object]] = []
    runner.events.connect(batches.append)

    def reader() -> None:  # what the pipe's reader thread does: 40 messages a second
        for step in range(1, round(seconds * 40) + 1):
            runner._on_message(runner._generation, ("events", [progress(step, cpu_cores)]))
            time.sleep(1 / 40)

    thread = threading.Thread(target=reader)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=10_000)
    qtbot.wait(round(2000 / FULL_MACHINE_MAILBOX_HZ))  # the last delivery
    return len(batches), [event for batch in batches for event in batch]


def test_events_come_often_while_cores_are_spare_and_seldom_on_a_full_machine(qtbot: Any) -> None:
    spare, spare_events = deliveries_in(qtbot, cpu_cores=1.0)
    full, full_events = deliveries_in(qtbot, cpu_cores=1.95)
    assert spare >= 15  # most of the 60 messages wake the GUI thread on their own (at most 25 Hz)
    assert spare <= 1.5 * MAILBOX_HZ + 2
    assert full <= 1.5 * FULL_MACHINE_MAILBOX_HZ + 3  # about two a second, plus the first
    # Nothing is lost or reordered either way.
    for events in (spare_events, full_events):
        assert [e.steps[0] for e in events] == list(range(1, 61))
