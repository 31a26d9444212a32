"""Shapes and dtypes of .npy arrays (alone or inside an .npz), from their headers only.

The .npy format starts with the magic bytes \\x93NUMPY, a version, a header length
and a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (N, 2)}.
Reading that is enough to know the shapes without numpy or loading the data.
"""

from __future__ import annotations

import ast
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from nodes.datafiles.paths import DataFileError, FileCache, existing_file

MAGIC = b"\x93NUMPY"
NUMERIC_KINDS = frozenset("biuf")  # bool, signed, unsigned, float
LABEL_KINDS = NUMERIC_KINDS | {"U", "S"}  # class labels may also be text
_KIND_NAMES = {
    "O": "Python objects",
    "U": "text",
    "S": "bytes",
    "c": "complex numbers",
    "V": "structured records",
    "M": "dates",
}
_cache = FileCache()


@dataclass(frozen=True)
class ArrayInfo:
    shape: tuple[int, ...]
    kind: str  # numpy dtype kind: b, i, u, f, U, S, O, c, V, M, m
    descr: str

    @property
    def kind_name(self) -> str:
        return _KIND_NAMES.get(self.kind, f"dtype {self.descr}")


def read_header(stream: BinaryIO, display: str) -> ArrayInfo:
    """Parse one .npy header from the start of `stream`."""

    def fail(reason: str) -> DataFileError:
        return DataFileError(reason, path=display)

    magic = stream.read(8)
    if len(magic) < 8 or magic[:6] != MAGIC:
        raise fail("is not a NumPy .npy file (it does not start with the .npy signature)")
    major = magic[6]
    if major == 1:
        size_bytes, fmt, encoding = 2, "<H", "latin1"
    elif major in (2, 3):
        size_bytes, fmt, encoding = 4, "<I", "latin1" if major == 2 else "utf8"
    else:
        raise fail(f"uses .npy format version {major}, which this version cannot read")
    raw_size = stream.read(size_bytes)
    if len(raw_size) < size_bytes:
        raise fail("is cut short inside its header")
    (size,) = struct.unpack(fmt, raw_size)
    header = stream.read(size)
    if len(header) < size:
        raise fail("is cut short inside its header")
    try:
        fields = ast.literal_eval(header.decode(encoding))
        descr, shape = fields["descr"], tuple(fields["shape"])
    except (ValueError, SyntaxError, KeyError, TypeError, UnicodeDecodeError):
        raise fail("has a damaged .npy header") from None
    if not isinstance(descr, str) or not all(isinstance(d, int) and d >= 0 for d in shape):
        return ArrayInfo(tuple(d for d in shape if isinstance(d, int)), "V", str(descr))
    kind = descr.lstrip("<>|=")[:1]
    return ArrayInfo(shape, kind, descr)


def _npy_info(path: Path, display: str) -> ArrayInfo:
    try:
        with open(path, "rb") as stream:
            return read_header(stream, display)
    except OSError as exc:
        raise DataFileError(f"cannot be read ({exc.strerror})", path=display) from None


def _npz_info(path: Path, display: str) -> dict[str, ArrayInfo]:
    import zipfile  # only here: it pulls in compression modules

    try:
        with zipfile.ZipFile(path) as archive:
            infos = {}
            for name in archive.namelist():
                if name.endswith(".npy"):
                    with archive.open(name) as stream:
                        infos[name[:-4]] = read_header(stream, f"{display}[{name[:-4]}]")
            return infos
    except zipfile.BadZipFile:
        raise DataFileError("is not a NumPy .npz archive (not a zip file)", path=display) from None
    except (OSError, EOFError) as exc:
        raise DataFileError(f"cannot be read ({exc})", path=display) from None


def npy_info(path_text: str, base: Path | None = None) -> ArrayInfo:
    """Shape and dtype of one .npy file."""
    path = existing_file(path_text, base, what=".npy file")
    display = path_text.strip()
    return _cache.get(path, "npy", lambda: _npy_info(path, display))


def npz_info(path_text: str, base: Path | None = None) -> dict[str, ArrayInfo]:
    """Shape and dtype of every array in an .npz archive, by key."""
    path = existing_file(path_text, base, what=".npz file")
    display = path_text.strip()
    return _cache.get(path, "npz", lambda: _npz_info(path, display))


def clear_cache() -> None:
    _cache.clear()
