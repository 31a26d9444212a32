"""Training in a process of its own, and the runner the GUI thread talks to.

The engine (backends.training) knows nothing of Qt. It runs in a child process
(backends/training/child.py), so the training loop never waits for the GUI thread's
share of the interpreter lock, and the window's process never imports torch. A reader
thread drops the child's messages into a mailbox; the runner lives in the GUI thread
and empties the mailbox at most MAILBOX_HZ times a second, handing on each batch of
events from there, so every widget slot connected to the runner runs on the GUI
thread, lambdas included. Batches matter for tiny models: they finish hundreds of
epochs a second, and a widget update per event would flood the window.
"""

from __future__ import annotations

import atexit
import contextlib
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal, Slot

from backends.training.client import TrainingProcess  # no torch: that loads in the child
from backends.training.control import TrainingControl
from backends.training.events import PROMPT_EVENTS, REPORT_INTERVAL, Failed, Paused, Progress
from backends.training.load import TrainerLoad
from backends.training.protocol import RunSummary, TrainRequest
from nodes.graph import GraphDocument
from nodes.project import to_dict
from nodes.training_settings import TrainingSettings

SHUTDOWN_WAIT_S = 10.0  # a stop takes effect within one batch; an import of torch cannot be cut short
SAVE_WAIT_S = 60.0  # writing a weights file
MAILBOX_HZ = 25  # deliveries of events to the GUI thread per second, at most
FULL_MACHINE_MAILBOX_HZ = 2  # the same while the run keeps the machine full (training/load.py)


class EventMailbox:
    """Messages from the reader thread, waiting for the GUI thread; safe to use from both."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[tuple[Any, ...]] = []
        self.urgent = False  # it holds a message that must not wait for the next delivery

    def put(self, item: tuple[Any, ...], urgent: bool = False) -> bool:
        """Add a message; True when the GUI thread needs waking: the box was empty, or this
        is its first urgent message."""
        with self._lock:
            self._items.append(item)
            wake = len(self._items) == 1 or (urgent and not self.urgent)
            self.urgent = self.urgent or urgent
            return wake

    def take(self) -> list[tuple[Any, ...]]:
        with self._lock:
            items, self._items, self.urgent = self._items, [], False
        return items


@dataclass
class _Run:
    control: TrainingControl  # mirrors the requests sent, so `paused` answers at once


class TrainingRunner(QObject):
    """Owns the training process; use it from the GUI thread only."""

    events = Signal(list)  # engine events in the order they happened, delivered on the GUI thread
    done = Signal(object)  # RunSummary (or None if the process died), after the run's last event
    devices_found = Signal(list)

    _mail = Signal()  # emitted on the reader thread when the mailbox stops being empty

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process: TrainingProcess | None = None
        # Each process gets a number; messages from an earlier one (a crashed or shut-down
        # process still draining its pipe) are dropped, so they never touch a newer run.
        self._generation = 0
        self._save_number = 0
        self._run: _Run | None = None
        self._devices: list[str] | None = None
        self._probing = False
        self._mailbox = EventMailbox()
        self.load = TrainerLoad()  # of the current run, from its progress reports
        self._saves: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self._last_delivery = 0.0
        self._delivery_timer = QTimer(self)
        self._delivery_timer.setSingleShot(True)
        self._delivery_timer.timeout.connect(self._deliver)
        self._mail.connect(self._on_mail, Qt.ConnectionType.QueuedConnection)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # ---- the process -----------------------------------------------------------

    def _ensure_process(self) -> TrainingProcess:
        if self._process is None or not self._process.alive:
            self._generation += 1
            generation = self._generation
            self._process = TrainingProcess(lambda message: self._on_message(generation, message))
            _RUNNING.add(self._process)
        return self._process

    def _on_message(self, generation: int, message: tuple[Any, ...]) -> None:
        """Reader thread: no widgets here, only the mailbox, the save answers and a wake-up."""
        if message[0] in ("saved", "exited"):
            self._saves.put((generation, *message))  # an end of the process also ends a wait
            if message[0] == "saved":
                return
        if self._mailbox.put((generation, *message), urgent=_is_urgent(message)):
            with contextlib.suppress(RuntimeError):  # the runner was deleted; nobody is listening
                self._mail.emit()

    def shutdown(self, timeout_s: float = SHUTDOWN_WAIT_S) -> bool:
        """Stop any run and end the training process; True when it ended within the timeout."""
        process, self._process = self._process, None
        self._run, self._probing = None, False
        self._generation += 1  # whatever the old process still says is not for the next one
        if process is None:
            return True
        _RUNNING.discard(process)
        return process.close(timeout_s)

    # ---- runs ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._run is not None

    @property
    def paused(self) -> bool:
        control = self._run.control if self._run else None
        return control is not None and control.paused and not control.stopped

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
        report_interval: float = REPORT_INTERVAL,
        instrument: bool = True,
        views: bool = True,
    ) -> None:
        """Train `doc_snapshot` in the training process; events follow on the GUI thread."""
        if self.running:
            raise RuntimeError("a training run is already in progress; stop it first")
        process = self._ensure_process()
        request = TrainRequest(
            to_dict(doc_snapshot),
            settings.to_dict(),
            str(base_dir) if base_dir else None,
            report_interval,
            instrument,
            views,
        )
        self._run = _Run(TrainingControl())
        self.load.forget()
        if not process.send(("train", request)):
            self._mailbox.put((self._generation, "exited", None))  # reported like any other end
            self._on_mail()

    def _send(self, *message: Any) -> None:
        if self._process is not None:
            self._process.send(message)

    def stop(self) -> None:
        if self._run is not None:
            self._run.control.stop()
            self._send("stop")

    def pause(self) -> None:
        if self._run is not None:
            self._run.control.pause()
            self._send("pause")

    def resume(self) -> None:
        if self._run is not None:
            self._run.control.resume()
            self._send("resume")

    def set_learning_rate(self, lr: float) -> None:
        """Takes effect before the next batch (while paused: reported by the Resumed event)."""
        if self._run is not None:
            self._run.control.set_learning_rate(lr)  # refuses a value <= 0 here, before sending
            self._send("lr", float(lr))

    def probe_devices(self) -> None:
        """Ask the training process which devices exist (it imports torch, the window does not)."""
        if self._devices is not None:
            self.devices_found.emit(list(self._devices))
            return
        if not self._probing:
            self._probing = True
            self._ensure_process().send(("probe",))

    def save_weights(self, path: Path, metadata: dict[str, str]) -> str | None:
        """Write the last run's weights; None on success, else what went wrong."""
        gone = "the trained weights are gone: the training process has ended; train again"
        if self.running:
            return "the weights can be saved once the run has ended"
        if self._process is None or not self._process.alive:
            return gone
        while not self._saves.empty():  # answers nobody waits for any more
            self._saves.get_nowait()
        self._save_number += 1
        number, generation = self._save_number, self._generation
        if not self._process.send(("save", str(path), dict(metadata), number)):
            return gone
        deadline = time.monotonic() + SAVE_WAIT_S
        while (left := deadline - time.monotonic()) > 0:
            try:
                answer = self._saves.get(timeout=left)
            except queue.Empty:
                break
            if answer[0] != generation:
                continue  # from a process that has gone since
            if answer[1] == "exited":
                return gone
            if answer[1] == "saved" and answer[-1] == number:
                return answer[3]
            # else: a late answer to an earlier save that timed out
        return f"the training process did not answer within {SAVE_WAIT_S:.0f} s"

    # ---- deliveries (GUI thread) ----------------------------------------------------

    @Slot()
    def _on_mail(self) -> None:
        if self._mailbox.urgent:  # a run's start, pause, resume or end: show it now
            self._delivery_timer.stop()
            self._deliver()
            return
        if self._delivery_timer.isActive():
            return  # a delivery is already due; it takes this message too
        rate = FULL_MACHINE_MAILBOX_HZ if self.load.full else MAILBOX_HZ
        wait = self._last_delivery + 1.0 / rate - time.monotonic()
        if wait <= 0:
            self._deliver()
        else:
            self._delivery_timer.start(max(1, round(wait * 1000)))

    @Slot()
    def _deliver(self) -> None:
        self._last_delivery = time.monotonic()
        batch: list[object] = []
        for generation, *message in self._mailbox.take():
            if generation != self._generation:
                continue  # from a process that has been replaced
            kind = message[0]
            if kind == "events":
                batch.extend(message[1])
                for event in message[1]:
                    if isinstance(event, Progress):
                        self.load.note(event.cores_used)
                    elif isinstance(event, Paused):
                        self.load.forget()  # an idle trainer leaves the machine free
            elif kind == "done":
                self._end_run(batch, message[1])
                batch = []
            elif kind == "devices":
                self._devices, self._probing = list(message[1]), False
                self.devices_found.emit(list(message[1]))
            elif kind == "exited":
                self._process_ended(batch, message[1])
                batch = []
        if batch:
            self.events.emit(batch)

    def _end_run(self, batch: list[object], summary: RunSummary | None) -> None:
        if batch:
            self.events.emit(batch)
        if self._run is not None:
            self._run = None
            self.load.forget()
            self.done.emit(summary)

    def _process_ended(self, batch: list[object], code: int | None) -> None:
        if self._probing:  # the device menu still needs an answer
            self._devices, self._probing = ["cpu"], False
            self.devices_found.emit(["cpu"])
        if self._run is not None:  # it died in the middle of a run
            how = f"exit code {code}" if code is not None else "it could not be started"
            failed = Failed(
                f"the training process ended unexpectedly ({how})",
                hint="the computer may have run out of memory; try a smaller batch or model",
            )
            self._end_run([*batch, failed], RunSummary(failed=failed))
        elif batch:
            self.events.emit(batch)


def _is_urgent(message: tuple[Any, ...]) -> bool:
    """Anything but progress: a run's start, pause, resume or end, its summary, the process's end."""
    if message[0] != "events":
        return True
    return any(isinstance(event, PROMPT_EVENTS) for event in message[1])


# Processes not yet shut down: a script that ends without aboutToQuit must not leave them.
_RUNNING: set[TrainingProcess] = set()


@atexit.register
def _stop_all_processes() -> None:
    for process in list(_RUNNING):
        process.close(2.0)
    _RUNNING.clear()
