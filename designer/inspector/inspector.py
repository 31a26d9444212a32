"""The inspector: everything about one node, and a form to edit its parameters.

It holds no state the document lacks. Edits go through the controller (one undo
step each); the form follows the document's events, so undo/redo and edits from the
canvas show up here without echoing back as new edits.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from designer.controller import DocumentController
from designer.inspector.activation_plot import ActivationPlot, has_curve
from designer.inspector.data_preview import DataPreview
from designer.inspector.editors import IntEditor, ParamEditor, editor_for, error_color, muted_color
from designer.inspector.summary import NodeProblems, NodeSummary, auto_value, optional_int_names
from designer.palette import CATEGORY_TITLES, category_color
from nodes import registry
from nodes.analysis import Analysis, label
from nodes.graph import GraphEditError, GraphEvent
from nodes.spec import NodeSpec, Role

HINT = "Select a node to edit it; drag layers from the palette onto the canvas."


def _same(a: Any, b: Any) -> bool:
    """Equal values, treating a list loaded from JSON and a tuple alike."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return tuple(a) == tuple(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b  # 0 from a JSON file and 0.0 from a field are the same setting
    return type(a) is type(b) and a == b


def _section_title(text: str, parent: QWidget) -> QLabel:
    title = QLabel(text.upper(), parent)
    font = title.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 0.82)
    font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
    title.setFont(font)
    title.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    title.setContentsMargins(0, 10, 0, 0)
    return title


class InspectorWidget(QWidget):
    """Shows the selected node; `show_node(None)` shows a hint instead."""

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.node_id: str | None = None
        self.spec: NodeSpec | None = None
        self.editors: dict[str, ParamEditor] = {}
        self.plot: ActivationPlot | None = None
        self._refusal: str | None = None

        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.hint = QLabel(HINT, self)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.hint.setContentsMargins(24, 24, 24, 24)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.hint)
        layout.addWidget(self.scroll)

        controller.graph_event.connect(self._on_graph_event)
        controller.analysis_changed.connect(self._on_analysis)
        controller.document_replaced.connect(lambda: self.show_node(None))
        controller.edit_refused.connect(self._on_refused)
        self.show_node(None)

    # ---- building --------------------------------------------------------------

    def show_node(self, node_id: str | None) -> None:
        """Inspect one node (rebuilding the form for its type), or none."""
        if node_id is not None and node_id not in self.controller.doc:
            node_id = None
        self.node_id = node_id
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.editors, self.plot, self.spec, self.preview = {}, None, None, None
        self.hint.setVisible(node_id is None)
        self.scroll.setVisible(node_id is not None)
        if node_id is not None:
            self.scroll.setWidget(self._build(node_id))
            self._on_analysis(self.controller.analysis)

    def _build(self, node_id: str) -> QWidget:
        node = self.controller.doc.node(node_id)
        self.spec = spec = registry.get(node.type_id)
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(12, 10, 12, 12)
        box.setSpacing(6)

        box.addWidget(self._header(spec, page))
        self.name_edit = QLineEdit(node.name, page)
        self.name_edit.setToolTip("The node's name; generated code uses it for the layer")
        self.name_edit.editingFinished.connect(lambda: self._rename(node_id))
        self.name_error = QLabel(page)
        self.name_error.setStyleSheet(f"color: {error_color().name()};")
        self.name_error.setWordWrap(True)
        self.name_error.hide()
        name_row = QHBoxLayout()
        name_row.addWidget(QLabel("Name", page))
        name_row.addWidget(self.name_edit, 1)
        box.addLayout(name_row)
        box.addWidget(self.name_error)

        explanation = QLabel(spec.explanation, page)
        explanation.setWordWrap(True)
        explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        explanation.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        explanation.setContentsMargins(0, 4, 0, 0)
        box.addWidget(explanation)

        # Problems first: the fix a message suggests must not sit below the fold.
        self.problems_title = _section_title("Problems", page)
        self.problems = NodeProblems(page)
        box.addWidget(self.problems_title)
        box.addWidget(self.problems)

        box.addWidget(_section_title("Tensors", page))
        self.summary = NodeSummary(page)
        box.addWidget(self.summary)

        self.preview = None
        if spec.role is Role.SOURCE:
            box.addWidget(_section_title("Data (a preview)", page))
            self.preview = DataPreview(page)
            self.preview.show_source(spec.type_id, node.params, self._base_dir())
            box.addWidget(self.preview)

        if spec.params:
            box.addWidget(_section_title("Parameters", page))
            base_dir = self._base_dir
            for param in spec.params:
                editor = editor_for(param, page, base_dir)
                editor.set_value(node.params.get(param.name, param.default))
                # Bound to this node: a late focus-out commit still reaches the right node.
                editor.committed.connect(lambda value, n=node_id, p=param.name: self._apply(n, p, value))
                self.editors[param.name] = editor
                box.addWidget(editor)
                box.addSpacing(2)

        if has_curve(spec.type_id):
            box.addWidget(_section_title("Curve on [-4, 4]", page))
            self.plot = ActivationPlot(page)
            self.plot.set_curve(spec.type_id, node.params)
            box.addWidget(self.plot)

        box.addStretch(1)
        return page

    def _header(self, spec: NodeSpec, parent: QWidget) -> QWidget:
        header = QWidget(parent)
        row = QHBoxLayout(header)
        row.setContentsMargins(0, 0, 0, 4)
        row.setSpacing(8)
        color = category_color(spec.category)
        dot = QLabel(header)
        dot.setFixedSize(12, 12)
        dot.setStyleSheet(f"background: {color.name()}; border-radius: 6px;")
        title = QLabel(html.escape(spec.title), header)
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        title.setFont(font)
        category = CATEGORY_TITLES.get(spec.category, spec.category.value).rstrip("s")
        # The PyTorch class says what the code will use (SiLU (Swish) is nn.SiLU); data sets,
        # inputs and merges have none, and their internal type ids mean nothing to a user.
        torch_class = (spec.torch_class or "").replace("torch.nn.", "nn.")
        kind_text = f"{category} · {torch_class}" if torch_class else category
        kind = QLabel(html.escape(kind_text), header)
        kind.setStyleSheet(f"color: {muted_color(self).name()};")
        row.addWidget(dot, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(title)
        row.addStretch(1)
        row.addWidget(kind, 0, Qt.AlignmentFlag.AlignVCenter)
        return header

    def _base_dir(self) -> Path | None:
        return self.controller.data_dir

    # ---- edits out -------------------------------------------------------------

    def _apply(self, node_id: str, name: str, value: Any) -> None:
        editor = self.editors.get(name) if node_id == self.node_id else None
        try:
            current = self.controller.doc.node(node_id).params.get(name)
        except GraphEditError:
            return  # the node went away while its field had focus
        if _same(current, value):
            if editor is not None:
                editor.set_value(current)  # e.g. "1,28,28" shown back as "1, 28, 28"
            return
        self._refusal = None
        if not self.controller.set_param(node_id, name, value) and editor is not None:
            editor.show_error(self._refusal or f"{name} could not be changed")

    def _rename(self, node_id: str) -> None:
        if node_id != self.node_id or node_id not in self.controller.doc:
            return
        text = self.name_edit.text()
        self._refusal = None
        current = self.controller.doc.node(node_id).name
        if text.strip() == current:
            self.name_error.hide()
            return
        if self.controller.rename(node_id, text):
            self.name_error.hide()
        else:
            self.name_error.setText(self._refusal or "this name cannot be used")
            self.name_error.show()
            with QSignalBlocker(self.name_edit):
                self.name_edit.setText(current)

    def _on_refused(self, message: str) -> None:
        self._refusal = message

    # ---- the document in -------------------------------------------------------

    def _on_graph_event(self, event: GraphEvent) -> None:
        if self.node_id is None or event.node_id != self.node_id:
            return
        if event.kind == "node_removed":
            self.show_node(None)
        elif event.kind == "param_changed" and event.name in self.editors:
            self.editors[event.name].set_value(event.new)
            if self.preview is not None and self.spec is not None:
                params = self.controller.doc.node(self.node_id).params
                self.preview.show_source(self.spec.type_id, params, self._base_dir())
            if self.plot is not None and self.spec is not None:
                self.plot.set_curve(self.spec.type_id, self.controller.doc.node(self.node_id).params)
        elif event.kind == "node_renamed":
            with QSignalBlocker(self.name_edit):
                self.name_edit.setText(str(event.new))
            self.name_error.hide()

    def _on_analysis(self, analysis: Analysis | None) -> None:
        if self.node_id is None or self.spec is None or self.node_id not in self.controller.doc:
            return
        doc = self.controller.doc
        node = doc.node(self.node_id)
        info = analysis.info.get(self.node_id) if analysis is not None else None
        self.summary.show_info(self.spec, node, info)
        for name in optional_int_names(self.spec):
            editor = self.editors.get(name)
            if isinstance(editor, IntEditor):
                editor.set_auto_hint(auto_value(self.spec, info, name))
        problems = analysis.problems_for(self.node_id) if analysis is not None else []
        self.problems.show_problems(problems, prefix=label(doc, self.node_id))
        self.problems_title.setVisible(bool(problems))
