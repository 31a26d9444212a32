"""Merges: nodes that combine several tensors into one (residual sums, gates, concatenation).

Each takes inputs in1..inK, K set by its "inputs" parameter, and writes a plain
expression such as `a + b + c` or `torch.cat([a, b], dim=1)`; none owns a module.
"""

from __future__ import annotations

from collections.abc import Sequence

from nodes.params import IntParam
from nodes.shapes import Shape, ShapeError, broadcast, format_shape, normalize_dim
from nodes.spec import Category, ForwardFn, InferFn, NodeSpec, Params

MAX_INPUTS = 8


def _inputs_param() -> IntParam:
    return IntParam(
        name="inputs",
        default=2,
        minimum=2,
        maximum=MAX_INPUTS,
        help="how many tensors this node combines (ports in1, in2, ...)",
    )


def _where(index: int, count: int) -> str:
    """Which port a message is about, when there are more than two to choose from."""
    return f" (input in{index + 1})" if count > 2 else ""


def _elementwise(verb: str) -> InferFn:
    """Shape rule of Add and Multiply: equal shapes, or shapes that broadcast."""

    def infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
        result = shapes[0]
        for index, shape in enumerate(shapes[1:], start=1):
            where = _where(index, len(shapes))
            if len(shape) != len(result):
                raise ShapeError(
                    f"cannot {verb} {format_shape(result)} and {format_shape(shape)}{where}: they have "
                    "different numbers of dimensions; reshape one of them first"
                )
            merged = broadcast(result, shape)
            if merged is None:
                raise ShapeError(
                    f"cannot {verb} {format_shape(result)} and {format_shape(shape)}{where}: "
                    "the sizes must match (or be 1, to be repeated)"
                )
            result = merged
        return (result,)

    return infer


def _join(operator: str) -> ForwardFn:
    def forward(ref: str, inputs: Sequence[str], params: Params) -> str:
        return f" {operator} ".join(inputs)

    return forward


ADD = NodeSpec(
    type_id="Add",
    category=Category.MERGE,
    title="Add",
    explanation=(
        "Adds its inputs element by element. This is the skip (residual) connection of "
        "ResNets and Transformers: adding a block's input to its output lets gradients flow "
        "straight through, so very deep networks still train. The inputs must have the same "
        "shape; a size of 1 is repeated to match (broadcasting)."
    ),
    params=(_inputs_param(),),
    variadic=True,
    infer=_elementwise("add"),
    forward=_join("+"),
    short_name="add",
    key_params=("inputs",),
    examples=(
        ({}, (("N", 8), ("N", 8))),
        ({"inputs": 3}, (("N", 4, 5), ("N", 4, 5), ("N", 1, 5))),
        ({}, (("N", 3, 6, 6), ("N", 3, 6, 6))),
    ),
)

MULTIPLY = NodeSpec(
    type_id="Multiply",
    category=Category.MERGE,
    title="Multiply",
    explanation=(
        "Multiplies its inputs element by element. Used for gates: multiplying by a Sigmoid "
        "output between 0 and 1 lets the network choose how much of a signal passes, as in "
        "LSTMs, GLU layers and attention-style feature weighting. The inputs must have the "
        "same shape; a size of 1 is repeated to match (broadcasting)."
    ),
    params=(_inputs_param(),),
    variadic=True,
    infer=_elementwise("multiply"),
    forward=_join("*"),
    short_name="mul",
    key_params=("inputs",),
    examples=(
        ({}, (("N", 8), ("N", 8))),
        ({}, (("N", 16), ("N", 1))),
        ({"inputs": 3}, (("N", 2, 3), ("N", 2, 3), ("N", 2, 3))),
    ),
)


def _valid_dims(rank: int) -> str:
    if rank <= 2:
        return "use dim=1 or -1 (dim 0 is the batch)"
    return f"use a dim from 1 to {rank - 1}, or -1 for the last (dim 0 is the batch)"


def _concat_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    first = shapes[0]
    rank, dim = len(first), params["dim"]
    try:
        axis = normalize_dim(dim, rank)
    except ShapeError:
        raise ShapeError(
            f"has dim={dim} but its inputs like {format_shape(first)} have only {rank} dimensions; "
            + _valid_dims(rank)
        ) from None
    if axis == 0:
        raise ShapeError(
            f"cannot concatenate along dim={dim}, the batch: that would stack samples, not "
            "join their features; use dim=1 (or -1 for the last dimension)"
        )
    total = 0
    for index, shape in enumerate(shapes):
        where = _where(index, len(shapes))
        if len(shape) != rank:
            raise ShapeError(
                f"cannot concatenate {format_shape(first)} and {format_shape(shape)}{where}: they "
                "have different numbers of dimensions"
            )
        for d, (a, b) in enumerate(zip(first, shape, strict=True)):
            if d != axis and a != b:
                raise ShapeError(
                    f"cannot concatenate {format_shape(first)} and {format_shape(shape)}{where} "
                    f"along dim {dim}: every other size must match, but dim {d} is {a} vs {b}"
                )
        total += int(shape[axis])
    return ((*first[:axis], total, *first[axis + 1 :]),)


def _concat_forward(ref: str, inputs: Sequence[str], params: Params) -> str:
    return f"torch.cat([{', '.join(inputs)}], dim={int(params['dim'])})"


CONCATENATE = NodeSpec(
    type_id="Concatenate",
    category=Category.MERGE,
    title="Concatenate",
    explanation=(
        "Joins its inputs side by side along one dimension, e.g. (N, 3) and (N, 5) become "
        "(N, 8). Dim counts the batch as 0, as torch does: dim=1 joins features or channels, "
        "-1 the last dimension. All other sizes must match. Used to combine several branches "
        "(Inception, U-Net skips) or extra features; unlike Add it keeps every value."
    ),
    params=(
        _inputs_param(),
        IntParam(
            name="dim",
            default=1,
            minimum=-5,
            maximum=4,
            help="dimension to join along; 0 is the batch (not allowed), -1 the last",
        ),
    ),
    variadic=True,
    infer=_concat_infer,
    forward=_concat_forward,
    short_name="cat",
    key_params=("inputs", "dim"),
    examples=(
        ({}, (("N", 3), ("N", 5))),
        ({"inputs": 3, "dim": -1}, (("N", 2, 3), ("N", 2, 4), ("N", 2, 1))),
        ({"dim": 2}, (("N", 4, 5, 6), ("N", 4, 3, 6))),
    ),
)

SPECS = [ADD, MULTIPLY, CONCATENATE]
