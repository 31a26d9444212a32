"""Training on a QThread: a worker that runs the engine, and a runner the GUI thread talks to.

The engine (backends.training) knows nothing of Qt; the worker calls it on its own
thread and turns each event into a signal. The runner lives in the GUI thread and
re-emits those signals from there, so every widget slot connected to the runner runs
on the GUI thread, lambdas included. torch is imported on the worker thread only:
the window never waits for it.
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from backends.training.control import TrainingControl  # threading only, no torch
from nodes.graph import GraphDocument
from nodes.training_settings import TrainingSettings

SHUTDOWN_WAIT_MS = 10_000  # a stop takes effect within one batch; an import of torch cannot be cut short


@dataclass
class TrainingRequest:
    """What one run needs, in torch-free types; the worker turns it into a TrainingJob."""

    doc: GraphDocument  # a snapshot: edits to the canvas never reach a running job
    settings: TrainingSettings
    base_dir: Path | None
    control: TrainingControl = field(default_factory=TrainingControl)
    report_interval: float = 0.05
    instrument: bool = True
    views: bool = True


class TrainingWorker(QObject):
    """Lives on the training thread; its slots are invoked through queued signals."""

    event = Signal(object)  # backends.training.events.*, emitted on the training thread
    finished = Signal(object)  # TrainingOutcome, or None when the engine could not even start
    devices_found = Signal(list)  # device names for the device menu

    @Slot(object)
    def run(self, job: TrainingRequest) -> None:
        outcome: Any = None
        try:
            from backends.training.loop import TrainingJob, run_training  # torch loads here, not in the GUI

            outcome = run_training(
                TrainingJob(
                    doc=job.doc,
                    settings=job.settings,
                    base_dir=job.base_dir,
                    report_interval=job.report_interval,
                    instrument=job.instrument,
                    views=job.views,
                ),
                self.event.emit,
                job.control,
            )
        except Exception as exc:  # run_training reports training problems itself: a bug or a bad install
            from backends.training.events import Failed

            self.event.emit(
                Failed(
                    f"{type(exc).__name__}: {exc}",
                    hint="the training engine could not run; this may be a bug in netcanvas",
                )
            )
        self.finished.emit(outcome)

    @Slot()
    def probe_devices(self) -> None:
        try:
            from backends.training.device import available_devices

            found = available_devices()
        except Exception:  # a broken CUDA install must not break the menu
            found = ["cpu"]
        self.devices_found.emit(found)


class TrainingRunner(QObject):
    """Owns the training thread and its worker; use it from the GUI thread only."""

    event = Signal(object)  # every engine event, re-emitted on the GUI thread
    done = Signal(object)  # TrainingOutcome (or None), after the last event of the run
    devices_found = Signal(list)

    _run_requested = Signal(object)
    _probe_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._live = _LiveRun()
        self._devices: list[str] | None = None
        self._probing = False
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # ---- the thread ------------------------------------------------------------

    def _ensure_thread(self) -> TrainingWorker:
        if self._worker is not None:
            return self._worker
        thread = QThread()  # no parent: its lifetime is managed by shutdown(), not by Qt's tree
        thread.setObjectName("netcanvas-training")
        worker = TrainingWorker()
        worker.moveToThread(thread)
        # Explicitly queued both ways: the worker's slots run on its thread, ours on the GUI thread.
        self._run_requested.connect(worker.run, Qt.ConnectionType.QueuedConnection)
        self._probe_requested.connect(worker.probe_devices, Qt.ConnectionType.QueuedConnection)
        worker.event.connect(self._relay_event, Qt.ConnectionType.QueuedConnection)
        worker.finished.connect(self._relay_finished, Qt.ConnectionType.QueuedConnection)
        worker.devices_found.connect(self._relay_devices, Qt.ConnectionType.QueuedConnection)
        # If this runner is deleted without shutdown(), the thread must not outlive a running job.
        live = self._live  # the closure must not touch self, which is being destroyed
        self.destroyed.connect(lambda *_: _stop_thread(thread, live.control))
        _RUNNING[id(thread)] = (thread, live)  # stopped at interpreter exit if nobody else did
        thread.start()
        self._thread, self._worker = thread, worker
        return worker

    def shutdown(self, timeout_ms: int = SHUTDOWN_WAIT_MS) -> bool:
        """Stop any run and end the thread; True when it ended within the timeout."""
        if self._thread is None:
            return True
        ended = _stop_thread(self._thread, self._live.control, timeout_ms)
        if ended:
            _RUNNING.pop(id(self._thread), None)
            if self._worker is not None:  # a later start() gets a fresh thread and worker
                self._run_requested.disconnect(self._worker.run)
                self._probe_requested.disconnect(self._worker.probe_devices)
            self._thread = self._worker = None
            self._live.control = None
            self._probing = False
        return ended

    # ---- runs ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._live.control is not None

    @property
    def paused(self) -> bool:
        return self._live.control is not None and self._live.control.paused and not self._live.control.stopped

    @property
    def devices(self) -> list[str] | None:
        """The devices found by probe_devices(), or None before the probe answered."""
        return self._devices

    def start(
        self,
        doc_snapshot: GraphDocument,
        settings: TrainingSettings,
        base_dir: Path | None,
        *,
        report_interval: float = 0.05,
        instrument: bool = True,
        views: bool = True,
    ) -> None:
        """Train `doc_snapshot` (already a copy) on the training thread; events follow."""
        if self.running:
            raise RuntimeError("a training run is already in progress; stop it first")
        self._ensure_thread()
        self._live.control = TrainingControl()
        request = TrainingRequest(
            doc_snapshot, settings, base_dir, self._live.control, report_interval, instrument, views
        )
        self._run_requested.emit(request)  # queued: runs on the training thread

    def stop(self) -> None:
        if self._live.control is not None:
            self._live.control.stop()

    def pause(self) -> None:
        if self._live.control is not None:
            self._live.control.pause()

    def resume(self) -> None:
        if self._live.control is not None:
            self._live.control.resume()

    def set_learning_rate(self, lr: float) -> None:
        """Takes effect before the next batch (while paused: reported by the Resumed event)."""
        if self._live.control is not None:
            self._live.control.set_learning_rate(lr)

    def probe_devices(self) -> None:
        """Ask the training thread which devices exist (imports torch there, not here)."""
        if self._devices is not None:
            self.devices_found.emit(list(self._devices))
            return
        if not self._probing:
            self._probing = True
            self._ensure_thread()
            self._probe_requested.emit()

    # ---- relays (GUI thread) --------------------------------------------------------

    @Slot(object)
    def _relay_event(self, event: object) -> None:
        self.event.emit(event)

    @Slot(object)
    def _relay_finished(self, outcome: object) -> None:
        self._live.control = None
        self.done.emit(outcome)

    @Slot(list)
    def _relay_devices(self, devices: list[str]) -> None:
        self._devices, self._probing = list(devices), False
        self.devices_found.emit(list(devices))


class _LiveRun:
    """The current run's control, shared with the clean-up closure."""

    control: TrainingControl | None = None


# Threads not yet shut down. A script that ends without aboutToQuit (no app.exec(), an
# exception) would otherwise destroy a running QThread during teardown, which aborts.
_RUNNING: dict[int, tuple[QThread, _LiveRun]] = {}


@atexit.register
def _stop_all_threads() -> None:
    for thread, live in list(_RUNNING.values()):
        _stop_thread(thread, live.control)
    _RUNNING.clear()


def _stop_thread(
    thread: QThread, control: TrainingControl | None, timeout_ms: int = SHUTDOWN_WAIT_MS
) -> bool:
    if control is not None:
        control.stop()
    try:
        thread.quit()  # the event loop ends once the current run (if any) returns
        return thread.wait(timeout_ms)
    except RuntimeError:  # at interpreter exit Qt may have deleted the thread object already
        return True
