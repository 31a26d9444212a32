"""A grid of plots that reflows with its shape: two by two in a tall area, one row in a
wide and short one (the training dock under a wide canvas), so every plot keeps a
useful shape and the decision boundary, drawn at equal scales, is not a sliver."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QWidget

from designer.training.plot_style import LEGEND_COLUMNS

IDEAL_CELL_RATIO = 1.4  # width / height of a plot that reads well: a little wider than tall
NARROW_FROM = 3  # columns from which a legend stacks its entries, or it would cover the plot


def best_columns(width: int, height: int, count: int, choices: Sequence[int] = (1, 2, 4)) -> int:
    """The column count whose cells come closest to IDEAL_CELL_RATIO (in log terms)."""
    usable = [c for c in choices if c <= count] or [1]

    def distance(columns: int) -> float:
        rows = math.ceil(count / columns)
        ratio = (max(width, 1) / columns) / (max(height, 1) / rows)
        return abs(math.log(ratio / IDEAL_CELL_RATIO))

    return min(usable, key=distance)


class PlotGrid(QWidget):
    def __init__(self, plots: Sequence[QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots = list(plots)
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self.columns = 0
        self._arrange(2)

    def _arrange(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for plot in self.plots:
            self._layout.removeWidget(plot)
        for index in range(max(self._layout.columnCount(), 4)):
            self._layout.setColumnStretch(index, 0)
            self._layout.setRowStretch(index, 0)
        for index, plot in enumerate(self.plots):
            self._layout.addWidget(plot, index // columns, index % columns)
        for index in range(columns):
            self._layout.setColumnStretch(index, 1)
        for index in range(math.ceil(len(self.plots) / columns)):
            self._layout.setRowStretch(index, 1)
        for plot in self.plots:
            legend = plot.getPlotItem().legend if isinstance(plot, pg.PlotWidget) else None
            if legend is not None:
                legend.setColumnCount(1 if columns >= NARROW_FROM else LEGEND_COLUMNS)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        size = event.size()
        self._arrange(best_columns(size.width(), size.height(), len(self.plots)))
