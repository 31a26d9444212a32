"""Training settings that change the optimisation: early stopping, learning-rate schedules,
gradient clipping and the L1 penalty, each checked against torch itself or a manual step."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch

import backends.training.loop as loop
from backends.training import events as ev
from nodes.graph import GraphDocument
from tests.backends.training_helpers import (
    assert_same_state,
    blobs,
    chain,
    fresh_model,
    initial_state,
    of_type,
    one_thread,
    run,
    settings,
    splits,
    state,
)

one_thread = pytest.fixture(autouse=True)(one_thread)


def overfitting_blobs() -> GraphDocument:
    """Few, overlapping points and a wide network: the validation loss turns up after a while."""
    return chain(
        "Blobs",
        {"samples": 80, "spread": 3.0, "validation_fraction": 0.3, "test_fraction": 0.2},
        [2],
        [
            ("Linear", {"out_features": 64}),
            ("ReLU", {}),
            ("Linear", {"out_features": 64}),
            ("ReLU", {}),
            ("Linear", {"out_features": 3}),
        ],
        {"shape": [], "dtype": "class index"},
        optimizer="Adam",
        optimizer_params={"lr": 0.01},
    )


def noisy_blobs(lr: float, validation: float) -> GraphDocument:
    """Overlapping clouds, small batches and a large step: the losses jump about between epochs."""
    return chain(
        "Blobs",
        {"samples": 60, "spread": 3.0, "validation_fraction": validation, "test_fraction": 0.2},
        [2],
        [("Linear", {"out_features": 32}), ("ReLU", {}), ("Linear", {"out_features": 3})],
        {"shape": [], "dtype": "class index"},
        optimizer="SGD",
        optimizer_params={"lr": lr},
    )


def test_early_stopping_restores_the_best_weights() -> None:
    doc = overfitting_blobs()
    outcome, _ = run(doc, epochs=80, batch_size=8, early_stopping=True, patience=4, seed=3)
    finished = outcome.finished
    assert finished.reason == "early stopping"
    val_losses = [epoch.val_loss for epoch in outcome.history]
    best = int(np.argmin(val_losses)) + 1
    assert finished.best_epoch == best == outcome.history[-1].best_epoch
    assert finished.epochs_run == len(val_losses) == best + 4 < 80
    assert val_losses[-1] > val_losses[best - 1]

    feed, _ = splits(doc)
    model = fresh_model(doc, state(outcome.built.model)).model.eval()
    with torch.no_grad():
        val_loss = float(torch.nn.functional.cross_entropy(model(feed.val.x), feed.val.y))
        test_loss = float(torch.nn.functional.cross_entropy(model(feed.test.x), feed.test.y))
    assert val_loss == pytest.approx(val_losses[best - 1], rel=1e-6)
    assert finished.test_metrics["loss"] == pytest.approx(test_loss, rel=1e-6)


def test_early_stopping_without_a_validation_split_is_off() -> None:
    """The run says early stopping is off, so it must neither stop early nor swap the weights."""
    doc = noisy_blobs(lr=0.5, validation=0.0)
    kwargs = {"epochs": 12, "batch_size": 4, "seed": 1}
    with_it, events = run(doc, early_stopping=True, patience=1, **kwargs)
    without, _ = run(doc, **kwargs)
    assert any("early stopping" in note for note in of_type(events, ev.RunStarted)[0].notes)
    train_losses = [e.train_loss for e in without.history]
    assert min(train_losses) < train_losses[-1]  # otherwise this test proves nothing
    assert with_it.finished.reason == "completed" and with_it.finished.epochs_run == 12
    assert_same_state(state(with_it.built.model), state(without.built.model))


def reference_rates(lr: float, epochs: int, make: Any, monitored: list[float] | None = None) -> list[float]:
    """The learning rate after each epoch, as torch's own scheduler sets it."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    scheduler = make(optimizer)
    rates = []
    for epoch in range(epochs):
        optimizer.step()
        if monitored is None:
            scheduler.step()
        else:
            scheduler.step(monitored[epoch])
        rates.append(optimizer.param_groups[0]["lr"])
    return rates


def check_rates(events: list[Any], outcome: Any, expected: list[float], lr: float) -> None:
    assert [e.learning_rate for e in outcome.history] == pytest.approx(expected, rel=1e-12)
    # Every step of epoch e trains with the rate set after epoch e-1.
    before = [lr, *expected]
    for progress in of_type(events, ev.Progress):
        assert progress.learning_rate == pytest.approx(before[progress.epoch - 1], rel=1e-12)


def test_the_step_schedule_matches_torch_steplr() -> None:
    outcome, events = run(blobs(lr=0.2), epochs=7, schedule="step", step_size=2, gamma=0.3)
    expected = reference_rates(
        0.2, 7, lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.3)
    )
    assert len(set(expected)) == 4
    check_rates(events, outcome, expected, 0.2)


def test_the_cosine_schedule_matches_torch_cosine_annealing() -> None:
    outcome, events = run(blobs(lr=0.2), epochs=6, schedule="cosine")
    expected = reference_rates(0.2, 6, lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, 6))
    assert expected[-1] == pytest.approx(0.0, abs=1e-12)
    check_rates(events, outcome, expected, 0.2)


@pytest.mark.parametrize("validation", [0.3, 0.0], ids=["validation loss", "training loss"])
def test_the_plateau_schedule_matches_torch_reduce_on_plateau(validation: float) -> None:
    doc = noisy_blobs(lr=0.3, validation=validation)
    outcome, events = run(
        doc, epochs=12, batch_size=4, schedule="plateau", plateau_patience=1, gamma=0.5, seed=1
    )
    watched = [e.val_loss if validation else e.train_loss for e in outcome.history]
    expected = reference_rates(
        0.3,
        12,
        lambda opt: torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=1),
        watched,
    )
    assert expected[-1] < 0.3  # the schedule did act in this run
    check_rates(events, outcome, expected, 0.3)


class ModelSpy:
    """Captures the model a run builds, and its weights after every step."""

    def __init__(self, monkeypatch: Any) -> None:
        self.model: torch.nn.Module | None = None
        self.states: list[dict[str, torch.Tensor]] = []
        real = loop.build_model

        def build(*args: Any, **kwargs: Any) -> Any:
            built = real(*args, **kwargs)
            self.model = built.model
            self.states.append(state(built.model))
            return built

        monkeypatch.setattr(loop, "build_model", build)

    def __call__(self, event: Any) -> None:
        if isinstance(event, ev.Progress):
            assert len(event.steps) == 1
            self.states.append(state(self.model))


def update_norms(states: list[dict[str, torch.Tensor]]) -> list[float]:
    return [
        float(torch.sqrt(sum(((b[k] - a[k]) ** 2).sum() for k in a))) for a, b in itertools.pairwise(states)
    ]


@pytest.mark.parametrize("clip", [0.0, 0.05])
def test_gradient_clipping_bounds_every_update(monkeypatch, clip: float) -> None:
    spy = ModelSpy(monkeypatch)
    job = loop.TrainingJob(blobs(lr=1.0), settings(epochs=2, grad_clip=clip), report_interval=0.0)
    outcome = loop.run_training(job, spy)
    assert outcome.finished.reason == "completed"
    norms = update_norms(spy.states)
    assert len(norms) == 2 * 5  # 72 training samples in batches of 16, two epochs
    if clip:  # plain SGD: the update is lr times the clipped gradient
        assert max(norms) <= 1.0 * clip * (1 + 1e-5)
        assert max(norms) == pytest.approx(clip, rel=1e-4)  # some raw gradients were larger
    else:
        assert max(norms) > 0.05


def test_clipping_scales_the_gradient_as_torch_does() -> None:
    doc = blobs(samples=90, lr=1.0)
    kwargs = {"epochs": 1, "batch_size": 0, "grad_clip": 0.01, "seed": 6}
    before = initial_state(doc, **kwargs)
    outcome, _ = run(doc, **kwargs)
    feed, _ = splits(doc)
    model = fresh_model(doc, before).model
    torch.nn.functional.cross_entropy(model(feed.train.x), feed.train.y).backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    norm = float(torch.sqrt(sum((g**2).sum() for g in grads.values())))
    assert norm > 0.01
    after = state(outcome.built.model)
    for name, grad in grads.items():
        torch.testing.assert_close(after[name], before[name] - grad * (0.01 / norm), rtol=1e-5, atol=1e-7)


def test_the_l1_penalty_adds_lambda_sign_w_to_the_gradient_of_weights_only() -> None:
    doc = blobs(samples=90, lr=0.5)
    kwargs = {"epochs": 1, "batch_size": 0, "l1": 0.01, "seed": 8}
    before = initial_state(doc, **kwargs)
    outcome, events = run(doc, report_interval=0.0, **kwargs)
    feed, _ = splits(doc)
    model = fresh_model(doc, before).model
    data_loss = torch.nn.functional.cross_entropy(model(feed.train.x), feed.train.y)
    data_loss.backward()
    weights = [n for n, p in model.named_parameters() if p.dim() > 1]
    penalty = 0.01 * sum(float(before[n].abs().sum()) for n in weights)
    (progress,) = of_type(events, ev.Progress)
    assert progress.losses[0] == pytest.approx(float(data_loss.detach()) + penalty, rel=1e-6)
    after = state(outcome.built.model)
    for name, param in model.named_parameters():
        shrink = 0.01 * torch.sign(before[name]) if name in weights else 0.0  # biases are not penalised
        torch.testing.assert_close(
            after[name], before[name] - 0.5 * (param.grad + shrink), rtol=1e-5, atol=1e-7
        )


def test_the_l1_penalty_shrinks_the_weights() -> None:
    kwargs = {"epochs": 15, "seed": 9}
    plain, _ = run(blobs(lr=0.1), **kwargs)
    sparse, _ = run(blobs(lr=0.1), l1=0.03, **kwargs)

    def l1_norm(model: torch.nn.Module) -> float:
        return sum(float(p.detach().abs().sum()) for p in model.parameters() if p.dim() > 1)

    assert l1_norm(sparse.built.model) < 0.8 * l1_norm(plain.built.model)
    assert sparse.finished.test_metrics["accuracy"] > 0.6
