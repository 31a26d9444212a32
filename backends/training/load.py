"""How much of the machine a run leaves free, read from its own progress reports.

When the training process keeps (nearly) every core busy, as a big enough model does on
the CPU, whatever else runs takes its CPU from training at two to three times its size:
a torch thread that loses its core holds up its partner at the next parallel step (on
2 cores a load of 5-10 % of one core slowed a widened CNN by 2-30 %, bench_pacing). The
window and the training process's event sender then do less, less often. No torch, no Qt.
"""

from __future__ import annotations

import os

SPARE_CORES = 0.5  # the run leaves less than this free: the machine is full
SMOOTHING = 0.3  # weight of the newest report: one busy tenth of a second is not a full machine


def usable_cores() -> int:
    """The cores this process may run on (a container may allow fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class TrainerLoad:
    def __init__(self, cores: int | None = None) -> None:
        self.cores = usable_cores() if cores is None else cores
        self.cores_used: float | None = None  # smoothed; None before the first report

    def note(self, cores_used: float) -> None:
        """One report's CPU use (Progress.cpu_cores)."""
        if self.cores_used is None:
            self.cores_used = cores_used
        else:
            self.cores_used += SMOOTHING * (cores_used - self.cores_used)

    def forget(self) -> None:
        """A new run, or none: nothing is known until its first report."""
        self.cores_used = None

    @property
    def full(self) -> bool:
        return self.cores_used is not None and self.cores - self.cores_used < SPARE_CORES
