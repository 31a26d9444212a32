"""Convolution, pooling and normalisation nodes: the messages a learner reads, and the
edge cases of their shape arithmetic, judged against PyTorch itself."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest
import torch
from torch import nn

from backends.codegen.model_source import generate_model
from backends.module_builder import build_model
from nodes import registry
from nodes.analysis import Analysis, analyze
from nodes.graph import GraphDocument

BATCH = 2


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """These tensors are tiny: on a busy machine thread start-up costs far more than the math."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _single(type_id: str, sample: tuple[int, ...], **params: object) -> tuple[GraphDocument, str, Analysis]:
    """Input 'x' with samples shaped `sample`, wired into one node named 'layer'."""
    doc = GraphDocument("Case")
    x = doc.add_node("Input", name="x", params={"shape": list(sample)})
    node = doc.add_node(type_id, name="layer", params=params)
    doc.connect(x.id, "out", node.id, "in")
    return doc, node.id, analyze(doc)


def _shape_errors(analysis: Analysis) -> list[str]:
    return [p.message for p in analysis.errors if p.code == "shape"]


def _only_error(analysis: Analysis) -> str:
    errors = _shape_errors(analysis)
    assert len(errors) == 1, errors
    return errors[0]


def _advice(analysis: Analysis) -> list[str]:
    return [p.message for p in analysis.warnings if p.code == "advice"]


def _torch_shape(module: nn.Module, sample: tuple[int, ...]) -> tuple[int, ...] | None:
    """What torch makes of a batch of `sample`s, or None when torch refuses it.

    An empty result (a zero-sized dimension, which ConvTranspose2d allows) counts as a
    refusal: nothing after it could use it, so netcanvas reports it as an error.
    """
    try:
        with torch.no_grad():
            shape = tuple(module(torch.randn(BATCH, *sample)).shape)
    except (RuntimeError, ValueError):
        return None
    return shape if all(shape) else None


def _ours(analysis: Analysis, node_id: str) -> tuple[int, ...] | None:
    if _shape_errors(analysis):
        return None
    shape = analysis.output_shape(node_id)
    assert shape is not None
    return tuple(BATCH if d == "N" else int(d) for d in shape)


# -- inputs of the wrong rank ---------------------------------------------------------------

WRONG_RANK = [
    (
        "Conv2d",
        (784,),
        "Conv2d 'layer' expects (N, channels, height, width) input but receives (N, 784)",
        "add a Reshape to (1, 28, 28) first",
    ),
    (
        "Conv2d",
        (3072,),
        "Conv2d 'layer' expects (N, channels, height, width) input but receives (N, 3072)",
        "add a Reshape to (3, 32, 32) first",
    ),
    (
        "Conv2d",
        (10,),
        "Conv2d 'layer' expects (N, channels, height, width) input but receives (N, 10)",
        "add a Reshape to (channels, height, width) first",
    ),
    (
        "Conv2d",
        (28, 28),
        "Conv2d 'layer' expects (N, channels, height, width) input but receives (N, 28, 28)",
        "add a Reshape to (1, 28, 28) first",
    ),
    (
        "Conv1d",
        (3, 8, 8),
        "Conv1d 'layer' expects (N, channels, length) input but receives (N, 3, 8, 8)",
        "use Conv2d for images",
    ),
    (
        "Conv1d",
        (50,),
        "Conv1d 'layer' expects (N, channels, length) input but receives (N, 50)",
        "add a Reshape to (1, 50) first",
    ),
    (
        "ConvTranspose2d",
        (64,),
        "ConvTranspose2d 'layer' expects (N, channels, height, width) input but receives (N, 64)",
        "add a Reshape to (1, 8, 8) first",
    ),
    (
        "MaxPool1d",
        (3, 8, 8),
        "MaxPool1d 'layer' expects (N, channels, length) input but receives (N, 3, 8, 8)",
        "use MaxPool2d for images",
    ),
    (
        "MaxPool2d",
        (784,),
        "MaxPool2d 'layer' expects (N, channels, height, width) input but receives (N, 784)",
        "add a Reshape to (1, 28, 28) first",
    ),
    (
        "AvgPool2d",
        (5, 9),
        "AvgPool2d 'layer' expects (N, channels, height, width) input but receives (N, 5, 9)",
        "add a Reshape to (1, 5, 9) first",
    ),
    (
        "AdaptiveAvgPool2d",
        (16,),
        "AdaptiveAvgPool2d 'layer' expects (N, channels, height, width) input but receives (N, 16)",
        "add a Reshape to (1, 4, 4) first",
    ),
    (
        "BatchNorm1d",
        (3, 8, 8),
        "BatchNorm1d 'layer' expects (N, features) or (N, channels, length) input but receives (N, 3, 8, 8)",
        "use BatchNorm2d for images",
    ),
    (
        "BatchNorm2d",
        (16,),
        "BatchNorm2d 'layer' expects (N, channels, height, width) input but receives (N, 16)",
        "use BatchNorm1d",
    ),
]


@pytest.mark.parametrize(("type_id", "sample", "start", "hint"), WRONG_RANK)
def test_wrong_rank_names_the_layout_and_suggests_a_fix(
    type_id: str, sample: tuple[int, ...], start: str, hint: str
) -> None:
    message = _only_error(_single(type_id, sample)[2])
    assert message.startswith(f"{start} from 'x'; ")
    assert hint in message


def test_the_suggested_reshape_fixes_a_flat_image() -> None:
    doc = GraphDocument("Case")
    x = doc.add_node("Input", name="x", params={"shape": [784]})
    reshape = doc.add_node("Reshape", params={"shape": [1, 28, 28]})
    conv = doc.add_node("Conv2d", params={"out_channels": 4})
    doc.connect(x.id, "out", reshape.id, "in")
    doc.connect(reshape.id, "out", conv.id, "in")
    analysis = analyze(doc)
    assert not analysis.errors, [p.message for p in analysis.errors]
    assert analysis.output_shape(conv.id) == ("N", 4, 26, 26)


# -- windows larger than their input ------------------------------------------------------------

TOO_LARGE = [
    (
        "Conv2d",
        (1, 3, 3),
        {"kernel_size": 5},
        lambda: nn.Conv2d(1, 8, 5),
        "Conv2d 'layer' has kernel_size 5 but receives (N, 1, 3, 3) from 'x', whose maps are only 3x3; "
        "use a smaller kernel_size, add padding, or downsample less before it",
    ),
    (
        "Conv2d",
        (1, 4, 4),
        {"kernel_size": 7, "padding": 1},
        lambda: nn.Conv2d(1, 8, 7, padding=1),
        "Conv2d 'layer' has kernel_size 7 but receives (N, 1, 4, 4) from 'x', whose maps are only 4x4 "
        "(6x6 with padding 1)",
    ),
    (
        "Conv2d",
        (2, 3, 10),
        {"kernel_size": 5},
        lambda: nn.Conv2d(2, 8, 5),
        "Conv2d 'layer' has kernel_size 5 but receives (N, 2, 3, 10) from 'x', whose maps are only 3x10",
    ),
    (
        "Conv2d",
        (1, 6, 6),
        {"dilation": 3},
        lambda: nn.Conv2d(1, 8, 3, dilation=3),
        "Conv2d 'layer' has kernel_size 3 with dilation 3 (spanning 7) but receives (N, 1, 6, 6) "
        "from 'x', whose maps are only 6x6",
    ),
    (
        "Conv1d",
        (4, 3),
        {"kernel_size": 5},
        lambda: nn.Conv1d(4, 8, 5),
        "Conv1d 'layer' has kernel_size 5 but receives (N, 4, 3) from 'x', whose signals are only 3 long",
    ),
    (
        "MaxPool2d",
        (8, 1, 1),
        {},
        lambda: nn.MaxPool2d(2),
        "MaxPool2d 'layer' has kernel_size 2 but receives (N, 8, 1, 1) from 'x', whose maps are only 1x1; "
        "use a smaller kernel_size or downsample less before it",
    ),
    (
        "MaxPool1d",
        (2, 4),
        {"kernel_size": 5},
        lambda: nn.MaxPool1d(5),
        "MaxPool1d 'layer' has kernel_size 5 but receives (N, 2, 4) from 'x', whose signals are only 4 long",
    ),
    (
        "AvgPool2d",
        (3, 2, 9),
        {"kernel_size": 3},
        lambda: nn.AvgPool2d(3),
        "AvgPool2d 'layer' has kernel_size 3 but receives (N, 3, 2, 9) from 'x', whose maps are only 2x9",
    ),
]


@pytest.mark.parametrize(("type_id", "sample", "params", "make_torch", "start"), TOO_LARGE)
def test_kernel_larger_than_input_is_reported_with_the_sizes(
    type_id: str,
    sample: tuple[int, ...],
    params: dict,
    make_torch: Callable[[], nn.Module],
    start: str,
) -> None:
    assert _torch_shape(make_torch(), sample) is None, "torch accepts this, so it is no error"
    message = _only_error(_single(type_id, sample, **params)[2])
    assert message.startswith(start)


def test_padding_can_make_a_large_kernel_fit() -> None:
    _, node_id, analysis = _single("Conv2d", (1, 3, 3), kernel_size=5, padding=1)
    assert _ours(analysis, node_id) == _torch_shape(nn.Conv2d(1, 8, 5, padding=1), (1, 3, 3)) == (2, 8, 1, 1)


# -- channel counts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_id", "sample", "params", "make_torch", "expected"),
    [
        (
            "Conv2d",
            (1, 28, 28),
            {"in_channels": 3},
            lambda: nn.Conv2d(3, 8, 3),
            "Conv2d 'layer' expects 3 input channels but receives 1 from 'x'",
        ),
        (
            "Conv1d",
            (4, 20),
            {"in_channels": 2},
            lambda: nn.Conv1d(2, 8, 3),
            "Conv1d 'layer' expects 2 input channels but receives 4 from 'x'",
        ),
        (
            "ConvTranspose2d",
            (16, 7, 7),
            {"in_channels": 8},
            lambda: nn.ConvTranspose2d(8, 8, 2),
            "ConvTranspose2d 'layer' expects 8 input channels but receives 16 from 'x'",
        ),
        (
            "BatchNorm2d",
            (8, 5, 5),
            {"num_features": 16},
            lambda: nn.BatchNorm2d(16).eval(),
            "BatchNorm2d 'layer' expects 16 channels but receives 8 from 'x'",
        ),
        (
            "BatchNorm1d",
            (16,),
            {"num_features": 8},
            lambda: nn.BatchNorm1d(8).eval(),
            "BatchNorm1d 'layer' expects 8 features but receives 16 from 'x'",
        ),
        (
            "BatchNorm1d",
            (6, 10),
            {"num_features": 10},
            lambda: nn.BatchNorm1d(10).eval(),
            "BatchNorm1d 'layer' expects 10 channels but receives 6 from 'x'",
        ),
        (
            "LayerNorm",
            (32,),
            {"normalized_shape": 64},
            lambda: nn.LayerNorm(64),
            "LayerNorm 'layer' expects 64 features in its last dimension but receives 32 from 'x'",
        ),
    ],
)
def test_channel_mismatch_names_both_counts(
    type_id: str,
    sample: tuple[int, ...],
    params: dict,
    make_torch: Callable[[], nn.Module],
    expected: str,
) -> None:
    assert _torch_shape(make_torch(), sample) is None
    message = _only_error(_single(type_id, sample, **params)[2])
    received = expected.rsplit("receives ", 1)[1].split(" ")[0]
    # The message names both counts, then how to fix it.
    assert message.startswith(expected + "; set ")
    assert message.endswith(f" to {received}, or to auto to follow the incoming wire")


def test_groups_must_divide_the_input_channels() -> None:
    with pytest.raises(ValueError):
        nn.Conv2d(8, 9, 3, groups=3)
    message = _only_error(_single("Conv2d", (8, 5, 5), groups=3, out_channels=9)[2])
    assert message.startswith(
        "Conv2d 'layer' splits its channels into 3 groups but receives (N, 8, 5, 5) from 'x' with 8 "
        "channels, which is not a multiple of 3; set groups to a divisor of 8"
    )


def test_groups_must_divide_the_output_channels() -> None:
    with pytest.raises(ValueError):
        nn.Conv2d(6, 4, 3, groups=3)
    message = _only_error(_single("Conv2d", (6, 5, 5), groups=3, out_channels=4)[2])
    assert message == (
        "Conv2d 'layer' splits its channels into 3 groups but out_channels 4 is not a multiple "
        "of 3; set out_channels to a multiple of 3"
    )


def test_depthwise_convolution_matches_torch() -> None:
    _, node_id, analysis = _single("Conv2d", (6, 9, 9), out_channels=12, groups=6, padding=1)
    reference = nn.Conv2d(6, 12, 3, padding=1, groups=6)
    assert _ours(analysis, node_id) == _torch_shape(reference, (6, 9, 9))
    assert analysis.info[node_id].count.trainable == sum(p.numel() for p in reference.parameters())


# -- output sizes across the parameter space, torch as the judge --------------------------------


def _mismatches(
    type_id: str, sample: tuple[int, ...], grid: dict[str, tuple], make_torch: Callable[..., nn.Module]
) -> list[str]:
    """Every combination of `grid`: torch and the analysis agree on the shape, or both refuse."""
    wrong = []
    names = list(grid)
    for values in itertools.product(*grid.values()):
        params = dict(zip(names, values, strict=True))
        _, node_id, analysis = _single(type_id, sample, **params)
        expected = _torch_shape(make_torch(**params), sample)
        got = _ours(analysis, node_id)
        if got != expected:
            wrong.append(f"{params}: torch {expected}, netcanvas {got} {_shape_errors(analysis)}")
    return wrong


def test_conv2d_output_sizes_match_torch() -> None:
    grid = {"kernel_size": (1, 2, 3, 5), "stride": (1, 2, 3), "padding": (0, 1, 2), "dilation": (1, 2)}
    assert not _mismatches("Conv2d", (2, 5, 7), grid, lambda **p: nn.Conv2d(2, 8, **p))


def test_conv1d_output_sizes_match_torch() -> None:
    grid = {"kernel_size": (1, 3, 4, 7), "stride": (1, 2, 4), "padding": (0, 1, 3), "dilation": (1, 3)}
    assert not _mismatches("Conv1d", (3, 6), grid, lambda **p: nn.Conv1d(3, 8, **p))


def test_conv_transpose2d_output_sizes_match_torch() -> None:
    grid = {
        "kernel_size": (1, 2, 3, 4),
        "stride": (1, 2, 3),
        "padding": (0, 1, 2),
        "output_padding": (0, 1, 2),
        "dilation": (1, 2),
    }
    assert not _mismatches("ConvTranspose2d", (2, 3, 4), grid, lambda **p: nn.ConvTranspose2d(2, 8, **p))


@pytest.mark.parametrize(
    ("type_id", "sample", "torch_class"),
    [
        ("MaxPool2d", (2, 5, 7), nn.MaxPool2d),
        ("AvgPool2d", (2, 5, 7), nn.AvgPool2d),
        ("MaxPool1d", (2, 6), nn.MaxPool1d),
    ],
)
def test_pool_output_sizes_match_torch(type_id: str, sample: tuple[int, ...], torch_class: type) -> None:
    grid = {"kernel_size": (1, 2, 3, 4, 6), "stride": (None, 1, 2, 3), "padding": (0, 1, 2)}
    assert not _mismatches(type_id, sample, grid, torch_class)


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_adaptive_pool_output_matches_torch(size: int) -> None:
    _, node_id, analysis = _single("AdaptiveAvgPool2d", (3, 4, 6), output_size=size)
    assert _ours(analysis, node_id) == _torch_shape(nn.AdaptiveAvgPool2d(size), (3, 4, 6))


def test_conv_transpose_output_padding_must_stay_below_stride() -> None:
    assert _torch_shape(nn.ConvTranspose2d(4, 8, 3, stride=2, output_padding=2), (4, 3, 3)) is None
    message = _only_error(_single("ConvTranspose2d", (4, 3, 3), kernel_size=3, stride=2, output_padding=2)[2])
    assert message == (
        "ConvTranspose2d 'layer' has output_padding 2, but it must be smaller than stride (2) or "
        "dilation (1); lower output_padding"
    )


def test_conv_transpose_padding_can_leave_nothing() -> None:
    assert _torch_shape(nn.ConvTranspose2d(4, 8, 2, padding=2), (4, 1, 1)) is None
    message = _only_error(_single("ConvTranspose2d", (4, 1, 1), kernel_size=2, padding=2)[2])
    assert message == (
        "ConvTranspose2d 'layer' would produce an empty output from (N, 4, 1, 1): before padding "
        "it makes 2x2 maps, and padding 2 removes 4 from each side length; use padding 0"
    )


def test_pool_padding_above_half_the_kernel_is_refused() -> None:
    assert _torch_shape(nn.MaxPool2d(3, padding=2), (4, 9, 9)) is None
    message = _only_error(_single("MaxPool2d", (4, 9, 9), kernel_size=3, padding=2)[2])
    assert (
        message == "MaxPool2d 'layer' has padding 2, more than half its kernel_size 3; use padding 1 or less"
    )


# -- parameter counts, buffers included -------------------------------------------------------


def _counts(module: nn.Module) -> tuple[int, int]:
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    return trainable, sum(b.numel() for b in module.buffers())


@pytest.mark.parametrize(("affine", "track"), list(itertools.product((True, False), repeat=2)))
@pytest.mark.parametrize(
    ("type_id", "sample", "torch_class"),
    [
        ("BatchNorm1d", (6,), nn.BatchNorm1d),
        ("BatchNorm1d", (6, 9), nn.BatchNorm1d),
        ("BatchNorm2d", (6, 3, 3), nn.BatchNorm2d),
    ],
)
def test_batchnorm_counts_statistics_as_buffers(
    type_id: str, sample: tuple[int, ...], torch_class: type, affine: bool, track: bool
) -> None:
    _, node_id, analysis = _single(type_id, sample, affine=affine, track_running_stats=track)
    count = analysis.info[node_id].count
    reference = torch_class(6, affine=affine, track_running_stats=track)
    assert (count.trainable, count.non_trainable) == _counts(reference)
    assert _ours(analysis, node_id) == _torch_shape(reference.eval(), sample)


@pytest.mark.parametrize(("affine", "bias"), list(itertools.product((True, False), repeat=2)))
def test_layernorm_counts_match_torch(affine: bool, bias: bool) -> None:
    _, node_id, analysis = _single("LayerNorm", (5, 12), elementwise_affine=affine, bias=bias)
    count = analysis.info[node_id].count
    assert (count.trainable, count.non_trainable) == _counts(
        nn.LayerNorm(12, elementwise_affine=affine, bias=bias)
    )
    assert analysis.output_shape(node_id) == ("N", 5, 12)


# -- generated code ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_id", "sample", "params", "line", "reference"),
    [
        (
            "Conv2d",
            (1, 28, 28),
            {"padding": 1},
            "nn.Conv2d(1, 8, 3, padding=1)",
            nn.Conv2d(1, 8, 3, padding=1),
        ),
        (
            "Conv1d",
            (4, 30),
            {"out_channels": 6, "kernel_size": 5, "stride": 2, "bias": False},
            "nn.Conv1d(4, 6, 5, stride=2, bias=False)",
            nn.Conv1d(4, 6, 5, stride=2, bias=False),
        ),
        (
            "ConvTranspose2d",
            (16, 7, 7),
            {"out_channels": 1, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1},
            "nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1)",
            nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1),
        ),
        ("MaxPool2d", (3, 8, 8), {}, "nn.MaxPool2d(2)", nn.MaxPool2d(2)),
        (
            "MaxPool2d",
            (3, 8, 8),
            {"kernel_size": 3, "stride": 1},
            "nn.MaxPool2d(3, stride=1)",
            nn.MaxPool2d(3, 1),
        ),
        ("AdaptiveAvgPool2d", (3, 8, 8), {}, "nn.AdaptiveAvgPool2d(1)", nn.AdaptiveAvgPool2d(1)),
        ("BatchNorm2d", (3, 8, 8), {}, "nn.BatchNorm2d(3)", nn.BatchNorm2d(3)),
        (
            "BatchNorm1d",
            (10,),
            {"affine": False, "momentum": 0.2},
            "nn.BatchNorm1d(10, momentum=0.2, affine=False)",
            nn.BatchNorm1d(10, momentum=0.2, affine=False),
        ),
        (
            "LayerNorm",
            (32,),
            {"elementwise_affine": False},
            "nn.LayerNorm(32, elementwise_affine=False)",
            nn.LayerNorm(32, elementwise_affine=False),
        ),
    ],
)
def test_generated_line_builds_the_same_module_as_torch(
    type_id: str, sample: tuple[int, ...], params: dict, line: str, reference: nn.Module
) -> None:
    doc, _, analysis = _single(type_id, sample, **params)
    assert not analysis.errors
    assert f"self.layer = {line}\n" in generate_model(doc, analysis).source
    assert repr(build_model(doc, analysis).model.layer) == repr(reference)


def test_small_cnn_matches_a_hand_written_reference() -> None:
    doc = GraphDocument("Cnn")
    chain = [
        doc.add_node("Input", name="x", params={"shape": [1, 28, 28]}),
        doc.add_node("Conv2d", params={"out_channels": 8, "padding": 1}),
        doc.add_node("BatchNorm2d"),
        doc.add_node("MaxPool2d"),
        doc.add_node("Conv2d", params={"out_channels": 16, "stride": 2}),
        doc.add_node("AdaptiveAvgPool2d"),
        doc.add_node("Flatten"),
        doc.add_node("Linear", params={"out_features": 10}),
    ]
    for source, target in itertools.pairwise(chain):
        doc.connect(source.id, "out", target.id, "in")
    analysis = analyze(doc)
    assert not analysis.errors, [p.message for p in analysis.errors]
    reference = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, stride=2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 10),
    )
    totals = analysis.totals()
    assert (totals.trainable, totals.non_trainable) == _counts(reference)
    model = build_model(doc, analysis).model
    weights = reference.state_dict()
    model.load_state_dict(dict(zip(model.state_dict(), weights.values(), strict=True)))
    model.eval()
    reference.eval()
    x = torch.randn(4, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(model(x), reference(x))


# -- advice -------------------------------------------------------------------------------------


def test_stride_longer_than_the_kernel_is_flagged() -> None:
    _, _, analysis = _single("Conv2d", (3, 28, 28), kernel_size=2, stride=4)
    assert _advice(analysis) == [
        "Conv2d 'layer': stride 4 is larger than kernel_size 2, so 2 of every 4 positions are "
        "skipped and never used; make stride at most kernel_size"
    ]
    assert not _advice(_single("MaxPool2d", (3, 28, 28))[2])


def test_adaptive_pool_larger_than_its_input_is_flagged() -> None:
    _, _, analysis = _single("AdaptiveAvgPool2d", (3, 2, 5), output_size=4)
    assert _advice(analysis) == [
        "AdaptiveAvgPool2d 'layer': output_size 4 is larger than its 2x5 input, so it repeats "
        "values instead of summarising them; use output_size 2 or less"
    ]
    # torch really does repeat values there: rows 0-1 and 2-3 of a 2-row input come out equal.
    out = nn.AdaptiveAvgPool2d(4)(torch.randn(1, 1, 2, 5))
    torch.testing.assert_close(out[0, 0, 0], out[0, 0, 1])


def test_layernorm_on_feature_maps_suggests_batchnorm2d() -> None:
    _, _, analysis = _single("LayerNorm", (3, 28, 28))
    assert _advice(analysis) == [
        "LayerNorm 'layer': it normalises only the last dimension (width 28) of image-like input "
        "(N, 3, 28, 28); for feature maps BatchNorm2d is the usual choice"
    ]


def test_batchnorm1d_after_an_embedding_warns_about_the_axis() -> None:
    spec = registry.get("BatchNorm1d")
    assert spec.advise is not None
    advice = spec.advise(spec.defaults(), [("N", 12, 32)], ["Embedding"])
    assert advice == [
        "it normalises dimension 1, which for Embedding output (N, 12, 32) is the 12 sequence "
        "positions rather than the 32 features; LayerNorm normalises the features of each position"
    ]
    assert spec.advise(spec.defaults(), [("N", 12, 32)], ["Conv1d"]) == []
