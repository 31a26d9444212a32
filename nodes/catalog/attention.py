"""Attention layers: multi-head self-attention and the Transformer encoder block.

Both read batch-first sequences (N, seq, features) and return the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence

from nodes.catalog._helpers import resolve_auto, weights
from nodes.catalog._sequences import check_heads, sequence_dims
from nodes.params import BoolParam, ChoiceParam, FloatParam, IntParam
from nodes.shapes import Shape
from nodes.spec import Arg, Category, NodeSpec, ParamCount, Params


def _width(params: Params, shapes: Sequence[Shape], name: str, heads: str) -> int:
    """The feature size (auto or checked against the input), which the heads must divide."""
    _, actual = sequence_dims(shapes[0])
    width = resolve_auto(params, name, actual, "input features")
    check_heads(width, params[heads], name, heads)
    return width


def _attention_count(width: int, bias: bool) -> int:
    # Query, key and value projections plus the output projection, each width x width.
    return 4 * width * width + (4 * width if bias else 0)


# --- Multi-head self-attention ----------------------------------------------------


def _attn_width(params: Params, shapes: Sequence[Shape]) -> int:
    return _width(params, shapes, "embed_dim", "num_heads")


def _attn_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    _attn_width(params, shapes)
    return (shapes[0],)


def _attn_args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
    return [
        Arg("embed_dim", _attn_width(params, shapes)),
        Arg("num_heads", params["num_heads"]),
        Arg("dropout", params["dropout"], 0.0),
        Arg("bias", params["bias"], True),
        Arg("batch_first", True, False),
    ]


def _attn_forward(ref: str, inputs: Sequence[str], params: Params) -> str:
    x = inputs[0]
    # Queries, keys and values all come from x; [0] drops the (unrequested) attention weights.
    return f"{ref}({x}, {x}, {x}, need_weights=False)[0]"


def _attn_count(params: Params, shapes: Sequence[Shape]) -> ParamCount:
    return weights(_attention_count(_attn_width(params, shapes), params["bias"]))


SELF_ATTENTION = NodeSpec(
    type_id="SelfAttention",
    category=Category.LAYER,
    title="Multi-head self-attention",
    explanation=(
        "Lets every position of a sequence (N, seq, features) look at every other position "
        "and take a weighted mix of them, the weights learned from how well their contents "
        "match. Several heads attend in parallel, each on its own slice of the features. "
        "The core of Transformers; use it where far-apart steps must interact. It has no "
        "sense of order by itself, and the output has the input's shape."
    ),
    params=(
        IntParam(
            name="embed_dim",
            default=None,
            optional=True,
            minimum=1,
            maximum=100_000,
            help="features per position; auto takes it from the incoming wire",
        ),
        IntParam(
            name="num_heads",
            default=4,
            minimum=1,
            maximum=1024,
            help="parallel attention heads; must divide embed_dim",
        ),
        FloatParam(
            name="dropout",
            default=0.0,
            minimum=0.0,
            maximum=1.0,
            max_exclusive=True,
            help="dropout on the attention weights while training",
        ),
        BoolParam(name="bias", default=True, help="learn biases in the projections"),
    ),
    infer=_attn_infer,
    torch_class="torch.nn.MultiheadAttention",
    module_args=_attn_args,
    forward=_attn_forward,
    count=_attn_count,
    short_name="attn",
    key_params=("num_heads",),
    examples=(
        ({}, (("N", 5, 8),)),
        ({"num_heads": 1, "bias": False}, (("N", 3, 6),)),
        ({"embed_dim": 12, "num_heads": 3, "dropout": 0.1}, (("N", 7, 12),)),
    ),
)

# --- Transformer encoder layer ----------------------------------------------------


def _encoder_width(params: Params, shapes: Sequence[Shape]) -> int:
    return _width(params, shapes, "d_model", "nhead")


def _encoder_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    _encoder_width(params, shapes)
    return (shapes[0],)


def _encoder_args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
    return [
        Arg("d_model", _encoder_width(params, shapes)),
        Arg("nhead", params["nhead"]),
        Arg("dim_feedforward", params["dim_feedforward"], 2048),
        Arg("dropout", params["dropout"], 0.1),
        Arg("activation", params["activation"], "relu"),
        Arg("batch_first", True, False),
        Arg("norm_first", params["norm_first"], False),
        Arg("bias", params["bias"], True),
    ]


def _encoder_count(params: Params, shapes: Sequence[Shape]) -> ParamCount:
    width, hidden, bias = _encoder_width(params, shapes), params["dim_feedforward"], params["bias"]
    attention = _attention_count(width, bias)
    feedforward = 2 * width * hidden + ((hidden + width) if bias else 0)
    norms = 2 * (2 * width if bias else width)  # two LayerNorms: scale, and shift when bias
    return weights(attention + feedforward + norms)


TRANSFORMER_ENCODER_LAYER = NodeSpec(
    type_id="TransformerEncoderLayer",
    category=Category.LAYER,
    title="Transformer encoder layer",
    explanation=(
        "One block of a Transformer encoder: multi-head self-attention lets each position of a "
        "sequence (N, seq, features) gather information from all the others, then a small "
        "two-layer network processes each position; both parts have residual connections "
        "and layer normalisation. Stack several for a Transformer. The output has the input's "
        "shape. Attention ignores order, so add position information to the input when order "
        "matters."
    ),
    params=(
        IntParam(
            name="d_model",
            default=None,
            optional=True,
            minimum=1,
            maximum=100_000,
            help="features per position; auto takes it from the incoming wire",
        ),
        IntParam(
            name="nhead", default=4, minimum=1, maximum=1024, help="attention heads; must divide d_model"
        ),
        IntParam(
            name="dim_feedforward",
            default=256,
            minimum=1,
            maximum=1_000_000,
            help="hidden size of the per-position feed-forward network, often 2 to 4 times d_model",
        ),
        FloatParam(
            name="dropout",
            default=0.1,
            minimum=0.0,
            maximum=1.0,
            max_exclusive=True,
            help="dropout inside the block while training",
        ),
        ChoiceParam(
            name="activation",
            default="relu",
            choices=("relu", "gelu"),
            help="nonlinearity of the feed-forward network",
        ),
        BoolParam(
            name="norm_first",
            default=False,
            help="normalise before attention and feed-forward (pre-norm); often trains more stably",
        ),
        BoolParam(name="bias", default=True, help="learn biases in the linear and normalisation layers"),
    ),
    infer=_encoder_infer,
    torch_class="torch.nn.TransformerEncoderLayer",
    module_args=_encoder_args,
    count=_encoder_count,
    short_name="encoder",
    key_params=("nhead", "dim_feedforward"),
    examples=(
        ({}, (("N", 5, 16),)),
        ({"nhead": 2, "dim_feedforward": 12, "activation": "gelu", "norm_first": True}, (("N", 3, 6),)),
        ({"d_model": 9, "nhead": 3, "dim_feedforward": 5, "dropout": 0.0, "bias": False}, (("N", 4, 9),)),
    ),
)

SPECS = [SELF_ATTENTION, TRANSFORMER_ENCODER_LAYER]
