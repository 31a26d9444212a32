"""Small real data sets that ship inside scikit-learn and load without a network."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from backends.data.errors import DataError
from backends.data.prepare import RawData

Params = Mapping[str, Any]


def _bunch(name: str) -> Any:
    try:
        from sklearn import datasets
    except ImportError:
        raise DataError(
            f"the {name} data set needs scikit-learn; install it with pip install scikit-learn"
        ) from None
    return getattr(datasets, f"load_{name}")()


def _table(name: str) -> Callable[[Params], RawData]:
    def load(params: Params) -> RawData:
        bunch = _bunch(name)
        return RawData(
            np.asarray(bunch.data, dtype=np.float64),
            np.asarray(bunch.target, dtype=np.int64),
            "classification",
            [str(f) for f in bunch.feature_names],
            [str(c) for c in bunch.target_names],
        )

    return load


def digits(params: Params) -> RawData:
    bunch = _bunch("digits")
    if params["layout"] == "image":
        x, names = np.asarray(bunch.images, dtype=np.float64)[:, None], []
    else:
        x, names = (
            np.asarray(bunch.data, dtype=np.float64),
            [f"pixel {r},{c}" for r in range(8) for c in range(8)],
        )
    return RawData(
        x, np.asarray(bunch.target, dtype=np.int64), "classification", names, [str(d) for d in range(10)]
    )


BUNDLED: dict[str, Callable[[Params], RawData]] = {
    "Iris": _table("iris"),
    "Wine": _table("wine"),
    "BreastCancer": _table("breast_cancer"),
    "Digits": digits,
}
