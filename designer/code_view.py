"""The exported Python for the current graph, live: the model or the whole training script.

The text is exactly what `netcanvas export` writes (generate_model / generate_script),
so what the learner reads is what the app trains. It is regenerated after each
analysis, only while the view is visible, and replaced only when it changed, so
the reader keeps their place. A graph with errors shows the errors, never stale code.
"""

from __future__ import annotations

import builtins
import html
import keyword
import re

from PySide6.QtCore import QEvent, QRect, QSize, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QShowEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from backends.codegen.model_source import CodegenError, generate_model
from designer.controller import DocumentController
from designer.theme import is_dark
from nodes.analysis import Analysis

MODES = {"model": "Model", "script": "Training script"}

# (light, dark) per token kind; tuned against the theme's Base colours.
_COLOURS = {
    "keyword": ("#8a3fd1", "#c792ea"),
    "builtin": ("#0f7b8a", "#56b6c2"),
    "string": ("#2f7d32", "#a5d6a7"),
    "comment": ("#6e7781", "#7f8794"),
    "number": ("#b35c00", "#f0a45d"),
    "self": ("#c4325f", "#ef7f97"),
    "decorator": ("#946100", "#e5c07b"),
    "definition": ("#1a5fcc", "#6cb0ff"),
}
_TOKENS = re.compile(
    r"""(?P<triple>(?<!\w)[rRbBfFuU]{0,2}(?:\"\"\"|'''))
      | (?P<string>(?<!\w)[rRbBfFuU]{0,2}(?:"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?))
      | (?P<comment>\#.*)
      | (?P<decorator>@[A-Za-z_][\w.]*)
      | (?P<number>\b(?:0[xXoObB][\da-fA-F_]+|\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d+)?j?)\b)
      | (?P<name>[A-Za-z_]\w*)""",
    re.VERBOSE,
)
_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))
_CONSTANTS = frozenset({"True", "False", "None"})
_STATE_TRIPLE = {'"""': 1, "'''": 2}


class PythonHighlighter(QSyntaxHighlighter):
    """Keywords, strings (triple-quoted across lines too), comments, numbers, self, decorators."""

    def __init__(self, document: QTextDocument, dark: bool = False) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}
        self.set_dark(dark)

    def set_dark(self, dark: bool) -> None:
        self._formats = {}
        for kind, (light_colour, dark_colour) in _COLOURS.items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(dark_colour if dark else light_colour))
            if kind == "comment":
                fmt.setFontItalic(True)
            self._formats[kind] = fmt
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        start = 0
        state = self.previousBlockState()
        if state in _STATE_TRIPLE.values():
            quote = '"""' if state == 1 else "'''"
            start = self._string_until(text, 0, quote)
            if start < 0:
                return
        self.setCurrentBlockState(0)
        previous = ""
        while (match := _TOKENS.search(text, start)) is not None:
            kind, token = match.lastgroup or "", match.group()
            start = match.end()
            if kind == "triple":
                start = self._string_until(text, match.start(), token[-3:], len(token))
                if start < 0:
                    return
            elif kind == "name":
                kind = self._name_kind(token, previous)
                previous = token
            if kind in self._formats:
                self.setFormat(match.start(), match.end() - match.start(), self._formats[kind])

    def _string_until(self, text: str, begin: int, quote: str, skip: int = 0) -> int:
        """Colour a triple-quoted string from `begin`; the index after it, or -1 if it goes on."""
        end = text.find(quote, begin + skip)
        if end < 0:
            self.setFormat(begin, len(text) - begin, self._formats["string"])
            self.setCurrentBlockState(_STATE_TRIPLE[quote])
            return -1
        self.setFormat(begin, end + 3 - begin, self._formats["string"])
        return end + 3

    @staticmethod
    def _name_kind(token: str, previous: str) -> str:
        if previous in ("def", "class"):
            return "definition"
        if token in _CONSTANTS:
            return "number"  # literals share one colour
        if keyword.iskeyword(token):
            return "keyword"
        if token in ("self", "cls"):
            return "self"
        return "builtin" if token in _BUILTINS else ""


def code_font() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    # Prefer a modern coding font where installed; the system's fixed font otherwise.
    font.setFamilies(["JetBrains Mono", "Cascadia Code", "SF Mono", "Menlo", "Consolas", font.family()])
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSizeF(max(9.0, QGuiApplication.font().pointSizeF()))
    return font


class CodeEdit(QPlainTextEdit):
    """Read-only code with a line-number gutter."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFont(code_font())
        self.document().setDocumentMargin(8)  # a little air above the first line
        self.setTabStopDistance(4 * self.fontMetrics().horizontalAdvance(" "))
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self._gutter = _Gutter(self)
        self.blockCountChanged.connect(self._fit_gutter)
        self.updateRequest.connect(self._scroll_gutter)
        self._fit_gutter()

    def gutter_width(self) -> int:
        digits = max(3, len(str(self.blockCount())))
        return 20 + self.fontMetrics().horizontalAdvance("9") * digits

    def _fit_gutter(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        area = self.contentsRect()
        self._gutter.setGeometry(QRect(area.left(), area.top(), self.gutter_width(), area.height()))

    def paint_gutter(self, event: QPaintEvent) -> None:
        painter = QPainter(self._gutter)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.base())
        muted = palette.placeholderText().color()
        painter.setPen(muted)
        painter.setFont(self.font())
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        width = self._gutter.width() - 12
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and top + height >= event.rect().top():
                painter.drawText(
                    0, top, width, height, Qt.AlignmentFlag.AlignRight, str(block.blockNumber() + 1)
                )
            top += round(self.blockBoundingRect(block).height())
            block = block.next()
        painter.end()


class _Gutter(QWidget):
    def __init__(self, editor: CodeEdit) -> None:
        super().__init__(editor)
        self._editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self._editor.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._editor.paint_gutter(event)


class MessagePanel(QFrame):
    """A calm card with a title and a few lines: an error list, or why there is no code."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messagePanel")
        self.kind = "info"
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        title_font = self.title.font()
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.body = QLabel(self)
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 14)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        layout.addWidget(self.hint)

    def show_message(self, kind: str, title: str, lines: list[str], hint: str = "") -> None:
        self.kind = kind
        self.title.setText(title)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        if len(lines) == 1:
            self.body.setText(html.escape(lines[0]))
        else:
            items = "".join(f"<li style='margin-bottom:4px'>{html.escape(line)}</li>" for line in lines)
            self.body.setText(f"<ul style='margin-left:-24px'>{items}</ul>")
        self.restyle()

    def restyle(self) -> None:
        dark = is_dark()
        if self.kind == "error":
            border, fill = ("#ff5a4f", "#3a2628") if dark else ("#d93025", "#fcefee")
        else:
            border, fill = ("#5aa2ff", "#232b38") if dark else ("#1f6fe5", "#eef4fd")
        edge = QColor(border)
        edge.setAlpha(90)
        muted = self.palette().placeholderText().color().name()
        self.setStyleSheet(
            f"#messagePanel {{ background: {fill}; border: 1px solid {_rgba(edge)};"
            f" border-left: 3px solid {border}; border-radius: 6px; }}"
        )
        self.hint.setStyleSheet(f"color: {muted};")


class CodeView(QWidget):
    """Live, read-only Python for a DocumentController's graph, with Copy and a Model/Script toggle."""

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._mode = "model"
        self._stale = True
        self._code = ""  # the code on screen; "" while a message is shown
        self._message = ""
        self._shown_mode = ""
        self._scroll: dict[str, tuple[int, int]] = {}

        self._buttons = QButtonGroup(self)
        self._buttons.setExclusive(True)
        header = QHBoxLayout()
        header.setContentsMargins(8, 6, 8, 6)
        header.setSpacing(0)
        for index, (mode, label) in enumerate(MODES.items()):
            button = QToolButton(self)
            button.setText(label)
            button.setObjectName("segment")
            button.setProperty("edge", "first" if index == 0 else "last")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setCheckable(True)
            button.setChecked(mode == self._mode)
            button.setProperty("mode", mode)
            self._buttons.addButton(button)
            header.addWidget(button)
        self._buttons.buttonClicked.connect(lambda b: self.set_mode(b.property("mode")))
        header.addStretch(1)
        self._summary = QLabel(self)
        self._summary.setObjectName("summary")
        header.addWidget(self._summary)
        header.addSpacing(10)
        self._copy = QToolButton(self)
        self._copy.setText("Copy")
        self._copy.setObjectName("copy")
        self._copy.setCursor(Qt.CursorShape.PointingHandCursor)
        self._copy.setToolTip("Copy this code to the clipboard")
        self._copy.clicked.connect(self.copy_to_clipboard)
        # Owned by the view, so it dies with it (a bare singleShot could outlive the button).
        self._copied_timer = QTimer(self)
        self._copied_timer.setSingleShot(True)
        self._copied_timer.setInterval(1200)
        self._copied_timer.timeout.connect(lambda: self._copy.setText("Copy"))
        header.addWidget(self._copy)

        self.editor = CodeEdit(self)
        self._highlighter = PythonHighlighter(self.editor.document(), is_dark())
        self.panel = MessagePanel()
        holder = QWidget()
        holder.setBackgroundRole(QPalette.ColorRole.Base)
        holder.setAutoFillBackground(True)
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(16, 16, 16, 16)
        holder_layout.addWidget(self.panel)
        holder_layout.addStretch(1)
        self._message_page = QScrollArea(self)
        self._message_page.setWidgetResizable(True)
        self._message_page.setFrameShape(QFrame.Shape.NoFrame)
        self._message_page.setWidget(holder)
        self._stack = QStackedWidget(self)
        self._stack.addWidget(self.editor)
        self._stack.addWidget(self._message_page)

        rule = QFrame(self)
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Plain)
        rule.setForegroundRole(QPalette.ColorRole.Mid)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(rule)
        layout.addWidget(self._stack, 1)

        controller.analysis_changed.connect(self._on_analysis)
        controller.document_replaced.connect(self._scroll.clear)  # a new file starts at the top
        self._restyle()

    # ---- public -------------------------------------------------------------------

    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        """ "model" or "script"."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        for button in self._buttons.buttons():
            button.setChecked(button.property("mode") == mode)
        if mode != self._mode:
            self._mode = mode
            self.refresh()

    def text(self) -> str:
        """The code on screen, or "" while a message is shown instead."""
        return self._code

    def message(self) -> str:
        """The title and lines of the message on screen, or "" while code is shown."""
        return self._message

    def copy_to_clipboard(self) -> None:
        if self._code:
            QGuiApplication.clipboard().setText(self._code)
            self._copy.setText("Copied")
            self._copied_timer.start()

    def refresh(self) -> None:
        """Regenerate now from the controller's latest analysis."""
        self._stale = False
        analysis = self._controller.analysis or self._controller.reanalyze()
        if analysis.errors:
            count = len(analysis.errors)
            title = f"The graph has {count} error{'s' if count > 1 else ''}, so there is no code yet"
            hint = "The nodes at fault are marked on the canvas; the code appears once they are fixed."
            self._show_message("error", title, [_sentence(p.message) for p in analysis.errors], hint)
            return
        try:
            self._show_code(self._generate(analysis))
        except CodegenError as exc:
            reason = str(exc).removeprefix("cannot write a training script: ")
            self._show_message("info", "No training script for this graph yet", [_sentence(reason)])

    # ---- internals ----------------------------------------------------------------

    def _generate(self, analysis: Analysis) -> str:
        doc = self._controller.doc
        if self._mode == "model":
            return generate_model(doc, analysis).source
        # Imported here: it pulls in torch (its data helpers), which start-up must not wait for.
        from backends.codegen.script_source import generate_script

        return generate_script(doc, analysis)

    def _on_analysis(self, _analysis: Analysis) -> None:
        self._stale = True
        if self.isVisible():  # a hidden view catches up when shown
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _remember_scroll(self) -> None:
        if self._code and self._shown_mode:
            bars = (self.editor.verticalScrollBar(), self.editor.horizontalScrollBar())
            self._scroll[self._shown_mode] = (bars[0].value(), bars[1].value())

    def _show_code(self, code: str) -> None:
        if code == self._code and self._shown_mode == self._mode:
            return
        self._remember_scroll()
        self.editor.setPlainText(code)
        vertical, horizontal = self._scroll.get(self._mode, (0, 0))
        self.editor.verticalScrollBar().setValue(vertical)
        self.editor.horizontalScrollBar().setValue(horizontal)
        self._code, self._message, self._shown_mode = code, "", self._mode
        lines = code.count("\n")
        self._summary.setText(f"{lines:,} lines")
        self._copy.setEnabled(True)
        self._stack.setCurrentWidget(self.editor)

    def _show_message(self, kind: str, title: str, lines: list[str], hint: str = "") -> None:
        self._remember_scroll()
        self._code, self._shown_mode = "", self._mode
        self._message = "\n".join([title, *lines])
        self.panel.show_message(kind, title, lines, hint)
        self._summary.setText("")
        self._copy.setEnabled(False)
        self._stack.setCurrentWidget(self._message_page)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._restyle()

    def _restyle(self) -> None:
        """Colours that do not come from the palette follow the theme here."""
        self._highlighter.set_dark(is_dark())
        self.panel.restyle()
        palette = self.palette()
        role = QPalette.ColorRole
        accent, mid = palette.color(role.Highlight).name(), palette.color(role.Mid).name()
        button, text = palette.color(role.Button).name(), palette.color(role.ButtonText).name()
        hover, muted = palette.color(role.Midlight).name(), palette.color(role.PlaceholderText).name()
        # A segmented control and a matching flat button; Fusion's bevelled ones look dated here.
        self.setStyleSheet(
            f"QToolButton#segment, QToolButton#copy {{ padding: 3px 12px; border: 1px solid {mid};"
            f" background: {button}; color: {text}; }}"
            f"QToolButton#segment:hover:!checked, QToolButton#copy:hover {{ background: {hover}; }}"
            f"QToolButton#segment:checked {{ background: {accent}; border-color: {accent}; color: white; }}"
            "QToolButton#segment[edge='first'] { border-top-left-radius: 5px;"
            " border-bottom-left-radius: 5px; }"
            "QToolButton#segment[edge='last'] { border-top-right-radius: 5px;"
            " border-bottom-right-radius: 5px; border-left: none; }"
            "QToolButton#copy { border-radius: 5px; }"
            f"QToolButton#copy:disabled {{ color: {muted}; }}"
            f"QLabel#summary {{ color: {muted}; }}"
        )


def _rgba(colour: QColor) -> str:
    """Style sheets read #AARRGGBB, not CSS's #RRGGBBAA; rgba() avoids the trap."""
    return f"rgba({colour.red()}, {colour.green()}, {colour.blue()}, {colour.alpha()})"


def _sentence(text: str) -> str:
    """Messages are written to follow a colon; on their own they start with a capital."""
    text = text.strip()
    return text[:1].upper() + text[1:]
