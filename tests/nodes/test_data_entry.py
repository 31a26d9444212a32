"""A data set's outputs enter the graph through an Input (x) and a Target (y).

Wiring a data set straight into a layer or a loss used to give three errors, one of
them telling the user to change a Target that did not exist. The analysis now names
the missing node on the wire itself, and entry_params configure the node to insert.
"""

from __future__ import annotations

import pytest

from nodes import registry
from nodes.analysis import analyze
from nodes.data_entry import entry_params, entry_type, needs_entry
from nodes.graph import GraphDocument
from nodes.layout import COLUMN, estimated_height, free_spot
from nodes.spec import Role

SOURCES = [spec.type_id for spec in registry.all_specs() if spec.role is Role.SOURCE]
WITHOUT_FILES = [t for t in SOURCES if t not in ("CsvData", "NumpyData")]


def classifier(doc: GraphDocument, data: str, x_into: str, y_into: str, y_port: str) -> None:
    """data -> (x_into) Linear -> ReLU -> Linear(2) -> CrossEntropy <- (y_into) ; Adam."""
    fc1 = doc.add_node("Linear", name="fc1").id
    relu = doc.add_node("ReLU").id
    fc2 = doc.add_node("Linear", name="fc2", params={"out_features": 2}).id
    loss = doc.add_node("CrossEntropyLoss", name="loss").id
    adam = doc.add_node("Adam").id
    doc.connect(x_into, "out" if x_into != data else "x", fc1, "in")
    doc.connect(fc1, "out", relu, "in")
    doc.connect(relu, "out", fc2, "in")
    doc.connect(fc2, "out", loss, "prediction")
    doc.connect(y_into, y_port, loss, "target")
    doc.connect(loss, "loss", adam, "loss")


def test_a_data_set_wired_straight_into_the_network_gets_one_error_per_wire_naming_the_fix() -> None:
    doc = GraphDocument("Direct")
    data = doc.add_node("Spirals", name="data").id
    classifier(doc, data, data, data, "y")
    problems = analyze(doc).problems
    wiring = [p for p in problems if p.code == "data_wiring"]
    assert [(p.edge.source_port, p.edge.target_port) for p in wiring] == [("x", "in"), ("y", "target")]
    assert wiring[0].message == (
        "Spirals 'data' feeds Linear 'fc1' directly; a data set's x (the features) enters "
        "through an Input node: drop an Input onto this wire"
    )
    assert "a Target node: drop a Target onto this wire" in wiring[1].message
    # Nothing else but the missing Input: no advice about a Target that is not there,
    # and no shape errors downstream of the wire at fault.
    assert sorted(p.code for p in problems) == ["data_wiring", "data_wiring", "no_input"]
    assert not any("Target's dtype" in p.message for p in problems)


@pytest.mark.parametrize("type_id", WITHOUT_FILES)
def test_entry_nodes_configured_from_the_data_set_make_a_trainable_graph(type_id: str) -> None:
    doc = GraphDocument("Through entries")
    data = doc.add_node(type_id, name="data").id
    shapes = analyze(doc).info[data].out_shapes
    x = doc.add_node(entry_type("x"), params=entry_params("x", shapes["x"])).id
    y = doc.add_node(entry_type("y"), params=entry_params("y", shapes["y"])).id
    doc.connect(data, "x", x, "data")
    doc.connect(data, "y", y, "data")
    analysis = analyze(doc)
    assert not [p.message for p in analysis.problems_for(x) + analysis.problems_for(y) if p.is_error]
    assert doc.node(y).params["dtype"] == ("class index" if shapes["y"] == ("N",) else "float")


def test_entry_params_default_when_the_shape_is_unknown() -> None:
    assert entry_params("x", None) == {} and entry_params("y", None) == {}
    assert entry_params("x", ("N", 1, 8, 8)) == {"shape": (1, 8, 8), "dtype": "float"}
    assert entry_params("y", ("N", 3)) == {"shape": (3,), "dtype": "float"}


def test_only_a_data_set_into_something_other_than_input_or_target_needs_an_entry() -> None:
    spirals, linear, inp, target, loss = map(
        registry.get, ("Spirals", "Linear", "Input", "Target", "MSELoss")
    )
    assert needs_entry(spirals, linear) and needs_entry(spirals, loss)
    assert not needs_entry(spirals, inp) and not needs_entry(spirals, target)
    assert not needs_entry(linear, loss) and not needs_entry(inp, linear)


def test_free_spot_moves_a_card_down_past_the_cards_it_would_touch() -> None:
    doc = GraphDocument("Crowded")
    below = [doc.add_node("Linear", position=(0.0, y)).id for y in (0.0, 140.0)]
    new = doc.add_node("ReLU", position=(30.0, 20.0)).id
    x, y = free_spot(doc, new)
    assert x == 40.0  # on the grid
    lowest = doc.node(below[1]).position[1] + estimated_height(doc, below[1])
    assert y >= lowest  # past both cards, not squeezed between them
    alone = doc.add_node("ReLU", position=(COLUMN * 3, 0.0)).id
    assert free_spot(doc, alone) == (COLUMN * 3, 0.0)  # nothing there: it stays


def test_a_target_wired_into_a_layer_gets_one_error_not_a_dtype_puzzle() -> None:
    # It used to come second, after "add an Embedding ... or set the Input's dtype to float".
    doc = GraphDocument("Answers into a layer")
    data = doc.add_node("Spirals", name="data").id
    y = doc.add_node("Target", name="y").id
    doc.connect(data, "y", y, "data")
    classifier(doc, data, y, y, "out")
    errors = [p for p in analyze(doc).problems if p.is_error]
    assert [p.code for p in errors] == ["no_input", "target_wiring"]  # (this graph has no Input)
    assert (
        errors[1].message
        == "Target 'y' holds the answers and can only feed a loss's target, not Linear 'fc1'"
    )


FEWER = "but Spirals 'data' has 3 classes; give it 3 outputs"


@pytest.mark.parametrize(
    ("outputs", "severity", "words"),
    [
        (1, "error", f"gives 1 class score to Cross-entropy 'loss' {FEWER}"),
        (2, "error", f"gives 2 class scores to Cross-entropy 'loss' {FEWER}"),
        (
            5,
            "warning",
            "gives 5 class scores to Cross-entropy 'loss' but Spirals 'data' has only 3 "
            "classes; 3 outputs are enough",
        ),
    ],
)
def test_a_class_count_mismatch_is_reported_on_the_layer_to_change(
    outputs: int, severity: str, words: str
) -> None:
    doc = GraphDocument("Classes")
    data = doc.add_node("Spirals", name="data", params={"classes": 3}).id
    x = doc.add_node("Input", name="x").id
    y = doc.add_node("Target", name="y").id
    doc.connect(data, "x", x, "data")
    doc.connect(data, "y", y, "data")
    classifier(doc, data, x, y, "out")
    fc2 = doc.find_by_name("fc2").id
    doc.set_param(fc2, "out_features", outputs)
    (problem,) = [p for p in analyze(doc).problems if p.code == "class_count"]
    assert problem.node_id == fc2 and problem.severity.value == severity
    assert problem.message == f"Linear 'fc2' {words}"


def test_a_data_set_through_entries_straight_into_the_loss_cannot_train() -> None:
    # Found in a newcomer trial: every check passed, then torch said "optimizer got an
    # empty parameter list ... this may be a bug in netcanvas".
    doc = GraphDocument("No layers")
    data = doc.add_node("Spirals", name="data").id
    x = doc.add_node("Input", name="x").id
    y = doc.add_node("Target", name="y").id
    loss = doc.add_node("CrossEntropyLoss", name="loss").id
    adam = doc.add_node("Adam").id
    doc.connect(data, "x", x, "data")
    doc.connect(data, "y", y, "data")
    doc.connect(x, "out", loss, "prediction")
    doc.connect(y, "out", loss, "target")
    doc.connect(loss, "loss", adam, "loss")
    analysis = analyze(doc)
    blockers = analysis.training_blockers()
    assert [p.code for p in blockers] == ["nothing_to_train"]
    assert blockers[0].node_id == loss
    assert blockers[0].message == (
        "Cross-entropy 'loss' is fed straight from Input 'x', so there is no network to "
        "train; put layers such as Linear between them"
    )
