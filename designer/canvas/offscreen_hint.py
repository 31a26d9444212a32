"""A small button in the canvas corner while part of the network lies outside the view.

A newly opened example is shown at a size that can be read, which may leave the loss
and optimizer past the right edge; a newcomer would not know they are there. The
button says so and fits the whole network in view when pressed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, QTimer
from PySide6.QtWidgets import QGraphicsView, QToolButton

MARGIN = 10  # px from the viewport's bottom-right corner
SETTLE_MS = 80  # checks wait for a burst of scrolling or edits to end


class OffscreenHint(QToolButton):
    def __init__(
        self, view: QGraphicsView, cards_rect: Callable[[], QRectF], fit: Callable[[], None]
    ) -> None:
        super().__init__(view.viewport())
        self._view = view
        self._cards_rect = cards_rect
        self.setText("More of the network is off-screen · Fit all (Ctrl+0)")
        self.setToolTip("Zoom out so every card is in view (View ▸ Fit to View)")
        self.setAutoRaise(False)
        self.clicked.connect(fit)
        self.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self.refresh)

    def schedule(self) -> None:
        self._timer.start()

    def refresh(self) -> None:
        """Show the button while a card reaches past the visible part of the canvas."""
        cards: QRectF = self._cards_rect()
        viewport = self._view.viewport().rect()
        visible = self._view.mapToScene(viewport).boundingRect()
        outside = not cards.isNull() and not visible.contains(cards)
        if outside:
            self.adjustSize()
            self.move(viewport.right() - self.width() - MARGIN, viewport.bottom() - self.height() - MARGIN)
        self.setVisible(outside)
