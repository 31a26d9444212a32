"""The training process: trains what the window sends and streams the events back.

    python -m backends.training.child    (started by backends.training.client)

Running the loop in its own process keeps it from competing with the window's GUI
thread for one interpreter lock: with both in one process a tiny model trained at
0.56-0.75x of its headless speed (bench_gui), because every Python line the plots
run stalls the training thread. The window's process never imports torch.

stdin carries requests, stdout only messages: anything else printed goes to stderr.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

from backends.training import events as ev  # numpy only: torch loads with the first run
from backends.training.control import TrainingControl
from backends.training.protocol import ProtocolError, RunSummary, TrainRequest, read_message, write_message

BATCH_WINDOW = 0.05  # seconds an event may wait to travel with the next ones


class _Child:
    def __init__(self, requests: BinaryIO, replies: BinaryIO) -> None:
        self.requests, self.replies = requests, replies
        self.reply_lock = threading.Lock()
        self.work: queue.Queue[tuple[Any, ...]] = queue.Queue()
        # The control of the newest run asked for, made when its request is read: a stop
        # that follows it at once applies even while the main loop is still busy (starting,
        # probing devices, importing torch) and has not begun that run.
        self.control: TrainingControl | None = None
        self.model: Any = None  # the last run's trained module, for ("save", ...)
        self.gone = False  # the window's end of the pipe has closed

    def send(self, message: tuple[Any, ...]) -> None:
        if self.gone:
            return
        try:
            with self.reply_lock:
                write_message(self.replies, message)
        except (BrokenPipeError, OSError, ValueError):  # the window has gone: stop and leave quietly
            self.gone = True
            if self.control is not None:
                self.control.stop()

    def listen(self) -> None:
        """Reader thread: control requests apply at once, the rest queue for the main loop."""
        while True:
            try:
                message = read_message(self.requests)
            except ProtocolError:
                message = None  # the window sent something unreadable: treat it as gone
            if message is None or message[0] == "quit":
                if self.control is not None:
                    self.control.stop()
                self.work.put(("quit",))
                return
            kind = message[0]
            if kind == "train":
                self.control = TrainingControl()
                self.work.put((*message, self.control))
            elif kind in ("stop", "pause", "resume", "lr"):
                if self.control is not None:
                    _apply(self.control, message)
            else:
                self.work.put(message)

    def serve(self) -> None:
        threading.Thread(target=self.listen, name="netcanvas-requests", daemon=True).start()
        try:
            self._serve_requests()
        finally:
            # Free the tensors here, on the main thread. Had a daemon thread (the request
            # reader or an event sender, both hold this object) dropped the last reference
            # as the interpreter shut down, torch would have released the interpreter lock
            # inside a tensor's destructor, and a daemon thread that asks for it back then
            # is ended with a forced unwind that aborts the process.
            self.model = None

    def _serve_requests(self) -> None:
        while True:
            message = self.work.get()
            kind = message[0]
            if kind == "quit" or self.gone:
                return
            if kind == "probe":
                self.send(("devices", _devices()))
            elif kind == "train":
                self.send(("done", self.train(message[1], message[2])))
            elif kind == "save":
                path, metadata, request = message[1], message[2], message[3] if len(message) > 3 else 0
                self.send(("saved", path, self.save(path, metadata), request))

    def train(self, request: TrainRequest, control: TrainingControl) -> RunSummary:
        self.model = None
        batches = _Batches(self.send)
        try:
            outcome = _run(request, batches.add, control)
        except Exception as exc:  # run_training reports training problems itself: this is a bug
            failed = ev.Failed(f"{type(exc).__name__}: {exc}", hint="this may be a bug in netcanvas")
            batches.add(failed)
            return RunSummary(failed=failed)
        finally:
            batches.close()
        self.model = outcome.built.model if outcome.built is not None else None
        return RunSummary(outcome.finished, outcome.failed, outcome.history, self.model is not None)

    def save(self, path: str, metadata: dict[str, str]) -> str | None:
        if self.model is None:
            return "there are no trained weights to save; train the network first"
        from backends.weights import WeightsError, save_weights

        try:
            save_weights(self.model, path, metadata)
        except (WeightsError, OSError) as exc:
            return str(exc)
        return None


class _Batches:
    """A run's events, sent in batches at most BATCH_WINDOW apart: a tiny model finishes
    hundreds of epochs a second, and one message per event cost the trainer a pipe write
    and the window a wakeup each. The run's start, pause, resume and end go at once; a
    helper thread sends what has waited a whole window (say, the last epoch's results
    while the test split is evaluated)."""

    def __init__(self, send: Any) -> None:
        self.send = send
        self.waiting: list[Any] = []
        self.since = 0.0  # when the oldest waiting event came
        self.closed = False
        self.lock = threading.Condition()  # held while sending, so batches keep their order
        self.sender = threading.Thread(target=self._send_late, name="netcanvas-events", daemon=True)
        self.sender.start()

    def add(self, event: Any) -> None:
        with self.lock:
            if not self.waiting:
                self.since = time.monotonic()
                self.lock.notify()
            self.waiting.append(event)
            if isinstance(event, ev.PROMPT_EVENTS):
                self._send_waiting()

    def close(self) -> None:
        with self.lock:
            self._send_waiting()
            self.closed = True
            self.lock.notify()
        # The sender holds this object and, through `send`, the trained model: it must be
        # gone before the run returns, or it could free the model while the process exits
        # (see _Child.serve).
        self.sender.join()

    def _send_waiting(self) -> None:
        if self.waiting:
            batch, self.waiting = self.waiting, []
            self.send(("events", batch))

    def _send_late(self) -> None:
        with self.lock:
            while not self.closed:
                due = self.since + BATCH_WINDOW - time.monotonic()
                if not self.waiting:
                    self.lock.wait()
                elif due > 0:
                    self.lock.wait(due)
                else:
                    self._send_waiting()


def _apply(control: TrainingControl, message: tuple[Any, ...]) -> None:
    kind = message[0]
    if kind == "stop":
        control.stop()
    elif kind == "pause":
        control.pause()
    elif kind == "resume":
        control.resume()
    elif kind == "lr":
        with contextlib.suppress(TypeError, ValueError):  # the window checks the value before sending
            control.set_learning_rate(float(message[1]))


def _run(request: TrainRequest, sink: Any, control: TrainingControl) -> Any:
    from backends.training.loop import TrainingJob, run_training
    from nodes.project import from_dict
    from nodes.training_settings import TrainingSettings

    job = TrainingJob(
        doc=from_dict(request.project, "the design being trained"),
        settings=TrainingSettings.from_dict(request.settings),
        base_dir=Path(request.base_dir) if request.base_dir else None,
        report_interval=request.report_interval,
        instrument=request.instrument,
        views=request.views,
    )
    return run_training(job, sink, control)


def _devices() -> list[str]:
    try:
        from backends.training.device import available_devices

        return available_devices()
    except Exception:  # a broken CUDA install must not break the device menu
        return ["cpu"]


def main() -> None:
    # Normal priority on purpose: at nice 5 a run trained about 5 % slower even with the
    # window idle (interleaved A/B on 2 cores), and the window answered within the
    # latency target either way, because a thread that wakes from sleep is served first.
    # The protocol owns the real stdout; stray prints (from a library, say) go to stderr.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    _Child(sys.stdin.buffer, replies).serve()


if __name__ == "__main__":
    main()
