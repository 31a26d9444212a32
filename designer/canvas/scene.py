"""GraphScene: the document drawn as cards and wires, kept in step with it.

The scene observes the DocumentController: graph events add, remove and update items,
analysis results decorate them (shapes, counts, problems), and a replaced document
rebuilds everything. It holds no graph state of its own; while the user drags cards
their positions run ahead of the document until the release pushes one move command.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsSceneHelpEvent, QGraphicsSceneMouseEvent

from designer.canvas import style as st
from designer.canvas.card_content import card_content
from designer.canvas.interactions import Interaction, NodeDrag, WireDrag
from designer.canvas.node_item import NodeItem
from designer.canvas.port_item import IN, OUT, PortItem
from designer.canvas.rename import RenameEditor
from designer.canvas.wire_item import WireItem
from designer.controller import DocumentController
from nodes import registry
from nodes.analysis import Analysis, NodeInfo, Problem
from nodes.graph import Edge, GraphEvent
from nodes.shapes import format_shape


def snap(value: float) -> float:
    return round(value / st.GRID) * st.GRID


class GraphScene(QGraphicsScene):
    nodes_selected = Signal(list)  # ids of the selected nodes, on every selection change
    node_activated = Signal(str)  # a card was double-clicked outside its name

    def __init__(self, controller: DocumentController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.snap_to_grid = True
        self._nodes: dict[str, NodeItem] = {}
        self._wires: dict[Edge, WireItem] = {}
        self._wires_of: dict[str, set[Edge]] = defaultdict(set)
        self._interaction: Interaction | None = None
        self._editor: RenameEditor | None = None
        self._gradients: dict[str, float] | None = None
        self._quiet = False  # no selection signals while rebuilding
        self._built_doc: object = None  # the document the items were last built from
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        controller.graph_event.connect(self._on_graph_event)
        controller.analysis_changed.connect(self._on_analysis)
        controller.document_replaced.connect(self.rebuild)
        self.selectionChanged.connect(self._on_selection_changed)
        self.rebuild()

    # ---- public API ------------------------------------------------------------------

    def node_item(self, node_id: str) -> NodeItem | None:
        return self._nodes.get(node_id)

    def node_items(self) -> list[NodeItem]:
        return list(self._nodes.values())

    def wire_item(self, edge: Edge) -> WireItem | None:
        return self._wires.get(edge)

    def wire_items(self) -> list[WireItem]:
        return list(self._wires.values())

    def selected_node_items(self) -> list[NodeItem]:
        return [i for i in self.selectedItems() if isinstance(i, NodeItem)]

    def selected_node_ids(self) -> list[str]:
        return [i.node_id for i in self.selected_node_items()]

    def selected_edges(self) -> list[Edge]:
        return [i.edge for i in self.selectedItems() if isinstance(i, WireItem)]

    def select_node(self, node_id: str) -> None:
        """Make `node_id` the only selected item (no-op for an unknown id)."""
        item = self._nodes.get(node_id)
        if item is None:
            return
        self._quiet = True
        self.clearSelection()
        self._quiet = False
        item.setSelected(True)

    def set_gradient_levels(self, levels: dict[str, float] | None) -> None:
        """Gradient norm per node id while training (gauges appear); None hides every gauge."""
        self._gradients = dict(levels) if levels is not None else None
        for node_id, item in self._nodes.items():
            item.set_gradient(None if levels is None else levels.get(node_id))

    def edge_at(self, scene_pos: QPointF) -> Edge | None:
        for item in self.items(scene_pos):
            if isinstance(item, WireItem):
                return item.edge
        return None

    def port_at(self, scene_pos: QPointF) -> PortItem | None:
        """The nearest port within reach of `scene_pos` (ports are small targets)."""
        r = st.PORT_HIT_RADIUS
        area = QRectF(scene_pos.x() - r, scene_pos.y() - r, 2 * r, 2 * r)
        ports = [i for i in self.items(area) if isinstance(i, PortItem) and i.isVisible()]
        if not ports:
            return None

        def distance(p: PortItem) -> float:
            d = p.scenePos() - scene_pos
            return d.x() ** 2 + d.y() ** 2

        best = min(ports, key=distance)
        return best if distance(best) <= r * r else None

    def node_item_at(self, scene_pos: QPointF) -> NodeItem | None:
        for item in self.items(scene_pos):
            if isinstance(item, NodeItem):
                return item
            parent = item.parentItem()
            if isinstance(item, PortItem) and isinstance(parent, NodeItem):
                return parent
        return None

    def all_ports(self) -> list[PortItem]:
        return [p for item in self._nodes.values() for p in item.ports()]

    def delete_selection(self) -> None:
        """Delete the selected cards and wires as one undo step."""
        node_ids = self.selected_node_ids()
        gone = set(node_ids)
        edges = [e for e in self.selected_edges() if e.source not in gone and e.target not in gone]
        if not node_ids and not edges:
            return
        stack = self.controller.undo_stack
        both = bool(node_ids and edges)
        if both:
            stack.beginMacro("Delete")
        try:
            self.controller.disconnect(edges)
            self.controller.remove_nodes(node_ids)
        finally:
            if both:
                stack.endMacro()

    def begin_wire(self, port: PortItem) -> WireDrag:
        """Start drawing a wire from `port` (the mouse does this; tests may too)."""
        self.cancel_interaction()
        drag = WireDrag(self, port)
        self._interaction = drag
        return drag

    def end_interaction(self, scene_pos: QPointF) -> None:
        interaction, self._interaction = self._interaction, None
        if interaction is not None:
            interaction.finish(scene_pos)

    def cancel_interaction(self) -> None:
        interaction, self._interaction = self._interaction, None
        if interaction is not None:
            interaction.cancel()

    def start_rename(self, node_id: str) -> RenameEditor | None:
        item = self._nodes.get(node_id)
        if item is None:
            return None
        self.finish_rename()
        editor = RenameEditor(node_id, self.controller.doc.node(node_id).name, self._rename_done)
        self.addItem(editor)
        rect = item.name_rect()
        editor.setPos(item.mapToScene(rect.topLeft()) - QPointF(2, 3))
        self._editor = editor
        editor.begin()
        return editor

    def finish_rename(self) -> None:
        if self._editor is not None:
            self._editor.commit()

    def rename_editor(self) -> RenameEditor | None:
        return self._editor

    # ---- building from the document -----------------------------------------------

    def rebuild(self) -> None:
        """Tear down every card and wire, then build them afresh from the document."""
        with _collector_paused():
            self._tear_down()
            self._build()

    def tear_down(self) -> None:
        """Remove every card and wire (the next rebuild() starts from an empty scene)."""
        with _collector_paused():
            self._tear_down()

    def _tear_down(self) -> None:
        self.cancel_interaction()
        self._editor = None
        self.clear()
        self._nodes.clear()
        self._wires.clear()
        self._wires_of.clear()

    def _build(self) -> None:
        self._quiet = True
        doc = self._built_doc = self.controller.doc
        analysis = self.controller.analysis
        by_node, by_edge = _problems_by_item(analysis) if analysis is not None else ({}, {})
        wired_in: dict[str, set[str]] = defaultdict(set)
        wired_out: dict[str, set[str]] = defaultdict(set)
        for edge in doc.edges():  # one pass, rather than two edge queries per card
            wired_in[edge.target].add(edge.target_port)
            wired_out[edge.source].add(edge.source_port)
        for node in doc.nodes():
            self._add_node(node.id, by_node, (wired_in[node.id], wired_out[node.id]))
        # The cards were built from the latest analysis; the wires take theirs as they are made.
        for edge in doc.edges():
            shape = analysis.edge_shapes.get(edge) if analysis is not None else None
            self._add_wire(edge, format_shape(shape) if shape is not None else "", by_edge.get(edge))
        self._quiet = False
        self.nodes_selected.emit([])

    def restyle(self) -> None:
        """Re-lay out every card after the palette or fonts changed."""
        for item in self._nodes.values():
            item.set_content(item.content)  # re-lays out and drops the cached pixmap
        for wire in self._wires.values():
            wire.update_path()
        self.update()

    def _add_node(
        self,
        node_id: str,
        by_node: dict[str, list[Problem]] | None = None,
        wired: tuple[set[str], set[str]] | None = None,
    ) -> NodeItem:
        """`by_node`: the latest analysis's problems per node, and `wired`: the ports in use,
        when adding many cards at once."""
        node = self.controller.doc.node(node_id)
        spec = registry.get(node.type_id) if registry.exists(node.type_id) else None
        if by_node is None:
            info, problems = self._analysis_for(node_id)
        else:
            analysis = self.controller.analysis
            info = analysis.info.get(node_id) if analysis is not None else None
            problems = by_node.get(node_id, [])
        item = NodeItem(node_id, spec, card_content(node, spec, info, problems), node.position)
        if wired is None:
            doc = self.controller.doc
            ins = {e.target_port for e in doc.in_edges(node_id)}
            wired = ins, {e.source_port for e in doc.out_edges(node_id)}
        item.sync_ports(node.params, *wired)
        if self._gradients is not None:
            item.set_gradient(self._gradients.get(node_id))
        self.addItem(item)
        self._nodes[node_id] = item
        return item

    def _add_wire(self, edge: Edge, shape_text: str = "", messages: list[str] | None = None) -> None:
        src, dst = self._nodes.get(edge.source), self._nodes.get(edge.target)
        if src is None or dst is None or edge in self._wires:
            return
        out, inp = src.port(OUT, edge.source_port), dst.port(IN, edge.target_port)
        if out is None or inp is None:  # a wire into a port the spec lacks: show it anyway
            self._sync_ports(edge.source)
            self._sync_ports(edge.target)
            out, inp = src.port(OUT, edge.source_port), dst.port(IN, edge.target_port)
        if out is None or inp is None:
            return
        wire = WireItem(edge, out, inp, self._wire_title(edge), shape_text, messages)
        self.addItem(wire)
        self._wires[edge] = wire
        self._wires_of[edge.source].add(edge)
        self._wires_of[edge.target].add(edge)
        out.set_connected(True)
        inp.set_connected(True)

    def _remove_wire(self, edge: Edge) -> None:
        wire = self._wires.pop(edge, None)
        if wire is None:
            return
        self._wires_of[edge.source].discard(edge)
        self._wires_of[edge.target].discard(edge)
        self.removeItem(wire)
        doc = self.controller.doc
        if edge.source in doc:
            wire.source.set_connected(
                any(e.source_port == edge.source_port for e in doc.out_edges(edge.source))
            )
        if edge.target in doc:
            wire.target.set_connected(
                any(e.target_port == edge.target_port for e in doc.in_edges(edge.target))
            )

    def _sync_ports(self, node_id: str) -> None:
        item = self._nodes.get(node_id)
        if item is None or node_id not in self.controller.doc:
            return
        doc = self.controller.doc
        if item.sync_ports(
            doc.node(node_id).params,
            {e.target_port for e in doc.in_edges(node_id)},
            {e.source_port for e in doc.out_edges(node_id)},
        ):
            for port in item.ports():
                port.set_connected(
                    any(e.target_port == port.name for e in doc.in_edges(node_id))
                    if port.direction == IN
                    else any(e.source_port == port.name for e in doc.out_edges(node_id))
                )
            self.node_item_moved(item)

    def _title_wire(self, wire: WireItem) -> None:
        title = self._wire_title(wire.edge)
        if title is not None:
            wire.set_title(title)

    def _wire_title(self, e: Edge) -> str | None:
        doc = self.controller.doc
        if e.source in doc and e.target in doc:
            return f"{doc.node(e.source).name}.{e.source_port} → {doc.node(e.target).name}.{e.target_port}"
        return None

    def _analysis_for(self, node_id: str) -> tuple[NodeInfo | None, list[Problem]]:
        analysis = self.controller.analysis
        if analysis is None:
            return None, []
        return analysis.info.get(node_id), analysis.problems_for(node_id)

    def _refresh_card(self, node_id: str) -> None:
        item = self._nodes.get(node_id)
        if item is None or node_id not in self.controller.doc:
            return
        info, problems = self._analysis_for(node_id)
        content = card_content(self.controller.doc.node(node_id), item.spec, info, problems)
        if content != item.content:
            item.set_content(content)
        self.node_item_moved(item)  # ports may have shifted with the layout

    # ---- document events ------------------------------------------------------------

    def _on_graph_event(self, event: GraphEvent) -> None:
        kind = event.kind
        if kind == "node_added" and event.node_id is not None:
            self._add_node(event.node_id)
        elif kind == "node_removed" and event.node_id is not None:
            for edge in list(self._wires_of.pop(event.node_id, ())):
                self._remove_wire(edge)
            item = self._nodes.pop(event.node_id, None)
            if item is not None:
                if self._editor is not None and self._editor.node_id == event.node_id:
                    self._editor.cancel()
                self.removeItem(item)
        elif kind == "edge_added" and event.edge is not None:
            self._add_wire(event.edge)
        elif kind == "edge_removed" and event.edge is not None:
            self._remove_wire(event.edge)
            self._sync_ports(event.edge.source)  # a stale port may now go away
            self._sync_ports(event.edge.target)
        elif kind == "param_changed" and event.node_id is not None:
            self._sync_ports(event.node_id)  # merges change their number of inputs
            self._refresh_card(event.node_id)
        elif kind == "node_renamed" and event.node_id is not None:
            self._refresh_card(event.node_id)
            for edge in self._wires_of.get(event.node_id, ()):
                self._title_wire(self._wires[edge])
        elif kind == "node_moved" and event.node_id is not None:
            item = self._nodes.get(event.node_id)
            if item is not None and event.new is not None and (item.x(), item.y()) != tuple(event.new):
                item.setPos(*event.new)

    def _on_analysis(self, analysis: Analysis) -> None:
        doc = self.controller.doc
        if doc is not self._built_doc:
            return  # a new document's first analysis: the rebuild that follows uses it
        by_node, by_edge = _problems_by_item(analysis)
        for node_id, item in self._nodes.items():
            if node_id not in doc:
                continue
            content = card_content(
                doc.node(node_id), item.spec, analysis.info.get(node_id), by_node.get(node_id)
            )
            if content != item.content:
                item.set_content(content)
                self.node_item_moved(item)
        for edge, wire in self._wires.items():
            shape = analysis.edge_shapes.get(edge)
            wire.set_shape_text(format_shape(shape) if shape is not None else "")
            wire.set_messages(by_edge.get(edge, []))

    # ---- item callbacks ----------------------------------------------------------------

    def node_item_moved(self, item: NodeItem) -> None:
        """A card moved (dragged, or placed from the document): its wires follow."""
        for edge in self._wires_of.get(item.node_id, ()):
            wire = self._wires.get(edge)
            if wire is not None:
                wire.update_path()

    def snapped_drag_position(self, item: NodeItem, value: QPointF) -> QPointF:
        """While the user drags cards they land on the grid; document positions are kept as is."""
        if self.snap_to_grid and isinstance(self._interaction, NodeDrag):
            return QPointF(snap(value.x()), snap(value.y()))
        return value

    def _on_selection_changed(self) -> None:
        if not self._quiet:
            self.nodes_selected.emit(self.selected_node_ids())

    def _rename_done(self, node_id: str, name: str | None) -> None:
        editor, self._editor = self._editor, None
        if editor is not None:
            # This runs inside the editor's own key or focus handler: hide it now, delete it
            # once the event loop is back, never under Qt's feet.
            editor.hide()
            editor.deleteLater()
        if name is not None and node_id in self.controller.doc:
            self.controller.rename(node_id, name)

    # ---- mouse and keys ------------------------------------------------------------------

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._editor is not None and not self._editor.contains(
            self._editor.mapFromScene(event.scenePos())
        ):
            self.finish_rename()
        if event.button() == Qt.MouseButton.LeftButton:
            port = self.port_at(event.scenePos())
            if port is not None:
                self.begin_wire(port)
                event.accept()
                return
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and isinstance(self.mouseGrabberItem(), NodeItem):
            self._interaction = NodeDrag(self)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if isinstance(self._interaction, WireDrag):
            self._interaction.move_to(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if isinstance(self._interaction, WireDrag):
            self.end_interaction(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self.end_interaction(event.scenePos())

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        item = self.node_item_at(event.scenePos())
        if item is not None and event.button() == Qt.MouseButton.LeftButton:
            if item.name_rect().adjusted(-2, -2, 2, 2).contains(item.mapFromScene(event.scenePos())):
                self.start_rename(item.node_id)
            else:
                self.node_activated.emit(item.node_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.focusItem() is not None and self.focusItem() is self._editor:
            super().keyPressEvent(event)
            return
        if event.key() == Qt.Key.Key_Escape and self._interaction is not None:
            self.cancel_interaction()
        elif event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selection()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def cards_rect(self) -> QRectF:
        """Where the cards are (wires run between them, so this is the network's extent)."""
        rect = QRectF()
        for item in self._nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def items_bounding_rect(self) -> QRectF:
        """The cards and wires, without a draft wire or editor."""
        rect = QRectF()
        for item in (*self._nodes.values(), *self._wires.values()):
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def item_at(self, scene_pos: QPointF) -> QGraphicsItem | None:
        return self.itemAt(scene_pos, QTransform())

    def helpEvent(self, event: QGraphicsSceneHelpEvent) -> None:
        # Tooltips are built on demand: make those under the mouse current before Qt reads them.
        for item in self.items(event.scenePos()):
            ensure = getattr(item, "ensure_tooltip", None)
            if ensure is not None:
                ensure()
        super().helpEvent(event)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Thousands of new or dying items would set off the cyclic garbage collector over and
    over (a third of a big build); it is paused meanwhile and switched back on after."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _problems_by_item(analysis: Analysis) -> tuple[dict[str, list[Problem]], dict[Edge, list[str]]]:
    """The analysis's problems per node id, and their messages per edge."""
    by_node: dict[str, list[Problem]] = defaultdict(list)
    by_edge: dict[Edge, list[str]] = defaultdict(list)
    for problem in analysis.problems:
        if problem.node_id is not None:
            by_node[problem.node_id].append(problem)
        if problem.edge is not None:
            by_edge[problem.edge].append(problem.message)
    return by_node, by_edge
