"""One look for every training plot: colours from the application palette, a shared colour cycle."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# Tableau 10: distinguishable, and readable on light and dark backgrounds.
CYCLE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)


def colour(index: int) -> QColor:
    return QColor(CYCLE[index % len(CYCLE)])


def _palette() -> QPalette:
    app = QApplication.instance()
    return app.palette() if isinstance(app, QApplication) else QPalette()


def background() -> QColor:
    return _palette().color(QPalette.ColorRole.Base)


def foreground() -> QColor:
    return _palette().color(QPalette.ColorRole.Text)


def muted() -> QColor:
    fg, bg = foreground(), background()
    return QColor(
        (fg.red() + 2 * bg.red()) // 3, (fg.green() + 2 * bg.green()) // 3, (fg.blue() + 2 * bg.blue()) // 3
    )


class IntegerAxis(pg.AxisItem):
    """Ticks only at whole numbers (steps, epochs): no "epoch 2.5"."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        levels = []
        for spacing, values in super().tickValues(minVal, maxVal, size):
            if spacing >= 1:
                levels.append((spacing, values))
            elif not levels:
                whole = [float(v) for v in range(math.ceil(minVal), math.floor(maxVal) + 1)]
                levels.append((1.0, whole))
        return levels


def make_plot(
    title: str, left: str = "", bottom: str = "", *, log_y: bool = False, whole_x: bool = False
) -> pg.PlotWidget:
    """A plot with a title, axis labels and a faint grid; zoom, the menu and export stay available."""
    axes = {"bottom": IntegerAxis("bottom")} if whole_x else None
    widget = pg.PlotWidget(background=background(), axisItems=axes)
    widget.setMinimumSize(160, 120)
    item = widget.getPlotItem()
    fg = foreground()
    item.setTitle(title, color=fg.name(), size="10pt")
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(muted()))
        axis.setTextPen(pg.mkPen(fg))
        axis.enableAutoSIPrefix(False)  # "loss (x0.001)" confuses more than it helps
    if left:
        item.setLabel("left", left, color=fg.name())
    if bottom:
        item.setLabel("bottom", bottom, color=fg.name())
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setLogMode(y=log_y)
    return widget


def add_legend(widget: pg.PlotWidget) -> pg.LegendItem:
    legend = widget.getPlotItem().addLegend(offset=(-8, 8), labelTextColor=foreground(), labelTextSize="8pt")
    bg = background()
    legend.setBrush(pg.mkBrush(bg.red(), bg.green(), bg.blue(), 200))
    legend.setPen(pg.mkPen(muted()))
    return legend


def live_curve(
    widget: pg.PlotWidget, name: str | None, colour_: QColor, *, width: float = 1.5, finite: bool = True
) -> pg.PlotDataItem:
    """A curve for growing data: clipped to the view, peak-downsampled, finite check skipped if safe."""
    curve = widget.getPlotItem().plot(name=name, pen=pg.mkPen(colour_, width=width))
    curve.setClipToView(True)
    curve.setDownsampling(auto=True, method="peak")
    curve.setSkipFiniteCheck(finite)
    return curve
