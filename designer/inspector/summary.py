"""Read-only parts of the inspector: the node's shapes and size, and its problems.

Both are filled from the latest Analysis, so they follow every edit (and undo)
once the controller has re-analysed.
"""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QPalette
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from designer.problems import severity_color, severity_icon
from nodes.analysis import NodeInfo, Problem
from nodes.graph import Node
from nodes.params import IntParam
from nodes.shapes import format_shape
from nodes.spec import NodeSpec


def auto_value(spec: NodeSpec, info: NodeInfo | None, name: str) -> Any:
    """What an optional parameter left on auto resolves to (Linear in_features from the
    incoming wire), or None when the analysis cannot tell."""
    if info is None or info.params is None or spec.module_args is None:
        return None
    if any(shape is None for shape in info.in_shapes):
        return None
    with contextlib.suppress(Exception):  # catalog rules may reject a half-wired graph
        for arg in spec.module_args(info.params, info.in_shapes):
            if arg.name == name:
                return arg.value
    return None


def optional_int_names(spec: NodeSpec) -> list[str]:
    return [p.name for p in spec.params if isinstance(p, IntParam) and p.optional]


def _count_text(info: NodeInfo) -> str:
    count = info.count
    if count.total == 0:
        return "none"
    text = f"{count.trainable:,} trainable"
    if count.non_trainable:
        text += f" + {count.non_trainable:,} buffers"
    return text


class NodeSummary(QWidget):
    """Input shapes, output shapes and parameter count, one row each per port."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(4)
        self.grid.setColumnStretch(1, 1)
        self.rows: dict[str, str] = {}  # caption -> value, as shown (handy in tests)
        self._row = 0  # QGridLayout.rowCount() never shrinks, so count rows here

    def show_info(self, spec: NodeSpec, node: Node, info: NodeInfo | None) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.rows = {}
        self._row = 0
        inputs = spec.input_ports(node.params)
        for i, port in enumerate(inputs):
            shape = info.in_shapes[i] if info is not None and i < len(info.in_shapes) else None
            caption = "Input" if port.name == "in" else f"Input {port.display_name}"
            self._add(caption, format_shape(shape) if shape is not None else "not connected", True)
        for port in spec.outputs:
            shape = info.out_shapes.get(port.name) if info is not None else None
            caption = "Output" if port.name == "out" else f"Output {port.display_name}"
            self._add(caption, format_shape(shape) if shape is not None else "unknown", True)
        if spec.is_module:
            self._add("Parameters", _count_text(info) if info is not None else "?", False)

    def _add(self, caption: str, value: str, mono: bool) -> None:
        row, self._row = self._row, self._row + 1
        label = QLabel(caption, self)
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        text = QLabel(value, self)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if mono:
            text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.grid.addWidget(label, row, 0)
        self.grid.addWidget(text, row, 1)
        self.rows[caption] = value


class NodeProblems(QWidget):
    """The node's own errors and warnings, icon and colour by severity."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(6)
        self.messages: list[str] = []

    def show_problems(self, problems: list[Problem], prefix: str = "") -> None:
        """`prefix` ("Linear 'fc1'") is dropped from messages: the inspector already
        says which node this is."""
        while self.box.count():
            widget = self.box.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.messages = []
        for problem in sorted(problems, key=lambda p: not p.is_error):
            message = problem.message
            if prefix and message.startswith(prefix):
                message = message[len(prefix) :].lstrip(": ")
                message = message[:1].upper() + message[1:]
            holder = QWidget(self)
            row = QHBoxLayout(holder)
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(6)
            icon = QLabel(holder)
            icon.setPixmap(severity_icon(problem.severity).pixmap(14, 14))
            icon.setAlignment(Qt.AlignmentFlag.AlignTop)
            icon.setContentsMargins(0, 2, 0, 0)
            text = QLabel(message, holder)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setStyleSheet(f"color: {severity_color(problem.severity).name()};")
            row.addWidget(icon)
            row.addWidget(text, 1)
            self.box.addWidget(holder)
            self.messages.append(message)
        self.setVisible(bool(problems))
