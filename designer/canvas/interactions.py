"""Mouse gestures as small objects (the orange-canvas-core pattern).

The scene starts one interaction on a mouse press and hands it the following moves
and the release; the interaction ends by calling one controller method (one undo
step) or by cancelling. Nothing here changes the document directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF

from designer.canvas.node_item import NodeItem
from designer.canvas.port_item import PortItem, PortState
from designer.canvas.wire_item import DraftWire

if TYPE_CHECKING:
    from designer.canvas.scene import GraphScene


class Interaction:
    """A gesture in progress. `finish` and `cancel` both leave the scene as they found it."""

    def __init__(self, scene: GraphScene) -> None:
        self.scene = scene

    def move_to(self, scene_pos: QPointF) -> None:
        pass

    def finish(self, scene_pos: QPointF) -> None:
        pass

    def cancel(self) -> None:
        pass


class WireDrag(Interaction):
    """Drag from a port: a dashed wire follows the mouse, ports that could take it light up,
    the rest dim. Releasing on a compatible port (or on a card with one) connects."""

    def __init__(self, scene: GraphScene, origin: PortItem) -> None:
        super().__init__(scene)
        self.origin = origin
        self.draft = DraftWire(origin)
        scene.addItem(self.draft)
        self._hover: PortItem | None = None
        for port in scene.all_ports():
            if port is origin:
                continue
            port.set_state(PortState.COMPATIBLE if origin.accepts(port) else PortState.DIMMED)

    def target_at(self, scene_pos: QPointF) -> PortItem | None:
        """The port a release here would connect to, if any."""
        port = self.scene.port_at(scene_pos)
        if port is not None:
            return port if self.origin.accepts(port) else None
        node = self.scene.node_item_at(scene_pos)
        if node is None or node.node_id == self.origin.node_id:
            return None
        # Dropped on a card: its first free compatible port, else its first compatible one.
        candidates = [p for p in node.ports() if self.origin.accepts(p)]
        free = [p for p in candidates if not p.connected]
        return (free or candidates or [None])[0]

    def move_to(self, scene_pos: QPointF) -> None:
        target = self.target_at(scene_pos)
        self.draft.follow(target.scene_anchor() if target is not None else scene_pos)
        if target is not self._hover:
            if self._hover is not None:
                self._hover.set_state(PortState.COMPATIBLE)
            self._hover = target

    def finish(self, scene_pos: QPointF) -> None:
        target = self.target_at(scene_pos)
        self._clean_up()
        if target is None:
            refused = self.scene.port_at(scene_pos)
            if refused is not None and refused is not self.origin:
                self.scene.controller.edit_refused.emit(why_ports_do_not_fit(self.origin, refused))
            return
        out, inp = (self.origin, target) if self.origin.is_output else (target, self.origin)
        self.scene.controller.connect_ports(out.node_id, out.name, inp.node_id, inp.name)

    def cancel(self) -> None:
        self._clean_up()

    def _clean_up(self) -> None:
        if self.draft.scene() is not None:
            self.scene.removeItem(self.draft)
        for port in self.scene.all_ports():
            port.set_state(PortState.NORMAL)


class NodeDrag(Interaction):
    """Cards move freely (Qt moves the whole selection; the scene snaps them to the grid);
    on release the whole move becomes one controller.move_nodes step."""

    def __init__(self, scene: GraphScene) -> None:
        super().__init__(scene)
        self.items: list[NodeItem] = scene.selected_node_items()

    def finish(self, scene_pos: QPointF) -> None:
        doc = self.scene.controller.doc
        moves: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {}
        for item in self.items:
            if item.node_id not in doc:
                continue
            old = doc.node(item.node_id).position
            new = (item.x(), item.y())
            if new != old:
                moves[item.node_id] = (old, new)
        if moves:
            self.scene.controller.move_nodes(moves, final=True)

    def cancel(self) -> None:
        """Put the cards back where the document has them."""
        doc = self.scene.controller.doc
        for item in self.items:
            if item.node_id in doc:
                item.setPos(*doc.node(item.node_id).position)


def why_ports_do_not_fit(origin: PortItem, other: PortItem) -> str:
    """In words, why a wire dragged from `origin` was refused at `other` (a dimmed port)."""
    if other.node_id == origin.node_id:
        return "A node cannot feed itself: wire it to another node"
    if other.direction == origin.direction:
        both = "outputs" if origin.is_output else "inputs"
        return f"Both ports are {both}: a wire runs from an output (right side) to an input (left side)"
    loss_end = origin if origin.kind == "loss" else other
    if loss_end.is_output:
        return "A loss's output feeds an optimizer's 'loss' input, nothing else"
    return "An optimizer's 'loss' input takes a loss's output, not a tensor"
