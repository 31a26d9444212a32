"""Losses and optimizers judged by torch: values, messages, advice and hyperparameters.

The catalog harness checks that every loss and optimizer runs. Here the generated
loss must give the same number as torch.nn.functional for the same tensors, each
wrong Target gets a message that says what to change, each piece of advice appears
exactly when it should, and every optimizer setting lands in torch's param_groups.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from backends.module_builder import build_model
from nodes import registry
from nodes.analysis import Analysis, analyze
from nodes.graph import GraphDocument
from nodes.params import FloatParam, ParamError
from nodes.shapes import ShapeError
from nodes.spec import Category, Role

BATCH = 4
LOSSES = ["MSELoss", "L1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss"]
OPTIMIZERS = ["SGD", "RMSprop", "Adam", "AdamW", "Adagrad"]


def loss_graph(
    loss_type: str,
    prediction: tuple[int, ...],
    target: tuple[int, ...],
    *,
    target_dtype: str = "float",
    params: dict[str, Any] | None = None,
    source: str | None = None,
    input_dtype: str = "float",
) -> tuple[GraphDocument, str]:
    """Input(prediction) [-> source] -> loss <- Target(target); returns the doc and loss id."""
    doc = GraphDocument("LossCase")
    x = doc.add_node("Input", name="x", params={"shape": list(prediction), "dtype": input_dtype})
    y = doc.add_node("Target", name="y", params={"shape": list(target), "dtype": target_dtype})
    loss = doc.add_node(loss_type, name="loss", params=params or {})
    feed = x.id
    if source is not None:
        feed = doc.add_node(source, name="act").id
        doc.connect(x.id, "out", feed, "in")
    doc.connect(feed, "out", loss.id, "prediction")
    doc.connect(y.id, "out", loss.id, "target")
    return doc, loss.id


def messages(analysis: Analysis, code: str, node_id: str | None = None) -> list[str]:
    return [
        p.message for p in analysis.problems if p.code == code and (node_id is None or p.node_id == node_id)
    ]


def test_every_loss_and_optimizer_is_registered() -> None:
    for type_id in LOSSES:
        spec = registry.get(type_id)
        assert (spec.category, spec.role) == (Category.LOSS, Role.LOSS)
        assert [p.name for p in spec.inputs] == ["prediction", "target"]
        assert [(p.name, p.kind) for p in spec.outputs] == [("loss", "loss")]
    for type_id in OPTIMIZERS:
        spec = registry.get(type_id)
        assert (spec.category, spec.role) == (Category.OPTIMIZER, Role.OPTIMIZER)
        assert [(p.name, p.kind) for p in spec.inputs] == [("loss", "loss")]
        assert spec.outputs == ()


# -- loss values: generated code against torch.nn.functional -------------------------------


def _probabilities(*sizes: int) -> torch.Tensor:
    return torch.rand(sizes) * 0.98 + 0.01


def _classes(high: int, *sizes: int) -> torch.Tensor:
    return torch.randint(0, high, sizes)


LossRef = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

VALUE_CASES: list[tuple[str, dict[str, Any], tuple, tuple, str, Callable[[], tuple], LossRef]] = [
    (
        "MSELoss",
        {},
        (3,),
        (3,),
        "float",
        lambda: (torch.randn(BATCH, 3), torch.randn(BATCH, 3)),
        F.mse_loss,
    ),
    (
        "L1Loss",
        {},
        (2, 4),
        (2, 4),
        "float",
        lambda: (torch.randn(BATCH, 2, 4), torch.randn(BATCH, 2, 4)),
        F.l1_loss,
    ),
    (
        "HuberLoss",
        {},
        (1,),
        (1,),
        "float",
        lambda: (torch.randn(BATCH, 1) * 3, torch.randn(BATCH, 1)),
        F.huber_loss,
    ),
    (
        "HuberLoss",
        {"delta": 0.5},
        (3,),
        (3,),
        "float",
        lambda: (torch.randn(BATCH, 3) * 3, torch.randn(BATCH, 3)),
        lambda p, t: F.huber_loss(p, t, delta=0.5),
    ),
    (
        "BCELoss",
        {},
        (1,),
        (1,),
        "float",
        lambda: (_probabilities(BATCH, 1), _classes(2, BATCH, 1).float()),
        F.binary_cross_entropy,
    ),
    (
        "BCEWithLogitsLoss",
        {},
        (4,),
        (4,),
        "float",
        lambda: (torch.randn(BATCH, 4) * 4, _classes(2, BATCH, 4).float()),
        F.binary_cross_entropy_with_logits,
    ),
    (
        "CrossEntropyLoss",
        {},
        (5,),
        (),
        "class index",
        lambda: (torch.randn(BATCH, 5), _classes(5, BATCH)),
        F.cross_entropy,
    ),
    (
        "CrossEntropyLoss",
        {"label_smoothing": 0.2},
        (4, 6),
        (6,),
        "class index",
        lambda: (torch.randn(BATCH, 4, 6), _classes(4, BATCH, 6)),
        lambda p, t: F.cross_entropy(p, t, label_smoothing=0.2),
    ),
    (
        "CrossEntropyLoss",
        {},
        (3,),
        (3,),
        "float",
        lambda: (torch.randn(BATCH, 3), torch.softmax(torch.randn(BATCH, 3), dim=1)),
        F.cross_entropy,
    ),
    (
        "NLLLoss",
        {},
        (5,),
        (),
        "class index",
        lambda: (torch.log_softmax(torch.randn(BATCH, 5), dim=1), _classes(5, BATCH)),
        F.nll_loss,
    ),
    (
        "NLLLoss",
        {},
        (3, 4, 4),
        (4, 4),
        "class index",
        lambda: (torch.log_softmax(torch.randn(BATCH, 3, 4, 4), dim=1), _classes(3, BATCH, 4, 4)),
        F.nll_loss,
    ),
]


@pytest.mark.parametrize(
    ("loss_type", "params", "prediction", "target", "dtype", "tensors", "reference"),
    VALUE_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(VALUE_CASES)],
)
def test_generated_loss_equals_torch_functional(
    loss_type: str,
    params: dict[str, Any],
    prediction: tuple,
    target: tuple,
    dtype: str,
    tensors: Callable[[], tuple],
    reference: LossRef,
) -> None:
    doc, _ = loss_graph(loss_type, prediction, target, target_dtype=dtype, params=params)
    built = build_model(doc)
    torch.manual_seed(0)
    pred, goal = tensors()
    value = built.make_loss()(pred, goal)
    expected = reference(pred, goal)
    assert value.shape == ()
    assert torch.equal(value, expected), (value.item(), expected.item())


@pytest.mark.parametrize(
    ("loss_type", "params", "line"),
    [
        ("MSELoss", {}, "return nn.MSELoss()"),
        ("L1Loss", {}, "return nn.L1Loss()"),
        ("HuberLoss", {}, "return nn.HuberLoss()"),
        ("HuberLoss", {"delta": 0.5}, "return nn.HuberLoss(delta=0.5)"),
        ("CrossEntropyLoss", {}, "return nn.CrossEntropyLoss()"),
        ("CrossEntropyLoss", {"label_smoothing": 0.1}, "return nn.CrossEntropyLoss(label_smoothing=0.1)"),
    ],
)
def test_loss_code_omits_torch_defaults(loss_type: str, params: dict[str, Any], line: str) -> None:
    dtype = "class index" if loss_type == "CrossEntropyLoss" else "float"
    target = () if dtype == "class index" else (3,)
    doc, _ = loss_graph(loss_type, (3,), target, target_dtype=dtype, params=params)
    source = build_model(doc).code.source
    assert f"    {line}\n" in source


# -- shape and dtype messages --------------------------------------------------------------


@pytest.mark.parametrize(
    ("loss_type", "prediction", "target", "dtype", "expected"),
    [
        (
            "MSELoss",
            (1,),
            (),
            "float",
            "MSE 'loss' expects a target shaped like the prediction (N, 1) but receives (N,); "
            "set the Target's shape to [1]",
        ),
        (
            "L1Loss",
            (2, 3),
            (3, 2),
            "float",
            "MAE (L1) 'loss' expects a target shaped like the prediction (N, 2, 3) but receives "
            "(N, 3, 2); set the Target's shape to [2, 3]",
        ),
        (
            "BCEWithLogitsLoss",
            (1,),
            (),
            "float",
            "BCE with logits 'loss' expects a target shaped like the prediction (N, 1) but receives "
            "(N,); set the Target's shape to [1]",
        ),
        (
            "MSELoss",
            (1,),
            (),
            "class index",
            "MSE 'loss' expects real-valued targets but receives class indices; set the Target's "
            "dtype to float and its shape to [1]",
        ),
        (
            "HuberLoss",
            (2,),
            (2,),
            "class index",
            "Huber 'loss' expects real-valued targets but receives class indices; set the Target's "
            "dtype to float",
        ),
        (
            "BCELoss",
            (3,),
            (3,),
            "class index",
            "Binary cross-entropy 'loss' expects float targets between 0 and 1 but receives class "
            "indices; set the Target's dtype to float",
        ),
        (
            "CrossEntropyLoss",
            (5,),
            (3,),
            "float",
            "Cross-entropy 'loss' expects class indices shaped (N,) or class probabilities shaped like "
            "the prediction (N, 5) but receives (N, 3); for class indices set the Target's shape to "
            "[] and its dtype to 'class index'",
        ),
        (
            "CrossEntropyLoss",
            (5,),
            (),
            "float",
            "Cross-entropy 'loss' expects class indices (whole numbers) for a target shaped (N,) but "
            "receives real values; set the Target's dtype to 'class index', or its shape to [5] for "
            "class probabilities",
        ),
        (
            "CrossEntropyLoss",
            (5,),
            (5,),
            "class index",
            "Cross-entropy 'loss' expects class probabilities (real values) for a target shaped like "
            "the prediction (N, 5) but receives class indices; set the Target's dtype to float, or "
            "its shape to [] for class indices",
        ),
        (
            "NLLLoss",
            (5,),
            (5,),
            "float",
            "NLL 'loss' expects class indices shaped (N,) for a prediction (N, 5) but receives (N, 5); "
            "set the Target's shape to [] and its dtype to 'class index'",
        ),
        (
            "NLLLoss",
            (3, 4, 4),
            (4,),
            "class index",
            "NLL 'loss' expects class indices shaped (N, 4, 4) for a prediction (N, 3, 4, 4) but "
            "receives (N, 4); set the Target's shape to [4, 4] and its dtype to 'class index'",
        ),
        (
            "NLLLoss",
            (5,),
            (),
            "float",
            "NLL 'loss' expects class indices (whole numbers) for a target shaped (N,) but receives "
            "real values; set the Target's dtype to 'class index'",
        ),
    ],
)
def test_mismatched_target_is_explained(
    loss_type: str, prediction: tuple, target: tuple, dtype: str, expected: str
) -> None:
    doc, loss = loss_graph(loss_type, prediction, target, target_dtype=dtype)
    analysis = analyze(doc)
    assert messages(analysis, "shape", loss) == [expected]
    assert not analysis.can_build


@pytest.mark.parametrize("loss_type", ["MSELoss", "CrossEntropyLoss"])
def test_integer_predictions_are_refused(loss_type: str) -> None:
    target_dtype = "class index" if loss_type == "CrossEntropyLoss" else "float"
    target = () if loss_type == "CrossEntropyLoss" else (3,)
    doc, loss = loss_graph(loss_type, (3,), target, target_dtype=target_dtype, input_dtype="token ids")
    title = registry.get(loss_type).title
    assert messages(analyze(doc), "shape", loss) == [
        f"{title} 'loss' expects real-valued predictions but receives integer ids; feed it the "
        "output of a layer such as Linear"
    ]


@pytest.mark.parametrize("loss_type", ["CrossEntropyLoss", "NLLLoss"])
def test_classification_needs_a_class_dimension(loss_type: str) -> None:
    spec = registry.get(loss_type)
    with pytest.raises(ShapeError, match=r"expects class scores shaped \(N, classes\) but receives \(N,\)"):
        spec.infer(spec.defaults(), [("N",), ("N",)])


@pytest.mark.parametrize(
    ("loss_type", "prediction", "target", "dtype"),
    [
        ("MSELoss", (1,), (1,), "float"),
        ("BCELoss", (2, 3), (2, 3), "float"),
        ("CrossEntropyLoss", (5,), (), "class index"),
        ("CrossEntropyLoss", (5, 7), (7,), "class index"),
        ("CrossEntropyLoss", (5,), (5,), "float"),
        ("NLLLoss", (5, 2, 2), (2, 2), "class index"),
    ],
)
def test_matching_targets_have_no_errors(
    loss_type: str, prediction: tuple, target: tuple, dtype: str
) -> None:
    doc, loss = loss_graph(loss_type, prediction, target, target_dtype=dtype)
    analysis = analyze(doc)
    assert not analysis.errors, [p.message for p in analysis.errors]
    assert analysis.output_shape(loss, "loss") == ()


# -- advice ------------------------------------------------------------------------------

SOFTMAX_CE = "CrossEntropyLoss applies log-softmax itself; remove the Softmax"
SIGMOID_CE = "CrossEntropyLoss expects raw scores (logits); the Sigmoid before it"
NO_LOG_SOFTMAX = "NLLLoss expects log-probabilities; add a LogSoftmax (over dim 1) before it"
SOFTMAX_NLL = "replace the Softmax with LogSoftmax"
BCE_NO_SIGMOID = (
    "its prediction does not come from a Sigmoid; add a Sigmoid before it, or better, use BCEWithLogitsLoss"
)
BCE_LOGITS_SIGMOID = "BCEWithLogitsLoss applies the sigmoid itself; remove the Sigmoid"
ONE_CLASS = "the prediction has a single class score, and cross-entropy over one class is always zero"

INDEX = "class index"


@pytest.mark.parametrize(
    ("loss_type", "source", "prediction", "target", "dtype", "expected"),
    [
        ("CrossEntropyLoss", "Softmax", (5,), (), INDEX, SOFTMAX_CE),
        ("CrossEntropyLoss", "Sigmoid", (5,), (), INDEX, SIGMOID_CE),
        ("CrossEntropyLoss", "Identity", (5,), (), INDEX, None),
        ("CrossEntropyLoss", "LogSoftmax", (5,), (), INDEX, None),
        ("CrossEntropyLoss", None, (1,), (), INDEX, ONE_CLASS),
        ("CrossEntropyLoss", None, (1,), (1,), "float", None),
        ("NLLLoss", "LogSoftmax", (5,), (), INDEX, None),
        ("NLLLoss", "Identity", (5,), (), INDEX, NO_LOG_SOFTMAX),
        ("NLLLoss", "Softmax", (5,), (), INDEX, SOFTMAX_NLL),
        ("NLLLoss", "LogSoftmax", (1,), (), INDEX, ONE_CLASS),
        ("BCELoss", "Sigmoid", (1,), (1,), "float", None),
        ("BCELoss", "Identity", (1,), (1,), "float", BCE_NO_SIGMOID),
        ("BCELoss", "Softmax", (3,), (3,), "float", BCE_NO_SIGMOID),
        ("BCEWithLogitsLoss", "Sigmoid", (1,), (1,), "float", BCE_LOGITS_SIGMOID),
        ("BCEWithLogitsLoss", "Identity", (1,), (1,), "float", None),
        ("MSELoss", "Sigmoid", (1,), (1,), "float", None),
        ("MSELoss", "Softmax", (3,), (3,), "float", None),
    ],
)
def test_advice_appears_exactly_when_it_should(
    loss_type: str, source: str | None, prediction: tuple, target: tuple, dtype: str, expected: str | None
) -> None:
    doc, loss = loss_graph(loss_type, prediction, target, target_dtype=dtype, source=source)
    analysis = analyze(doc)
    assert not analysis.errors, [p.message for p in analysis.errors]
    advice = messages(analysis, "advice", loss)
    if expected is None:
        assert advice == []
    else:
        assert len(advice) == 1 and expected in advice[0], advice
        title = registry.get(loss_type).title
        assert advice[0].startswith(f"{title} 'loss': ")
        assert all(not p.is_error for p in analysis.problems_for(loss))


# -- optimizers ------------------------------------------------------------------------------


def optimizer_graph(optimizer_type: str, params: dict[str, Any]) -> GraphDocument:
    doc = GraphDocument("OptimizerCase")
    x = doc.add_node("Input", name="x", params={"shape": [4]})
    fc = doc.add_node("Linear", name="fc", params={"out_features": 2})
    y = doc.add_node("Target", name="y", params={"shape": [2], "dtype": "float"})
    loss = doc.add_node("MSELoss", name="loss")
    opt = doc.add_node(optimizer_type, name="opt", params=params)
    doc.connect(x.id, "out", fc.id, "in")
    doc.connect(fc.id, "out", loss.id, "prediction")
    doc.connect(y.id, "out", loss.id, "target")
    doc.connect(loss.id, "loss", opt.id, "loss")
    return doc


@pytest.mark.parametrize(
    ("optimizer_type", "params", "group"),
    [
        ("SGD", {}, {"lr": 0.01, "momentum": 0, "nesterov": False, "weight_decay": 0, "dampening": 0}),
        (
            "SGD",
            {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 5e-4},
            {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 5e-4, "dampening": 0},
        ),
        (
            "RMSprop",
            {},
            {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "momentum": 0, "weight_decay": 0, "centered": False},
        ),
        (
            "RMSprop",
            {"lr": 0.001, "alpha": 0.9, "eps": 1e-6, "momentum": 0.5, "weight_decay": 0.01, "centered": True},
            {"lr": 0.001, "alpha": 0.9, "eps": 1e-6, "momentum": 0.5, "weight_decay": 0.01, "centered": True},
        ),
        (
            "Adam",
            {},
            {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "amsgrad": False},
        ),
        (
            "Adam",
            {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 1e-3, "amsgrad": True},
            {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 1e-3, "amsgrad": True},
        ),
        (
            "AdamW",
            {},
            {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01, "amsgrad": False},
        ),
        (
            "AdamW",
            {"lr": 3e-4, "beta2": 0.95, "weight_decay": 0.0},
            {"lr": 3e-4, "betas": (0.9, 0.95), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False},
        ),
        ("Adagrad", {}, {"lr": 0.01, "lr_decay": 0, "weight_decay": 0, "eps": 1e-10}),
        (
            "Adagrad",
            {"lr": 0.1, "lr_decay": 0.001, "weight_decay": 1e-4, "eps": 1e-9},
            {"lr": 0.1, "lr_decay": 0.001, "weight_decay": 1e-4, "eps": 1e-9},
        ),
    ],
)
def test_hyperparameters_land_in_param_groups(
    optimizer_type: str, params: dict[str, Any], group: dict[str, Any]
) -> None:
    built = build_model(optimizer_graph(optimizer_type, params))
    optimizer = built.make_optimizer()
    assert type(optimizer).__name__ == optimizer_type
    actual = optimizer.param_groups[0]
    assert {key: actual[key] for key in group} == group
    assert len(actual["params"]) == 2  # the Linear's weight and bias


@pytest.mark.parametrize("optimizer_type", OPTIMIZERS)
def test_defaults_match_torch_apart_from_the_learning_rate(optimizer_type: str) -> None:
    """Every default besides lr is torch's own, so defaults are omitted from code honestly."""
    built = build_model(optimizer_graph(optimizer_type, {}))
    ours = built.make_optimizer().param_groups[0]
    torch_class = getattr(torch.optim, optimizer_type)
    reference = torch_class(built.model.parameters(), lr=ours["lr"]).param_groups[0]
    assert {k: v for k, v in ours.items() if k != "params"} == {
        k: v for k, v in reference.items() if k != "params"
    }


@pytest.mark.parametrize(
    ("optimizer_type", "params", "line"),
    [
        ("SGD", {}, "torch.optim.SGD(model.parameters(), lr=0.01)"),
        (
            "SGD",
            {"lr": 0.1, "momentum": 0.9, "nesterov": True},
            "torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)",
        ),
        ("Adam", {}, "torch.optim.Adam(model.parameters(), lr=0.001)"),
        (
            "Adam",
            {"beta1": 0.5},
            "torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.5, 0.999))",
        ),
        ("AdamW", {}, "torch.optim.AdamW(model.parameters(), lr=0.001)"),
        ("AdamW", {"weight_decay": 0.0}, "torch.optim.AdamW(model.parameters(), lr=0.001, weight_decay=0.0)"),
        ("RMSprop", {"centered": True}, "torch.optim.RMSprop(model.parameters(), lr=0.01, centered=True)"),
        ("Adagrad", {"lr_decay": 0.01}, "torch.optim.Adagrad(model.parameters(), lr=0.01, lr_decay=0.01)"),
    ],
)
def test_optimizer_code_writes_lr_and_non_defaults(
    optimizer_type: str, params: dict[str, Any], line: str
) -> None:
    source = build_model(optimizer_graph(optimizer_type, params)).code.source
    assert f"    return {line}\n" in source


def test_nesterov_without_momentum_names_the_fix() -> None:
    analysis = analyze(optimizer_graph("SGD", {"nesterov": True}))
    assert [p.message for p in analysis.errors] == [
        "SGD 'opt' uses Nesterov momentum but momentum is 0; set momentum above 0 (0.9 is usual) "
        "or turn nesterov off"
    ]
    assert not analysis.can_train


@pytest.mark.parametrize("optimizer_type", OPTIMIZERS)
def test_learning_rate_is_a_positive_log_scale_number(optimizer_type: str) -> None:
    lr = registry.get(optimizer_type).param("lr")
    assert isinstance(lr, FloatParam) and lr.log_scale
    with pytest.raises(ParamError, match=r"learning rate \(lr\) must be greater than 0, got 0"):
        lr.coerce(0)
    with pytest.raises(ParamError, match=r"learning rate \(lr\) must be at most 10"):
        lr.coerce(50)
    assert lr.coerce("1e-4") == 1e-4


@pytest.mark.parametrize("optimizer_type", OPTIMIZERS)
def test_a_training_step_lowers_the_loss(optimizer_type: str) -> None:
    torch.manual_seed(0)
    built = build_model(optimizer_graph(optimizer_type, {}))
    optimizer, loss_fn = built.make_optimizer(), built.make_loss()
    x, y = torch.randn(32, 4), torch.randn(32, 2)
    before = loss_fn(built.model(x), y).item()
    for _ in range(5):
        optimizer.zero_grad()
        loss_fn(built.model(x), y).backward()
        optimizer.step()
    assert loss_fn(built.model(x), y).item() < before
