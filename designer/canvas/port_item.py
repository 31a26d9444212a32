"""A port: the small circle on a card's edge where wires start and end.

Ports are children of their node item, so they move with it. They hold no graph state
beyond which port of which node they stand for; whether they are wired is set by
the scene from the document.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneHoverEvent, QStyleOptionGraphicsItem, QWidget

from designer.canvas import style as st

IN, OUT = "in", "out"


_GEOMETRY: tuple[QRectF, QPainterPath, QPolygonF] | None = None


def _geometry() -> tuple[QRectF, QPainterPath, QPolygonF]:
    """Bounds, hit shape and loss diamond, the same for every port (built once, shared)."""
    global _GEOMETRY
    if _GEOMETRY is None:
        r = st.PORT_HIT_RADIUS
        bounds = QRectF(-r, -r, 2 * r, 2 * r)
        shape = QPainterPath()
        shape.addEllipse(bounds)
        diamond = QPolygonF([QPointF(0, -6), QPointF(6, 0), QPointF(0, 6), QPointF(-6, 0)])
        _GEOMETRY = (bounds, shape, diamond)
    return _GEOMETRY


class PortState(Enum):
    NORMAL = 0
    COMPATIBLE = 1  # a wire being dragged may end here
    DIMMED = 2  # a wire being dragged cannot end here


class PortItem(QGraphicsItem):
    def __init__(
        self,
        parent: QGraphicsItem,
        node_id: str,
        name: str,
        direction: str,
        kind: str = "tensor",
        optional: bool = False,
        label: str = "",
    ) -> None:
        super().__init__(parent)
        self.node_id = node_id
        self.name = name
        self.direction = direction
        self.kind = kind
        self.optional = optional
        self.label = label
        self.connected = False
        self.state = PortState.NORMAL
        self._hovered = False
        self._colour_key = "cat:layer"
        self._tooltip_text: str | None = None  # set as the item's tooltip when first asked for
        # No z-value (a port only ever overlaps its sibling ports) and the cursor is set on
        # first hover: both cost time in every build of a big scene.
        self.setAcceptHoverEvents(True)
        self._bounds, self._shape, self._diamond = _geometry()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)

    @property
    def is_output(self) -> bool:
        return self.direction == OUT

    def set_colour_key(self, key: str) -> None:
        self._colour_key = key

    def set_tooltip_text(self, text: str) -> None:
        if text != self._tooltip_text:
            self._tooltip_text = text
            if self.isUnderMouse():
                self.ensure_tooltip()

    def ensure_tooltip(self) -> None:
        if self._tooltip_text is not None:
            text, self._tooltip_text = self._tooltip_text, None
            self.setToolTip(text)

    def toolTip(self) -> str:
        self.ensure_tooltip()
        return super().toolTip()

    def set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self._repaint()

    def set_state(self, state: PortState) -> None:
        if state != self.state:
            self.state = state
            self._repaint()

    def _repaint(self) -> None:
        parent = self.parentItem()
        if parent is not None:
            parent.update()

    def accepts(self, other: PortItem) -> bool:
        """Can a wire join these two ports? Other direction, same kind, another node."""
        return other.direction != self.direction and other.kind == self.kind and other.node_id != self.node_id

    def scene_anchor(self) -> QPointF:
        return self.scenePos()

    # ---- drawing (by the card, so a canvas of many cards paints few items) ----------

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return self._shape

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        pass  # ItemHasNoContents: the parent card draws the port with draw_on()

    def draw_on(self, painter: QPainter) -> None:
        """Draw this port in the parent card's coordinates."""
        s = st.cached_style()
        big = self._hovered or self.state is PortState.COMPATIBLE
        r = st.PORT_RADIUS + (1.5 if big else 0)
        painter.setOpacity(0.3 if self.state is PortState.DIMMED else 1.0)
        painter.setPen(s.pens["port_ring"] if big else s.pens["border"])
        painter.setBrush(s.brushes[self._colour_key] if self.connected or big else s.brushes["card"])
        centre = self.pos()
        if self.kind == "loss":
            # A loss is a different kind of value: a diamond rather than a circle.
            painter.drawPolygon(self._diamond.translated(centre.x(), centre.y()))
        else:
            painter.drawEllipse(centre, r, r)
        painter.setOpacity(1.0)

    # ---- hover ---------------------------------------------------------------------

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        if not self.hasCursor():
            self.setCursor(Qt.CursorShape.CrossCursor)  # "a wire starts here"
        self.ensure_tooltip()
        self._hovered = True
        self._repaint()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        self._repaint()
        super().hoverLeaveEvent(event)
