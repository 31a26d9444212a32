"""The panel and the plots side by side, wired together: what the main window docks."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QSplitter, QWidget

from designer.controller import DocumentController
from designer.training.panel import TrainingPanel
from designer.training.plots import TrainingPlots
from designer.training.runs import RunComparison
from designer.training.worker import TrainingRunner


class TrainingView(QWidget):
    def __init__(
        self,
        controller: DocumentController,
        runner: TrainingRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.panel = TrainingPanel(controller, runner)
        self.plots = TrainingPlots()
        self.plots.follow_trainer_load(self.panel.runner.load)
        self.runs = RunComparison(self.panel.runs)
        self.plots.add_tab(self.runs, "Runs")
        self.panel.run_starting.connect(self.plots.reset)
        self.panel.event.connect(self.plots.handle)
        scroll = QScrollArea()  # the settings may be taller than a short dock
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.panel.sizeHint().width() + 16)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(self.plots)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(1, False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def shutdown(self) -> bool:
        return self.panel.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
