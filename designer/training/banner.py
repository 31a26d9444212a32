"""An in-panel message strip (error, warning or note) instead of a modal box: the app keeps going."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

# (accent, tint) per kind; the tint is blended into the window colour so dark themes work too.
KINDS = {"error": "#d64545", "warning": "#d08a00", "info": "#3b7dd8"}


def _blend(a: QColor, b: QColor, amount: float) -> QColor:
    return QColor(
        round(a.red() * (1 - amount) + b.red() * amount),
        round(a.green() * (1 - amount) + b.green() * amount),
        round(a.blue() * (1 - amount) + b.blue() * amount),
    )


class Banner(QFrame):
    def __init__(self, kind: str = "error", closable: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.title = QLabel()
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.title)
        text.addWidget(self.message)
        text.addWidget(self.hint)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 6, 6)
        row.addLayout(text, 1)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.hide)
        self.close_button.setVisible(closable)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self._style()
        self.hide()

    def _style(self) -> None:
        accent = QColor(KINDS.get(self.kind, KINDS["info"]))
        window = self.palette().color(QPalette.ColorRole.Window)
        tint = _blend(window, accent, 0.14)
        self.setObjectName("banner")
        self.setStyleSheet(
            f"QFrame#banner {{ background: {tint.name()}; border: 1px solid {accent.name()};"
            f" border-left: 4px solid {accent.name()}; border-radius: 3px; }}"
        )

    def show_message(self, title: str, message: str = "", hint: str = "") -> None:
        self.title.setText(title)
        self.message.setText(message)
        self.message.setVisible(bool(message))
        self.hint.setText(f"Try: {hint}" if hint else "")
        self.hint.setVisible(bool(hint))
        self.show()

    def text(self) -> str:
        """Everything the banner says, for tests and screen readers."""
        parts = [self.title.text(), self.message.text() if self.message.isVisibleTo(self) else ""]
        parts.append(self.hint.text() if self.hint.isVisibleTo(self) else "")
        return " ".join(p for p in parts if p)
