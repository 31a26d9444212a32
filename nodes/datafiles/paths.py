"""Where data files are, what went wrong with them, and a small cache of what they hold.

The base folder for relative paths is one module-level setting rather than a
document setting: the folder a project lives in is a fact about where the file
was opened from, not part of the project (storing it in the JSON would go stale
the moment the project is moved). Node shape inference has no document at hand
(`NodeSpec.infer` sees only parameters), so the window sets it when it opens or
saves a project, and tests use `using_base_dir`. Loaders take the folder as an
explicit argument instead, because they run on a training thread.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_base_dir: Path | None = None


class DataFileError(Exception):
    """A data file that cannot be used; the message names the file, row and column at fault.

    `row` counts lines the way a text editor or spreadsheet does: the header is row 1.
    """

    def __init__(
        self,
        reason: str,
        *,
        path: str | os.PathLike[str] | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.reason = reason
        self.path = os.fspath(path) if path is not None else None
        self.row = row
        self.column = column
        super().__init__(self.describe())

    def describe(self) -> str:
        place = []
        if self.path:
            place.append(self.path)
        if self.row is not None:
            place.append(f"row {self.row}")
        if self.column is not None:
            place.append(f"column {self.column!r}")
        return f"{', '.join(place)}: {self.reason}" if place else self.reason

    def copy_as(self, cls: type[DataFileError]) -> DataFileError:
        """The same error as another subclass (a fresh instance, with no traceback)."""
        return cls(self.reason, path=self.path, row=self.row, column=self.column)


def set_base_dir(folder: str | os.PathLike[str] | None) -> None:
    """The folder relative data paths resolve against; None means the working folder."""
    global _base_dir
    _base_dir = Path(folder) if folder is not None else None


def base_dir() -> Path | None:
    return _base_dir


@contextmanager
def using_base_dir(folder: str | os.PathLike[str] | None) -> Iterator[None]:
    """Resolve relative paths against `folder` inside the block."""
    previous = _base_dir
    set_base_dir(folder)
    try:
        yield
    finally:
        set_base_dir(previous)


def resolve_path(text: str, base: str | os.PathLike[str] | None = None) -> Path:
    """`text` as an absolute path: relative ones join `base`, else the base folder, else cwd."""
    path = Path(text).expanduser()
    if path.is_absolute():
        return path
    folder = Path(base) if base is not None else (_base_dir or Path.cwd())
    return folder / path


def existing_file(text: str, base: str | os.PathLike[str] | None = None, *, what: str = "file") -> Path:
    """Resolve `text` and check it names a readable file, or raise DataFileError saying why."""
    if not text.strip():
        raise DataFileError(f"no {what} chosen; set its path")
    path = resolve_path(text.strip(), base)
    if path.is_dir():
        raise DataFileError("is a folder, not a file", path=text)
    if not path.exists():
        where = "" if Path(text).is_absolute() else f" (looked for {path})"
        raise DataFileError(f"does not exist{where}", path=text)
    if not os.access(path, os.R_OK):
        raise DataFileError("cannot be read (permission denied)", path=text)
    return path


class FileCache:
    """What was learnt from a file, keyed on (path, mtime, size, options); errors are cached too."""

    def __init__(self, limit: int = 16) -> None:
        self._limit = limit
        self._items: OrderedDict[Hashable, tuple[bool, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: Path, options: Hashable, compute: Callable[[], T]) -> T:
        try:
            stat = path.stat()
        except OSError as exc:
            raise DataFileError(f"cannot be read ({exc.strerror})", path=str(path)) from None
        key = (str(path), stat.st_mtime_ns, stat.st_size, options)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
        if hit is None:
            try:
                hit = (True, compute())
            except DataFileError as exc:
                hit = (False, exc)
            with self._lock:
                self._items[key] = hit
                while len(self._items) > self._limit:
                    self._items.popitem(last=False)
        ok, value = hit
        if not ok:
            assert isinstance(value, DataFileError)
            raise value.copy_as(type(value))
        return value  # type: ignore[return-value]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
