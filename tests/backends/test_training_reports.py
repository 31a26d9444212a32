"""What a run reports: aggregated progress, gradient norms, histograms, pictures, final metrics.

Every number is checked against a computation done here with plain torch on a freshly
built model, never against another output of the engine.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

import backends.training.loop as loop
from backends.training import events as ev
from backends.training.probe import value_histogram as probe_histogram
from tests.backends.training_helpers import (
    blobs,
    fresh_model,
    initial_state,
    of_type,
    one_thread,
    run,
    sine,
    splits,
    state,
    step_losses,
)

one_thread = pytest.fixture(autouse=True)(one_thread)


def layer_of(name: str) -> str:
    return name.split(".", 1)[0]


class SteadyClock:
    """A stand-in for the loop's clock: 1 ms passes per reading, however busy the machine is."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 0.001
        return self.now

    def process_time(self) -> float:
        return self.now * 0.5  # the process used half a core throughout


def test_progress_is_aggregated_and_covers_every_step_once(monkeypatch) -> None:
    monkeypatch.setattr(loop, "time", SteadyClock())
    outcome, events = run(blobs(samples=400), epochs=4, batch_size=2, report_interval=0.05)
    started = of_type(events, ev.RunStarted)[0]
    total = started.steps_per_epoch * 4
    progress = of_type(events, ev.Progress)
    assert total >= 400
    # About one report per 50 steps (one clock reading each), plus one at each epoch's end.
    assert total / 60 < len(progress) < total / 10
    steps, losses = step_losses(events)
    np.testing.assert_array_equal(steps, np.arange(1, total + 1))  # contiguous, each exactly once
    assert np.isfinite(losses).all()
    for event in progress:
        assert len(event.steps) == len(event.losses) >= 1
        first_epoch = (event.steps[0] - 1) // started.steps_per_epoch + 1
        last_epoch = (event.steps[-1] - 1) // started.steps_per_epoch + 1
        assert first_epoch == last_epoch == event.epoch  # a report never straddles two epochs
        assert set(event.grad_norms) == set(started.layer_names)
        assert all(len(norms) == len(event.steps) for norms in event.grad_norms.values())
        assert event.fraction_done == pytest.approx(event.steps[-1] / total)
        assert event.samples_per_second > 0
        assert event.cores_used == pytest.approx(0.5)  # CPU seconds per wall second, from the clocks
    assert progress[-1].fraction_done == pytest.approx(1.0)
    # The per-epoch training loss is the sample-weighted mean of that epoch's step losses.
    n = started.train_samples
    sizes = np.array([min(2, n - 2 * i) for i in range(started.steps_per_epoch)])
    for epoch in outcome.history:
        chunk = losses[(epoch.epoch - 1) * len(sizes) : epoch.epoch * len(sizes)]
        assert epoch.train_loss == pytest.approx(float((chunk * sizes).sum() / n), rel=1e-5)


def test_progress_reports_follow_the_real_clock() -> None:
    started_at = time.perf_counter()
    _, events = run(blobs(samples=400), epochs=2, batch_size=2, report_interval=0.2)
    elapsed = time.perf_counter() - started_at
    progress = of_type(events, ev.Progress)
    assert 2 <= len(progress) <= elapsed / 0.2 + 2 + 1  # per interval, plus one per epoch's end
    assert step_losses(events)[0].tolist() == list(range(1, len(step_losses(events)[0]) + 1))


def test_progress_reports_the_cpu_the_process_used() -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    _, events = run(blobs(samples=400), epochs=3, batch_size=2, report_interval=0.05)
    whole_run = (time.process_time() - cpu) / (time.perf_counter() - wall)
    loads = [e.cores_used for e in of_type(events, ev.Progress)]
    # One intra-op thread: at most about one core, and on average what the whole run used.
    assert all(0.0 <= load <= 1.5 for load in loads), loads
    assert np.mean(loads) == pytest.approx(whole_run, abs=0.3)


def test_grad_norms_per_layer_match_a_manual_backward_pass() -> None:
    doc = blobs(samples=90)
    kwargs = {"epochs": 1, "batch_size": 0, "seed": 5, "grad_clip": 0.01}  # one full-batch step
    before = initial_state(doc, **kwargs)
    outcome, events = run(doc, report_interval=0.0, **kwargs)
    (progress,) = of_type(events, ev.Progress)
    assert progress.steps.tolist() == [1]

    feed, _ = splits(doc)
    model = fresh_model(doc, before).model
    loss = torch.nn.CrossEntropyLoss()(model(feed.train.x), feed.train.y)
    loss.backward()
    squares: dict[str, float] = {}
    for name, param in model.named_parameters():
        squares[layer_of(name)] = squares.get(layer_of(name), 0.0) + float(param.grad.pow(2).sum())
    assert set(progress.grad_norms) == set(squares)
    for layer, total in squares.items():  # the norms are taken before clipping
        assert progress.grad_norms[layer][0] == pytest.approx(total**0.5, rel=1e-5)
    assert progress.losses[0] == pytest.approx(float(loss.detach()), rel=1e-6)

    after = state(outcome.built.model)
    weight_squares: dict[str, float] = {}
    for name, tensor in after.items():
        weight_squares[layer_of(name)] = weight_squares.get(layer_of(name), 0.0) + float(tensor.pow(2).sum())
    for layer, total in weight_squares.items():
        assert progress.weight_norms[layer] == pytest.approx(total**0.5, rel=1e-5)


@pytest.mark.parametrize("every", [1, 3, 7])
def test_histograms_arrive_every_histogram_every_steps(every: int) -> None:
    outcome, events = run(blobs(), epochs=2, batch_size=16, histogram_every=every)
    total = of_type(events, ev.RunStarted)[0].steps_per_epoch * 2
    histograms = of_type(events, ev.Histograms)
    expected = list(range(every, total + 1, every))
    if expected[-1] != total:  # one more at the end shows the weights the run ends with
        expected.append(total)
    assert [h.step for h in histograms] == expected
    params = dict(outcome.built.model.named_parameters())
    for histogram in histograms:
        assert set(histogram.layers) == {layer_of(name) for name in params}
        for layer, (counts, edges, grad_counts, grad_edges) in histogram.layers.items():
            size = sum(p.numel() for name, p in params.items() if layer_of(name) == layer)
            assert len(edges) == len(counts) + 1 and len(grad_edges) == len(grad_counts) + 1
            assert counts.sum() == size and grad_counts.sum() == size
            assert np.all(np.diff(edges) > 0)
    last = histograms[-1]  # the final weights, edge to edge
    for layer, (_, edges, _, _) in last.layers.items():
        values = torch.cat([p.detach().reshape(-1) for n, p in params.items() if layer_of(n) == layer])
        assert edges[0] == pytest.approx(float(values.min()), abs=1e-6)
        assert edges[-1] == pytest.approx(float(values.max()), abs=1e-6)


def test_histograms_are_spaced_in_time_for_fast_models(monkeypatch) -> None:
    monkeypatch.setattr(loop, "time", SteadyClock())  # 1 ms per clock reading
    _, events = run(blobs(samples=400), epochs=3, batch_size=4, histogram_every=1, histogram_interval=0.2)
    total = of_type(events, ev.RunStarted)[0].steps_per_epoch * 3
    steps = [h.step for h in of_type(events, ev.Histograms)]
    assert steps[0] == 1 and steps[-1] == total
    assert 2 < len(steps) < total / 10  # spaced out by the clock, not one per step
    assert steps == sorted(set(steps))


def test_histograms_ignore_non_finite_values() -> None:
    weights = torch.tensor([0.0, 1.0, float("nan"), float("inf"), 2.0, -float("inf")])
    counts, edges = probe_histogram(weights, 4)
    assert counts.sum() == 3 and edges[0] == 0.0 and edges[-1] == 2.0
    counts, edges = probe_histogram(torch.tensor([float("nan")]), 4)
    assert counts.sum() == 0 and len(edges) == 5


def test_a_two_dimensional_classifier_gets_a_decision_boundary() -> None:
    doc = blobs()
    outcome, events = run(doc, epochs=3)
    pictures = of_type(events, ev.DecisionBoundary)
    assert pictures and pictures[-1].epoch == 3
    assert not of_type(events, ev.RegressionCurve)
    picture = pictures[-1]
    feed, data = splits(doc)
    x = feed.train.x
    assert picture.x_range[0] < float(x[:, 0].min()) and picture.x_range[1] > float(x[:, 0].max())
    assert picture.y_range[0] < float(x[:, 1].min()) and picture.y_range[1] > float(x[:, 1].max())
    rows, cols = picture.classes.shape
    assert picture.confidence.shape == (rows, cols)
    assert ((picture.confidence >= 0) & (picture.confidence <= 1 + 1e-6)).all()
    assert set(np.unique(picture.labels)) <= set(np.unique(data.y_train))
    # Rows follow y and columns follow x: check the corners against the trained model.
    model = outcome.built.model.eval()
    corners = {(0, 0): (0, 0), (0, cols - 1): (1, 0), (rows - 1, 0): (0, 1), (rows - 1, cols - 1): (1, 1)}
    with torch.no_grad():
        for (row, col), (xi, yi) in corners.items():
            point = torch.tensor([[picture.x_range[xi], picture.y_range[yi]]], dtype=torch.float32)
            probabilities = model(point).softmax(dim=1)[0]
            assert picture.classes[row, col] == int(probabilities.argmax())
            assert picture.confidence[row, col] == pytest.approx(float(probabilities.max()), abs=1e-5)


def test_a_one_dimensional_regression_gets_a_curve() -> None:
    doc = sine()
    outcome, events = run(doc, epochs=2)
    curves = of_type(events, ev.RegressionCurve)
    assert curves and curves[-1].epoch == 2
    assert not of_type(events, ev.DecisionBoundary)
    curve = curves[-1]
    assert np.all(np.diff(curve.xs) > 0)
    with torch.no_grad():
        expected = outcome.built.model.eval()(torch.as_tensor(curve.xs).reshape(-1, 1))
    np.testing.assert_allclose(curve.predictions, expected.reshape(-1).numpy(), rtol=1e-5, atol=1e-6)
    assert len(curve.points) == len(curve.targets) > 0


def test_no_pictures_when_views_are_off() -> None:
    _, events = run(blobs(), views=False)
    assert not of_type(events, ev.DecisionBoundary) and not of_type(events, ev.RegressionCurve)


def test_finished_carries_test_metrics_and_a_full_confusion_matrix() -> None:
    doc = blobs(samples=150)
    outcome, events = run(doc, epochs=3)
    finished = events[-1]
    assert isinstance(finished, ev.Finished) and outcome.finished is finished
    assert finished.reason == "completed" and finished.epochs_run == 3
    feed, data = splits(doc)
    test = feed.test
    assert finished.confusion.shape == (3, 3)
    assert finished.confusion.sum() == len(test) == len(data.y_test)
    np.testing.assert_array_equal(finished.confusion.sum(axis=1), np.bincount(data.y_test, minlength=3))
    with torch.no_grad():
        out = outcome.built.model.eval()(test.x)
    predicted = out.argmax(dim=1)
    expected = np.zeros((3, 3), dtype=np.int64)
    for true, guess in zip(test.y.tolist(), predicted.tolist(), strict=True):
        expected[true, guess] += 1
    np.testing.assert_array_equal(finished.confusion, expected)
    assert finished.test_metrics["accuracy"] == pytest.approx(np.trace(expected) / len(test))
    assert finished.test_metrics["loss"] == pytest.approx(
        float(torch.nn.functional.cross_entropy(out, test.y)), rel=1e-5
    )


def test_finished_regression_metrics_match_a_manual_computation() -> None:
    doc = sine()
    outcome, _ = run(doc, epochs=2)
    finished = outcome.finished
    assert finished.confusion is None
    feed, _ = splits(doc)
    with torch.no_grad():
        predictions = outcome.built.model.eval()(feed.test.x).double()
    targets = feed.test.y.double()
    residual = float(((targets - predictions) ** 2).sum())
    spread = float(((targets - targets.mean()) ** 2).sum())
    assert finished.test_metrics["r2"] == pytest.approx(1 - residual / spread, rel=1e-6)
    assert finished.test_metrics["mae"] == pytest.approx(float((targets - predictions).abs().mean()))
    assert finished.test_metrics["loss"] == pytest.approx(residual / len(targets), rel=1e-5)


def test_without_a_test_split_the_final_metrics_use_the_validation_split() -> None:
    doc = blobs(samples=100, test=0.0, validation=0.3)
    outcome, _ = run(doc, epochs=1)
    feed, _ = splits(doc)
    assert feed.test is None
    assert outcome.finished.confusion.sum() == len(feed.val)
