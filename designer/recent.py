"""Recently opened project files, most recent first, kept in QSettings.

    recent = RecentFiles()                      # QSettings("netcanvas", "netcanvas")
    recent = RecentFiles(QSettings(ini, QSettings.Format.IniFormat))   # tests
    recent.add(path); recent.paths(); recent.remove(path); recent.clear()

Files that no longer exist are dropped whenever the list is read, so a menu built
from `paths()` never offers a dead entry. `changed` fires when the stored list changes.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal

ORGANISATION = "netcanvas"
APPLICATION = "netcanvas"
KEY = "recent/files"
LIMIT = 10


class RecentFiles(QObject):
    changed = Signal()

    def __init__(
        self, settings: QSettings | None = None, limit: int = LIMIT, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._settings = settings if settings is not None else QSettings(ORGANISATION, APPLICATION)
        self._limit = limit

    def paths(self) -> list[Path]:
        """Existing files, most recent first; missing ones are pruned from the settings."""
        stored = self._read()
        present = [path for path in stored if path.is_file()]
        if present != stored:
            self._write(present)
        return present

    def add(self, path: str | os.PathLike[str]) -> None:
        """Put a file at the top (moving it there if already listed)."""
        entry = Path(os.path.abspath(path))
        key = _key(entry)
        rest = [p for p in self._read() if _key(p) != key]
        self._write([entry, *rest][: self._limit])

    def remove(self, path: str | os.PathLike[str]) -> None:
        key = _key(Path(os.path.abspath(path)))
        stored = self._read()
        kept = [p for p in stored if _key(p) != key]
        if kept != stored:
            self._write(kept)

    def clear(self) -> None:
        if self._read():
            self._write([])

    def _read(self) -> list[Path]:
        value = self._settings.value(KEY, [])
        # INI and some native stores give back a lone string for a one-item list.
        items = [value] if isinstance(value, str) else list(value or [])
        return [Path(item) for item in items if isinstance(item, str) and item]

    def _write(self, paths: list[Path]) -> None:
        self._settings.setValue(KEY, [str(p) for p in paths])
        self._settings.sync()
        self.changed.emit()


def _key(path: Path) -> str:
    """Paths compare as the file system does: case-insensitively on Windows."""
    return os.path.normcase(os.path.normpath(str(path)))
