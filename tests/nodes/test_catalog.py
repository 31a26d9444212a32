"""One harness over the whole node catalog, judged by PyTorch itself.

For every node type and every example configuration it declares: the defaults are
valid, the inferred output shape equals the shape torch produces, the parameter
count equals torch's, the generated code runs, and parameter values survive JSON.
A new node type is covered by declaring it with examples; nothing here changes.
"""

from __future__ import annotations

import importlib
import json

import pytest
import torch

from backends.module_builder import build_model
from nodes import registry
from nodes.analysis import analyze
from nodes.graph import GraphDocument
from nodes.params import ParamError
from nodes.spec import DType, NodeSpec, Role

SPECS = registry.all_specs()
CASES = [
    pytest.param(spec, index, id=f"{spec.type_id}-{index}")
    for spec in SPECS
    for index in range(len(spec.examples))
]
BATCH = 3


def resolve_dotted(path: str) -> object:
    module_name, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type_id)
def test_declaration_is_complete(spec: NodeSpec) -> None:
    assert spec.title and spec.short_name.isidentifier()
    assert len(spec.explanation) >= 80, "learners need a real explanation"
    assert spec.examples, "every node type declares examples for this harness and the docs"
    for name in spec.key_params:
        assert spec.has_param(name)
    for param in spec.params:
        assert param.coerce(param.default) == param.default, f"default of {param.name} is invalid"
    if spec.role is Role.OP and spec.torch_class is not None:
        assert spec.module_args is not None
    if spec.torch_class is not None:
        assert callable(resolve_dotted(spec.torch_class)), spec.torch_class


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type_id)
def test_a_refused_value_is_explained_in_the_words_the_inspector_shows(spec: NodeSpec) -> None:
    for param in spec.params:
        try:
            param.coerce(object())
        except ParamError as exc:
            message = str(exc)
        else:
            continue  # a parameter that takes anything
        assert message.startswith(param.display_name + " "), message
        if param.display_name != param.name.replace("_", " "):  # "learning rate (lr)": the file's key too
            assert message.startswith(f"{param.display_name} ({param.name}) "), message
        elif "_" in param.name:
            assert param.name not in message, message  # "in features", never "in_features"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type_id)
def test_parameters_round_trip_through_json(spec: NodeSpec) -> None:
    for overrides, _ in spec.examples:
        for name, value in {**spec.defaults(), **overrides}.items():
            param = spec.param(name)
            clean = param.coerce(value)
            assert param.coerce(json.loads(json.dumps(clean))) == clean


def _input_for(doc: GraphDocument, shape: tuple, tokens: bool, name: str) -> str:
    dtype = "token ids" if tokens else "float"
    return doc.add_node("Input", name=name, params={"shape": list(shape[1:]), "dtype": dtype}).id


def _tensor(shape: tuple, tokens: bool, high: int = 2) -> torch.Tensor:
    sizes = [BATCH if d == "N" else int(d) for d in shape]
    if tokens:
        return torch.randint(0, high, sizes)
    return torch.randn(sizes)


def _real_shape(shape: tuple) -> tuple[int, ...]:
    return tuple(BATCH if d == "N" else int(d) for d in shape)


def _op_case(spec: NodeSpec, overrides: dict, shapes: tuple) -> None:
    doc = GraphDocument("Case")
    node = doc.add_node(spec.type_id, params=overrides)
    tokens = spec.input_dtype is DType.INDEX
    for port, shape in zip(spec.input_ports(node.params), shapes, strict=True):
        source = _input_for(doc, shape, tokens, f"in_{port.name}")
        doc.connect(source, "out", node.id, port.name)
    analysis = analyze(doc)
    assert not analysis.errors, [p.message for p in analysis.errors]
    expected = analysis.output_shape(node.id)
    built = build_model(doc, analysis)
    inputs = [_tensor(s, tokens) for s in shapes]
    built.model.eval()
    with torch.no_grad():
        output = built.model(*inputs)
    assert tuple(output.shape) == _real_shape(expected)
    trainable = sum(p.numel() for p in built.model.parameters() if p.requires_grad)
    buffers = sum(b.numel() for b in built.model.buffers())
    count = analysis.info[node.id].count
    assert (count.trainable, count.non_trainable) == (trainable, buffers)


def _loss_case(spec: NodeSpec, overrides: dict, shapes: tuple) -> None:
    prediction, target = shapes
    class_index = len(target) != len(prediction)
    doc = GraphDocument("Case")
    node = doc.add_node(spec.type_id, params=overrides)
    x = _input_for(doc, prediction, False, "prediction")
    y = doc.add_node(
        "Target",
        params={"shape": list(target[1:]), "dtype": "class index" if class_index else "float"},
    )
    doc.connect(x, "out", node.id, "prediction")
    doc.connect(y.id, "out", node.id, "target")
    analysis = analyze(doc)
    assert not analysis.errors, [p.message for p in analysis.errors]
    assert analysis.output_shape(node.id, spec.outputs[0].name) == ()
    built = build_model(doc, analysis)
    pred = torch.rand(_real_shape(prediction)) * 0.98 + 0.01  # valid for BCE too
    if class_index:
        goal = torch.randint(0, int(prediction[1]), _real_shape(target))
    else:
        goal = torch.rand(_real_shape(target))
    value = built.make_loss()(pred, goal)
    assert value.shape == () and torch.isfinite(value)
    assert isinstance(built.make_loss(), resolve_dotted(spec.torch_class))


def _optimizer_case(spec: NodeSpec, overrides: dict, shapes: tuple) -> None:
    doc = GraphDocument("Case")
    x = doc.add_node("Input", params={"shape": [4]})
    fc = doc.add_node("Linear", params={"out_features": 1})
    y = doc.add_node("Target", params={"shape": [1], "dtype": "float"})
    loss = doc.add_node("MSELoss")
    opt = doc.add_node(spec.type_id, params=overrides)
    doc.connect(x.id, "out", fc.id, "in")
    doc.connect(fc.id, "out", loss.id, "prediction")
    doc.connect(y.id, "out", loss.id, "target")
    doc.connect(loss.id, "loss", opt.id, "loss")
    analysis = analyze(doc)
    assert not analysis.errors, [p.message for p in analysis.errors]
    # Everything is in place for training except a data set, which this case leaves out.
    assert [p.code for p in analysis.training_blockers()] == ["data"]
    built = build_model(doc, analysis)
    optimizer = built.make_optimizer()
    assert isinstance(optimizer, resolve_dotted(spec.torch_class))
    group = optimizer.param_groups[0]
    params = {**spec.defaults(), **overrides}
    assert group["lr"] == pytest.approx(params["lr"])
    before = [p.detach().clone() for p in built.model.parameters()]
    value = built.make_loss()(built.model(torch.randn(8, 4)), torch.randn(8, 1))
    value.backward()
    optimizer.step()
    assert any(not torch.equal(a, b) for a, b in zip(before, built.model.parameters(), strict=True))


def _data_case(spec: NodeSpec, overrides: dict, shapes: tuple) -> None:
    doc = GraphDocument("Case")
    node = doc.add_node(spec.type_id, params=overrides)
    analysis = analyze(doc)
    params = {**spec.defaults(), **overrides}
    if "shape" in params:
        assert analysis.output_shape(node.id, spec.outputs[0].name) == ("N", *params["shape"])


@pytest.mark.parametrize(("spec", "index"), CASES)
def test_example_matches_torch(spec: NodeSpec, index: int) -> None:
    overrides, shapes = spec.examples[index]
    torch.manual_seed(index)
    if spec.role is Role.OP:
        _op_case(spec, overrides, shapes)
    elif spec.role is Role.LOSS:
        _loss_case(spec, overrides, shapes)
    elif spec.role is Role.OPTIMIZER:
        _optimizer_case(spec, overrides, shapes)
    else:
        _data_case(spec, overrides, shapes)
