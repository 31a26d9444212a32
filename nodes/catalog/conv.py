"""Convolution and pooling layers: windows that slide over signals and images."""

from __future__ import annotations

from collections.abc import Sequence

from nodes.catalog._helpers import bias_count, resolve_auto, weights
from nodes.catalog._spatial import (
    CONV_REMEDY,
    POOL_REMEDY,
    check_groups,
    check_pool_padding,
    split_channels,
    stride_advice,
    transposed_output,
    window_output,
)
from nodes.params import BoolParam, IntParam
from nodes.shapes import BATCH, Shape, features
from nodes.spec import AdviseFn, Arg, ArgsFn, Category, CountFn, InferFn, NodeSpec, ParamCount, Params

MAX_CHANNELS = 65_536
MAX_WINDOW = 64

# -- parameters shared by the convolutions ------------------------------------------


def _in_channels() -> IntParam:
    return IntParam(
        name="in_channels",
        default=None,
        optional=True,
        minimum=1,
        maximum=MAX_CHANNELS,
        help="channels of the incoming tensor; auto takes them from the wire",
    )


def _out_channels(default: int) -> IntParam:
    return IntParam(
        name="out_channels",
        default=default,
        minimum=1,
        maximum=MAX_CHANNELS,
        help="number of filters, i.e. channels of the output",
    )


def _kernel(default: int, what: str) -> IntParam:
    return IntParam(name="kernel_size", default=default, minimum=1, maximum=MAX_WINDOW, help=what)


def _stride(help_text: str) -> IntParam:
    return IntParam(name="stride", default=1, minimum=1, maximum=MAX_WINDOW, help=help_text)


def _padding(help_text: str) -> IntParam:
    return IntParam(name="padding", default=0, minimum=0, maximum=MAX_WINDOW, help=help_text)


def _dilation() -> IntParam:
    return IntParam(
        name="dilation",
        default=1,
        minimum=1,
        maximum=16,
        help="spacing between kernel taps; 2 sees a wider area with the same weights",
    )


def _groups() -> IntParam:
    return IntParam(
        name="groups",
        default=1,
        minimum=1,
        maximum=MAX_CHANNELS,
        help="split channels into independent groups; groups = channels is a depthwise convolution",
    )


_BIAS = BoolParam(name="bias", default=True, help="learn an additive bias per output channel")

# -- Conv1d / Conv2d ------------------------------------------------------------------

# The same layer for the other layout, suggested when the input has the wrong rank.
_SIBLING = {"Conv1d": "Conv2d", "Conv2d": "Conv1d", "MaxPool1d": "MaxPool2d", "MaxPool2d": "MaxPool1d"}


def _conv_in(params: Params, shape: Shape, spatial: int, layer: str) -> tuple[int, tuple[int, ...]]:
    channels, sizes = split_channels(shape, spatial, _SIBLING[layer])
    resolve_auto(params, "in_channels", channels, "input channels")
    check_groups(params["groups"], channels, params["out_channels"], shape)
    return channels, sizes


def _conv_rules(spatial: int, layer: str) -> tuple[InferFn, ArgsFn, CountFn, AdviseFn]:
    def infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
        _, sizes = _conv_in(params, shapes[0], spatial, layer)
        out = window_output(
            shapes[0],
            sizes,
            params["kernel_size"],
            params["stride"],
            params["padding"],
            params["dilation"],
            remedy=CONV_REMEDY,
        )
        return ((BATCH, params["out_channels"], *out),)

    def args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
        channels, _ = _conv_in(params, shapes[0], spatial, layer)
        return [
            Arg("in_channels", channels),
            Arg("out_channels", params["out_channels"]),
            Arg("kernel_size", params["kernel_size"]),
            Arg("stride", params["stride"], 1),
            Arg("padding", params["padding"], 0),
            Arg("dilation", params["dilation"], 1),
            Arg("groups", params["groups"], 1),
            Arg("bias", params["bias"], True),
        ]

    def count(params: Params, shapes: Sequence[Shape]) -> ParamCount:
        channels, _ = _conv_in(params, shapes[0], spatial, layer)
        out = params["out_channels"]
        kernel = params["kernel_size"] ** spatial
        return weights(out * (channels // params["groups"]) * kernel + bias_count(params["bias"], out))

    def advise(params: Params, shapes: Sequence[Shape], kinds: Sequence[str]) -> list[str]:
        return stride_advice(params["kernel_size"], params["stride"], params["dilation"])

    return infer, args, count, advise


def _conv_params(out_channels: int) -> tuple[IntParam | BoolParam, ...]:
    return (
        _in_channels(),
        _out_channels(out_channels),
        _kernel(3, "width of the sliding window (square for images)"),
        _stride("step between window positions; 2 halves the output size"),
        _padding("zeros added on every side; kernel_size // 2 keeps the size at stride 1"),
        _dilation(),
        _groups(),
        _BIAS,
    )


_c1_infer, _c1_args, _c1_count, _c1_advise = _conv_rules(1, "Conv1d")

CONV1D = NodeSpec(
    type_id="Conv1d",
    category=Category.LAYER,
    title="Conv1d",
    explanation=(
        "A 1-D convolution: slides small learned filters along a signal or sequence shaped "
        "(N, channels, length) and reports how strongly each filter matches at each position. "
        "Use it for audio, sensor readings or text features, where a pattern matters wherever "
        "it occurs. Each filter looks at kernel_size neighbouring steps across all channels."
    ),
    params=_conv_params(8),
    infer=_c1_infer,
    torch_class="torch.nn.Conv1d",
    module_args=_c1_args,
    count=_c1_count,
    advise=_c1_advise,
    short_name="conv",
    key_params=("out_channels", "kernel_size", "stride", "padding"),
    examples=(
        ({"out_channels": 16}, ((BATCH, 1, 100),)),
        (
            {"in_channels": 4, "out_channels": 8, "kernel_size": 5, "stride": 2, "padding": 2},
            ((BATCH, 4, 31),),
        ),
        ({"out_channels": 6, "dilation": 3, "groups": 3, "bias": False}, ((BATCH, 3, 20),)),
    ),
)

_c2_infer, _c2_args, _c2_count, _c2_advise = _conv_rules(2, "Conv2d")

CONV2D = NodeSpec(
    type_id="Conv2d",
    category=Category.LAYER,
    title="Conv2d",
    explanation=(
        "A 2-D convolution, the core of image networks: each of out_channels small learned "
        "filters (kernel_size x kernel_size) slides over the image and produces a feature map "
        "showing where its pattern (an edge, a texture, later whole parts) appears. Expects "
        "(N, channels, height, width). Because the same weights are reused at every position "
        "it needs far fewer parameters than a Linear layer on the pixels."
    ),
    params=_conv_params(8),
    infer=_c2_infer,
    torch_class="torch.nn.Conv2d",
    module_args=_c2_args,
    count=_c2_count,
    advise=_c2_advise,
    short_name="conv",
    key_params=("out_channels", "kernel_size", "stride", "padding"),
    examples=(
        ({"out_channels": 8, "padding": 1}, ((BATCH, 1, 28, 28),)),
        (
            {"in_channels": 3, "out_channels": 16, "kernel_size": 5, "stride": 2, "bias": False},
            ((BATCH, 3, 33, 31),),
        ),
        ({"out_channels": 6, "dilation": 2, "padding": 2, "groups": 2}, ((BATCH, 4, 9, 9),)),
        ({"out_channels": 8, "groups": 8, "padding": 1, "stride": 3}, ((BATCH, 8, 7, 10),)),
    ),
)

# -- ConvTranspose2d ---------------------------------------------------------------------


def _deconv_in(params: Params, shape: Shape) -> tuple[int, tuple[int, ...]]:
    channels, sizes = split_channels(shape, 2)
    resolve_auto(params, "in_channels", channels, "input channels")
    check_groups(params["groups"], channels, params["out_channels"], shape)
    return channels, sizes


def _deconv_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    _, sizes = _deconv_in(params, shapes[0])
    out = transposed_output(
        shapes[0],
        sizes,
        params["kernel_size"],
        params["stride"],
        params["padding"],
        params["output_padding"],
        params["dilation"],
    )
    return ((BATCH, params["out_channels"], *out),)


def _deconv_args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
    channels, _ = _deconv_in(params, shapes[0])
    return [
        Arg("in_channels", channels),
        Arg("out_channels", params["out_channels"]),
        Arg("kernel_size", params["kernel_size"]),
        Arg("stride", params["stride"], 1),
        Arg("padding", params["padding"], 0),
        Arg("output_padding", params["output_padding"], 0),
        Arg("groups", params["groups"], 1),
        Arg("bias", params["bias"], True),
        Arg("dilation", params["dilation"], 1),
    ]


def _deconv_count(params: Params, shapes: Sequence[Shape]) -> ParamCount:
    channels, _ = _deconv_in(params, shapes[0])
    out = params["out_channels"]
    kernel = params["kernel_size"] ** 2
    return weights(channels * (out // params["groups"]) * kernel + bias_count(params["bias"], out))


CONV_TRANSPOSE2D = NodeSpec(
    type_id="ConvTranspose2d",
    category=Category.LAYER,
    title="ConvTranspose2d",
    explanation=(
        "A transposed convolution, sometimes called a deconvolution: it runs a convolution "
        "backwards to make feature maps larger, e.g. stride 2 roughly doubles height and "
        "width. Use it in decoders, autoencoders, GAN generators and segmentation networks "
        "to go from a small summary back to an image. output_padding adds one more row and "
        "column when several input sizes would map to the same output size. A kernel_size "
        "divisible by the stride avoids checkerboard artefacts."
    ),
    params=(
        _in_channels(),
        _out_channels(8),
        _kernel(2, "size of the square window each input pixel is spread over"),
        _stride("spacing of the spread windows; 2 roughly doubles height and width"),
        _padding("rows and columns trimmed from every side of the result"),
        IntParam(
            name="output_padding",
            default=0,
            minimum=0,
            maximum=MAX_WINDOW,
            help="extra rows and columns on one side; must be smaller than stride or dilation",
        ),
        _dilation(),
        _groups(),
        _BIAS,
    ),
    infer=_deconv_infer,
    torch_class="torch.nn.ConvTranspose2d",
    module_args=_deconv_args,
    count=_deconv_count,
    short_name="upconv",
    key_params=("out_channels", "kernel_size", "stride"),
    examples=(
        ({"out_channels": 8, "stride": 2}, ((BATCH, 16, 7, 7),)),
        (
            {
                "in_channels": 4,
                "out_channels": 1,
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
                "output_padding": 1,
            },
            ((BATCH, 4, 7, 7),),
        ),
        (
            {
                "out_channels": 6,
                "kernel_size": 4,
                "stride": 3,
                "padding": 2,
                "output_padding": 2,
                "dilation": 2,
                "groups": 2,
                "bias": False,
            },
            ((BATCH, 4, 5, 6),),
        ),
    ),
)

# -- pooling --------------------------------------------------------------------------


def _pool_params(window_help: str) -> tuple[IntParam, ...]:
    return (
        _kernel(2, window_help),
        IntParam(
            name="stride",
            default=None,
            optional=True,
            minimum=1,
            maximum=MAX_WINDOW,
            help="step between windows; auto uses kernel_size, so windows do not overlap",
        ),
        _padding("padding on every side, at most half of kernel_size"),
    )


def _pool_rules(spatial: int, layer: str) -> tuple[InferFn, ArgsFn, AdviseFn]:
    def infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
        channels, sizes = split_channels(shapes[0], spatial, _SIBLING.get(layer))
        kernel, padding = params["kernel_size"], params["padding"]
        check_pool_padding(kernel, padding)
        stride = params["stride"] or kernel
        out = window_output(shapes[0], sizes, kernel, stride, padding, remedy=POOL_REMEDY)
        return ((BATCH, channels, *out),)

    def args(params: Params, shapes: Sequence[Shape]) -> list[Arg]:
        return [
            Arg("kernel_size", params["kernel_size"]),
            Arg("stride", params["stride"], None),
            Arg("padding", params["padding"], 0),
        ]

    def advise(params: Params, shapes: Sequence[Shape], kinds: Sequence[str]) -> list[str]:
        return stride_advice(params["kernel_size"], params["stride"])

    return infer, args, advise


_mp1_infer, _mp1_args, _mp1_advise = _pool_rules(1, "MaxPool1d")

MAXPOOL1D = NodeSpec(
    type_id="MaxPool1d",
    category=Category.LAYER,
    title="MaxPool1d",
    explanation=(
        "Keeps only the largest value in each window of kernel_size steps along a signal "
        "shaped (N, channels, length), shrinking the length (by half with the default 2). "
        "It makes the features a little less sensitive to exactly where a pattern occurs and "
        "cuts the work for the following layers. Nothing is learned."
    ),
    params=_pool_params("number of neighbouring steps each maximum is taken over"),
    infer=_mp1_infer,
    torch_class="torch.nn.MaxPool1d",
    module_args=_mp1_args,
    advise=_mp1_advise,
    short_name="pool",
    key_params=("kernel_size", "stride"),
    examples=(
        ({}, ((BATCH, 4, 100),)),
        ({"kernel_size": 3, "stride": 1, "padding": 1}, ((BATCH, 2, 9),)),
        ({"kernel_size": 3}, ((BATCH, 5, 11),)),
    ),
)

_mp2_infer, _mp2_args, _mp2_advise = _pool_rules(2, "MaxPool2d")

MAXPOOL2D = NodeSpec(
    type_id="MaxPool2d",
    category=Category.LAYER,
    title="MaxPool2d",
    explanation=(
        "Keeps only the largest value in each kernel_size x kernel_size window of every "
        "feature map, so a 28x28 map becomes 14x14 with the default 2. Placed after a "
        "convolution it keeps the strongest responses, makes the network tolerate small "
        "shifts, and reduces the work for later layers. Nothing is learned."
    ),
    params=_pool_params("side of the square window each maximum is taken over"),
    infer=_mp2_infer,
    torch_class="torch.nn.MaxPool2d",
    module_args=_mp2_args,
    advise=_mp2_advise,
    short_name="pool",
    key_params=("kernel_size", "stride"),
    examples=(
        ({}, ((BATCH, 8, 28, 28),)),
        ({"kernel_size": 3, "stride": 2, "padding": 1}, ((BATCH, 4, 15, 9),)),
        ({"kernel_size": 3}, ((BATCH, 2, 10, 7),)),
    ),
)

_ap2_infer, _ap2_args, _ap2_advise = _pool_rules(2, "AvgPool2d")

AVGPOOL2D = NodeSpec(
    type_id="AvgPool2d",
    category=Category.LAYER,
    title="AvgPool2d",
    explanation=(
        "Replaces each kernel_size x kernel_size window of every feature map with its "
        "average, shrinking the maps (by half with the default 2). Smoother than max "
        "pooling: every value contributes. Padding counts as zeros in the average. Nothing "
        "is learned."
    ),
    params=_pool_params("side of the square window each average is taken over"),
    infer=_ap2_infer,
    torch_class="torch.nn.AvgPool2d",
    module_args=_ap2_args,
    advise=_ap2_advise,
    short_name="avgpool",
    key_params=("kernel_size", "stride"),
    examples=(
        ({}, ((BATCH, 3, 32, 32),)),
        ({"kernel_size": 3, "stride": 2, "padding": 1}, ((BATCH, 2, 7, 12),)),
        ({"kernel_size": 5, "stride": 1}, ((BATCH, 1, 5, 9),)),
    ),
)

# -- AdaptiveAvgPool2d -----------------------------------------------------------------


def _adaptive_infer(params: Params, shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    channels, _ = split_channels(shapes[0], 2)
    size = params["output_size"]
    return ((BATCH, channels, size, size),)


def _adaptive_advise(params: Params, shapes: Sequence[Shape], kinds: Sequence[str]) -> list[str]:
    height, width = features(shapes[0])[1:]
    size = params["output_size"]
    if size <= min(height, width):
        return []
    return [
        f"output_size {size} is larger than its {height}x{width} input, so it repeats values "
        f"instead of summarising them; use output_size {min(height, width)} or less"
    ]


ADAPTIVE_AVGPOOL2D = NodeSpec(
    type_id="AdaptiveAvgPool2d",
    category=Category.LAYER,
    title="AdaptiveAvgPool2d",
    explanation=(
        "Averages each feature map down to a fixed output_size x output_size, whatever the "
        "size of the incoming image: it picks the windows for you. With output_size 1 it is "
        "global average pooling, the usual bridge from convolutions to a final Linear "
        "classifier (add a Flatten between them); it also lets one network accept images of "
        "different sizes. Nothing is learned."
    ),
    params=(
        IntParam(
            name="output_size",
            default=1,
            minimum=1,
            maximum=1024,
            help="height and width of every output map; 1 averages each whole map to one number",
        ),
    ),
    infer=_adaptive_infer,
    torch_class="torch.nn.AdaptiveAvgPool2d",
    module_args=lambda params, shapes: [Arg("output_size", params["output_size"])],
    advise=_adaptive_advise,
    short_name="gap",
    key_params=("output_size",),
    examples=(
        ({}, ((BATCH, 16, 7, 5),)),
        ({"output_size": 4}, ((BATCH, 3, 9, 9),)),
        ({"output_size": 3}, ((BATCH, 2, 2, 2),)),
    ),
)

SPECS = [CONV1D, CONV2D, CONV_TRANSPOSE2D, MAXPOOL1D, MAXPOOL2D, AVGPOOL2D, ADAPTIVE_AVGPOOL2D]
