"""The end of a run in numbers: test metrics and a confusion matrix of counts."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from backends.training.events import Finished  # numpy only, no torch
from designer.training import plot_style, text


def cell_colour(fraction: float, correct: bool) -> QColor:
    """Shade by the share of the true class: diagonal in the first colour, mistakes in red."""
    base = plot_style.colour(0 if correct else 2)
    bg = plot_style.background()
    a = 0.08 + 0.72 * float(np.clip(fraction, 0.0, 1.0)) if fraction > 0 else 0.0
    return QColor(
        round(bg.red() * (1 - a) + base.red() * a),
        round(bg.green() * (1 - a) + base.green() * a),
        round(bg.blue() * (1 - a) + base.blue() * a),
    )


class ResultsView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = QLabel()
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.headline.setFont(font)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption = QLabel(
            "Confusion matrix: rows are the true class, columns the prediction; the diagonal is right."
        )
        self.caption.setWordWrap(True)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        # Cells sized to their text: a 2x2 matrix should look like a small table, not fill a screen.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setMinimumSectionSize(96)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(44)
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        cell_font = self.table.font()
        cell_font.setPointSizeF(cell_font.pointSizeF() * 1.25)
        self.table.setFont(cell_font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.headline)
        layout.addWidget(self.summary)
        layout.addSpacing(8)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.reset()

    def reset(self) -> None:
        self.headline.setText("No results yet")
        self.summary.setText("The final evaluation and a confusion matrix appear here when a run ends.")
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.caption.hide()
        self.table.hide()

    def show_finished(self, event: Finished) -> None:
        """The run's end: what the final evaluation measured, what to try next, the confusion matrix."""
        how = {"completed": "Completed", "stopped": "Stopped", "early stopping": "Stopped early"}
        metrics = dict(event.test_metrics)
        lead = next((n for n in ("accuracy", "r2") if n in metrics), "loss" if "loss" in metrics else None)
        headline = text.metric(lead, metrics.pop(lead)) if lead else how.get(event.reason, "")
        # Say which data the numbers describe, so they are not mistaken for validation figures.
        split = getattr(event, "split", "test")
        samples = getattr(event, "samples", 0)
        headline = f"{split} {headline}" + (f" ({samples} samples)" if samples else "")
        self.headline.setText(headline[:1].upper() + headline[1:])
        epochs = f"{event.epochs_run} epoch{'' if event.epochs_run == 1 else 's'}"
        details = (
            f"{how.get(event.reason, event.reason)} after {epochs} in {text.elapsed(event.elapsed_seconds)}"
        )
        if event.best_epoch:
            details += f" (best epoch {event.best_epoch})"
        if metrics:
            details += f"{text.SEP}{text.metrics(metrics)}"
        if event.advice:
            details += f".\n{event.advice}"
        self.summary.setText(details)
        if event.confusion is None:
            self.caption.hide()
            self.table.hide()
            return
        self._fill(np.asarray(event.confusion), event.class_names)
        self.caption.show()
        self.table.show()

    def _fill(self, counts: np.ndarray, names: list[str]) -> None:
        k = counts.shape[0]
        labels = [names[i] if i < len(names) else f"class {i}" for i in range(k)]
        self.table.setRowCount(k)
        self.table.setColumnCount(k + 1)
        self.table.setVerticalHeaderLabels([f"true {label}" for label in labels])
        self.table.setHorizontalHeaderLabels([f"predicted {label}" for label in labels] + ["right"])
        totals = counts.sum(axis=1)
        muted = QBrush(plot_style.muted().darker(160))
        for row in range(k):
            for col in range(k):
                value = int(counts[row, col])
                item = QTableWidgetItem(f"{value:,}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                share = value / totals[row] if totals[row] else 0.0
                item.setBackground(QBrush(cell_colour(share, row == col)))
                item.setToolTip(f"{value:,} of {int(totals[row]):,} '{labels[row]}' samples ({share:.0%})")
                self.table.setItem(row, col, item)
            right = counts[row, row] / totals[row] if totals[row] else float("nan")
            item = QTableWidgetItem("–" if totals[row] == 0 else f"{right:.0%}")
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            item.setForeground(muted)
            item.setToolTip(f"share of '{labels[row]}' samples predicted correctly (recall)")
            self.table.setItem(row, k, item)

    def counts(self) -> np.ndarray:
        """The matrix as shown (for tests and copying)."""
        k = self.table.rowCount()
        return np.array(
            [[int(self.table.item(r, c).text().replace(",", "")) for c in range(k)] for r in range(k)],
            dtype=np.int64,
        ).reshape(k, k)
