"""Load any data set node by its type id: `load_dataset` for training, `preview` for the inspector."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from backends.data.bundled import BUNDLED
from backends.data.csv_loader import load_csv
from backends.data.errors import DataError
from backends.data.generators import GENERATORS
from backends.data.numpy_loader import load_numpy
from backends.data.prepare import RawData, prepare
from backends.data.splits import SPLIT_NAMES, DataSplits
from nodes import registry
from nodes.params import ParamError
from nodes.spec import NodeSpec, Role

GENERATION_STREAM = 0  # generators draw from their own stream, apart from the split

FILE_LOADERS = {"CsvData": load_csv, "NumpyData": load_numpy}
SPLIT_TITLES = {"train": "train", "val": "validation", "test": "test"}


def source_types() -> list[str]:
    """Every type id load_dataset understands."""
    return [*GENERATORS, *BUNDLED, *FILE_LOADERS]


def _spec(type_id: str) -> NodeSpec:
    if not registry.exists(type_id):
        raise DataError(f"unknown data set type {type_id!r}")
    spec = registry.get(type_id)
    if spec.role is not Role.SOURCE or type_id not in source_types():
        raise DataError(f"{spec.title} is not a data set")
    return spec


def clean_params(spec: NodeSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults filled in and every value checked, as analysis does; DataError names the parameter."""
    clean = {}
    for param in spec.params:
        try:
            clean[param.name] = param.coerce(params.get(param.name, param.default))
        except ParamError as exc:
            raise DataError(f"{spec.title}: {exc}") from None
    return clean


def _raw(type_id: str, params: dict[str, Any], base_dir: Path | None) -> RawData:
    if type_id in GENERATORS:
        rng = np.random.default_rng([params["seed"], GENERATION_STREAM])
        return GENERATORS[type_id](params, rng)
    if type_id in BUNDLED:
        return BUNDLED[type_id](params)
    return FILE_LOADERS[type_id](params, base_dir)


def load_dataset(type_id: str, params: Mapping[str, Any], base_dir: Path | None = None) -> DataSplits:
    """Generate or load the data set a node describes, split and prepared.

    `params` may be partial (defaults fill the rest). Relative file paths resolve
    against `base_dir`, else nodes.datafiles.base_dir(), else the working folder.
    Raises DataError, whose message names the file, row and column at fault.
    """
    spec = _spec(type_id)
    clean = clean_params(spec, params)
    raw = _raw(type_id, clean, base_dir)
    raw.title = raw.title or spec.title
    return prepare(raw, clean)


def preview(type_id: str, params: Mapping[str, Any], base_dir: Path | None = None) -> str:
    """A few lines for the inspector: split sizes, feature shape, class counts, notes.

    Raises DataError like load_dataset.
    """
    return describe(load_dataset(type_id, params, base_dir))


def describe(data: DataSplits) -> str:
    sizes = data.sizes()
    parts = ", ".join(f"{SPLIT_TITLES[name]} {sizes[name]}" for name in SPLIT_NAMES)
    lines = [f"{data.title}: {sum(sizes.values())} samples ({parts})"]
    lines.append(f"features: {_shape(data.feature_shape)} per sample")
    if data.num_classes is not None:
        lines.append(f"targets: class index, {data.num_classes} classes (train / validation / test)")
        counts = [data.class_counts(name) for name in SPLIT_NAMES]
        width = max(len(name) for name in data.class_names)
        for index, name in enumerate(data.class_names):
            numbers = " / ".join(str(c[index]) for c in counts)
            lines.append(f"  {name.ljust(width)}  {numbers}")
    else:
        y = data.y_train
        lines.append(
            f"targets: {_shape(data.target_shape)} real values; training mean {float(y.mean()):.3g}, "
            f"spread {float(y.std()):.3g}"
        )
    lines.extend(f"note: {note}" for note in data.notes)
    return "\n".join(lines)


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
