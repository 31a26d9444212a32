"""The training panel: settings, Train / Pause / Stop, progress, problems, and saving weights.

Settings live in the document (doc.settings["training"]) and change through undoable
SetMeta commands, so they save with the project and undo like any edit. A run trains
a snapshot of the document on the runner's thread; this panel only reacts to the
events the runner re-emits on the GUI thread.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from backends.codegen.model_source import CodegenError, generate_model  # torch-free
from backends.training import events as ev  # numpy only, no torch
from designer import commands
from designer.controller import DocumentController
from designer.training import text
from designer.training.banner import Banner
from designer.training.run_diff import RunSetup, setup_of
from designer.training.run_status import RunStatus
from designer.training.runs import RunHistory
from designer.training.settings_form import SettingsForm
from designer.training.worker import TrainingRunner
from nodes.analysis import Analysis, analyze
from nodes.catalog.optimizers import learning_rate
from nodes.graph import GraphEvent
from nodes.training_settings import DEVICES, TrainingSettings, TrainingSettingsError

MAIN_SETTINGS = (
    "epochs",
    "batch_size",
    "seed",
    "device",
    "schedule",
    "step_size",
    "gamma",
    "plateau_patience",
    "early_stopping",
    "patience",
)
MORE_SETTINGS = ("grad_clip", "l1", "mixed_precision", "histogram_every")
DEVICE_PROBE_DELAY_MS = 1500  # after the window shows: torch loads on the training thread meanwhile
FAILURE_TITLES = {
    "nan": "Training diverged",
    "out_of_memory": "Out of memory",
    "data": "Problem with the data",
    "graph": "This graph cannot be trained",
    "error": "Training failed",
}
IGNORED_EDITS = {"node_moved", "meta_changed"}  # neither changes what the run trained


def device_choices(found: list[str]) -> list[tuple[str, str]]:
    """Menu items (label, setting value) for the devices present; "cuda:1" counts as "cuda"."""
    # In the order found (CUDA, then MPS, then CPU): the first is what "auto" picks.
    present = list(dict.fromkeys(f.split(":")[0] for f in found if f.split(":")[0] in DEVICES))
    best = present[0] if present else "cpu"
    return [(f"auto ({best})", "auto"), *((d, d) for d in present)]


GAUGE_INTERVAL = 0.25  # seconds between gradient-gauge updates on the canvas
FULL_MACHINE_GAUGE_INTERVAL = 0.9  # the same on a full machine (events come every 0.5 s then)


class TrainingPanel(QWidget):
    gradient_levels = Signal(object)  # dict[node id, latest gradient norm], or None when a run ends
    run_starting = Signal()  # views clear themselves
    event = Signal(object)  # each engine event, on the GUI thread
    run_done = Signal(object)  # the TrainingOutcome (or None) once a run has ended

    def __init__(
        self,
        controller: DocumentController,
        runner: TrainingRunner | None = None,
        parent: QWidget | None = None,
        *,
        report_interval: float = ev.REPORT_INTERVAL,
    ) -> None:
        super().__init__(parent)
        self._last_levels = 0.0
        self.controller = controller
        self.runner = runner or TrainingRunner(self)
        self.runs = RunHistory(self)
        self.report_interval = report_interval
        self.outcome: Any = None  # the last run's RunSummary (its weights stay in the training process)
        self.run_started: ev.RunStarted | None = None
        self._setup: RunSetup | None = None
        self._node_of_attribute: dict[str, str] = {}
        self._stopping = False
        self._probed = False
        self._paused_lr = ""
        self._build()
        self.runner.events.connect(self._on_events)
        self.runner.done.connect(self._on_done)
        self.runner.devices_found.connect(self._on_devices)
        controller.analysis_changed.connect(self._on_analysis)
        controller.graph_event.connect(self._on_graph_event)
        controller.document_replaced.connect(self._on_document_replaced)
        self._load_settings()
        self._on_analysis(controller.analysis)
        self._update_buttons()

    # ---- layout ------------------------------------------------------------------

    def _build(self) -> None:
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.train_button.setToolTip("Train the network on the canvas (a snapshot: edits do not disturb it)")
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        icons = (QStyle.StandardPixmap.SP_MediaPlay, QStyle.StandardPixmap.SP_MediaPause)
        icons += (QStyle.StandardPixmap.SP_MediaStop,)
        for button, icon in zip((self.train_button, self.pause_button, self.stop_button), icons, strict=True):
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setIcon(self.style().standardIcon(icon))
            button.setMinimumHeight(30)
        font = self.train_button.font()
        font.setBold(True)
        self.train_button.setFont(font)
        self.train_button.clicked.connect(self.train)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button, 2)
        buttons.addWidget(self.pause_button, 1)
        buttons.addWidget(self.stop_button, 1)

        self.blocker = Banner("warning", closable=False)
        self.banner = Banner("error")
        self.changed_notice = Banner("info")

        self.run_status = RunStatus()
        self.progress, self.status = self.run_status.progress, self.run_status.label
        self.run_status.introduce(self.controller.doc.description)

        self.form = SettingsForm(MAIN_SETTINGS, advanced=MORE_SETTINGS)
        self.form.changed.connect(self._write_setting)

        self.lr_edit = QLineEdit()
        self.lr_edit.setPlaceholderText("pause to change")
        # No validator: it would drop "-" or letters as they are typed and take "-3" as 3;
        # apply_learning_rate judges the whole text by the optimizers' own rule instead.
        self.lr_edit.returnPressed.connect(self.apply_learning_rate)
        self.lr_apply = QPushButton("Apply")
        self.lr_apply.clicked.connect(self.apply_learning_rate)
        lr_row = QHBoxLayout()
        lr_label = QLabel("Learning rate")
        lr_label.setToolTip(
            "Change the learning rate while the run is paused. It applies to this run only; "
            "the optimizer node keeps its own rate for the next run."
        )
        lr_row.addWidget(lr_label)
        lr_row.addWidget(self.lr_edit, 1)
        lr_row.addWidget(self.lr_apply)

        self.save_button = QPushButton("Save weights…")
        self.save_button.setToolTip("Write the trained weights as a safetensors file")
        self.save_button.clicked.connect(self.save_weights_dialog)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(buttons)
        layout.addWidget(self.blocker)
        layout.addWidget(self.banner)
        layout.addWidget(self.changed_notice)
        layout.addWidget(self.run_status)
        layout.addLayout(lr_row)
        layout.addWidget(_heading("Settings"))
        layout.addWidget(self.form)
        layout.addStretch(1)
        layout.addWidget(self.save_button)

    # ---- settings (stored in the document) ----------------------------------------

    def settings(self) -> TrainingSettings:
        """The project's settings; raises TrainingSettingsError naming a bad stored value."""
        return TrainingSettings.from_dict(self.controller.doc.settings.get("training"))

    @Slot()
    def _load_settings(self) -> None:
        stored = self.controller.doc.settings.get("training")
        kept, problems = TrainingSettings.salvage(stored)
        if problems:
            # Keep what is valid and say what was left out; the file changes only when saved.
            self.controller.doc.set_meta("training", kept)  # (calls back here, now valid)
            defaults = ", ".join(
                f"{name.replace('_', ' ')} {value}"
                for name, value in TrainingSettings.from_dict(kept).to_dict().items()
                if name in (stored or {}) and name not in kept
            )
            said = " ".join(f"{p[:1].upper()}{p[1:]}." for p in problems)
            used = f" Using the default instead: {defaults}." if defaults else ""
            self.banner.show_message("Some training settings in the file were not valid", said + used)
            return
        self.form.set_values(TrainingSettings.from_dict(kept))

    @Slot(str, object)
    def _write_setting(self, name: str, value: Any) -> None:
        """One undoable edit; only the keys a project sets are stored, so files stay small."""
        stored = dict(self.controller.doc.settings.get("training") or {})
        if stored.get(name, _MISSING) == value:
            return
        stored[name] = value
        self.controller.undo_stack.push(commands.SetMeta(self.controller.doc, "training", stored))

    def set_setting(self, name: str, value: Any) -> None:
        """Set one training setting through the panel's editor (as a user would)."""
        editor = self.form.editors[name]
        if hasattr(editor, "setValue"):
            editor.setValue(value)
        elif hasattr(editor, "setChecked"):
            editor.setChecked(bool(value))
        else:
            self._write_setting(name, value)
            self._load_settings()

    # ---- devices (probed lazily, by the training process) -----------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._probed:
            self._probed = True
            # The runner as context: the call is dropped if the panel is gone by then.
            QTimer.singleShot(DEVICE_PROBE_DELAY_MS, self.runner, self.runner.probe_devices)

    @Slot(list)
    def _on_devices(self, found: list[str]) -> None:
        self.form.set_choices("device", device_choices(found))

    # ---- analysis and edits -----------------------------------------------------

    @Slot(object)
    def _on_analysis(self, analysis: Analysis | None) -> None:
        blockers = analysis.training_blockers() if analysis is not None else []
        if blockers:
            more = len(blockers) - 1
            extra = f"(and {more} more problem{'s' if more > 1 else ''} on the canvas)" if more else ""
            message = blockers[0].message
            self.blocker.show_message("Cannot train yet", message[:1].upper() + message[1:], "")
            self.blocker.hint.setText(extra)
            self.blocker.hint.setVisible(bool(extra))
        else:
            self.blocker.hide()
        self.run_status.set_ready(not blockers)
        self._update_buttons()

    @Slot(object)
    def _on_graph_event(self, event: GraphEvent) -> None:
        if event.kind == "meta_changed" and event.name == "training":
            self._load_settings()
        if self.runner.running and event.kind not in IGNORED_EDITS:
            self._show_changed_notice()

    @Slot()
    def _on_document_replaced(self) -> None:
        self._load_settings()
        if self.runner.running:
            self._show_changed_notice()
        else:
            self.run_status.introduce(self.controller.doc.description)

    def _show_changed_notice(self) -> None:
        self.changed_notice.show_message(
            "The canvas has changed since this run started",
            "The run goes on with the network as it was when you pressed Train;"
            " train again to see the effect of your edits.",
        )

    def can_train(self) -> bool:
        analysis = self.controller.analysis
        return not self.runner.running and analysis is not None and not analysis.training_blockers()

    # ---- the run -----------------------------------------------------------------

    @Slot()
    def train(self) -> bool:
        """Start a run of a snapshot of the document; False (and a message) if it cannot start."""
        if self.runner.running:
            return False
        snapshot = self.controller.doc.copy()
        analysis = analyze(snapshot)  # of exactly what will train, even if an analysis is pending
        if analysis.training_blockers():
            self._on_analysis(analysis)
            return False
        try:
            settings = self.settings()
            names = generate_model(snapshot, analysis).attribute_names
        except (TrainingSettingsError, CodegenError) as exc:
            self.banner.show_message("Cannot start training", str(exc))
            return False
        # Gradient norms arrive per module attribute; the canvas wants node ids.
        self._node_of_attribute = {attribute: node_id for node_id, attribute in names.items()}
        self._setup = setup_of(snapshot, settings)
        self.outcome, self.run_started, self._stopping = None, None, False
        self.banner.hide()
        self.changed_notice.hide()
        self.run_status.starting()
        self.run_starting.emit()
        self.runner.start(snapshot, settings, self.controller.data_dir, report_interval=self.report_interval)
        self._update_buttons()
        return True

    @Slot()
    def stop(self) -> None:
        if self.runner.running:
            self._stopping = True
            self.runner.stop()
            self.status.setText("Stopping after this batch…")
            self._update_buttons()

    @Slot()
    def toggle_pause(self) -> None:
        """Pause a running run, or resume a paused one (with a newly typed learning rate)."""
        if self.runner.paused:
            if self.lr_edit.text() != self._paused_lr:
                self.apply_learning_rate()  # typed but not applied: Resume means "go on with this"
            self.runner.resume()
        else:
            self.runner.pause()
            self.status.setText("Pausing after this batch…")
        self._update_buttons()

    @Slot()
    def apply_learning_rate(self) -> bool:
        """Send the typed learning rate to the paused run; it applies when the run resumes."""
        if not self.runner.paused:
            return False
        try:
            # The optimizers' own rule for the value, so the box and the inspector agree.
            value = learning_rate(0.01).coerce(self.lr_edit.text().strip())
            self.runner.set_learning_rate(value)
        except ValueError as exc:  # ParamError included
            message = str(exc)
            self.status.setText(message[:1].upper() + message[1:] + ".")
            return False
        self.status.setText(
            f"Learning rate {text.learning_rate(value)} applies when you resume, to this run only"
            f"{self._optimizer_keeps()}."
        )
        return True

    def _optimizer_keeps(self) -> str:
        """What the optimizer node still says, so a rate changed mid-run is not mistaken for an edit."""
        analysis = self.controller.analysis
        optimizer = analysis.optimizer if analysis is not None else None
        if optimizer is None or optimizer not in self.controller.doc:
            return ""
        node = self.controller.doc.node(optimizer)
        rate = node.params.get("lr")
        if not isinstance(rate, (int, float)):
            return ""
        return f": optimizer '{node.name}' keeps {text.learning_rate(rate)} for the next run"

    # ---- events from the run (GUI thread) ---------------------------------------

    @Slot(list)
    def _on_events(self, batch: list[object]) -> None:
        """A batch of engine events, in order; widgets follow only the newest progress."""
        last_progress = next((e for e in reversed(batch) if isinstance(e, ev.Progress)), None)
        for event in batch:
            if isinstance(event, ev.Progress) and event is not last_progress:
                self.event.emit(event)  # its data still reaches the plots
            else:
                self._on_event(event)

    def _on_event(self, event: object) -> None:
        self.run_status.set_full_machine(self.runner.load.full)
        self.run_status.show_event(event)
        if isinstance(event, ev.RunStarted):
            self.run_started = event
        elif isinstance(event, ev.Progress):
            self._on_progress(event)
        elif isinstance(event, ev.Paused):
            self._paused_lr = self.lr_edit.text()
            self._update_buttons()
        elif isinstance(event, ev.Resumed):
            self._update_buttons()
        elif isinstance(event, ev.Failed):
            title = FAILURE_TITLES.get(event.kind, FAILURE_TITLES["error"])
            message = event.message[:1].upper() + event.message[1:]
            self.banner.show_message(title, message + ("." if not message.endswith(".") else ""), event.hint)
        self.event.emit(event)

    def _on_progress(self, event: ev.Progress) -> None:
        shown = f"{event.learning_rate:g}"
        if not self.lr_edit.hasFocus() and self.lr_edit.text() != shown:  # (each new text repaints)
            self.lr_edit.setText(shown)
        levels = {
            self._node_of_attribute[name]: float(values[-1])
            for name, values in event.grad_norms.items()
            if len(values) and name in self._node_of_attribute
        }
        now = time.monotonic()
        # The canvas gauges are read by eye: a few updates a second suffice, and each one
        # re-renders the cards, whose CPU a run that fills the machine would lose.
        interval = FULL_MACHINE_GAUGE_INTERVAL if self.runner.load.full else GAUGE_INTERVAL
        if levels and now - self._last_levels >= interval:
            self._last_levels = now
            self.gradient_levels.emit(levels)

    @Slot(object)
    def _on_done(self, outcome: Any) -> None:
        self.outcome = outcome
        self._stopping = False
        self.gradient_levels.emit(None)
        if self._setup is not None:
            self.runs.add(self._setup, outcome)
        self._update_buttons()
        self.run_done.emit(outcome)

    # ---- buttons -----------------------------------------------------------------

    def _update_buttons(self) -> None:
        running, paused = self.runner.running, self.runner.paused
        self.train_button.setEnabled(self.can_train())
        self.pause_button.setEnabled(running and not self._stopping)
        self.pause_button.setText("Resume" if paused else "Pause")
        icon = QStyle.StandardPixmap.SP_MediaPlay if paused else QStyle.StandardPixmap.SP_MediaPause
        self.pause_button.setIcon(self.style().standardIcon(icon))
        self.stop_button.setEnabled(running and not self._stopping)
        self.lr_edit.setEnabled(paused)
        self.lr_apply.setEnabled(paused)
        self.form.setEnabled(not running)  # a run keeps the settings it started with
        self.save_button.setEnabled(not running and self._has_weights())

    # ---- weights -----------------------------------------------------------------

    def _ask_weights_path(self) -> str:
        start = (
            self.controller.path.with_suffix(".safetensors")
            if self.controller.path
            else Path("weights.safetensors")
        )
        path, _ = QFileDialog.getSaveFileName(
            self, "Save weights", str(start), "Weights (*.safetensors);;All files (*)"
        )
        return path

    @Slot()
    def save_weights_dialog(self) -> None:
        """Ask for a file name, then save the last run's weights there."""
        path = self._ask_weights_path()
        if path:
            self.save_weights(Path(path))

    # Earlier names, still used by the main window's menus.
    _toggle_pause = toggle_pause
    _save_weights_clicked = save_weights_dialog

    def save_weights(self, path: Path) -> bool:
        """Write the last run's weights; a failure shows in the banner, never as a crash."""
        if not self._has_weights():
            return False
        error = self.runner.save_weights(path, {"project": self.controller.doc.name})
        if error is not None:
            self.banner.show_message("Could not save the weights", error, "choose another folder or name")
            return False
        self.status.setText(f"Weights saved to {path}")
        return True

    def _has_weights(self) -> bool:
        return bool(getattr(self.outcome, "weights_available", False))

    # ---- shutdown ----------------------------------------------------------------

    def shutdown(self) -> bool:
        """Stop a run and end the training thread (the main window calls this when closing)."""
        return self.runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


_MISSING = object()


def _heading(title: str) -> QLabel:
    label = QLabel(title)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label
