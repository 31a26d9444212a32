"""Stop, pause, resume and a new learning rate, from the training thread and from outside it."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest
import torch

from backends.training import events as ev
from backends.training.control import TrainingControl
from backends.training.loop import TrainingJob, run_training
from backends.training.session import TrainingSession
from tests.backends.training_helpers import (
    blobs,
    fresh_model,
    of_type,
    one_thread,
    run,
    settings,
    splits,
    state,
    state_after,
    step_losses,
)

one_thread = pytest.fixture(autouse=True)(one_thread)

TIMEOUT = 30.0


class Recorder:
    """Collects events on the training thread and lets the test wait for one."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.threads: set[int] = set()
        self.hooks: list[Any] = []

    def __call__(self, event: Any) -> None:
        with self.lock:
            self.events.append(event)
            self.threads.add(threading.get_ident())
            self.changed.notify_all()
        for hook in self.hooks:
            hook(event)

    def wait_for(self, test: Any) -> None:
        with self.lock:
            assert self.changed.wait_for(lambda: any(test(e) for e in self.events), TIMEOUT)

    def last_step(self) -> int:
        with self.lock:
            steps = [int(e.steps[-1]) for e in self.events if isinstance(e, ev.Progress)]
        return max(steps, default=0)

    def snapshot(self) -> list[Any]:
        with self.lock:
            return list(self.events)


def session(doc: Any, recorder: Recorder, **changes: Any) -> TrainingSession:
    job = TrainingJob(doc=doc.copy(), settings=settings(**changes), report_interval=0.0)
    return TrainingSession(job, recorder)


def test_stop_from_the_event_callback_stops_before_the_next_batch() -> None:
    control = TrainingControl()
    stop_at = 7

    def on_event(event: Any) -> None:
        if isinstance(event, ev.Progress) and event.steps[-1] == stop_at:
            control.stop()

    events: list[Any] = []
    job = TrainingJob(doc=blobs(), settings=settings(epochs=5), report_interval=0.0)
    outcome = run_training(job, lambda e: (events.append(e), on_event(e)), control)
    steps, _ = step_losses(events)
    np.testing.assert_array_equal(steps, np.arange(1, stop_at + 1))
    assert outcome.finished.reason == "stopped"
    assert outcome.finished.epochs_run == stop_at // of_type(events, ev.RunStarted)[0].steps_per_epoch
    assert outcome.stopped_at >= control.stop_requested_at


def test_stop_from_another_thread_takes_effect_within_one_batch() -> None:
    recorder = Recorder()
    running = session(blobs(samples=400), recorder, epochs=50, batch_size=2).start()
    recorder.wait_for(lambda e: isinstance(e, ev.Progress) and e.steps[-1] >= 20)
    requested = recorder.last_step()
    running.stop()
    outcome = running.wait(TIMEOUT)
    assert outcome is not None and outcome.finished.reason == "stopped"
    steps, _ = step_losses(recorder.events)
    np.testing.assert_array_equal(steps, np.arange(1, steps[-1] + 1))  # flushed on stop
    assert requested <= steps[-1] <= requested + 1


def test_stop_before_the_first_batch_trains_nothing() -> None:
    control = TrainingControl()
    control.stop()
    outcome, events = run(blobs(), control)
    assert not of_type(events, ev.Progress)
    assert outcome.finished.reason == "stopped" and outcome.finished.epochs_run == 0


def test_pause_freezes_training_and_resume_continues() -> None:
    recorder = Recorder()
    running = session(blobs(), recorder, epochs=4)

    def pause_at_five(event: Any) -> None:
        if isinstance(event, ev.Progress) and event.steps[-1] == 5:
            running.pause()

    recorder.hooks.append(pause_at_five)
    running.start()
    recorder.wait_for(lambda e: isinstance(e, ev.Paused))
    during = recorder.snapshot()
    assert isinstance(during[-1], ev.Paused) and during[-1].step == 5
    time.sleep(0.3)
    assert running.running
    assert recorder.snapshot() == during  # no Progress, nothing at all while paused
    assert recorder.last_step() == 5
    running.resume()
    outcome = running.wait(TIMEOUT)
    events = recorder.events
    paused = events.index(during[-1])
    assert isinstance(events[paused + 1], ev.Resumed) and events[paused + 1].step == 5
    steps, _ = step_losses(events)
    total = of_type(events, ev.RunStarted)[0].steps_per_epoch * 4
    np.testing.assert_array_equal(steps, np.arange(1, total + 1))
    assert outcome.finished.reason == "completed"
    assert len(of_type(events, ev.Paused)) == len(of_type(events, ev.Resumed)) == 1


def test_pausing_first_reports_every_step_trained_so_far() -> None:
    """Even with a long report interval, the plots are up to date while the run is paused."""
    recorder = Recorder()
    job = TrainingJob(doc=blobs(), settings=settings(epochs=3, histogram_every=4), report_interval=3600.0)
    running = TrainingSession(job, recorder)
    stepped = threading.Event()

    def pause_after_a_histogram(event: Any) -> None:
        if isinstance(event, ev.Histograms) and event.step == 4:
            running.pause()
            stepped.set()

    recorder.hooks.append(pause_after_a_histogram)
    running.start()
    recorder.wait_for(lambda e: isinstance(e, ev.Paused))
    paused = recorder.snapshot()[-1]
    assert stepped.is_set() and paused.step == 4
    np.testing.assert_array_equal(step_losses(recorder.snapshot())[0], np.arange(1, 5))
    running.resume()
    outcome = running.wait(TIMEOUT)
    assert outcome.finished.reason == "completed"
    steps, _ = step_losses(recorder.events)
    np.testing.assert_array_equal(steps, np.arange(1, steps[-1] + 1))


def test_a_learning_rate_set_while_paused_is_used_after_resume() -> None:
    """Full-batch SGD: the step after resuming must be exactly w - new_lr * grad(w)."""
    doc = blobs(samples=90, lr=0.1)
    kwargs = {"epochs": 10, "batch_size": 0, "seed": 2}
    recorder = Recorder()
    running = session(doc, recorder, **kwargs)

    def control(event: Any) -> None:
        if isinstance(event, ev.Progress) and event.steps[-1] == 3:
            running.pause()
        if isinstance(event, ev.Progress) and event.steps[-1] == 4:
            running.stop()

    recorder.hooks.append(control)
    running.start()
    recorder.wait_for(lambda e: isinstance(e, ev.Paused))
    running.set_learning_rate(0.5)
    time.sleep(0.05)
    assert recorder.last_step() == 3
    running.resume()
    outcome = running.wait(TIMEOUT)
    (resumed,) = of_type(recorder.events, ev.Resumed)
    assert resumed.step == 3 and resumed.learning_rate == 0.5
    progress = of_type(recorder.events, ev.Progress)
    assert [p.learning_rate for p in progress] == [0.1, 0.1, 0.1, 0.5]

    before = state_after(doc, 3, **kwargs)
    feed, _ = splits(doc)
    model = fresh_model(doc, before).model
    torch.nn.CrossEntropyLoss()(model(feed.train.x), feed.train.y).backward()
    after = state(outcome.built.model)
    for name, param in model.named_parameters():
        expected = before[name] - 0.5 * param.grad
        torch.testing.assert_close(after[name], expected, rtol=1e-5, atol=1e-6)


def test_a_learning_rate_set_while_running_applies_from_the_next_batch() -> None:
    control = TrainingControl()

    def on_event(event: Any) -> None:
        if isinstance(event, ev.Progress) and event.steps[-1] == 4:
            control.set_learning_rate(0.02)

    events: list[Any] = []
    job = TrainingJob(doc=blobs(lr=0.1), settings=settings(epochs=1), report_interval=0.0)
    run_training(job, lambda e: (events.append(e), on_event(e)), control)
    rates = [p.learning_rate for p in of_type(events, ev.Progress)]
    assert rates[:4] == [0.1] * 4 and set(rates[4:]) == {0.02}
    assert of_type(events, ev.EpochEnd)[0].learning_rate == 0.02


@pytest.mark.parametrize("value", [0.0, -1.0, float("nan")])
def test_a_learning_rate_must_be_positive(value: float) -> None:
    with pytest.raises(ValueError, match="learning rate"):
        TrainingControl().set_learning_rate(value)


def test_stop_while_paused_ends_the_run_without_resuming() -> None:
    recorder = Recorder()
    running = session(blobs(), recorder, epochs=3)
    running.pause()
    running.start()
    recorder.wait_for(lambda e: isinstance(e, ev.Paused))
    running.stop()
    outcome = running.wait(TIMEOUT)
    assert outcome.finished.reason == "stopped"
    assert not of_type(recorder.events, ev.Resumed) and not of_type(recorder.events, ev.Progress)


def test_a_session_trains_on_another_thread_and_wait_returns_the_outcome() -> None:
    recorder = Recorder()
    running = session(blobs(), recorder, epochs=2)
    running.pause()  # held at the first batch: start() must return while the run waits
    assert running.start() is running
    recorder.wait_for(lambda e: isinstance(e, ev.Paused))
    assert running.running
    assert running.wait(0.01) is None
    running.resume()
    outcome = running.wait(TIMEOUT)
    assert not running.running
    assert outcome is running.outcome and outcome.finished.reason == "completed"
    assert recorder.threads and threading.get_ident() not in recorder.threads
    assert isinstance(recorder.events[0], ev.RunStarted) and recorder.events[-1] is outcome.finished


class RateJustBeforeResume(TrainingControl):
    """Sends a new rate and "resume" at the worst moment (found in CI): right after a paused
    loop has looked for a pending rate, if it looks while paused, else after a few waits."""

    waits = 0

    def take_learning_rate(self) -> float | None:
        value = super().take_learning_rate()
        if self.paused:
            self._rate_and_resume()
        return value

    def wait_while_paused(self, timeout: float = 0.1) -> None:
        super().wait_while_paused(0.01)
        self.waits += 1
        if self.paused and self.waits >= 3:
            self._rate_and_resume()

    def _rate_and_resume(self) -> None:
        self.set_learning_rate(0.0123)
        self.resume()


def test_a_rate_sent_just_before_resume_is_the_one_resumed_with() -> None:
    control = RateJustBeforeResume()
    events: list[Any] = []

    def pause_once(event: Any) -> None:
        events.append(event)
        if isinstance(event, ev.Progress) and not of_type(events, ev.Paused):
            control.pause()

    job = TrainingJob(doc=blobs(samples=90), settings=settings(epochs=2, batch_size=30, seed=1))
    run_training(job, pause_once, control)
    (resumed,) = of_type(events, ev.Resumed)
    assert resumed.learning_rate == pytest.approx(0.0123)
