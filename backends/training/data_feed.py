"""Turning prepared data splits into the tensors the model and its loss expect.

Small data sets live on the training device and are batched by index (the fast
path); larger ones stay in host memory and move batch by batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

# Above this many bytes of training data, batches are copied to the device one by one.
DEVICE_DATA_LIMIT = 1 << 30


class FeedError(ValueError):
    """The data cannot feed this graph; the message names the nodes involved."""


@dataclass
class Split:
    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass
class Feed:
    train: Split
    val: Split | None
    test: Split | None
    on_device: bool
    device: torch.device

    def batch(self, split: Split, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.on_device:
            return split.x[index], split.y[index]
        cpu_index = index.cpu()
        return (
            split.x[cpu_index].to(self.device, non_blocking=True),
            split.y[cpu_index].to(self.device, non_blocking=True),
        )


def _features(array: np.ndarray, input_params: dict[str, Any], input_name: str) -> torch.Tensor:
    expected = tuple(input_params["shape"])
    if tuple(array.shape[1:]) != expected:
        raise FeedError(
            f"the data set gives samples of shape {tuple(array.shape[1:])} but Input '{input_name}' "
            f"declares {expected}; set the Input's shape to {list(array.shape[1:])}"
        )
    if input_params.get("dtype") == "token ids":
        return torch.as_tensor(np.asarray(array), dtype=torch.long)
    return torch.as_tensor(np.asarray(array, dtype=np.float32))


def _targets(
    array: np.ndarray, target_params: dict[str, Any], target_name: str, num_classes: int | None
) -> torch.Tensor:
    shape = tuple(target_params["shape"])
    n = array.shape[0]
    if target_params.get("dtype") == "class index":
        if not np.issubdtype(array.dtype, np.integer):
            raise FeedError(
                f"Target '{target_name}' expects class indices but the data set has real-valued targets; "
                "set the Target's dtype to float (regression)"
            )
        values = torch.as_tensor(array, dtype=torch.long)
    elif (
        np.issubdtype(array.dtype, np.integer)
        and num_classes
        and shape in ((num_classes,),)
        and num_classes > 1
    ):
        # Class labels fed to a regression-style loss (MSE on one-hot codes, as early perceptrons did).
        values = torch.nn.functional.one_hot(torch.as_tensor(array, dtype=torch.long), num_classes).float()
    else:
        values = torch.as_tensor(np.asarray(array, dtype=np.float32))
    if tuple(values.shape) != (n, *shape):
        if values.numel() == n * int(np.prod(shape, dtype=np.int64)):
            values = values.reshape(n, *shape)
        else:
            raise FeedError(
                f"the data set gives targets of shape {tuple(values.shape[1:])} but Target '{target_name}' "
                f"declares {shape}; set the Target's shape to {list(values.shape[1:])}"
            )
    return values


def build_feed(
    splits: Any,
    device: torch.device,
    input_params: dict[str, Any],
    input_name: str,
    target_params: dict[str, Any] | None,
    target_name: str,
) -> Feed:
    """target_params None means the loss compares with the input itself (an autoencoder)."""

    def split(x: np.ndarray, y: np.ndarray) -> Split | None:
        if x is None or len(x) == 0:
            return None
        features = _features(x, input_params, input_name)
        if target_params is None:
            goal = features.clone().float()
        else:
            goal = _targets(y, target_params, target_name, splits.num_classes)
        return Split(features, goal)

    train = split(splits.x_train, splits.y_train)
    if train is None:
        raise FeedError("the training split is empty; lower the validation and test fractions")
    val = split(splits.x_val, splits.y_val)
    test = split(splits.x_test, splits.y_test)
    size = sum(
        s.x.element_size() * s.x.numel() + s.y.element_size() * s.y.numel() for s in (train, val, test) if s
    )
    on_device = device.type == "cpu" or size <= DEVICE_DATA_LIMIT
    if on_device:
        train, val, test = (_to(s, device) for s in (train, val, test))
    return Feed(train, val, test, on_device, device)


def _to(split: Split | None, device: torch.device) -> Split | None:
    return None if split is None else Split(split.x.to(device), split.y.to(device))
