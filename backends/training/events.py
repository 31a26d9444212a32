"""What a training run reports, as plain dataclasses of numbers and small numpy arrays.

Consumers (the command line, the window, tests) get these through one callback; the
run aggregates so that a consumer sees a few dozen events a second at most.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Seconds between Progress events unless a run asks otherwise: each carries every step's
# loss since the last, so the curves lose nothing, and 10 a second keep a live plot
# moving while costing the trainer and the window little (bench_gui).
REPORT_INTERVAL = 0.1


@dataclass
class RunStarted:
    device: str
    epochs: int
    steps_per_epoch: int
    train_samples: int
    layer_names: list[str]
    task: str  # "classification" or "regression"
    num_classes: int | None
    class_names: list[str]
    trainable_parameters: int
    notes: list[str] = field(default_factory=list)  # from data preparation


@dataclass
class Progress:
    """Steps since the last report, with per-step values as arrays."""

    epoch: int  # 1-based
    steps: np.ndarray  # global step numbers (1-based)
    losses: np.ndarray
    grad_norms: dict[str, np.ndarray]  # layer -> per-step gradient norm
    weight_norms: dict[str, float]  # layer -> latest weight norm
    learning_rate: float
    samples_per_second: float
    eta_seconds: float
    fraction_done: float
    # CPU the training process used per second since the last report, all its threads
    # together (2.0: two cores kept busy). The window draws less when little is left over.
    cores_used: float = 0.0


@dataclass
class EpochEnd:
    epoch: int
    train_loss: float
    val_loss: float | None
    val_metrics: dict[str, float]  # accuracy, or r2 and mae
    learning_rate: float
    samples_per_second: float
    elapsed_seconds: float
    eta_seconds: float
    best_epoch: int


@dataclass
class Histograms:
    step: int
    # layer -> (weight counts, weight bin edges, gradient counts, gradient bin edges)
    layers: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


@dataclass
class DecisionBoundary:
    """The model evaluated on a grid over 2-D inputs, for a picture of its decisions."""

    epoch: int
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    classes: np.ndarray  # (rows, cols) predicted class per cell, rows follow y
    confidence: np.ndarray  # (rows, cols) probability of that class
    points: np.ndarray  # (n, 2) training inputs, in the model's input space
    labels: np.ndarray  # (n,) their classes


@dataclass
class RegressionCurve:
    """The model evaluated along a line, for 1-D regression data."""

    epoch: int
    xs: np.ndarray
    predictions: np.ndarray
    points: np.ndarray
    targets: np.ndarray


@dataclass
class Paused:
    step: int


@dataclass
class Resumed:
    step: int
    learning_rate: float


@dataclass
class Finished:
    reason: str  # "completed", "stopped" or "early stopping"
    epochs_run: int
    best_epoch: int
    test_metrics: dict[str, float]
    confusion: np.ndarray | None  # rows: true class, columns: predicted
    class_names: list[str]
    elapsed_seconds: float
    split: str = "test"  # which split test_metrics describe: "test", "validation" or "training"
    samples: int = 0  # how many samples that split holds
    advice: str = ""  # what to try next (advice.run_advice), or ""


@dataclass
class Failed:
    """Training could not go on; the weights are the last good ones.

    `step` is the training step at fault (1-based), None when the failure came outside a step
    (setting up, or evaluating between epochs); `steps_kept` is how many steps' updates the
    weights hold.
    """

    message: str
    hint: str = ""
    step: int | None = None
    kind: str = "error"  # "nan", "out_of_memory", "data", "graph" or "error"
    steps_kept: int = 0


Event = (
    RunStarted
    | Progress
    | EpochEnd
    | Histograms
    | DecisionBoundary
    | RegressionCurve
    | Paused
    | Resumed
    | Finished
    | Failed
)


# Events the window must see at once: a run's start, pause, resume and end.
PROMPT_EVENTS = (RunStarted, Paused, Resumed, Finished, Failed)
