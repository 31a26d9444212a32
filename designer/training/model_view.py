"""What the model has learned, drawn: a decision boundary (2-D classification) or a fitted curve."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from backends.training.events import DecisionBoundary, RegressionCurve  # numpy only, no torch
from designer.training import plot_style


def boundary_image(event: DecisionBoundary, num_classes: int) -> np.ndarray:
    """RGB pixels: each cell in its class colour, faded towards the background where unsure."""
    k = max(num_classes, int(event.classes.max()) + 1 if event.classes.size else 1, 2)
    colours = np.array([plot_style.colour(i).getRgb()[:3] for i in range(k)], dtype=np.float32)
    bg = np.array(plot_style.background().getRgb()[:3], dtype=np.float32)
    chance = 1.0 / k
    sure = np.clip((event.confidence - chance) / (1.0 - chance), 0.0, 1.0)[..., None]
    alpha = 0.12 + 0.5 * sure  # a confident region is clearly coloured, the boundary almost blank
    pixels = bg * (1 - alpha) + colours[np.clip(event.classes, 0, k - 1)] * alpha
    return pixels.astype(np.uint8)


class ModelView:
    """Owns the items of one plot; shows whichever picture the run sends."""

    def __init__(self, widget: pg.PlotWidget) -> None:
        self.widget = widget
        self.item = widget.getPlotItem()
        self.image = pg.ImageItem(axisOrder="row-major")  # rows follow y, as the engine sends them
        self.image.setZValue(-10)
        self.item.addItem(self.image)
        self.legend = plot_style.add_legend(widget)
        self.class_points: list[pg.ScatterPlotItem] = []
        self.curve = plot_style.live_curve(widget, None, plot_style.foreground(), width=2.5, finite=False)
        self.targets = pg.ScatterPlotItem(size=5, pen=None)
        self.item.addItem(self.targets)
        self.placeholder = pg.TextItem(
            # Short lines: the plot may be a narrow cell of a one-row grid.
            "The decision boundary\n(2-D classification)\n"
            "or the fitted curve\n(1-D regression)\nappears here.",
            color=plot_style.muted().darker(150),
            anchor=(0.5, 0.5),
        )
        self.item.addItem(self.placeholder, ignoreBounds=True)
        self.class_names: list[str] = []
        self.num_classes = 0
        self.shown: DecisionBoundary | RegressionCurve | None = None

    def reset(self, class_names: list[str], num_classes: int | None) -> None:
        self.class_names, self.num_classes = list(class_names), int(num_classes or 0)
        self.image.clear()
        self.image.setVisible(False)
        for scatter in self.class_points:
            self.item.removeItem(scatter)
        self.class_points.clear()
        self.legend.clear()
        self.curve.setData([], [])
        self.targets.setData([], [])
        self.shown = None
        self.legend.setVisible(False)  # an empty legend still draws its frame
        self.placeholder.setPos(0.5, 0.5)
        self.placeholder.setVisible(True)
        self.item.getViewBox().setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        plot_style.set_title(self.item, "Decision boundary")

    def show(self, event: DecisionBoundary | RegressionCurve) -> None:
        if isinstance(event, DecisionBoundary):
            self._show_boundary(event)
        else:
            self._show_curve(event)
        self.shown = event
        self.placeholder.setVisible(False)
        self.legend.setVisible(True)

    def _show_boundary(self, event: DecisionBoundary) -> None:
        (x0, x1), (y0, y1) = event.x_range, event.y_range
        self.image.setImage(boundary_image(event, self.num_classes), autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.image.setVisible(True)
        labels = event.labels.astype(int)
        count = max(self.num_classes, int(labels.max()) + 1 if labels.size else 0)
        while len(self.class_points) < count:
            index = len(self.class_points)
            name = self.class_names[index] if index < len(self.class_names) else f"class {index}"
            scatter = pg.ScatterPlotItem(
                size=6,
                brush=pg.mkBrush(plot_style.colour(index)),
                pen=pg.mkPen(plot_style.foreground(), width=0.6),
                name=name,
            )
            self.item.addItem(scatter)
            self.class_points.append(scatter)
        for index, scatter in enumerate(self.class_points):
            mine = event.points[labels == index]
            scatter.setData(mine[:, 0], mine[:, 1])
        plot_style.set_title(self.item, f"Decision boundary · epoch {event.epoch}")
        if self.shown is None:
            # Equal scales on both axes, so a spiral looks like a spiral in a short panel.
            self.item.getViewBox().setAspectLocked(True)
            self.item.getViewBox().setRange(xRange=event.x_range, yRange=event.y_range, padding=0)

    def _show_curve(self, event: RegressionCurve) -> None:
        if self.shown is None:  # reset() emptied the legend
            self.item.getViewBox().setAspectLocked(False)
            self.targets.setBrush(pg.mkBrush(plot_style.colour(0)))
            self.legend.addItem(self.targets, "data")
            self.legend.addItem(self.curve, "model")
            self.item.getViewBox().enableAutoRange()
        self.targets.setData(event.points.reshape(-1), event.targets.reshape(-1))
        self.curve.setData(event.xs, event.predictions)
        plot_style.set_title(self.item, f"Fit · epoch {event.epoch}")
