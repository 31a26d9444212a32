"""Editors for the project's training settings, generated from TRAINING_PARAMS.

The declarations in nodes.training_settings give each editor its range, choices and
tooltip, so the panel, the command line and project files agree on what is valid.
The form only shows and reports values; the panel writes them to the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QSpinBox,
    QToolButton,
    QWidget,
)

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
            layout.addRow(LABELS.get(name, param.display_name.capitalize()), editor)
        self.more_toggle.setVisible(bool(advanced))
        self._update_visible()

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
        if isinstance(param, IntParam):
            spin: QAbstractSpinBox = QSpinBox()
            spin.setRange(param.minimum or 0, param.maximum if param.maximum is not None else 2**31 - 1)
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
        return spin

    def _emit(self, name: str, value: Any) -> None:
        try:
            value = PARAMS[name].coerce(value)
        except ValueError:
            return  # cannot happen with the ranges above; never write an invalid value
        self._update_visible()
        self.changed.emit(name, value)

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
