"""Activations and merges beyond the shared harness: curves, messages, residuals, Step's warning."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from backends.module_builder import build_model
from nodes import registry
from nodes.analysis import analyze
from nodes.catalog.activations import ACTIVATION_CURVES, activation_curve
from nodes.graph import GraphDocument
from nodes.shapes import ShapeError
from nodes.spec import Category, NodeSpec, Port, Role

POINTS = (-3.0, -1.2, -0.5, -0.01, 0.0, 0.3, 1.0, 2.5)


def _two_class(fn):
    """Softmax-style curves: the first output when the logits are [x, 0]."""
    return lambda x: fn(torch.stack([x, torch.zeros_like(x)]), dim=0)[0]


# (type id, node params, the same function in torch)
TORCH_CURVES = [
    ("ReLU", {}, torch.relu),
    ("LeakyReLU", {}, lambda x: F.leaky_relu(x, 0.01)),
    ("LeakyReLU", {"negative_slope": 0.2}, lambda x: F.leaky_relu(x, 0.2)),
    ("ELU", {}, F.elu),
    ("ELU", {"alpha": 0.5}, lambda x: F.elu(x, alpha=0.5)),
    ("GELU", {}, F.gelu),
    ("GELU", {"approximate": "tanh"}, lambda x: F.gelu(x, approximate="tanh")),
    ("SiLU", {}, F.silu),
    ("Sigmoid", {}, torch.sigmoid),
    ("Tanh", {}, torch.tanh),
    ("Softmax", {}, _two_class(torch.softmax)),
    ("LogSoftmax", {"dim": -1}, _two_class(torch.log_softmax)),
]


@pytest.mark.parametrize(("type_id", "params", "reference"), TORCH_CURVES, ids=lambda v: str(v))
def test_curve_and_derivative_match_torch_autograd(type_id, params, reference) -> None:
    f, df = activation_curve(type_id, params)
    for point in POINTS:
        x = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        y = reference(x)
        (grad,) = torch.autograd.grad(y, x)
        assert f(point) == pytest.approx(y.item(), abs=1e-12), (type_id, point)
        assert df(point) == pytest.approx(grad.item(), abs=1e-12), (type_id, point)


@pytest.mark.parametrize("threshold", [0.0, 0.5, -1.0])
def test_step_curve_matches_the_generated_expression(threshold: float) -> None:
    f, df = activation_curve("Step", {"threshold": threshold})
    expression = registry.get("Step").forward_expression("unused", ["x"], {"threshold": threshold})
    for point in (*POINTS, threshold):
        x = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        y = eval(expression, {"x": x})
        assert f(point) == y.item()
        assert df(point) == 0.0
        assert not y.requires_grad  # nothing flows back through a step


def test_every_activation_has_a_curve_and_the_raw_table_takes_params() -> None:
    activations = {s.type_id for s in registry.all_specs() if s.category is Category.ACTIVATION}
    assert {"ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softmax"} <= activations
    assert activations <= set(ACTIVATION_CURVES)
    f, df = ACTIVATION_CURVES["LeakyReLU"]
    assert f(-2.0) == pytest.approx(-0.02)
    assert f(-2.0, negative_slope=0.5, dim=1) == -1.0  # a whole params dict may be passed
    assert df(-2.0, negative_slope=0.5) == 0.5


# ---- merge and activation shape messages -------------------------------------------


def _merge_doc(type_id: str, shapes: list[list[int]], **params) -> tuple[GraphDocument, str]:
    doc = GraphDocument("Merge")
    node = doc.add_node(type_id, name="m", params={"inputs": len(shapes), **params})
    for index, shape in enumerate(shapes, start=1):
        source = doc.add_node("Input", name=f"x{index}", params={"shape": shape})
        doc.connect(source.id, "out", node.id, f"in{index}")
    return doc, node.id


def _errors(doc: GraphDocument) -> list[str]:
    return [p.message for p in analyze(doc).errors]


@pytest.mark.parametrize(
    ("type_id", "shapes", "params", "message"),
    [
        (
            "Add",
            [[64], [32]],
            {},
            "Add 'm' cannot add (N, 64) and (N, 32): the sizes must match (or be 1, to be repeated)",
        ),
        (
            "Multiply",
            [[8, 4], [8, 4], [8, 3]],
            {},
            "Multiply 'm' cannot multiply (N, 8, 4) and (N, 8, 3) (input in3): the sizes must "
            "match (or be 1, to be repeated)",
        ),
        (
            "Add",
            [[1, 4], [4]],
            {},
            "Add 'm' cannot add (N, 1, 4) and (N, 4): they have different numbers of dimensions; "
            "reshape one of them first",
        ),
        (
            "Concatenate",
            [[3], [5]],
            {"dim": 0},
            "Concatenate 'm' cannot concatenate along dim=0, the batch: that would stack samples, "
            "not join their features; use dim=1 (or -1 for the last dimension)",
        ),
        (
            "Concatenate",
            [[2, 3], [2, 3]],
            {"dim": -3},
            "Concatenate 'm' cannot concatenate along dim=-3, the batch: that would stack samples, "
            "not join their features; use dim=1 (or -1 for the last dimension)",
        ),
        (
            "Concatenate",
            [[4, 5], [4, 6]],
            {"dim": 1},
            "Concatenate 'm' cannot concatenate (N, 4, 5) and (N, 4, 6) along dim 1: every other "
            "size must match, but dim 2 is 5 vs 6",
        ),
        (
            "Concatenate",
            [[4], [4, 2]],
            {},
            "Concatenate 'm' cannot concatenate (N, 4) and (N, 4, 2): they have different "
            "numbers of dimensions",
        ),
        (
            "Concatenate",
            [[2, 3], [2, 3]],
            {"dim": 4},
            "Concatenate 'm' has dim=4 but its inputs like (N, 2, 3) have only 3 dimensions; "
            "use a dim from 1 to 2, or -1 for the last (dim 0 is the batch)",
        ),
        (
            "Concatenate",
            [[3], [5]],
            {"dim": 2},
            "Concatenate 'm' has dim=2 but its inputs like (N, 3) have only 2 dimensions; "
            "use dim=1 or -1 (dim 0 is the batch)",
        ),
    ],
)
def test_merge_shape_errors(type_id: str, shapes: list, params: dict, message: str) -> None:
    doc, _ = _merge_doc(type_id, shapes, **params)
    assert _errors(doc) == [message]


@pytest.mark.parametrize(
    ("type_id", "shapes", "params", "expected"),
    [
        ("Add", [[64], [64]], {}, ("N", 64)),
        ("Add", [[8, 1], [1, 5]], {}, ("N", 8, 5)),
        ("Multiply", [[16], [1]], {}, ("N", 16)),
        ("Concatenate", [[3], [5], [2]], {}, ("N", 10)),
        ("Concatenate", [[2, 3], [2, 4]], {"dim": -1}, ("N", 2, 7)),
    ],
)
def test_merge_shapes(type_id: str, shapes: list, params: dict, expected: tuple) -> None:
    doc, node_id = _merge_doc(type_id, shapes, **params)
    analysis = analyze(doc)
    assert not analysis.errors
    assert analysis.output_shape(node_id) == expected


def test_merge_ports_follow_the_inputs_parameter() -> None:
    spec = registry.get("Concatenate")
    assert [p.name for p in spec.input_ports({"inputs": 4, "dim": 1})] == ["in1", "in2", "in3", "in4"]
    assert spec.forward_expression("self.cat1", ["a", "b", "c"], {"dim": -1}) == (
        "torch.cat([a, b, c], dim=-1)"
    )
    assert registry.get("Add").forward_expression("self.add1", ["a", "b", "c"], {}) == "a + b + c"


def test_softmax_dim_out_of_range_is_named() -> None:
    doc = GraphDocument("Bad dim")
    x = doc.add_node("Input", name="x", params={"shape": [10]})
    soft = doc.add_node("LogSoftmax", name="probs", params={"dim": 2})
    doc.connect(x.id, "out", soft.id, "in")
    assert _errors(doc) == [
        "LogSoftmax 'probs' has dim=2 but its input (N, 10) has only 2 dimensions; "
        "choose a dim from -2 to 1 (dim 0 is the batch)"
    ]
    with pytest.raises(ShapeError, match="only 3 dimensions"):
        registry.get("Softmax").infer({"dim": -4}, [("N", 4, 7)])


def test_softmax_over_the_batch_is_advised_against() -> None:
    doc = GraphDocument("Batch softmax")
    x = doc.add_node("Input", name="x", params={"shape": [10]})
    soft = doc.add_node("Softmax", name="probs", params={"dim": 0})
    doc.connect(x.id, "out", soft.id, "in")
    analysis = analyze(doc)
    assert not analysis.errors
    advice = [p.message for p in analysis.problems_for(soft.id)]
    assert advice == [
        "Softmax 'probs': dim=0 is the batch, so each sample's output depends on the others in "
        "its batch; use dim=1 (or -1 for the last dimension)"
    ]


# ---- a residual block against hand-written PyTorch ----------------------------------


class ResidualReference(nn.Module):
    """What the graph below should mean, written by hand: x + fc2(relu(fc1(x)))."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(8, 8)
        self.fc2 = nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x))) + x


def test_residual_add_equals_hand_written_torch() -> None:
    doc = GraphDocument("Residual")
    x = doc.add_node("Input", name="x", params={"shape": [8]})
    fc1 = doc.add_node("Linear", name="fc1", params={"out_features": 8})
    relu = doc.add_node("ReLU", name="relu")
    fc2 = doc.add_node("Linear", name="fc2", params={"out_features": 8})
    add = doc.add_node("Add", name="skip")
    doc.connect(x.id, "out", fc1.id, "in")
    doc.connect(fc1.id, "out", relu.id, "in")
    doc.connect(relu.id, "out", fc2.id, "in")
    doc.connect(fc2.id, "out", add.id, "in1")
    doc.connect(x.id, "out", add.id, "in2")
    analysis = analyze(doc)
    assert not analysis.errors
    assert analysis.output_shape(add.id) == ("N", 8)

    torch.manual_seed(0)
    built = build_model(doc, analysis)
    reference = ResidualReference()
    reference.load_state_dict(built.model.state_dict())  # same keys, same weights
    assert "skip = fc2 + x" in built.code.source
    sample = torch.randn(5, 8)
    torch.testing.assert_close(built.model(sample), reference(sample), rtol=0, atol=0)


# ---- Step's gradient warning -------------------------------------------------------


_STUB_LOSS = NodeSpec(
    type_id="_StubLoss",
    category=Category.LOSS,
    role=Role.LOSS,
    title="Stub loss",
    explanation="A stand-in loss for tests, used when the real catalog has no MSELoss.",
    inputs=(Port("prediction"), Port("target")),
    outputs=(Port("loss", kind="loss"),),
    infer=lambda params, shapes: ((),),
    torch_class="torch.nn.MSELoss",
    module_args=lambda params, shapes: [],
)


@pytest.fixture
def loss_type(monkeypatch: pytest.MonkeyPatch) -> str:
    """MSELoss when the catalog has it, so this file does not depend on another family."""
    if registry.exists("MSELoss"):
        return "MSELoss"
    monkeypatch.setitem(registry._REGISTRY, _STUB_LOSS.type_id, _STUB_LOSS)
    return _STUB_LOSS.type_id


def _step_graph(loss_type: str, *, linear_first: bool) -> tuple[GraphDocument, str]:
    doc = GraphDocument("Perceptron")
    x = doc.add_node("Input", name="x", params={"shape": [2]})
    fc = doc.add_node("Linear", name="fc", params={"out_features": 1})
    step = doc.add_node("Step", name="fire")
    y = doc.add_node("Target", name="y", params={"shape": [1], "dtype": "float"})
    loss = doc.add_node(loss_type, name="loss")
    chain = [x, fc, step] if linear_first else [x, step, fc]
    for a, b in itertools.pairwise(chain):
        doc.connect(a.id, "out", b.id, "in")
    doc.connect(chain[-1].id, "out", loss.id, "prediction")
    doc.connect(y.id, "out", loss.id, "target")
    return doc, step.id


def test_step_after_a_trainable_layer_warns(loss_type: str) -> None:
    doc, step = _step_graph(loss_type, linear_first=True)
    analysis = analyze(doc)
    assert not analysis.errors, [p.message for p in analysis.errors]
    warnings = [p for p in analysis.problems_for(step) if p.code == "zero_gradient"]
    assert len(warnings) == 1
    assert warnings[0].message.startswith("Step 'fire' has zero gradient almost everywhere")


def test_step_with_nothing_trainable_before_it_does_not_warn(loss_type: str) -> None:
    doc, _ = _step_graph(loss_type, linear_first=False)
    analysis = analyze(doc)
    assert not analysis.errors, [p.message for p in analysis.errors]
    assert not [p for p in analysis.problems if p.code == "zero_gradient"]
    built = build_model(doc, analysis)
    out = built.model(torch.tensor([[0.5, -0.5], [-1.0, 0.0]]))
    assert out.shape == (2, 1)
