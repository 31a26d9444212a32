"""How a project trains: the settings that belong to a run rather than to one node.

Declared with the same Param types as node parameters, so the training panel, the
command line and project files validate them one way. Hyperparameters that belong
to a node (learning rate, momentum, weight decay, dropout) stay on that node.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from nodes.params import BoolParam, ChoiceParam, FloatParam, IntParam, Param, ParamError

SCHEDULES = ("none", "step", "cosine", "plateau")
DEVICES = ("auto", "cpu", "cuda", "mps")

TRAINING_PARAMS: tuple[Param, ...] = (
    IntParam(name="epochs", default=50, minimum=1, maximum=100_000, help="passes over the training data"),
    IntParam(
        name="batch_size",
        default=32,
        minimum=0,
        maximum=1_000_000,
        help="samples per step; 0 uses the whole training set (plain gradient descent)",
    ),
    IntParam(name="seed", default=0, minimum=0, maximum=2**31 - 1, help="same seed, same run on the CPU"),
    ChoiceParam(
        name="device", default="auto", choices=DEVICES, help="auto picks CUDA, then Apple MPS, then CPU"
    ),
    BoolParam(name="mixed_precision", default=False, help="float16 autocast on CUDA; ignored elsewhere"),
    ChoiceParam(name="schedule", default="none", choices=SCHEDULES, help="how the learning rate changes"),
    IntParam(
        name="step_size", default=10, minimum=1, maximum=100_000, help="epochs between steps (step schedule)"
    ),
    FloatParam(
        name="gamma",
        default=0.5,
        minimum=0.0,
        maximum=1.0,
        min_exclusive=True,
        help="factor for step and plateau",
    ),
    IntParam(
        name="plateau_patience", default=5, minimum=0, maximum=10_000, help="epochs without improvement"
    ),
    BoolParam(name="early_stopping", default=False, help="stop when validation loss stops improving"),
    IntParam(name="patience", default=10, minimum=1, maximum=100_000, help="epochs to wait (early stopping)"),
    FloatParam(
        name="grad_clip", default=0.0, minimum=0.0, maximum=1e6, help="max gradient norm; 0 turns it off"
    ),
    FloatParam(name="l1", default=0.0, minimum=0.0, maximum=10.0, help="L1 penalty on the weights"),
    IntParam(
        name="histogram_every",
        default=50,
        minimum=1,
        maximum=1_000_000,
        help="steps between weight histograms",
    ),
)


class TrainingSettingsError(ValueError):
    pass


@dataclass
class TrainingSettings:
    epochs: int = 50
    batch_size: int = 32
    seed: int = 0
    device: str = "auto"
    mixed_precision: bool = False
    schedule: str = "none"
    step_size: int = 10
    gamma: float = 0.5
    plateau_patience: int = 5
    early_stopping: bool = False
    patience: int = 10
    grad_clip: float = 0.0
    l1: float = 0.0
    histogram_every: int = 50

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> TrainingSettings:
        """Validate a project's "training" settings; the error names the setting."""
        data = dict(data or {})
        known = {p.name: p for p in TRAINING_PARAMS}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise TrainingSettingsError(f"unknown training setting {unknown[0]!r}")
        values: dict[str, Any] = {}
        for name, param in known.items():
            try:
                values[name] = param.coerce(data.get(name, param.default))
            except ParamError as exc:
                raise TrainingSettingsError(f"training setting {exc}") from None
        return cls(**values)

    @staticmethod
    def salvage(data: dict[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
        """The valid entries of a project's "training" settings, and one message per entry
        left out: unknown, or a value its declaration refuses (from_dict raises on the first)."""
        known = {p.name: p for p in TRAINING_PARAMS}
        kept: dict[str, Any] = {}
        problems: list[str] = []
        for name, value in (data or {}).items():
            param = known.get(name)
            if param is None:
                problems.append(f"unknown training setting {name!r}")
                continue
            try:
                kept[name] = param.coerce(value)
            except ParamError as exc:
                problems.append(f"training setting {exc}")
        return kept, problems

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def replace(self, **changes: Any) -> TrainingSettings:
        return TrainingSettings.from_dict({**self.to_dict(), **changes})
