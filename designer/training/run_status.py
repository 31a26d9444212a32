"""Where a run stands, in a progress bar and one line of words, kept current from its events."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from backends.training import events as ev  # numpy only, no torch
from designer.training import text

STEPS = 1000  # progress bar resolution: 0.1 %
# The bar and its line change at most this often: faster is unreadable, and QProgressBar
# repaints itself (and the panel behind it) at once on every new value.
PROGRESS_INTERVAL_MS = 200
FULL_MACHINE_INTERVAL_MS = 1000  # while the run keeps the machine full (backends/training/load.py)
READY = "Press Train to train this network."
BLOCKED = "Fix what the note above names, then press Train."
ENDINGS = {"completed": "Completed", "stopped": "Stopped", "early stopping": "Stopped early"}


class RunStatus(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = QProgressBar()
        self.progress.setRange(0, STEPS)
        self.progress.setTextVisible(True)
        self.progress.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress.setFormat("not started")
        self.progress.setValue(0)
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.progress)
        layout.addWidget(self.label)
        self.epochs = 0
        self._introduced: str | None = None  # the description shown, until a run begins
        self._waiting: ev.Progress | None = None  # the newest progress not shown yet
        self._cooldown = QTimer(self)
        self._cooldown.setSingleShot(True)
        self._cooldown.setInterval(PROGRESS_INTERVAL_MS)
        self._cooldown.timeout.connect(self._show_waiting)

    def set_full_machine(self, full: bool) -> None:
        """Change at most once a second while the run leaves the machine no core to spare."""
        interval = FULL_MACHINE_INTERVAL_MS if full else PROGRESS_INTERVAL_MS
        if self._cooldown.interval() != interval:  # (setting it restarts a running timer)
            self._cooldown.setInterval(interval)

    def say(self, words: str) -> None:
        self.label.setText(words)

    def introduce(self, description: str, ready: bool = True) -> None:
        """Before any run: what the open network is about (an example says what to try),
        and what to do next: train it, or first fix what stops it from training."""
        self.progress.setValue(0)
        self.progress.setFormat("not started")
        self._introduced = description
        text = description.strip()
        if not ready or "Train" not in text:  # (an example's own words may say "press Train")
            text = (text + "\n" if text else "") + (READY if ready else BLOCKED)
        self.say(text)

    def set_ready(self, ready: bool) -> None:
        """Whether the network can train now; changes the words only while no run has begun."""
        if self._introduced is not None:
            self.introduce(self._introduced, ready)

    def starting(self) -> None:
        self._introduced = None
        self.epochs = 0
        self._waiting = None
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        self.say("Preparing the model and data…")

    def show_event(self, event: object) -> None:
        if isinstance(event, (ev.Paused, ev.Finished, ev.Failed)):
            self._show_waiting()  # the bar stands where the run paused or ended; its words follow
        if isinstance(event, ev.RunStarted):
            self.epochs = event.epochs
            parts = [f"Training on {event.device}", f"{event.trainable_parameters:,} parameters"]
            parts.append(f"{event.train_samples:,} training samples")
            self.say(text.SEP.join(parts) + "".join(f"\n{note}" for note in event.notes))
        elif isinstance(event, ev.Progress):
            self._waiting = event
            if not self._cooldown.isActive():
                self._show_waiting()
            return
        elif isinstance(event, ev.Paused):
            self.say(f"Paused at step {event.step:,}. Change the learning rate or resume.")
        elif isinstance(event, ev.Resumed):
            self.say(f"Resumed at step {event.step:,} with learning rate {event.learning_rate:g}.")
        elif isinstance(event, ev.Finished):
            ending = ENDINGS.get(event.reason, event.reason)
            epochs = f"{event.epochs_run} epoch{'s' if event.epochs_run != 1 else ''}"
            line = f"{ending} after {epochs} in {text.elapsed(event.elapsed_seconds)}"
            on = f"{event.split} split" + (f" ({event.samples} samples)" if event.samples else "")
            advice = f"\n{event.advice}" if event.advice else ""
            self.say(f"{line}{text.SEP}{on}: {text.metrics(event.test_metrics)}{advice}")
            if event.reason != "stopped":
                self.progress.setValue(STEPS)
            self.progress.setFormat(ending.lower())
        elif isinstance(event, ev.Failed):
            at = f" at step {event.step:,}" if event.step else ""
            kept = (
                f"; the weights are the last good ones (after step {event.steps_kept:,})"
                if event.steps_kept
                else ""
            )
            self.say(f"Training stopped{at}{kept}.")
            self.progress.setFormat("failed")

    def _show_waiting(self) -> None:
        event, self._waiting = self._waiting, None
        if event is None:
            return
        self.progress.setFormat(
            text.progress_line(event.epoch, self.epochs, event.samples_per_second, event.eta_seconds)
        )
        self.progress.setValue(round(event.fraction_done * STEPS))  # repaints now, with the new words
        self._cooldown.start()
