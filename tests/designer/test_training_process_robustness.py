"""The training process under stress: stops in awkward moments, crashes, saves, stale replies.

Real child processes and real widgets on the offscreen platform. Each run is a tiny blobs()
model; what comes back is checked against the engine run in this process (same seed, same
numbers) or against the files written. Several tests began as defects found in review
(lost stops, stale save replies, a dead process failing the next run), since fixed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from backends.training import events as ev
from designer.controller import DocumentController
from designer.training import worker
from designer.training.panel import TrainingPanel
from designer.training.worker import TrainingRunner
from tests.backends.training_helpers import blobs, run, settings, state_after

ROOT = Path(__file__).resolve().parents[2]
WAIT_MS = 60_000  # never hang a test run

pytestmark = [pytest.mark.gui, pytest.mark.slow]


# ---- helpers -------------------------------------------------------------------------


class Recorder:
    """Everything a runner hands to the GUI thread, in order: ("events", [...]) and ("done", summary)."""

    def __init__(self, runner: TrainingRunner) -> None:
        self.log: list[tuple[str, Any]] = []
        runner.events.connect(lambda batch: self.log.append(("events", list(batch))))
        runner.done.connect(lambda summary: self.log.append(("done", summary)))

    @property
    def events(self) -> list[Any]:
        return [e for kind, item in self.log if kind == "events" for e in item]

    @property
    def dones(self) -> list[Any]:
        return [item for kind, item in self.log if kind == "done"]

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def runners(qtbot: Any):
    """Makes runners and makes sure no training process outlives its test."""
    made: list[TrainingRunner] = []

    def make() -> tuple[TrainingRunner, Recorder]:
        made.append(TrainingRunner())
        return made[-1], Recorder(made[-1])

    yield make
    for runner in made:
        process = runner._process
        if process is not None and process.alive:
            os.kill(process.process.pid, signal.SIGCONT)  # in case a test left it stopped
        runner.shutdown(5.0)


def train(qtbot: Any, runner: TrainingRunner, epochs: int, seed: int = 5) -> Any:
    with qtbot.waitSignal(runner.done, timeout=WAIT_MS) as blocker:
        runner.start(blobs(), settings(epochs=epochs, seed=seed), None)
    return blocker.args[0]


def losses(history: list[ev.EpochEnd]) -> list[float]:
    return [e.train_loss for e in history]


def reference_losses(epochs: int, seed: int = 5) -> list[float]:
    local, _ = run(blobs(), epochs=epochs, seed=seed)
    return losses(local.history)


def assert_file_holds(path: Path, expected: dict[str, torch.Tensor]) -> None:
    saved = load_file(str(path))
    assert saved.keys() == expected.keys()
    for name, tensor in expected.items():
        torch.testing.assert_close(saved[name], tensor, rtol=1e-5, atol=1e-6)


def process_state(pid: int) -> str:
    """'gone', or the letter /proc shows (Z: exited, waiting to be reaped by whoever adopted it)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(line.split()[1] for line in status if line.startswith("State:"))
    except (FileNotFoundError, ProcessLookupError):
        return "gone"


def is_training_process(pid: int) -> bool:
    try:
        return b"backends.training.child" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def blobs_panel(qtbot: Any, epochs: int) -> TrainingPanel:
    doc = blobs()
    doc.settings["training"] = {"epochs": epochs, "batch_size": 16, "device": "cpu", "seed": 5}
    panel = TrainingPanel(DocumentController(doc))
    qtbot.addWidget(panel)
    return panel


# ---- stopping --------------------------------------------------------------------------


def test_stop_pressed_while_the_process_is_busy_probing_still_stops_the_run(qtbot: Any) -> None:
    panel = blobs_panel(qtbot, epochs=1000)
    try:
        panel.runner.probe_devices()  # what the panel does 1.5 s after it shows
        assert panel.train()
        panel.stop()
        assert not panel.stop_button.isEnabled()  # the user cannot press Stop a second time
        with qtbot.waitSignal(panel.run_done, timeout=WAIT_MS) as blocker:
            pass
        outcome = blocker.args[0]
        assert outcome.finished is not None
        assert outcome.finished.reason == "stopped" and outcome.finished.epochs_run < 1000
    finally:
        panel.shutdown()


def test_pause_then_stop_ends_the_run_and_saves_the_weights_of_the_steps_taken(
    qtbot: Any, tmp_path: Path
) -> None:
    panel = blobs_panel(qtbot, epochs=100_000)
    seen: list[Any] = []
    panel.event.connect(seen.append)
    try:
        assert panel.train()
        qtbot.waitUntil(lambda: any(isinstance(e, ev.Progress) for e in seen), timeout=WAIT_MS)
        panel.toggle_pause()
        qtbot.waitUntil(lambda: any(isinstance(e, ev.Paused) for e in seen), timeout=WAIT_MS)
        assert panel.runner.paused and panel.pause_button.text() == "Resume"
        # No weights while a run is in progress: refused at once, never queued behind the run.
        target = tmp_path / "w.safetensors"
        started = time.monotonic()
        assert panel.save_weights(target) is False
        assert time.monotonic() - started < 0.5 and not target.exists()
        assert not panel.save_button.isEnabled()
        with qtbot.waitSignal(panel.run_done, timeout=5_000) as blocker:
            panel.stop()
        outcome = blocker.args[0]
        assert outcome.failed is None and outcome.finished.reason == "stopped"
        assert not panel.runner.running and not panel.runner.paused
        paused_at = next(e for e in seen if isinstance(e, ev.Paused)).step
        steps = int(max(e.steps[-1] for e in seen if isinstance(e, ev.Progress)))
        assert steps == paused_at  # nothing trained between the pause and the stop
        # The epochs and the weights are exactly the engine's, run here for as many steps.
        assert outcome.history
        np.testing.assert_allclose(losses(outcome.history), reference_losses(len(outcome.history)), rtol=1e-6)
        assert panel.save_button.isEnabled() and panel.save_weights(target)
        assert_file_holds(target, state_after(blobs(), steps, seed=5, epochs=100_000))
    finally:
        assert panel.shutdown()


# ---- stale messages from an earlier process --------------------------------------------


def test_a_run_started_right_after_the_process_died_is_not_failed_by_the_dead_one(
    qtbot: Any, runners: Any
) -> None:
    runner, record = runners()
    assert train(qtbot, runner, epochs=2).failed is None
    dead = runner._process
    dead.process.kill()  # idle, as the system's out-of-memory killer might
    dead.process.wait()
    summary = train(qtbot, runner, epochs=3)  # no event loop turn in between: Train at once
    assert summary.failed is None, summary.failed
    assert summary.finished.reason == "completed"
    np.testing.assert_allclose(losses(summary.history), reference_losses(3), rtol=1e-6)
    qtbot.wait(300)
    assert len(record.dones) == 2


def test_after_shutdown_a_new_run_reports_its_own_result(qtbot: Any, runners: Any) -> None:
    runner, record = runners()
    runner.start(blobs(), settings(epochs=100_000, seed=5), None)
    qtbot.waitUntil(lambda: bool(record.of(ev.Progress)), timeout=WAIT_MS)
    assert runner.shutdown()
    summary = train(qtbot, runner, epochs=3)
    assert summary.finished is not None and summary.finished.reason == "completed", summary
    assert summary.finished.epochs_run == 3
    np.testing.assert_allclose(losses(summary.history), reference_losses(3), rtol=1e-6)


def test_done_and_the_process_end_in_one_delivery_give_one_done_after_every_event(
    qtbot: Any, runners: Any
) -> None:
    runner, record = runners()
    runner.start(blobs(), settings(epochs=3, seed=5), None)
    process = runner._process

    def mailbox_kinds() -> list[str]:
        with runner._mailbox._lock:
            return [m[1] for m in runner._mailbox._items]  # (process number, kind, ...)

    # The GUI thread stays busy (no event loop) while the run ends and the process quits,
    # so "done" and "exited" wait in the mailbox together and go out in one delivery.
    deadline = time.monotonic() + WAIT_MS / 1000
    while "done" not in mailbox_kinds() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.send(("quit",))
    assert process.process.wait(timeout=30) == 0
    while "exited" not in mailbox_kinds() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert mailbox_kinds()[-2:] == ["done", "exited"]
    qtbot.waitUntil(lambda: bool(record.dones), timeout=5_000)
    qtbot.wait(200)
    assert len(record.dones) == 1 and not runner.running
    summary = record.dones[0]
    assert summary.failed is None and summary.finished.reason == "completed"  # not "ended unexpectedly"
    assert record.log[-1][0] == "done"  # every event came before it
    events = record.events
    assert isinstance(events[0], ev.RunStarted) and isinstance(events[-1], ev.Finished)
    assert [e.epoch for e in record.of(ev.EpochEnd)] == [1, 2, 3]
    np.testing.assert_allclose(losses(summary.history), reference_losses(3), rtol=1e-6)


# ---- saving weights ----------------------------------------------------------------------


def test_saving_returns_at_once_when_the_process_dies_during_the_save(
    qtbot: Any, runners: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "SAVE_WAIT_S", 2.0)
    runner, _ = runners()
    assert train(qtbot, runner, epochs=2).weights_available
    pid = runner._process.process.pid
    os.kill(pid, signal.SIGSTOP)  # it cannot answer before it dies
    killer = threading.Timer(0.3, os.kill, (pid, signal.SIGKILL))
    killer.start()
    target = tmp_path / "w.safetensors"
    started = time.monotonic()
    try:
        error = runner.save_weights(target, {})
    finally:
        killer.join()
    waited = time.monotonic() - started
    assert error is not None and not target.exists()
    assert waited < 1.5, f"the window froze {waited:.1f} s for a process that was gone"
    assert "ended" in error


def test_a_late_answer_to_an_earlier_save_is_not_taken_for_the_next_one(
    qtbot: Any, runners: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner, _ = runners()
    assert train(qtbot, runner, epochs=3).weights_available
    pid = runner._process.process.pid
    os.kill(pid, signal.SIGSTOP)  # a process too busy to answer in time
    monkeypatch.setattr(worker, "SAVE_WAIT_S", 0.3)
    first = runner.save_weights(tmp_path / "missing-folder" / "a.safetensors", {})
    assert first is not None and "did not answer" in first
    monkeypatch.setattr(worker, "SAVE_WAIT_S", 30.0)
    waker = threading.Timer(0.3, os.kill, (pid, signal.SIGCONT))  # it answers both, in order
    waker.start()
    target = tmp_path / "b.safetensors"
    try:
        second = runner.save_weights(target, {})
    finally:
        waker.join()
    assert second is None, second
    local, _ = run(blobs(), epochs=3, seed=5)
    assert_file_holds(target, local.built.model.state_dict())


# ---- several runners, and the end of the window's process -----------------------------------


def test_two_runners_train_side_by_side_and_one_shutting_down_leaves_the_other(
    qtbot: Any, runners: Any
) -> None:
    long_runner, long_record = runners()
    short_runner, short_record = runners()
    long_runner.start(blobs(), settings(epochs=100_000, seed=7), None)
    short_runner.start(blobs(), settings(epochs=3, seed=5), None)
    qtbot.waitUntil(lambda: bool(long_record.of(ev.Progress)), timeout=WAIT_MS)
    long_process = long_runner._process
    assert long_process is not short_runner._process
    assert long_runner.shutdown() and long_process.process.poll() is not None
    qtbot.waitUntil(lambda: bool(short_record.dones), timeout=WAIT_MS)
    summary = short_record.dones[0]
    assert summary.failed is None and summary.finished.reason == "completed"
    np.testing.assert_allclose(losses(summary.history), reference_losses(3, seed=5), rtol=1e-6)
    seven = [e.train_loss for e in long_record.of(ev.EpochEnd)]
    if seven:  # the other runner's events are its own run's (seed 7), not this one's
        np.testing.assert_allclose(seven, reference_losses(len(seven), seed=7), rtol=1e-6)
    qtbot.wait(200)
    assert long_record.dones == [] and len(short_record.dones) == 1  # shut down: no done for it


PARENT = """
import sys, time
from PySide6.QtCore import QCoreApplication
app = QCoreApplication([])
from backends.training import events as ev
from designer.training.worker import TrainingRunner
from tests.backends.training_helpers import blobs, settings
mode = sys.argv[1]
runner = TrainingRunner()
seen = []
runner.events.connect(seen.extend)
runner.start(blobs(), settings(epochs=100000), None)
def wait_for(kind):
    end = time.monotonic() + 60
    while not any(isinstance(e, kind) for e in seen) and time.monotonic() < end:
        app.processEvents(); time.sleep(0.01)
wait_for(ev.Progress)
if mode == "paused":
    runner.pause()
    wait_for(ev.Paused)
print(runner._process.process.pid, flush=True)
if mode == "exit":
    sys.exit(0)  # no shutdown, no aboutToQuit: only the atexit hook is left
while True:
    app.processEvents(); time.sleep(0.01)
"""


def test_the_training_process_never_outlives_the_window_process() -> None:
    """Killed outright while its run is paused, or ending mid-run without shutting down."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    parents = {
        mode: subprocess.Popen(
            [sys.executable, "-c", PARENT, mode],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in ("paused", "exit")
    }
    children: dict[str, int] = {}
    try:
        children.update({mode: int(parent.stdout.readline()) for mode, parent in parents.items()})
        parents["paused"].send_signal(signal.SIGKILL)
        codes = {mode: parent.wait(timeout=60) for mode, parent in parents.items()}
        assert codes == {"paused": -signal.SIGKILL, "exit": 0}
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
            process_state(pid) not in ("gone", "Z") for pid in children.values()
        ):
            time.sleep(0.05)
        assert {mode: process_state(pid) in ("gone", "Z") for mode, pid in children.items()} == {
            "paused": True,
            "exit": True,
        }
        assert process_state(children["exit"]) == "gone"  # reaped by the exiting window process
        errors = parents["exit"].stderr.read()
        assert "Traceback" not in errors and "Fatal" not in errors, errors
    finally:
        for parent in parents.values():
            if parent.poll() is None:
                parent.kill()
                parent.wait()
        for stream in (s for p in parents.values() for s in (p.stdout, p.stderr)):
            stream.close()
        for pid in children.values():  # a child left behind by a failure: end it, and only it
            if process_state(pid) not in ("gone", "Z") and is_training_process(pid):
                os.kill(pid, signal.SIGKILL)
