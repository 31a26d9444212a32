"""Data sets for training: generated, bundled with scikit-learn, or read from the user's files.

    load_dataset(type_id, params, base_dir) -> DataSplits    prepared train/val/test arrays
    preview(type_id, params, base_dir) -> str                 a summary for the inspector
    augment_batch(x, flags, generator) -> torch.Tensor        random image changes per batch
    DataError                                                 names the file, row and column at fault

Everything here is numpy; only augment_batch imports torch (on first use).
"""

from __future__ import annotations

from typing import Any

from backends.data.errors import DataError
from backends.data.loader import describe, load_dataset, preview, source_types
from backends.data.splits import AugmentFlags, DataSplits, Scaling

__all__ = [
    "AugmentFlags",
    "DataError",
    "DataSplits",
    "Scaling",
    "augment_batch",
    "describe",
    "load_dataset",
    "preview",
    "source_types",
]


def __getattr__(name: str) -> Any:
    if name == "augment_batch":  # keeps `import backends.data` free of torch
        from backends.data.augment import augment_batch

        return augment_batch
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
