"""What loading a data set produces: prepared numpy arrays for each split, and what was done."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SPLIT_NAMES = ("train", "val", "test")


@dataclass(frozen=True)
class AugmentFlags:
    """Random changes applied to each training batch of images (see augment.augment_batch)."""

    flip: bool = False  # mirror left-right with probability 1/2
    shift: int = 0  # move by up to this many pixels in each direction
    noise: float = 0.0  # standard deviation of gaussian noise, in scaled units

    @property
    def any(self) -> bool:
        return self.flip or self.shift > 0 or self.noise > 0

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> AugmentFlags:
        return cls(
            flip=bool(params.get("augment_flip", False)),
            shift=int(params.get("augment_shift", 0) or 0),
            noise=float(params.get("augment_noise", 0.0) or 0.0),
        )


@dataclass(frozen=True)
class Scaling:
    """Feature scaling fitted on the training split: x_scaled = (x - shift) / scale.

    shift and scale broadcast against one sample: shape (features,) for tables and
    sequences, (channels, 1, 1) for images. None for mode "none".
    """

    mode: str = "none"
    shift: np.ndarray | None = None
    scale: np.ndarray | None = None

    def apply(self, x: np.ndarray) -> np.ndarray:
        if self.shift is None or self.scale is None:
            return x.astype(np.float32, copy=False)
        return ((x - self.shift) / self.scale).astype(np.float32)


@dataclass
class DataSplits:
    """Training, validation and test arrays, ready for a model.

    Features are float32 of shape (n, *feature_shape). Targets are int64 class
    indices of shape (n,) for classification, float32 of shape (n, k) for regression.
    Empty splits keep their trailing shape, e.g. (0, 2).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    task: str  # "classification" or "regression"
    num_classes: int | None  # None for regression
    feature_names: list[str]  # one per column for flat features; may be empty for images
    class_names: list[str]  # index -> name; empty for regression
    notes: list[str] = field(default_factory=list)  # what preparation did, for the user
    scaling: Scaling = field(default_factory=Scaling)
    augment: AugmentFlags = field(default_factory=AugmentFlags)
    title: str = ""  # the data set's name, e.g. "Iris" or "data.csv"

    @property
    def feature_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def target_shape(self) -> tuple[int, ...]:
        return tuple(self.y_train.shape[1:])

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of "train", "val" or "test"."""
        if name not in SPLIT_NAMES:
            raise KeyError(f"unknown split {name!r}; choose one of {', '.join(SPLIT_NAMES)}")
        return getattr(self, f"x_{name}"), getattr(self, f"y_{name}")

    def sizes(self) -> dict[str, int]:
        return {name: len(self.split(name)[0]) for name in SPLIT_NAMES}

    def class_counts(self, name: str = "train") -> list[int]:
        """Samples per class in one split (classification only)."""
        if self.num_classes is None:
            return []
        return np.bincount(self.split(name)[1], minlength=self.num_classes).tolist()
