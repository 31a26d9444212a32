"""Input controls for the parameter editors. Spin boxes: typed text is judged by the parameter's own
rules (so an out-of-range value is explained rather than silently clamped), while the
arrows stay inside the allowed range. Floats step along a 1-2-5 ladder when the
parameter spans decades (learning rates, epsilons). None of them reacts to the mouse
wheel unless focused, so scrolling the inspector is safe.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QValidator, QWheelEvent
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QSpinBox, QWidget

from nodes.params import FloatParam, IntParam, ParamError

_INT_LIMIT = 2**31 - 1  # QSpinBox holds a C int


def guard_wheel(widget: QWidget) -> None:
    """Wheel turns only a focused control (see wheel_ignored)."""
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


def wheel_ignored(widget: QWidget, event: QWheelEvent) -> bool:
    """Pass the wheel on to the scroll area unless the control has focus, so scrolling
    the inspector never changes a value by accident."""
    if widget.hasFocus():
        return False
    event.ignore()
    return True


class Combo(QComboBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        guard_wheel(self)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not wheel_ignored(self, event):
            super().wheelEvent(event)


def format_float(value: float) -> str:
    """Shortest text that reads back as the same float: 0.001, 1e-08, 0.9."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") and "e" not in text else text


class TypingWatch:
    """Tells a spin box's owner when typed text was taken, even unchanged: a message about
    earlier refused text can then go, although valueChanged never fires ("1e3" refused,
    then the same value typed again). Focus leaving without typing says nothing."""

    def __init__(self, spin: QAbstractSpinBox, retyped: SignalInstance) -> None:
        self._typed = False
        self._retyped = retyped
        spin.lineEdit().textEdited.connect(self._on_edited)
        spin.editingFinished.connect(self._on_finished)

    def _on_edited(self, _text: str) -> None:
        self._typed = True

    def refused(self) -> None:
        self._typed = False  # editingFinished follows fixup: not a taken value

    def _on_finished(self) -> None:
        if self._typed:
            self._typed = False
            self._retyped.emit()


class IntSpin(QSpinBox):
    """A spin box that accepts any typed whole number (so out-of-range input can be
    explained, not silently clamped) while its arrows stay inside the allowed range.

    Text that is no whole number ("2.5", "1e3") is kept while typing and handed to
    `refused` on Enter or focus-out; a plain QSpinBox drops the "." and "e" keystrokes,
    so "2.5" would silently become 25.
    """

    refused = Signal(str)  # the text given up on; the box shows its previous value again
    retyped = Signal()  # typed text that is a whole number was committed, changed or not

    def __init__(self, param: IntParam, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._typing = TypingWatch(self, self.retyped)
        self.lo = param.minimum if param.minimum is not None else -_INT_LIMIT
        self.hi = param.maximum if param.maximum is not None else _INT_LIMIT
        self.setRange(-_INT_LIMIT - 1, _INT_LIMIT)  # the bottom value is the "auto" sentinel
        self.setKeyboardTracking(False)  # valueChanged on Enter / focus out / arrows only
        self.setAccelerated(True)
        guard_wheel(self)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not wheel_ignored(self, event):
            super().wheelEvent(event)

    def validate(self, text: str, pos: int) -> object:
        judged = super().validate(text, pos)
        state = judged[0] if isinstance(judged, tuple) else judged
        if state == QValidator.State.Invalid and text.strip():
            return QValidator.State.Intermediate, text, pos  # keep it, refuse it on commit
        return judged

    def fixup(self, text: str) -> str:
        # Called with text that is no value as the edit ends; the box then reverts.
        self._typing.refused()
        self.refused.emit(text.strip())  # "" too: an emptied field is explained, not left stale
        return text

    def stepBy(self, steps: int) -> None:
        start = self.value() if self.lo <= self.value() <= self.hi else self.lo
        self.setValue(min(max(start + steps, self.lo), self.hi))

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if not self.isEnabled():
            return flags
        if self.value() < self.hi:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self.value() > self.lo:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags


_LADDER = (1.0, 2.0, 5.0)  # log-scale steps: 0.001, 0.002, 0.005, 0.01, ...


def _rungs(value: float) -> list[float]:
    """Ladder values from the decade below `value` to the decade above it."""
    exponent = math.floor(math.log10(value))
    return [m * 10.0**e for e in range(exponent - 1, exponent + 2) for m in _LADDER]


def log_step(value: float, steps: int) -> float:
    """The value `steps` rungs up (or down) the 1-2-5 ladder of decades."""
    if value <= 0 or not math.isfinite(value):
        return value
    for _ in range(abs(steps)):
        if steps > 0:
            value = min(r for r in _rungs(value) if r > value * (1 + 1e-9))
        else:
            value = max(r for r in _rungs(value) if r < value * (1 - 1e-9))
    return float(f"{value:.12g}")


def linear_step_size(param: FloatParam) -> float:
    """0.05 for unit ranges (dropout, momentum), else 0.1."""
    if param.minimum is not None and param.maximum is not None and param.maximum - param.minimum <= 1:
        return 0.05
    return 0.1


class FloatSpin(QAbstractSpinBox):
    """Free text (scientific notation welcome) with arrows that step additively, or
    along a 1-2-5 ladder for log-scale parameters. Validation happens on commit."""

    stepped = Signal()

    def __init__(self, param: FloatParam, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self.setAccelerated(True)
        guard_wheel(self)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not wheel_ignored(self, event):
            super().wheelEvent(event)

    def number(self) -> float | None:
        try:
            value = float(self.text().strip())
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    def _next(self, steps: int) -> float | None:
        value = self.number()
        if value is None:
            return None
        if self.param.log_scale and value > 0:
            return log_step(value, steps)
        return float(f"{value + steps * linear_step_size(self.param):.12g}")

    def _allowed(self, value: float | None) -> bool:
        if value is None:
            return False
        try:
            self.param.coerce(value)
        except ParamError:
            return False
        return True

    def target(self, steps: int) -> float | None:
        """Where `steps` arrow presses lead: the next value, or the bound itself when the
        step overshoots an inclusive bound; None when there is nowhere to go."""
        current, target = self.number(), self._next(steps)
        if current is None or target is None:
            return None
        if not self._allowed(target):
            bound = self.param.maximum if steps > 0 else self.param.minimum
            if bound is None or not self._allowed(bound):
                return None
            target = float(bound)
        return target if target != current else None

    def stepBy(self, steps: int) -> None:
        target = self.target(steps)
        if target is not None:
            self.lineEdit().setText(format_float(target))
            self.stepped.emit()

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if not self.isEnabled():
            return flags
        if self.target(1) is not None:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self.target(-1) is not None:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags
