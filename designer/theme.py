"""The application's look: Fusion with a calm light or dark palette that follows the system.

    apply_theme(app, mode="system") -> "light" | "dark"
    is_dark(app=None) -> bool
    sync_pyqtgraph(app=None)        plot colours to match (call before creating plots)

Widgets that paint their own colours (canvas, code view, plots) receive a
PaletteChange event when the theme switches and rebuild from the new palette;
canvas/style.py and code_view.py read `is_dark` the same way (window lightness).
The colours sit next to the canvas's (designer/canvas/style.py) so chrome and
canvas look like one surface, and the accent is the canvas's selection blue.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

MODES = ("system", "light", "dark")
_MODE_PROPERTY = "netcanvas_theme_mode"
_HOOKED_PROPERTY = "netcanvas_theme_hooked"

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

# Neither pure white nor pure black: both glare, and the canvas has its own grey.
_LIGHT = {
    Role.Window: "#eceef2",
    Role.WindowText: "#1f2328",
    Role.Base: "#fbfbfc",
    Role.AlternateBase: "#f2f3f6",
    Role.Text: "#1f2328",
    Role.Button: "#f6f7f9",
    Role.ButtonText: "#1f2328",
    Role.BrightText: "#ffffff",
    Role.ToolTipBase: "#2b3038",
    Role.ToolTipText: "#f1f3f5",
    Role.PlaceholderText: "#8b939e",
    Role.Highlight: "#1f6fe5",
    Role.HighlightedText: "#ffffff",
    Role.Accent: "#1f6fe5",
    Role.Link: "#1a5fcc",
    Role.LinkVisited: "#6f42c1",
    # Fusion draws bevels and frames from these.
    Role.Light: "#ffffff",
    Role.Midlight: "#e3e6ea",
    Role.Mid: "#c5cad3",
    Role.Dark: "#a3aab5",
    Role.Shadow: "#7d8592",
}
_DARK = {
    Role.Window: "#252931",
    Role.WindowText: "#e3e6ea",
    Role.Base: "#1c1f25",
    Role.AlternateBase: "#22262d",
    Role.Text: "#e3e6ea",
    Role.Button: "#2e333c",
    Role.ButtonText: "#e3e6ea",
    Role.BrightText: "#ffffff",
    Role.ToolTipBase: "#3a404a",
    Role.ToolTipText: "#f1f3f5",
    Role.PlaceholderText: "#7d8592",
    Role.Highlight: "#3d7fe0",  # darker than the accent so white text on it stays readable
    Role.HighlightedText: "#ffffff",
    Role.Accent: "#5aa2ff",
    Role.Link: "#6cb0ff",
    Role.LinkVisited: "#b392f0",
    Role.Light: "#3a404a",
    Role.Midlight: "#323740",
    Role.Mid: "#454c57",
    Role.Dark: "#16181c",
    Role.Shadow: "#0e0f12",
}
# Disabled text is a muted grey, not a faded copy of the normal text.
_DISABLED_LIGHT = {
    Role.WindowText: "#9aa1ab",
    Role.Text: "#9aa1ab",
    Role.ButtonText: "#9aa1ab",
    Role.Highlight: "#c5cad3",
}
_DISABLED_DARK = {
    Role.WindowText: "#6b737f",
    Role.Text: "#6b737f",
    Role.ButtonText: "#6b737f",
    Role.Highlight: "#3a404a",
}


def build_palette(dark: bool) -> QPalette:
    palette = QPalette()
    for role, colour in (_DARK if dark else _LIGHT).items():
        palette.setColor(role, QColor(colour))
    for role, colour in (_DISABLED_DARK if dark else _DISABLED_LIGHT).items():
        palette.setColor(Group.Disabled, role, QColor(colour))
    # An unfocused window keeps its selection colour, as most modern apps do.
    palette.setColor(Group.Inactive, Role.Highlight, palette.color(Group.Active, Role.Highlight))
    return palette


def system_is_dark(app: QGuiApplication) -> bool:
    """The desktop's preference; Unknown (offscreen, old desktops) counts as light."""
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, mode: str = "system") -> str:
    """Fusion plus our palette; "system" follows the desktop, also when it changes later.

    Returns "dark" or "light", the look now in place.
    """
    if mode not in MODES:
        raise ValueError(f"theme mode must be one of {', '.join(MODES)}, not {mode!r}")
    app.setProperty(_MODE_PROPERTY, mode)
    if not app.property(_HOOKED_PROPERTY):
        # Connect once, however often apply_theme runs; the handler reads the mode then.
        app.setProperty(_HOOKED_PROPERTY, True)
        app.styleHints().colorSchemeChanged.connect(lambda scheme: _on_scheme_changed(app, scheme))
    dark = mode == "dark" or (mode == "system" and system_is_dark(app))
    return _apply(app, dark)


def _on_scheme_changed(app: QApplication, scheme: Qt.ColorScheme) -> None:
    if app.property(_MODE_PROPERTY) == "system":
        _apply(app, scheme == Qt.ColorScheme.Dark)


def _apply(app: QApplication, dark: bool) -> str:
    if app.style().name().lower() != "fusion":
        style = QStyleFactory.create("Fusion")
        if style is not None:
            app.setStyle(style)
    app.setPalette(build_palette(dark))
    if "pyqtgraph" in sys.modules:  # never import it here: ~170 ms on the start-up path
        sync_pyqtgraph(app)
    return "dark" if dark else "light"


def is_dark(app: QGuiApplication | None = None) -> bool:
    """Judged from the palette in use, so it is right whoever set the palette."""
    palette = (app or QGuiApplication.instance()).palette()
    return palette.color(Role.Window).lightness() < 128


def plot_colours(app: QGuiApplication | None = None) -> tuple[str, str]:
    """(background, foreground) for plots: the text-field colours of the current palette."""
    palette = (app or QGuiApplication.instance()).palette()
    return palette.color(Role.Base).name(), palette.color(Role.Text).name()


def sync_pyqtgraph(app: QGuiApplication | None = None) -> None:
    """Set pyqtgraph's default colours; affects plots created afterwards."""
    import pyqtgraph

    background, foreground = plot_colours(app)
    pyqtgraph.setConfigOptions(background=background, foreground=foreground)
