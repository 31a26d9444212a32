"""A one-step progress report, as the engine sends it, for tests of what the window does with it."""

from __future__ import annotations

import numpy as np

from backends.training import events as ev


def progress(epoch: int = 1, fraction: float = 0.1, step: int = 1, cores_used: float = 0.0) -> ev.Progress:
    return ev.Progress(
        epoch=epoch,
        steps=np.array([step]),
        losses=np.array([0.5]),
        grad_norms={},
        weight_norms={},
        learning_rate=0.01,
        samples_per_second=1000.0,
        eta_seconds=5.0,
        fraction_done=fraction,
        cores_used=cores_used,
    )
