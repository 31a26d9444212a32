"""How much of the machine a run leaves free, read from its own progress reports.

When the training process keeps (nearly) every core busy, as a big enough model does on
the CPU, whatever else runs takes its CPU from training at two to three times its size:
a torch thread that loses its core holds up its partner at the next parallel step (on
2 cores a load of 5-10 % of one core slowed a widened CNN by 2-30 %, bench_pacing). The
window then does less, less often. No torch, no Qt.

"Full" compares the run's CPU use with the cores this process may run on (its affinity).
It does not see a CPU quota (a container limited to 2 of 64 cores never looks full) nor
other busy programs; on a single core every run is full, which is right: the window can
only take its CPU from training there.
"""

from __future__ import annotations

import os

SPARE_CORES = 0.5  # the run leaves less than this free: the machine is full
SMOOTHING = 0.3  # weight of the newest report: a few busy tenths of a second make a full machine


def usable_cores() -> int:
    """The cores this process may run on (a container may allow fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class TrainerLoad:
    def __init__(self, cores: int | None = None) -> None:
        self.cores = usable_cores() if cores is None else cores
        self.cores_used: float | None = None  # smoothed; None before the first report

    def note(self, cores_used: float) -> None:
        """One report's CPU use (Progress.cores_used). The average starts from nothing, so a
        busy first report (a warm-up) alone does not make the machine full."""
        self.cores_used = (self.cores_used or 0.0) + SMOOTHING * (cores_used - (self.cores_used or 0.0))

    def forget(self) -> None:
        """A new run, a pause or the end: nothing is known until the next report."""
        self.cores_used = None

    @property
    def full(self) -> bool:
        return self.cores_used is not None and self.cores - self.cores_used < SPARE_CORES
