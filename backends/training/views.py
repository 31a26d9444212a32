"""Pictures of what the model has learned: a decision boundary or a regression curve."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from backends.training.events import DecisionBoundary, RegressionCurve
from backends.training.metrics import class_probabilities

GRID = 80
MAX_POINTS = 600


def _margin_range(values: torch.Tensor) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    pad = (high - low) * 0.1 or 1.0
    return low - pad, high + pad


def _sample(x: torch.Tensor, y: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    step = max(1, x.shape[0] // MAX_POINTS)
    return x[::step].cpu().numpy(), y[::step].cpu().numpy()


@torch.no_grad()
def decision_boundary(
    model: nn.Module, x: torch.Tensor, labels: torch.Tensor, loss_type: str, epoch: int
) -> DecisionBoundary:
    x_range, y_range = _margin_range(x[:, 0]), _margin_range(x[:, 1])
    xs = torch.linspace(*x_range, GRID, device=x.device)
    ys = torch.linspace(*y_range, GRID, device=x.device)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    cells = torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=1)
    was_training = model.training
    model.eval()
    probabilities = class_probabilities(model(cells).float(), loss_type)
    model.train(was_training)
    confidence, classes = probabilities.max(dim=1)
    points, point_labels = _sample(x, labels if labels.dim() == 1 else labels.argmax(dim=1))
    return DecisionBoundary(
        epoch=epoch,
        x_range=x_range,
        y_range=y_range,
        classes=classes.reshape(GRID, GRID).to(torch.int16).cpu().numpy(),
        confidence=confidence.reshape(GRID, GRID).cpu().numpy(),
        points=points,
        labels=point_labels,
    )


@torch.no_grad()
def regression_curve(model: nn.Module, x: torch.Tensor, y: torch.Tensor, epoch: int) -> RegressionCurve:
    xs = torch.linspace(*_margin_range(x[:, 0]), GRID * 2, device=x.device).unsqueeze(1)
    was_training = model.training
    model.eval()
    predictions = model(xs).float().reshape(xs.shape[0], -1)[:, 0]
    model.train(was_training)
    points, targets = _sample(x[:, 0], y.reshape(y.shape[0], -1)[:, 0])
    return RegressionCurve(epoch, xs[:, 0].cpu().numpy(), predictions.cpu().numpy(), points, targets)
