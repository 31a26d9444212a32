"""The main window: canvas in the middle, palette left, inspector right, training,
problems and code below. It composes the widgets and wires their signals; each
widget does its own work."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QTabWidget, QWidget

from designer import commands, file_actions
from designer.canvas import style as st
from designer.canvas.node_item import NodeItem
from designer.canvas.scene import GraphScene
from designer.canvas.view import CanvasView
from designer.code_view import CodeView
from designer.controller import CLIPBOARD_FORMAT, DocumentController
from designer.inspector import InspectorWidget
from designer.palette import PaletteWidget
from designer.problems import ProblemsWidget
from designer.recent import RecentFiles
from designer.training.view import TrainingView
from nodes import project
from nodes.graph import UNTITLED, GraphDocument, GraphEvent
from nodes.project import ProjectError

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"
RUN_AREA_SHARE = 0.42  # of the window height, for the training panel and plots at first show


STRUCTURAL_EDITS = ("node_added", "node_removed", "edge_added", "edge_removed")


class MainWindow(QMainWindow):
    def __init__(self, controller: DocumentController, recent: RecentFiles | None = None) -> None:
        super().__init__()
        self.controller = controller
        self.recent = recent or RecentFiles()
        self.setWindowTitle("netcanvas")
        self.resize(1440, 900)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)

        self.scene = GraphScene(controller, self)
        self.view = CanvasView(self.scene)
        self.setCentralWidget(self.view)
        self.palette = PaletteWidget()
        self.inspector = InspectorWidget(controller)
        self.problems = ProblemsWidget(controller)
        self.code = CodeView(controller)
        self.training = TrainingView(controller)
        self.bottom = QTabWidget()
        self.bottom.setDocumentMode(True)
        self.bottom.addTab(self.training, "Training")
        self.bottom.addTab(self.problems, "Problems")
        self.bottom.addTab(self.code, "Code")
        self._dock("Palette", self.palette, Qt.DockWidgetArea.LeftDockWidgetArea, 240)
        self._dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea, 320)
        self.run_dock = self._dock(
            "Run", self.bottom, Qt.DockWidgetArea.BottomDockWidgetArea, 260, titled=False
        )
        self._sized = False

        self._wire_signals()
        self.actions_by_name: dict[str, QAction] = {}
        self._build_menus()
        self._update_title()

    # ---- layout ------------------------------------------------------------------

    def _dock(
        self, title: str, widget: QWidget, area: Qt.DockWidgetArea, size: int, titled: bool = True
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        if not titled:
            dock.setTitleBarWidget(QWidget())
        self.addDockWidget(area, dock)
        orientation = (
            Qt.Orientation.Vertical
            if area == Qt.DockWidgetArea.BottomDockWidgetArea
            else Qt.Orientation.Horizontal
        )
        self.resizeDocks([dock], [size], orientation)
        return dock

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            # The plots need height more than the canvas does: a network is wide, not tall.
            self._sized = True
            self.resizeDocks(
                [self.run_dock], [max(300, round(self.height() * RUN_AREA_SHARE))], Qt.Orientation.Vertical
            )
            self.view.show_document()

    def _wire_signals(self) -> None:
        c = self.controller
        self.palette.add_requested.connect(self.add_node_at_center)
        self.scene.nodes_selected.connect(self._on_selection)
        self.problems.problem_activated.connect(self.focus_node)
        self.training.panel.gradient_levels.connect(self.scene.set_gradient_levels)
        c.dirty_changed.connect(lambda _dirty: self._update_title())
        c.path_changed.connect(lambda _path: self._update_title())
        c.document_replaced.connect(self._on_document_replaced)
        c.edit_refused.connect(lambda text: self.statusBar().showMessage(text, 6000))
        c.edit_explained.connect(lambda text: self.statusBar().showMessage(text, 8000))
        c.graph_event.connect(self._on_graph_edit)
        c.analysis_changed.connect(self._on_analysis)

    def _on_selection(self, node_ids: list[str]) -> None:
        self.inspector.show_node(node_ids[0] if len(node_ids) == 1 else None)

    def _on_document_replaced(self) -> None:
        self.inspector.show_node(None)
        self.view.show_document()
        self._update_title()

    def _on_analysis(self, analysis: object) -> None:
        errors = len(getattr(analysis, "errors", []))
        warnings = len(getattr(analysis, "warnings", []))
        label = "Problems" if not errors and not warnings else f"Problems ({errors + warnings})"
        self.bottom.setTabText(self.bottom.indexOf(self.problems), label)

    def _update_title(self) -> None:
        path = self.controller.path
        name = path.name if path else f"{self.controller.doc.name} (unsaved)"
        self.setWindowTitle(f"{name}[*] — netcanvas")
        self.setWindowModified(self.controller.dirty)

    # ---- menus ---------------------------------------------------------------------

    def _action(
        self,
        name: str,
        text: str,
        slot: object,
        shortcut: QKeySequence | str | None = None,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.actions_by_name[name] = action
        self.addAction(action)  # shortcuts work wherever focus is
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        k = QKeySequence.StandardKey
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self._action("new", "&New", self.new_project, k.New))
        file_menu.addAction(self._action("open", "&Open…", self.open_dialog, k.Open))
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        examples = file_menu.addMenu("&Examples")
        for path in sorted(EXAMPLES.glob("*.json")):
            examples.addAction(_example_title(path), lambda p=path: self.open_path(p))
        file_menu.addSeparator()
        file_menu.addAction(self._action("save", "&Save", self.save, k.Save))
        file_menu.addAction(self._action("save_as", "Save &As…", self.save_as, k.SaveAs))
        file_menu.addSeparator()
        file_menu.addAction(
            self._action("export_model", "Export Python &model…", self.export_model, "Ctrl+E")
        )
        file_menu.addAction(
            self._action("export_script", "Export &training script…", self.export_script, "Ctrl+Shift+E")
        )
        file_menu.addAction(
            self._action("save_weights", "Save &weights…", self.training.panel.save_weights_dialog)
        )
        file_menu.addSeparator()
        file_menu.addAction(self._action("quit", "&Quit", self.close, k.Quit))

        edit = bar.addMenu("&Edit")
        undo = self.controller.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence(k.Undo))
        redo = self.controller.undo_stack.createRedoAction(self, "&Redo")
        # The platform's Redo binding may already be Ctrl+Y; a duplicate makes both ambiguous.
        redo_keys = list(QKeySequence.keyBindings(k.Redo))
        for extra in ("Ctrl+Y", "Ctrl+Shift+Z"):
            if QKeySequence(extra) not in redo_keys:
                redo_keys.append(QKeySequence(extra))
        redo.setShortcuts(redo_keys)
        self.actions_by_name.update(undo=undo, redo=redo)
        edit.addActions([undo, redo])
        edit.addSeparator()
        edit.addAction(self._action("cut", "Cu&t", self.cut, k.Cut))
        edit.addAction(self._action("copy", "&Copy", self.copy, k.Copy))
        edit.addAction(self._action("paste", "&Paste", self.paste, k.Paste))
        edit.addAction(self._action("duplicate", "&Duplicate", self.duplicate, "Ctrl+D"))
        edit.addAction(self._action("delete", "De&lete", self.scene.delete_selection, k.Delete))
        edit.addAction(self._action("rename", "Re&name", self.rename_selected, "F2"))
        edit.addSeparator()
        edit.addAction(self._action("select_all", "Select &All", self.select_all, k.SelectAll))

        view = bar.addMenu("&View")
        view.addAction(self._action("fit", "&Fit to View", self.view.fit_all, "Ctrl+0"))
        view.addAction(self._action("zoom_in", "Zoom &In", lambda: self.view.zoom_by(1.25), k.ZoomIn))
        view.addAction(self._action("zoom_out", "Zoom &Out", lambda: self.view.zoom_by(0.8), k.ZoomOut))
        view.addAction(self._action("tidy", "&Tidy Layout", self.view.tidy_layout, "Ctrl+L"))
        snap = self._action("snap", "&Snap to Grid", self._toggle_snap, checkable=True)
        snap.setChecked(bool(getattr(self.scene, "snap_to_grid", False)))
        view.addAction(snap)

        train = bar.addMenu("&Train")
        panel = self.training.panel
        train.addAction(self._action("train", "&Train", panel.train, "F5"))
        train.addAction(self._action("pause", "&Pause / Resume", panel.toggle_pause, "F6"))
        train.addAction(self._action("stop", "&Stop", panel.stop, "Shift+F5"))

    def _toggle_snap(self, checked: bool) -> None:
        self.scene.snap_to_grid = checked

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        paths = self.recent.paths()
        for path in paths:
            self.recent_menu.addAction(str(path), lambda p=path: self.open_path(p))
        if not paths:
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    # ---- editing helpers ------------------------------------------------------------

    def add_node_at_center(self, type_id: str) -> str | None:
        """Palette double-click: beside the selected node, else mid-view, never on top of a card."""
        selected = self.scene.selected_node_ids()
        item = self.scene.node_item(selected[0]) if len(selected) == 1 else None
        if item is not None:
            # drop_node centres the new card on the spot: leave a wire's length after the
            # selected card's right edge (as the examples space their cards).
            card = item.sceneBoundingRect()
            spot = QPointF(card.right() + st.CARD_GAP + st.NODE_WIDTH / 2, card.top() + st.HEADER_HEIGHT)
        else:
            spot = QPointF(self.view.mapToScene(self.view.viewport().rect().center()))
        for _ in range(100):  # the first free place below, if that one is taken
            if not self._cards_near(spot):
                break
            spot += QPointF(0, 2 * st.GRID)
        node_id = self.view.drop_node(type_id, spot)
        if node_id is not None:
            self.view.reveal_node(node_id)  # a card added beside the last one may be past the edge
        return node_id

    def _cards_near(self, spot: QPointF) -> bool:
        """Whether a new card centred at `spot` (as drop_node places it) would touch a card."""
        room = QRectF(spot.x() - st.NODE_WIDTH / 2, spot.y() - st.HEADER_HEIGHT, st.NODE_WIDTH, 100)
        room.adjust(-st.GRID, -st.GRID, 2 * st.GRID, st.GRID)  # (cards may be a little wider)
        return any(isinstance(item, NodeItem) for item in self.scene.items(room))

    def focus_node(self, node_id: str) -> None:
        if node_id in self.controller.doc:
            self.scene.select_node(node_id)
            self.view.center_on_node(node_id)

    def select_all(self) -> None:
        for item in self.scene.node_items():
            item.setSelected(True)

    def rename_selected(self) -> None:
        ids = self.scene.selected_node_ids()
        if len(ids) == 1:
            self.scene.start_rename(ids[0])

    def copy(self) -> bool:
        ids = self.scene.selected_node_ids()
        if not ids:
            return False
        QGuiApplication.clipboard().setText(self.controller.copy_payload(ids))
        return True

    def cut(self) -> None:
        if self.copy():
            self.controller.remove_nodes(self.scene.selected_node_ids())

    def paste(self) -> None:
        text = QGuiApplication.clipboard().text()
        if CLIPBOARD_FORMAT in text:
            self._select(self.controller.paste_payload(text))

    def duplicate(self) -> None:
        ids = self.scene.selected_node_ids()
        if ids:
            self._select(self.controller.paste_payload(self.controller.copy_payload(ids)))

    def _select(self, node_ids: list[str]) -> None:
        self.scene.clearSelection()
        for node_id in node_ids:
            item = self.scene.node_item(node_id)
            if item is not None:
                item.setSelected(True)

    # ---- files -------------------------------------------------------------------------

    def confirm_discard(self) -> bool:
        """True when there are no unsaved changes, or the user saved or discarded them."""
        if not self.controller.dirty:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Save the changes to {self._shown_name()!r} first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _on_graph_edit(self, event: GraphEvent) -> None:
        # A new edit makes an older "Wired ..." or "Replaced ..." line stale; an edit that
        # explains itself sends its words after its graph events.
        if event.kind in STRUCTURAL_EDITS:
            self.statusBar().clearMessage()

    def _shown_name(self) -> str:
        """The name the title bar shows: the file's, once there is one."""
        path = self.controller.path
        return path.name if path is not None else self.controller.doc.name

    def new_project(self) -> None:
        if self.confirm_discard():
            self.controller.set_document(GraphDocument(), None)
            # (replaces a stale "Opened ..." and says where to start)
            self.statusBar().showMessage(
                "New project: drag a data set, layers, a loss and an optimizer from the palette", 8000
            )

    def open_dialog(self) -> None:
        path = file_actions.ask_open_path(self, self.controller.path)
        if path is not None:
            self.open_path(path)

    def open_example(self, name: str) -> bool:
        return self.open_path(EXAMPLES / f"{name}.json")

    def open_path(self, path: Path) -> bool:
        try:  # read first: a broken file should not make anyone decide about saving
            doc = project.load(path)
        except ProjectError as exc:
            QMessageBox.warning(self, "Cannot open project", str(exc))
            return False
        if not self.confirm_discard():
            return False
        self.controller.set_document(doc, Path(path))
        if Path(path).parent != EXAMPLES:
            self.recent.add(Path(path))
        else:  # an example opens as a new, unsaved copy so the original stays pristine
            self.controller.forget_path()
        self.statusBar().showMessage(f"Opened {Path(path).name}", 4000)
        return True

    def save(self) -> bool:
        if self.controller.path is None:
            return self.save_as()
        return self._save_to(self.controller.path)

    def save_as(self) -> bool:
        path = file_actions.ask_save_path(self, self.controller.doc.name, self.controller.path)
        if path is None:
            return False
        if self.controller.doc.name == UNTITLED:
            # A new project takes its file's name, which also names the exported model class.
            self.controller.undo_stack.push(commands.SetMeta(self.controller.doc, "name", path.stem))
        return self._save_to(path)

    def _save_to(self, path: Path) -> bool:
        try:
            self.controller.save(path)
        except ProjectError as exc:
            QMessageBox.warning(self, "Cannot save project", str(exc))
            return False
        self.recent.add(path)
        self.statusBar().showMessage(f"Saved {path.name}", 4000)
        return True

    def export_model(self) -> None:
        self._exported(file_actions.export(self, self.controller, "python"), "python model.py")

    def export_script(self) -> None:
        self._exported(file_actions.export(self, self.controller, "script"), "python train.py")

    def _exported(self, path: Path | None, how_to_run: str) -> None:
        if path is not None:
            command = how_to_run.replace(how_to_run.split()[-1], path.name)
            self.statusBar().showMessage(f"Exported {path} · run it with: {command}", 10_000)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.confirm_discard():
            event.ignore()
            return
        self.training.panel.shutdown()
        settings = QSettings("netcanvas", "netcanvas")
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/geometry", self.saveGeometry())
        event.accept()

    def restore_layout(self, settings: QSettings | None = None) -> bool:
        """Put the window and its docks back as they were last closed; False if never saved."""
        settings = settings or QSettings("netcanvas", "netcanvas")
        geometry, state = settings.value("window/geometry"), settings.value("window/state")
        restored = bool(geometry) and self.restoreGeometry(geometry)
        restored = (bool(state) and self.restoreState(state)) or restored
        self._sized = self._sized or restored  # a restored layout keeps its own dock sizes
        return restored


def _example_title(path: Path) -> str:
    """The project's own name ("Digits CNN"), not its file name."""
    try:
        name = json.loads(path.read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        name = None
    return name if isinstance(name, str) and name else path.stem.replace("_", " ")
