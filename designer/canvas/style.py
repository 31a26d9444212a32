"""Colours, fonts and sizes of the canvas, in one place.

Two palettes (light and dark) are chosen by the lightness of the application's
window colour, so the canvas follows the desktop theme. Pens, brushes and fonts are
built once per palette: paint() only picks them up, it never constructs them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QPalette, QPen

from nodes.spec import Category

GRID = 20  # scene units between grid lines; node positions snap to it

# Card geometry (scene units). Examples place nodes 190 apart, so a card of 136 leaves
# 54 for the wire and its shape label.
NODE_WIDTH = 136
CARD_GAP = 54  # between a card and the next in a row: room for the wire and its label
HEADER_HEIGHT = 22
ROW_HEIGHT = 16  # one line of body text, and the spacing of ports
PAD = 8  # inner margin left and right
TOP_PAD = 5  # space between the header and the first row
BOTTOM_PAD = 6
CORNER = 6
PORT_RADIUS = 5
PORT_HIT_RADIUS = 10  # ports are small; the mouse may miss them by a few units
GAUGE_HEIGHT = 4
MAX_KEY_PARAMS = 3

ZOOM_MIN, ZOOM_MAX = 0.2, 3.0
READABLE_ZOOM = 0.7  # below this a card's text is too small to read (a newly opened network)

# Header colours per category, (light, dark). Chosen to be told apart at a glance and
# none of them equal to the red and amber used for errors and warnings.
_CATEGORY_COLOURS: dict[Category, tuple[str, str]] = {
    Category.DATA: ("#2d7fc1", "#3d8fd1"),
    Category.LAYER: ("#5b5bd6", "#6e6ee6"),
    Category.ACTIVATION: ("#22946c", "#2aa87c"),
    Category.MERGE: ("#9254c4", "#a466d6"),
    Category.LOSS: ("#c24a86", "#d05c96"),
    Category.OPTIMIZER: ("#5d6b82", "#73829a"),
}


@dataclass
class CanvasStyle:
    dark: bool
    background: QColor
    grid_minor: QColor
    grid_major: QColor
    card: QColor
    card_border: QColor
    text: QColor
    muted: QColor
    header_text: QColor
    selection: QColor
    error: QColor
    warning: QColor
    wire: QColor
    wire_hover: QColor
    label_background: QColor
    categories: dict[Category, QColor]
    fonts: dict[str, QFont] = field(default_factory=dict)
    pens: dict[str, QPen] = field(default_factory=dict)
    brushes: dict[str, QBrush] = field(default_factory=dict)

    def category(self, category: Category | None) -> QColor:
        return self.categories.get(category, self.muted) if category else self.muted


def _font(base: QFont, pixel_size: int, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    font = QFont(base)
    font.setPixelSize(pixel_size)  # pixel sizes: card layout is in scene units, not points
    font.setWeight(weight)
    return font


def _pen(colour: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(colour, width, style)
    pen.setCosmetic(False)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


def build_style(dark: bool) -> CanvasStyle:
    c = QColor
    if dark:
        style = CanvasStyle(
            dark=True,
            background=c("#1e2127"),
            grid_minor=c("#23272d"),
            grid_major=c("#2a2f36"),
            card=c("#2b3038"),
            card_border=c("#454c57"),
            text=c("#e8eaed"),
            muted=c("#9aa3ae"),
            header_text=c("#ffffff"),
            selection=c("#5aa2ff"),
            error=c("#ff5a4f"),
            warning=c("#f2b233"),
            wire=c("#7d8796"),
            wire_hover=c("#5aa2ff"),
            label_background=c(30, 33, 39, 225),
            categories={k: c(v[1]) for k, v in _CATEGORY_COLOURS.items()},
        )
    else:
        style = CanvasStyle(
            dark=False,
            background=c("#f5f6f8"),
            grid_minor=c("#eceef2"),
            grid_major=c("#e1e4e9"),
            card=c("#ffffff"),
            card_border=c("#c5cad3"),
            text=c("#1f2328"),
            muted=c("#636c76"),
            header_text=c("#ffffff"),
            selection=c("#1f6fe5"),
            error=c("#d93025"),
            warning=c("#e09b00"),
            wire=c("#8a93a3"),
            wire_hover=c("#1f6fe5"),
            label_background=c(244, 245, 247, 230),
            categories={k: c(v[0]) for k, v in _CATEGORY_COLOURS.items()},
        )
    base = QGuiApplication.font()
    style.fonts = {
        "title": _font(base, 11, QFont.Weight.Bold),
        "name": _font(base, 12, QFont.Weight.DemiBold),
        "body": _font(base, 10),
        "small": _font(base, 9),
        "badge": _font(base, 10, QFont.Weight.Black),
    }
    style.pens = {
        "border": _pen(style.card_border, 1.0),
        "selected": _pen(style.selection, 2.0),
        "error": _pen(style.error, 2.0),
        "warning": _pen(style.warning, 2.0),
        "text": _pen(style.text, 1.0),
        "muted": _pen(style.muted, 1.0),
        "header_text": _pen(style.header_text, 1.0),
        "wire": _pen(style.wire, 2.0),
        "wire_hover": _pen(style.wire_hover, 3.0),
        "wire_selected": _pen(style.selection, 3.0),
        "wire_error": _pen(style.error, 2.5),
        "wire_temp": _pen(style.selection, 2.0, Qt.PenStyle.DashLine),
        "port_ring": _pen(style.selection, 2.0),
        "grid_minor": QPen(style.grid_minor, 0),  # cosmetic hairlines: 1 px at any zoom
        "grid_major": QPen(style.grid_major, 0),
        "white": _pen(QColor("#ffffff"), 1.0),
    }
    for cat, colour in style.categories.items():
        style.pens[f"loss_wire:{cat.value}"] = _pen(colour, 2.0, Qt.PenStyle.DashLine)
    style.brushes = {
        "card": QBrush(style.card),
        "error": QBrush(style.error),
        "warning": QBrush(style.warning),
        "label": QBrush(style.label_background),
        "shadow": QBrush(QColor(0, 0, 0, 90 if dark else 28)),
        "gauge_track": QBrush(style.grid_major),
        **{f"cat:{k.value}": QBrush(v) for k, v in style.categories.items()},
    }
    return style


def palette_is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


_current: CanvasStyle | None = None


def current_style() -> CanvasStyle:
    """The style for the application's palette now (built after QApplication exists)."""
    global _current
    dark = palette_is_dark()
    if _current is None or _current.dark != dark:
        _current = build_style(dark)
    return _current


def cached_style() -> CanvasStyle:
    """current_style() as of its last call, for paint(): reading the palette on every paint
    costs more than drawing a wire. The view calls refresh_style() when the palette changes."""
    return _current if _current is not None else current_style()


def refresh_style() -> bool:
    """Follow a palette that turned light or dark; True if the style changed."""
    before = _current
    return current_style() is not before


def gradient_colour(value: float) -> QColor:
    """Blue for vanishing gradients (< 1e-4), green for healthy ones, red for exploding (> 10)."""
    t = gradient_fraction(value)
    # Hue 220 (blue) -> 120 (green) -> 0 (red) on a log scale of the norm.
    hue = 220 - 200 * t if t < 0.5 else 120 - 240 * (t - 0.5)
    return QColor.fromHsv(max(0, min(359, round(hue))), 200, 225)


def gradient_fraction(value: float) -> float:
    """How full the gauge is: 0 at 1e-4 and below, 1 at 10 and above (log scale)."""
    if not math.isfinite(value):
        return 1.0
    if value <= 0:
        return 0.0
    return min(1.0, max(0.0, (math.log10(value) + 4.0) / 5.0))
