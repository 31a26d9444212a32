"""Reproducibility: the seed alone decides a CPU run; instrumentation never changes it."""

from __future__ import annotations

import numpy as np
import pytest

from backends.training import events as ev
from tests.backends.training_helpers import (
    assert_same_state,
    blobs,
    of_type,
    one_thread,
    run,
    sine,
    state,
    step_losses,
)

one_thread = pytest.fixture(autouse=True)(one_thread)


@pytest.mark.parametrize("make", [blobs, sine], ids=["classification", "regression"])
def test_same_seed_gives_identical_losses_and_weights(make) -> None:
    first, first_events = run(make(), seed=7, epochs=3)
    second, second_events = run(make(), seed=7, epochs=3)
    steps_a, losses_a = step_losses(first_events)
    steps_b, losses_b = step_losses(second_events)
    assert len(losses_a) == 3 * of_type(first_events, ev.RunStarted)[0].steps_per_epoch
    np.testing.assert_array_equal(steps_a, steps_b)
    np.testing.assert_array_equal(losses_a, losses_b)
    assert_same_state(state(first.built.model), state(second.built.model))
    epochs_a = [(e.train_loss, e.val_loss) for e in first.history]
    epochs_b = [(e.train_loss, e.val_loss) for e in second.history]
    assert epochs_a == epochs_b


def test_different_seed_gives_different_losses() -> None:
    _, a = run(blobs(), seed=1)
    _, b = run(blobs(), seed=2)
    losses_a, losses_b = step_losses(a)[1], step_losses(b)[1]
    assert len(losses_a) == len(losses_b)
    assert not np.array_equal(losses_a, losses_b)
    # Already the first step differs: the seed sets the initial weights.
    assert losses_a[0] != losses_b[0]


def test_seed_changes_only_the_run_not_the_data() -> None:
    """The data set node has its own seed: the training seed must not reshuffle the splits."""
    a, a_events = run(blobs(), seed=1, epochs=1)
    b, b_events = run(blobs(), seed=2, epochs=1)
    started_a, started_b = of_type(a_events, ev.RunStarted)[0], of_type(b_events, ev.RunStarted)[0]
    assert started_a.train_samples == started_b.train_samples
    assert a.finished.confusion.sum(axis=1).tolist() == b.finished.confusion.sum(axis=1).tolist()


@pytest.mark.parametrize("make", [blobs, sine], ids=["classification", "regression"])
def test_instrumentation_does_not_change_the_losses(make) -> None:
    kwargs = {"seed": 3, "epochs": 3, "histogram_every": 2, "grad_clip": 0.5}
    on, on_events = run(make(), instrument=True, **kwargs)
    off, off_events = run(make(), instrument=False, **kwargs)
    np.testing.assert_array_equal(step_losses(on_events)[1], step_losses(off_events)[1])
    assert_same_state(state(on.built.model), state(off.built.model))
    assert of_type(on_events, ev.Histograms)
    assert not of_type(off_events, ev.Histograms)
    assert all(p.grad_norms == {} for p in of_type(off_events, ev.Progress))


def test_report_interval_does_not_change_the_losses() -> None:
    _, every_step = run(blobs(), seed=4, report_interval=0.0)
    _, rarely = run(blobs(), seed=4, report_interval=60.0)
    np.testing.assert_array_equal(step_losses(every_step)[1], step_losses(rarely)[1])
    assert len(of_type(every_step, ev.Progress)) > len(of_type(rarely, ev.Progress))
