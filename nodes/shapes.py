"""Tensor shapes with a symbolic batch dimension, and the arithmetic layers share."""

from __future__ import annotations

BATCH = "N"

# A shape is a tuple whose first entry is BATCH for batched tensors; () is a scalar.
Shape = tuple[int | str, ...]


class ShapeError(Exception):
    """An incoming tensor a node cannot accept; the message is for a learner."""


def batched(*features: int) -> Shape:
    return (BATCH, *features)


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


def expect_rank(shape: Shape, ranks: tuple[int, ...], what: str) -> None:
    """Check the per-sample rank; `what` describes the expected layout for the message."""
    rank = len(shape) - 1
    if rank not in ranks:
        raise ShapeError(f"expects {what} but receives {format_shape(shape)}")


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> int:
    """Output length of a convolution or pooling window along one axis (torch's formula)."""
    span = dilation * (kernel - 1) + 1
    padded = size + 2 * padding
    if span > padded:
        raise ShapeError(
            f"kernel {kernel}"
            + (f" (dilation {dilation})" if dilation > 1 else "")
            + f" is larger than its input ({size}"
            + (f" + padding {2 * padding}" if padding else "")
            + ")"
        )
    return (padded - span) // stride + 1


def conv_transpose_output_size(
    size: int, kernel: int, stride: int, padding: int, output_padding: int, dilation: int = 1
) -> int:
    out = (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise ShapeError(f"produces an empty output ({out}) from input size {size}; reduce padding")
    return out


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
