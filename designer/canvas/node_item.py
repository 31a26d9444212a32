"""A node drawn as a card: a coloured header with the type, the user's name, a few key
parameters, the output shape and parameter count, and ports on both edges.

Everything paint() needs (paths, elided strings, their positions) is worked out in
_relayout() when the content changes, so painting hundreds of cards stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneHoverEvent, QStyleOptionGraphicsItem, QWidget

from designer.canvas import style as st
from designer.canvas.card_content import CardContent
from designer.canvas.port_item import IN, OUT, PortItem
from nodes.spec import NodeSpec

CARD_LAYOUTS_KEPT = 4096  # distinct card layouts remembered per style

# One string to draw: (baseline position, text, font key, pen key).
_Text = tuple[QPointF, str, str, str]


class NodeItem(QGraphicsItem):
    # Blanks until the first _relayout(); never changed in place, only replaced.
    _rect = QRectF(0, 0, st.NODE_WIDTH, st.HEADER_HEIGHT)
    _bounds = QRectF(0, 0, st.NODE_WIDTH, st.HEADER_HEIGHT)
    _body = _shadow = _header = QPainterPath()
    _name_rect = _gauge_rect = _gauge_track = _badge_rect = QRectF()
    _badge_centre = QPointF()
    _gradient_colour = QColor()

    def __init__(
        self,
        node_id: str,
        spec: NodeSpec | None,
        content: CardContent,
        position: tuple[float, float] | None = None,
    ) -> None:
        super().__init__()
        if position is not None:
            self.setPos(*position)  # before the flags: no geometry notifications yet
        self.node_id = node_id
        self.spec = spec
        self.content = content
        self.gradient: float | None = None
        self.in_ports: dict[str, PortItem] = {}
        self.out_ports: dict[str, PortItem] = {}
        self._texts: list[_Text] = []
        self._port_list: list[PortItem] = []
        self._laid_out = False
        # The geometry attributes start as the shared class-level blanks below; _relayout()
        # gives each card its own (a big scene builds faster without thousands of blanks).
        self._tooltip_stale = True  # the rich text is built when first asked for
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flags.ItemIsSelectable | flags.ItemIsMovable | flags.ItemSendsGeometryChanges)
        # A card is a pixmap until it changes: panning and wire redraws do not re-render text.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)

    # ---- ports ----------------------------------------------------------------------

    def sync_ports(
        self, params: dict[str, Any], wired_in: Iterable[str] = (), wired_out: Iterable[str] = ()
    ) -> bool:
        """Match the port items to the spec (merges grow ports with "inputs") plus any port a
        wire still uses that the spec lacks, so a stale wire stays visible. True if changed."""
        spec = self.spec
        ins = [(p.name, p.kind, p.optional, p.display_name) for p in spec.input_ports(params)] if spec else []
        outs = [(p.name, p.kind, p.optional, p.display_name) for p in spec.outputs] if spec else []
        ins += [(n, "tensor", True, n) for n in sorted(set(wired_in) - {p[0] for p in ins})]
        outs += [(n, "tensor", True, n) for n in sorted(set(wired_out) - {p[0] for p in outs})]
        changed = self._sync_side(self.in_ports, ins, IN)
        changed = self._sync_side(self.out_ports, outs, OUT) or changed
        if changed or not self._laid_out:
            self._relayout()
        return changed

    def _sync_side(
        self, ports: dict[str, PortItem], wanted: list[tuple[str, str, bool, str]], direction: str
    ) -> bool:
        if list(ports) == [w[0] for w in wanted]:
            return False
        old = dict(ports)
        ports.clear()
        for name, kind, optional, label in wanted:
            port = old.pop(name, None) or PortItem(self, self.node_id, name, direction, kind, optional, label)
            port.set_colour_key(f"cat:{self.spec.category.value}" if self.spec else "cat:layer")
            word = "input" if direction == IN else "output"
            port.set_tooltip_text(f"{word} '{label}'" + (" (a loss)" if kind == "loss" else ""))
            ports[name] = port
        for port in old.values():
            port.setParentItem(None)
            if port.scene() is not None:
                port.scene().removeItem(port)
        return True

    def port(self, direction: str, name: str) -> PortItem | None:
        return (self.in_ports if direction == IN else self.out_ports).get(name)

    def ports(self) -> list[PortItem]:
        return [*self.in_ports.values(), *self.out_ports.values()]

    # ---- content --------------------------------------------------------------------

    def set_content(self, content: CardContent) -> None:
        self.content = content
        self._relayout()

    def set_gradient(self, value: float | None) -> None:
        """Show the gradient gauge (during training) or hide it (None)."""
        shown = self.gradient is not None
        unchanged = shown and value is not None and _gauge_bucket(value) == _gauge_bucket(self.gradient)
        self.gradient = value
        if unchanged:
            return  # the gauge would look the same; skip re-rendering the cached card
        if value is not None:
            self._gradient_colour = st.gradient_colour(value)
        if shown != (value is not None):
            self._relayout()  # the gauge adds a strip at the bottom of the card
        else:
            self._update_gauge()
            self.update()
        self._tooltip_changed()

    # ---- tooltip (built on demand: escaping HTML for every card slows big builds) ----

    def _tooltip_changed(self) -> None:
        self._tooltip_stale = True
        if self.isUnderMouse():
            self.ensure_tooltip()

    def ensure_tooltip(self) -> None:
        if self._tooltip_stale:
            self._tooltip_stale = False
            self.setToolTip(self.content.tooltip(self.gradient))

    def toolTip(self) -> str:
        self.ensure_tooltip()
        return super().toolTip()

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.ensure_tooltip()
        super().hoverEnterEvent(event)

    def name_rect(self) -> QRectF:
        """Where the user-given name is drawn (item coordinates); double-click there renames."""
        return QRectF(self._name_rect)

    @property
    def has_error(self) -> bool:
        return bool(self.content.errors)

    @property
    def has_warning(self) -> bool:
        return bool(self.content.warnings)

    # ---- layout -----------------------------------------------------------------------

    def _relayout(self) -> None:
        cache = _layout_cache(st.current_style())
        c = self.content
        ins, outs = list(self.in_ports.values()), list(self.out_ports.values())
        # Cards that differ only in their names share one layout (a big graph repeats its
        # layer types); the name is measured per card and slotted in.
        key = (
            c.title,
            tuple(c.params),
            tuple(c.out_shapes),
            c.count_text,
            bool(c.errors),
            bool(c.warnings),
            tuple(p.label for p in ins),
            tuple(p.label for p in outs),
            self.gradient is not None,
        )
        shared = cache.card_layouts.get(key)
        if shared is None:
            if len(cache.card_layouts) >= CARD_LAYOUTS_KEPT:  # a long session of edits: start afresh
                cache.card_layouts.clear()
            shared = cache.card_layouts[key] = _card_layout(cache, c, ins, outs, self.gradient is not None)
        w, row = float(st.NODE_WIDTH), float(st.ROW_HEIGHT)
        top = st.HEADER_HEIGHT + st.TOP_PAD
        for i, port in enumerate(ins):
            port.setPos(0, top + row * i + row / 2)
        for i, port in enumerate(outs):
            port.setPos(w, top + row * i + row / 2)
        name_text = cache.text_at(shared.name_rect, c.name, "name", "text")

        self.prepareGeometryChange()
        self._laid_out = True
        self._texts = [*shared.texts[: shared.name_index], name_text, *shared.texts[shared.name_index :]]
        self._name_rect = shared.name_rect
        self._badge_centre, self._badge_rect = shared.badge_centre, shared.badge_rect
        self._rect = shared.rect
        self._bounds = shared.bounds
        self._port_list = self.ports()
        self._body, self._shadow, self._header = shared.paths
        self._update_gauge()
        self._tooltip_changed()
        self.update()

    def _update_gauge(self) -> None:
        if self.gradient is None:
            self._gauge_rect = QRectF()
            return
        top = self._rect.height() - st.BOTTOM_PAD - st.GAUGE_HEIGHT
        self._gauge_track = QRectF(st.PAD, top, st.NODE_WIDTH - 2 * st.PAD, st.GAUGE_HEIGHT)
        fill = max(0.06, st.gradient_fraction(self.gradient))  # never quite empty: still visible
        self._gauge_rect = QRectF(st.PAD, top, self._gauge_track.width() * fill, st.GAUGE_HEIGHT)

    # ---- drawing ----------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return self._body

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        s = st.cached_style()
        c = self.content
        category = self.spec.category.value if self.spec else None
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(s.brushes["shadow"])
        painter.drawPath(self._shadow)
        painter.setBrush(s.brushes["card"])
        painter.drawPath(self._body)
        painter.setBrush(s.brushes[f"cat:{category}"] if category else s.brushes["error"])
        painter.drawPath(self._header)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(s.pens["error" if c.errors else "warning" if c.warnings else "border"])
        painter.drawPath(self._body)
        if self.isSelected():
            painter.setPen(s.pens["selected"])
            painter.drawRoundedRect(self._rect.adjusted(-3, -3, 3, 3), st.CORNER + 2, st.CORNER + 2)

        font = ""
        for point, text, font_key, pen_key in self._texts:
            if font_key != font:
                painter.setFont(s.fonts[font_key])
                font = font_key
            painter.setPen(s.pens[pen_key])
            painter.drawText(point, text)

        for port in self._port_list:
            port.draw_on(painter)

        if c.errors or c.warnings:
            # A round "!" in the header: red for errors, amber for warnings only.
            painter.setPen(s.pens["white"])
            painter.setBrush(s.brushes["error" if c.errors else "warning"])
            painter.drawEllipse(self._badge_centre, 7, 7)
            painter.setFont(s.fonts["badge"])
            painter.drawText(self._badge_rect, Qt.AlignmentFlag.AlignCenter, "!")
        if self.gradient is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(s.brushes["gauge_track"])
            painter.drawRoundedRect(self._gauge_track, 2, 2)
            painter.setBrush(self._gradient_colour)
            painter.drawRoundedRect(self._gauge_rect, 2, 2)

    # ---- scene notifications ------------------------------------------------------

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        # Called for every flag, child and scene change too (six times per card while a
        # big scene is built): anything but the three changes below returns at once.
        if change not in _WATCHED_CHANGES:
            return value
        if change == _SELECTED_CHANGED:
            self.setZValue(1 if value else 0)  # a selected card comes to the front
            return value
        scene = self.scene()
        if not hasattr(scene, "node_item_moved"):  # only a GraphScene keeps wires and snapping
            return value
        if change == _POSITION_CHANGE:
            return scene.snapped_drag_position(self, value)
        scene.node_item_moved(self)
        return value


_POSITION_CHANGE = QGraphicsItem.GraphicsItemChange.ItemPositionChange
_SELECTED_CHANGED = QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged
_WATCHED_CHANGES = frozenset(
    {_POSITION_CHANGE, QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged, _SELECTED_CHANGED}
)


@dataclass(frozen=True)
class _CardLayout:
    """Where everything but the name goes on a card of one content and set of ports."""

    texts: list[_Text]  # never changed once made: cards share it
    name_index: int  # where the card's name goes in `texts`
    name_rect: QRectF
    badge_centre: QPointF
    badge_rect: QRectF
    rect: QRectF
    bounds: QRectF
    paths: tuple[QPainterPath, QPainterPath, QPainterPath]


def _card_layout(
    cache: _LayoutCache, c: CardContent, ins: list[PortItem], outs: list[PortItem], gauge: bool
) -> _CardLayout:
    w, pad, row = float(st.NODE_WIDTH), float(st.PAD), float(st.ROW_HEIGHT)
    texts: list[_Text] = []

    def put(rect: QRectF, text: str, font: str, pen: str, right: bool = False) -> float:
        """Queue `text` elided to `rect`, left or right aligned; returns its width."""
        texts.append(cache.text_at(rect, text, font, pen, right))
        return cache.elided_width(rect, text, font)

    # Header: the type title, leaving room for the problem badge.
    badge = 18.0 if (c.errors or c.warnings) else 0.0
    put(QRectF(pad, 0, w - 2 * pad - badge, st.HEADER_HEIGHT), c.title, "title", "header_text")

    # Ports: a single port per side sits on the first row, unlabelled; several get rows
    # of their own with labels (and, for outputs, the shape each one carries).
    top = st.HEADER_HEIGHT + st.TOP_PAD
    label_in, label_out = len(ins) > 1, len(outs) > 1
    shapes = dict(c.out_shapes)
    if label_in:
        for i, port in enumerate(ins):
            put(QRectF(pad, top + row * i, w / 2 - pad, row), port.label, "small", "muted")
    if label_out:
        for i, port in enumerate(outs):
            rect = QRectF(w / 2, top + row * i, w / 2 - pad, row)
            used = put(rect, port.label, "small", "text", right=True)
            shape = shapes.get(port.label, "")
            if shape and not label_in:
                put(QRectF(pad, top + row * i, w - 2 * pad - used - 6, row), shape, "small", "muted", True)
    y = top + row * max(len(ins) if label_in else 0, len(outs) if label_out else 0)

    # The user's name (each card's own, added by the card), then the key parameters.
    name_index, name_rect = len(texts), QRectF(pad, y, w - 2 * pad, row + 2)
    y += row + 3
    for label, value, inferred in c.params:
        shown = f"{value} (auto)" if inferred else value
        rect = QRectF(pad, y, w - 2 * pad, row)
        value_rect = QRectF(rect.left() + rect.width() * 0.4, y, rect.width() * 0.6, row)
        used = put(value_rect, shown, "body", "muted" if inferred else "text", right=True)
        put(QRectF(pad, y, rect.width() - used - 6, row), label, "body", "muted")
        y += row

    # Footer: what comes out and how many weights it takes.
    inner = w - 2 * pad
    shape_text = f"→ {c.out_shapes[0][1] or '?'}" if len(c.out_shapes) == 1 else ""
    if shape_text or c.count_text:
        y += 2
        shape_width = cache.advance("small", shape_text)
        count_width = cache.advance("small", c.count_text)
        if shape_text and c.count_text and shape_width + count_width + 8 > inner:
            put(QRectF(pad, y, inner, row), shape_text, "small", "muted")  # too long to share
            y += row - 2
            shape_text = ""
        if c.count_text:
            put(QRectF(pad, y, inner, row), c.count_text, "small", "muted", right=True)
        if shape_text:
            width = inner - (count_width + 8 if c.count_text else 0)
            put(QRectF(pad, y, width, row), shape_text, "small", "muted")
        y += row
    height = max(y + st.BOTTOM_PAD, top + row * max(len(ins), len(outs), 1) + st.BOTTOM_PAD)
    if gauge:
        height += st.GAUGE_HEIGHT + 4
    rect = QRectF(0, 0, w, height)
    margin = st.PORT_RADIUS + 3  # room for the selection outline and the ports half outside
    return _CardLayout(
        texts=texts,
        name_index=name_index,
        name_rect=name_rect,
        badge_centre=QPointF(w - 12, st.HEADER_HEIGHT / 2),
        badge_rect=QRectF(w - 19, 0, 14, st.HEADER_HEIGHT),
        rect=rect,
        bounds=rect.adjusted(-margin, -4, margin, 4),
        paths=cache.paths(w, height),
    )


class _LayoutCache:
    """What every card of one style measures alike: font metrics, elided strings and their
    widths, and the outline paths per card size (paths are shared, copy-on-write)."""

    def __init__(self, style: st.CanvasStyle) -> None:
        self.style = style
        self.fonts = {k: QFont(f) for k, f in style.fonts.items()}
        self.metrics = {k: QFontMetricsF(style.fonts[k]) for k in ("title", "name", "body", "small")}
        self.baseline = {k: (m.ascent() - m.descent()) / 2 for k, m in self.metrics.items()}
        self.measured: dict[tuple[str, str, float], tuple[str, float, float]] = {}
        self._advances: dict[tuple[str, str], float] = {}
        self._paths: dict[tuple[float, float], tuple[QPainterPath, QPainterPath, QPainterPath]] = {}
        self.card_layouts: dict[tuple[Any, ...], _CardLayout] = {}

    def _elide(self, rect: QRectF, text: str, font: str) -> tuple[str, float, float]:
        key = (font, text, rect.width())
        found = self.measured.get(key)
        if found is None:
            metrics = self.metrics[font]
            elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
            found = self.measured[key] = (elided, metrics.horizontalAdvance(elided), self.baseline[font])
        return found

    def elided_width(self, rect: QRectF, text: str, font: str) -> float:
        return self._elide(rect, text, font)[1]

    def text_at(self, rect: QRectF, text: str, font: str, pen: str, right: bool = False) -> _Text:
        """`text` elided to fit `rect`, left or right aligned, on the rect's middle line."""
        shown, width, baseline = self._elide(rect, text, font)
        x = rect.right() - width if right else rect.left()
        return (QPointF(x, rect.center().y() + baseline), shown, font, pen)

    def advance(self, font: str, text: str) -> float:
        key = (font, text)
        found = self._advances.get(key)
        if found is None:
            found = self._advances[key] = self.metrics[font].horizontalAdvance(text)
        return found

    def paths(self, w: float, height: float) -> tuple[QPainterPath, QPainterPath, QPainterPath]:
        key = (w, height)
        found = self._paths.get(key)
        if found is None:
            body = QPainterPath()
            body.addRoundedRect(QRectF(0, 0, w, height), st.CORNER, st.CORNER)
            shadow = body.translated(0, 2)  # a soft lift off the canvas
            header = QPainterPath()
            header.addRect(QRectF(0, 0, w, st.HEADER_HEIGHT))
            found = self._paths[key] = (body, shadow, body.intersected(header))
        return found

    def fits(self, style: st.CanvasStyle) -> bool:
        """Still valid: the same style object with the same fonts (restyle may change them)."""
        return style is self.style and all(self.fonts.get(k) == f for k, f in style.fonts.items())


_CACHE: _LayoutCache | None = None


def _layout_cache(style: st.CanvasStyle) -> _LayoutCache:
    global _CACHE
    if _CACHE is None or not _CACHE.fits(style):
        _CACHE = _LayoutCache(style)
    return _CACHE


def _gauge_bucket(value: float) -> int:
    """Gradient norms that draw the same gauge: steps of a twentieth of a decade."""
    return round(math.log10(max(value, 1e-12)) * 20)
