"""A run's next step, in words, from how its loss moved: the learning rate was too
high (the loss leapt up), or the run ended while the loss was still falling.

Pure Python over the per-epoch numbers, so the window, the command line and the
tests all give the same advice for the same run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

DIVERGED = (
    "The training loss jumped from {low} up to {high} at epoch {epoch}: the learning rate is"
    " probably too high. Try ten times smaller, or turn on gradient clipping."
)
STILL_IMPROVING = (
    "The loss was still falling at the last epoch: train for more epochs (this run had {epochs})"
    " or raise the learning rate (now {lr}; try {lr3} or {lr10})."
)
JUMP = 3.0  # an epoch's loss this many times the best before it is a jump, not noise
GOOD_ENOUGH = 0.99  # an accuracy this high leaves nothing for longer training to win


def diverged(train_losses: Sequence[float]) -> str:
    """A hint when the loss leapt up without reaching NaN (a NaN stops the run by itself)."""
    losses = [v for v in train_losses if math.isfinite(v)]
    best = math.inf
    for epoch, value in enumerate(losses, start=1):
        # Near zero a threefold rise is harmless noise: the rise must also be large next to the start.
        if value > JUMP * best and value - best > 0.1 * losses[0]:
            return DIVERGED.format(low=f"{best:.3g}", high=f"{value:.3g}", epoch=epoch)
        best = min(best, value)
    return ""


def run_advice(
    reason: str,
    train_losses: Sequence[float],
    best_epoch: int,
    learning_rate: float | None,
    accuracy: float | None = None,
) -> str:
    """What to try next, or "" when the run gives no reason to say anything.

    `best_epoch` is the epoch with the lowest monitored loss (validation when there is
    some); a completed run whose best epoch is its last was still improving."""
    warning = diverged(train_losses)
    if warning:
        return warning
    epochs = len(train_losses)
    still_falling = reason == "completed" and epochs > 1 and best_epoch == epochs
    if not still_falling or (accuracy is not None and accuracy >= GOOD_ENOUGH):
        return ""
    if learning_rate is None or not math.isfinite(learning_rate) or learning_rate <= 0:
        return f"The loss was still falling at the last epoch: train for more epochs (this run had {epochs})."
    return STILL_IMPROVING.format(
        epochs=epochs, lr=f"{learning_rate:g}", lr3=f"{3 * learning_rate:g}", lr10=f"{10 * learning_rate:g}"
    )
