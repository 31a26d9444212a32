"""Undoable edits. Each command calls document methods; the scene reacts to the events.

Loading, undo/redo, tests and the mouse all edit the graph through these, so every
change a user makes is one step on the undo stack (a drag of several nodes included).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from nodes.graph import Edge, GraphDocument, Node

MOVE_ID = 1  # commands with the same id and node set merge (one drag = one step)


class AddNode(QUndoCommand):
    def __init__(
        self, doc: GraphDocument, type_id: str, position: tuple[float, float], **fields: Any
    ) -> None:
        super().__init__(f"Add {type_id}")
        self.doc = doc
        self.node = doc.make_node(type_id, position=position, **fields)

    def redo(self) -> None:
        self.doc.restore_node(self.node)

    def undo(self) -> None:
        self.doc.remove_node(self.node.id)


class RemoveNodes(QUndoCommand):
    """Delete nodes and every wire touching them, restored together on undo."""

    def __init__(self, doc: GraphDocument, node_ids: list[str]) -> None:
        super().__init__("Delete" if len(node_ids) != 1 else f"Delete '{doc.node(node_ids[0]).name}'")
        self.doc = doc
        # Restored in ascending place so each index is valid when it is used.
        self.places = sorted((doc.node_index(n), doc.node(n)) for n in node_ids)
        self.nodes: list[Node] = [doc.node(n) for n in node_ids]
        ids = set(node_ids)
        self.edges = sorted(
            {
                e
                for n in node_ids
                for e in doc.in_edges(n) + doc.out_edges(n)
                if e.source in ids or e.target in ids
            },
            key=lambda e: (e.source, e.target, e.source_port, e.target_port),
        )

    def redo(self) -> None:
        for node in self.nodes:
            self.doc.remove_node(node.id)

    def undo(self) -> None:
        for index, node in self.places:
            self.doc.restore_node(node, index)
        for edge in self.edges:
            self.doc.connect(edge.source, edge.source_port, edge.target, edge.target_port)


class Connect(QUndoCommand):
    def __init__(self, doc: GraphDocument, edge: Edge, replaces: list[Edge] | None = None) -> None:
        super().__init__("Connect")
        self.doc, self.edge, self.replaces = doc, edge, list(replaces or [])

    def redo(self) -> None:
        for old in self.replaces:
            self.doc.disconnect(old)
        e = self.edge
        self.doc.connect(e.source, e.source_port, e.target, e.target_port)

    def undo(self) -> None:
        self.doc.disconnect(self.edge)
        for old in self.replaces:
            self.doc.connect(old.source, old.source_port, old.target, old.target_port)


class Disconnect(QUndoCommand):
    def __init__(self, doc: GraphDocument, edges: list[Edge]) -> None:
        super().__init__("Remove wire" if len(edges) == 1 else "Remove wires")
        self.doc, self.edges = doc, list(edges)

    def redo(self) -> None:
        for edge in self.edges:
            self.doc.disconnect(edge)

    def undo(self) -> None:
        for e in self.edges:
            self.doc.connect(e.source, e.source_port, e.target, e.target_port)


class SetParam(QUndoCommand):
    def __init__(self, doc: GraphDocument, node_id: str, name: str, value: Any) -> None:
        node = doc.node(node_id)
        super().__init__(f"Set {name} of '{node.name}'")
        self.doc, self.node_id, self.name = doc, node_id, name
        self.had_value = name in node.params
        self.old = node.params.get(name)
        self.new = value

    def redo(self) -> None:
        self.doc.set_param(self.node_id, self.name, self.new)

    def undo(self) -> None:
        self.doc.set_param(self.node_id, self.name, self.old, strict=False)


class Rename(QUndoCommand):
    def __init__(self, doc: GraphDocument, node_id: str, name: str) -> None:
        super().__init__(f"Rename '{doc.node(node_id).name}'")
        self.doc, self.node_id, self.old, self.new = doc, node_id, doc.node(node_id).name, name

    def redo(self) -> None:
        self.doc.rename(self.node_id, self.new)

    def undo(self) -> None:
        self.doc.rename(self.node_id, self.old)


class MoveNodes(QUndoCommand):
    """One drag of one or more nodes; consecutive steps of the same drag merge."""

    def __init__(
        self,
        doc: GraphDocument,
        moves: dict[str, tuple[tuple[float, float], tuple[float, float]]],
        final: bool = True,
    ) -> None:
        super().__init__("Move" if len(moves) != 1 else f"Move '{doc.node(next(iter(moves))).name}'")
        self.doc = doc
        self.moves = dict(moves)  # node id -> (old position, new position)
        self.final = final

    def id(self) -> int:
        return MOVE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MoveNodes) or set(other.moves) != set(self.moves) or self.final:
            return False
        self.moves = {n: (self.moves[n][0], other.moves[n][1]) for n in self.moves}
        self.final = other.final
        return True

    def redo(self) -> None:
        for node_id, (_, new) in self.moves.items():
            self.doc.move(node_id, new)

    def undo(self) -> None:
        for node_id, (old, _) in self.moves.items():
            self.doc.move(node_id, old)


class SetMeta(QUndoCommand):
    def __init__(self, doc: GraphDocument, key: str, value: Any) -> None:
        super().__init__(f"Change {key}")
        self.doc, self.key, self.new = doc, key, value
        self.old = getattr(doc, key) if key in ("name", "description") else doc.settings.get(key)

    def redo(self) -> None:
        self.doc.set_meta(self.key, self.new)

    def undo(self) -> None:
        self.doc.set_meta(self.key, self.old)
