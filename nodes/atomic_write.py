"""Write files so that readers (and a crash) see the old contents or the new, never half.

The data goes to a temporary file in the same folder, is flushed and fsynced, then
renamed over the target, and the folder is fsynced where the platform allows. On any
failure the old file is untouched and the temporary file is removed. Writing through
a symbolic link replaces the file it names; the old file's permissions are kept.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    # atomic_target fsyncs the finished file before renaming it.
    with (
        atomic_target(path) as (fd, _temp),
        os.fdopen(fd, "w", encoding="utf-8", newline="\n", closefd=False) as out,
    ):
        out.write(text)


@contextlib.contextmanager
def atomic_target(path: str | os.PathLike[str]) -> Iterator[tuple[int, str]]:
    """Yield (open descriptor, temporary path) to fill; renamed over `path` on success.

    Libraries that write by file name (safetensors) can use the temporary path."""
    target = os.path.realpath(os.fspath(path))
    folder = os.path.dirname(target)
    fd, temp = _create_temp(target)
    try:
        _copy_mode(target, fd)
        yield fd, temp
        os.close(fd)
        fd = -1
        _fsync_path(temp)
        os.replace(temp, target)
        temp = ""
    finally:
        if fd != -1:
            with contextlib.suppress(OSError):
                os.close(fd)
        if temp:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    _fsync_folder(folder)


def _create_temp(target: str) -> tuple[int, str]:
    folder, base = os.path.split(target)
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        name = os.path.join(folder, f".{base}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary file name next to {target}")


def _copy_mode(target: str, fd: int) -> None:
    """Keep the permissions of the file being replaced (the temp file starts private)."""
    if os.chmod not in os.supports_fd:
        return  # Windows: permissions are not Unix modes anyway
    with contextlib.suppress(OSError):  # no old file yet
        os.chmod(fd, os.stat(target).st_mode & 0o7777)


def _fsync_path(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable; folders cannot be opened on Windows."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
