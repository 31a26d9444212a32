"""Shape arithmetic for layers that slide a window over (N, channels, *spatial) tensors.

Shared by the convolution, pooling and normalisation declarations. Every check
raises a ShapeError whose message is a verb phrase for a learner, e.g.
"expects (N, channels, height, width) input but receives (N, 784); add a Reshape
to (1, 28, 28) first".
"""

from __future__ import annotations

import math

from nodes.shapes import Shape, ShapeError, features, format_shape

LAYOUTS = {1: "(N, channels, length)", 2: "(N, channels, height, width)"}
CONV_REMEDY = "use a smaller kernel_size, add padding, or downsample less before it"
POOL_REMEDY = "use a smaller kernel_size or downsample less before it"


def _square_side(count: int) -> int | None:
    side = math.isqrt(count)
    return side if side * side == count else None


def reshape_hint(shape: Shape, spatial: int, sibling: str | None = None) -> str:
    """Advice for a wrongly ranked input to a layer with `spatial` window dimensions.

    `sibling` names the same layer for the other layout (Conv1d for Conv2d, ...), if any.
    """
    dims = features(shape)
    if spatial == 2:
        if len(dims) == 1:
            size = dims[0]
            side = _square_side(size)
            if side is not None:
                return f"add a Reshape to (1, {side}, {side}) first"
            colour = _square_side(size // 3) if size % 3 == 0 else None
            if colour is not None:
                return f"add a Reshape to (3, {colour}, {colour}) first"
            return "add a Reshape to (channels, height, width) first"
        if len(dims) == 2:
            hint = f"for one-channel images add a Reshape to (1, {dims[0]}, {dims[1]}) first"
            return hint + (f"; for signals use {sibling}" if sibling else "")
        if len(dims) > 3:
            return "add a Reshape to (channels, height, width) first"
        return ""
    if len(dims) == 1:
        return f"add a Reshape to (1, {dims[0]}) first to make a one-channel signal"
    if len(dims) == 3 and sibling:
        return f"use {sibling} for images"
    if len(dims) >= 3:
        return "add a Reshape to (channels, length) first"
    return ""


def split_channels(shape: Shape, spatial: int, sibling: str | None = None) -> tuple[int, tuple[int, ...]]:
    """(N, C, *spatial) -> (C, spatial sizes), or a ShapeError that suggests the fix."""
    if len(shape) - 1 != spatial + 1:
        hint = reshape_hint(shape, spatial, sibling)
        raise ShapeError(
            f"expects {LAYOUTS[spatial]} input but receives {format_shape(shape)}"
            + (f"; {hint}" if hint else "")
        )
    dims = features(shape)
    return dims[0], dims[1:]


def _describe_sizes(sizes: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in sizes)


def window_output(
    shape: Shape,
    sizes: tuple[int, ...],
    kernel: int,
    stride: int,
    padding: int,
    dilation: int = 1,
    *,
    remedy: str,
) -> tuple[int, ...]:
    """Output sizes of a sliding window (torch's formula), refusing windows larger than the input."""
    span = dilation * (kernel - 1) + 1
    padded = tuple(s + 2 * padding for s in sizes)
    if any(span > p for p in padded):
        window = f"kernel_size {kernel}" + (
            f" with dilation {dilation} (spanning {span})" if dilation > 1 else ""
        )
        have = _describe_sizes(sizes) + (" long" if len(sizes) == 1 else "")
        if padding:
            have += f" ({_describe_sizes(padded)} with padding {padding})"
        what = "signals are" if len(sizes) == 1 else "maps are"
        raise ShapeError(
            f"has {window} but receives {format_shape(shape)}, whose {what} only {have}; {remedy}"
        )
    return tuple((p - span) // stride + 1 for p in padded)


def transposed_output(
    shape: Shape,
    sizes: tuple[int, ...],
    kernel: int,
    stride: int,
    padding: int,
    output_padding: int,
    dilation: int = 1,
) -> tuple[int, ...]:
    """Output sizes of a transposed convolution (torch's formula), refusing empty results."""
    if output_padding >= stride and output_padding >= dilation:
        raise ShapeError(
            f"has output_padding {output_padding}, but it must be smaller than stride ({stride}) "
            f"or dilation ({dilation}); lower output_padding"
        )
    grown = tuple((s - 1) * stride + dilation * (kernel - 1) + output_padding + 1 for s in sizes)
    if any(g - 2 * padding < 1 for g in grown):
        most = (min(grown) - 1) // 2
        raise ShapeError(
            f"would produce an empty output from {format_shape(shape)}: before padding it makes "
            f"{_describe_sizes(grown)} maps, and padding {padding} removes {2 * padding} from each "
            f"side length; use padding {most}" + (" or less" if most else "")
        )
    return tuple(g - 2 * padding for g in grown)


def check_pool_padding(kernel: int, padding: int) -> None:
    """torch refuses pooling padding above half the window."""
    if padding > kernel // 2:
        raise ShapeError(
            f"has padding {padding}, more than half its kernel_size {kernel}; "
            f"use padding {kernel // 2} or less"
        )


def check_groups(groups: int, in_channels: int, out_channels: int, shape: Shape) -> None:
    """Grouped convolutions split both channel counts into `groups` equal parts."""
    if in_channels % groups:
        raise ShapeError(
            f"splits its channels into {groups} groups but receives {format_shape(shape)} with "
            f"{in_channels} channels, which is not a multiple of {groups}; set groups to a "
            f"divisor of {in_channels}"
        )
    if out_channels % groups:
        raise ShapeError(
            f"splits its channels into {groups} groups but out_channels {out_channels} is not a "
            f"multiple of {groups}; set out_channels to a multiple of {groups}"
        )


def stride_advice(kernel: int, stride: int | None, dilation: int = 1) -> list[str]:
    """A stride longer than the window steps over inputs that never reach the output."""
    if stride is None or dilation != 1 or stride <= kernel:
        return []
    return [
        f"stride {stride} is larger than kernel_size {kernel}, so {stride - kernel} of every "
        f"{stride} positions are skipped and never used; make stride at most kernel_size"
    ]
