"""One look for every training plot: colours from the application palette, a shared colour cycle."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QGraphicsItem

from designer.training.sticky_range import StickyViewBox

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


class SparseLogAxis(pg.AxisItem):
    """On a log scale, a few labelled ticks at 1, 2 and 5 times a power of ten, thinned out
    until they fit: pyqtgraph's own minor ticks pile up into a blot on a short plot."""

    MIN_GAP_PX = 22  # between two labels

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        if not self.logMode or not (math.isfinite(minVal) and math.isfinite(maxVal)) or maxVal <= minVal:
            return super().tickValues(minVal, maxVal, size)
        fits = max(2, int(size / self.MIN_GAP_PX))
        candidates = [_log_ticks(minVal, maxVal, factors) for factors in ((1, 2, 5), (1, 3), (1,))]
        for values in candidates:
            if 2 <= len(values) <= fits:
                return [(1.0, values)]
        values = max(candidates, key=len)  # too many (every n-th is kept) or too few (all are)
        step = max(1, math.ceil(len(values) / fits))
        return [(1.0, values[::step])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if not self.logMode:
            return super().tickStrings(values, scale, spacing)
        return [f"{10**v:.3g}" for v in values]


def _log_ticks(low: float, high: float, factors: tuple[int, ...]) -> list[float]:
    """log10 of every factor x 10^n between low and high (themselves log10 values)."""
    ticks = (d + math.log10(f) for d in range(math.floor(low), math.ceil(high) + 1) for f in factors)
    return [t for t in ticks if low <= t <= high]


def make_plot(
    title: str,
    left: str = "",
    bottom: str = "",
    *,
    log_y: bool = False,
    whole_x: bool = False,
    live: bool = False,
) -> pg.PlotWidget:
    """A plot with a title, axis labels and a faint grid; zoom, the menu and export stay available.

    `live`: the data grow while a run trains, so the auto range holds still between
    refits (StickyViewBox).
    """
    axes: dict[str, pg.AxisItem] = {"left": SparseLogAxis("left")}
    if whole_x:
        axes["bottom"] = IntegerAxis("bottom")
    view = StickyViewBox() if live else None
    widget = pg.PlotWidget(background=background(), axisItems=axes, viewBox=view)
    widget.setMinimumSize(160, 120)
    item = widget.getPlotItem()
    fg = foreground()
    set_title(item, title)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        # A pixmap until its range changes: a frame that only moves a curve does not
        # re-draw every tick label (about 1 ms an axis on this machine).
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
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


def set_title(item: pg.PlotItem, title: str) -> None:
    """Title a plot in the theme's text colour. A plot asked for the title it already shows
    is left alone: setting one lays the plot out again, which can redraw its axes."""
    shown = (title, foreground().name())
    if getattr(item, "_netcanvas_title", None) != shown:
        item._netcanvas_title = shown
        item.setTitle(title, color=shown[1], size="10pt")


LEGEND_COLUMNS = 4  # entries side by side: one short row covers less of a short plot than a column


def add_legend(widget: pg.PlotWidget) -> pg.LegendItem:
    legend = widget.getPlotItem().addLegend(
        offset=(-8, 4),
        labelTextColor=foreground(),
        labelTextSize="8pt",
        colCount=LEGEND_COLUMNS,
        verSpacing=-6,
        horSpacing=6,
    )
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
