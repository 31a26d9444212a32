"""Fully connected layers and the shape utilities around them."""

from __future__ import annotations

from collections.abc import Sequence

from nodes.catalog._helpers import bias_count, last_dim, resolve_auto, same_shape, weights
from nodes.params import BoolParam, FloatParam, IntParam, ShapeParam
from nodes.shapes import BATCH, Shape, ShapeError, features, format_shape, numel
from nodes.spec import Arg, Category, DType, NodeSpec, ParamCount, Params


def _linear_in(params: Params, shapes: Sequence[Shape]) -> int:
    return resolve_auto(params, "in_features", last_dim(shapes[0]), "input features")


def _linear_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    _linear_in(params, shapes)
    return ((*shapes[0][:-1], params["out_features"]),)


def _linear_args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
    return [
        Arg("in_features", _linear_in(params, shapes)),
        Arg("out_features", params["out_features"]),
        Arg("bias", params["bias"], True),
    ]


def _linear_count(params: Params, shapes: Sequence[Shape]) -> ParamCount:
    n_in, n_out = _linear_in(params, shapes), params["out_features"]
    return weights(n_in * n_out + bias_count(params["bias"], n_out))


LINEAR = NodeSpec(
    type_id="Linear",
    category=Category.LAYER,
    title="Linear",
    explanation=(
        "A fully connected layer: every output is a weighted sum of all inputs plus a bias "
        "(y = xW^T + b). It is the perceptron's building block and the workhorse of MLPs. "
        "Works on the last dimension, so it also applies to each step of a sequence."
    ),
    params=(
        IntParam(
            name="in_features",
            default=None,
            optional=True,
            minimum=1,
            maximum=1_000_000,
            help="size of each input sample; auto takes it from the incoming wire",
        ),
        IntParam(
            name="out_features", default=16, minimum=1, maximum=1_000_000, help="number of outputs (neurons)"
        ),
        BoolParam(name="bias", default=True, help="learn an additive bias"),
    ),
    infer=_linear_infer,
    torch_class="torch.nn.Linear",
    module_args=_linear_args,
    count=_linear_count,
    short_name="fc",
    key_params=("out_features",),
    examples=(
        ({"out_features": 16}, (("N", 2),)),
        ({"in_features": 8, "out_features": 3, "bias": False}, (("N", 8),)),
        ({"out_features": 5}, (("N", 7, 4),)),
    ),
)


def _flatten_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    return ((BATCH, numel(features(shapes[0]))),)


FLATTEN = NodeSpec(
    type_id="Flatten",
    category=Category.LAYER,
    title="Flatten",
    explanation=(
        "Turns each sample into one long vector, e.g. (8, 4, 4) feature maps into 128 numbers, "
        "so that a Linear layer can follow convolutions. No parameters are learned."
    ),
    infer=_flatten_infer,
    torch_class="torch.nn.Flatten",
    module_args=lambda params, shapes: [],
    short_name="flatten",
    examples=(({}, (("N", 8, 4, 4),)), ({}, (("N", 3),))),
    input_dtype=DType.ANY,
    output_dtype=DType.ANY,
)


def _reshape_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    target = list(params["shape"])
    have = numel(features(shapes[0]))
    known = numel(tuple(d for d in target if d != -1))
    if -1 in target:
        if have % known:
            raise ShapeError(
                f"cannot reshape {format_shape(shapes[0])} ({have} values per sample) "
                f"into {tuple(target)}: {have} is not divisible by {known}"
            )
        target[target.index(-1)] = have // known
    elif known != have:
        raise ShapeError(
            f"cannot reshape {format_shape(shapes[0])} ({have} values per sample) into "
            f"{tuple(target)} ({known} values)"
        )
    return ((BATCH, *target),)


def _reshape_forward(ref: str, inputs: Sequence[str], params: Params) -> str:
    sizes = ", ".join(str(d) for d in params["shape"])
    return f"{inputs[0]}.reshape({inputs[0]}.shape[0], {sizes})"


RESHAPE = NodeSpec(
    type_id="Reshape",
    category=Category.LAYER,
    title="Reshape",
    explanation=(
        "Rearranges the numbers of each sample into a new shape with the same count, e.g. "
        "784 values into (1, 28, 28). One size may be -1 to be worked out. The batch "
        "dimension is kept."
    ),
    params=(
        ShapeParam(
            name="shape",
            default=(-1,),
            min_len=1,
            max_len=4,
            allow_infer=True,
            help="new shape of one sample",
        ),
    ),
    infer=_reshape_infer,
    forward=_reshape_forward,
    short_name="reshape",
    examples=(({"shape": (1, 28, 28)}, (("N", 784),)), ({"shape": (4, -1)}, (("N", 2, 8),))),
    key_params=("shape",),
    input_dtype=DType.ANY,
    output_dtype=DType.ANY,
)

DROPOUT = NodeSpec(
    type_id="Dropout",
    category=Category.LAYER,
    title="Dropout",
    explanation=(
        "A regulariser: during training it zeroes each value with probability p and scales "
        "the rest by 1/(1-p), so the network cannot rely on any single unit. It does nothing "
        "at evaluation time. Try p = 0.1 to 0.5 when the validation loss rises while the "
        "training loss falls."
    ),
    params=(
        FloatParam(
            name="p",
            default=0.5,
            minimum=0.0,
            maximum=1.0,
            max_exclusive=True,
            help="probability of zeroing a value",
        ),
    ),
    infer=same_shape,
    torch_class="torch.nn.Dropout",
    module_args=lambda params, shapes: [Arg("p", params["p"], 0.5)],
    short_name="dropout",
    examples=(({"p": 0.2}, (("N", 10),)), ({}, (("N", 3, 5, 5),))),
    key_params=("p",),
)

IDENTITY = NodeSpec(
    type_id="Identity",
    category=Category.LAYER,
    title="Identity",
    explanation=(
        "Passes its input through unchanged. Useful as a placeholder while sketching, or as "
        "a named tap point whose output you want to see."
    ),
    infer=same_shape,
    torch_class="torch.nn.Identity",
    module_args=lambda params, shapes: [],
    short_name="identity",
    examples=(({}, (("N", 6),)),),
    input_dtype=DType.ANY,
    output_dtype=DType.ANY,
)

SPECS = [LINEAR, FLATTEN, RESHAPE, DROPOUT, IDENTITY]
