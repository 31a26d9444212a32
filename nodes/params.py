"""Typed parameter declarations shared by the catalog, the inspector and file loading.

A parameter knows its default, its allowed values and how to turn raw input (from
a JSON file, a text field or a script) into a clean value, or to explain in plain
words why it cannot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


class ParamError(ValueError):
    """A parameter value that cannot be accepted; the message names the value."""


@dataclass(frozen=True, kw_only=True)
class Param:
    name: str
    default: Any
    label: str = ""
    help: str = ""

    @property
    def display_name(self) -> str:
        return self.label or self.name.replace("_", " ")

    @property
    def error_name(self) -> str:
        """How a message names this parameter: the words the inspector shows, with the
        file's key after them where it reads differently ("learning rate (lr)")."""
        if self.display_name == self.name.replace("_", " "):
            return self.display_name
        return f"{self.display_name} ({self.name})"

    def coerce(self, value: Any) -> Any:
        """Return the cleaned value or raise ParamError naming what is wrong."""
        return value

    def describe_range(self) -> str:
        return ""


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


@dataclass(frozen=True, kw_only=True)
class IntParam(Param):
    minimum: int | None = None
    maximum: int | None = None
    # Optional ints accept None, meaning "infer from the incoming tensor".
    optional: bool = False

    def coerce(self, value: Any) -> int | None:
        if value is None:
            if self.optional:
                return None
            raise ParamError(f"{self.error_name} needs a whole number, got nothing")
        if _is_bool(value):
            raise ParamError(f"{self.error_name} needs a whole number, got {value!r}")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            text = value.strip()
            if self.optional and text.lower() in ("", "auto", "none"):
                return None
            try:
                value = int(text)
            except ValueError:
                raise ParamError(f"{self.error_name} needs a whole number, got {value!r}") from None
        if not isinstance(value, int):
            raise ParamError(f"{self.error_name} needs a whole number, got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise ParamError(f"{self.error_name} must be at least {self.minimum}, got {value}")
        if self.maximum is not None and value > self.maximum:
            raise ParamError(f"{self.error_name} must be at most {self.maximum}, got {value}")
        return value

    def describe_range(self) -> str:
        return _range_text(self.minimum, self.maximum) + (" or auto" if self.optional else "")


@dataclass(frozen=True, kw_only=True)
class FloatParam(Param):
    minimum: float | None = None
    maximum: float | None = None
    # Strict bounds exclude the end point itself (a learning rate of exactly 0).
    min_exclusive: bool = False
    max_exclusive: bool = False
    # Learning rates and epsilons span decades; editors should step them multiplicatively.
    log_scale: bool = False

    def coerce(self, value: Any) -> float:
        if _is_bool(value) or value is None:
            raise ParamError(f"{self.error_name} needs a number, got {value!r}")
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise ParamError(f"{self.error_name} needs a number, got {value!r}") from None
        if not isinstance(value, (int, float)):
            raise ParamError(f"{self.error_name} needs a number, got {value!r}")
        try:
            value = float(value)
        except OverflowError:
            raise ParamError(f"{self.error_name} is too large, got {value!r}") from None
        if not math.isfinite(value):
            raise ParamError(f"{self.error_name} must be a finite number, got {value}")
        lo, hi = self.minimum, self.maximum
        if lo is not None and (value < lo or (self.min_exclusive and value == lo)):
            word = "greater than" if self.min_exclusive else "at least"
            raise ParamError(f"{self.error_name} must be {word} {lo:g}, got {value:g}")
        if hi is not None and (value > hi or (self.max_exclusive and value == hi)):
            word = "less than" if self.max_exclusive else "at most"
            raise ParamError(f"{self.error_name} must be {word} {hi:g}, got {value:g}")
        return value

    def describe_range(self) -> str:
        return _range_text(self.minimum, self.maximum)


@dataclass(frozen=True, kw_only=True)
class BoolParam(Param):
    def coerce(self, value: Any) -> bool:
        if _is_bool(value):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise ParamError(f"{self.error_name} needs true or false, got {value!r}")


@dataclass(frozen=True, kw_only=True)
class ChoiceParam(Param):
    choices: tuple[str, ...] = ()

    def coerce(self, value: Any) -> str:
        if isinstance(value, str) and value in self.choices:
            return value
        options = ", ".join(self.choices)
        raise ParamError(f"{self.error_name} must be one of {options}; got {value!r}")

    def describe_range(self) -> str:
        return " | ".join(self.choices)


@dataclass(frozen=True, kw_only=True)
class ShapeParam(Param):
    """A list of positive sizes, such as an input's feature shape [1, 28, 28]."""

    min_len: int = 0
    max_len: int = 4
    max_size: int = 1_000_000
    allow_infer: bool = False  # one entry may be -1, as in torch.reshape
    default: tuple[int, ...] = field(default=())

    def coerce(self, value: Any) -> tuple[int, ...]:
        if isinstance(value, str):
            value = _parse_size_list(self.error_name, value)
        if not isinstance(value, (list, tuple)):
            raise ParamError(f"{self.error_name} needs a list of sizes such as [1, 28, 28], got {value!r}")
        sizes: list[int] = []
        for item in value:
            if _is_bool(item) or not isinstance(item, int):
                raise ParamError(f"{self.error_name} must hold whole numbers, got {item!r}")
            if item == -1 and self.allow_infer:
                sizes.append(item)
                continue
            if item < 1 or item > self.max_size:
                raise ParamError(f"{self.error_name} sizes must be between 1 and {self.max_size}, got {item}")
            sizes.append(item)
        if sizes.count(-1) > 1:
            raise ParamError(f"{self.error_name} may contain -1 at most once")
        if not self.min_len <= len(sizes) <= self.max_len:
            raise ParamError(
                f"{self.error_name} needs between {self.min_len} and {self.max_len} sizes, got {len(sizes)}"
            )
        return tuple(sizes)


@dataclass(frozen=True, kw_only=True)
class TextParam(Param):
    """One line of text, stripped of surrounding spaces."""

    default: str = ""
    max_length: int = 1000

    def coerce(self, value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ParamError(f"{self.error_name} needs text, got {value!r}")
        text = value.strip()
        if any(ch in text for ch in "\r\n\0"):
            raise ParamError(f"{self.error_name} must be a single line of text")
        if len(text) > self.max_length:
            raise ParamError(f"{self.error_name} is longer than {self.max_length} characters")
        return text


@dataclass(frozen=True, kw_only=True)
class PathParam(TextParam):
    """A file path, absolute or relative to the project's folder. Existence is checked by
    the node's shape inference, so a missing file shows as a problem on the node."""

    # File dialog filter, e.g. ("*.csv", "*.txt").
    patterns: tuple[str, ...] = ()


def _parse_size_list(name: str, text: str) -> list[int]:
    cleaned = text.strip().strip("[]()").replace(",", " ").split()
    try:
        return [int(part) for part in cleaned]
    except ValueError:
        raise ParamError(f"{name} needs sizes such as 1, 28, 28; got {text!r}") from None


def _number(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def _range_text(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"{_number(lo)} to {_number(hi)}"
    if lo is not None:
        return f"at least {_number(lo)}"
    if hi is not None:
        return f"at most {_number(hi)}"
    return ""
