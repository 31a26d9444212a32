"""From raw arrays to DataSplits: class indices, a stratified split, checks and scaling.

Scaling statistics come from the training split only, so nothing about the
validation or test samples leaks into training.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from backends.data.errors import DataError
from backends.data.splits import AugmentFlags, DataSplits, Scaling

MAX_CLASSES = 1000
SPLIT_STREAM = 1  # the split draws from its own random stream, apart from generation

Indices = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class RawData:
    """What a generator or loader hands to `prepare`."""

    x: np.ndarray  # (n, *features), any real dtype
    y: np.ndarray  # classification: labels (n,), any kind; regression: (n,) or (n, k) numbers
    task: str
    feature_names: list[str]
    # Names for y values 0..k-1 when y already holds class indices; None derives names from y.
    class_names: list[str] | None = None
    notes: list[str] = field(default_factory=list)
    # Per column of 2-D x: False keeps a column unscaled (one-hot columns).
    scale_mask: np.ndarray | None = None
    indices: Indices | None = None  # a split chosen by the loader (CSV fills with train statistics)
    x_name: str = "features"  # how messages name the arrays (a file name, for user data)
    y_name: str = "targets"
    y_column: str | None = None  # the target column of a table, for messages
    title: str = ""


def index_targets(y: np.ndarray, class_names: list[str] | None, where: str) -> tuple[np.ndarray, list[str]]:
    """Class labels of any kind -> int64 indices 0..k-1 and a name for each index."""
    y = np.asarray(y).reshape(len(y))
    indexed = class_names is not None and y.dtype.kind in "iu"
    if indexed and (len(y) == 0 or (y.min() >= 0 and y.max() < len(class_names))):
        return y.astype(np.int64), list(class_names)
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise DataError(f"label {int(np.flatnonzero(~np.isfinite(y))[0])} is not a finite number", path=where)
    values, indices = np.unique(y, return_inverse=True)
    if len(values) > MAX_CLASSES:
        raise DataError(
            f"holds {len(values)} different labels; to predict a number choose task 'regression'", path=where
        )
    return indices.astype(np.int64).reshape(len(y)), [_label(v) for v in values]


def _label(value: Any) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value.item() if hasattr(value, "item") else value)


def _share(n: int, fraction: float) -> int:
    return int(np.floor(n * fraction + 0.5))


def split_indices(
    n: int, labels: np.ndarray | None, val_fraction: float, test_fraction: float, seed: int
) -> Indices:
    """Shuffled (train, val, test) row indices; stratified by class when labels are given.

    Each class keeps at least one training sample, so small classes are never lost.
    """
    rng = np.random.default_rng([seed, SPLIT_STREAM])
    groups = [np.arange(n)] if labels is None else [np.flatnonzero(labels == c) for c in np.unique(labels)]
    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    for group in groups:
        group = rng.permutation(group)
        size = len(group)
        n_test = min(_share(size, test_fraction), max(size - 1, 0))
        n_val = min(_share(size, val_fraction), max(size - 1 - n_test, 0))
        parts[2].append(group[:n_test])
        parts[1].append(group[n_test : n_test + n_val])
        parts[0].append(group[n_test + n_val :])
    train, val, test = (rng.permutation(np.concatenate(p)).astype(np.int64) for p in parts)
    return train, val, test


def channel_axis(ndim: int) -> int:
    """Which axis scaling keeps separate: the last for tables (n, f) and sequences (n, t, f),
    the channels for images (n, c, h, w)."""
    return 1 if ndim >= 4 else ndim - 1


def fit_scaling(x_train: np.ndarray, mode: str, mask: np.ndarray | None = None) -> Scaling:
    """Statistics of the training split only; constant features are left unscaled."""
    if mode == "none" or x_train.ndim < 2:
        return Scaling()
    axis = channel_axis(x_train.ndim)
    axes = tuple(i for i in range(x_train.ndim) if i != axis)
    data = x_train.astype(np.float64)
    if mode == "standardize":
        shift, scale = data.mean(axis=axes, keepdims=True)[0], data.std(axis=axes, keepdims=True)[0]
    elif mode == "minmax":
        low, high = data.min(axis=axes, keepdims=True)[0], data.max(axis=axes, keepdims=True)[0]
        shift, scale = low, high - low
    else:
        raise DataError(f"unknown scaling {mode!r}; choose none, standardize or minmax")
    scale = np.where(scale > 1e-12, scale, 1.0)
    if axis == x_train.ndim - 1:  # (features,) rather than (1, features) for sequences
        shift, scale = shift.reshape(-1), scale.reshape(-1)
    if mask is not None and x_train.ndim == 2:
        shift = np.where(mask, shift, 0.0)
        scale = np.where(mask, scale, 1.0)
    return Scaling(mode, shift.astype(np.float32), scale.astype(np.float32))


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise DataError naming the first NaN or infinite entry, e.g. x[17, 3]."""
    if array.dtype.kind != "f":
        return
    bad = ~np.isfinite(array)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        what = "NaN (not a number)" if np.isnan(array[where]) else "infinite"
        index = ", ".join(str(i) for i in where)
        raise DataError(
            f"entry [{index}] (sample {where[0]}) is {what}; remove or fix that sample", path=name
        )


def prepare(raw: RawData, params: Mapping[str, Any]) -> DataSplits:
    """Index the targets, check values, split (stratified), scale with training statistics."""
    n = len(raw.x)
    if n == 0:
        raise DataError("holds no samples", path=raw.x_name)
    if len(raw.y) != n:
        raise DataError(f"holds {len(raw.y)} targets for {n} samples", path=raw.y_name)
    check_finite(raw.x, raw.x_name)
    notes = list(raw.notes)
    if raw.task == "classification":
        y, class_names = index_targets(raw.y, raw.class_names, raw.y_name)
        present = np.unique(y)
        if len(present) < 2:
            raise DataError(
                f"holds only one class ({class_names[int(present[0])]!r}); a classifier needs at least two",
                path=raw.y_name,
                column=raw.y_column,
            )
        num_classes: int | None = len(class_names)
        labels: np.ndarray | None = y
    else:
        y = np.asarray(raw.y, dtype=np.float64)
        y = y.reshape(n, 1) if y.ndim == 1 else y
        check_finite(y, raw.y_name)
        y, class_names, num_classes, labels = y.astype(np.float32), [], None, None

    seed = int(params.get("seed", 0))
    val, test = float(params.get("validation_fraction", 0.0)), float(params.get("test_fraction", 0.0))
    train_idx, val_idx, test_idx = raw.indices or split_indices(n, labels, val, test, seed)
    if len(train_idx) == 0:
        raise DataError(f"has too few samples ({n}) to split off validation and test sets", path=raw.x_name)

    x = raw.x if raw.x.dtype == np.float64 else raw.x.astype(np.float64)
    scaling = fit_scaling(x[train_idx], str(params.get("scaling", "none")), raw.scale_mask)
    if scaling.mode != "none":
        notes.append(
            f"features scaled ({scaling.mode}) with statistics of the {len(train_idx)} training samples"
        )
    x = scaling.apply(x)

    augment = AugmentFlags.from_params(params)
    if augment.any and x.ndim != 4:
        notes.append(
            "augmentation skipped: it works on images of shape (channels, height, width), "
            f"and these samples are {tuple(x.shape[1:])}"
        )
        augment = AugmentFlags()
    return DataSplits(
        x_train=x[train_idx],
        y_train=y[train_idx],
        x_val=x[val_idx],
        y_val=y[val_idx],
        x_test=x[test_idx],
        y_test=y[test_idx],
        task=raw.task,
        num_classes=num_classes,
        feature_names=list(raw.feature_names),
        class_names=class_names,
        notes=notes,
        scaling=scaling,
        augment=augment,
        title=raw.title,
    )
