"""Wiring a data set straight into a layer or a loss: the Input (for x) or Target (for y)
it needs goes in between, shaped like the data, as one undo step (see nodes.data_entry).

Works through the controller's public edits, so every step is an undoable command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nodes import registry
from nodes.analysis import label
from nodes.data_entry import (
    ENTRY_PORT,
    answers_misplaced,
    entry_params,
    entry_type,
    misplaced_answers_message,
    needs_entry,
    through_entry_message,
)
from nodes.graph import Edge, GraphDocument
from nodes.layout import entry_spot, free_spot, make_room
from nodes.shapes import Shape
from nodes.spec import NodeSpec, Role

if TYPE_CHECKING:
    from designer.controller import DocumentController


def _spec(doc: GraphDocument, node_id: str) -> NodeSpec | None:
    type_id = doc.node(node_id).type_id
    return registry.get(type_id) if registry.exists(type_id) else None


def skips_entry(doc: GraphDocument, source: str, target: str) -> bool:
    """Whether a wire from `source` into `target` would leave out an Input or a Target."""
    specs = _spec(doc, source), _spec(doc, target)
    return specs[0] is not None and specs[1] is not None and needs_entry(specs[0], specs[1])


def data_shape(controller: DocumentController, source: str, port: str) -> Shape | None:
    return controller.reanalyze().info[source].out_shapes.get(port)


def entry_params_for(controller: DocumentController, type_id: str, edge: Edge) -> dict[str, Any] | None:
    """An Input or Target dropped on a data set's wire takes the data's shape."""
    source = _spec(controller.doc, edge.source)
    if source is None or source.role is not Role.SOURCE or type_id != entry_type(edge.source_port):
        return None
    return entry_params(edge.source_port, data_shape(controller, edge.source, edge.source_port))


def connect_through_entry(
    controller: DocumentController, source: str, source_port: str, target: str, target_port: str
) -> bool:
    """Put the node the data set's output needs in between, or reuse the one it already
    feeds; a data set's answers anywhere but into a loss are refused with the reason."""
    doc = controller.doc
    kind = entry_type(source_port)
    target_spec = _spec(doc, target)
    if target_spec is not None and answers_misplaced(source_port, target_spec):
        controller.edit_refused.emit(misplaced_answers_message(label(doc, source), label(doc, target)))
        return False
    entry = next(
        (
            e.target
            for e in doc.out_edges(source)
            if e.source_port == source_port and doc.node(e.target).type_id == kind
        ),
        None,
    )
    controller.undo_stack.beginMacro(f"Connect through {kind}")
    try:
        if entry is None:
            entry = _add_entry(controller, source, source_port, target, kind)
            if entry is None:
                return False
        connected = controller.connect_ports(entry, "out", target, target_port)
    finally:
        controller.undo_stack.endMacro()
    if connected:
        names = [doc.node(n).name for n in (source, entry, target)]
        controller.edit_explained.emit(through_entry_message(*names, source_port))
    return connected


def _add_entry(
    controller: DocumentController, source: str, source_port: str, target: str, kind: str
) -> str | None:
    doc = controller.doc
    spot = entry_spot(doc, source, target, kind)
    params = entry_params(source_port, data_shape(controller, source, source_port))
    entry = controller.add_node(kind, spot, params=params)
    if entry is None or not controller.connect_ports(source, source_port, entry, ENTRY_PORT):
        return None
    # The target steps right if the new card needs room, then the card steps down past others.
    room = make_room(doc, entry, target, unwired_too=True)
    controller.move_nodes({n: (doc.node(n).position, xy) for n, xy in room.items()})
    final = free_spot(doc, entry)
    if final != spot:
        controller.move_nodes({entry: (spot, final)})
    return entry
