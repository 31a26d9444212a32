"""Evaluating a model on whole splits: loss, metrics, confusion matrix, pictures."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from torch import nn

from backends.training.data_feed import Feed, Split
from backends.training.events import DecisionBoundary, RegressionCurve
from backends.training.metrics import accuracy, confusion_matrix, predicted_classes, regression_metrics
from backends.training.views import decision_boundary, regression_curve

CHUNK = 4096
VIEW_INTERVAL = 0.2  # seconds between pictures when epochs are very fast
VIEW_BUDGET = 0.04  # pictures may take at most this share of the training time


class Evaluator:
    def __init__(self, model: nn.Module, loss_fn: nn.Module, loss_type: str, splits: Any, feed: Feed) -> None:
        self.model, self.loss_fn, self.loss_type = model, loss_fn, loss_type
        self.task = splits.task
        self.num_classes = splits.num_classes
        self.feed = feed
        self.labels = {id(s): torch.as_tensor(y, device=feed.device) for s, y in self._label_sources(splits)}
        self.next_view = 0.0

    def _label_sources(self, splits: Any) -> list[tuple[Split, np.ndarray]]:
        pairs = [
            (self.feed.train, splits.y_train),
            (self.feed.val, splits.y_val),
            (self.feed.test, splits.y_test),
        ]
        return [(s, y) for s, y in pairs if s is not None]

    @torch.no_grad()
    def outputs(self, split: Split) -> tuple[torch.Tensor, float]:
        was_training = self.model.training
        self.model.eval()
        parts, total = [], 0.0
        for first in range(0, len(split), CHUNK):
            index = torch.arange(first, min(first + CHUNK, len(split)), device=split.x.device)
            x, y = self.feed.batch(split, index)
            out = self.model(x)
            total += float(self.loss_fn(out, y)) * x.shape[0]
            parts.append(out.float())
        self.model.train(was_training)
        return torch.cat(parts), total / max(len(split), 1)

    def metrics(self, split: Split, outputs: torch.Tensor) -> dict[str, float]:
        if self.task == "classification" and id(split) in self.labels:
            labels = self.labels[id(split)]
            return {"accuracy": accuracy(predicted_classes(outputs, self.loss_type), labels)}
        return regression_metrics(outputs, split.y.to(outputs.device).float())

    def evaluate(self, split: Split | None) -> tuple[float | None, dict[str, float]]:
        if split is None:
            return None, {}
        outputs, loss = self.outputs(split)
        return loss, self.metrics(split, outputs)

    def final(self, split: Split) -> tuple[dict[str, float], np.ndarray | None]:
        outputs, loss = self.outputs(split)
        metrics = {"loss": loss, **self.metrics(split, outputs)}
        confusion = None
        if self.task == "classification" and self.num_classes and id(split) in self.labels:
            predicted = predicted_classes(outputs, self.loss_type)
            confusion = confusion_matrix(predicted, self.labels[id(split)], self.num_classes).cpu().numpy()
        return metrics, confusion

    def view(self, epoch: int, last: bool) -> DecisionBoundary | RegressionCurve | None:
        """A picture of the model now, spaced out so pictures cost at most VIEW_BUDGET of the run."""
        now = time.perf_counter()
        if not last and now < self.next_view:
            return None
        train = self.feed.train
        if train.x.dim() != 2 or not train.x.is_floating_point():
            return None
        x = train.x.to(self.feed.device)
        if self.task == "classification" and train.x.shape[1] == 2:
            picture = decision_boundary(self.model, x, self.labels[id(train)], self.loss_type, epoch)
        elif self.task == "regression" and train.x.shape[1] == 1:
            picture = regression_curve(self.model, x, train.y.to(self.feed.device), epoch)
        else:
            return None
        cost = time.perf_counter() - now
        self.next_view = now + max(VIEW_INTERVAL, cost / VIEW_BUDGET)
        return picture
