"""Editors for the project's training settings, generated from TRAINING_PARAMS.

The declarations in nodes.training_settings give each editor its range, choices and
tooltip, so the panel, the command line and project files agree on what is valid.
The form only shows and reports values; the panel writes them to the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QToolButton,
    QWidget,
)

from designer.canvas.style import current_style
from designer.inspector.controls import IntSpin, TypingWatch
from nodes.params import BoolParam, ChoiceParam, FloatParam, IntParam, Param
from nodes.training_settings import TRAINING_PARAMS, TrainingSettings

PARAMS: dict[str, Param] = {p.name: p for p in TRAINING_PARAMS}

LABELS = {
    "batch_size": "Batch size",
    "early_stopping": "Early stopping",
    "patience": "Patience (epochs)",
    "step_size": "Step every (epochs)",
    "gamma": "Factor (gamma)",
    "plateau_patience": "Plateau patience",
    "grad_clip": "Clip gradient norm",
    "l1": "L1 penalty",
    "histogram_every": "Histogram every (steps)",
    "mixed_precision": "Mixed precision (CUDA)",
}

# Settings that only matter for some values of another setting: (that setting, values that show it).
DEPENDS_ON: dict[str, tuple[str, tuple[Any, ...]]] = {
    "patience": ("early_stopping", (True,)),
    "step_size": ("schedule", ("step",)),
    "gamma": ("schedule", ("step", "plateau")),
    "plateau_patience": ("schedule", ("plateau",)),
}

SPECIAL_ZERO = {"batch_size": "0 (full batch)", "grad_clip": "off", "l1": "off"}


class SettingsForm(QWidget):
    changed = Signal(str, object)  # setting name, new (valid) value: the user edited it

    def __init__(
        self, names: Sequence[str], advanced: Sequence[str] = (), parent: QWidget | None = None
    ) -> None:
        """`advanced` settings sit behind a "More settings" toggle, in the same aligned form."""
        super().__init__(parent)
        self.editors: dict[str, QWidget] = {}
        self.advanced = tuple(advanced)
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._layout = layout
        self.more_toggle = QToolButton()
        self.more_toggle.setText("More settings")
        self.more_toggle.setCheckable(True)
        self.more_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.more_toggle.setAutoRaise(True)
        self.more_toggle.toggled.connect(self._toggle_more)
        for name in [*names, *advanced]:
            if name == (advanced[0] if advanced else None):
                layout.addRow(self.more_toggle)
            param = PARAMS[name]
            editor = self._make_editor(param)
            editor.setToolTip(param.help[:1].upper() + param.help[1:] if param.help else "")
            editor.setObjectName(f"training-{name}")
            self.editors[name] = editor
            layout.addRow(self._label(name), editor)
        self.more_toggle.setVisible(bool(advanced))
        # Typed text a setting cannot take is explained here, under the rows, until the next edit.
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setObjectName("training-settings-problem")
        layout.addRow(self.problem)
        self.show_problem(None)
        self._update_visible()

    @staticmethod
    def _label(name: str) -> str:
        return LABELS.get(name, PARAMS[name].display_name.capitalize())

    def _toggle_more(self, shown: bool) -> None:
        self.more_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self._update_visible()

    # ---- editors -----------------------------------------------------------------

    def _make_editor(self, param: Param) -> QWidget:
        if isinstance(param, BoolParam):
            box = QCheckBox()
            box.toggled.connect(lambda value, n=param.name: self._emit(n, bool(value)))
            return box
        if isinstance(param, ChoiceParam):
            combo = QComboBox()
            for choice in param.choices:
                combo.addItem(choice, choice)
            combo.activated.connect(lambda _i, n=param.name, c=combo: self._emit(n, c.currentData()))
            return combo
        spin: IntSpin | CompactDoubleSpinBox
        if isinstance(param, IntParam):
            spin = IntSpin(param)
            spin.setRange(spin.lo, spin.hi)  # no "auto" here: text outside is refused, not clamped
            spin.setGroupSeparatorShown(True)
        elif isinstance(param, FloatParam):
            spin = CompactDoubleSpinBox()
            spin.setDecimals(6)
            low = (param.minimum or 0.0) + (1e-6 if param.min_exclusive else 0.0)  # gamma must be > 0
            spin.setRange(low, param.maximum if param.maximum is not None else 1e9)
            spin.setSingleStep(0.1 if (param.maximum or 2) <= 1 else 1.0)
        else:
            raise TypeError(f"no editor for training setting {param.name!r}")
        if param.name in SPECIAL_ZERO:
            spin.setSpecialValueText(SPECIAL_ZERO[param.name])  # shown at the minimum, 0
        # One undo step per finished edit, not per keystroke.
        spin.setKeyboardTracking(False)
        spin.valueChanged.connect(lambda value, n=param.name: self._emit(n, value))
        spin.refused.connect(lambda text, n=param.name: self._refuse(n, text))
        spin.retyped.connect(lambda: self.show_problem(None))
        return spin

    def _emit(self, name: str, value: Any) -> None:
        try:
            value = PARAMS[name].coerce(value)
        except ValueError:
            return  # cannot happen with the ranges above; never write an invalid value
        self.show_problem(None)
        self._update_visible()
        self.changed.emit(name, value)

    def _refuse(self, name: str, text: str) -> None:
        """Say why typed text was not taken; the field goes back to the setting's value."""
        spin = self.editors[name]
        assert isinstance(spin, (IntSpin, CompactDoubleSpinBox))
        try:
            PARAMS[name].coerce(text)
            reason = f"{self._label(name)} must be at most {spin.maximum():g}, got {text}"
        except ValueError as exc:
            reason = str(exc)
        self.show_problem(f"{reason[:1].upper()}{reason[1:]}; still {_kept_text(spin)}")

    def show_problem(self, message: str | None) -> None:
        self.problem.setText(message or "")
        self.problem.setStyleSheet(f"color: {QColor(current_style().error).name()};")
        self.problem.setVisible(bool(message))

    # ---- values ----------------------------------------------------------------------

    def value(self, name: str) -> Any:
        editor = self.editors[name]
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QComboBox):
            return editor.currentData()
        return editor.value()  # type: ignore[attr-defined]

    def set_values(self, settings: TrainingSettings) -> None:
        """Show the document's values without reporting them as edits."""
        values = settings.to_dict()
        for name, editor in self.editors.items():
            editor.blockSignals(True)
            try:
                self._show(editor, values[name])
            finally:
                editor.blockSignals(False)
        self._update_visible()

    @staticmethod
    def _show(editor: QWidget, value: Any) -> None:
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            index = editor.findData(value)
            if index < 0:  # a value this machine cannot offer (a saved "cuda") stays visible
                editor.addItem(f"{value} (not available here)", value)
                index = editor.count() - 1
            editor.setCurrentIndex(index)
        else:
            editor.setValue(value)  # type: ignore[attr-defined]

    def set_choices(self, name: str, choices: Sequence[tuple[str, Any]]) -> None:
        """Replace a menu's items (label, value), keeping the selected value."""
        combo = self.editors[name]
        assert isinstance(combo, QComboBox)
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for label, value in choices:
            combo.addItem(label, value)
        self._show(combo, current)
        combo.blockSignals(False)

    def _update_visible(self) -> None:
        """Advanced rows show when expanded; rows that only matter for another setting's value
        (patience for early stopping, gamma for a schedule) show only then."""
        for name, editor in self.editors.items():
            shown = name not in self.advanced or self.more_toggle.isChecked()
            other, values = DEPENDS_ON.get(name, (None, ()))
            if other is not None and other in self.editors:
                shown = shown and self.value(other) in values
            self._layout.setRowVisible(editor, shown)


class CompactDoubleSpinBox(QDoubleSpinBox):
    """Shows 0.5 rather than 0.5000, and 1e-05 rather than 0.0000."""

    def textFromValue(self, value: float) -> str:
        return f"{value:g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    refused = Signal(str)  # text given up on as the edit ended; the box shows its value again
    retyped = Signal()  # typed text that is a number was committed, changed or not

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._typing = TypingWatch(self, self.retyped)

    def fixup(self, text: str) -> str:
        self._typing.refused()
        self.refused.emit(text.strip())  # "" too: an emptied field is explained, not left stale
        return text

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        """Accept what float() accepts within range (1e-5 included), allow typing towards it."""
        if text == self.specialValueText():
            return QValidator.State.Acceptable, text, pos
        try:
            value = float(text)
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        ok = self.minimum() <= value <= self.maximum()
        return (QValidator.State.Acceptable if ok else QValidator.State.Intermediate), text, pos


def _kept_text(spin: IntSpin | CompactDoubleSpinBox) -> str:
    """What a box shows once it reverts: its special text at the minimum, else its value."""
    if spin.specialValueText() and spin.value() == spin.minimum():
        return spin.specialValueText()
    return spin.textFromValue(spin.value())
