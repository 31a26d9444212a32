"""Where tensors enter the graph: model inputs and the targets a loss compares against."""

from __future__ import annotations

from collections.abc import Sequence

from nodes.params import ChoiceParam, ShapeParam
from nodes.shapes import BATCH, Shape, ShapeError, format_shape
from nodes.spec import Category, DType, NodeSpec, Params, Port, Role

INPUT_FLOAT = "float"
INPUT_TOKENS = "token ids"
TARGET_CLASS = "class index"
TARGET_FLOAT = "float"


def _input_shape(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    declared: Shape = (BATCH, *params["shape"])
    if shapes and shapes[0] != declared:
        raise ShapeError(
            f"declares samples of shape {format_shape(declared)} but receives {format_shape(shapes[0])}"
        )
    return (declared,)


def _target_shape(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    declared: Shape = (BATCH, *params["shape"])
    # Class labels (N,) also feed a float target of one column (binary cross-entropy) or
    # one column per class (one-hot codes for MSE); training converts them.
    as_codes = params["dtype"] == TARGET_FLOAT and len(declared) == 2
    if shapes and shapes[0] != declared and not (as_codes and shapes[0] == (BATCH,)):
        raise ShapeError(
            f"declares samples of shape {format_shape(declared)} but receives {format_shape(shapes[0])}"
        )
    return (declared,)


INPUT = NodeSpec(
    type_id="Input",
    category=Category.DATA,
    role=Role.INPUT,
    title="Input",
    explanation=(
        "Where each sample enters the network. Set the shape of one sample without the "
        "batch: [2] for points in a plane, [1, 28, 28] for a grey 28x28 image, [seq, features] "
        "for a sequence. Choose 'token ids' when the input is whole-number word or character "
        "ids that feed an Embedding."
    ),
    params=(
        ShapeParam(name="shape", default=(2,), min_len=1, max_len=4, help="size of one sample"),
        ChoiceParam(
            name="dtype",
            default=INPUT_FLOAT,
            choices=(INPUT_FLOAT, INPUT_TOKENS),
            help="real-valued features or integer token ids",
        ),
    ),
    inputs=(Port("data", "data", optional=True),),
    infer=_input_shape,
    short_name="x",
    examples=(
        ({"shape": (2,)}, ()),
        ({"shape": (1, 28, 28)}, ()),
        ({"shape": (12,), "dtype": INPUT_TOKENS}, ()),
    ),
    key_params=("shape", "dtype"),
    input_dtype=DType.ANY,
    output_dtype=DType.ANY,  # decided by the dtype parameter, see analysis
)

TARGET = NodeSpec(
    type_id="Target",
    category=Category.DATA,
    role=Role.TARGET,
    title="Target",
    explanation=(
        "The answers the network should learn to give, fed to a loss. For classification "
        "with cross-entropy or NLL use 'class index' with an empty shape []: one whole "
        "number per sample. For regression or binary cross-entropy use 'float' with the "
        "shape of the prediction, e.g. [1]."
    ),
    params=(
        ShapeParam(name="shape", default=(), min_len=0, max_len=4, help="size of one target"),
        ChoiceParam(
            name="dtype",
            default=TARGET_CLASS,
            choices=(TARGET_CLASS, TARGET_FLOAT),
            help="class indices or real values",
        ),
    ),
    inputs=(Port("data", "data", optional=True),),
    infer=_target_shape,
    short_name="y",
    examples=(({}, ()), ({"shape": (1,), "dtype": TARGET_FLOAT}, ())),
    key_params=("shape", "dtype"),
    input_dtype=DType.ANY,
    output_dtype=DType.ANY,
)

SPECS = [INPUT, TARGET]
