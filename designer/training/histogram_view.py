"""Weight and gradient histograms of one layer, picked from a menu of the model's layers."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from backends.training.events import Histograms  # numpy only, no torch
from designer.training import plot_style

Layers = dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


class HistogramView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_box = QComboBox()
        self.layer_box.setMinimumContentsLength(12)
        self.layer_box.currentTextChanged.connect(self._draw)
        self.step_label = QLabel("")
        self.weights = plot_style.make_plot("Weights", "count", "value")
        self.grads = plot_style.make_plot("Gradients", "count", "value")
        self.weight_bars = self._bars(self.weights, 0)
        self.grad_bars = self._bars(self.grads, 1)
        self.latest: Layers = {}
        self.step = 0
        top = QHBoxLayout()
        top.addWidget(QLabel("Layer"))
        top.addWidget(self.layer_box)
        top.addWidget(self.step_label, 1)
        plots = QHBoxLayout()
        plots.addWidget(self.weights)
        plots.addWidget(self.grads)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(plots, 1)

    @staticmethod
    def _bars(widget: pg.PlotWidget, index: int) -> pg.PlotDataItem:
        colour = plot_style.colour(index)
        fill = plot_style.colour(index)
        fill.setAlpha(110)
        return widget.getPlotItem().plot(
            stepMode="center", fillLevel=0, pen=pg.mkPen(colour, width=1.2), brush=pg.mkBrush(fill)
        )

    def reset(self, layer_names: list[str] | None = None) -> None:
        self.latest, self.step = {}, 0
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        self.layer_box.addItems(layer_names or [])
        self.layer_box.blockSignals(False)
        self.step_label.setText("sampled every few steps while training" if layer_names else "")
        self.weight_bars.setData([], [])
        self.grad_bars.setData([], [])

    def update_from(self, event: Histograms) -> None:
        """Keep the newest histograms; redraw the chosen layer (the caller throttles)."""
        self.latest, self.step = event.layers, event.step
        known = {self.layer_box.itemText(i) for i in range(self.layer_box.count())}
        for name in event.layers:
            if name not in known:
                self.layer_box.addItem(name)
        self.step_label.setText(f"step {event.step:,}")
        self._draw(self.layer_box.currentText())

    def _draw(self, layer: str) -> None:
        data = self.latest.get(layer)
        if data is None:
            return
        weight_counts, weight_edges, grad_counts, grad_edges = data
        self.weight_bars.setData(weight_edges, weight_counts)
        self.grad_bars.setData(grad_edges, grad_counts)
