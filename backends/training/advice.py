"""A run's next step, in words, from how its loss moved: the learning rate was too
high (the loss leapt up), or the run ended while the loss was still falling.

Pure Python over the per-epoch numbers, so the window, the command line and the
tests all give the same advice for the same run.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

CLASS_LOSSES = ("CrossEntropyLoss", "NLLLoss")
BINARY_LOSSES = ("BCELoss", "BCEWithLogitsLoss")


def chance_loss(loss_type: str, num_classes: int | None) -> float | None:
    """The loss of a blind guess (equal scores for every class), where that is known:
    ln(k) for k class scores, ln(2) for a yes/no output; None for regression losses."""
    if loss_type in CLASS_LOSSES and num_classes and num_classes >= 2:
        return math.log(num_classes)
    if loss_type in BINARY_LOSSES:
        return math.log(2)
    return None


DIVERGED = (
    "The training loss jumped from {low} up to {high} at epoch {epoch}: the learning rate is"
    " probably too high. Try ten times smaller, or turn on gradient clipping."
)
STILL_IMPROVING = (
    "The loss was still falling at the last epoch: train for more epochs (this run had {epochs})"
    " or raise the learning rate (now {lr}; try {lr3} or {lr10})."
)
STARTED_HIGH = (
    "The first epoch's loss ({first}) was far above a blind guess's ({chance}): the learning rate"
    " (now {lr}) is probably too high. Try {lr_down}."
)
STUCK = (
    "The loss stayed at a blind guess's level ({chance}): the network learned nothing. A learning"
    " rate too high (now {lr}; try {lr_down}) often does this, so can a network with no way to"
    " bend the boundary (add a hidden layer with an activation)."
)
JUMP = 3.0  # an epoch's loss this many times the best before it is a jump, not noise
GUESS_LEVEL = 0.95  # a settled loss above this share of a blind guess's learned nothing
LITTLE_LEARNED = 0.75  # ... above this share, little: after a first epoch that blew up, too little
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


def _started_high(losses: Sequence[float], chance: float | None, rates: dict[str, str]) -> str:
    """The first epoch's loss far above a blind guess's, and little learned since (which
    diverged() cannot see: there is no earlier epoch to jump from)."""
    if chance is None or not losses or not rates:
        return ""
    if losses[0] > JUMP * chance and _settled(losses) > LITTLE_LEARNED * chance:
        return STARTED_HIGH.format(first=f"{losses[0]:.3g}", chance=f"{chance:.3g}", **rates)
    return ""


def _stuck(losses: Sequence[float], chance: float | None, rates: dict[str, str]) -> str:
    """The loss settled at a blind guess's level (and was not still falling: see run_advice)."""
    if chance is None or len(losses) < 3 or not rates or _settled(losses) <= GUESS_LEVEL * chance:
        return ""
    return STUCK.format(chance=f"{chance:.3g}", **rates)


def _settled(losses: Sequence[float]) -> float:
    """Where the run settled: the median of its second half, noise aside."""
    return statistics.median(losses[len(losses) // 2 :])


def run_advice(
    reason: str,
    train_losses: Sequence[float],
    best_epoch: int,
    learning_rate: float | None,
    accuracy: float | None = None,
    chance: float | None = None,
    label_chance: float | None = None,
) -> str:
    """What to try next, or "" when the run gives no reason to say anything.

    `best_epoch` is the epoch with the lowest monitored loss (validation when there is
    some); a completed run whose best epoch is its last was still improving (a rate too
    low looks like that, even at a blind guess's level). `chance` is a blind guess's
    loss over the model's scores (chance_loss), where a first epoch starts; `label_chance`
    the same over the data's classes, where a network that learned nothing settles (it
    soon stops giving unused scores any weight); it defaults to `chance`."""
    label_chance = chance if label_chance is None else label_chance
    losses = [v for v in train_losses if math.isfinite(v)]
    usable_rate = learning_rate is not None and math.isfinite(learning_rate) and learning_rate > 0
    rates = {"lr": f"{learning_rate:g}", "lr_down": f"{learning_rate / 10:g}"} if usable_rate else {}
    warning = diverged(train_losses) or _started_high(losses, chance, rates)
    if warning:
        return warning
    epochs = len(train_losses)
    still_falling = reason == "completed" and epochs > 1 and best_epoch == epochs
    if not still_falling:
        return _stuck(losses, label_chance, rates)
    if accuracy is not None and accuracy >= GOOD_ENOUGH:
        return ""
    if not usable_rate:
        return f"The loss was still falling at the last epoch: train for more epochs (this run had {epochs})."
    return STILL_IMPROVING.format(
        epochs=epochs, lr=f"{learning_rate:g}", lr3=f"{3 * learning_rate:g}", lr10=f"{10 * learning_rate:g}"
    )
