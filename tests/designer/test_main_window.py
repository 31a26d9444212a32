"""The whole window, driven as a person would: open, edit, undo, train, export, close.

Real widgets on the offscreen platform. Edits go in through the palette, the canvas
(mouse), the inspector's fields and the menu actions; the document is compared as
project data (nodes.project.to_dict) before and after, so "undo restores it" means
exactly that, positions, names and parameters included.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, QStandardPaths, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox, QScrollArea

from designer import file_actions
from designer.canvas.port_item import IN, OUT
from designer.canvas.style import GRID, HEADER_HEIGHT, NODE_WIDTH
from designer.controller import DocumentController
from designer.main_window import MainWindow
from designer.recent import RecentFiles
from nodes import project
from nodes.graph import Edge

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.json"))
RUN_TIMEOUT_MS = 120_000  # a few epochs of XOR take well under a second; never hang the suite
Button = QMessageBox.StandardButton

# xor_mlp: n1 data, n2 x, n3 hidden (Linear 8), n4 tanh, n5 output (Linear 1), n6 y, n7 loss, n8 optimizer
HIDDEN, TANH, OUTPUT = "n3", "n4", "n5"


# ---- fixtures and helpers -------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def private_settings(tmp_path_factory: pytest.TempPathFactory):
    """Closing the window stores its layout in QSettings: keep that out of the user's config."""
    scopes = [
        (fmt, QSettings.Scope.UserScope)
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat)
    ]
    default = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    folder = tmp_path_factory.mktemp("qsettings")
    for fmt, scope in scopes:
        QSettings.setPath(fmt, scope, str(folder))
    yield folder
    for fmt, scope in scopes:
        QSettings.setPath(fmt, scope, default)


class Dialogs:
    """QMessageBox's static helpers, replaced: calls are recorded, answers are scripted.

    A real modal box would wait forever on the offscreen platform."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.answer = Button.Cancel
        for kind in ("question", "warning", "information", "critical"):
            monkeypatch.setattr(QMessageBox, kind, self._recorder(kind))

    def _recorder(self, kind: str) -> Callable[..., Any]:
        def record(parent: Any, title: str, text: str, *args: Any, **kwargs: Any) -> Any:
            self.calls.append((kind, title, text))
            return self.answer if kind == "question" else Button.Ok

        return record

    def of(self, kind: str) -> list[tuple[str, str, str]]:
        return [call for call in self.calls if call[0] == kind]


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    return Dialogs(monkeypatch)


@pytest.fixture
def window(qtbot: Any, tmp_path: Path, dialogs: Dialogs) -> MainWindow:
    """The main window, shown, with the XOR example open and nothing to save."""
    recent = RecentFiles(QSettings(str(tmp_path / "recent.ini"), QSettings.Format.IniFormat))
    win = MainWindow(DocumentController(), recent)

    def before_close(w: MainWindow) -> None:
        w.controller.undo_stack.setClean()  # closing at teardown asks nothing
        assert w.training.panel.shutdown()

    qtbot.addWidget(win, before_close_func=before_close)
    win.show()
    qtbot.waitExposed(win)
    assert win.open_example("xor_mlp")
    return win


def snapshot(win: MainWindow) -> dict[str, Any]:
    return project.to_dict(win.controller.doc)


def assert_scene_mirrors(win: MainWindow) -> None:
    """Every node and wire of the document has its item, where the document says."""
    doc, scene = win.controller.doc, win.scene
    assert {item.node_id for item in scene.node_items()} == {n.id for n in doc.nodes()}
    assert {wire.edge for wire in scene.wire_items()} == set(doc.edges())
    for node in doc.nodes():
        item = scene.node_item(node.id)
        assert (item.x(), item.y()) == node.position
        assert item.content.name == node.name


def at(win: MainWindow, scene_pos: QPointF) -> QPoint:
    return win.view.mapFromScene(scene_pos)


def drag(win: MainWindow, start: QPointF, end: QPointF, steps: int = 5) -> None:
    """Left-drag on the canvas from one scene point to another."""
    port = win.view.viewport()
    a, b = at(win, start), at(win, end)
    QTest.mousePress(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, steps + 1):
        QTest.mouseMove(port, a + (b - a) * i / steps)
    QTest.mouseRelease(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def type_into(qtbot: Any, widget: Any, text: str) -> None:
    """Replace a field's text as a person does: select all, type, press Enter."""
    line = widget.lineEdit() if hasattr(widget, "lineEdit") else widget
    line.selectAll()
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def trigger(win: MainWindow, name: str) -> None:
    action = win.actions_by_name[name]
    assert action.isEnabled(), f"{name} is disabled"
    action.trigger()


def settle(qtbot: Any, win: MainWindow) -> None:
    """Let the analysis that follows an edit run (it is scheduled on the next loop turn)."""
    qtbot.waitUntil(lambda: not win.controller._timer.isActive(), timeout=2000)


def problem_rows(win: MainWindow) -> list[tuple[str, str | None]]:
    items = [win.problems.list.item(i) for i in range(win.problems.count())]
    return [(item.text(), item.data(Qt.ItemDataRole.UserRole)) for item in items]


# ---- opening -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_opens_cleanly(qtbot: Any, window: MainWindow, dialogs: Dialogs, path: Path) -> None:
    assert window.open_example(path.stem)
    settle(qtbot, window)
    doc = window.controller.doc
    assert dialogs.calls == []
    assert doc.name and doc.name in window.windowTitle()
    assert doc.name == project.load(path).name
    assert not window.isWindowModified() and not window.controller.dirty
    assert window.controller.path is None  # an example opens as an unsaved copy
    assert window.controller.analysis.errors == []
    assert len(doc) == len(project.load(path).nodes()) > 0
    assert_scene_mirrors(window)
    assert window.problems.count() == len(window.controller.analysis.problems)
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert visible.intersects(window.scene.items_bounding_rect())  # fitted into view, not off screen


def test_the_examples_menu_opens_each_example(qtbot: Any, window: MainWindow, dialogs: Dialogs) -> None:
    (file_menu,) = [a.menu() for a in window.menuBar().actions() if a.text() == "&File"]
    (examples,) = [a.menu() for a in file_menu.actions() if a.menu() is not None and "Examples" in a.text()]
    actions = examples.actions()
    assert len(actions) == len(EXAMPLES)
    for action, path in zip(actions, EXAMPLES, strict=True):
        action.trigger()
        assert window.controller.doc.name == project.load(path).name
        assert window.controller.doc.name in window.windowTitle()
    assert dialogs.calls == []


def test_open_path_titles_the_window_with_the_file_name(
    qtbot: Any, window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "my_network.json"
    path.write_text((ROOT / "resources" / "examples" / "spiral_mlp.json").read_text("utf-8"), "utf-8")
    assert window.open_path(path)
    assert "my_network.json" in window.windowTitle()
    assert window.controller.path == path
    assert window.recent.paths() == [path]


# ---- adding nodes -------------------------------------------------------------------------


def test_palette_double_click_adds_a_node_at_the_view_centre(qtbot: Any, window: MainWindow) -> None:
    palette = window.palette
    item = palette.item_for("Dropout")
    palette.tree.scrollToItem(item)
    centre = palette.tree.visualItemRect(item).center()
    before = {n.id for n in window.controller.doc.nodes()}
    # QTest's double click lacks the press that precedes it on a real mouse.
    qtbot.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    (new,) = {n.id for n in window.controller.doc.nodes()} - before
    node = window.controller.doc.node(new)
    assert node.type_id == "Dropout"
    view_centre = window.view.mapToScene(window.view.viewport().rect().center())
    card_anchor = QPointF(node.position[0] + NODE_WIDTH / 2, node.position[1] + HEADER_HEIGHT)
    assert (card_anchor - view_centre).manhattanLength() <= 2 * GRID  # centred, then snapped
    assert window.scene.selected_node_ids() == [new]
    assert window.inspector.node_id == new


def test_a_node_added_beside_the_selected_card_does_not_cover_it(qtbot: Any, window: MainWindow) -> None:
    # Found in a newcomer trial: the new card landed on the selected card's output ports.
    window.scene.select_node(HIDDEN)
    selected = window.scene.node_item(HIDDEN).sceneBoundingRect()
    new = window.add_node_at_center("Dropout")
    assert new is not None
    card = window.scene.node_item(new).sceneBoundingRect()
    assert not card.intersects(selected)
    assert card.left() >= selected.right() + GRID  # room for a wire between them
    others = [window.scene.node_item(n.id) for n in window.controller.doc.nodes() if n.id != new]
    assert not any(item.sceneBoundingRect().intersects(card) for item in others)


def test_a_chain_added_from_the_palette_stays_in_view(qtbot: Any, window: MainWindow) -> None:
    # Found in a newcomer trial: each card lands right of the last, and after three or four
    # the new ones were past the edge of the canvas, Adam added where nobody could see it.
    window.new_project()
    viewport = window.view.viewport().rect()
    for type_id in ("Spirals", "Linear", "ReLU", "Linear", "CrossEntropyLoss", "Adam", "Dropout", "Tanh"):
        new = window.add_node_at_center(type_id)
        assert new is not None and window.scene.selected_node_ids() == [new]
        card = window.view.mapFromScene(window.scene.node_item(new).sceneBoundingRect()).boundingRect()
        assert viewport.contains(card), (type_id, card, viewport)


def test_dropping_onto_a_wire_inserts_the_node(qtbot: Any, window: MainWindow) -> None:
    edge = Edge(HIDDEN, "out", TANH, "in")
    wire = window.scene.wire_item(edge)
    middle = (wire.source.scenePos() + wire.target.scenePos()) * 0.5
    assert window.scene.edge_at(middle) == edge
    before = snapshot(window)
    new = window.view.drop_node("Dropout", middle)
    assert new is not None and window.controller.doc.node(new).type_id == "Dropout"
    edges = set(window.controller.doc.edges())
    assert edge not in edges
    assert {Edge(HIDDEN, "out", new, "in"), Edge(new, "out", TANH, "in")} <= edges
    assert_scene_mirrors(window)
    trigger(window, "undo")  # the insertion is one step
    assert snapshot(window) == before
    assert_scene_mirrors(window)


# ---- undo / redo of every kind of edit ------------------------------------------------------


def edit_add(qtbot: Any, win: MainWindow) -> None:
    win.palette.add_requested.emit("BatchNorm1d")


def edit_delete(qtbot: Any, win: MainWindow) -> None:
    win.scene.select_node(HIDDEN)
    trigger(win, "delete")
    assert HIDDEN not in win.controller.doc


def free_the_output_input(win: MainWindow) -> None:
    win.controller.disconnect([Edge(TANH, "out", OUTPUT, "in")])


def edit_connect(qtbot: Any, win: MainWindow) -> None:
    """A wire drawn with the mouse from tanh's output to output's (free) input."""
    source = win.scene.node_item(TANH).port(OUT, "out")
    target = win.scene.node_item(OUTPUT).port(IN, "in")
    drag(win, source.scenePos(), target.scenePos())
    assert Edge(TANH, "out", OUTPUT, "in") in win.controller.doc.edges()


def edit_connect_replacing(qtbot: Any, win: MainWindow) -> None:
    """A new wire into an input that already has one replaces it (one step)."""
    source = win.scene.node_item("n2").port(OUT, "out")
    target = win.scene.node_item(OUTPUT).port(IN, "in")
    drag(win, source.scenePos(), target.scenePos())
    edges = win.controller.doc.edges()
    assert Edge("n2", "out", OUTPUT, "in") in edges and Edge(TANH, "out", OUTPUT, "in") not in edges


def edit_disconnect(qtbot: Any, win: MainWindow) -> None:
    win.scene.clearSelection()
    win.scene.wire_item(Edge(HIDDEN, "out", TANH, "in")).setSelected(True)
    trigger(win, "delete")
    assert Edge(HIDDEN, "out", TANH, "in") not in win.controller.doc.edges()


def edit_param(qtbot: Any, win: MainWindow) -> None:
    win.scene.select_node(HIDDEN)
    assert win.inspector.node_id == HIDDEN
    type_into(qtbot, win.inspector.editors["out_features"].spin, "32")
    assert win.controller.doc.node(HIDDEN).params["out_features"] == 32


def edit_rename(qtbot: Any, win: MainWindow) -> None:
    win.scene.select_node(HIDDEN)
    trigger(win, "rename")
    assert win.scene.rename_editor() is not None
    win.view.setFocus()
    QTest.keyClicks(win.view.viewport(), "wide")
    QTest.keyClick(win.view.viewport(), Qt.Key.Key_Return)
    assert win.controller.doc.node(HIDDEN).name == "wide"


def edit_rename_in_inspector(qtbot: Any, win: MainWindow) -> None:
    win.scene.select_node(TANH)
    type_into(qtbot, win.inspector.name_edit, "squash")
    assert win.controller.doc.node(TANH).name == "squash"


def edit_move(qtbot: Any, win: MainWindow) -> None:
    item = win.scene.node_item(HIDDEN)
    grab = item.mapToScene(item.name_rect().center())
    drag(win, grab, grab + QPointF(93, 47))
    assert win.controller.doc.node(HIDDEN).position != (190.0, 0.0)


def edit_paste(qtbot: Any, win: MainWindow) -> None:
    win.scene.select_node(HIDDEN)
    trigger(win, "copy")
    trigger(win, "paste")


Edit = Callable[[Any, MainWindow], None]
# kind -> (set-up done before the "before" snapshot, the edit itself)
EDITS: dict[str, tuple[Callable[[MainWindow], None] | None, Edit]] = {
    "add": (None, edit_add),
    "delete": (None, edit_delete),
    "connect": (free_the_output_input, edit_connect),
    "connect_replacing": (None, edit_connect_replacing),
    "disconnect": (None, edit_disconnect),
    "set_param": (None, edit_param),
    "rename": (None, edit_rename),
    "rename_in_inspector": (None, edit_rename_in_inspector),
    "move": (None, edit_move),
    "paste": (None, edit_paste),
}


@pytest.mark.parametrize("kind", list(EDITS))
def test_undo_and_redo_restore_the_document_exactly(qtbot: Any, window: MainWindow, kind: str) -> None:
    setup, edit = EDITS[kind]
    if setup is not None:
        setup(window)
        window.controller.undo_stack.clear()  # the set-up is not the edit under test
    settle(qtbot, window)
    before = snapshot(window)
    edit(qtbot, window)
    settle(qtbot, window)
    after = snapshot(window)
    assert after != before
    assert window.controller.undo_stack.count() == 1, "one edit, one undo step"
    assert window.controller.dirty and window.isWindowModified()
    trigger(window, "undo")
    settle(qtbot, window)
    assert snapshot(window) == before
    assert_scene_mirrors(window)
    assert not window.controller.dirty
    trigger(window, "redo")
    settle(qtbot, window)
    assert snapshot(window) == after
    assert_scene_mirrors(window)
    trigger(window, "undo")
    assert snapshot(window) == before


# ---- clipboard ------------------------------------------------------------------------------


def _check_copies(win: MainWindow, originals: list[str], copies: list[str]) -> None:
    doc = win.controller.doc
    assert len(copies) == len(originals) and not set(copies) & set(originals)
    assert sorted(win.scene.selected_node_ids()) == sorted(copies)  # the copies are selected
    names = [n.name for n in doc.nodes()]
    assert len(names) == len(set(names)), "every name stays unique"
    by_type = {doc.node(c).type_id: c for c in copies}
    for original in originals:
        node = doc.node(original)
        copy = doc.node(by_type[node.type_id])
        assert copy.name != node.name and copy.name.startswith(node.name)
        assert copy.params == node.params
        assert copy.position == (node.position[0] + 40, node.position[1] + 40)
    inside = {e for e in doc.edges() if e.source in copies or e.target in copies}
    assert inside == {Edge(by_type["Linear"], "out", by_type["Tanh"], "in")}  # only the wire between them
    assert_scene_mirrors(win)


@pytest.mark.parametrize("how", ["copy_paste", "duplicate"])
def test_copies_are_renamed_and_keep_their_wires(qtbot: Any, window: MainWindow, how: str) -> None:
    before = snapshot(window)
    for node_id in (HIDDEN, TANH):
        window.scene.node_item(node_id).setSelected(True)
    existing = {n.id for n in window.controller.doc.nodes()}
    if how == "duplicate":
        trigger(window, "duplicate")
    else:
        trigger(window, "copy")
        trigger(window, "paste")
    copies = [n.id for n in window.controller.doc.nodes() if n.id not in existing]
    _check_copies(window, [HIDDEN, TANH], copies)
    assert window.controller.undo_stack.count() == 1
    # Again: the names stay unique.
    existing = {n.id for n in window.controller.doc.nodes()}
    trigger(window, "paste" if how == "copy_paste" else "duplicate")
    assert len({n.id for n in window.controller.doc.nodes()} - existing) == 2
    names = [n.name for n in window.controller.doc.nodes()]
    assert len(names) == len(set(names))
    trigger(window, "undo")
    trigger(window, "undo")
    assert snapshot(window) == before


def test_cut_removes_and_paste_brings_back(qtbot: Any, window: MainWindow) -> None:
    window.scene.select_node(TANH)
    trigger(window, "cut")
    assert TANH not in window.controller.doc
    trigger(window, "paste")
    (tanh,) = [n for n in window.controller.doc.nodes() if n.type_id == "Tanh"]
    assert tanh.name == "tanh"  # the name is free again, so the copy keeps it


# ---- shapes and problems ----------------------------------------------------------------------


def test_editing_a_parameter_updates_the_wire_shapes(qtbot: Any, window: MainWindow) -> None:
    after_hidden = [window.scene.wire_item(Edge(HIDDEN, "out", TANH, "in"))]
    after_hidden.append(window.scene.wire_item(Edge(TANH, "out", OUTPUT, "in")))
    assert [w.shape_text for w in after_hidden] == ["(N, 8)", "(N, 8)"]
    window.scene.select_node(HIDDEN)
    type_into(qtbot, window.inspector.editors["out_features"].spin, "24")
    qtbot.waitUntil(lambda: [w.shape_text for w in after_hidden] == ["(N, 24)", "(N, 24)"], timeout=2000)
    assert "(N, 24)" in window.scene.wire_item(Edge(HIDDEN, "out", TANH, "in")).toolTip()
    trigger(window, "undo")
    qtbot.waitUntil(lambda: [w.shape_text for w in after_hidden] == ["(N, 8)", "(N, 8)"], timeout=2000)


def _make_shape_error(qtbot: Any, win: MainWindow, node_id: str = OUTPUT, wrong: int = 3) -> None:
    """Through the inspector: leave 'auto' and type a wrong number of input features."""
    win.scene.select_node(node_id)
    editor = win.inspector.editors["in_features"]
    assert editor.auto is not None and editor.auto.isChecked()
    qtbot.mouseClick(editor.auto, Qt.MouseButton.LeftButton, pos=QPoint(4, editor.auto.height() // 2))
    assert not editor.auto.isChecked()
    type_into(qtbot, editor.spin, str(wrong))
    assert win.controller.doc.node(node_id).params["in_features"] == wrong
    settle(qtbot, win)


def test_a_shape_error_shows_on_the_node_and_in_the_problems(qtbot: Any, window: MainWindow) -> None:
    _make_shape_error(qtbot, window)
    item = window.scene.node_item(OUTPUT)
    assert item.has_error
    assert any("expects 3 input features but receives 8" in e for e in item.content.errors)
    assert not window.scene.node_item(HIDDEN).has_error
    rows = problem_rows(window)
    (row,) = [r for r in rows if "expects 3 input features" in r[0]]
    assert row[1] == OUTPUT
    assert "Problems (" in window.bottom.tabText(window.bottom.indexOf(window.problems))
    assert not window.training.panel.train_button.isEnabled()

    # Look elsewhere, then activate the problem: the node is selected and centred.
    window.scene.clearSelection()
    window.view.zoom_by(2.5)
    window.view.centerOn(-2000, -2000)
    window.bottom.setCurrentWidget(window.problems)
    qtbot.waitExposed(window.problems.list)
    lst = window.problems.list
    index = next(i for i in range(lst.count()) if "expects 3 input features" in lst.item(i).text())
    lst.scrollToItem(lst.item(index))
    with qtbot.waitSignal(window.problems.problem_activated, timeout=1000):
        qtbot.mouseClick(
            lst.viewport(), Qt.MouseButton.LeftButton, pos=lst.visualItemRect(lst.item(index)).center()
        )
    assert window.scene.selected_node_ids() == [OUTPUT]
    assert window.inspector.node_id == OUTPUT
    centre = window.view.mapToScene(window.view.viewport().rect().center())
    assert item.sceneBoundingRect().contains(centre)

    trigger(window, "undo")  # back to auto: the error goes away everywhere
    settle(qtbot, window)
    assert not item.has_error
    assert not [r for r in problem_rows(window) if "expects" in r[0]]


@pytest.mark.parametrize("node_id", [HIDDEN, OUTPUT])
def test_a_shape_error_raises_no_unrelated_warnings(qtbot: Any, window: MainWindow, node_id: str) -> None:
    """One wrong number, one problem: the network still has its layers and their parameters."""
    _make_shape_error(qtbot, window, node_id, wrong=5)
    problems = window.controller.analysis.problems
    assert [(p.node_id, p.code) for p in problems] == [(node_id, "shape")], [p.message for p in problems]


# ---- training ------------------------------------------------------------------------------------


def _points(curve: Any) -> int:
    return 0 if curve.xData is None else len(curve.xData)


@pytest.mark.slow
def test_train_from_the_menu_fills_the_plots(qtbot: Any, window: MainWindow) -> None:
    panel, plots = window.training.panel, window.training.plots
    panel.set_setting("device", "cpu")
    panel.set_setting("epochs", 3)
    assert window.controller.doc.settings["training"]["epochs"] == 3
    levels: list[Any] = []
    panel.gradient_levels.connect(levels.append)
    with qtbot.waitSignal(panel.run_done, timeout=RUN_TIMEOUT_MS) as done:
        trigger(window, "train")
        assert panel.runner.running
        assert not window.actions_by_name["train"].isEnabled() or not panel.train()  # no second run
    outcome = done.args[0]
    assert outcome is not None and outcome.failed is None, outcome and outcome.failed
    assert outcome.finished.reason == "completed" and outcome.finished.epochs_run == 3
    assert plots.epoch_points == 3 and plots.loss_points > 0
    # What the curves hold (what they draw is clipped to a view that may be hidden in a tab).
    qtbot.waitUntil(lambda: _points(plots.loss_curve) == plots.loss_points, timeout=2000)
    assert _points(plots.smooth_curve) == plots.loss_points
    assert list(plots.train_epoch_curve.xData) == [1, 2, 3]
    # The gradient curves live on another tab: they are drawn once it is shown.
    assert set(plots.grad_curves) == {"hidden", "output"}
    plots.tabs.setCurrentIndex(plots.tabs.indexOf(plots.grad_plot.parentWidget()))
    qtbot.waitUntil(
        lambda: all(_points(c) == plots.loss_points for c in plots.grad_curves.values()), timeout=2000
    )
    # Gradient gauges showed on the canvas during the run and went away after it.
    shown = [level for level in levels if level]
    assert shown and set(shown[-1]) <= {HIDDEN, OUTPUT}
    assert levels[-1] is None
    assert all(item.gradient is None for item in window.scene.node_items())


# ---- export -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["python", "script"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_export_source_compiles(qtbot: Any, window: MainWindow, path: Path, fmt: str) -> None:
    assert window.open_example(path.stem)
    source = file_actions.export_source(window.controller, fmt)
    compile(source, f"{path.stem}_{fmt}.py", "exec")
    assert "import torch" in source


@pytest.mark.parametrize(
    ("typed", "action", "fmt", "written"),
    [
        ("model.py", "export_model", "python", "model.py"),
        # Found in a newcomer trial: "train" was written as is, and "python train" was suggested.
        ("train", "export_script", "script", "train.py"),
    ],
)
def test_export_writes_the_source(
    qtbot: Any,
    window: MainWindow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    typed: str,
    action: str,
    fmt: str,
    written: str,
) -> None:
    monkeypatch.setattr(
        file_actions.QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / typed), "")
    )
    trigger(window, action)
    target = tmp_path / written
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in ("", ".py")) == [written]
    assert target.read_text("utf-8") == file_actions.export_source(window.controller, fmt)
    shown = window.statusBar().currentMessage()
    # It says the export worked, and how to run the file.
    assert shown.startswith(f"Exported {target}") and f"python {written}" in shown


# ---- closing and bad files ------------------------------------------------------------------------------


def test_closing_with_unsaved_changes_asks(qtbot: Any, window: MainWindow, dialogs: Dialogs) -> None:
    window.palette.add_requested.emit("ReLU")
    assert window.controller.dirty
    dialogs.answer = Button.Cancel
    assert not window.close()
    assert window.isVisible() and len(dialogs.of("question")) == 1
    assert window.controller.dirty  # nothing was thrown away
    dialogs.answer = Button.Discard
    assert window.close()
    assert not window.isVisible() and len(dialogs.of("question")) == 2


def test_a_new_project_saved_takes_the_files_name_and_the_prompt_uses_it(
    qtbot: Any, window: MainWindow, dialogs: Dialogs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found in a newcomer trial: after Save As myspiral.json the close prompt still said
    # 'Untitled', and the exported model class was called Untitled.
    window.new_project()
    assert window.statusBar().currentMessage().startswith("New project: drag a data set")
    window.add_node_at_center("Input")
    target = tmp_path / "myspiral.json"
    monkeypatch.setattr(file_actions.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert window.save_as()
    assert window.controller.doc.name == "myspiral" and not window.controller.dirty
    assert project.load(target).name == "myspiral"
    window.add_node_at_center("ReLU")  # selected Input: the ReLU lands beside it
    dialogs.answer = Button.Cancel
    assert not window.close()
    assert dialogs.of("question")[-1][2] == "Save the changes to 'myspiral.json' first?"
    relu = next(n.id for n in window.controller.doc.nodes() if n.type_id == "ReLU")
    entry = next(n.id for n in window.controller.doc.nodes() if n.type_id == "Input")
    assert window.controller.connect_ports(entry, "out", relu, "in")
    window.controller.reanalyze()
    assert "class Myspiral(nn.Module)" in file_actions.export_source(window.controller, "python")
    named = tmp_path / "other.json"  # a project that has a name keeps it
    monkeypatch.setattr(file_actions.QFileDialog, "getSaveFileName", lambda *a, **k: (str(named), ""))
    assert window.save_as() and window.controller.doc.name == "myspiral"


def test_closing_without_changes_asks_nothing(qtbot: Any, window: MainWindow, dialogs: Dialogs) -> None:
    assert window.close()
    assert dialogs.calls == []


def test_a_broken_project_file_shows_a_message_and_keeps_the_document(
    qtbot: Any, window: MainWindow, dialogs: Dialogs, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "netcanvas-project", "version": 1, "nodes": [', "utf-8")
    window.scene.select_node(HIDDEN)
    type_into(qtbot, window.inspector.editors["out_features"].spin, "12")  # unsaved work
    settle(qtbot, window)
    before, title, steps = snapshot(window), window.windowTitle(), window.controller.undo_stack.count()
    dialogs.answer = Button.Discard  # "discard my changes and open the other file"
    assert not window.open_path(broken)
    (warning,) = dialogs.of("warning")
    assert "broken.json" in warning[2]
    assert snapshot(window) == before and window.windowTitle() == title
    assert window.controller.undo_stack.count() == steps and window.controller.dirty
    assert window.recent.paths() == []
    assert_scene_mirrors(window)

    not_a_project = tmp_path / "list.json"
    not_a_project.write_text(json.dumps([1, 2, 3]), "utf-8")
    assert not window.open_path(not_a_project)
    assert len(dialogs.of("warning")) == 2 and "list.json" in dialogs.of("warning")[1][2]
    assert snapshot(window) == before


def test_tab_titles_show_their_ampersands(qtbot: Any, window: MainWindow) -> None:
    """Qt reads a single '&' in a tab title as a shortcut marker and hides it."""
    from PySide6.QtWidgets import QTabWidget

    titles = [t.tabText(i) for t in window.findChildren(QTabWidget) for i in range(t.count())]
    assert "Loss && metrics" in titles
    assert all("&" not in title.replace("&&", "") for title in titles), titles


def test_an_example_copy_resolves_relative_data_paths_in_the_working_folder(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "points.csv").write_text("a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(40)))
    assert window.open_example("xor_mlp")
    assert window.controller.path is None and window.controller.data_dir is None
    node_id = window.controller.add_node("CsvData", (0, 0))
    assert window.controller.set_param(node_id, "path", "points.csv")
    window.controller.reanalyze()
    messages = [p.message for p in window.controller.analysis.problems_for(node_id)]
    assert not any("does not exist" in m for m in messages), messages
    # The check above and a training run agree: both resolve it in the working folder.
    window.inspector.show_node(node_id)
    qtbot.waitUntil(lambda: not window.inspector.preview.busy, timeout=30_000)
    assert not window.inspector.preview.failed, window.inspector.preview.text.text()
    assert "40 samples" in window.inspector.preview.text.text()


def test_the_layout_saved_at_close_comes_back(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from designer.controller import DocumentController

    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    fresh = MainWindow(DocumentController())
    qtbot.addWidget(fresh)
    assert not fresh.restore_layout(settings)  # nothing saved yet: the default layout
    window.resize(1200, 800)
    window.show()
    window.resizeDocks([window.run_dock], [520], Qt.Orientation.Vertical)
    qtbot.waitUntil(lambda: abs(window.run_dock.height() - 520) < 30)
    settings.setValue("window/state", window.saveState())
    settings.setValue("window/geometry", window.saveGeometry())
    assert fresh.restore_layout(settings)
    fresh.show()
    qtbot.waitUntil(lambda: abs(fresh.run_dock.height() - window.run_dock.height()) < 30)


def test_a_network_wider_than_the_view_says_so_and_fits_on_a_click(qtbot: Any, window: MainWindow) -> None:
    # Found in a newcomer trial: the spiral example opens legible, with the loss and the
    # optimizer past the right edge and nothing saying they are there.
    hint = window.view.offscreen_hint
    assert window.open_example("spiral_mlp")
    qtbot.waitUntil(hint.isVisible)
    viewport = window.view.viewport().rect()
    visible = window.view.mapToScene(viewport).boundingRect()
    assert not visible.contains(window.scene.cards_rect())
    assert viewport.contains(hint.geometry())
    qtbot.mouseClick(hint, Qt.MouseButton.LeftButton)
    visible = window.view.mapToScene(viewport).boundingRect()
    assert visible.contains(window.scene.cards_rect())
    qtbot.waitUntil(lambda: not hint.isVisible())
    window.new_project()
    qtbot.wait(200)
    assert not hint.isVisible()  # nothing to fit


def test_a_new_edit_clears_an_older_wiring_message(qtbot: Any, window: MainWindow) -> None:
    # Found in a verification trial: "Wired ... through Input" stayed through later wiring.
    window.new_project()
    c = window.controller
    data, fc, relu = (window.add_node_at_center(t) for t in ("Spirals", "Linear", "ReLU"))
    assert data and fc and relu
    assert c.connect_ports(data, "x", fc, "in")
    assert window.statusBar().currentMessage().startswith("Wired 'spirals1' to 'fc1' through Input")
    assert c.connect_ports(fc, "out", relu, "in")
    assert window.statusBar().currentMessage() == ""


def test_a_refused_value_at_the_bottom_of_the_inspector_is_scrolled_into_view(
    qtbot: Any, window: MainWindow
) -> None:
    # Found in a verification trial: the red line sat below the fold of a short inspector.
    window.scene.select_node(HIDDEN)
    inspector = window.inspector
    inspector.resize(inspector.width(), 260)
    editor = inspector.editors["out_features"]
    editor.spin.setFocus()
    editor.spin.lineEdit().selectAll()
    qtbot.keyClicks(editor.spin, "0")
    qtbot.keyClick(editor.spin, Qt.Key.Key_Return)
    assert editor.error is not None
    scroll = editor.parentWidget()
    while not isinstance(scroll, QScrollArea):
        scroll = scroll.parentWidget()
    shown = scroll.viewport().rect()
    line = editor.message.rect().translated(editor.message.mapTo(scroll.viewport(), QPoint(0, 0)))
    assert shown.contains(line), (shown, line)
