"""Frame pacing for live plots: redraw as often as the GUI thread can afford, no more.

A fixed 25 Hz is smooth on a fast machine, but on a slow one (or with a big window)
drawing can eat the GUI thread, and with it the CPU the training process needs. The
pacer measures the GUI thread's CPU time between frames and stretches the interval
until drawing and event handling stay within a budget.

The budget is a share of the whole machine, and much smaller while the run keeps the
machine full (backends/training/load.py says why): about one frame a second instead of
five to twenty-five.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from backends.training.load import TrainerLoad, usable_cores

MACHINE_SHARE = 0.05  # of all cores together
BUDGET_RANGE = (0.1, 0.25)  # of one core: smooth enough on 2 cores, no more than needed on many
FULL_MACHINE_BUDGET = 0.03  # of one core, event handling included (bench_pacing: the window 0.04 in all)
FULL_MACHINE_SLOWEST_MS = 1000


def default_budget(cores: int | None = None) -> float:
    """The GUI thread's CPU budget (in cores) on a machine with `cores` cores."""
    share = MACHINE_SHARE * (usable_cores() if cores is None else cores)
    return min(max(share, BUDGET_RANGE[0]), BUDGET_RANGE[1])


class FramePacer:
    def __init__(
        self,
        timer: QTimer,
        fastest_ms: int = 40,
        slowest_ms: int = 200,
        budget: float | None = None,
        load: TrainerLoad | None = None,
    ) -> None:
        self.timer, self.fastest_ms = timer, fastest_ms
        self.normal_budget = default_budget() if budget is None else budget
        self.normal_slowest_ms = slowest_ms
        self.load = load  # the run's, kept by whoever reads its reports (the runner)
        self.timer.setInterval(fastest_ms)
        self._wall: float | None = None
        self._cpu = 0.0

    @property
    def machine_full(self) -> bool:
        return self.load is not None and self.load.full

    @property
    def budget(self) -> float:
        return FULL_MACHINE_BUDGET if self.machine_full else self.normal_budget

    @property
    def slowest_ms(self) -> int:
        return FULL_MACHINE_SLOWEST_MS if self.machine_full else self.normal_slowest_ms

    def hurry(self) -> None:
        """The next frame within the normal pace (say, the last of a run)."""
        if self.timer.interval() > self.normal_slowest_ms:
            self.timer.setInterval(self.normal_slowest_ms)

    @property
    def interval_ms(self) -> int:
        return self.timer.interval()

    def tick(self) -> None:
        """Call at the start of each frame: adapts the interval to the last frame's cost."""
        wall, cpu = time.perf_counter(), time.thread_time()
        if self._wall is not None and wall > self._wall:
            busy = (cpu - self._cpu) / (wall - self._wall)
            interval = min(self.timer.interval(), self.slowest_ms)  # (the machine may have freed up)
            if busy > self.budget:
                interval = min(self.slowest_ms, round(interval * 1.5))
            elif busy < self.budget / 2:
                interval = max(self.fastest_ms, round(interval / 1.25))
            self.timer.setInterval(interval)
        self._wall, self._cpu = wall, cpu

    def pause(self) -> None:
        """The timer stopped: the idle gap before the next start says nothing about cost."""
        self._wall = None
