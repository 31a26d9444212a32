"""Small pieces several catalog modules share."""

from __future__ import annotations

from collections.abc import Sequence

from nodes.shapes import Shape, ShapeError, format_shape
from nodes.spec import ParamCount, Params


def same_shape(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    """Element-wise nodes: the output has the input's shape."""
    return (shapes[0],)


def last_dim(shape: Shape) -> int:
    if len(shape) < 2:
        raise ShapeError(f"expects at least one feature dimension but receives {format_shape(shape)}")
    return int(shape[-1])


def resolve_auto(params: Params, name: str, actual: int, what: str) -> int:
    """An optional size parameter: None means "take it from the input", else it must match."""
    declared = params.get(name)
    if declared is None:
        return actual
    if declared != actual:
        raise ShapeError(
            f"expects {declared} {what} but receives {actual}; set {name} to {actual}, or to auto "
            "to follow the incoming wire"
        )
    return int(declared)


def bias_count(bias: bool, size: int) -> int:
    return size if bias else 0


def weights(count: int) -> ParamCount:
    return ParamCount(trainable=count)
