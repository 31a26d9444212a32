"""Wires: cubic bezier curves from an output port to an input port.

A WireItem stands for one document Edge and shows the tensor shape it carries as a
small label at its middle. DraftWire is the dashed wire that follows the mouse while
a connection is being drawn; it belongs to no edge.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from designer.canvas import style as st
from designer.canvas.port_item import PortItem
from nodes.graph import Edge

_METRICS: tuple[object, QFontMetricsF] | None = None


def _label_metrics() -> QFontMetricsF:
    """Metrics of the label font, made once per style (thousands of wires share them)."""
    global _METRICS
    font = st.cached_style().fonts["small"]
    if _METRICS is None or _METRICS[0] is not font:
        _METRICS = (font, QFontMetricsF(font))
    return _METRICS[1]


def bezier(start: QPointF, end: QPointF) -> QPainterPath:
    """Leave the output heading right and enter the input heading right, even backwards."""
    dx = max(abs(end.x() - start.x()) * 0.5, 40.0)
    path = QPainterPath(start)
    path.cubicTo(QPointF(start.x() + dx, start.y()), QPointF(end.x() - dx, end.y()), end)
    return path


class WireItem(QGraphicsItem):
    def __init__(
        self,
        edge: Edge,
        source: PortItem,
        target: PortItem,
        title: str | None = None,
        shape_text: str = "",
        messages: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.edge = edge
        self.source = source
        self.target = target
        self.shape_text = shape_text
        self._label = ""  # shape_text as drawn (spaces dropped where the wire is short)
        self.title = edge.describe() if title is None else title
        self.messages: list[str] = list(messages) if messages else []
        self._tooltip_stale = True  # the rich text is built when first asked for
        self._hovered = False
        self._highlighted = False  # a node being dropped would land on this wire
        self._ends = (QPointF(), QPointF())  # the ports' scene positions as of update_path()
        self._path = QPainterPath()
        self._hit: QPainterPath | None = None  # the wide outline clicks hit, made when first needed
        self._label_rect = QRectF()
        self._bounds = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setAcceptHoverEvents(True)
        self.setZValue(-1)  # under the cards
        self.update_path()

    @property
    def has_error(self) -> bool:
        return bool(self.messages)

    # ---- state from the scene -----------------------------------------------------

    def set_shape_text(self, text: str) -> None:
        if text != self.shape_text:
            self.shape_text = text
            self._place_label()
            self._refresh_tooltip()

    def set_title(self, title: str) -> None:
        """How the tooltip names the wire, e.g. "fc1.out → relu1.in" (node names, not ids)."""
        if title != self.title:
            self.title = title
            self._refresh_tooltip()

    def set_messages(self, messages: list[str]) -> None:
        if messages != self.messages:
            self.messages = list(messages)
            self._refresh_tooltip()
            self.update()

    def set_highlighted(self, on: bool) -> None:
        if on != self._highlighted:
            self._highlighted = on
            self.update()

    def update_path(self) -> None:
        """Follow the ports (called when either node moves)."""
        self._ends = (self.source.scene_anchor(), self.target.scene_anchor())
        self._path = bezier(*self._ends)
        self._hit = None
        self._place_label()

    def _place_label(self) -> None:
        self.prepareGeometryChange()
        if self.shape_text:
            metrics = _label_metrics()
            mid = self._path.pointAtPercent(0.5)
            angle = self._path.angleAtPercent(0.5) % 180  # 0 = horizontal, 90 = vertical
            flat = angle < 35 or angle > 145
            gap = self._ends[1].x() - self._ends[0].x()
            self._label = self.shape_text
            if flat and metrics.horizontalAdvance(self._label) + 6 > gap:
                self._label = self._label.replace(", ", ",")  # "(N,16,8,8)": fits between close cards
            w, h = metrics.horizontalAdvance(self._label) + 6, metrics.height() + 2
            if flat:
                # Above a flat wire, so the line stays whole and the ports stay clear.
                self._label_rect = QRectF(mid.x() - w / 2, mid.y() - h - 1, w, h)
            else:
                # On a steep one, where it stays in the gap between the cards.
                self._label_rect = QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h)
        else:
            self._label_rect = QRectF()
        self._bounds = self._path.boundingRect().adjusted(-6, -6, 6, 6).united(self._label_rect)
        self.update()

    def _refresh_tooltip(self) -> None:
        self._tooltip_stale = True
        if self.isUnderMouse():
            self.ensure_tooltip()

    def ensure_tooltip(self) -> None:
        if not self._tooltip_stale:
            return
        self._tooltip_stale = False
        lines = [escape(self.title)]
        if self.shape_text:
            lines.append(f"carries a tensor of shape <b>{escape(self.shape_text)}</b>")
        lines += [f"<span style='color:#d93025'>{escape(m)}</span>" for m in self.messages]
        self.setToolTip("<br>".join(lines))

    def toolTip(self) -> str:
        self.ensure_tooltip()
        return super().toolTip()

    # ---- drawing ------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._hit is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10)  # easy to click, not only on the 2-unit line
            self._hit = stroker.createStroke(self._path)
        path = QPainterPath(self._hit)
        if not self._label_rect.isNull():
            path.addRect(self._label_rect)
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        s = st.cached_style()
        if self.isSelected():
            pen = s.pens["wire_selected"]
        elif self._hovered or self._highlighted:
            pen = s.pens["wire_hover"]
        elif self.messages:
            pen = s.pens["wire_error"]
        elif self.source.kind == "loss":
            pen = s.pens["loss_wire:loss"]
        else:
            pen = s.pens["wire"]
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        detail = option.levelOfDetailFromTransform(painter.worldTransform())
        if detail < 0.45:
            # Zoomed far out: hairline-thin curves need no antialiasing and the label is
            # unreadable anyway; skipping both keeps a canvas of hundreds of nodes fluid.
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.drawPath(self._path)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            return
        painter.drawPath(self._path)
        if self.shape_text:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(s.brushes["label"])
            painter.drawRoundedRect(self._label_rect, 4, 4)
            painter.setFont(s.fonts["small"])
            painter.setPen(s.pens["error"] if self.messages else s.pens["muted"])
            painter.drawText(self._label_rect, Qt.AlignmentFlag.AlignCenter, self._label)

    # ---- hover ---------------------------------------------------------------------

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.ensure_tooltip()
        self._hovered = True
        self.update()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        self.update()
        super().hoverLeaveEvent(event)


class DraftWire(QGraphicsPathItem):
    """The dashed wire under the mouse while a connection is being drawn."""

    def __init__(self, anchor: PortItem) -> None:
        super().__init__()
        self.anchor = anchor
        self.setPen(st.current_style().pens["wire_temp"])
        self.setZValue(10)  # above everything while dragging
        self.follow(anchor.scene_anchor())

    def follow(self, point: QPointF) -> None:
        start = self.anchor.scene_anchor()
        if self.anchor.is_output:
            self.setPath(bezier(start, point))
        else:
            self.setPath(bezier(point, start))
