"""Synthetic data sets, generated offline from a seed with numpy.

Each generator takes the node's cleaned parameters and a numpy Generator and
returns RawData with class indices (or regression targets). Written here rather
than borrowed from scikit-learn so the data never changes with a library version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from backends.data.prepare import RawData

Params = Mapping[str, Any]
POINT_NAMES = ["x1", "x2"]


def _counts(total: int, classes: int) -> list[int]:
    """`total` samples shared as evenly as possible among classes."""
    return [total // classes + (1 if c < total % classes else 0) for c in range(classes)]


def _points(parts: list[np.ndarray], names: list[str] | None = None, **extra: Any) -> RawData:
    x = np.concatenate(parts)
    y = np.concatenate([np.full(len(p), c, dtype=np.int64) for c, p in enumerate(parts)])
    classes = names or [str(c) for c in range(len(parts))]
    return RawData(x, y, "classification", list(POINT_NAMES), classes, **extra)


def spirals(params: Params, rng: np.random.Generator) -> RawData:
    k = params["classes"]
    parts = []
    for c, m in enumerate(_counts(params["samples"], k)):
        radius = np.linspace(0.05, 1.0, m)
        angle = 2 * np.pi * (params["turns"] * radius + c / k)
        arm = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
        parts.append(arm + params["noise"] * rng.standard_normal((m, 2)))
    return _points(parts, [f"arm {c + 1}" for c in range(k)])


def moons(params: Params, rng: np.random.Generator) -> RawData:
    upper, lower = _counts(params["samples"], 2)
    t1, t2 = rng.uniform(0, np.pi, upper), rng.uniform(0, np.pi, lower)
    top = np.stack([np.cos(t1) - 0.5, np.sin(t1) - 0.25], axis=1)
    bottom = np.stack([0.5 - np.cos(t2), 0.25 - np.sin(t2)], axis=1)
    noise = params["noise"]
    return _points(
        [top + noise * rng.standard_normal(top.shape), bottom + noise * rng.standard_normal(bottom.shape)],
        ["upper", "lower"],
    )


def circles(params: Params, rng: np.random.Generator) -> RawData:
    parts = []
    for radius, m in zip((1.0, params["factor"]), _counts(params["samples"], 2), strict=True):
        angle = rng.uniform(0, 2 * np.pi, m)
        ring = radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)
        parts.append(ring + params["noise"] * rng.standard_normal((m, 2)))
    return _points(parts, ["outer", "inner"])


def xor(params: Params, rng: np.random.Generator) -> RawData:
    n = params["samples"]
    x = rng.uniform(-1, 1, (n, 2))
    y = ((x[:, 0] > 0) != (x[:, 1] > 0)).astype(np.int64)
    x = x + params["noise"] * rng.standard_normal((n, 2))
    return RawData(x, y, "classification", list(POINT_NAMES), ["same sign", "different signs"])


def blobs(params: Params, rng: np.random.Generator) -> RawData:
    k, d = params["classes"], params["features"]
    centres = rng.uniform(-5, 5, (k, d))
    parts = [
        centres[c] + params["spread"] * rng.standard_normal((m, d))
        for c, m in enumerate(_counts(params["samples"], k))
    ]
    raw = _points(parts)
    raw.feature_names = [f"x{i + 1}" for i in range(d)]
    return raw


def linearly_separable(params: Params, rng: np.random.Generator) -> RawData:
    n, d = params["samples"], params["features"]
    normal = rng.standard_normal(d)
    normal /= np.linalg.norm(normal)
    x = rng.uniform(-1, 1, (n, d))
    side = np.where(x @ normal >= 0, 1.0, -1.0)
    x = x + (side * params["margin"] / 2)[:, None] * normal  # opens a gap of `margin`
    y = (side > 0).astype(np.int64)
    notes = []
    flips = round(n * params["label_noise"])
    if flips:
        chosen = rng.choice(n, size=flips, replace=False)
        y[chosen] = 1 - y[chosen]
        notes.append(f"flipped {flips} labels at random (label noise)")
    return RawData(x, y, "classification", [f"x{i + 1}" for i in range(d)], ["0", "1"], notes=notes)


def sine(params: Params, rng: np.random.Generator) -> RawData:
    n = params["samples"]
    x = rng.uniform(-1, 1, (n, 1))
    y = np.sin(params["periods"] * np.pi * x) + params["noise"] * rng.standard_normal((n, 1))
    return RawData(x, y, "regression", ["x"])


def sequence(params: Params, rng: np.random.Generator) -> RawData:
    n, length = params["samples"], params["seq_len"]
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    speed = rng.uniform(0.15, 0.45, (n, 1))  # radians per step
    clean = np.sin(phase + speed * np.arange(length + 1))
    x = clean[:, :length] + params["noise"] * rng.standard_normal((n, length))
    return RawData(x[:, :, None], clean[:, length:], "regression", ["value"])


GENERATORS: dict[str, Callable[[Params, np.random.Generator], RawData]] = {
    "Spirals": spirals,
    "Moons": moons,
    "Circles": circles,
    "XorData": xor,
    "Blobs": blobs,
    "LinearlySeparable": linearly_separable,
    "SineRegression": sine,
    "SequenceData": sequence,
}
