"""CanvasView: the window onto the GraphScene.

Zoom on the wheel around the cursor, pan with the middle or right button, rubber-band
selection with the left button on the background, a grid drawn only where exposed,
and node types dropped from the palette (onto a wire: inserted into it).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QLineF, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QMouseEvent,
    QPainter,
    QPixmapCache,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QWidget

from designer.canvas import style as st
from designer.canvas.offscreen_hint import OffscreenHint
from designer.canvas.scene import GraphScene, snap
from nodes import layout

NODE_MIME = "application/x-netcanvas-node-type"
_FAR = 100_000.0  # the canvas is effectively endless; scroll bars are hidden


class CanvasView(QGraphicsView):
    zoom_changed = Signal(float)

    def __init__(self, scene: GraphScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self._scene = scene
        self.offscreen_hint = OffscreenHint(self, scene.cards_rect, self.fit_all)  # (before any scroll)
        self._pan_from: QPoint | None = None
        self._drop_wire = None
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)  # zoom_by anchors itself
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSceneRect(QRectF(-_FAR, -_FAR, 2 * _FAR, 2 * _FAR))
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # Cards are cached as pixmaps; the default 10 MB holds about 200 cards at 100 %.
        QPixmapCache.setCacheLimit(max(QPixmapCache.cacheLimit(), 64 * 1024))
        self._fit_pending = True  # fit once the view has its real size
        scene.controller.document_replaced.connect(self._on_document_replaced)
        self.zoom_changed.connect(self.offscreen_hint.schedule)
        scene.controller.graph_event.connect(self.offscreen_hint.schedule)
        scene.controller.document_replaced.connect(self.offscreen_hint.schedule)

    def _on_document_replaced(self) -> None:
        if self.isVisible():
            self.fit_all()
        else:
            self._fit_pending = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._fit_pending:
            self._fit_pending = False
            self.fit_all()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self.offscreen_hint.schedule()  # a pan may bring cards into view or push them out

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.offscreen_hint.schedule()

    # ---- zoom and navigation -------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Scale by `factor` (kept within 0.2x-3x) around `anchor` in view coordinates."""
        current = self.zoom()
        target = min(st.ZOOM_MAX, max(st.ZOOM_MIN, current * factor))
        if math.isclose(target, current):
            return
        point = (anchor or QPointF(self.viewport().rect().center())).toPoint()
        before = self.mapToScene(point)
        self.scale(target / current, target / current)
        # Keep the scene point under the cursor (or the centre) where it was on screen.
        drift = self.mapToScene(point) - before
        self.centerOn(self.mapToScene(self.viewport().rect().center()) - drift)
        self.zoom_changed.emit(self.zoom())

    def show_document(self) -> None:
        """A newly opened network: all of it if it is legible so, else its start at a size
        that can be read (the rest is a pan or Fit to View away)."""
        self.fit_all()
        rect = self._scene.items_bounding_rect()
        if rect.isNull() or self.zoom() >= st.READABLE_ZOOM:
            return
        self.resetTransform()
        self.scale(st.READABLE_ZOOM, st.READABLE_ZOOM)
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        self.centerOn(rect.left() - 40 + visible.width() / 2, rect.center().y())
        self.zoom_changed.emit(self.zoom())

    def fit_all(self) -> None:
        rect = self._scene.items_bounding_rect()
        if rect.isNull():
            self.resetTransform()
            self.centerOn(0, 0)
            self.zoom_changed.emit(1.0)
            return
        rect = rect.adjusted(-40, -40, 40, 40)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > 1.0:  # a small graph is shown at its natural size, not blown up
            self.resetTransform()
        elif self.zoom() < st.ZOOM_MIN:
            self.resetTransform()
            self.scale(st.ZOOM_MIN, st.ZOOM_MIN)
        self.centerOn(rect.center())
        self.zoom_changed.emit(self.zoom())

    def center_on_node(self, node_id: str) -> None:
        item = self._scene.node_item(node_id)
        if item is not None:
            self.centerOn(item.sceneBoundingRect().center())

    def reveal_node(self, node_id: str) -> None:
        """Scroll just enough that the node's card is in view (no jump when it already is)."""
        item = self._scene.node_item(node_id)
        if item is not None:
            self.ensureVisible(item.sceneBoundingRect(), st.GRID * 2, st.GRID * 2)

    def tidy_layout(self) -> None:
        """Arrange every node in layers left to right, as one undoable move."""
        doc = self._scene.controller.doc
        positions = layout.tidy_positions(doc)
        moves = {
            node_id: (doc.node(node_id).position, pos)
            for node_id, pos in positions.items()
            if tuple(doc.node(node_id).position) != tuple(pos)
        }
        if moves:
            self._scene.controller.move_nodes(moves, final=True)
        self.fit_all()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.15**steps, event.position())
        event.accept()

    # ---- panning -------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() in (Qt.MouseButton.MiddleButton, Qt.MouseButton.RightButton):
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            now = event.position().toPoint()
            delta = now - self._pan_from
            self._pan_from = now
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None and event.button() in (
            Qt.MouseButton.MiddleButton,
            Qt.MouseButton.RightButton,
        ):
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # ---- background grid ----------------------------------------------------------------

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        """An empty canvas says how to begin, instead of showing a blank grid."""
        if len(self._scene.controller.doc):
            return
        painter.save()
        painter.resetTransform()
        painter.setPen(self.palette().placeholderText().color())
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        painter.setFont(font)
        painter.drawText(
            self.viewport().rect(),
            Qt.AlignmentFlag.AlignCenter,
            "Drag a data set from the palette to begin,\nor open one of the File ▸ Examples.",
        )
        painter.restore()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        s = st.cached_style()
        painter.fillRect(rect, s.background)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        minor_visible = self.zoom() >= 0.5  # below that the fine grid is only noise
        step = st.GRID
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        minor: list[QLineF] = []
        major: list[QLineF] = []
        x = left
        while x <= rect.right():
            target = major if round(x / step) % 5 == 0 else minor
            if target is major or minor_visible:
                target.append(QLineF(x, rect.top(), x, rect.bottom()))
            x += step
        y = top
        while y <= rect.bottom():
            target = major if round(y / step) % 5 == 0 else minor
            if target is major or minor_visible:
                target.append(QLineF(rect.left(), y, rect.right(), y))
            y += step
        if minor:
            painter.setPen(s.pens["grid_minor"])
            painter.drawLines(minor)
        painter.setPen(s.pens["grid_major"])
        painter.drawLines(major)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            st.refresh_style()  # another widget may have refreshed it first: restyle anyway
            self._scene.restyle()
            self.resetCachedContent()
        super().changeEvent(event)

    # ---- drops from the palette ----------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(NODE_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()  # only node types land on the canvas (the scene would take anything)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if not event.mimeData().hasFormat(NODE_MIME):
            super().dragMoveEvent(event)
            return
        self._highlight_drop_wire(self.mapToScene(event.position().toPoint()))
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._highlight_drop_wire(None)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if not event.mimeData().hasFormat(NODE_MIME):
            super().dropEvent(event)
            return
        self._highlight_drop_wire(None)
        type_id = bytes(event.mimeData().data(NODE_MIME).data()).decode("utf-8").strip()
        self.drop_node(type_id, self.mapToScene(event.position().toPoint()))
        event.acceptProposedAction()

    def drop_node(self, type_id: str, scene_pos: QPointF) -> str | None:
        """Add a node of `type_id` at `scene_pos` (centred there, on the grid), or insert it
        into the wire under that point. Returns the new node's id, selected."""
        controller = self._scene.controller
        edge = self._scene.edge_at(scene_pos)
        wire = self._scene.wire_item(edge) if edge is not None else None
        if wire is not None and wire.source.kind != "tensor":
            edge = None  # a loss wire takes no layer in between: just add the node
        x = scene_pos.x() - st.NODE_WIDTH / 2
        y = scene_pos.y() - st.HEADER_HEIGHT
        position = (snap(x), snap(y)) if self._scene.snap_to_grid else (x, y)
        if edge is not None:
            node_id = controller.insert_on_wire(type_id, edge, position)
        else:
            node_id = controller.add_node(type_id, position)
        if node_id is not None:
            self._scene.select_node(node_id)
            self.setFocus()
        return node_id

    def _highlight_drop_wire(self, scene_pos: QPointF | None) -> None:
        edge = self._scene.edge_at(scene_pos) if scene_pos is not None else None
        wire = self._scene.wire_item(edge) if edge is not None else None
        if wire is not self._drop_wire:
            if self._drop_wire is not None and self._drop_wire.scene() is not None:
                self._drop_wire.set_highlighted(False)
            if wire is not None:
                wire.set_highlighted(True)
            self._drop_wire = wire
