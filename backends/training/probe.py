"""Instrumentation: per-layer gradient and weight norms, and sampled histograms.

Gradient norms are computed every step on the training device and kept there;
they reach the host only when the reporter flushes, so a GPU run does not stall
on a host sync per tensor per step.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn


class LayerProbe:
    """Groups parameters by the graph node (top-level attribute) that owns them."""

    def __init__(self, model: nn.Module) -> None:
        groups: dict[str, list[nn.Parameter]] = {}
        for name, param in model.named_parameters():
            if param.requires_grad:
                groups.setdefault(name.split(".", 1)[0], []).append(param)
        self.layer_names = list(groups)
        self.params = [p for ps in groups.values() for p in ps]
        device = self.params[0].device if self.params else torch.device("cpu")
        owners = [i for i, ps in enumerate(groups.values()) for _ in ps]
        self._owner = torch.tensor(owners, dtype=torch.long, device=device)
        self._zeros = {id(p): torch.zeros(1, device=p.device, dtype=p.dtype) for p in self.params}
        self._pending: list[torch.Tensor] = []

    def record_gradient_norms(self) -> None:
        """Queue this step's per-tensor gradient norms (device tensors, no sync).

        Two ops a step; folding tensors into layers waits for the drain, where one
        index_add covers every queued step at once.
        """
        if not self.params:
            return
        grads = [p.grad if p.grad is not None else self._zeros[id(p)] for p in self.params]
        self._pending.append(torch.stack(torch._foreach_norm(grads)))

    def drain_gradient_norms(self) -> dict[str, np.ndarray]:
        if not self._pending:
            return {name: np.zeros(0, dtype=np.float32) for name in self.layer_names}
        squares = torch.stack(self._pending).float() ** 2  # steps x tensors
        self._pending.clear()
        per_layer = torch.zeros(squares.shape[0], len(self.layer_names), device=squares.device)
        table = per_layer.index_add_(1, self._owner, squares).sqrt().cpu().numpy()
        return {name: table[:, i] for i, name in enumerate(self.layer_names)}

    def discard_pending(self) -> None:
        self._pending.clear()

    def weight_norms(self) -> dict[str, float]:
        if not self.params:
            return {}
        squares = torch.stack(torch._foreach_norm([p.detach() for p in self.params])).float() ** 2
        per_layer = torch.zeros(len(self.layer_names), device=squares.device).index_add_(
            0, self._owner, squares
        )
        return dict(zip(self.layer_names, per_layer.sqrt().cpu().tolist(), strict=True))

    def histograms(self, bins: int = 30) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        result = {}
        owner = self._owner.tolist()
        for index, name in enumerate(self.layer_names):
            mine = [p for p, o in zip(self.params, owner, strict=True) if o == index]
            weights = _flat([p.detach() for p in mine])
            grads = [p.grad for p in mine if p.grad is not None]
            grad = _flat(grads) if grads else torch.zeros(1, device=weights.device)
            result[name] = (*value_histogram(weights, bins), *value_histogram(grad, bins))
        return result


def _flat(tensors: list[torch.Tensor]) -> torch.Tensor:
    if len(tensors) == 1:
        return tensors[0].reshape(-1).float()
    return torch.cat([t.reshape(-1) for t in tensors]).float()


def value_histogram(values: torch.Tensor, bins: int) -> tuple[np.ndarray, np.ndarray]:
    low, high = torch.aminmax(values)
    low, high = low.item(), high.item()
    if not (math.isfinite(low) and math.isfinite(high)):  # rare: drop NaN and inf, then measure again
        values = values[torch.isfinite(values)]
        if values.numel() == 0:
            return np.zeros(bins, dtype=np.float32), np.linspace(-1, 1, bins + 1, dtype=np.float32)
        low, high = (v.item() for v in torch.aminmax(values))
    if high <= low:
        low, high = low - 0.5, high + 0.5
    counts = torch.histc(values, bins=bins, min=low, max=high)
    return counts.cpu().numpy(), np.linspace(low, high, bins + 1, dtype=np.float32)
