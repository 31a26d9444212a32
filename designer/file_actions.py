"""File dialogs and exports for the main window; every failure becomes a message box."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from backends.codegen.model_source import CodegenError, generate_model, to_class_name
from designer.controller import DocumentController
from nodes.atomic_write import write_text_atomic

PROJECT_FILTER = "netcanvas projects (*.json);;All files (*)"
PYTHON_FILTER = "Python files (*.py);;All files (*)"


def _folder(current: Path | None) -> str:
    return str(current.parent) if current else str(Path.home())


def ask_open_path(parent: QWidget, current: Path | None) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, "Open project", _folder(current), PROJECT_FILTER)
    return Path(name) if name else None


def ask_save_path(parent: QWidget, title: str, current: Path | None) -> Path | None:
    suggestion = current or Path(_folder(current)) / f"{to_class_name(title, 'project').lower()}.json"
    name, _ = QFileDialog.getSaveFileName(parent, "Save project", str(suggestion), PROJECT_FILTER)
    if not name:
        return None
    return _with_suffix(name, ".json")


def _with_suffix(name: str, suffix: str) -> Path:
    """A name typed without an extension gets the file type's own (as Save As dialogs do)."""
    path = Path(name)
    return path if path.suffix else path.with_suffix(suffix)


def export_source(controller: DocumentController, fmt: str) -> str:
    """The text `netcanvas export --format FMT` would write; raises CodegenError."""
    analysis = controller.analysis or controller.reanalyze()
    if fmt == "script":
        from backends.codegen.script_source import generate_script

        return generate_script(controller.doc, analysis)
    return generate_model(controller.doc, analysis).source


def export(parent: QWidget, controller: DocumentController, fmt: str) -> Path | None:
    try:
        source = export_source(controller, fmt)
    except CodegenError as exc:
        message = str(exc)
        QMessageBox.warning(parent, "Cannot export yet", message[:1].upper() + message[1:])
        return None
    default = "train.py" if fmt == "script" else "model.py"
    folder = Path(_folder(controller.path))
    name, _ = QFileDialog.getSaveFileName(parent, "Export Python", str(folder / default), PYTHON_FILTER)
    if not name:
        return None
    path = _with_suffix(name, ".py")  # "train" would not import, nor run as the docstring says
    try:
        write_text_atomic(path, source)
    except OSError as exc:
        QMessageBox.warning(parent, "Cannot export", f"Cannot write {path}: {exc.strerror or exc}")
        return None
    return path
