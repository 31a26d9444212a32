"""A small plot of an activation function and its derivative, for the inspector.

Seeing the flat tails of Sigmoid or the dead half of ReLU next to its gradient is
the quickest way to understand why one activation trains better than another.
The curves come from nodes.catalog.activations, the same table the tests check
against torch autograd.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

from nodes.catalog.activations import ACTIVATION_CURVES, activation_curve

X_RANGE = (-4.0, 4.0)
SAMPLES = 401  # an odd count puts a sample exactly at x = 0, where the kinks are
CURVE_COLOR = "#3f7fd0"
DERIVATIVE_COLOR = "#e07b39"


def has_curve(type_id: str) -> bool:
    return type_id in ACTIVATION_CURVES


def sample_curve(type_id: str, params: Mapping[str, Any] | None, xs: np.ndarray) -> tuple[np.ndarray, ...]:
    """f(x) and f'(x) at xs for one node's parameters."""
    f, df = activation_curve(type_id, dict(params or {}))
    return np.array([f(float(x)) for x in xs]), np.array([df(float(x)) for x in xs])


class ActivationPlot(QWidget):
    """f(x) solid, f'(x) dashed, over [-4, 4]; call set_curve when parameters change."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.xs = np.linspace(*X_RANGE, SAMPLES)
        self.plot = pg.PlotWidget(self)
        self.plot.setMinimumHeight(190)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)  # a picture, not a zoomable view
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setXRange(*X_RANGE, padding=0.02)
        self.legend = self.plot.addLegend(offset=(8, 6), labelTextSize="8pt")
        self.f_item = self.plot.plot(name="f(x)")
        self.df_item = self.plot.plot(name="f′(x)")
        self.plot.addItem(pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen((128, 128, 128, 90))))
        self.plot.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen((128, 128, 128, 90))))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.type_id: str | None = None
        self._apply_palette()

    def set_curve(self, type_id: str, params: Mapping[str, Any] | None = None) -> bool:
        """Draw one activation; False (and an empty plot) when it cannot be drawn,
        e.g. a parameter holds an invalid value loaded from a hand-edited file."""
        self.type_id = type_id
        try:
            ys, dys = sample_curve(type_id, params, self.xs)
        except (KeyError, TypeError, ValueError, OverflowError):
            self.f_item.setData([], [])
            self.df_item.setData([], [])
            return False
        self.f_item.setData(self.xs, ys)
        self.df_item.setData(self.xs, dys)
        low = float(min(ys.min(), dys.min()))
        high = float(max(ys.max(), dys.max()))
        margin = max((high - low) * 0.08, 0.1)
        self.plot.setYRange(low - margin, high + margin, padding=0)
        return True

    def curve_data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, f(x), f'(x)) as drawn."""
        x, y = self.f_item.getData()
        _, dy = self.df_item.getData()
        return x, y, dy

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    def _apply_palette(self) -> None:
        """Follow the window's light or dark palette rather than pyqtgraph's black."""
        palette = self.palette()
        self.plot.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(palette.color(QPalette.ColorRole.Mid)))
            axis.setTextPen(pg.mkPen(text))
        self.f_item.setPen(pg.mkPen(CURVE_COLOR, width=2.2))
        self.df_item.setPen(pg.mkPen(DERIVATIVE_COLOR, width=1.8, style=Qt.PenStyle.DashLine))
        self.legend.setLabelTextColor(text)
        self.legend.setBrush(pg.mkBrush(palette.color(QPalette.ColorRole.Base)))
        self.legend.setPen(pg.mkPen(palette.color(QPalette.ColorRole.Mid)))
