"""Start the designer window: application, theme, window, first file, crash recovery.

    launch(project=None) -> exit code          what `python main.py [PROJECT]` runs
    time_to_first_paint(project=None) -> ms    for bench/ and tests, in a fresh process

Start-up never waits for torch (1.3-1.6 s to import): the window's process never imports
it, and the training process (which does) starts shortly after the window shows, so the
first Train finds it ready. Dialogs (a file that cannot be opened, recovered work) come
after the first paint, over the window.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

import resources
from designer.autosave import Autosaver, RecoveryItem, discard_item, pending_recovery
from designer.controller import DocumentController
from designer.theme import apply_theme
from nodes import project as project_files
from nodes.project import ProjectError

if TYPE_CHECKING:
    from designer.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[1]
ICON = Path(resources.__file__).parent / "icons" / "netcanvas.svg"
DEFAULT_EXAMPLE = "spiral_mlp"
EXIT_AFTER_PAINT = "NETCANVAS_EXIT_AFTER_PAINT"  # "1": print the first-paint time and quit
START_TIME = "NETCANVAS_T0"  # time.time() when the parent started us, for an honest total
_IMPORTED_AT = time.time()

AskRecovery = Callable[[QWidget, "RecoveryItem | None", list[RecoveryItem], list[RecoveryItem]], str]


def launch(project: str | None = None) -> int:
    app = application()
    apply_theme(app)
    # Imported once the QApplication exists: the window's modules may create Qt objects on import.
    from designer.main_window import MainWindow

    controller = DocumentController()
    window = MainWindow(controller)
    window.restore_layout()  # where the docks were when the app last closed
    autosaver = Autosaver(controller)
    app.aboutToQuit.connect(autosaver.close)  # a clean exit leaves nothing to recover
    freeze_startup_objects()  # before the first document: it may be closed, and then collected
    problem = open_initial(window, project)
    if os.environ.get(EXIT_AFTER_PAINT) == "1":
        report_first_paint(window)  # measure only: no dialogs, no torch warm-up
        window.show()
        return app.exec()
    window.show()
    app.processEvents()  # let the first paint happen before anything else

    def after_first_paint() -> None:
        # torch loads in the training process, which the training panel starts shortly after
        # the window shows; the window's own process never imports it.
        if problem:
            warn(window, "Could not open the project", problem)
        offer_recovery(window, autosaver)

    QTimer.singleShot(0, after_first_paint)
    return app.exec()


def freeze_startup_objects() -> None:
    """Hide what start-up made (modules, the window's widgets and plots: about 90,000
    objects) from the cyclic garbage collector. They live as long as the app, yet each full
    collection walked them all: a 30-60 ms stall now and then, which showed as the worst
    case of the 500-node revalidation (bench_gui) and of the event loop's latency while
    training. Called before any document opens, so documents stay collectable; no
    collection first (it would delay the first paint), so start-up's little garbage stays."""
    gc.freeze()


def application() -> QApplication:
    """The QApplication (made once), named so QSettings and app-data folders are ours."""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setOrganizationName("netcanvas")
    app.setApplicationName("netcanvas")
    app.setApplicationDisplayName("netcanvas")
    app.setDesktopFileName("netcanvas")  # Wayland matches the .desktop file (and its icon) by this
    if ICON.is_file():
        app.setWindowIcon(QIcon(str(ICON)))
    if sys.platform == "win32":  # the taskbar shows our icon, not python.exe's
        import ctypes

        shell32 = ctypes.windll.shell32  # type: ignore[attr-defined]
        with contextlib.suppress(AttributeError, OSError):
            shell32.SetCurrentProcessExplicitAppUserModelID("netcanvas.netcanvas")
    return app


def open_initial(window: MainWindow, project: str | None) -> str:
    """Open PROJECT, or the default example. Returns "" or, when PROJECT could not be
    opened (the example is shown instead), a message saying why."""
    problem = ""
    if project:
        path = Path(project)
        try:
            project_files.load(path)  # validated here, so the message is clear and ours
            if window.open_path(path):
                return ""
            problem = f"{path}: the file could not be opened"
        except ProjectError as exc:
            problem = str(exc)
        except Exception as exc:  # never a traceback at start-up
            problem = f"{path}: {type(exc).__name__}: {exc}"
        problem += f"\n\nThe {DEFAULT_EXAMPLE.replace('_', ' ')} example is shown instead."
    try:
        window.open_example(DEFAULT_EXAMPLE)
    except Exception as exc:  # an empty canvas still works
        problem = (problem + "\n\n" if problem else "") + f"The example could not be opened: {exc}"
    return problem


def warn(parent: QWidget, title: str, text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title, title, QMessageBox.StandardButton.Ok, parent)
    box.setInformativeText(text)
    box.exec()


def offer_recovery(
    window: QWidget, autosaver: Autosaver, folder: Path | None = None, ask: AskRecovery | None = None
) -> bool:
    """Ask about work a crash left behind; True when it was restored into the window."""
    items = pending_recovery(folder)
    if not items:
        return False
    usable = [item for item in items if item.ok]
    broken = [item for item in items if not item.ok]
    offered = usable[0] if usable else None
    choice = (ask or ask_recovery)(window, offered, usable[1:], broken)
    if choice == "later":
        return False
    for item in broken:
        discard_item(item)
    if offered is None:
        return False
    if choice == "discard":
        discard_item(offered)
        return False
    try:
        autosaver.restore(offered)
    except ProjectError as exc:
        warn(window, "Could not restore the unsaved work", str(exc))
        return False
    return True


def ask_recovery(
    parent: QWidget, offered: RecoveryItem | None, others: list[RecoveryItem], broken: list[RecoveryItem]
) -> str:
    """ "restore", "discard" or "later" (keep the copies and ask at the next start)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Recover unsaved work")
    if offered is not None:
        box.setText("netcanvas did not close properly last time.")
        notes = [f"Unsaved changes to {offered.describe()} can be restored as unsaved work."]
        if others:
            copies = "copy" if len(others) == 1 else "copies"
            notes.append(f"{len(others)} older recovery {copies} will be offered next time.")
        box.setInformativeText("\n\n".join(notes))
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(restore)
    else:
        box.setText("A recovery copy from a previous session cannot be read.")
        box.setInformativeText("Discard it?")
        restore = None
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    later = box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    box.setEscapeButton(later)
    if broken:
        box.setDetailedText("\n\n".join(item.error or "" for item in broken))
    box.exec()
    clicked = box.clickedButton()
    return "restore" if clicked is restore else "discard" if clicked is discard else "later"


# ---- measuring start-up --------------------------------------------------------------


class _FirstPaint(QObject):
    """Prints "first paint: X ms" once the window has painted, then quits."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Paint:
            self._window.removeEventFilter(self)
            QTimer.singleShot(0, self._report)  # after this paint has finished
        return False

    def _report(self) -> None:
        start = float(os.environ.get(START_TIME) or _IMPORTED_AT)
        print(f"first paint: {(time.time() - start) * 1000:.0f} ms", flush=True)
        QApplication.exit(0)


def report_first_paint(window: QWidget) -> None:
    _FirstPaint(window)


def time_to_first_paint(
    project: str | None = None, timeout: float = 120.0, env: dict[str, str] | None = None
) -> float:
    """Milliseconds from starting a fresh interpreter to the window's first paint."""
    code = f"import sys; from designer.app import launch; sys.exit(launch({project!r}))"
    environment = {**os.environ, **(env or {}), EXIT_AFTER_PAINT: "1", START_TIME: repr(time.time())}
    environment.setdefault("QT_QPA_PLATFORM", "offscreen")
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    found = re.search(r"first paint: (\d+(?:\.\d+)?) ms", result.stdout)
    if result.returncode != 0 or found is None:
        raise RuntimeError(f"launch failed (exit {result.returncode}): {result.stderr[-2000:]}")
    return float(found.group(1))
