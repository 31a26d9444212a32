"""One small editor class per parameter kind, generated from the catalog's declarations.

Every editor is a self-contained block: a caption, the input control, and one line
under it that shows the parameter's help, or in red why the typed value was refused.
An editor validates with the parameter's own `coerce` and emits `committed` with the
cleaned value only when it is valid; it never touches the document. `set_value` shows
a value from the document without emitting anything, so undo/redo and edits made
elsewhere never echo back as new edits.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from designer.canvas.style import current_style
from designer.inspector.controls import Combo, FloatSpin, IntSpin, format_float
from nodes.params import (
    BoolParam,
    ChoiceParam,
    FloatParam,
    IntParam,
    Param,
    ParamError,
    PathParam,
    ShapeParam,
    TextParam,
)


def error_color() -> QColor:
    """The canvas's error red, so a refused value reads like an error on the graph."""
    return QColor(current_style().error)


def muted_color(widget: QWidget) -> QColor:
    """Secondary text: the text colour blended halfway into the window colour (the
    palette's PlaceholderText carries alpha, which style sheets would drop)."""
    palette = widget.palette()
    text, window = palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Window)
    mix = 0.45
    return QColor(
        round(text.red() * (1 - mix) + window.red() * mix),
        round(text.green() * (1 - mix) + window.green() * mix),
        round(text.blue() * (1 - mix) + window.blue() * mix),
    )


def param_tooltip(param: Param) -> str:
    parts = [f"<b>{html.escape(param.display_name)}</b>"]
    if param.help:
        parts.append(html.escape(param.help))
    if range_text(param):
        parts.append(f"Allowed: {html.escape(range_text(param))}")
    parts.append(f"Default: {html.escape(format_value(param, param.default))}")
    return "<qt>" + "<br>".join(parts) + "</qt>"


def range_text(param: Param) -> str:
    """describe_range, plus the strict bounds it leaves out ("more than 0, up to 10")."""
    if isinstance(param, FloatParam) and (param.min_exclusive or param.max_exclusive):
        parts = []
        if param.minimum is not None:
            parts.append(f"{'more than' if param.min_exclusive else 'at least'} {param.minimum:g}")
        if param.maximum is not None:
            parts.append(f"{'less than' if param.max_exclusive else 'up to'} {param.maximum:g}")
        return ", ".join(parts)
    return param.describe_range()


def format_value(param: Param, value: Any) -> str:
    if value is None:
        return "auto" if isinstance(param, IntParam) else ""
    if isinstance(param, ShapeParam) and isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(param, FloatParam) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_float(value)
    if isinstance(param, BoolParam):
        return "on" if value else "off"
    return str(value)


class ParamEditor(QWidget):
    """Base block: caption, control row (built by subclasses), help-or-error line."""

    committed = Signal(object)  # a cleaned, valid value the user chose

    def __init__(self, param: Param, parent: QWidget | None = None, *, caption: bool = True) -> None:
        super().__init__(parent)
        self.param = param
        self.setToolTip(param_tooltip(param))
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(3)
        self.caption: QLabel | None = None
        if caption:
            self.caption = QLabel(self._caption_text(), self)
            self.caption.setTextFormat(Qt.TextFormat.RichText)
            self._layout.addWidget(self.caption)
        self.row = QHBoxLayout()
        self.row.setSpacing(6)
        self._layout.addLayout(self.row)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        small = self.message.font()
        small.setPointSizeF(max(small.pointSizeF() * 0.88, 7.0))
        self.message.setFont(small)
        self._layout.addWidget(self.message)
        self._error: str | None = None
        self._show_help()

    def _caption_text(self) -> str:
        name = html.escape(self.param.display_name)
        muted = muted_color(self).name()
        allowed = range_text(self.param)
        if allowed and not isinstance(self.param, ChoiceParam):
            return f"{name} <span style='color:{muted}'>&nbsp;{html.escape(allowed)}</span>"
        return name

    # ---- the contract with the inspector ---------------------------------------

    def set_value(self, value: Any) -> None:
        """Show a value from the document; emits nothing and clears any error."""
        self._document_value = value
        self.show_error(None)
        self._show_value(value)

    def show_error(self, message: str | None) -> None:
        """A red message under the field (None restores the help line)."""
        self._error = message
        if message:
            self.message.setText(message)
            self.message.setStyleSheet(f"color: {error_color().name()};")
            self.message.show()
            self._reveal()
        else:
            self._show_help()

    def _reveal(self) -> None:
        """Scroll the inspector so the field and its red line show (a field at the bottom
        edge would hide the reason below the fold)."""
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            parent.ensureWidgetVisible(self, 0, 8)

    @property
    def error(self) -> str | None:
        return self._error

    # ---- for subclasses ----------------------------------------------------------

    def _show_value(self, value: Any) -> None:
        raise NotImplementedError

    def _commit(self, raw: Any) -> None:
        """Validate raw input with the declaration; emit it cleaned, or explain the refusal."""
        try:
            value = self.param.coerce(raw)
        except ParamError as exc:
            self._refuse(str(exc))
            return
        self.show_error(None)
        self.committed.emit(value)

    def _refuse(self, reason: str) -> None:
        # Say what still applies, so refused text in the field is not mistaken for the value.
        kept = getattr(self, "_document_value", self.param.default)
        shown = "auto" if kept is None else kept
        self.show_error(reason)
        self.message.setText(f"{reason}; still {shown}")

    def _show_help(self) -> None:
        self.message.setStyleSheet(f"color: {muted_color(self).name()};")
        self.message.setText(self.param.help)
        self.message.setVisible(bool(self.param.help))


class IntEditor(ParamEditor):
    """Spin box; optional parameters get an "auto" box (None = infer from the wire)."""

    def __init__(self, param: IntParam, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.spin = IntSpin(param, self)
        self.spin.valueChanged.connect(self._on_spin)
        self.spin.refused.connect(self._on_refused)
        self.spin.retyped.connect(self._on_retyped)
        self.row.addWidget(self.spin, 1)
        self.auto: QCheckBox | None = None
        self._last_number = param.default if isinstance(param.default, int) else max(_lo(param), 1)
        self._auto_hint: int | None = None
        if param.optional:
            self.auto = QCheckBox("auto", self)
            self.auto.setToolTip("Take the value from the incoming tensor")
            self.auto.toggled.connect(self._on_auto)
            self.row.addWidget(self.auto)
        self._show_value(param.default)

    def set_auto_hint(self, value: int | None) -> None:
        """The value auto resolves to (from the analysis), shown greyed while auto is on."""
        self._auto_hint = value
        if self.auto is not None and self.auto.isChecked():
            self.spin.setSpecialValueText(f"auto ({value})" if value is not None else "auto")
            self.spin.update()

    def _show_value(self, value: Any) -> None:
        with QSignalBlocker(self.spin):
            if value is None and self.auto is not None:
                with QSignalBlocker(self.auto):
                    self.auto.setChecked(True)
                self.spin.setEnabled(False)
                self.spin.setValue(self.spin.minimum())
                self.set_auto_hint(self._auto_hint)
            else:
                if self.auto is not None:
                    with QSignalBlocker(self.auto):
                        self.auto.setChecked(False)
                self.spin.setSpecialValueText("")
                self.spin.setEnabled(True)
                if isinstance(value, int) and not isinstance(value, bool):
                    self._last_number = value
                    self.spin.setValue(value)

    def _on_spin(self, value: int) -> None:
        self._commit(value)

    def _on_retyped(self) -> None:
        # The value typed again after a refusal is the one already set: nothing is wrong now.
        if self.error and self.spin.value() == getattr(self, "_document_value", None):
            self.show_error(None)

    def _on_refused(self, text: str) -> None:
        try:
            value = self.param.coerce(text)
        except ParamError:
            value = None  # _commit explains the refusal in the parameter's own words
        if isinstance(value, int) and not self.spin.minimum() < value <= self.spin.maximum():
            # A whole number the declaration allows but a spin box cannot hold (C int).
            self._refuse(f"{self.param.error_name} must be at most {self.spin.hi}, got {text}")
            return
        self._commit(text)  # a refusal, or "auto" typed into an optional field

    def _on_auto(self, checked: bool) -> None:
        if checked:
            self._commit(None)
            return
        # Leaving auto: start from what auto resolved to, so nothing visibly jumps.
        number = self._auto_hint if self._auto_hint is not None else self._last_number
        number = min(max(number, _lo(self.param)), self.spin.hi)
        with QSignalBlocker(self.spin):
            self.spin.setSpecialValueText("")
            self.spin.setEnabled(True)
            self.spin.setValue(number)
        self._commit(number)


def _lo(param: IntParam) -> int:
    return param.minimum if param.minimum is not None else 0


class FloatEditor(ParamEditor):
    def __init__(self, param: FloatParam, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.spin = FloatSpin(param, self)
        self.spin.editingFinished.connect(self._on_finished)
        self.spin.stepped.connect(self._on_finished)
        self.row.addWidget(self.spin, 1)
        self._show_value(param.default)

    @property
    def line_edit(self) -> QLineEdit:
        return self.spin.lineEdit()

    def _show_value(self, value: Any) -> None:
        with QSignalBlocker(self.spin):
            self.spin.lineEdit().setText(format_value(self.param, value))

    def _on_finished(self) -> None:
        self._commit(self.spin.text())


class BoolEditor(ParamEditor):
    def __init__(self, param: BoolParam, parent: QWidget | None = None) -> None:
        super().__init__(param, parent, caption=False)  # the check box carries the name
        self.check = QCheckBox(param.display_name, self)
        self.check.toggled.connect(self._commit)
        self.row.addWidget(self.check, 1)
        self._show_value(param.default)

    def _show_value(self, value: Any) -> None:
        with QSignalBlocker(self.check):
            self.check.setChecked(bool(value))


class ChoiceEditor(ParamEditor):
    def __init__(self, param: ChoiceParam, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.combo = Combo(self)
        self.combo.addItems(list(param.choices))
        self.combo.activated.connect(self._on_activated)  # user choices only
        self.row.addWidget(self.combo, 1)
        self._show_value(param.default)

    def _show_value(self, value: Any) -> None:
        with QSignalBlocker(self.combo):
            index = self.combo.findText(str(value)) if value is not None else -1
            self.combo.setCurrentIndex(index)

    def _on_activated(self, index: int) -> None:
        self._commit(self.combo.itemText(index))


class TextEditor(ParamEditor):
    """A line edit committed on Enter or focus out, never per keystroke."""

    def __init__(self, param: TextParam | ShapeParam, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.edit = QLineEdit(self)
        self.edit.editingFinished.connect(self._on_finished)
        self.row.addWidget(self.edit, 1)
        self._show_value(param.default)

    def _show_value(self, value: Any) -> None:
        with QSignalBlocker(self.edit):
            self.edit.setText(format_value(self.param, value))
            self.edit.setModified(False)

    def _on_finished(self) -> None:
        self._commit(self.edit.text())


class ShapeEditor(TextEditor):
    def __init__(self, param: ShapeParam, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        example = "-1" if param.allow_infer else "1, 28, 28"
        self.edit.setPlaceholderText("scalar (no sizes)" if param.min_len == 0 else f"e.g. {example}")


class PathEditor(TextEditor):
    """A path field with a Browse… button; files inside the project folder are stored
    relative to it, so a project folder can be moved or shared."""

    def __init__(
        self,
        param: PathParam,
        parent: QWidget | None = None,
        base_dir: Callable[[], Path | None] | None = None,
    ) -> None:
        super().__init__(param, parent)
        self.base_dir = base_dir or (lambda: None)
        self.edit.setPlaceholderText("no file chosen")
        self.browse = QPushButton("Browse…", self)
        self.browse.clicked.connect(self._on_browse)
        self.row.addWidget(self.browse)

    def file_filter(self) -> str:
        patterns = getattr(self.param, "patterns", ())
        filters = [f"Data files ({' '.join(patterns)})"] if patterns else []
        return ";;".join([*filters, "All files (*)"])

    def _on_browse(self) -> None:
        base = self.base_dir()
        current = self.edit.text().strip()
        start = Path(current) if current else (base or Path.home())
        if base is not None and not start.is_absolute():
            start = base / start
        chosen, _ = QFileDialog.getOpenFileName(
            self, f"Choose {self.param.display_name}", str(start), self.file_filter()
        )
        if chosen:
            self.edit.setText(self.relative_to_base(Path(chosen)))
            self._on_finished()

    def relative_to_base(self, path: Path) -> str:
        base = self.base_dir()
        if base is not None:
            try:
                return path.resolve().relative_to(base.resolve()).as_posix()
            except ValueError:
                pass
        return str(path)


def editor_for(
    param: Param, parent: QWidget | None = None, base_dir: Callable[[], Path | None] | None = None
) -> ParamEditor:
    """The editor class for a declaration (PathParam before TextParam: it is a subclass)."""
    if isinstance(param, PathParam):
        return PathEditor(param, parent, base_dir)
    if isinstance(param, BoolParam):
        return BoolEditor(param, parent)
    if isinstance(param, IntParam):
        return IntEditor(param, parent)
    if isinstance(param, FloatParam):
        return FloatEditor(param, parent)
    if isinstance(param, ChoiceParam):
        return ChoiceEditor(param, parent)
    if isinstance(param, ShapeParam):
        return ShapeEditor(param, parent)
    if isinstance(param, TextParam):
        return TextEditor(param, parent)
    raise TypeError(f"no editor for {type(param).__name__} {param.name!r}")
