"""The open project: its graph document, undo stack, file, and the latest analysis.

Widgets edit through the methods here (each pushes one undoable command) and
listen to the signals. Analysis reruns once per burst of edits, on the next turn of
the event loop, so shapes and problems update as the user edits without a button.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import networkx as nx
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from designer import commands, entry_wiring
from nodes import project, registry
from nodes.analysis import Analysis, analyze
from nodes.datafiles import set_base_dir
from nodes.graph import Edge, GraphDocument, GraphEditError, GraphEvent
from nodes.layout import make_room
from nodes.params import ParamError

CLIPBOARD_FORMAT = "application/x-netcanvas-nodes"


class DocumentController(QObject):
    analysis_changed = Signal(object)  # Analysis
    document_replaced = Signal()  # a new or loaded document: views rebuild
    graph_event = Signal(object)  # GraphEvent, for views that mirror the graph
    dirty_changed = Signal(bool)
    path_changed = Signal(object)  # Path | None
    edit_refused = Signal(str)  # an edit that could not be applied, in words
    edit_explained = Signal(str)  # an edit that did more than asked (a node put in), in words

    def __init__(self, doc: GraphDocument | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.path: Path | None = None
        self.analysis: Analysis | None = None
        self._unsubscribe = lambda: None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.reanalyze)
        self.doc = GraphDocument()
        self.set_document(doc or GraphDocument(), None)

    # ---- the document --------------------------------------------------------

    def set_document(self, doc: GraphDocument, path: Path | None) -> None:
        self._unsubscribe()
        self.doc = doc
        self._unsubscribe = doc.subscribe(self._on_event)
        self.undo_stack.clear()
        self.path = path
        set_base_dir(path.parent if path else None)
        self.reanalyze()
        self.document_replaced.emit()
        self.path_changed.emit(path)
        self.dirty_changed.emit(False)

    def forget_path(self) -> None:
        """The document becomes an unsaved copy: relative data paths resolve against the
        working folder, for the checks, the preview and a training run alike."""
        self.path = None
        set_base_dir(None)
        self.path_changed.emit(None)
        self.schedule_analysis()

    @property
    def data_dir(self) -> Path | None:
        """Where relative data paths resolve (None: the working folder)."""
        return self.path.parent if self.path else None

    def load(self, path: Path) -> None:
        """Raises project.ProjectError with a message naming the problem."""
        self.set_document(project.load(path), Path(path))

    def save(self, path: Path | None = None) -> None:
        target = Path(path or self.path or "untitled.json")
        project.save(self.doc, target)
        if target != self.path:
            self.path = target
            set_base_dir(target.parent)
            self.path_changed.emit(target)
            self.schedule_analysis()  # relative data paths may now resolve differently
        self.undo_stack.setClean()

    def _on_clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    def _on_event(self, event: GraphEvent) -> None:
        self.graph_event.emit(event)
        if event.kind != "node_moved":
            self.schedule_analysis()

    def schedule_analysis(self) -> None:
        self._timer.start()

    def reanalyze(self) -> Analysis:
        self._timer.stop()
        self.analysis = analyze(self.doc)
        self.analysis_changed.emit(self.analysis)
        return self.analysis

    # ---- edits (each one undo step) ------------------------------------------

    def _push(self, command: QUndoCommand) -> bool:
        try:
            self.undo_stack.push(command)
        except (GraphEditError, ParamError, KeyError) as exc:
            self.edit_refused.emit(str(exc))
            return False
        return True

    def add_node(self, type_id: str, position: tuple[float, float], **fields: Any) -> str | None:
        try:
            command = commands.AddNode(self.doc, type_id, position, **fields)
        except (GraphEditError, KeyError) as exc:
            self.edit_refused.emit(str(exc))
            return None
        return command.node.id if self._push(command) else None

    def remove_nodes(self, node_ids: list[str]) -> None:
        if node_ids:
            self._push(commands.RemoveNodes(self.doc, node_ids))

    def connect_ports(self, source: str, source_port: str, target: str, target_port: str) -> bool:
        """Wire two ports; a wire already entering that input is replaced (one undo step).
        A data set wired into a layer or a loss goes through an Input or a Target (see
        entry_wiring)."""
        if entry_wiring.skips_entry(self.doc, source, target):
            return entry_wiring.connect_through_entry(self, source, source_port, target, target_port)
        replaced = [e for e in self.doc.in_edges(target) if e.target_port == target_port]
        edge = Edge(source, source_port, target, target_port)
        if edge in replaced:
            return False
        if source == target or nx.has_path(self.doc.nx_graph(), target, source):
            # Data flows one way through a network; a loop could never be computed.
            self.edit_refused.emit(
                f"Wiring '{self.doc.node(source).name}' into '{self.doc.node(target).name}' would "
                f"make a loop ('{self.doc.node(target).name}' already feeds it); data flows one way"
            )
            return False
        if not self._push(commands.Connect(self.doc, edge, replaced)):
            return False
        if replaced:
            self.edit_explained.emit(
                f"Replaced the wire from '{self.doc.node(replaced[0].source).name}': input "
                f"'{target_port}' of '{self.doc.node(target).name}' takes one wire (undo to get it back)"
            )
        return True

    def disconnect(self, edges: list[Edge]) -> None:
        if edges:
            self._push(commands.Disconnect(self.doc, edges))

    def set_param(self, node_id: str, name: str, value: Any) -> bool:
        try:
            command = commands.SetParam(self.doc, node_id, name, value)
            self.doc._checked_value(self.doc.node(node_id).type_id, name, value)
        except GraphEditError as exc:
            self.edit_refused.emit(str(exc))
            return False
        return self._push(command)

    def rename(self, node_id: str, name: str) -> bool:
        name = name.strip()
        if not name:
            self.edit_refused.emit("a node needs a name")
            return False
        if name == self.doc.node(node_id).name:
            return False
        other = self.doc.find_by_name(name)
        if other is not None:
            self.edit_refused.emit(f"another node is already called '{name}'; names must be unique")
            return False
        return self._push(commands.Rename(self.doc, node_id, name))

    def move_nodes(
        self, moves: dict[str, tuple[tuple[float, float], tuple[float, float]]], final: bool = True
    ) -> None:
        if moves:
            self._push(commands.MoveNodes(self.doc, moves, final))

    def insert_on_wire(self, type_id: str, edge: Edge, position: tuple[float, float]) -> str | None:
        """Drop a node onto a wire: source -> new node -> target, one undo step."""
        self.undo_stack.beginMacro(f"Insert {type_id}")
        try:
            node_id = self.add_node(
                type_id, position, params=entry_wiring.entry_params_for(self, type_id, edge)
            )
            if node_id is None:
                return None
            spec_inputs, spec_outputs = self._ports(node_id)
            if spec_inputs and spec_outputs:
                self._push(commands.Disconnect(self.doc, [edge]))
                self.connect_ports(edge.source, edge.source_port, node_id, spec_inputs[0])
                self.connect_ports(node_id, spec_outputs[0], edge.target, edge.target_port)
                # Cards downstream step aside so the new one does not sit on top of them.
                room = make_room(self.doc, node_id, edge.target)
                moves = {n: (self.doc.node(n).position, xy) for n, xy in room.items()}
                self.move_nodes(moves)
            return node_id
        finally:
            self.undo_stack.endMacro()

    def _ports(self, node_id: str) -> tuple[list[str], list[str]]:
        node = self.doc.node(node_id)
        spec = registry.get(node.type_id)
        tensors = [p for p in spec.input_ports(node.params) if p.kind == "tensor"]
        # An optional port takes the wire when it is the only one (an Input's or Target's data port).
        inputs = [p.name for p in tensors if not p.optional] or [p.name for p in tensors[:1]]
        outputs = [p.name for p in spec.outputs if p.kind == "tensor"]
        return inputs, outputs

    # ---- clipboard -------------------------------------------------------------

    def copy_payload(self, node_ids: list[str]) -> str:
        """Selected nodes and the wires among them, as JSON text for the clipboard."""
        ids = set(node_ids)
        nodes = [self.doc.node(n) for n in node_ids]
        edges = [e for n in node_ids for e in self.doc.out_edges(n) if e.target in ids]
        return json.dumps(
            {
                "format": CLIPBOARD_FORMAT,
                "nodes": [
                    {
                        "id": n.id,
                        "type": n.type_id,
                        "name": n.name,
                        "params": _plain(n.params),
                        "position": list(n.position),
                    }
                    for n in nodes
                ],
                "edges": [[e.source, e.source_port, e.target, e.target_port] for e in edges],
            }
        )

    def paste_payload(self, text: str, offset: tuple[float, float] = (40.0, 40.0)) -> list[str]:
        """Add copies of clipboard nodes (fresh ids, unique names) and their wires; one undo step."""
        try:
            data = json.loads(text)
            if data.get("format") != CLIPBOARD_FORMAT:
                return []
        except (ValueError, AttributeError):
            return []
        created: dict[str, str] = {}
        self.undo_stack.beginMacro("Paste")
        try:
            for item in data.get("nodes", []):
                name = item.get("name") or None
                if name and self.doc.find_by_name(name):
                    name = self.doc.unique_name(name)
                x, y = item.get("position", (0, 0))
                new_id = self.add_node(
                    item["type"],
                    (x + offset[0], y + offset[1]),
                    name=name,
                    params=copy.deepcopy(item.get("params", {})),
                )
                if new_id:
                    created[item["id"]] = new_id
            for source, source_port, target, target_port in data.get("edges", []):
                if source in created and target in created:
                    self.connect_ports(created[source], source_port, created[target], target_port)
        finally:
            self.undo_stack.endMacro()
        return list(created.values())


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
