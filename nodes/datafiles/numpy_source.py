"""Features and labels stored as NumPy arrays: an .npz holding x and y, or a pair of .npy files.

`numpy_source` checks what the headers promise (kinds, sample counts, label shape)
so the node can show mistakes before training; the loader reads the same arrays.
A 1-D x is one feature per sample. Classification labels are one value per sample
(shape (n,) or (n, 1)); regression targets (n,) become (n, 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nodes.datafiles.npy_header import LABEL_KINDS, NUMERIC_KINDS, ArrayInfo, npy_info, npz_info
from nodes.datafiles.paths import DataFileError, resolve_path

X_KEY, Y_KEY = "x", "y"


@dataclass(frozen=True)
class NumpySource:
    path: Path  # the .npz, or the features .npy
    labels_path: Path | None  # the labels .npy; None for an .npz
    display: str
    labels_display: str
    x: ArrayInfo
    y: ArrayInfo
    task: str

    @property
    def is_npz(self) -> bool:
        return self.labels_path is None

    @property
    def samples(self) -> int:
        return self.x.shape[0]

    @property
    def feature_shape(self) -> tuple[int, ...]:
        return self.x.shape[1:] or (1,)

    @property
    def target_shape(self) -> tuple[int, ...]:
        """Per-sample target shape: () for class indices."""
        if self.task == "classification":
            return ()
        return self.y.shape[1:] or (1,)


def numpy_source(path_text: str, labels_text: str, task: str, base: Path | None = None) -> NumpySource:
    display, labels_display = path_text.strip(), labels_text.strip()
    if display.lower().endswith(".npz"):
        if labels_display:
            raise DataFileError(
                "is an .npz archive, which holds the labels itself (array 'y'); clear 'labels'",
                path=display,
            )
        arrays = npz_info(display, base)
        for key in (X_KEY, Y_KEY):
            if key not in arrays:
                found = ", ".join(repr(k) for k in arrays) or "none"
                raise DataFileError(
                    f"has no array {key!r}; save it with numpy.savez(path, x=features, y=labels) "
                    f"(arrays found: {found})",
                    path=display,
                )
        x, y, labels_path = arrays[X_KEY], arrays[Y_KEY], None
        x_name, y_name = f"{display}[x]", f"{display}[y]"
    else:
        if not labels_display:
            raise DataFileError(
                "holds only the features; set 'labels' to an .npy with one label per sample, "
                "or use an .npz holding arrays x and y",
                path=display or None,
            )
        x, y = npy_info(display, base), npy_info(labels_display, base)
        labels_path = resolve_path(labels_display, base)
        x_name, y_name = display, labels_display
    _check(x, y, task, x_name, y_name)
    return NumpySource(resolve_path(display, base), labels_path, display, labels_display, x, y, task)


def _check(x: ArrayInfo, y: ArrayInfo, task: str, x_name: str, y_name: str) -> None:
    if x.kind not in NUMERIC_KINDS:
        raise DataFileError(f"holds {x.kind_name}; features must be numbers", path=x_name)
    if not x.shape:
        raise DataFileError("holds a single number, not one row per sample", path=x_name)
    if x.shape[0] == 0:
        raise DataFileError("holds no samples", path=x_name)
    if not y.shape or y.shape[0] != x.shape[0]:
        count = y.shape[0] if y.shape else "no"
        raise DataFileError(f"holds {count} labels but the features hold {x.shape[0]} samples", path=y_name)
    if task == "classification":
        if y.kind not in LABEL_KINDS:
            raise DataFileError(f"holds {y.kind_name}; class labels must be numbers or text", path=y_name)
        if len(y.shape) > 2 or (len(y.shape) == 2 and y.shape[1] != 1):
            raise DataFileError(
                f"has shape {y.shape}; classification needs one label per sample, shape "
                f"({x.shape[0]},) (for several numbers per sample choose task 'regression')",
                path=y_name,
            )
    elif y.kind not in NUMERIC_KINDS:
        raise DataFileError(
            f"holds {y.kind_name}; regression targets must be numbers (or choose task 'classification')",
            path=y_name,
        )
