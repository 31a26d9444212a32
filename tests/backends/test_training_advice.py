"""The advice a finished run gives, from its per-epoch losses, checked on real runs."""

from __future__ import annotations

import math

import pytest

from backends.training.advice import chance_loss, diverged, run_advice
from tests.backends.training_helpers import chain, run

pytestmark = pytest.mark.slow


def palette_defaults_spiral(lr: float, scores: int = 2) -> object:
    """The newcomer's network: every node as the palette adds it (Linear 16 units, Adam)."""
    return chain(
        "Spirals",
        {},
        [2],
        [("Linear", {}), ("ReLU", {}), ("Linear", {"out_features": scores})],
        {"shape": [], "dtype": "class index"},
        optimizer="Adam",
        optimizer_params={"lr": lr},
    )


def test_an_underfit_run_says_to_train_longer_or_faster_and_that_advice_helps() -> None:
    slow, _ = run(palette_defaults_spiral(1e-3), epochs=50, batch_size=32)
    advice = slow.finished.advice
    assert advice.startswith("The loss was still falling at the last epoch")
    assert "this run had 50" in advice and "now 0.001; try 0.003 or 0.01" in advice
    faster, _ = run(palette_defaults_spiral(1e-2), epochs=50, batch_size=32)
    longer, _ = run(palette_defaults_spiral(1e-3), epochs=150, batch_size=32)
    before = slow.finished.test_metrics["accuracy"]
    assert faster.finished.test_metrics["accuracy"] > before + 0.1
    assert longer.finished.test_metrics["accuracy"] > before + 0.05


def test_a_run_that_learned_the_task_gets_no_advice() -> None:
    done, _ = run(palette_defaults_spiral(1e-2), epochs=150, batch_size=32)
    assert done.finished.test_metrics["accuracy"] >= 0.99 or done.finished.best_epoch < 150
    assert done.finished.advice == ""


def test_divergence_hint_reads_the_epoch_losses() -> None:
    assert diverged([0.7, 0.5, 0.4, 0.41, 0.39]) == ""  # noise around the best
    assert diverged([0.7, 0.3, 5.0, 80.0]).startswith("The training loss jumped from 0.3 up to 5 at epoch 3")
    assert diverged([0.69, 0.01, 0.04, 0.012]) == ""  # threefold, but tiny next to the start
    assert diverged([float("nan")]) == "" and diverged([]) == ""


def test_more_training_is_suggested_only_when_a_completed_run_was_still_improving() -> None:
    falling = [0.9, 0.7, 0.6, 0.5]
    assert "still falling" in run_advice("completed", falling, 4, 0.1)
    assert run_advice("completed", falling, 2, 0.1) == ""  # the best epoch was earlier
    assert run_advice("stopped", falling, 4, 0.1) == ""  # the user ended it
    assert run_advice("completed", falling, 4, 0.1, accuracy=1.0) == ""  # nothing left to win
    assert run_advice("completed", [0.9], 1, 0.1) == ""  # one epoch says nothing of a trend
    assert run_advice("completed", falling, 4, None).endswith("(this run had 4).")
    assert "jumped" in run_advice("completed", [0.7, 0.3, 5.0, 0.2], 4, 0.1)  # divergence first


def test_a_learning_rate_that_blows_up_in_the_first_epoch_is_named() -> None:
    # Adam at 2.5: the first epoch's loss is far above a blind guess's, then it sits near it.
    hot, _ = run(palette_defaults_spiral(2.5), epochs=30, batch_size=32)
    losses = [e.train_loss for e in hot.history]
    assert losses[0] > 3 * math.log(2) and diverged(losses) == ""  # the old rule saw nothing
    assert hot.finished.advice.startswith("The first epoch's loss")
    assert "the learning rate (now 2.5) is probably too high. Try 0.25." in hot.finished.advice


def test_a_loss_stuck_at_a_blind_guess_is_named_and_a_good_run_is_not() -> None:
    chance = math.log(3)
    stuck = [chance * f for f in (1.02, 1.0, 0.99, 1.01, 0.99, 1.0)]
    assert run_advice("completed", stuck, 3, 0.5, chance=chance).startswith("The loss stayed at a blind")
    # Crawling down from a blind guess is a rate too low, not too high: "still falling" says so.
    crawling = [chance * f for f in (1.0, 0.999, 0.998, 0.997, 0.996, 0.995)]
    assert "raise the learning rate" in run_advice("completed", crawling, 6, 1e-4, chance=chance)
    learned = [chance * f for f in (0.9, 0.5, 0.3, 0.2, 0.15, 0.12)]
    assert "blind" not in run_advice("completed", learned, 6, 0.5, chance=chance)
    assert run_advice("completed", stuck, 3, 0.5) == ""  # no blind-guess level known: no claim


def test_a_blind_guess_loss_is_log_of_the_class_count() -> None:
    assert chance_loss("CrossEntropyLoss", 10) == math.log(10)
    assert chance_loss("NLLLoss", 2) == math.log(2) == chance_loss("BCEWithLogitsLoss", None)
    assert chance_loss("MSELoss", None) is None and chance_loss("CrossEntropyLoss", None) is None


def test_a_blind_guess_is_over_the_models_scores_not_the_data_classes() -> None:
    # Found in a newcomer trial: the last Linear left at 16 outputs (a warning) starts near
    # ln 16 = 2.77, which is no blow-up; measured against ln 2 it was called one, and the
    # advice to lower a fine learning rate led the tester to 55%.
    fine, _ = run(palette_defaults_spiral(1e-3, scores=16), epochs=50, batch_size=32)
    assert fine.history[0].train_loss > 3 * math.log(2)  # what fooled the old rule
    assert "too high" not in fine.finished.advice
    assert fine.finished.advice.startswith("The loss was still falling")
    hot, _ = run(palette_defaults_spiral(2.5, scores=16), epochs=50, batch_size=32)
    assert "(now 2.5; try 0.25)" in hot.finished.advice  # settled at a two-class guess's level
