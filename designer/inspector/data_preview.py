"""What a data set node will feed the network: split sizes, sample shape, class counts.

Loading can take a moment (a big CSV, scikit-learn's first import), so it runs on a
background thread, one request at a time, a short while after the last edit; the
widget shows the newest answer and drops answers to requests that are out of date.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from designer.inspector.editors import error_color

DEBOUNCE_MS = 250  # typing "1000" asks once, not four times


class DataPreview(QWidget):
    answered = Signal(int, str, bool)  # request number, text, whether it is an error

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLabel("Loading a preview…", self)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text)
        self.failed = False
        self._request = 0
        self._wanted: tuple[str, dict[str, Any], Path | None] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._load)
        # A slot of this widget, which lives on the GUI thread: the answer is queued to it.
        self.answered.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def show_source(self, type_id: str, params: Mapping[str, Any], base_dir: Path | None) -> None:
        """Preview the data set with these parameters (soon, and off the GUI thread)."""
        wanted = (type_id, dict(params), base_dir)
        if wanted == self._wanted:
            return
        self._wanted = wanted
        self._timer.start()

    @property
    def busy(self) -> bool:
        return self._timer.isActive() or self._shown != self._request

    _shown = 0

    @Slot()
    def _load(self) -> None:
        if self._wanted is None:
            return
        self._request += 1
        number, (type_id, params, base_dir) = self._request, self._wanted
        threading.Thread(
            target=self._work, args=(number, type_id, params, base_dir), name="netcanvas-preview", daemon=True
        ).start()

    def _work(self, number: int, type_id: str, params: dict[str, Any], base_dir: Path | None) -> None:
        """Background thread: no widgets, only the signal."""
        try:
            from backends.data import DataError, preview  # numpy and scikit-learn, never torch

            try:
                text, failed = preview(type_id, params, base_dir), False
            except DataError as exc:
                text, failed = str(exc), True
        except Exception as exc:  # a bug must not take the inspector down
            text, failed = f"no preview: {type(exc).__name__}: {exc}", True
        with contextlib.suppress(RuntimeError):  # the inspector page was closed meanwhile
            self.answered.emit(number, text, failed)

    @Slot(int, str, bool)
    def _show(self, number: int, text: str, failed: bool) -> None:
        if number != self._request:
            return  # an older request finished late
        self._shown = number
        self.failed = failed
        self.text.setText(text)
        self.text.setStyleSheet(f"color: {error_color().name()};" if failed else "")
