"""Learning-rate schedules from the training settings."""

from __future__ import annotations

import torch

from nodes.training_settings import TrainingSettings

Scheduler = torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau


def make_scheduler(settings: TrainingSettings, optimizer: torch.optim.Optimizer) -> Scheduler | None:
    """Stepped once per epoch; 'plateau' watches the validation loss (or the training loss)."""
    if settings.schedule == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=settings.step_size, gamma=settings.gamma)
    if settings.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=settings.epochs)
    if settings.schedule == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode="min", factor=settings.gamma, patience=settings.plateau_patience
        )
    return None
