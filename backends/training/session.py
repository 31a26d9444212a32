"""Training on a background thread, for callers that must not block (the command line's
progress display, scripts, tests). The window wraps `run_training` in its own QThread."""

from __future__ import annotations

import threading

from backends.training.control import TrainingControl
from backends.training.loop import EventSink, TrainingJob, TrainingOutcome, run_training


class TrainingSession:
    def __init__(self, job: TrainingJob, on_event: EventSink) -> None:
        self.job = job
        self.control = TrainingControl()
        self._on_event = on_event
        self._thread = threading.Thread(target=self._run, name="netcanvas-training", daemon=True)
        self.outcome: TrainingOutcome | None = None

    def start(self) -> TrainingSession:
        self._thread.start()
        return self

    def _run(self) -> None:
        self.outcome = run_training(self.job, self._on_event, self.control)

    def stop(self) -> None:
        self.control.stop()

    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    def set_learning_rate(self, value: float) -> None:
        self.control.set_learning_rate(value)

    def wait(self, timeout: float | None = None) -> TrainingOutcome | None:
        self._thread.join(timeout)
        return self.outcome

    @property
    def running(self) -> bool:
        return self._thread.is_alive()
