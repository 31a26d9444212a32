"""Load features and labels from an .npz (arrays x and y) or a pair of .npy files.

Files are opened with allow_pickle=False: an array of Python objects could run
code when unpickled, so it is refused with a message instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from backends.data.errors import DataError, as_data_error
from backends.data.prepare import RawData
from nodes.datafiles import DataFileError
from nodes.datafiles.numpy_source import X_KEY, Y_KEY, NumpySource, numpy_source

Params = Mapping[str, Any]


def _read(path: Path, display: str) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise DataError(
                "holds Python objects, which are not loaded for safety; save numbers", path=display
            ) from None
        raise DataError(f"cannot be read as a NumPy array ({exc})", path=display) from None
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot be read ({exc})", path=display) from None


def _arrays(source: NumpySource) -> tuple[np.ndarray, np.ndarray, str, str]:
    if source.labels_path is None:
        try:
            with np.load(source.path, allow_pickle=False) as archive:
                x, y = archive[X_KEY], archive[Y_KEY]
        except ValueError as exc:
            raise DataError(f"cannot be read safely ({exc})", path=source.display) from None
        except (OSError, EOFError, KeyError) as exc:
            raise DataError(f"cannot be read ({exc})", path=source.display) from None
        return x, y, f"{source.display}[x]", f"{source.display}[y]"
    x = _read(source.path, source.display)
    y = _read(source.labels_path, source.labels_display)
    return x, y, source.display, source.labels_display


def load_numpy(params: Params, base: Path | None) -> RawData:
    try:
        source = numpy_source(params["path"], params["labels"], params["task"], base)
    except DataFileError as exc:
        raise as_data_error(exc) from None
    x, y, x_name, y_name = _arrays(source)
    if x.shape != source.x.shape or y.shape != source.y.shape:
        raise DataError(
            f"changed while loading: shapes {x.shape} and {y.shape} differ from the headers read earlier",
            path=source.display,
        )
    n = len(x)
    x = x.reshape(n, 1) if x.ndim == 1 else x
    if x.dtype.kind == "b":
        x = x.astype(np.float64)
    y = y.reshape(n) if source.task == "classification" else (y.reshape(n, 1) if y.ndim == 1 else y)
    names = [f"x{i + 1}" for i in range(x.shape[1])] if x.ndim == 2 else []
    return RawData(
        x,
        y,
        source.task,
        names,
        None,
        x_name=x_name,
        y_name=y_name,
        title=Path(source.display).name,
    )
