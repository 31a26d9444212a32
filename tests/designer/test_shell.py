"""The window's shell: theme, code view, autosave and recovery, recent files, start-up."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication, QPalette, QTextDocument
from PySide6.QtWidgets import QWidget

from backends.codegen.model_source import CodegenError, generate_model
from designer import app as app_module
from designer import theme
from designer.autosave import Autosaver, RecoveryItem, discard_item, pending_recovery
from designer.code_view import CodeView, PythonHighlighter
from designer.controller import DocumentController
from designer.recent import RecentFiles
from nodes import project
from nodes.project import ProjectError

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"
HAS_MAIN_WINDOW = (ROOT / "designer" / "main_window.py").exists()  # the lead's file, in progress


def run_python(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def dead_pid() -> int:
    """The pid of a process that has finished (and been reaped)."""
    return int(run_python("import os; print(os.getpid())").stdout)


@pytest.fixture
def project_file(tmp_path: Path) -> Path:
    path = tmp_path / "residual.json"
    shutil.copy(EXAMPLES / "residual_mlp.json", path)
    return path


@pytest.fixture
def controller(qtbot, project_file: Path) -> DocumentController:
    controller = DocumentController()
    controller.load(project_file)
    return controller


# ---- theme ------------------------------------------------------------------------------


@pytest.fixture
def restore_look(qapp):
    palette, style = QPalette(qapp.palette()), qapp.style().name()
    yield qapp
    qapp.setProperty(theme._MODE_PROPERTY, None)
    qapp.setStyle(style)
    qapp.setPalette(palette)


def test_theme_applies_light_and_dark(restore_look) -> None:
    app = restore_look
    assert theme.apply_theme(app, "dark") == "dark"
    assert theme.is_dark(app)
    assert app.style().name().lower() == "fusion"
    window = app.palette().color(QPalette.ColorRole.Window)
    assert window.name() not in ("#000000", "#ffffff")
    assert app.palette().color(QPalette.ColorRole.Highlight) == theme.build_palette(True).color(
        QPalette.ColorRole.Highlight
    )
    assert theme.apply_theme(app, "light") == "light"
    assert not theme.is_dark(app)
    assert app.palette().color(QPalette.ColorRole.Base).name() not in ("#000000", "#ffffff")
    with pytest.raises(ValueError, match="theme mode"):
        theme.apply_theme(app, "purple")


def test_system_mode_follows_the_desktop_and_fixed_modes_do_not(restore_look) -> None:
    app = restore_look
    hints = app.styleHints()
    assert theme.apply_theme(app, "system") == ("dark" if theme.system_is_dark(app) else "light")
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert theme.is_dark(app)
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert not theme.is_dark(app)
    theme.apply_theme(app, "light")
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert not theme.is_dark(app)


def test_pyqtgraph_colours_follow_the_theme(restore_look) -> None:
    import pyqtgraph

    before = {k: pyqtgraph.getConfigOption(k) for k in ("background", "foreground")}
    try:
        theme.apply_theme(restore_look, "dark")
        background, foreground = theme.plot_colours(restore_look)
        assert pyqtgraph.getConfigOption("background") == background
        assert pyqtgraph.getConfigOption("foreground") == foreground
        assert background == restore_look.palette().color(QPalette.ColorRole.Base).name()
    finally:
        pyqtgraph.setConfigOptions(**before)


# ---- code view --------------------------------------------------------------------------


@pytest.fixture
def view(qtbot, controller: DocumentController) -> CodeView:
    widget = CodeView(controller)
    qtbot.addWidget(widget)
    widget.resize(700, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def expected_model(controller: DocumentController) -> str:
    return generate_model(controller.doc, controller.reanalyze()).source


def test_code_view_shows_the_generated_model_and_follows_edits(qtbot, view, controller) -> None:
    assert view.mode() == "model"
    assert view.text() == expected_model(controller)
    assert view.editor.toPlainText() == view.text()
    assert view.editor.isReadOnly()
    controller.set_param("n10", "out_features", 3)
    qtbot.waitUntil(lambda: "nn.Linear(32, 3)" in view.text())
    assert view.text() == expected_model(controller)


def test_code_view_keeps_its_place_and_skips_unchanged_text(qtbot, view, controller) -> None:
    bar = view.editor.verticalScrollBar()
    assert bar.maximum() > 5
    bar.setValue(5)
    revision = view.editor.document().revision()
    controller.reanalyze()  # same graph, same text: nothing is replaced
    assert view.editor.document().revision() == revision
    controller.set_param("n10", "out_features", 4)
    qtbot.waitUntil(lambda: "nn.Linear(32, 4)" in view.text())
    assert bar.value() == 5


def test_code_view_shows_errors_instead_of_stale_code(qtbot, view, controller) -> None:
    controller.remove_nodes(["n12"])  # the loss: the optimizer now has nothing to minimise
    qtbot.waitUntil(lambda: view.text() == "")
    assert "error" in view.message()
    assert "needs a loss connected" in view.message()
    assert view.panel.kind == "error"
    assert not view._copy.isEnabled()
    controller.undo_stack.undo()
    qtbot.waitUntil(lambda: view.text() == expected_model(controller))


def test_training_script_toggle(qtbot, view, controller) -> None:
    from backends.codegen.script_source import generate_script

    buttons = {b.property("mode"): b for b in view._buttons.buttons()}
    qtbot.mouseClick(buttons["script"], Qt.MouseButton.LeftButton)
    assert view.mode() == "script"
    assert view.text() == generate_script(controller.doc, controller.reanalyze())
    controller.remove_nodes(["n12", "n13"])  # no loss, no optimizer: a model, but nothing to train
    qtbot.waitUntil(lambda: view.text() == "")
    with pytest.raises(CodegenError) as raised:
        generate_script(controller.doc, controller.reanalyze())
    reason = str(raised.value).removeprefix("cannot write a training script: ")
    assert reason[1:] in view.message()
    assert view.panel.kind == "info"
    view.set_mode("model")
    assert view.text() == expected_model(controller)


def test_copy_puts_the_code_on_the_clipboard(qtbot, view) -> None:
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(view._copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == view.text()


def test_hidden_code_view_catches_up_when_shown(qtbot, controller) -> None:
    widget = CodeView(controller)
    qtbot.addWidget(widget)
    controller.set_param("n10", "out_features", 7)
    controller.reanalyze()
    assert widget.text() == ""  # nothing generated while hidden
    widget.show()
    qtbot.waitUntil(lambda: "nn.Linear(32, 7)" in widget.text())


def test_highlighter_colours_python(qapp) -> None:
    document = QTextDocument()
    document.setPlainText('@decorator\ndef f(self):\n    """Doc\n    more"""\n    return 1  # note\n')
    highlighter = PythonHighlighter(document)
    block = document.firstBlock()
    kinds = []
    while block.isValid():
        kinds.append([r.format.foreground().color().name() for r in block.layout().formats()])
        block = block.next()
    assert kinds[0] and kinds[1] and kinds[3]  # decorator; def, name and self; string's last line
    assert document.findBlockByNumber(2).userState() == 1  # inside a triple-quoted string
    assert document.findBlockByNumber(3).userState() == 0
    comment = document.findBlockByNumber(4).layout().formats()
    assert any(r.format.fontItalic() for r in comment)
    assert highlighter.document() is document


# ---- autosave and recovery ---------------------------------------------------------------

CRASH = """
import os, sys
from pathlib import Path
from PySide6.QtGui import QGuiApplication
app = QGuiApplication([])
from designer.autosave import Autosaver
from designer.controller import DocumentController
controller = DocumentController()
controller.load(Path(sys.argv[1]))
saver = Autosaver(controller, folder=Path(sys.argv[2]), interval_ms=3_600_000)
controller.set_param("n10", "out_features", 5)
assert saver.save_now()
os._exit(3)  # a crash: no clean close, nothing removed
"""


@pytest.fixture
def crashed(tmp_path: Path, project_file: Path) -> Path:
    """A recovery folder holding the copy of a process that crashed with unsaved work."""
    folder = tmp_path / "recovery"
    result = run_python(CRASH, str(project_file), str(folder))
    assert result.returncode == 3, result.stderr
    return folder


def test_autosave_writes_a_copy_while_dirty_and_removes_it_after_saving(qtbot, tmp_path, controller) -> None:
    folder = tmp_path / "recovery"
    saver = Autosaver(controller, folder=folder, interval_ms=20)
    assert not saver.path.exists()
    controller.set_param("n10", "out_features", 6)
    qtbot.waitUntil(saver.path.exists)
    meta = json.loads(saver.sidecar.read_text(encoding="utf-8"))
    assert meta["pid"] == os.getpid()
    assert Path(meta["original"]) == controller.path.resolve()
    assert project.load(saver.path).node("n10").params["out_features"] == 6
    assert pending_recovery(folder) == []  # ours, and we are alive
    controller.save()
    assert not saver.path.exists() and not saver.sidecar.exists()


def test_clean_close_leaves_nothing(qtbot, tmp_path, controller) -> None:
    saver = Autosaver(controller, folder=tmp_path / "recovery", interval_ms=3_600_000)
    controller.set_param("n10", "out_features", 6)
    assert saver.save_now()
    saver.close()
    assert list((tmp_path / "recovery").iterdir()) == []


def test_a_crash_leaves_a_copy_that_is_found_and_restored(qtbot, crashed, project_file) -> None:
    (item,) = pending_recovery(crashed)
    assert item.ok and item.error is None
    assert item.original == project_file.resolve()
    assert item.pid is not None and item.pid != os.getpid()
    assert "residual.json" in item.describe()
    controller = DocumentController()
    saver = Autosaver(controller, folder=crashed, interval_ms=3_600_000)
    saver.restore(item)
    assert controller.dirty
    assert controller.path == project_file.resolve()
    assert controller.doc.node("n10").params["out_features"] == 5
    assert not item.path.exists() and not item.sidecar.exists()
    assert saver.path.exists()  # our own copy replaces it at once
    assert pending_recovery(crashed) == []
    saver.close()


def test_a_corrupt_copy_is_reported_not_raised(qtbot, tmp_path) -> None:
    folder = tmp_path / "recovery"
    folder.mkdir()
    pid = dead_pid()
    stem = f"session-{pid}-0badc0de"
    (folder / f"{stem}.json").write_text(
        '{"format": "netcanvas-project", "version": 1, "nod', encoding="utf-8"
    )
    sidecar = {"format": "netcanvas-recovery", "version": 1, "pid": pid, "original": None, "name": "Broken"}
    (folder / f"{stem}.meta.json").write_text(json.dumps(sidecar), encoding="utf-8")
    (item,) = pending_recovery(folder)
    assert not item.ok
    assert "cannot be read" in item.error and "ends too early" in item.error
    saver = Autosaver(DocumentController(), folder=folder)
    with pytest.raises(ProjectError):
        saver.restore(item)
    discard_item(item)
    assert list(folder.iterdir()) == []


def test_an_unreadable_sidecar_still_offers_the_work(tmp_path) -> None:
    folder = tmp_path / "recovery"
    folder.mkdir()
    stem = f"session-{dead_pid()}-12345678"
    shutil.copy(EXAMPLES / "xor_mlp.json", folder / f"{stem}.json")
    (folder / f"{stem}.meta.json").write_text("{ not json", encoding="utf-8")
    (item,) = pending_recovery(folder)
    assert item.ok and item.original is None and item.saved_at is not None


def test_a_dead_process_with_our_pid_is_still_a_crash(tmp_path) -> None:
    """In containers the app is often pid 1 every time: only our own copies count as live."""
    folder = tmp_path / "recovery"
    folder.mkdir()
    stem = f"session-{os.getpid()}-feedf00d"
    shutil.copy(EXAMPLES / "xor_mlp.json", folder / f"{stem}.json")
    meta = {"format": "netcanvas-recovery", "version": 1, "pid": os.getpid(), "original": None}
    (folder / f"{stem}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    assert [i.path.name for i in pending_recovery(folder)] == [f"{stem}.json"]


def test_startup_offers_recovery(qtbot, crashed) -> None:
    controller = DocumentController()
    saver = Autosaver(controller, folder=crashed, interval_ms=3_600_000)
    window = QWidget()
    qtbot.addWidget(window)
    asked: list[RecoveryItem | None] = []

    def ask(parent, offered, others, broken) -> str:
        asked.append(offered)
        return "later"

    assert not app_module.offer_recovery(window, saver, crashed, ask)
    assert len(pending_recovery(crashed)) == 1  # "Not now" keeps it for the next start
    assert app_module.offer_recovery(window, saver, crashed, lambda *a: "restore")
    assert controller.dirty and controller.doc.node("n10").params["out_features"] == 5
    assert asked and asked[0] is not None
    saver.close()


def test_startup_discard_removes_the_copy(qtbot, crashed) -> None:
    saver = Autosaver(DocumentController(), folder=crashed, interval_ms=3_600_000)
    assert not app_module.offer_recovery(QWidget(), saver, crashed, lambda *a: "discard")
    assert pending_recovery(crashed) == []


# ---- recent files ---------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_recent_files_order_limit_and_prune(qtbot, tmp_path, settings) -> None:
    files = []
    for index in range(12):
        path = tmp_path / f"p{index}.json"
        path.write_text("{}", encoding="utf-8")
        files.append(path)
    recent = RecentFiles(settings)
    with qtbot.waitSignal(recent.changed):
        recent.add(files[0])
    recent.add(files[1])
    recent.add(files[2])
    recent.add(files[0])  # opened again: back to the top, not listed twice
    assert recent.paths() == [files[0], files[2], files[1]]
    files[2].unlink()
    assert recent.paths() == [files[0], files[1]]
    assert RecentFiles(settings).paths() == [files[0], files[1]]  # pruned in the settings too
    for path in files[3:]:
        recent.add(path)
    assert len(recent.paths()) == 10
    assert recent.paths()[0] == files[-1]
    recent.remove(files[-1])
    assert files[-1] not in recent.paths()
    recent.clear()
    assert recent.paths() == []


def test_recent_files_single_entry_round_trips(tmp_path, settings) -> None:
    path = tmp_path / "only.json"
    path.write_text("{}", encoding="utf-8")
    RecentFiles(settings).add(path)
    settings.sync()
    again = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    assert RecentFiles(again).paths() == [path]


# ---- start-up -------------------------------------------------------------------------------


class FakeWindow(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[Path] = []
        self.examples: list[str] = []

    def open_path(self, path: Path) -> bool:
        self.opened.append(path)
        return True

    def open_example(self, name: str) -> None:
        self.examples.append(name)


def test_a_bad_project_shows_a_message_and_the_example(qtbot, tmp_path) -> None:
    window = FakeWindow()
    qtbot.addWidget(window)
    bad = tmp_path / "bad.json"
    bad.write_text("{ nope", encoding="utf-8")
    problem = app_module.open_initial(window, str(bad))
    assert "bad.json" in problem and "invalid JSON" in problem
    assert window.opened == [] and window.examples == [app_module.DEFAULT_EXAMPLE]
    missing = app_module.open_initial(window, str(tmp_path / "missing.json"))
    assert "no such file" in missing


def test_a_good_project_opens_and_none_opens_the_example(qtbot, project_file) -> None:
    window = FakeWindow()
    qtbot.addWidget(window)
    assert app_module.open_initial(window, str(project_file)) == ""
    assert window.opened == [project_file] and window.examples == []
    assert app_module.open_initial(window, None) == ""
    assert window.examples == [app_module.DEFAULT_EXAMPLE]


def test_first_paint_hook_prints_and_quits(qtbot, capsys, monkeypatch) -> None:
    exits: list[int] = []

    class Quit:
        @staticmethod
        def exit(code: int) -> None:
            exits.append(code)

    monkeypatch.setattr(app_module, "QApplication", Quit)
    window = QWidget()
    qtbot.addWidget(window)
    app_module.report_first_paint(window)
    window.show()
    qtbot.waitUntil(lambda: exits == [0])
    assert capsys.readouterr().out.startswith("first paint: ")


def test_the_app_module_does_not_import_torch() -> None:
    """Start-up must not wait 1.5 s for torch: nothing on the window's import path may load it."""
    code = (
        "import sys, importlib.util\n"
        "import designer.app\n"
        "if importlib.util.find_spec('designer.main_window'): import designer.main_window\n"
        "print('torch' in sys.modules)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.slow
@pytest.mark.skipif(not HAS_MAIN_WINDOW, reason="designer/main_window.py is not written yet")
def test_the_window_paints_without_torch() -> None:
    code = "import sys; from designer.app import launch; launch(None); print('torch' in sys.modules)"
    result = run_python(code, env={app_module.EXIT_AFTER_PAINT: "1"})
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"first paint: \d+ ms\nFalse\n", result.stdout), result.stdout  # False: no torch
    assert app_module.time_to_first_paint() > 0
