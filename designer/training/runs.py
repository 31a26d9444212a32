"""Every run since the app opened, and a view that overlays their loss curves.

A record keeps the run's per-epoch curves and a label saying what changed since the
run before it (see run_diff), so "did a smaller learning rate help?" is one glance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.training import plot_style, text
from designer.training.run_diff import RunSetup, describe_changes, run_label


@dataclass
class RunRecord:
    number: int  # 1-based, in the order runs ended
    label: str  # "run 2: lr 0.01 → 0.001"
    changes: list[str] | None  # None for the first run
    setup: RunSetup
    epochs: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray  # NaN where the data has no validation split
    result: str  # "completed · accuracy 95.0 %", "failed: the loss became NaN ..."

    @property
    def curve(self) -> tuple[np.ndarray, str]:
        """The loss to compare: validation when the run had it, else training."""
        if len(self.val_loss) and np.isfinite(self.val_loss).any():
            return self.val_loss, "validation"
        return self.train_loss, "training"


def result_of(outcome: Any) -> str:
    """A one-line result of a TrainingOutcome (read by attribute: no torch import here)."""
    if outcome is None:
        return "did not start"
    if outcome.failed is not None:
        return f"failed: {outcome.failed.message}"
    finished = outcome.finished
    if finished is None:
        return "ended"
    return f"{finished.reason}{text.SEP}{text.metrics(finished.test_metrics)}"


class RunHistory(QObject):
    added = Signal(object)  # RunRecord
    cleared = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.records: list[RunRecord] = []

    def add(self, setup: RunSetup, outcome: Any) -> RunRecord:
        history = list(getattr(outcome, "history", None) or [])
        previous = self.records[-1] if self.records else None
        changes = describe_changes(previous.setup, setup) if previous else None
        number = len(self.records) + 1
        record = RunRecord(
            number=number,
            label=run_label(number, changes),
            changes=changes,
            setup=setup,
            epochs=np.array([e.epoch for e in history], dtype=np.float64),
            train_loss=np.array([e.train_loss for e in history], dtype=np.float64),
            val_loss=np.array(
                [np.nan if e.val_loss is None else e.val_loss for e in history], dtype=np.float64
            ),
            result=result_of(outcome),
        )
        self.records.append(record)
        self.added.emit(record)
        return record

    def clear(self) -> None:
        self.records.clear()
        self.cleared.emit()


class RunComparison(QWidget):
    """Loss of every run on one plot, and a table of what each run changed and how it ended."""

    def __init__(self, history: RunHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.plot = plot_style.make_plot("Loss per epoch, all runs", "loss", "epoch")
        self.legend = plot_style.add_legend(self.plot)
        self.curves: list[pg.PlotDataItem] = []
        self.table = QTreeWidget()
        self.table.setHeaderLabels(["Run", "What changed", "Result"])
        self.table.setRootIsDecorated(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._highlight)
        self.clear_button = QPushButton("Forget runs")
        self.clear_button.clicked.connect(history.clear)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.plot)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignRight)
        history.added.connect(self._add)
        history.cleared.connect(self._clear)
        for record in history.records:
            self._add(record)

    def _add(self, record: RunRecord) -> None:
        values, which = record.curve
        colour = plot_style.colour(record.number - 1)
        curve = self.plot.getPlotItem().plot(
            record.epochs,
            values,
            name=f"run {record.number} ({which})",
            pen=pg.mkPen(colour, width=2),
            connect="finite",
        )
        self.curves.append(curve)
        changes = "first run" if record.changes is None else ", ".join(record.changes) or "no changes"
        item = QTreeWidgetItem([f"run {record.number}", changes, record.result])
        item.setForeground(0, QBrush(colour))
        for column in range(3):
            item.setToolTip(column, f"{record.label}\n{record.result}")
        self.table.addTopLevelItem(item)
        self.table.scrollToItem(item)

    def _clear(self) -> None:
        for curve in self.curves:
            self.plot.getPlotItem().removeItem(curve)
        self.curves.clear()
        self.legend.clear()
        self.table.clear()

    def _highlight(self) -> None:
        """The selected run drawn thick, the others thin, so one curve can be followed."""
        rows = [self.table.indexOfTopLevelItem(i) for i in self.table.selectedItems()]
        for index, curve in enumerate(self.curves):
            width = 3.5 if index in rows else (2 if not rows else 1)
            curve.setPen(pg.mkPen(plot_style.colour(index), width=width))
