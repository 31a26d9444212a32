"""The training panel and plots, driven as a user would: press Train, Pause, Stop, edit the canvas.

Real widgets on the offscreen platform; each run trains a small example on the CPU
in the runner's training process, and the tests wait for the panel's signals.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QCoreApplication, Qt, QThread

from backends.training import events as ev
from designer.controller import DocumentController
from designer.training import text
from designer.training.panel import device_choices
from designer.training.run_diff import describe_changes, run_label, setup_of
from designer.training.run_status import BLOCKED, READY
from designer.training.view import TrainingView
from nodes import project
from nodes.graph import GraphDocument
from nodes.training_settings import TrainingSettings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"
RUN_TIMEOUT_MS = 120_000  # a busy CI machine trains these in seconds; never hang a test run

pytestmark = [pytest.mark.gui, pytest.mark.slow]


# ---- helpers -------------------------------------------------------------------------


def open_view(qtbot: Any, example: str | None = "xor_mlp", doc: GraphDocument | None = None) -> TrainingView:
    controller = DocumentController(doc)
    if example is not None:
        controller.load(EXAMPLES / f"{example}.json")
    view = TrainingView(controller)
    qtbot.addWidget(view)
    view.panel.set_setting("device", "cpu")
    return view


@pytest.fixture
def views(qtbot: Any):
    """Opens views and makes sure no training thread outlives its test."""
    opened: list[TrainingView] = []

    def make(*args: Any, **kwargs: Any) -> TrainingView:
        opened.append(open_view(qtbot, *args, **kwargs))
        return opened[-1]

    yield make
    for view in opened:
        assert view.shutdown()


class Events:
    """Every event the panel passed on, with the thread each arrived on."""

    def __init__(self, view: TrainingView) -> None:
        self.items: list[Any] = []
        self.threads: set[Any] = set()
        view.panel.event.connect(self._add)

    def _add(self, event: Any) -> None:
        self.items.append(event)
        self.threads.add(QThread.currentThread())

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.items if isinstance(e, kind)]


def train_to_end(qtbot: Any, view: TrainingView) -> Any:
    with qtbot.waitSignal(view.panel.run_done, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(view.panel.train_button, Qt.MouseButton.LeftButton)
    view.plots.flush()
    return blocker.args[0]


def start_long_run(qtbot: Any, view: TrainingView, events: Events) -> None:
    view.panel.set_setting("epochs", 5000)
    qtbot.mouseClick(view.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(events.of(ev.Progress)), timeout=RUN_TIMEOUT_MS)


def node_id(view: TrainingView, name: str) -> str:
    node = view.panel.controller.doc.find_by_name(name)
    assert node is not None
    return node.id


# ---- a whole run -------------------------------------------------------------------


def test_a_run_fills_every_plot_and_the_confusion_matrix(qtbot: Any, views: Any) -> None:
    view = views()
    panel, plots = view.panel, view.plots
    events = Events(view)
    panel.set_setting("epochs", 3)
    assert panel.controller.doc.settings["training"]["epochs"] == 3  # saved with the project
    assert panel.train_button.isEnabled() and not panel.stop_button.isEnabled()

    outcome = train_to_end(qtbot, view)

    assert outcome.failed is None and outcome.finished.reason == "completed"
    started = events.of(ev.RunStarted)[0]
    assert plots.loss_points == started.epochs * started.steps_per_epoch == 3 * started.steps_per_epoch
    assert plots.epoch_points == 3
    assert np.array_equal(plots.step_loss.x.values, np.arange(1, plots.loss_points + 1))
    assert plots.loss_curve.getData()[0] is not None and len(plots.loss_curve.getData()[0]) > 0
    assert set(plots.grad_curves) == {"hidden", "output"}
    assert all(len(plots.grad_norms[name]) == plots.loss_points for name in plots.grad_curves)
    assert plots.model_view.image.image is not None and plots.model_view.image.isVisible()
    assert plots.model_view.shown.epoch == 3
    assert plots.histograms.layer_box.count() == 2
    table = plots.results.table
    assert not table.isHidden() and table.rowCount() == 2 and table.columnCount() == 3  # + "right"
    assert np.array_equal(plots.results.counts(), outcome.finished.confusion)
    test_size = int(outcome.finished.confusion.sum())
    assert plots.results.headline.text().startswith("Test accuracy ")
    assert f"({test_size} samples)" in plots.results.headline.text()
    assert panel.progress.value() == 1000 and panel.train_button.isEnabled()
    assert panel.save_button.isEnabled()
    # Undo takes the epochs back, like any other edit.
    panel.controller.undo_stack.undo()
    assert panel.form.value("epochs") == 60


def test_progress_text_and_gradient_levels_follow_the_run(qtbot: Any, views: Any) -> None:
    view = views()
    levels: list[Any] = []
    view.panel.gradient_levels.connect(levels.append)
    formats: list[str] = []
    view.panel.event.connect(
        lambda e: formats.append(view.panel.progress.format()) if isinstance(e, ev.Progress) else None
    )
    view.panel.set_setting("epochs", 2)
    train_to_end(qtbot, view)
    # The bar's words follow the run (at most 5 times a second: test_run_status.py).
    shown = [f for f in formats if f != "starting…"]  # a batch's first events may precede any shown
    assert shown and all(re.match(r"epoch [12]/2 · [\d,]+ samples/s · ETA ", f) for f in shown), formats
    hidden, output = node_id(view, "hidden"), node_id(view, "output")
    assert levels[-1] is None  # the overlay clears when the run ends
    during = [level for level in levels[:-1]]
    assert during and all(set(level) == {hidden, output} for level in during)
    assert all(value > 0 for level in during for value in level.values())


def test_training_runs_in_another_process_and_events_reach_the_gui_thread(qtbot: Any, views: Any) -> None:
    view = views()
    runner = view.panel.runner
    events = Events(view)
    view.panel.set_setting("epochs", 1)
    app_thread = QCoreApplication.instance().thread()
    read_on: set[str] = set()
    runner._mail.connect(
        lambda: read_on.add(threading.current_thread().name), Qt.ConnectionType.DirectConnection
    )
    done_on: set[Any] = set()
    runner.done.connect(lambda _: done_on.add(QThread.currentThread()))  # a lambda: fine, the runner relays
    train_to_end(qtbot, view)
    process = runner._process
    assert process is not None and process.alive and process.process.pid != os.getpid()
    # Messages are read off the pipe on the reader thread, then handed to the GUI thread.
    assert read_on == {"netcanvas-trainer-reader"}
    assert events.items and events.threads == {app_thread}
    assert done_on == {app_thread}


def test_a_fast_run_reaches_the_gui_in_a_few_ordered_batches(qtbot: Any, views: Any) -> None:
    """XOR trains hundreds of epochs a second: the GUI gets batches, never an event each."""
    view = views()
    runner = view.panel.runner
    events = Events(view)
    batches: list[int] = []
    runner.events.connect(lambda batch: batches.append(len(batch)))
    view.panel.set_setting("epochs", 300)
    started = time.monotonic()
    train_to_end(qtbot, view)
    elapsed = time.monotonic() - started
    # Every event arrives once, in the engine's order: epochs count up, steps are contiguous.
    epochs = [e.epoch for e in events.of(ev.EpochEnd)]
    assert epochs == list(range(1, 301))
    steps = np.concatenate([e.steps for e in events.of(ev.Progress)])
    np.testing.assert_array_equal(steps, np.arange(1, len(steps) + 1))
    assert isinstance(events.items[0], ev.RunStarted) and isinstance(events.items[-1], ev.Finished)
    assert sum(batches) == len(events.items) > 600  # an EpochEnd and a Progress per epoch at least
    # The mailbox is emptied at most MAILBOX_HZ times a second (plus the final delivery).
    from designer.training.worker import MAILBOX_HZ

    assert len(batches) <= elapsed * MAILBOX_HZ + 2


# ---- controlling a run ---------------------------------------------------------------


def test_stop_ends_a_long_run_within_a_second(qtbot: Any, views: Any) -> None:
    view = views()
    events = Events(view)
    start_long_run(qtbot, view, events)
    assert view.panel.stop_button.isEnabled() and not view.panel.train_button.isEnabled()
    with qtbot.waitSignal(view.panel.run_done, timeout=RUN_TIMEOUT_MS) as blocker:
        pressed = time.perf_counter()
        qtbot.mouseClick(view.panel.stop_button, Qt.MouseButton.LeftButton)
    waited = time.perf_counter() - pressed
    outcome = blocker.args[0]
    assert outcome.finished.reason == "stopped" and outcome.finished.epochs_run < 5000
    assert waited < 1.0, f"stopping took {waited:.2f} s"
    assert view.panel.train_button.isEnabled() and not view.panel.stop_button.isEnabled()
    assert view.panel.progress.format() == "stopped"


def test_pause_then_resume_with_a_new_learning_rate(qtbot: Any, views: Any) -> None:
    view = views()
    panel = view.panel
    events = Events(view)
    start_long_run(qtbot, view, events)
    assert not panel.lr_edit.isEnabled()
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(events.of(ev.Paused)), timeout=RUN_TIMEOUT_MS)
    assert panel.pause_button.text() == "Resume" and panel.lr_edit.isEnabled()
    paused_at = len(view.plots.step_loss)
    qtbot.wait(200)
    assert len(view.plots.step_loss) == paused_at  # nothing trains while paused

    for bad, said in (
        ("1e6", "at most 10, got 1e+06"),
        ("fast", "needs a number, got 'fast'"),
        ("0", "greater than 0, got 0"),
        ("-3", "greater than 0, got -3"),  # a validator once dropped the "-" and applied 3
    ):
        panel.lr_edit.selectAll()
        qtbot.keyClicks(panel.lr_edit, bad)  # typed, as a user does
        qtbot.mouseClick(panel.lr_apply, Qt.MouseButton.LeftButton)
        assert panel.status.text().startswith("Learning rate ") and said in panel.status.text()
    assert not events.of(ev.Resumed)  # nothing was sent
    panel.lr_edit.setText("0.002")
    qtbot.mouseClick(panel.lr_apply, Qt.MouseButton.LeftButton)
    optimizer = panel.controller.doc.node(panel.controller.analysis.optimizer)
    kept = optimizer.params["lr"]
    assert panel.status.text() == (
        f"Learning rate 0.002 applies when you resume, to this run only: optimizer "
        f"'{optimizer.name}' keeps {kept:g} for the next run."
    )
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(events.of(ev.Resumed)), timeout=RUN_TIMEOUT_MS)
    assert events.of(ev.Resumed)[0].learning_rate == pytest.approx(0.002)
    qtbot.waitUntil(
        lambda: events.of(ev.Progress)[-1].steps[0] > events.of(ev.Resumed)[0].step, timeout=RUN_TIMEOUT_MS
    )
    assert events.of(ev.Progress)[-1].learning_rate == pytest.approx(0.002)
    assert panel.pause_button.text() == "Pause" and not panel.lr_edit.isEnabled()
    assert panel.status.text().endswith("with learning rate 0.002.")
    view.plots.flush()
    marks = [i for i in view.plots.loss_plot.getPlotItem().items if isinstance(i, pg.InfiniteLine)]
    assert [m.label.toPlainText() for m in marks] == ["lr 0.002"]
    # A rate typed but not applied goes with Resume too: that is what the user meant.
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(events.of(ev.Paused)) == 2, timeout=RUN_TIMEOUT_MS)
    panel.lr_edit.setText("0.0005")
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(events.of(ev.Resumed)) == 2, timeout=RUN_TIMEOUT_MS)
    assert events.of(ev.Resumed)[1].learning_rate == pytest.approx(0.0005)
    with qtbot.waitSignal(panel.run_done, timeout=RUN_TIMEOUT_MS):
        panel.stop()
    assert optimizer.params["lr"] == kept  # the document was never edited


def test_editing_the_canvas_during_a_run_shows_the_notice(qtbot: Any, views: Any) -> None:
    view = views()
    panel = view.panel
    events = Events(view)
    start_long_run(qtbot, view, events)
    panel.controller.move_nodes({node_id(view, "hidden"): ((190.0, 0.0), (200.0, 10.0))})
    assert panel.changed_notice.isHidden()  # moving a node changes nothing that trains
    panel.controller.set_param(node_id(view, "hidden"), "out_features", 16)
    assert not panel.changed_notice.isHidden()
    assert "The canvas has changed since this run started" in panel.changed_notice.text()
    with qtbot.waitSignal(panel.run_done, timeout=RUN_TIMEOUT_MS):
        panel.stop()
    assert not panel.changed_notice.isHidden()  # the finished run still belongs to the old graph
    panel.set_setting("epochs", 1)
    train_to_end(qtbot, view)
    assert panel.changed_notice.isHidden()


def test_closing_the_view_stops_a_running_job_and_ends_the_process(qtbot: Any, views: Any) -> None:
    view = views()
    events = Events(view)
    start_long_run(qtbot, view, events)
    process = view.panel.runner._process
    view.close()
    assert process is not None and process.process.poll() is not None  # ended, not left behind
    assert view.panel.runner._process is None


def test_a_training_process_that_dies_is_reported_and_the_next_run_works(qtbot: Any, views: Any) -> None:
    view = views()
    events = Events(view)
    start_long_run(qtbot, view, events)
    process = view.panel.runner._process
    with qtbot.waitSignal(view.panel.run_done, timeout=RUN_TIMEOUT_MS) as blocker:
        process.process.kill()  # as the system's out-of-memory killer would
    assert blocker.args[0].failed is not None
    assert "training process ended unexpectedly" in blocker.args[0].failed.message
    assert not view.panel.banner.isHidden() and "unexpectedly" in view.panel.banner.text()
    assert view.panel.train_button.isEnabled() and not view.panel.save_button.isEnabled()
    view.panel.set_setting("epochs", 2)
    outcome = train_to_end(qtbot, view)  # a fresh process takes over
    assert outcome.failed is None and outcome.finished.reason == "completed"


# ---- problems --------------------------------------------------------------------------


def test_a_graph_without_optimizer_cannot_train_and_says_why(qtbot: Any, views: Any) -> None:
    view = views()
    panel = view.panel
    panel.controller.remove_nodes([node_id(view, "optimizer")])
    qtbot.waitUntil(lambda: not panel.train_button.isEnabled())
    blockers = panel.controller.analysis.training_blockers()
    assert blockers
    assert not panel.blocker.isHidden()
    assert panel.blocker.message.text() == blockers[0].message[:1].upper() + blockers[0].message[1:]
    assert panel.train() is False and not panel.runner.running
    # The words under the banner point at it, not at the greyed-out Train button.
    assert READY not in panel.status.text() and BLOCKED in panel.status.text()
    panel.controller.undo_stack.undo()
    qtbot.waitUntil(panel.train_button.isEnabled)
    assert panel.blocker.isHidden()
    assert BLOCKED not in panel.status.text()


def sine_document(lr: float) -> GraphDocument:
    from tests.backends.training_helpers import sine

    doc = sine(lr=lr, hidden=32)
    doc.settings["training"] = {"epochs": 5, "batch_size": 16, "device": "cpu"}
    return doc


def test_a_diverging_run_shows_a_banner_and_the_app_keeps_going(qtbot: Any, views: Any) -> None:
    view = views(example=None, doc=sine_document(lr=10.0))
    panel = view.panel
    outcome = train_to_end(qtbot, view)
    assert outcome.failed is not None and outcome.failed.kind == "nan"
    assert not panel.banner.isHidden()
    assert panel.banner.title.text() == "Training diverged"
    assert "learning rate" in panel.banner.hint.text()
    assert panel.train_button.isEnabled() and panel.save_button.isEnabled()  # the last good weights
    assert "failed" in panel.runs.records[-1].result
    # Fix the learning rate on the canvas and train again: the banner goes, the run completes.
    panel.controller.set_param(node_id(view, "opt"), "lr", 0.05)
    qtbot.waitUntil(panel.train_button.isEnabled)
    outcome = train_to_end(qtbot, view)
    assert outcome.failed is None and panel.banner.isHidden()
    assert view.plots.model_view.curve.getData()[0] is not None  # a regression curve, not a boundary
    assert panel.runs.records[-1].label == "run 2: lr 10 → 0.05"


def test_saving_weights_writes_a_file_and_reports_failures(
    qtbot: Any, views: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = views()
    panel = view.panel
    assert not panel.save_button.isEnabled()
    panel.set_setting("epochs", 1)
    train_to_end(qtbot, view)
    target = tmp_path / "xor.safetensors"
    monkeypatch.setattr(panel, "_ask_weights_path", lambda: str(target))
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert target.is_file() and target.stat().st_size > 0
    assert panel.save_weights(tmp_path / "missing" / "folder" / "w.safetensors") is False
    assert not panel.banner.isHidden() and "Could not save the weights" in panel.banner.text()


# ---- comparing runs ----------------------------------------------------------------------


def test_runs_are_compared_with_a_label_of_what_changed(qtbot: Any, views: Any) -> None:
    view = views()
    panel = view.panel
    panel.set_setting("epochs", 2)
    train_to_end(qtbot, view)
    panel.controller.set_param(node_id(view, "optimizer"), "lr", 0.01)
    panel.controller.set_param(node_id(view, "hidden"), "out_features", 16)
    train_to_end(qtbot, view)
    first, second = panel.runs.records
    assert first.label == "run 1" and first.changes is None
    assert second.label == "run 2: lr 0.05 → 0.01, hidden.out_features 8 → 16"
    assert len(second.epochs) == 2 and np.isfinite(second.val_loss).all()
    assert len(view.runs.curves) == 2 and view.runs.table.topLevelItemCount() == 2
    assert view.runs.table.topLevelItem(1).text(1) == "lr 0.05 → 0.01, hidden.out_features 8 → 16"


def spiral_setup(**settings: Any) -> tuple[GraphDocument, TrainingSettings]:
    doc = project.load(EXAMPLES / "spiral_mlp.json")
    return doc, TrainingSettings.from_dict({**doc.settings["training"], **settings})


def test_describe_changes_names_settings_parameters_and_structure() -> None:
    doc, settings = spiral_setup()
    before = setup_of(doc, settings)
    assert describe_changes(before, setup_of(doc.copy(), settings)) == []
    changed = doc.copy()
    changed.set_param(changed.find_by_name("optimizer").id, "lr", 0.001)
    changed.set_param(changed.find_by_name("fc1").id, "out_features", 128)
    changed.rename(changed.find_by_name("fc2").id, "middle")
    changed.remove_node(changed.find_by_name("relu2").id)
    changed.add_node("Dropout", name="drop", params={"p": 0.2})
    after = setup_of(changed, settings.replace(epochs=20, early_stopping=True))
    assert describe_changes(before, after) == [
        "lr 0.01 → 0.001",
        "epochs 150 → 20",
        "early_stopping false → true",
        "fc1.out_features 64 → 128",
        "fc2 renamed middle",
        "+ drop (Dropout)",
        "- relu2 (ReLU)",
    ]
    rewired = doc.copy()
    edge = rewired.in_edges(rewired.find_by_name("fc3").id)[0]
    rewired.disconnect(edge)
    rewired.connect(rewired.find_by_name("relu1").id, "out", edge.target, edge.target_port)
    assert describe_changes(before, setup_of(rewired, settings)) == ["wiring changed"]


def test_run_labels_stay_short() -> None:
    assert run_label(1, None) == "run 1"
    assert run_label(3, []) == "run 3: no changes"
    assert run_label(2, ["a", "b", "c", "d", "e"]) == "run 2: a, b, c, +2 more"


# ---- small pieces ----------------------------------------------------------------------


def test_progress_line_and_durations() -> None:
    assert text.progress_line(3, 50, 12345.4, 12.2) == "epoch 3/50 · 12,345 samples/s · ETA 0:12"
    assert text.rate(109_994) == "110k samples/s" and text.rate(float("nan")) == "– samples/s"
    assert text.duration(3725) == "1:02:05" and text.duration(float("nan")) == "–"
    assert text.elapsed(2.43) == "2.4 s" and text.elapsed(0.04) == "0.0 s" and text.elapsed(75) == "1:15"
    assert text.metrics({"loss": 0.1482, "accuracy": 0.95}) == "accuracy 95.0\u00a0% · loss 0.148"


def test_device_menu_offers_what_the_machine_has() -> None:
    assert device_choices(["cpu"]) == [("auto (cpu)", "auto"), ("cpu", "cpu")]
    assert device_choices(["cuda:0", "cuda:1", "cpu"]) == [
        ("auto (cuda)", "auto"),
        ("cuda", "cuda"),
        ("cpu", "cpu"),
    ]


def test_batch_size_zero_reads_as_full_batch(qtbot: Any, views: Any) -> None:
    view = views()
    view.panel.set_setting("batch_size", 0)
    assert view.panel.controller.doc.settings["training"]["batch_size"] == 0
    assert view.panel.form.editors["batch_size"].text() == "0 (full batch)"


def type_setting(qtbot: Any, view: TrainingView, name: str, text: str) -> None:
    spin = view.panel.form.editors[name]
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def test_settings_refuse_text_they_cannot_take_and_say_why(qtbot: Any, views: Any) -> None:
    view = views()
    view.show()
    form, settings = view.panel.form, view.panel.controller.doc.settings
    epochs = settings["training"]["epochs"]
    steps = view.panel.controller.undo_stack.count()
    type_setting(qtbot, view, "epochs", "2.5")  # a plain QSpinBox dropped the "." and took 25
    assert form.problem.isVisible()
    assert form.problem.text() == f"Epochs needs a whole number, got '2.5'; still {epochs}"
    assert form.editors["epochs"].value() == epochs
    type_setting(qtbot, view, "epochs", "0")
    assert form.problem.text() == f"Epochs must be at least 1, got 0; still {epochs}"
    type_setting(qtbot, view, "batch_size", "-3")
    batch = settings["training"]["batch_size"]
    assert form.problem.text() == f"Batch size must be at least 0, got -3; still {batch}"
    view.panel.set_setting("batch_size", 0)
    type_setting(qtbot, view, "batch_size", "-3")
    assert form.problem.text().endswith("; still 0 (full batch)")
    form.more_toggle.setChecked(True)
    type_setting(qtbot, view, "grad_clip", "lots")
    assert form.problem.text().startswith("Grad clip needs a number, got 'lots'")
    assert settings["training"]["epochs"] == epochs
    assert view.panel.controller.undo_stack.count() == steps + 1  # the batch size set above, only
    type_setting(qtbot, view, "epochs", "30")
    assert not form.problem.isVisible()
    assert settings["training"]["epochs"] == 30
    # A refusal stays while focus merely moves on, and goes when the same value is typed again.
    type_setting(qtbot, view, "seed", "1e3")
    form.editors["epochs"].setFocus()
    assert form.problem.isVisible() and "Seed needs a whole number" in form.problem.text()
    type_setting(qtbot, view, "seed", str(form.value("seed")))
    assert not form.problem.isVisible()
    # An emptied field is explained too, not left showing an older refusal's text.
    type_setting(qtbot, view, "epochs", "abc")
    spin = form.editors["epochs"]
    spin.lineEdit().selectAll()
    qtbot.keyClick(spin, Qt.Key.Key_Backspace)
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert form.problem.text() == "Epochs needs a whole number, got ''; still 30"


def test_a_file_with_invalid_training_settings_opens_says_which_and_trains(
    qtbot: Any, views: Any, tmp_path: Path
) -> None:
    data = json.loads((EXAMPLES / "xor_mlp.json").read_text(encoding="utf-8"))
    data["settings"]["training"] = {"epochs": -5, "batch_size": 8, "warmup": 2}
    path = tmp_path / "bad_settings.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    controller = DocumentController()
    controller.load(path)
    view = TrainingView(controller)
    qtbot.addWidget(view)
    panel = view.panel
    assert panel.banner.isVisibleTo(panel)
    assert panel.banner.title.text() == "Some training settings in the file were not valid"
    assert "Training setting epochs must be at least 1, got -5" in panel.banner.text()
    assert "Unknown training setting 'warmup'" in panel.banner.text()
    assert panel.banner.text().endswith("Using the default instead: epochs 50.")
    # What is valid is kept; the form shows what a run will use, and nothing blocks it.
    assert controller.doc.settings["training"] == {"batch_size": 8}
    assert panel.form.value("epochs") == 50 and panel.form.value("batch_size") == 8
    assert not controller.reanalyze().training_blockers()
    assert json.loads(path.read_text(encoding="utf-8"))["settings"]["training"]["epochs"] == -5  # untouched
    panel.set_setting("device", "cpu")
    panel.set_setting("epochs", 2)
    outcome = train_to_end(qtbot, view)
    assert outcome.finished is not None and outcome.finished.epochs_run == 2
    assert view.shutdown()


def test_the_window_process_never_imports_torch_even_to_train_and_save(tmp_path: Path) -> None:
    weights = tmp_path / "xor.safetensors"
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from designer.controller import DocumentController\n"
        "from designer.training.view import TrainingView\n"
        "c = DocumentController()\n"
        f"c.load({str(EXAMPLES / 'xor_mlp.json')!r})\n"
        "v = TrainingView(c); v.show(); app.processEvents()\n"
        "print('after opening', 'torch' in sys.modules)\n"
        "v.panel.set_setting('device', 'cpu'); v.panel.set_setting('epochs', 3)\n"
        "done = []\n"
        "v.panel.run_done.connect(done.append)\n"
        "assert v.panel.train()\n"
        "end = time.monotonic() + 100\n"
        "while not done and time.monotonic() < end:\n"
        "    app.processEvents(); time.sleep(0.01)\n"
        "print('finished', done[0].finished.reason)\n"
        f"print('saved', v.panel.save_weights(Path({str(weights)!r})))\n"
        "print('after training', 'torch' in sys.modules)\n"
        "v.shutdown()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines == ["after opening False", "finished completed", "saved True", "after training False"]
    # The file is real safetensors with the XOR network's tensors, written by the training process.
    from safetensors.numpy import load_file

    tensors = load_file(str(weights))
    doc = project.load(EXAMPLES / "xor_mlp.json")
    linear = [n for n in doc.nodes() if n.type_id == "Linear"]
    assert len(tensors) == 2 * len(linear) and all(v.dtype == np.float32 for v in tensors.values())


def test_a_run_that_blew_up_without_nan_gets_a_learning_rate_hint(qtbot: Any, views: Any) -> None:
    """Adam with learning rate 10 on XOR: the loss leaps about without ever reaching NaN."""
    view = views()
    doc = view.panel.controller.doc
    optimizer = next(n for n in doc.nodes() if n.type_id == "Adam")
    assert view.panel.controller.set_param(optimizer.id, "lr", 10.0)
    view.panel.set_setting("epochs", 20)
    outcome = train_to_end(qtbot, view)
    assert outcome.failed is None
    losses = [e.train_loss for e in outcome.history]
    best_before = [min(losses[:i]) for i in range(1, len(losses))]
    assert any(v > 3 * b for v, b in zip(losses[1:], best_before, strict=True))  # it did leap
    assert "the learning rate is probably too high" in view.plots.results.summary.text()


def test_results_and_the_run_status_show_the_runs_advice(qtbot: Any, views: Any) -> None:
    view = views()  # XOR with a learning rate far too low: the loss is still falling at the end
    doc = view.panel.controller.doc
    optimizer = next(n for n in doc.nodes() if n.type_id == "Adam")
    assert view.panel.controller.set_param(optimizer.id, "lr", 1e-4)
    view.panel.set_setting("epochs", 4)
    outcome = train_to_end(qtbot, view)
    advice = outcome.finished.advice
    assert advice.startswith("The loss was still falling") and "now 0.0001" in advice
    assert view.panel.run_status.label.text().endswith(advice)  # under the bar, without a tab switch
    assert view.plots.results.summary.text().endswith(advice)


def test_accuracy_is_plotted_in_percent_as_the_title_says(qtbot: Any, views: Any) -> None:
    view = views()
    view.panel.set_setting("epochs", 3)
    outcome = train_to_end(qtbot, view)
    shown = view.plots.metric_curves["accuracy"].getData()[1]
    engine = np.array([e.val_metrics["accuracy"] for e in outcome.history])
    np.testing.assert_allclose(shown, engine * 100)
    assert view.plots.metric_plot.getPlotItem().getAxis("left").labelText == "%"
    title = view.plots.metric_plot.getPlotItem().titleLabel.text
    assert f"{engine[-1] * 100:.1f}" in title
