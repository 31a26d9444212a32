"""Growable numpy buffers for live plots: appends are amortised O(1), reads are views, no copies."""

from __future__ import annotations

import numpy as np


class Series:
    """A 1-D array that grows by doubling; `values` is a view of the filled part."""

    def __init__(self, dtype: type | np.dtype = np.float64, capacity: int = 256) -> None:
        self._data = np.empty(capacity, dtype=dtype)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def values(self) -> np.ndarray:
        return self._data[: self._size]

    def extend(self, values: np.ndarray | list[float] | float) -> None:
        chunk = np.atleast_1d(np.asarray(values, dtype=self._data.dtype))
        end = self._size + len(chunk)
        if end > len(self._data):
            grown = np.empty(max(end, 2 * len(self._data)), dtype=self._data.dtype)
            grown[: self._size] = self.values
            self._data = grown
        self._data[self._size : end] = chunk
        self._size = end

    def clear(self) -> None:
        self._size = 0


class XY:
    """Paired x and y series (x as float so pyqtgraph takes both without conversion)."""

    def __init__(self) -> None:
        self.x, self.y = Series(), Series()

    def __len__(self) -> int:
        return len(self.x)

    def extend(self, x: np.ndarray | list[float] | float, y: np.ndarray | list[float] | float) -> None:
        self.x.extend(x)
        self.y.extend(y)

    def clear(self) -> None:
        self.x.clear()
        self.y.clear()


class Smoother:
    """Debiased exponential moving average (as TensorBoard smooths), fed chunk by chunk."""

    def __init__(self, weight: float = 0.9) -> None:
        self.weight = weight
        self._last = 0.0
        self._count = 0

    def feed(self, values: np.ndarray) -> np.ndarray:
        out = np.empty(len(values), dtype=np.float64)
        last, count, w = self._last, self._count, self.weight
        for i, value in enumerate(values.tolist()):  # chunks are ~1/20 s of steps: short
            last = last * w + (1 - w) * value
            count += 1
            out[i] = last / (1 - w**count)
        self._last, self._count = last, count
        return out

    def reset(self) -> None:
        self._last, self._count = 0.0, 0
