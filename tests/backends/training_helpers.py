"""Small graphs and run helpers shared by the training-engine tests (test_training_*.py).

Every graph here trains in well under a second on the CPU. References for the tests
are computed independently: the data is loaded through `backends.data` and fed to a
freshly built model by hand, never read back from the engine under test.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from backends.data import load_dataset
from backends.module_builder import BuiltModel, build_model
from backends.training import events as ev
from backends.training.control import TrainingControl
from backends.training.data_feed import build_feed
from backends.training.loop import TrainingJob, TrainingOutcome, run_training
from nodes.analysis import analyze
from nodes.graph import GraphDocument
from nodes.training_plan import plan_training
from nodes.training_settings import TrainingSettings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"

Layer = tuple[str, dict[str, Any]]


def one_thread() -> Iterator[None]:
    """Run a test with one intra-op thread (each test module makes this an autouse fixture).

    These models are tiny and gain nothing from more threads, while on a busy machine torch's
    thread pool makes them 10-50 times slower; the suite's time should not depend on the load."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def chain(
    source: str,
    source_params: dict[str, Any],
    input_shape: Sequence[int],
    layers: Sequence[Layer],
    target: dict[str, Any],
    loss: str = "CrossEntropyLoss",
    optimizer: str = "SGD",
    optimizer_params: dict[str, Any] | None = None,
) -> GraphDocument:
    """data -> Input -> layers... -> loss <- Target <- data; loss -> optimizer."""
    doc = GraphDocument()
    data = doc.add_node(source, name="data", params=source_params)
    x = doc.add_node("Input", name="x", params={"shape": list(input_shape)})
    previous = x
    for index, (type_id, params) in enumerate(layers):
        node = doc.add_node(type_id, name=f"{type_id.lower()}{index}", params=params)
        doc.connect(previous.id, "out", node.id, "in")
        previous = node
    y = doc.add_node("Target", name="y", params=target)
    loss_node = doc.add_node(loss, name="loss")
    opt = doc.add_node(optimizer, name="opt", params=optimizer_params or {"lr": 0.1})
    doc.connect(data.id, "x", x.id, "data")
    doc.connect(data.id, "y", y.id, "data")
    doc.connect(previous.id, "out", loss_node.id, "prediction")
    doc.connect(y.id, "out", loss_node.id, "target")
    doc.connect(loss_node.id, "loss", opt.id, "loss")
    return doc


def blobs(
    samples: int = 120,
    hidden: int = 8,
    optimizer: str = "SGD",
    lr: float = 0.1,
    validation: float = 0.2,
    test: float = 0.2,
    **optimizer_params: Any,
) -> GraphDocument:
    """Three 2-D Gaussian clouds, classified by a one-hidden-layer MLP with CrossEntropyLoss."""
    return chain(
        "Blobs",
        {"samples": samples, "validation_fraction": validation, "test_fraction": test},
        [2],
        [("Linear", {"out_features": hidden}), ("ReLU", {}), ("Linear", {"out_features": 3})],
        {"shape": [], "dtype": "class index"},
        optimizer=optimizer,
        optimizer_params={"lr": lr, **optimizer_params},
    )


def sine(
    samples: int = 120, hidden: int = 8, optimizer: str = "SGD", lr: float = 0.05, **source: Any
) -> GraphDocument:
    """1-D regression of a sine wave with MSELoss."""
    return chain(
        "SineRegression",
        {"samples": samples, **source},
        [1],
        [("Linear", {"out_features": hidden}), ("Tanh", {}), ("Linear", {"out_features": 1})],
        {"shape": [1], "dtype": "float"},
        loss="MSELoss",
        optimizer=optimizer,
        optimizer_params={"lr": lr},
    )


def settings(**changes: Any) -> TrainingSettings:
    return TrainingSettings().replace(**{"device": "cpu", "epochs": 2, "batch_size": 16, **changes})


def run(
    doc: GraphDocument,
    control: TrainingControl | None = None,
    *,
    report_interval: float = 0.05,
    instrument: bool = True,
    views: bool = True,
    base_dir: Path | None = None,
    histogram_interval: float = 0.0,
    **changes: Any,
) -> tuple[TrainingOutcome, list[Any]]:
    events: list[Any] = []
    job = TrainingJob(
        doc=doc.copy(),
        settings=settings(**changes),
        base_dir=base_dir,
        report_interval=report_interval,
        instrument=instrument,
        views=views,
        histogram_interval=histogram_interval,
    )
    outcome = run_training(job, events.append, control)
    return outcome, events


def of_type(events: Sequence[Any], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def step_losses(events: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """All (steps, losses) reported by Progress events, in order."""
    progress = of_type(events, ev.Progress)
    if not progress:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate([p.steps for p in progress]), np.concatenate([p.losses for p in progress])


def state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def initial_state(doc: GraphDocument, **changes: Any) -> dict[str, torch.Tensor]:
    """The weights a run starts from: a run stopped before its first batch trains nothing."""
    control = TrainingControl()
    control.stop()
    outcome, _ = run(doc, control, **changes)
    assert outcome.finished is not None and outcome.finished.reason == "stopped"
    return state(outcome.built.model)


def state_after(doc: GraphDocument, steps: int, **changes: Any) -> dict[str, torch.Tensor]:
    """The weights after exactly `steps` optimizer steps of the same run (stopped there)."""
    control = TrainingControl()

    def on_event(event: Any) -> None:
        if isinstance(event, ev.Progress) and event.steps[-1] >= steps:
            control.stop()

    job = TrainingJob(doc=doc.copy(), settings=settings(**changes), report_interval=0.0)
    outcome = run_training(job, on_event, control)
    assert outcome.failed is None, outcome.failed
    return state(outcome.built.model)


def fresh_model(doc: GraphDocument, weights: dict[str, torch.Tensor]) -> BuiltModel:
    built = build_model(doc.copy())
    built.model.load_state_dict(weights)
    return built


def splits(doc: GraphDocument, base_dir: Path | None = None) -> Any:
    """The data as the engine feeds it: (train, val, test) Splits of tensors, plus the raw arrays."""
    analysis = analyze(doc)
    plan = plan_training(doc, analysis)
    source = doc.node(plan.source_id)
    data = load_dataset(source.type_id, dict(analysis.info[source.id].params or {}), base_dir)
    x_node, y_node = doc.node(plan.input_id), doc.node(plan.target_id)
    feed = build_feed(
        data,
        torch.device("cpu"),
        dict(analysis.info[x_node.id].params),
        x_node.name,
        dict(analysis.info[y_node.id].params),
        y_node.name,
    )
    return feed, data


def assert_same_state(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=0, atol=0, msg=f"tensor {name} differs")
