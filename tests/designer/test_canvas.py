"""The canvas drives and mirrors the document: real scene, real view, offscreen.

Mouse gestures are sent with QTest to the view's viewport, so they travel the same
path as a user's: view -> scene -> interaction -> controller -> command -> document
-> event -> scene.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage, QPalette, QWheelEvent
from PySide6.QtTest import QTest

from designer.canvas import NODE_MIME, CanvasView, GraphScene
from designer.canvas.card_content import format_value
from designer.canvas.port_item import PortState
from designer.canvas.style import GRID, build_style, gradient_colour, gradient_fraction, palette_is_dark
from designer.controller import DocumentController
from nodes import registry
from nodes.graph import Edge, GraphDocument
from nodes.layout import estimated_height
from nodes.shapes import format_shape

pytestmark = pytest.mark.gui

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "resources" / "examples").glob("*.json"))


@pytest.fixture
def controller(qtbot) -> DocumentController:
    return DocumentController()


@pytest.fixture
def scene(controller: DocumentController) -> GraphScene:
    return GraphScene(controller)


@pytest.fixture
def view(qtbot, scene: GraphScene) -> CanvasView:
    view = CanvasView(scene)
    view.resize(1000, 600)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return view


def at(view: CanvasView, scene_pos: QPointF) -> QPoint:
    return view.mapFromScene(scene_pos)


def drag(view: CanvasView, start: QPointF, end: QPointF, steps: int = 5) -> None:
    """Left-drag on the viewport from one scene point to another, as a user would."""
    port = view.viewport()
    a, b = at(view, start), at(view, end)
    QTest.mousePress(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, steps + 1):
        QTest.mouseMove(port, a + (b - a) * i / steps)
    QTest.mouseRelease(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def two_nodes(controller: DocumentController) -> tuple[str, str]:
    x = controller.add_node("Input", (0, 0), params={"shape": [4]})
    fc = controller.add_node("Linear", (240, 60))
    assert x and fc
    controller.reanalyze()
    return x, fc


def drop(view: CanvasView, type_id: str, scene_pos: QPointF) -> None:
    mime = QMimeData()
    mime.setData(NODE_MIME, type_id.encode("utf-8"))
    event = QDropEvent(
        QPointF(at(view, scene_pos)),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    view.dropEvent(event)


# ---- the scene mirrors the document ------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_scene_mirrors_every_example(controller: DocumentController, scene: GraphScene, path: Path) -> None:
    controller.load(path)
    doc, analysis = controller.doc, controller.analysis
    assert analysis is not None
    assert {i.node_id for i in scene.node_items()} == set(doc.iter_ids())
    for node in doc.nodes():
        item = scene.node_item(node.id)
        assert item is not None and (item.x(), item.y()) == node.position
        assert item.content.name == node.name
    assert {w.edge for w in scene.wire_items()} == set(doc.edges())
    for edge in doc.edges():
        wire = scene.wire_item(edge)
        assert wire is not None
        assert wire.shape_text == format_shape(analysis.edge_shapes[edge])
        # The wire runs from the output port to the input port.
        assert wire.source.scenePos() == wire.source.parentItem().mapToScene(wire.source.pos())
        assert wire.source.name == edge.source_port and wire.target.name == edge.target_port
        assert wire.source.connected and wire.target.connected


def test_cards_show_shapes_counts_and_inferred_values(
    controller: DocumentController, scene: GraphScene
) -> None:
    controller.load(next(p for p in EXAMPLES if p.stem == "spiral_mlp"))
    fc1 = scene.node_item(controller.doc.find_by_name("fc1").id)
    assert fc1.content.title == "Linear"
    assert fc1.content.params == [("out features", "64", False)]
    assert fc1.content.out_shapes == [("out", "(N, 64)")]
    assert fc1.content.count_text == "192 params"  # 2*64 + 64

    bn = controller.add_node("LayerNorm", (0, 300))
    controller.connect_ports(fc1.node_id, "out", bn, "in")
    controller.reanalyze()
    # "auto" shows the value analysis inferred from the incoming wire.
    assert scene.node_item(bn).content.params[0] == ("normalized size", "64", True)


def test_param_change_updates_the_card(controller: DocumentController, scene: GraphScene) -> None:
    x, fc = two_nodes(controller)
    controller.connect_ports(x, "out", fc, "in")
    assert scene.node_item(fc).content.params == [("out features", "16", False)]
    controller.set_param(fc, "out_features", 33)
    assert scene.node_item(fc).content.params == [("out features", "33", False)]  # before analysis
    controller.reanalyze()
    assert scene.node_item(fc).content.out_shapes == [("out", "(N, 33)")]
    controller.undo_stack.undo()
    assert scene.node_item(fc).content.params == [("out features", "16", False)]


def test_rename_and_move_events_update_items(controller: DocumentController, scene: GraphScene) -> None:
    x, fc = two_nodes(controller)
    controller.connect_ports(x, "out", fc, "in")
    controller.rename(fc, "hidden")
    assert scene.node_item(fc).content.name == "hidden"
    assert "hidden.in" in scene.wire_item(Edge(x, "out", fc, "in")).toolTip()
    wire = scene.wire_item(Edge(x, "out", fc, "in"))
    before = wire.boundingRect()
    controller.move_nodes({fc: ((240, 60), (400, 200))})
    assert scene.node_item(fc).pos() == QPointF(400, 200)
    assert wire.boundingRect() != before  # the wire followed
    assert wire.target.scenePos() == scene.node_item(fc).mapToScene(wire.target.pos())


def test_variadic_merge_grows_ports(controller: DocumentController, scene: GraphScene) -> None:
    add = controller.add_node("Add", (0, 0))
    assert list(scene.node_item(add).in_ports) == ["in1", "in2"]
    controller.set_param(add, "inputs", 4)
    assert list(scene.node_item(add).in_ports) == ["in1", "in2", "in3", "in4"]


def test_document_replaced_rebuilds(controller: DocumentController, scene: GraphScene) -> None:
    two_nodes(controller)
    doc = GraphDocument()
    doc.add_node("ReLU", node_id="only")
    controller.set_document(doc, None)
    assert [i.node_id for i in scene.node_items()] == ["only"]
    assert scene.wire_items() == []


# ---- problems -----------------------------------------------------------------------------


def test_errors_appear_on_the_node_at_fault(controller: DocumentController, scene: GraphScene) -> None:
    x, fc = two_nodes(controller)
    controller.set_param(fc, "in_features", 3)
    controller.connect_ports(x, "out", fc, "in")
    analysis = controller.reanalyze()
    messages = [p.message for p in analysis.problems_for(fc) if p.is_error]
    assert messages and "expects 3 input features but receives 4" in messages[0]
    item = scene.node_item(fc)
    assert item.has_error and item.content.errors == messages
    assert messages[0] in item.toolTip()
    assert not scene.node_item(x).has_error
    controller.set_param(fc, "in_features", None)
    controller.reanalyze()
    assert not item.has_error and messages[0] not in item.toolTip()


def test_warnings_and_wire_problems(controller: DocumentController, scene: GraphScene) -> None:
    controller.add_node("Input", (0, 0))
    analysis = controller.reanalyze()
    item = scene.node_items()[0]
    assert not item.has_error and item.has_warning  # "not connected to anything"
    assert item.content.warnings == [p.message for p in analysis.problems_for(item.node_id)]

    # A Target wired into a layer: the problem names that wire, which turns red.
    target = controller.add_node("Target", (0, 200))
    relu = controller.add_node("ReLU", (200, 200))
    controller.connect_ports(target, "out", relu, "in")
    controller.reanalyze()
    wire = scene.wire_item(Edge(target, "out", relu, "in"))
    assert wire.has_error and "holds the answers" in wire.toolTip()


# ---- drawing a wire -----------------------------------------------------------------------


def test_drag_a_wire_between_ports_with_the_mouse(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    x, fc = two_nodes(controller)
    out = scene.node_item(x).out_ports["out"]
    inp = scene.node_item(fc).in_ports["in"]
    steps = controller.undo_stack.count()
    drag(view, out.scenePos(), inp.scenePos())
    assert controller.doc.edges() == [Edge(x, "out", fc, "in")]
    assert controller.undo_stack.count() == steps + 1
    assert all(p.state is PortState.NORMAL for p in scene.all_ports())
    assert [i for i in scene.items() if type(i).__name__ == "DraftWire"] == []
    controller.undo_stack.undo()
    assert controller.doc.edges() == []
    assert scene.wire_items() == []


def test_drag_from_input_to_output_and_onto_a_card(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    x, fc = two_nodes(controller)
    inp = scene.node_item(fc).in_ports["in"]
    card = scene.node_item(x)
    # Released on the Input's card rather than exactly on its port: its free output is used.
    drag(view, inp.scenePos(), card.mapToScene(card.name_rect().center()))
    assert controller.doc.edges() == [Edge(x, "out", fc, "in")]


def test_compatible_ports_highlight_while_dragging(controller: DocumentController, scene: GraphScene) -> None:
    x, fc = two_nodes(controller)
    loss = controller.add_node("MSELoss", (500, 0))
    opt = controller.add_node("SGD", (700, 0))
    origin = scene.node_item(x).out_ports["out"]
    wire = scene.begin_wire(origin)
    assert scene.node_item(fc).in_ports["in"].state is PortState.COMPATIBLE
    assert scene.node_item(loss).in_ports["prediction"].state is PortState.COMPATIBLE
    assert scene.node_item(opt).in_ports["loss"].state is PortState.DIMMED  # a loss port, not a tensor
    assert scene.node_item(x).in_ports["data"].state is PortState.DIMMED  # same node
    assert scene.node_item(fc).out_ports["out"].state is PortState.DIMMED  # same direction
    wire.move_to(scene.node_item(opt).in_ports["loss"].scenePos())
    scene.end_interaction(scene.node_item(opt).in_ports["loss"].scenePos())
    assert controller.doc.edges() == []  # incompatible: nothing happens
    assert all(p.state is PortState.NORMAL for p in scene.all_ports())


def test_releasing_on_the_background_cancels(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    x, _ = two_nodes(controller)
    steps = controller.undo_stack.count()
    drag(view, scene.node_item(x).out_ports["out"].scenePos(), QPointF(120, 400))
    assert controller.doc.edges() == [] and controller.undo_stack.count() == steps


def test_a_new_wire_replaces_the_one_in_that_input(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    x, fc = two_nodes(controller)
    other = controller.add_node("Input", (0, 200), params={"shape": [4]})
    controller.connect_ports(x, "out", fc, "in")
    steps = controller.undo_stack.count()
    told: list[str] = []
    controller.edit_explained.connect(told.append)
    drag(
        view,
        scene.node_item(other).out_ports["out"].scenePos(),
        scene.node_item(fc).in_ports["in"].scenePos(),
    )
    assert controller.doc.edges() == [Edge(other, "out", fc, "in")]
    assert controller.undo_stack.count() == steps + 1
    assert told == ["Replaced the wire from 'x1': input 'in' of 'fc1' takes one wire (undo to get it back)"]
    controller.undo_stack.undo()
    assert controller.doc.edges() == [Edge(x, "out", fc, "in")]
    assert {w.edge for w in scene.wire_items()} == {Edge(x, "out", fc, "in")}


def test_a_wire_that_would_make_a_loop_is_refused_with_the_reason(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    # Found in a newcomer trial: relu1 -> fc1 silently replaced x1 -> fc1 and made a cycle.
    x, fc = two_nodes(controller)
    relu = controller.add_node("ReLU", (480, 60))
    assert relu
    controller.connect_ports(x, "out", fc, "in")
    controller.connect_ports(fc, "out", relu, "in")
    refused: list[str] = []
    controller.edit_refused.connect(refused.append)
    steps, edges = controller.undo_stack.count(), set(controller.doc.edges())
    drag(
        view, scene.node_item(relu).out_ports["out"].scenePos(), scene.node_item(fc).in_ports["in"].scenePos()
    )
    assert refused == [
        "Wiring 'relu1' into 'fc1' would make a loop ('fc1' already feeds it); data flows one way"
    ]
    assert set(controller.doc.edges()) == edges and controller.undo_stack.count() == steps


def test_releasing_on_a_port_that_does_not_fit_says_why(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    x, fc = two_nodes(controller)
    loss = controller.add_node("MSELoss", (480, 60))
    adam = controller.add_node("Adam", (480, 260))
    assert loss and adam
    refused: list[str] = []
    controller.edit_refused.connect(refused.append)
    loss_out = scene.node_item(loss).out_ports["loss"]
    drag(view, loss_out.scenePos(), scene.node_item(fc).in_ports["in"].scenePos())
    drag(
        view,
        scene.node_item(x).out_ports["out"].scenePos(),
        scene.node_item(adam).in_ports["loss"].scenePos(),
    )
    drag(
        view,
        scene.node_item(fc).in_ports["in"].scenePos(),
        scene.node_item(loss).in_ports["prediction"].scenePos(),
    )
    assert refused == [
        "A loss's output feeds an optimizer's 'loss' input, nothing else",
        "An optimizer's 'loss' input takes a loss's output, not a tensor",
        "Both ports are inputs: a wire runs from an output (right side) to an input (left side)",
    ]
    assert controller.doc.edges() == []


# ---- moving cards --------------------------------------------------------------------------


def test_moving_two_selected_nodes_is_one_undo_step(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    x, fc = two_nodes(controller)
    controller.connect_ports(x, "out", fc, "in")
    a, b = scene.node_item(x), scene.node_item(fc)
    a.setSelected(True)
    b.setSelected(True)
    steps = controller.undo_stack.count()
    grab = a.mapToScene(a.name_rect().center())
    drag(view, grab, grab + QPointF(93, 47))
    assert controller.undo_stack.count() == steps + 1
    pos_a, pos_b = controller.doc.node(x).position, controller.doc.node(fc).position
    assert pos_a != (0.0, 0.0) and pos_b != (240.0, 60.0)
    assert all(v % GRID == 0 for v in (*pos_a, *pos_b))  # snapped to the grid
    assert (a.x(), a.y()) == pos_a and (b.x(), b.y()) == pos_b
    wire = scene.wire_item(Edge(x, "out", fc, "in"))
    assert wire.source.scenePos() == a.mapToScene(wire.source.pos())
    controller.undo_stack.undo()
    assert controller.doc.node(x).position == (0.0, 0.0)
    assert controller.doc.node(fc).position == (240.0, 60.0)
    assert a.pos() == QPointF(0, 0) and b.pos() == QPointF(240, 60)


def test_no_snapping_when_turned_off(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    x, _ = two_nodes(controller)
    scene.snap_to_grid = False
    item = scene.node_item(x)
    grab = item.mapToScene(item.name_rect().center())
    drag(view, grab, grab + QPointF(13, 7), steps=1)
    assert controller.doc.node(x).position == (13.0, 7.0)


def test_a_click_without_moving_pushes_nothing(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    x, _ = two_nodes(controller)
    item = scene.node_item(x)
    steps = controller.undo_stack.count()
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=at(view, item.mapToScene(item.name_rect().center()))
    )
    assert controller.undo_stack.count() == steps
    assert scene.selected_node_ids() == [x]


# ---- drops from the palette ----------------------------------------------------------------


def test_dropping_on_a_wire_inserts_the_node(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    x, fc = two_nodes(controller)
    controller.move_nodes({fc: ((240, 60), (300, 0))})
    controller.connect_ports(x, "out", fc, "in")
    edge = Edge(x, "out", fc, "in")
    middle = scene.wire_item(edge).source.scenePos() * 0.5 + scene.wire_item(edge).target.scenePos() * 0.5
    assert scene.edge_at(middle) == edge
    steps = controller.undo_stack.count()
    drop(view, "ReLU", middle)
    relu = next(n.id for n in controller.doc.nodes() if n.type_id == "ReLU")
    assert set(controller.doc.edges()) == {Edge(x, "out", relu, "in"), Edge(relu, "out", fc, "in")}
    assert controller.undo_stack.count() == steps + 1
    assert scene.selected_node_ids() == [relu]
    assert len(scene.wire_items()) == 2
    # The card downstream stepped aside: the two cards do not overlap on the canvas.
    relu_rect = scene.node_item(relu).sceneBoundingRect()
    fc_rect = scene.node_item(fc).sceneBoundingRect()
    assert not relu_rect.intersects(fc_rect) and fc_rect.left() > relu_rect.right()
    assert controller.doc.node(x).position == (0, 0)  # upstream stays put
    controller.undo_stack.undo()  # one step takes back the insertion and the move
    assert controller.doc.edges() == [edge] and relu not in controller.doc
    assert controller.doc.node(fc).position == (300, 0)


def test_a_data_set_wired_into_a_layer_or_loss_goes_through_an_input_and_a_target(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    # The newcomer's wiring: data.x -> Linear, data.y -> the loss's target, no Input or Target.
    data = controller.add_node("Spirals", (0, 0), params={"classes": 3})
    fc = controller.add_node("Linear", (200, 0), params={"out_features": 3})
    loss = controller.add_node("CrossEntropyLoss", (420, 0))
    adam = controller.add_node("Adam", (620, 0))
    assert data and fc and loss and adam
    controller.connect_ports(fc, "out", loss, "prediction")
    controller.connect_ports(loss, "loss", adam, "loss")
    controller.reanalyze()
    told: list[str] = []
    controller.edit_explained.connect(told.append)
    steps = controller.undo_stack.count()
    data_card = scene.node_item(data)
    drag(view, data_card.out_ports["x"].scenePos(), scene.node_item(fc).in_ports["in"].scenePos())
    entry = next(n for n in controller.doc.nodes() if n.type_id == "Input")
    assert entry.params == {"shape": (2,), "dtype": "float"}  # what Spirals gives
    assert set(controller.doc.in_edges(entry.id)) == {Edge(data, "x", entry.id, "data")}
    assert set(controller.doc.in_edges(fc)) == {Edge(entry.id, "out", fc, "in")}
    assert told == [
        f"Wired 'spirals1' to 'fc1' through Input '{entry.name}': "
        "a data set's x enters the network through an Input"
    ]
    drag(
        view,
        scene.node_item(data).out_ports["y"].scenePos(),
        scene.node_item(loss).in_ports["target"].scenePos(),
    )
    target = next(n for n in controller.doc.nodes() if n.type_id == "Target")
    assert target.params == {"shape": (), "dtype": "class index"}
    assert set(controller.doc.in_edges(loss)) >= {Edge(target.id, "out", loss, "target")}
    # A trainable graph, and no card on top of another.
    assert controller.reanalyze().problems == []
    rects = [item.sceneBoundingRect() for item in scene.node_items()]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1 :])
    # The answers into a layer are refused with the reason; nothing is added.
    refused: list[str] = []
    controller.edit_refused.connect(refused.append)
    count = controller.undo_stack.count()
    drag(view, data_card.out_ports["y"].scenePos(), scene.node_item(fc).in_ports["in"].scenePos())
    assert refused == [
        "The y of Spirals 'spirals1' holds the answers the network should learn to give: it "
        "feeds a loss's target (through a Target), not Linear 'fc1'"
    ]
    assert controller.undo_stack.count() == count
    assert Edge(entry.id, "out", fc, "in") in controller.doc.edges()  # the wire there is kept
    # A second layer fed by the same features reuses the Input rather than adding one.
    other = controller.add_node("Linear", (200, 300))
    assert other and controller.connect_ports(data, "x", other, "in")
    assert [n.type_id for n in controller.doc.nodes()].count("Input") == 1
    assert Edge(entry.id, "out", other, "in") in controller.doc.edges()
    # Each wiring was one undo step; undoing leaves no loose Input or Target behind.
    assert controller.undo_stack.count() == steps + 4
    for _ in range(4):
        controller.undo_stack.undo()
    assert {n.type_id for n in controller.doc.nodes()} == {"Spirals", "Linear", "CrossEntropyLoss", "Adam"}
    assert controller.doc.node(fc).position == (200, 0)


def test_dropping_an_input_on_a_data_sets_direct_wire_inserts_it(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    # Such a wire comes from a project file written by hand or by an older version.
    doc = controller.doc
    data = doc.add_node("Iris", position=(0, 0)).id  # 4 features; a new Input declares 2
    fc = doc.add_node("Linear", position=(400, 0)).id
    doc.connect(data, "x", fc, "in")
    controller.reanalyze()
    assert [p.code for p in controller.analysis.problems_for(fc)] == ["data_wiring"]
    edge = Edge(data, "x", fc, "in")
    middle = scene.wire_item(edge).source.scenePos() * 0.5 + scene.wire_item(edge).target.scenePos() * 0.5
    drop(view, "Input", middle)
    entry = next(n.id for n in doc.nodes() if n.type_id == "Input")
    assert set(doc.edges()) == {Edge(data, "x", entry, "data"), Edge(entry, "out", fc, "in")}
    assert doc.node(entry).params["shape"] == (4,)
    analysis = controller.reanalyze()
    assert not analysis.problems_for(fc) and not analysis.problems_for(entry)


def test_dropping_on_the_background_adds_a_snapped_node(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    drop(view, "Linear", QPointF(333, 217))
    (node,) = controller.doc.nodes()
    assert node.type_id == "Linear"
    assert all(v % GRID == 0 for v in node.position)
    assert scene.node_item(node.id) is not None and scene.selected_node_ids() == [node.id]


def test_dragging_a_node_type_over_a_wire_highlights_it(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    x, fc = two_nodes(controller)
    controller.connect_ports(x, "out", fc, "in")
    wire = scene.wire_item(Edge(x, "out", fc, "in"))
    middle = QPointF(at(view, wire.source.scenePos() * 0.5 + wire.target.scenePos() * 0.5))
    mime = QMimeData()
    mime.setData(NODE_MIME, b"ReLU")
    actions, button, mods = (
        Qt.DropAction.CopyAction,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(middle.toPoint(), actions, mime, button, mods)
    view.dragEnterEvent(enter)
    assert enter.isAccepted()
    view.dragMoveEvent(QDragMoveEvent(middle.toPoint(), actions, mime, button, mods))
    assert wire._highlighted
    view.dragMoveEvent(QDragMoveEvent(QPoint(5, 5), actions, mime, button, mods))
    assert not wire._highlighted

    text = QMimeData()
    text.setText("not a node")
    other = QDragEnterEvent(middle.toPoint(), actions, text, button, mods)
    other.setAccepted(False)
    view.dragEnterEvent(other)
    assert not other.isAccepted()


# ---- selection and deletion ----------------------------------------------------------------


def test_selection_signal_and_deleting_selected_nodes(
    controller: DocumentController, scene: GraphScene, qtbot
) -> None:
    x, fc = two_nodes(controller)
    controller.connect_ports(x, "out", fc, "in")
    with qtbot.waitSignal(scene.nodes_selected) as blocker:
        scene.select_node(fc)
    assert blocker.args == [[fc]]
    controller.remove_nodes(scene.selected_node_ids())
    assert fc not in controller.doc and scene.node_item(fc) is None
    assert scene.wire_items() == [] and not scene.node_item(x).out_ports["out"].connected
    controller.undo_stack.undo()
    assert scene.node_item(fc) is not None and len(scene.wire_items()) == 1


def test_delete_key_removes_a_selected_wire(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    x, fc = two_nodes(controller)
    controller.connect_ports(x, "out", fc, "in")
    wire = scene.wire_item(Edge(x, "out", fc, "in"))
    wire.setSelected(True)
    assert scene.selected_edges() == [Edge(x, "out", fc, "in")]
    view.setFocus()
    QTest.keyClick(view.viewport(), Qt.Key.Key_Delete)
    assert controller.doc.edges() == [] and x in controller.doc and fc in controller.doc
    controller.undo_stack.undo()
    assert controller.doc.edges() == [Edge(x, "out", fc, "in")]


# ---- renaming --------------------------------------------------------------------------------


def test_double_click_on_the_name_renames_inline(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    _, fc = two_nodes(controller)
    item = scene.node_item(fc)
    QTest.mouseDClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=at(view, item.mapToScene(item.name_rect().center()))
    )
    editor = scene.rename_editor()
    assert editor is not None and editor.toPlainText() == "fc1"
    QTest.keyClicks(view.viewport(), "hidden")
    QTest.keyClick(view.viewport(), Qt.Key.Key_Return)
    assert controller.doc.node(fc).name == "hidden"
    assert scene.rename_editor() is None and item.content.name == "hidden"
    controller.undo_stack.undo()
    assert controller.doc.node(fc).name == "fc1"


def test_escape_cancels_a_rename(controller: DocumentController, scene: GraphScene, view: CanvasView) -> None:
    _, fc = two_nodes(controller)
    steps = controller.undo_stack.count()
    scene.start_rename(fc)
    view.setFocus()
    QTest.keyClicks(view.viewport(), "zzz")
    QTest.keyClick(view.viewport(), Qt.Key.Key_Escape)
    assert controller.doc.node(fc).name == "fc1" and controller.undo_stack.count() == steps
    assert scene.rename_editor() is None


# ---- the view ----------------------------------------------------------------------------------


def test_zoom_is_clamped_and_keeps_the_anchor(scene: GraphScene, view: CanvasView) -> None:
    view.zoom_by(100)
    assert view.zoom() == pytest.approx(3.0)
    view.zoom_by(1e-4)
    assert view.zoom() == pytest.approx(0.2)
    view.resetTransform()
    anchor = QPointF(200, 150)
    under = view.mapToScene(anchor.toPoint())
    view.zoom_by(2.0, anchor)
    assert view.zoom() == pytest.approx(2.0)
    after = view.mapToScene(anchor.toPoint())
    assert abs(after.x() - under.x()) <= 2 and abs(after.y() - under.y()) <= 2


def test_wheel_zooms_around_the_cursor(view: CanvasView) -> None:
    cursor = QPointF(300, 200)
    under = view.mapToScene(cursor.toPoint())
    event = QWheelEvent(
        cursor,
        QPointF(view.viewport().mapToGlobal(cursor.toPoint())),
        QPoint(),
        QPoint(0, 240),  # two notches forward
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    view.wheelEvent(event)
    assert view.zoom() == pytest.approx(1.15**2)
    after = view.mapToScene(cursor.toPoint())
    assert abs(after.x() - under.x()) <= 2 and abs(after.y() - under.y()) <= 2


@pytest.mark.parametrize("button", [Qt.MouseButton.RightButton, Qt.MouseButton.MiddleButton])
def test_right_or_middle_drag_pans(
    controller: DocumentController, scene: GraphScene, view: CanvasView, button: Qt.MouseButton
) -> None:
    x, _ = two_nodes(controller)
    port = view.viewport()
    centre = view.mapToScene(port.rect().center())
    start = at(view, scene.node_item(x).mapToScene(scene.node_item(x).name_rect().center()))
    QTest.mousePress(port, button, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(port, start + QPoint(60, 40))
    QTest.mouseRelease(port, button, Qt.KeyboardModifier.NoModifier, start + QPoint(60, 40))
    moved = view.mapToScene(port.rect().center())
    assert moved.x() == pytest.approx(centre.x() - 60, abs=1) and moved.y() == pytest.approx(
        centre.y() - 40, abs=1
    )
    assert controller.doc.node(x).position == (0.0, 0.0)  # panning never moves cards


def test_left_drag_on_the_background_selects_with_a_rubber_band(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    x, fc = two_nodes(controller)
    area = scene.node_item(x).sceneBoundingRect().united(scene.node_item(fc).sceneBoundingRect())
    drag(view, area.topLeft() - QPointF(30, 30), area.bottomRight() + QPointF(30, 30))
    assert sorted(scene.selected_node_ids()) == sorted([x, fc])
    assert controller.doc.node(x).position == (0.0, 0.0)


def test_fit_all_and_center_on_node(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    controller.load(next(p for p in EXAMPLES if p.stem == "digits_cnn"))
    view.fit_all()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(scene.items_bounding_rect())
    node = controller.doc.find_by_name("classifier").id
    view.zoom_by(3.0)
    view.center_on_node(node)
    centre = view.mapToScene(view.viewport().rect().center())
    assert scene.node_item(node).sceneBoundingRect().contains(centre)


def test_tidy_layout_is_one_undo_step(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    controller.load(next(p for p in EXAMPLES if p.stem == "residual_mlp"))
    before = {n.id: n.position for n in controller.doc.nodes()}
    view.tidy_layout()
    assert controller.undo_stack.count() == 1
    after = {n.id: n.position for n in controller.doc.nodes()}
    assert after != before
    assert all((scene.node_item(n).x(), scene.node_item(n).y()) == p for n, p in after.items())
    controller.undo_stack.undo()
    assert {n.id: n.position for n in controller.doc.nodes()} == before


def test_render_an_example_to_png(controller: DocumentController, view: CanvasView, tmp_path: Path) -> None:
    controller.load(next(p for p in EXAMPLES if p.stem == "spiral_mlp"))
    view.resize(1400, 500)
    view.fit_all()
    path = tmp_path / "spiral.png"
    assert view.grab().save(str(path))
    image = QImage(str(path))
    assert image.width() == 1400
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 50  # cards, text and wires, not an empty background


def test_gradient_gauges(controller: DocumentController, scene: GraphScene) -> None:
    x, fc = two_nodes(controller)
    item = scene.node_item(fc)
    height = item.boundingRect().height()
    scene.set_gradient_levels({fc: 0.02})
    assert item.gradient == 0.02 and scene.node_item(x).gradient is None
    assert item.boundingRect().height() > height and "Gradient norm" in item.toolTip()
    added = controller.add_node("ReLU", (0, 300))
    assert scene.node_item(added).gradient is None  # still training: no value for it yet
    scene.set_gradient_levels(None)
    assert item.gradient is None and item.boundingRect().height() == height


def test_gradient_colour_scale() -> None:
    assert gradient_fraction(1e-6) == 0.0 and gradient_fraction(100) == 1.0
    assert gradient_fraction(float("nan")) == 1.0
    blue, green, red = gradient_colour(1e-5), gradient_colour(10**-1.5), gradient_colour(50)
    assert blue.hue() > 180 and 100 < green.hue() < 140 and red.hue() < 15


def test_format_value() -> None:
    assert format_value((1, 28, 28)) == "1×28×28"
    assert format_value(None) == "auto"
    assert format_value(True) == "yes"
    assert format_value(0.001) == "0.001"
    assert format_value("data/train.csv") == "train.csv"


def test_five_hundred_nodes_build_and_repaint(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    doc = GraphDocument()
    previous = doc.add_node("Input", params={"shape": [8]}).id
    for i in range(499):
        node = doc.add_node(("Linear", "ReLU")[i % 2], position=((i + 1) % 25 * 200.0, (i + 1) // 25 * 160.0))
        doc.connect(previous, "out", node.id, "in")
        previous = node.id
    controller.set_document(doc, None)
    assert len(scene.node_items()) == 500 and len(scene.wire_items()) == 499
    view.fit_all()
    assert not view.grab().isNull()
    scene.set_gradient_levels({n.id: 0.1 for n in doc.nodes()})
    view.zoom_by(2.0)
    assert not view.grab().isNull()


def test_a_wire_into_a_port_the_spec_lost_stays_visible(
    controller: DocumentController, scene: GraphScene
) -> None:
    x = controller.add_node("Input", (0, 0))
    add = controller.add_node("Add", (200, 0), params={"inputs": 3})
    controller.connect_ports(x, "out", add, "in3")
    controller.set_param(add, "inputs", 2)  # the wire into in3 is now an error, still drawn
    controller.reanalyze()
    item = scene.node_item(add)
    assert list(item.in_ports) == ["in1", "in2", "in3"]
    assert scene.wire_item(Edge(x, "out", add, "in3")).has_error
    controller.disconnect([Edge(x, "out", add, "in3")])
    assert list(item.in_ports) == ["in1", "in2"]


def test_dark_and_light_styles() -> None:
    dark, light = build_style(True), build_style(False)
    assert dark.background.lightness() < 80 < light.background.lightness()
    assert set(dark.categories) == set(light.categories) == {s.category for s in registry.all_specs()}
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#202225"))
    assert palette_is_dark(palette)
    palette.setColor(QPalette.ColorRole.Window, QColor("#eeeeee"))
    assert not palette_is_dark(palette)


def test_layout_height_estimate_covers_every_card(controller: DocumentController, scene: GraphScene) -> None:
    """nodes/layout.py spaces cards without Qt; its estimate must not be shorter than the card."""
    for spec in registry.all_specs():
        controller.add_node(spec.type_id, (0, 0))
    controller.reanalyze()
    for item in scene.node_items():
        card = item.boundingRect().adjusted(0, 4, 0, -4)  # without the selection margin
        assert card.height() <= estimated_height(controller.doc, item.node_id), item.spec.type_id


def test_hovering_a_port_shows_the_wire_cursor(
    controller: DocumentController, scene: GraphScene, view: CanvasView
) -> None:
    _, fc = two_nodes(controller)
    port = scene.node_item(fc).port("in", "in")
    assert port is not None and not port.hasCursor()  # set on first hover, not for every card built
    QTest.mouseMove(view.viewport(), at(view, port.scenePos()))
    QTest.qWait(20)
    assert port.hasCursor() and port.cursor().shape() == Qt.CursorShape.CrossCursor
    assert view.viewport().cursor().shape() == Qt.CursorShape.CrossCursor
