"""Shape checks shared by the sequence and attention families: (N, seq, features) tensors."""

from __future__ import annotations

from nodes.shapes import Shape, ShapeError, features, format_shape, numel


def sequence_dims(shape: Shape) -> tuple[int, int]:
    """Split (N, seq, features) into its length and feature size, or explain how to get there."""
    dims = features(shape)
    if len(dims) == 2:
        return dims[0], dims[1]
    if len(dims) == 1:
        size = dims[0]
        hint = (
            f"add a Reshape to [{size}, 1] to read its {size} values as {size} steps of one feature, "
            "put an Embedding first for token ids, or set output to 'sequence' on a recurrent "
            "layer that feeds it"
        )
    elif len(dims) > 2:
        steps, width = numel(dims[:-1]), dims[-1]
        hint = f"add a Reshape to [{steps}, {width}] to read it as {steps} steps of {width} features"
    else:
        hint = "add a Reshape or an Embedding to give each sample a sequence axis"
    raise ShapeError(
        f"expects a sequence shaped (N, seq, features); {hint}. It receives {format_shape(shape)}"
    )


def check_heads(width: int, heads: int, width_name: str, heads_name: str) -> None:
    """Attention splits the features evenly among its heads."""
    if width % heads == 0:
        return
    options = [d for d in range(1, min(width, 16) + 1) if width % d == 0]
    listed = " or ".join(filter(None, (", ".join(str(d) for d in options[:-1]), str(options[-1]))))
    raise ShapeError(
        f"needs {width_name} ({width}) divisible by {heads_name} ({heads}), since each head gets an "
        f"equal share of the features; try {heads_name} {listed}, or change the feature size"
    )
