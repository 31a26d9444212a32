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
        self.summary = QLabel("Results appear here when a run ends.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption = QLabel("Confusion matrix: rows are the true class, columns the prediction")
        self.caption.setWordWrap(True)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        # Cells sized to their text: a 2x2 matrix should look like a small table, not fill a screen.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(40)
        self.table.horizontalHeader().setMinimumSectionSize(90)
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        self.reset()

    def reset(self) -> None:
        self.summary.setText("Results appear here when a run ends.")
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.caption.hide()
        self.table.hide()

    def show_finished(self, event: Finished) -> None:
        how = {"completed": "Completed", "stopped": "Stopped", "early stopping": "Stopped early"}
        lines = [
            f"<b>{how.get(event.reason, event.reason)}</b> after {event.epochs_run} epoch"
            f"{'' if event.epochs_run == 1 else 's'} in {text.duration(event.elapsed_seconds)}"
            + (f" (best epoch {event.best_epoch})" if event.best_epoch else ""),
            # The engine evaluates the test split, else validation, else training data.
            f"Final evaluation: {text.metrics(event.test_metrics)}",
        ]
        self.summary.setText("<br>".join(lines))
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
        self.table.setColumnCount(k)
        self.table.setVerticalHeaderLabels([f"true {label}" for label in labels])
        self.table.setHorizontalHeaderLabels([f"predicted {label}" for label in labels])
        totals = counts.sum(axis=1)
        for row in range(k):
            for col in range(k):
                value = int(counts[row, col])
                item = QTableWidgetItem(f"{value:,}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                share = value / totals[row] if totals[row] else 0.0
                item.setBackground(QBrush(cell_colour(share, row == col)))
                item.setToolTip(f"{value:,} of {int(totals[row]):,} '{labels[row]}' samples ({share:.0%})")
                self.table.setItem(row, col, item)

    def counts(self) -> np.ndarray:
        """The matrix as shown (for tests and copying)."""
        k = self.table.rowCount()
        return np.array(
            [[int(self.table.item(r, c).text().replace(",", "")) for c in range(k)] for r in range(k)],
            dtype=np.int64,
        ).reshape(k, k)
