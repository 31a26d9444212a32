"""The node palette: every catalog type, grouped by category, searchable and draggable.

The palette only reads the registry; it never edits the document. Dropping an entry
on the canvas (which reads NODE_MIME_TYPE) or activating it (add_requested) is what
asks the controller for a new node.
"""

from __future__ import annotations

import html
import re
import textwrap

from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDrag,
    QFont,
    QFontMetrics,
    QIcon,
    QKeyEvent,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.canvas.style import current_style
from nodes import registry
from nodes.spec import Category, NodeSpec

NODE_MIME_TYPE = "application/x-netcanvas-node-type"

CATEGORY_TITLES: dict[Category, str] = {
    Category.DATA: "Data",
    Category.LAYER: "Layers",
    Category.ACTIVATION: "Activations",
    Category.MERGE: "Merges",
    Category.LOSS: "Losses",
    Category.OPTIMIZER: "Optimizers",
}

TYPE_ROLE = Qt.ItemDataRole.UserRole  # an entry's type id; None on category rows
_RANK_ROLE = Qt.ItemDataRole.UserRole + 1  # registry order, restored when the filter clears


def category_color(category: Category) -> QColor:
    """The canvas's colour for a category (light or dark palette), so both views agree."""
    return QColor(current_style().category(category))


def node_mime_data(type_id: str) -> QMimeData:
    """What a palette drag carries: the node type id as UTF-8 under NODE_MIME_TYPE."""
    mime = QMimeData()
    mime.setData(NODE_MIME_TYPE, type_id.encode("utf-8"))
    mime.setText(type_id)  # lets a text field accept the drop too
    return mime


def type_id_from_mime(mime: QMimeData) -> str | None:
    """The node type a drop carries, or None when it is not a palette drag."""
    if not mime.hasFormat(NODE_MIME_TYPE):
        return None
    type_id = bytes(mime.data(NODE_MIME_TYPE).data()).decode("utf-8", errors="replace")
    return type_id if registry.exists(type_id) else None


def dot_icon(color: QColor, size: int = 12) -> QIcon:
    """A filled circle, the palette's and canvas's category mark."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(color.darker(125))
    painter.setBrush(color)
    painter.drawEllipse(QRectF(1.5, 1.5, size - 3, size - 3))
    painter.end()
    return QIcon(pixmap)


def tooltip_html(spec: NodeSpec) -> str:
    """The explanation as wrapped rich text (plain tooltips would run off the screen)."""
    lines = textwrap.wrap(spec.explanation, width=64) or [""]
    body = "<br>".join(html.escape(line) for line in lines)
    heading = f"<b>{html.escape(spec.title)}</b>"
    if spec.type_id != spec.title:
        heading += f" &nbsp;<code>{html.escape(spec.type_id)}</code>"
    return f"<qt>{heading}<p style='margin-top:4px'>{body}</p></qt>"


# Words people search by that are not in a node's title: other frameworks' names, textbook terms.
ALIASES = {
    "Linear": "dense fully connected fc affine perceptron",
    "Conv1d": "convolution cnn",
    "Conv2d": "convolution cnn filter kernel",
    "ConvTranspose2d": "deconvolution upsample upsampling",
    "Dropout": "regularisation regularization",
    "BatchNorm1d": "normalisation normalization batchnorm",
    "BatchNorm2d": "normalisation normalization batchnorm",
    "LayerNorm": "normalisation normalization",
    "RNN": "recurrent",
    "LSTM": "recurrent long short-term memory",
    "GRU": "recurrent gated",
    "SelfAttention": "transformer attention mha",
    "TransformerEncoderLayer": "attention bert",
    "Embedding": "tokens lookup word vectors",
    "Flatten": "reshape",
    "Concatenate": "concat cat join",
    "Add": "residual skip sum",
    "MSELoss": "mean squared error l2 regression",
    "L1Loss": "mean absolute error mae regression",
    "CrossEntropyLoss": "classification softmax log loss",
    "BCEWithLogitsLoss": "binary classification logistic",
    "SGD": "gradient descent momentum",
}


class _SearchIndex:
    """How well an entry matches a query; lower is better, None is no match."""

    EXPLANATION_ONLY = 3  # a word matched only in the explanation

    def __init__(self, spec: NodeSpec) -> None:
        self.title = spec.title.lower()
        self.type_id = spec.type_id.lower()
        aliases = ALIASES.get(spec.type_id, "")
        self.names = f"{self.title} {self.type_id} {CATEGORY_TITLES.get(spec.category, '').lower()} {aliases}"
        self.words = set(re.findall(r"[a-z0-9]+", spec.explanation.lower()))

    def token_rank(self, token: str) -> int | None:
        if token in (self.title, self.type_id):
            return 0
        if self.title.startswith(token) or self.type_id.startswith(token):
            return 1
        if token in self.names:
            return 2
        if any(word.startswith(token) for word in self.words):
            return self.EXPLANATION_ONLY
        return None

    def rank(self, tokens: list[str]) -> tuple[int, bool] | None:
        """(summed rank, explanation-only) for a query every token of which matches."""
        total, explained = 0, False
        for token in tokens:
            rank = self.token_rank(token)
            if rank is None:
                return None
            total += rank
            explained = explained or rank == self.EXPLANATION_ONLY
        return total, explained


class _NodeTree(QTreeWidget):
    """The tree of entries; it starts drags itself so the mime data is exactly ours."""

    entry_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setColumnCount(1)
        self.setIndentation(14)
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.itemDoubleClicked.connect(self._on_double_clicked)

    def mimeTypes(self) -> list[str]:
        return [NODE_MIME_TYPE]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:
        type_ids = [i.data(0, TYPE_ROLE) for i in items if i.data(0, TYPE_ROLE)]
        return node_mime_data(type_ids[0]) if type_ids else QMimeData()

    def startDrag(self, supported_actions: Qt.DropAction) -> None:
        item = self.currentItem()
        type_id = item.data(0, TYPE_ROLE) if item is not None else None
        if not type_id:
            return
        drag = QDrag(self)
        drag.setMimeData(node_mime_data(type_id))
        drag.setPixmap(_drag_pixmap(item.text(0), registry.get(type_id).category, self.font()))
        drag.setHotSpot(QPoint(12, 12))
        drag.exec(Qt.DropAction.CopyAction)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None:
            type_id = item.data(0, TYPE_ROLE)
            if type_id:
                self.entry_activated.emit(type_id)
                return
        super().keyPressEvent(event)

    def _on_double_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        type_id = item.data(0, TYPE_ROLE)
        if type_id:
            self.entry_activated.emit(type_id)


def _drag_pixmap(title: str, category: Category, font: QFont) -> QPixmap:
    """A small chip in the category colour, so the drag shows what will be dropped."""
    bold = QFont(font)
    bold.setBold(True)
    width = QFontMetrics(bold).horizontalAdvance(title) + 34
    pixmap = QPixmap(width, 26)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = category_color(category)
    painter.setPen(color.darker(130))
    painter.setBrush(QColor(color.red(), color.green(), color.blue(), 225))
    painter.drawRoundedRect(QRectF(0.5, 0.5, width - 1, 25), 6, 6)
    painter.setPen(QColor("white"))
    painter.setFont(bold)
    painter.drawText(QRectF(10, 0, width - 14, 26), Qt.AlignmentFlag.AlignVCenter, title)
    painter.end()
    return pixmap


class PaletteWidget(QWidget):
    """Search field above a tree of node types grouped by category."""

    add_requested = Signal(str)  # type id: double-click or Enter on an entry

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search layers, activations, losses…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.set_filter)
        self.search.returnPressed.connect(self._add_best_match)
        self.search.installEventFilter(self)

        self.tree = _NodeTree(self)
        self.tree.entry_activated.connect(self.add_requested)

        self.empty_label = QLabel("No node matches this search.", self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty_label)

        self._index: dict[str, _SearchIndex] = {}
        self._items: dict[str, QTreeWidgetItem] = {}
        self._categories: dict[Category, QTreeWidgetItem] = {}
        self._muted = QBrush(self.palette().color(QPalette.ColorRole.PlaceholderText))
        self._populate()

    # ---- building ------------------------------------------------------------

    def _populate(self) -> None:
        bold = QFont(self.tree.font())
        bold.setBold(True)
        rank = 0
        for category, specs in registry.by_category():
            header = QTreeWidgetItem(self.tree, [CATEGORY_TITLES.get(category, category.value.title())])
            header.setFont(0, bold)
            header.setSizeHint(0, QSize(0, 22))
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading: neither selectable nor draggable
            header.setData(0, TYPE_ROLE, None)
            self._categories[category] = header
            icon = dot_icon(category_color(category))
            for spec in specs:
                item = QTreeWidgetItem(header, [spec.title])
                item.setIcon(0, icon)
                item.setSizeHint(0, QSize(0, 22))
                item.setToolTip(0, tooltip_html(spec))
                item.setData(0, TYPE_ROLE, spec.type_id)
                item.setData(0, _RANK_ROLE, rank)
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
                )
                self._items[spec.type_id] = item
                self._index[spec.type_id] = _SearchIndex(spec)
                rank += 1
            header.setExpanded(True)

    def changeEvent(self, event: QEvent) -> None:
        # A light/dark switch changes the category colours and the dimmed-match colour.
        if event.type() == QEvent.Type.PaletteChange and self._items:
            self._muted = QBrush(self.palette().color(QPalette.ColorRole.PlaceholderText))
            for type_id, item in self._items.items():
                item.setIcon(0, dot_icon(category_color(registry.get(type_id).category)))
            self.set_filter(self.search.text())
        super().changeEvent(event)

    # ---- filtering -------------------------------------------------------------

    def set_filter(self, text: str) -> None:
        """Show entries whose title, type id or explanation words match every typed word;
        name matches come first, and categories with no match hide."""
        if self.search.text() != text:
            self.search.setText(text)  # re-enters through textChanged
            return
        tokens = text.lower().split()
        any_visible = False
        best_of: dict[int, int] = {}  # a category's best match, to show the best category first
        for header in self._categories.values():
            ranked: list[tuple[tuple[int, int], QTreeWidgetItem, tuple[int, bool] | None]] = []
            for item in header.takeChildren():
                match = self._index[item.data(0, TYPE_ROLE)].rank(tokens) if tokens else (0, False)
                order = match[0] if match is not None else 1_000
                ranked.append(((order, item.data(0, _RANK_ROLE)), item, match))
            ranked.sort(key=lambda entry: entry[0])
            header.addChildren([item for _, item, _ in ranked])
            visible = 0
            for _, item, match in ranked:
                item.setHidden(match is None)
                # Entries found only through their explanation are dimmed.
                dim = match is not None and match[1]
                item.setData(0, Qt.ItemDataRole.ForegroundRole, self._muted if dim else None)
                visible += match is not None
            header.setHidden(visible == 0)
            header.setExpanded(True)
            any_visible = any_visible or visible > 0
            best_of[id(header)] = ranked[0][0][0] if ranked else 1_000
        self._order_categories(best_of)
        self.tree.setVisible(any_visible)
        self.empty_label.setVisible(not any_visible)
        best = self._best_match() if tokens else None
        self.tree.setCurrentItem(self._items[best] if best else None)  # what Enter would add

    def _order_categories(self, best_of: dict[int, int]) -> None:
        """Categories with a name match above those matched only through explanations."""
        headers = list(self._categories.values())
        wanted = sorted(headers, key=lambda h: (best_of.get(id(h), 1_000), headers.index(h)))
        current = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        if current == wanted:
            return
        for header in headers:
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(header))
        self.tree.addTopLevelItems(wanted)
        for header in wanted:
            header.setExpanded(not header.isHidden())

    def visible_type_ids(self) -> list[str]:
        """Type ids currently shown, in display order (for tests and keyboard navigation)."""
        shown = []
        for header in (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())):
            if header.isHidden():
                continue
            for i in range(header.childCount()):
                child = header.child(i)
                if not child.isHidden():
                    shown.append(child.data(0, TYPE_ROLE))
        return shown

    def item_for(self, type_id: str) -> QTreeWidgetItem:
        return self._items[type_id]

    def _best_match(self) -> str | None:
        """The shown entry that matches the query best (display order breaks ties)."""
        tokens = self.search.text().lower().split()
        shown = self.visible_type_ids()
        ranks = {t: self._index[t].rank(tokens) or (0, False) for t in shown}
        return min(shown, key=lambda t: ranks[t][0]) if shown else None

    def _add_best_match(self) -> None:
        type_id = self._best_match() if self.search.text().strip() else None
        if type_id:
            self.add_requested.emit(type_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Down from the search field moves into the list, as in a command palette.
        is_down = event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down
        if watched is self.search and is_down:
            first = self._best_match()
            if first:
                self.tree.setCurrentItem(self._items[first])
                self.tree.setFocus()
                return True
        return super().eventFilter(watched, event)
