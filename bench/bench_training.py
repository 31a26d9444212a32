"""Training-engine benchmarks, measured side by side in one run (ratios, not pass/fail).

1. The app's trainer (default instrumentation) against the plain loop every tutorial
   writes (TensorDataset + DataLoader, zero_grad/backward/step, a validation pass per
   epoch), same model, data, batch size and seed: training samples per second over the
   whole run (validation included on both sides), median of interleaved runs.
2. Instrumentation on against off in the app's trainer.
3. Stop latency: batches trained between asking the loop to stop and it stopping.

    python -m bench.bench_training [--runs 5] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial

import torch
from torch.utils.data import DataLoader, TensorDataset

from backends.data import load_dataset
from backends.module_builder import build_model
from backends.training.control import TrainingControl
from backends.training.loop import TrainingJob, run_training
from nodes.graph import GraphDocument
from nodes.training_settings import TrainingSettings

Layers = list[tuple[str, dict]]


def graph(name: str, data: tuple[str, dict], x_shape: list[int], body: Layers) -> GraphDocument:
    doc = GraphDocument(name)
    source = doc.add_node(data[0], name="data", params=data[1])
    x = doc.add_node("Input", name="x", params={"shape": x_shape})
    doc.connect(source.id, "x", x.id, "data")
    previous = x.id
    for type_id, params in body:
        node = doc.add_node(type_id, params=params)
        doc.connect(previous, "out", node.id, "in")
        previous = node.id
    y = doc.add_node("Target", name="y", params={"shape": [], "dtype": "class index"})
    doc.connect(source.id, "y", y.id, "data")
    loss = doc.add_node("CrossEntropyLoss", name="loss")
    doc.connect(previous, "out", loss.id, "prediction")
    doc.connect(y.id, "out", loss.id, "target")
    optimizer = doc.add_node("Adam", name="optimizer", params={"lr": 0.001})
    doc.connect(loss.id, "loss", optimizer.id, "loss")
    return doc


def mlp() -> GraphDocument:
    hidden = [("Linear", {"out_features": 256}), ("ReLU", {})] * 2
    return graph("MLP", ("Spirals", {"samples": 4000}), [2], [*hidden, ("Linear", {"out_features": 2})])


def cnn() -> GraphDocument:
    body = [
        ("Conv2d", {"out_channels": 64, "kernel_size": 3, "padding": 1}),
        ("ReLU", {}),
        ("Conv2d", {"out_channels": 128, "kernel_size": 3, "padding": 1}),
        ("ReLU", {}),
        ("MaxPool2d", {"kernel_size": 2}),
        ("Flatten", {}),
        ("Linear", {"out_features": 10}),
    ]
    return graph("CNN", ("Digits", {}), [1, 8, 8], body)


def app_run(doc: GraphDocument, settings: TrainingSettings, instrument: bool = True) -> float:
    """Samples per second over the training loop (the trainer's own timing excludes setup)."""
    outcome = run_training(TrainingJob(doc, settings, instrument=instrument), lambda event: None)
    assert outcome.failed is None, outcome.failed
    last = outcome.history[-1]
    return last.samples_per_second


def plain_run(doc: GraphDocument, settings: TrainingSettings) -> float:
    """The loop tutorials write, with the generated model and the same data."""
    source = doc.find_by_name("data")
    splits = load_dataset(source.type_id, source.params)
    torch.manual_seed(settings.seed)
    built = build_model(doc)
    model, loss_fn = built.model, built.make_loss()
    optimizer = built.make_optimizer(model)
    data = TensorDataset(torch.as_tensor(splits.x_train), torch.as_tensor(splits.y_train))
    shuffle = torch.Generator().manual_seed(settings.seed)
    loader = DataLoader(data, batch_size=settings.batch_size, shuffle=True, generator=shuffle)
    x_val, y_val = torch.as_tensor(splits.x_val), torch.as_tensor(splits.y_val)
    started, seen = time.perf_counter(), 0
    for _ in range(settings.epochs):
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            seen += len(x)
        model.eval()  # the validation pass every tutorial loop makes after each epoch
        with torch.no_grad():
            float(loss_fn(model(x_val), y_val))
    return seen / (time.perf_counter() - started)


def median_ratio(
    a: Callable[[], float], b: Callable[[], float], runs: int
) -> tuple[float, float, float, str]:
    """Medians of a and b, the median of the paired ratios, and the ratios' range.

    Runs are interleaved and each a is divided by the b run right after it, so the slow
    drifts of a shared machine hit both sides of each ratio alike.
    """
    a(), b()  # warm-up: first calls pay for imports, allocations and thread pools
    first, second = [], []
    for _ in range(runs):
        first.append(a())
        second.append(b())
    ratios = sorted(x / y for x, y in zip(first, second, strict=True))
    spread = f"{ratios[0]:.2f}-{ratios[-1]:.2f}"
    return statistics.median(first), statistics.median(second), statistics.median(ratios), spread


class _StopAfter:
    """Asks the loop to stop once it has reported `step`, and records what came after."""

    def __init__(self, control: TrainingControl, step: int) -> None:
        self.control, self.step = control, step
        self.requested_at: int | None = None
        self.last_step = 0

    def __call__(self, event: object) -> None:
        steps = getattr(event, "steps", None)
        if steps is None or not len(steps):
            return
        self.last_step = int(steps[-1])
        if self.requested_at is None and self.last_step >= self.step:
            self.requested_at = self.last_step
            self.control.stop()


def stop_latency(doc: GraphDocument, settings: TrainingSettings, trials: int) -> list[int]:
    """Batches trained after the stop request (0 means the very next poll stopped it)."""
    results = []
    for _ in range(trials):
        control = TrainingControl()
        watcher = _StopAfter(control, step=30)
        outcome = run_training(TrainingJob(doc, settings, report_interval=0.0), watcher, control)
        assert outcome.finished is not None and outcome.finished.reason == "stopped"
        assert watcher.requested_at is not None
        results.append(watcher.last_step - watcher.requested_at)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="fewer epochs (for a smoke run)")
    args = parser.parse_args()
    cases = [("MLP", mlp(), 64, 6), ("CNN", cnn(), 128, 6)]
    threads = torch.get_num_threads()
    print(f"torch {torch.__version__}, {threads} threads, median of {args.runs} interleaved runs\n")
    header = f"{'model':<5} {'comparison':<22} {'a (samples/s)':>14} {'b (samples/s)':>14} {'ratio':>7}"
    print(f"{header} {'range':>10}  target")
    for name, doc, batch, epochs in cases:
        settings = TrainingSettings(epochs=1 if args.quick else epochs, batch_size=batch, seed=0)
        app, plain, ratio, spread = median_ratio(
            partial(app_run, doc, settings), partial(plain_run, doc, settings), args.runs
        )
        row = f"{name:<5} {'app / plain loop':<22} {app:>14,.0f} {plain:>14,.0f} {ratio:>6.2f}x"
        print(f"{row} {spread:>10}  >= 1.00x")
        on, off, ratio, spread = median_ratio(
            partial(app_run, doc, settings, True), partial(app_run, doc, settings, False), args.runs
        )
        goal = ">= 0.95x" if name == "CNN" else ">= 0.85x"
        row = f"{name:<5} {'instrumented / bare':<22} {on:>14,.0f} {off:>14,.0f} {ratio:>6.2f}x"
        print(f"{row} {spread:>10}  {goal}")
    latency = stop_latency(mlp(), TrainingSettings(epochs=50, batch_size=64), trials=5)
    print(f"\nstop latency (batches after the request, 5 trials): {latency}  target: <= 1")


if __name__ == "__main__":
    main()
