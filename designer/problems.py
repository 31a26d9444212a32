"""The problems list: every error and warning of the latest analysis, in one place.

Activating a problem that names a node emits problem_activated(node id); the main
window selects and centres that node. The list only reads the analysis.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QKeyEvent, QPainter, QPainterPath, QPalette, QPixmap
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from designer.canvas.style import current_style
from designer.controller import DocumentController
from nodes.analysis import Analysis, Problem, Severity

NODE_ROLE = Qt.ItemDataRole.UserRole  # the node a problem names, or None


def severity_color(severity: Severity) -> QColor:
    """The canvas's error red and warning amber, for the current light or dark palette."""
    style = current_style()
    return QColor(style.error if severity is Severity.ERROR else style.warning)


def severity_icon(severity: Severity, size: int = 14) -> QIcon:
    """A red disc for errors, an amber triangle for warnings, each with a white mark."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = severity_color(severity)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    s = float(size)
    if severity is Severity.ERROR:
        painter.drawEllipse(QRectF(0.5, 0.5, s - 1, s - 1))
    else:
        path = QPainterPath(QPointF(s / 2, 0.5))
        path.lineTo(QPointF(s - 0.5, s - 1))
        path.lineTo(QPointF(0.5, s - 1))
        path.closeSubpath()
        painter.drawPath(path)
    painter.setPen(QColor("white"))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(int(s * 0.72), 6))
    painter.setFont(font)
    mark_box = QRectF(0, s * 0.08 if severity is Severity.WARNING else 0, s, s)
    painter.drawText(mark_box, Qt.AlignmentFlag.AlignCenter, "!")
    painter.end()
    return QIcon(pixmap)


def count_text(analysis: Analysis | None) -> str:
    """'2 errors, 1 warning', or 'No problems'."""
    if analysis is None or not analysis.problems:
        return "No problems"
    parts = []
    for count, word in ((len(analysis.errors), "error"), (len(analysis.warnings), "warning")):
        if count:
            parts.append(f"{count} {word}{'s' if count != 1 else ''}")
    return ", ".join(parts)


def problem_node(problem: Problem) -> str | None:
    """The node to show for a problem: the one it names, else the wire's target."""
    if problem.node_id is not None:
        return problem.node_id
    return problem.edge.target if problem.edge is not None else None


class _ProblemList(QListWidget):
    """Emits `chosen` on a click or on Enter, once per gesture."""

    chosen = Signal(QListWidgetItem)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.setAlternatingRowColors(True)
        self.setSpacing(2)
        self.itemClicked.connect(self.chosen)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self.chosen.emit(self.currentItem())
            return
        super().keyPressEvent(event)


class ProblemsWidget(QWidget):
    """A header count and a list of problems; errors first, then warnings."""

    problem_activated = Signal(str)  # node id

    def __init__(self, controller: DocumentController | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = QLabel(self)
        bold = self.header.font()
        bold.setBold(True)
        self.header.setFont(bold)
        self.list = _ProblemList(self)
        self.list.chosen.connect(self._on_chosen)
        self.empty = QLabel("The graph has no errors or warnings.", self)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.header)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty, 1)
        self.analysis: Analysis | None = None
        if controller is not None:
            controller.analysis_changed.connect(self.set_analysis)
        self.set_analysis(controller.analysis if controller is not None else None)

    def set_analysis(self, analysis: Analysis | None) -> None:
        self.analysis = analysis
        self.header.setText(count_text(analysis))
        self.list.clear()
        problems = list(analysis.problems) if analysis is not None else []
        problems.sort(key=lambda p: not p.is_error)  # stable: analysis order within a severity
        for problem in problems:
            text = problem.message[:1].upper() + problem.message[1:]  # some start with "the network"
            item = QListWidgetItem(severity_icon(problem.severity), text)
            item.setData(NODE_ROLE, problem_node(problem))
            item.setToolTip(problem.message)
            if problem.blocks_training and not problem.is_error:
                item.setToolTip(problem.message + "\n(Training cannot start until this is fixed.)")
            self.list.addItem(item)
        self.list.setVisible(bool(problems))
        self.empty.setVisible(not problems)

    def count(self) -> int:
        return self.list.count()

    def _on_chosen(self, item: QListWidgetItem) -> None:
        node_id = item.data(NODE_ROLE)
        if node_id:
            self.problem_activated.emit(node_id)
