"""Evaluation metrics on whole splits, computed with torch on the training device."""

from __future__ import annotations

import torch


def predicted_classes(outputs: torch.Tensor, loss_type: str) -> torch.Tensor:
    """Class indices from model outputs: argmax over several columns, a threshold for one."""
    if outputs.dim() >= 2 and outputs.shape[1] > 1:
        return outputs.argmax(dim=1)
    flat = outputs.reshape(outputs.shape[0], -1)[:, 0]
    threshold = 0.0 if loss_type == "BCEWithLogitsLoss" else 0.5
    return (flat > threshold).long()


def class_probabilities(outputs: torch.Tensor, loss_type: str) -> torch.Tensor:
    """(N, C) probabilities for a decision-boundary picture."""
    if outputs.dim() >= 2 and outputs.shape[1] > 1:
        if loss_type == "NLLLoss":
            return outputs.exp()
        if loss_type == "CrossEntropyLoss":
            return outputs.softmax(dim=1)
        return outputs.clamp(0, 1)
    flat = outputs.reshape(outputs.shape[0], -1)[:, :1]
    if loss_type == "BCEWithLogitsLoss":
        flat = flat.sigmoid()
    flat = flat.clamp(0, 1)
    return torch.cat([1 - flat, flat], dim=1)


def accuracy(predicted: torch.Tensor, labels: torch.Tensor) -> float:
    return float((predicted == labels).float().mean().item()) if labels.numel() else float("nan")


def confusion_matrix(predicted: torch.Tensor, labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    index = labels.long() * num_classes + predicted.long().clamp(0, num_classes - 1)
    return torch.bincount(index, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def regression_metrics(predictions: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
    """R² (1 is perfect, 0 is no better than the mean) and mean absolute error."""
    p = predictions.reshape(targets.shape).double()
    t = targets.double()
    residual = ((t - p) ** 2).sum()
    spread = ((t - t.mean(dim=0)) ** 2).sum()
    r2 = 1.0 - residual / spread if spread > 0 else torch.tensor(float("nan"))
    return {"r2": float(r2), "mae": float((t - p).abs().mean())}
