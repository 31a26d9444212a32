"""Tensor shapes with a symbolic batch dimension, and the arithmetic layers share."""

from __future__ import annotations

BATCH = "N"

# A shape is a tuple whose first entry is BATCH for batched tensors; () is a scalar.
Shape = tuple[int | str, ...]


class ShapeError(Exception):
    """An incoming tensor a node cannot accept; the message is for a learner."""


def format_shape(shape: Shape | None) -> str:
    if shape is None:
        return "?"
    if shape == ():
        return "scalar"
    if len(shape) == 1:
        return f"({shape[0]},)"  # Python's own spelling of a one-element tuple
    return "(" + ", ".join(str(d) for d in shape) + ")"


def features(shape: Shape) -> tuple[int, ...]:
    """The per-sample dimensions: everything after the batch."""
    return tuple(int(d) for d in shape[1:])


def numel(dims: tuple[int, ...]) -> int:
    total = 1
    for d in dims:
        total *= d
    return total


def normalize_dim(dim: int, rank: int, name: str = "dim") -> int:
    """Map a torch-style dim (negative counts from the end) to 0..rank-1 including batch."""
    if not -rank <= dim < rank:
        raise ShapeError(f"{name}={dim} is out of range for a tensor with {rank} dimensions")
    return dim % rank


def broadcast(a: Shape, b: Shape) -> Shape | None:
    """numpy/torch broadcasting of two shapes, or None if they are incompatible."""
    out: list[int | str] = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else 1
        db = b[-i] if i <= len(b) else 1
        if da == db or db == 1:
            out.append(da)
        elif da == 1:
            out.append(db)
        else:
            return None
    return tuple(reversed(out))
