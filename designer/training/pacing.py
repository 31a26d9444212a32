"""Frame pacing for live plots: redraw as often as the GUI thread can afford, no more.

A fixed 25 Hz is smooth on a fast machine, but on a slow one (or with a big window)
drawing can eat the GUI thread, and with it the CPU the training process needs. The
pacer measures the GUI thread's CPU time between frames and stretches the interval
until drawing and event handling stay within a budget.

The budget is a share of the whole machine. When the training process keeps (nearly)
every core busy, as a big enough model does, the window's CPU comes out of training at a
high rate: on 2 cores a load of 5-10 % of one core slowed a widened CNN by 2-30 % (a
preempted torch thread stalls its partner). So the pacer learns the trainer's CPU use
from its progress reports and, while fewer than SPARE_CORES are left over, holds the
plots to a much smaller budget: about one frame a second instead of five to twenty-five.
"""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QTimer

MACHINE_SHARE = 0.05  # of all cores together
BUDGET_RANGE = (0.1, 0.25)  # of one core: smooth enough on 2 cores, no more than needed on many
SPARE_CORES = 0.5  # the trainer leaves less than this: the machine is full
FULL_MACHINE_BUDGET = 0.03  # of one core, event handling included (bench_gui: about 0.045 in all)
FULL_MACHINE_SLOWEST_MS = 1000
LOAD_SMOOTHING = 0.3  # weight of the newest report: one busy 0.1 s is not a full machine


def usable_cores() -> int:
    """The cores this process may run on (a container may allow fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def default_budget(cores: int | None = None) -> float:
    """The GUI thread's CPU budget (in cores) on a machine with `cores` cores."""
    share = MACHINE_SHARE * (usable_cores() if cores is None else cores)
    return min(max(share, BUDGET_RANGE[0]), BUDGET_RANGE[1])


class FramePacer:
    def __init__(
        self, timer: QTimer, fastest_ms: int = 40, slowest_ms: int = 200, budget: float | None = None
    ) -> None:
        self.timer, self.fastest_ms, self.slowest_ms = timer, fastest_ms, slowest_ms
        self.budget = default_budget() if budget is None else budget
        self._normal = (self.budget, slowest_ms)
        self.cores = usable_cores()
        self.trainer_load: float | None = None  # cores the trainer uses, smoothed
        self.timer.setInterval(fastest_ms)
        self._wall: float | None = None
        self._cpu = 0.0

    @property
    def machine_full(self) -> bool:
        return self.trainer_load is not None and self.cores - self.trainer_load < SPARE_CORES

    def note_trainer_load(self, cores_used: float) -> None:
        """The training process's CPU use from a progress report (in cores)."""
        if self.trainer_load is None:
            self.trainer_load = cores_used
        else:
            self.trainer_load += LOAD_SMOOTHING * (cores_used - self.trainer_load)
        if self.machine_full:
            self.budget, self.slowest_ms = FULL_MACHINE_BUDGET, FULL_MACHINE_SLOWEST_MS
        else:
            self.budget, self.slowest_ms = self._normal

    def forget_trainer_load(self) -> None:
        """No run (or a new one): back to the normal budget until reports say otherwise."""
        self.trainer_load = None
        self.budget, self.slowest_ms = self._normal
        self.timer.setInterval(min(self.timer.interval(), self.slowest_ms))

    @property
    def interval_ms(self) -> int:
        return self.timer.interval()

    def tick(self) -> None:
        """Call at the start of each frame: adapts the interval to the last frame's cost."""
        wall, cpu = time.perf_counter(), time.thread_time()
        if self._wall is not None and wall > self._wall:
            busy = (cpu - self._cpu) / (wall - self._wall)
            interval = self.timer.interval()
            if busy > self.budget:
                interval = min(self.slowest_ms, round(interval * 1.5))
            elif busy < self.budget / 2:
                interval = max(self.fastest_ms, round(interval / 1.25))
            self.timer.setInterval(interval)
        self._wall, self._cpu = wall, cpu

    def pause(self) -> None:
        """The timer stopped: the idle gap before the next start says nothing about cost."""
        self._wall = None
