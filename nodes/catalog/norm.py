"""Normalisation layers: keep activations centred and scaled so deep networks train steadily."""

from __future__ import annotations

from collections.abc import Sequence

from nodes.catalog._helpers import last_dim, resolve_auto, same_shape
from nodes.catalog._spatial import LAYOUTS
from nodes.params import BoolParam, FloatParam, IntParam
from nodes.shapes import BATCH, Shape, ShapeError, features, format_shape
from nodes.spec import Arg, Category, NodeSpec, ParamCount, Params

MAX_FEATURES = 1_000_000
# Sources whose output is (N, sequence, features): dim 1 is a position, not a channel.
SEQUENCE_SOURCES = ("Embedding", "RNN", "LSTM", "GRU")


def _eps() -> FloatParam:
    return FloatParam(
        name="eps",
        default=1e-5,
        minimum=0.0,
        min_exclusive=True,
        maximum=1.0,
        log_scale=True,
        help="small number added to the variance so it never divides by zero",
    )


# -- BatchNorm1d / BatchNorm2d -----------------------------------------------------------


def _batchnorm_params() -> tuple[IntParam | FloatParam | BoolParam, ...]:
    return (
        IntParam(
            name="num_features",
            default=None,
            optional=True,
            minimum=1,
            maximum=MAX_FEATURES,
            help="channels to normalise (dimension 1); auto takes it from the wire",
        ),
        _eps(),
        FloatParam(
            name="momentum",
            default=0.1,
            minimum=0.0,
            maximum=1.0,
            help="how fast the running mean and variance follow new batches",
        ),
        BoolParam(name="affine", default=True, help="learn a scale and shift per channel"),
        BoolParam(
            name="track_running_stats",
            default=True,
            help="keep running statistics for evaluation; off uses each batch's own statistics",
        ),
    )


def _bn1d_channels(params: Params, shape: Shape) -> int:
    dims = features(shape)
    if len(dims) not in (1, 2):
        hint = "; use BatchNorm2d for images" if len(dims) == 3 else ""
        raise ShapeError(
            f"expects (N, features) or {LAYOUTS[1]} input but receives {format_shape(shape)}{hint}"
        )
    what = "features" if len(dims) == 1 else "channels"
    return resolve_auto(params, "num_features", dims[0], what)


def _bn2d_channels(params: Params, shape: Shape) -> int:
    dims = features(shape)
    if len(dims) != 3:
        hint = "; use BatchNorm1d for (N, features) or (N, channels, length) data" if len(dims) < 3 else ""
        raise ShapeError(f"expects {LAYOUTS[2]} input but receives {format_shape(shape)}{hint}")
    return resolve_auto(params, "num_features", dims[0], "channels")


def _batchnorm_count(channels: int, params: Params) -> ParamCount:
    trainable = 2 * channels if params["affine"] else 0
    # running_mean, running_var and the scalar num_batches_tracked are buffers.
    buffers = 2 * channels + 1 if params["track_running_stats"] else 0
    return ParamCount(trainable=trainable, non_trainable=buffers)


def _batchnorm_args(channels: int, params: Params) -> list[Arg]:
    return [
        Arg("num_features", channels),
        Arg("eps", params["eps"], 1e-5),
        Arg("momentum", params["momentum"], 0.1),
        Arg("affine", params["affine"], True),
        Arg("track_running_stats", params["track_running_stats"], True),
    ]


def _bn1d_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    _bn1d_channels(params, shapes[0])
    return (shapes[0],)


def _bn1d_advise(params: Params, shapes: Sequence[Shape], kinds: Sequence[str]) -> list[str]:
    if len(shapes[0]) != 3 or not kinds or kinds[0] not in SEQUENCE_SOURCES:
        return []
    steps, size = features(shapes[0])
    return [
        f"it normalises dimension 1, which for {kinds[0]} output {format_shape(shapes[0])} is the "
        f"{steps} sequence positions rather than the {size} features; LayerNorm normalises the "
        "features of each position"
    ]


BATCHNORM1D = NodeSpec(
    type_id="BatchNorm1d",
    category=Category.LAYER,
    title="BatchNorm1d",
    explanation=(
        "Batch normalisation for flat features (N, features) or signals (N, channels, length): "
        "during training it rescales each feature to zero mean and unit variance over the "
        "batch, then applies a learned scale and shift. It usually lets you train faster and "
        "with higher learning rates. It keeps running averages of the statistics for "
        "evaluation, and needs batches of more than one sample while training."
    ),
    params=_batchnorm_params(),
    infer=_bn1d_infer,
    torch_class="torch.nn.BatchNorm1d",
    module_args=lambda params, shapes: _batchnorm_args(_bn1d_channels(params, shapes[0]), params),
    count=lambda params, shapes: _batchnorm_count(_bn1d_channels(params, shapes[0]), params),
    advise=_bn1d_advise,
    short_name="bn",
    key_params=("num_features",),
    examples=(
        ({}, ((BATCH, 16),)),
        ({"num_features": 4, "affine": False}, ((BATCH, 4, 10),)),
        ({"track_running_stats": False, "momentum": 0.01, "eps": 1e-3}, ((BATCH, 6),)),
    ),
)


def _bn2d_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    _bn2d_channels(params, shapes[0])
    return (shapes[0],)


BATCHNORM2D = NodeSpec(
    type_id="BatchNorm2d",
    category=Category.LAYER,
    title="BatchNorm2d",
    explanation=(
        "Batch normalisation for images (N, channels, height, width): each channel is rescaled "
        "to zero mean and unit variance over the batch and all pixels, then given a learned "
        "scale and shift. Placed after a convolution (often before its activation) it makes "
        "deep convolutional networks train faster and more reliably. Running averages of the "
        "statistics are kept for evaluation."
    ),
    params=_batchnorm_params(),
    infer=_bn2d_infer,
    torch_class="torch.nn.BatchNorm2d",
    module_args=lambda params, shapes: _batchnorm_args(_bn2d_channels(params, shapes[0]), params),
    count=lambda params, shapes: _batchnorm_count(_bn2d_channels(params, shapes[0]), params),
    short_name="bn",
    key_params=("num_features",),
    examples=(
        ({}, ((BATCH, 8, 5, 5),)),
        (
            {"num_features": 3, "affine": False, "track_running_stats": False},
            ((BATCH, 3, 4, 6),),
        ),
        ({"eps": 1e-3, "momentum": 0.2}, ((BATCH, 2, 1, 7),)),
    ),
)

# -- LayerNorm ------------------------------------------------------------------------------


def _layernorm_size(params: Params, shape: Shape) -> int:
    return resolve_auto(params, "normalized_shape", last_dim(shape), "features in its last dimension")


def _layernorm_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    _layernorm_size(params, shapes[0])
    return same_shape(params, shapes)


def _layernorm_count(params: Params, shapes: Sequence[Shape]) -> ParamCount:
    size = _layernorm_size(params, shapes[0])
    if not params["elementwise_affine"]:
        return ParamCount()
    return ParamCount(trainable=size * (2 if params["bias"] else 1))


def _layernorm_args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
    args = [
        Arg("normalized_shape", _layernorm_size(params, shapes[0])),
        Arg("eps", params["eps"], 1e-5),
        Arg("elementwise_affine", params["elementwise_affine"], True),
    ]
    if params["elementwise_affine"]:  # without the affine part torch creates no bias either
        args.append(Arg("bias", params["bias"], True))
    return args


def _layernorm_advise(params: Params, shapes: Sequence[Shape], kinds: Sequence[str]) -> list[str]:
    dims = features(shapes[0])
    if len(dims) != 3:
        return []
    return [
        f"it normalises only the last dimension (width {dims[2]}) of image-like input "
        f"{format_shape(shapes[0])}; for feature maps BatchNorm2d is the usual choice"
    ]


LAYERNORM = NodeSpec(
    type_id="LayerNorm",
    category=Category.LAYER,
    title="LayerNorm",
    explanation=(
        "Layer normalisation: rescales the features of each sample (its last dimension) to zero "
        "mean and unit variance, then applies a learned scale and shift. Unlike BatchNorm it "
        "does not depend on the other samples in the batch, so it behaves the same in training "
        "and evaluation and works with batches of one. It is the standard choice in "
        "transformers and recurrent networks."
    ),
    params=(
        IntParam(
            name="normalized_shape",
            label="normalized size",
            default=None,
            optional=True,
            minimum=1,
            maximum=MAX_FEATURES,
            help="size of the last dimension; auto takes it from the wire",
        ),
        _eps(),
        BoolParam(name="elementwise_affine", default=True, help="learn a scale (and shift) per feature"),
        BoolParam(name="bias", default=True, help="learn the shift too (needs elementwise_affine)"),
    ),
    infer=_layernorm_infer,
    torch_class="torch.nn.LayerNorm",
    module_args=_layernorm_args,
    count=_layernorm_count,
    advise=_layernorm_advise,
    short_name="ln",
    key_params=("normalized_shape",),
    examples=(
        ({}, ((BATCH, 32),)),
        ({"normalized_shape": 8, "elementwise_affine": False}, ((BATCH, 5, 8),)),
        ({"bias": False, "eps": 1e-6}, ((BATCH, 4, 7),)),
    ),
)

SPECS = [BATCHNORM1D, BATCHNORM2D, LAYERNORM]
