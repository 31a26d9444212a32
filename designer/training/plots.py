"""Live training plots: events fill numpy buffers; a timer redraws what changed about 25 times a second.

`handle(event)` never draws. Progress arrives ~20 times a second with a chunk of
steps each; drawing per event would tie the frame rate to the engine. Instead each
handler appends and marks its plot dirty, and one QTimer redraws dirty plots with
setData on buffer views (clip to view, peak downsampling, no finite scan for data
known to be finite).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from backends.training import events as ev  # numpy only, no torch
from backends.training.load import TrainerLoad
from designer.training import plot_style, text
from designer.training.buffers import XY, Series, Smoother
from designer.training.histogram_view import HistogramView
from designer.training.model_view import ModelView
from designer.training.pacing import FramePacer
from designer.training.plot_grid import PlotGrid
from designer.training.results import ResultsView

REDRAW_MS = 40  # 25 Hz at most: smooth to the eye; the pacer slows it when drawing is costly
SMOOTHING = 0.9
FEW_EPOCHS = 30
METRIC_TITLES = {"accuracy": "Validation accuracy", "r2": "Validation R²", "mae": "Validation MAE"}


def _positive_or_nan(values: np.ndarray) -> np.ndarray:
    """Log axes cannot show 0 (a layer without gradient): leave a gap instead of -inf."""
    out = np.asarray(values, dtype=np.float64)
    return np.where(out > 0, out, np.nan)


class TrainingPlots(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._build_training_tab()
        self._build_gradients_tab()
        self.results = ResultsView()
        self.tabs.addTab(self.results, "Results")
        # Buffers: what has arrived, independent of what is drawn.
        self.step_loss = XY()
        self.smoothed = Series()
        self.smoother = Smoother(SMOOTHING)
        self.epochs = Series()
        self.train_loss = Series()
        self.val_loss = Series()
        self.val_metrics: dict[str, Series] = {}
        self.grad_norms: dict[str, XY] = {}
        self.learning_rates = XY()
        self.best_epoch = 0
        self.started: ev.RunStarted | None = None
        self.finished: ev.Finished | None = None
        self._dirty: set[str] = set()
        self._pending: dict[str, object] = {}
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._pacer = FramePacer(self._timer, fastest_ms=REDRAW_MS)
        # Which widget shows each part: parts on hidden tabs wait until their tab is shown.
        self._shown_by: dict[str, QWidget] = {
            "loss": self.loss_plot,
            "epoch": self.epoch_plot,
            "grad": self.grad_plot,
            "lr": self.lr_plot,
            "histograms": self.histograms,
            "view": self.view_plot,
            "finished": self.results,
        }
        # The plots each part draws in whose auto range follows the data.
        self._ranged: dict[str, tuple[pg.PlotWidget, ...]] = {
            "loss": (self.loss_plot,),
            "epoch": (self.epoch_plot, self.metric_plot),
            "grad": (self.grad_plot,),
            "lr": (self.lr_plot,),
        }
        self.tabs.currentChanged.connect(lambda _index: self._mark())
        self._handlers = {
            ev.RunStarted: self._on_started,
            ev.Progress: self._on_progress,
            ev.EpochEnd: self._on_epoch,
            ev.Histograms: self._on_histograms,
            ev.DecisionBoundary: self._on_view,
            ev.RegressionCurve: self._on_view,
            ev.Resumed: self._on_resumed,
            ev.Finished: self._on_finished,
            ev.Failed: self._on_failed,
        }
        self.reset()

    # ---- layout ------------------------------------------------------------------

    def _build_training_tab(self) -> None:
        self.loss_plot = plot_style.make_plot("Training loss", "loss", "step", whole_x=True, live=True)
        plot_style.add_legend(self.loss_plot)
        raw = plot_style.colour(0)
        raw.setAlpha(90)
        self.loss_curve = plot_style.live_curve(self.loss_plot, "each step", raw, width=1)
        self.smooth_curve = plot_style.live_curve(self.loss_plot, "smoothed", plot_style.colour(0), width=2)
        self.epoch_plot = plot_style.make_plot("Loss per epoch", "loss", "epoch", whole_x=True, live=True)
        plot_style.add_legend(self.epoch_plot)
        self.train_epoch_curve = plot_style.live_curve(self.epoch_plot, "training", plot_style.colour(0))
        self.val_epoch_curve = plot_style.live_curve(
            self.epoch_plot, "validation", plot_style.colour(1), finite=False
        )
        # The epoch with the lowest monitored loss (what early stopping keeps), named in the title.
        self.best_line = pg.InfiniteLine(
            angle=90,
            pen=pg.mkPen(plot_style.muted(), style=pg.QtCore.Qt.PenStyle.DashLine),
            label="best",
            labelOpts={"position": 0.06, "color": plot_style.muted(), "anchors": [(1, 1), (1, 1)]},
        )
        self.epoch_plot.addItem(self.best_line)
        self.metric_plot = plot_style.make_plot("Validation accuracy", "", "epoch", whole_x=True, live=True)
        self.metric_legend = plot_style.add_legend(self.metric_plot)
        self.metric_curves: dict[str, pg.PlotDataItem] = {}
        self.view_plot = plot_style.make_plot("Decision boundary")
        self.model_view = ModelView(self.view_plot)
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addLayout(self._build_loss_controls())
        self.loss_grid = PlotGrid([self.loss_plot, self.epoch_plot, self.metric_plot, self.view_plot])
        outer.addWidget(self.loss_grid, 1)
        self.tabs.addTab(page, "Loss && metrics")  # && shows one &; a single one marks a shortcut

    def _build_loss_controls(self) -> QHBoxLayout:
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(round(SMOOTHING * 100))
        self.smoothing.setMaximumWidth(160)
        self.smoothing.setToolTip("Weight of the moving average drawn over the per-step loss")
        self.smoothing_label = QLabel(f"{SMOOTHING:.2f}")
        self.smoothing.valueChanged.connect(self._set_smoothing)
        self.log_loss = QCheckBox("Log scale")
        self.log_loss.setToolTip("Show the loss on a logarithmic axis: late, small improvements stay visible")
        self.log_loss.toggled.connect(self._set_log_loss)
        row = QHBoxLayout()
        row.addWidget(QLabel("Smoothing"))
        row.addWidget(self.smoothing)
        row.addWidget(self.smoothing_label)
        row.addSpacing(16)
        row.addWidget(self.log_loss)
        row.addStretch(1)
        return row

    def _set_smoothing(self, value: int) -> None:
        """Recompute the whole smoothed curve with the new weight (one pass, on demand)."""
        self.smoother = Smoother(value / 100)
        self.smoothing_label.setText(f"{value / 100:.2f}")
        self.smoothed.clear()
        self.smoothed.extend(self.smoother.feed(self.step_loss.y.values))
        self._mark("loss")

    def _set_log_loss(self, on: bool) -> None:
        for plot in (self.loss_plot, self.epoch_plot):
            plot.getPlotItem().setLogMode(y=on)
        for curve in (self.loss_curve, self.smooth_curve, self.train_epoch_curve):
            curve.setSkipFiniteCheck(not on)  # a loss of exactly 0 has no logarithm

    def _mark(self, *parts: str) -> None:
        self._dirty.update(parts)
        if self._dirty and not self._timer.isActive():
            self._timer.start()

    def _build_gradients_tab(self) -> None:
        self.grad_plot = plot_style.make_plot(
            "Gradient norm per layer", "norm", "step", log_y=True, whole_x=True, live=True
        )
        self.grad_legend = plot_style.add_legend(self.grad_plot)
        self.grad_curves: dict[str, pg.PlotDataItem] = {}
        # Log scale: schedules and hand changes move the rate by factors, not by amounts.
        self.lr_plot = plot_style.make_plot("Learning rate", "", "step", log_y=True, whole_x=True, live=True)
        self.lr_curve = plot_style.live_curve(self.lr_plot, None, plot_style.colour(4), width=2)
        self.histograms = HistogramView()
        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.setSpacing(6)
        grid.addWidget(self.grad_plot, 0, 0)
        grid.addWidget(self.lr_plot, 0, 1)
        grid.addWidget(self.histograms, 1, 0, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        self.tabs.addTab(page, "Gradients && weights")

    def follow_trainer_load(self, load: TrainerLoad) -> None:
        """Draw less while the run this load describes keeps the machine full (pacing.py)."""
        self._pacer.load = load

    def add_tab(self, widget: QWidget, title: str) -> None:
        self.tabs.addTab(widget, title)

    # ---- events --------------------------------------------------------------------

    def reset(self) -> None:
        """Forget the previous run's data (call before a new run starts)."""
        self._timer.stop()
        self._pacer.pause()
        for buffer in (self.step_loss, self.smoothed, self.epochs, self.train_loss, self.val_loss):
            buffer.clear()
        self.learning_rates.clear()
        self.smoother = Smoother(self.smoothing.value() / 100)
        self.val_metrics.clear()
        self.grad_norms.clear()
        self.best_epoch = 0
        self.started = self.finished = None
        for curve in self.grad_curves.values():
            self.grad_plot.getPlotItem().removeItem(curve)
        self.grad_curves.clear()
        self.grad_legend.setVisible(False)
        for curve in self.metric_curves.values():
            self.metric_plot.getPlotItem().removeItem(curve)
        self.metric_curves.clear()
        self.metric_legend.setVisible(False)
        self.metric_plot.getPlotItem().setLabel("left", "")  # "%" comes back with accuracy
        self.metric_plot.getPlotItem().enableAutoRange(y=True)
        for line in [i for i in self.loss_plot.getPlotItem().items if isinstance(i, pg.InfiniteLine)]:
            self.loss_plot.getPlotItem().removeItem(line)
        self.best_line.setVisible(False)
        for plot in (self.epoch_plot, self.metric_plot):
            plot.getPlotItem().enableAutoRange(x=True)
        for plot in self._live_plots():
            plot.getPlotItem().getViewBox().hold_range()
        self.model_view.reset([], None)
        self.histograms.reset()
        self.results.reset()
        self._pending.clear()
        self._dirty = {"loss", "epoch", "grad", "lr"}
        self.flush()

    def handle(self, event: object) -> None:
        """Take one engine event (GUI thread only); drawing happens on the next timer tick."""
        handler = self._handlers.get(type(event))
        if handler is None:
            return
        handler(event)
        self._mark()

    def _on_started(self, event: ev.RunStarted) -> None:
        self.reset()
        self.started = event
        self.model_view.reset(event.class_names, event.num_classes)
        self.histograms.reset(event.layer_names)
        for index, name in enumerate(event.layer_names):
            self._grad_curve(name, index)
        # Per-epoch plots span the planned epochs: they fill up like a progress chart.
        for plot in (self.epoch_plot, self.metric_plot):
            plot.getPlotItem().setXRange(0.5, max(event.epochs, 1) + 0.5, padding=0.02)
        if event.task == "regression":
            plot_style.set_title(self.view_plot.getPlotItem(), "Fit")

    def _grad_curve(self, name: str, index: int | None = None) -> pg.PlotDataItem:
        if name not in self.grad_curves:
            index = len(self.grad_curves) if index is None else index
            # NaN gaps replace zeros, so the finite check must stay on for these curves.
            curve = plot_style.live_curve(
                self.grad_plot, name, plot_style.colour(index), width=1.0, finite=False
            )
            self.grad_curves[name] = curve
            self.grad_norms[name] = XY()
            self.grad_legend.setVisible(True)
        return self.grad_curves[name]

    def _on_progress(self, event: ev.Progress) -> None:
        steps = event.steps.astype(np.float64)
        self.step_loss.extend(steps, event.losses)  # the engine sends only finite losses
        self.smoothed.extend(self.smoother.feed(event.losses))
        for name, values in event.grad_norms.items():
            if len(values) == len(steps):
                self._grad_curve(name)
                self.grad_norms[name].extend(steps, _positive_or_nan(values))
        self.learning_rates.extend(steps[-1:], [event.learning_rate])
        self._dirty |= {"loss", "grad", "lr"}

    def _on_epoch(self, event: ev.EpochEnd) -> None:
        self.epochs.extend(event.epoch)
        self.train_loss.extend(event.train_loss)
        self.val_loss.extend(np.nan if event.val_loss is None else event.val_loss)
        for name, value in event.val_metrics.items():
            if name not in self.val_metrics:
                self.val_metrics[name] = Series()
                self.val_metrics[name].extend(np.full(len(self.epochs) - 1, np.nan))
            self.val_metrics[name].extend(value)
        for name, series in self.val_metrics.items():
            if name not in event.val_metrics:
                series.extend(np.nan)
        self.best_epoch = event.best_epoch
        self._dirty.add("epoch")

    def _on_histograms(self, event: ev.Histograms) -> None:
        self._pending["histograms"] = event  # only the newest matters
        self._dirty.add("histograms")

    def _on_view(self, event: ev.DecisionBoundary | ev.RegressionCurve) -> None:
        self._pending["view"] = event
        self._dirty.add("view")

    def _on_resumed(self, event: ev.Resumed) -> None:
        previous = self.learning_rates.y.values[-1] if len(self.learning_rates) else None
        if previous is not None and not np.isclose(previous, event.learning_rate):
            line = pg.InfiniteLine(
                pos=event.step,
                angle=90,
                pen=pg.mkPen(plot_style.colour(4), style=pg.QtCore.Qt.PenStyle.DotLine),
                label=f"lr {text.learning_rate(event.learning_rate)}",
                labelOpts={"position": 0.85, "color": plot_style.colour(4)},
            )
            self.loss_plot.addItem(line)
        self.learning_rates.extend(float(event.step), event.learning_rate)
        self._dirty.add("lr")

    def _fit_to_run(self) -> None:
        """The run is over: per-epoch plots shrink from the planned epochs to those run, every
        live plot drops the room it kept for data to come, and the last frame comes at the
        normal pace."""
        self._pacer.hurry()
        last = max(int(self.epochs.values[-1]) if len(self.epochs) else 1, 1)
        for plot in (self.epoch_plot, self.metric_plot):  # (auto range spreads one point over ±150)
            plot.getPlotItem().setXRange(0.5, last + 0.5, padding=0.02)
        for plot in self._live_plots():
            plot.getPlotItem().getViewBox().fit_exactly()

    def _live_plots(self) -> tuple[pg.PlotWidget, ...]:
        """The plots whose auto range follows the data (StickyViewBox)."""
        return tuple(plot for plots in self._ranged.values() for plot in plots)

    def _on_failed(self, event: ev.Failed) -> None:
        self._fit_to_run()
        if event.step:
            colour = plot_style.colour(2)
            line = pg.InfiniteLine(
                pos=event.step,
                angle=90,
                pen=pg.mkPen(colour, style=pg.QtCore.Qt.PenStyle.DashLine),
                label="failed" if event.kind != "nan" else "diverged",
                labelOpts={"position": 0.5, "color": colour},
            )
            self.loss_plot.addItem(line)

    def _on_finished(self, event: ev.Finished) -> None:
        self._fit_to_run()
        self.finished = event
        self._pending["finished"] = event
        self._dirty.add("finished")

    # ---- drawing -------------------------------------------------------------------

    def _tick(self) -> None:
        """A timer frame: draw what changed and can be seen; hidden parts stay dirty."""
        self._pacer.tick()
        visible = {part for part in self._dirty if self._shown_by[part].isVisible()}
        if not visible:
            self._timer.stop()  # restarted by new data or a tab change
            self._pacer.pause()
            return
        self._dirty -= visible
        self._draw(visible)

    def flush(self) -> None:
        """Draw everything that changed now, seen or not (tests, screenshots, end of a run)."""
        dirty, self._dirty = self._dirty, set()
        self._draw(dirty)

    def _draw(self, dirty: set[str]) -> None:
        self._draw_parts(dirty)
        # Settle each touched plot's auto range now: left to its paint, a range change there
        # re-clips the curves and asks for a second paint of the same frame.
        for part in dirty:
            for plot in self._ranged.get(part, ()):
                plot.scene().prepareForPaint()

    def _draw_parts(self, dirty: set[str]) -> None:
        if "loss" in dirty:
            x = self.step_loss.x.values
            self.loss_curve.setData(x, self.step_loss.y.values)
            self.smooth_curve.setData(x, self.smoothed.values)
        if "grad" in dirty:
            for name, curve in self.grad_curves.items():
                series = self.grad_norms[name]
                curve.setData(series.x.values, series.y.values)
        if "lr" in dirty:
            self.lr_curve.setData(self.learning_rates.x.values, self.learning_rates.y.values)
        if "epoch" in dirty:
            self._draw_epochs()
        if "histograms" in dirty and "histograms" in self._pending:
            self.histograms.update_from(self._pending.pop("histograms"))  # type: ignore[arg-type]
        if "view" in dirty and "view" in self._pending:
            self.model_view.show(self._pending.pop("view"))  # type: ignore[arg-type]
        if "finished" in dirty and "finished" in self._pending:
            self.results.show_finished(self._pending.pop("finished"))  # type: ignore[arg-type]

    def _draw_epochs(self) -> None:
        x = self.epochs.values
        self.train_epoch_curve.setData(x, self.train_loss.values)
        self.val_epoch_curve.setData(x, self.val_loss.values)
        self.best_line.setVisible(self.best_epoch > 0 and len(x) > 1)
        self.best_line.setPos(self.best_epoch)
        best = f"{text.SEP}best {self.best_epoch}" if self.best_epoch and len(x) > 1 else ""
        plot_style.set_title(self.epoch_plot.getPlotItem(), f"Loss per epoch{best}")
        for index, (name, series) in enumerate(self.val_metrics.items()):
            if name not in self.metric_curves:
                self.metric_curves[name] = plot_style.live_curve(
                    self.metric_plot,
                    text.METRIC_NAMES.get(name, name),
                    plot_style.colour(index + 2),
                    width=2,
                    finite=False,
                )
            # Accuracy is drawn in percent, as the title and the results state it.
            scale = 100.0 if name == "accuracy" else 1.0
            self.metric_curves[name].setData(x, series.values * scale)
        self._mark_points(len(x) <= FEW_EPOCHS)
        self._title_metrics()

    def _mark_points(self, few: bool) -> None:
        """Dots on per-epoch curves while there are few epochs: one epoch is a point, not a line."""
        curves = [self.train_epoch_curve, self.val_epoch_curve, *self.metric_curves.values()]
        for curve in curves:
            if (curve.opts["symbol"] is not None) != few:
                colour = curve.opts["pen"].color()
                curve.setSymbol("o" if few else None)
                curve.setSymbolSize(5)
                curve.setSymbolBrush(colour)
                curve.setSymbolPen(colour)

    def _title_metrics(self) -> None:
        names = list(self.val_metrics)
        fg = plot_style.foreground().name()
        item = self.metric_plot.getPlotItem()
        if not names:
            title = "Validation metrics (this data has no validation split)" if len(self.epochs) else ""
            plot_style.set_title(item, title or "Validation metrics")
            return
        latest = {n: float(s.values[-1]) for n, s in self.val_metrics.items() if len(s)}
        if len(names) == 1:
            self.metric_legend.setVisible(False)  # the title names the only curve
            value = text.metric(names[0], latest[names[0]]).split(" ", 1)[1] if latest else ""
            title = f"{METRIC_TITLES.get(names[0], names[0])}{text.SEP}{value}"
        else:
            self.metric_legend.setVisible(True)
            title = f"Validation {text.metrics(latest)}"
        plot_style.set_title(item, title)
        if names == ["accuracy"] and item.getAxis("left").labelText != "%":  # once a run: it redraws the axis
            item.setLabel("left", "%", color=fg)
            item.setYRange(0, 102, padding=0)
            item.getViewBox().enableAutoRange(axis="y", enable=False)

    # ---- for tests and the panel ---------------------------------------------------

    @property
    def loss_points(self) -> int:
        return len(self.step_loss)

    @property
    def epoch_points(self) -> int:
        return len(self.epochs)
