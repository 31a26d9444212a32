"""Recovery copies of unsaved work, and finding the ones a crash left behind.

    Autosaver(controller, folder=None, interval_ms=30_000)
        while the document is dirty, writes <folder>/session-<pid>-<id>.json (the project
        text) and .meta.json (original path, time, pid) every interval; removes both
        after a save, when the document is replaced, and on close()
    pending_recovery(folder=None) -> list[RecoveryItem]   copies whose writer has died
    Autosaver.restore(item)                                 reopen one, still unsaved
    discard_item(item)                                      delete one

A copy is "left by a crash" when the process that wrote it is gone: the sidecar
stores the writer's pid and we check that it no longer runs. Copies written by
this process are never offered, even when a dead process had the same pid (common
in containers, where the app is often pid 1 every time).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal

from designer.controller import DocumentController
from nodes import project
from nodes.atomic_write import write_text_atomic
from nodes.project import ProjectError

SIDECAR_FORMAT = "netcanvas-recovery"
SIDECAR_SUFFIX = ".meta.json"
DEFAULT_INTERVAL_MS = 30_000

# Stems of the copies this process writes: they are never "pending" to ourselves.
_OWN_STEMS: set[str] = set()


@dataclass(frozen=True)
class RecoveryItem:
    path: Path  # the recovered project text
    sidecar: Path  # its description (original path, time, pid)
    original: Path | None  # the file the work belongs to; None for an unsaved document
    saved_at: datetime | None
    pid: int | None
    name: str  # the document's name, for the prompt
    error: str | None = None  # why it cannot be restored; None when it can

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        """One line for a prompt: 'Spiral MLP' (spiral.json), saved 14:03 on 2 May."""
        where = self.original.name if self.original else "never saved"
        when = ""
        if self.saved_at is not None:
            local = self.saved_at.astimezone()
            when = f", saved {local:%H:%M} on {local.day} {local:%b %Y}"
        return f"'{self.name}' ({where}){when}"


def default_folder() -> Path:
    # Local, not roaming, app data: a recovery copy belongs to this machine's session.
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(base or Path.home() / ".netcanvas") / "recovery"


class Autosaver(QObject):
    written = Signal(object)  # Path of the recovery copy, after each write
    failed = Signal(str)  # why a copy could not be written, in words

    def __init__(
        self,
        controller: DocumentController,
        folder: Path | None = None,
        interval_ms: int = DEFAULT_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent or controller)
        self._controller = controller
        self.folder = Path(folder) if folder is not None else default_folder()
        stem = f"session-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        _OWN_STEMS.add(stem)
        self.path = self.folder / f"{stem}.json"
        self.sidecar = self.folder / f"{stem}{SIDECAR_SUFFIX}"
        self._last_text: str | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.save_now)
        controller.dirty_changed.connect(self._on_dirty_changed)
        if controller.dirty:
            self._timer.start()

    def _on_dirty_changed(self, dirty: bool) -> None:
        if dirty:
            if not self._timer.isActive():
                self._timer.start()
        else:  # saved, back to the saved state by undo, or a new document: nothing to recover
            self._timer.stop()
            self.discard()

    def save_now(self) -> bool:
        """Write the copy if the document is dirty and changed since the last one; True if current."""
        if not self._controller.dirty:
            return False
        try:
            text = project.dumps(self._controller.doc)
        except ProjectError as exc:
            self.failed.emit(str(exc))
            return False
        if text == self._last_text and self.path.exists():
            return True
        original = self._controller.path
        meta = {
            "format": SIDECAR_FORMAT,
            "version": 1,
            "pid": os.getpid(),
            "original": str(Path(original).resolve()) if original else None,
            "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "name": self._controller.doc.name,
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # The sidecar first: a copy is never on disk without the pid that vouches for it.
            write_text_atomic(self.sidecar, json.dumps(meta, indent=2) + "\n")
            write_text_atomic(self.path, text)
        except OSError as exc:
            self.failed.emit(f"cannot write a recovery copy to {self.folder}: {exc.strerror or exc}")
            return False
        self._last_text = text
        self.written.emit(self.path)
        return True

    def discard(self) -> None:
        """Remove this session's copy (the work is saved, or the user chose to drop it)."""
        self._last_text = None
        _remove(self.path, self.sidecar)

    def close(self) -> None:
        """A clean close: stop writing and leave nothing to recover."""
        self._timer.stop()
        self.discard()

    def restore(self, item: RecoveryItem) -> None:
        """Open a recovered copy as unsaved work on its original file, then delete the copy.

        Raises ProjectError when the copy cannot be read.
        """
        if item.error:
            raise ProjectError(item.error)
        doc = project.load(item.path)
        self._controller.set_document(doc, item.original)
        self._controller.undo_stack.resetClean()  # the recovered edits are in no file yet: dirty
        self.save_now()  # our own copy first, so a second crash loses nothing
        discard_item(item)


def discard_item(item: RecoveryItem) -> None:
    _remove(item.path, item.sidecar)


def _remove(path: Path, sidecar: Path) -> None:
    # The copy before its sidecar, mirroring the write order.
    for file in (path, sidecar):
        with contextlib.suppress(OSError):
            file.unlink(missing_ok=True)


def pending_recovery(folder: Path | None = None) -> list[RecoveryItem]:
    """Copies left by processes that are gone, newest first. Never raises for a bad file:
    an unreadable one is listed with `error` saying what is wrong."""
    folder = Path(folder) if folder is not None else default_folder()
    try:
        sidecars = sorted(folder.glob(f"*{SIDECAR_SUFFIX}"))
    except OSError:
        return []
    items = [item for sidecar in sidecars if (item := _read_item(sidecar)) is not None]
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    return sorted(items, key=lambda i: i.saved_at or oldest, reverse=True)


def _read_item(sidecar: Path) -> RecoveryItem | None:
    stem = sidecar.name[: -len(SIDECAR_SUFFIX)]
    path = sidecar.with_name(f"{stem}.json")
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("format") != SIDECAR_FORMAT:
            raise ValueError("not a netcanvas recovery description")
    except (OSError, ValueError):
        meta = {}  # the work itself may be intact: offer it as an unsaved document
    pid = meta.get("pid") if isinstance(meta.get("pid"), int) else _pid_in_name(stem)
    if pid is not None and _still_running(pid, stem):
        return None
    if not path.exists():
        _remove(path, sidecar)  # the writer died before its first copy: nothing to recover
        return None
    original = Path(meta["original"]) if isinstance(meta.get("original"), str) else None
    saved_at = _parse_time(meta.get("saved_at")) or _modified(path)
    name = str(meta.get("name") or (original.stem if original else "Untitled"))
    problem = None
    try:
        project.load(path)
    except ProjectError as exc:
        problem = f"the recovery copy cannot be read: {exc}"
    return RecoveryItem(path, sidecar, original, saved_at, pid, name, problem)


def _modified(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except OSError:
        return None


def _pid_in_name(stem: str) -> int | None:
    """session-<pid>-<id>: the pid is in the name too, for a sidecar that cannot be read."""
    parts = stem.split("-")
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _still_running(pid: int, stem: str) -> bool:
    if pid == os.getpid():
        return stem in _OWN_STEMS  # same pid as a dead process: only our own copies are live
    return process_alive(pid)


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists now (a zombie counts as alive)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0: existence check, nothing is sent
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    except OSError:
        return True  # unsure: keep the copy rather than offer a live session's file
    return True


def _windows_process_alive(pid: int) -> bool:
    # os.kill(pid, 0) would *terminate* the process on Windows; ask the kernel instead.
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return kernel32.GetLastError() == 5  # access denied: it exists
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
