"""Inline renaming: an editable text laid over a card's name.

Enter (or clicking elsewhere) commits through controller.rename, one undo step;
Escape cancels. The editor never changes the document itself.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent, QPainter, QTextCursor
from PySide6.QtWidgets import QGraphicsItem, QGraphicsTextItem, QStyleOptionGraphicsItem, QWidget

from designer.canvas import style as st


class RenameEditor(QGraphicsTextItem):
    def __init__(self, node_id: str, name: str, on_done: Callable[[str, str | None], None]) -> None:
        """`on_done(node_id, new_name)` is called once: new_name None means cancelled."""
        super().__init__(name)
        self.node_id = node_id
        self._on_done = on_done
        self._finished = False
        self.setFont(st.current_style().fonts["name"])
        self.setDefaultTextColor(st.current_style().text)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextEditorInteraction)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsFocusable, True)
        self.setZValue(20)
        self.document().setDocumentMargin(1)
        self.setTextWidth(st.NODE_WIDTH - 2 * st.PAD + 4)

    def begin(self) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        cursor = self.textCursor()
        cursor.select(QTextCursor.SelectionType.Document)
        self.setTextCursor(cursor)

    def commit(self) -> None:
        self._finish(self.toPlainText().strip())

    def cancel(self) -> None:
        self._finish(None)

    def _finish(self, name: str | None) -> None:
        if self._finished:
            return
        self._finished = True
        self._on_done(self.node_id, name)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.commit()
        elif event.key() == Qt.Key.Key_Escape:
            self.cancel()
        else:
            super().keyPressEvent(event)
        event.accept()  # keys typed here never reach the canvas (Delete must not delete nodes)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.commit()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        s = st.cached_style()
        painter.setPen(s.pens["selected"])
        painter.setBrush(s.brushes["card"])
        painter.drawRoundedRect(QRectF(self.boundingRect()).adjusted(-1, -1, 1, 1), 3, 3)
        super().paint(painter, option, widget)
