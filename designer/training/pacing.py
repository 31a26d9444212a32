"""Frame pacing for live plots: redraw as often as the GUI thread can afford, no more.

A fixed 25 Hz is smooth on a fast machine, but on a slow one (or with a big window)
drawing can eat the GUI thread, and with it the CPU the training process needs. The
pacer measures the GUI thread's CPU time between frames and stretches the interval
until drawing and event handling stay within a budget.

The budget is a share of the whole machine: the training process keeps every core busy
with a model big enough to use them, and on 2 cores each 1 % of a core the window takes
costs about 1 % of training speed (bench_gui; a waiting torch thread stalls its partner).
"""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QTimer

MACHINE_SHARE = 0.05  # of all cores together
BUDGET_RANGE = (0.1, 0.25)  # of one core: smooth enough on 2 cores, no more than needed on many


def default_budget(cores: int | None = None) -> float:
    """The GUI thread's CPU budget (in cores) on a machine with `cores` cores."""
    if cores is None:  # the cores this process may run on (a container may allow fewer)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    share = MACHINE_SHARE * cores
    return min(max(share, BUDGET_RANGE[0]), BUDGET_RANGE[1])


class FramePacer:
    def __init__(
        self, timer: QTimer, fastest_ms: int = 40, slowest_ms: int = 200, budget: float | None = None
    ) -> None:
        self.timer, self.fastest_ms, self.slowest_ms = timer, fastest_ms, slowest_ms
        self.budget = default_budget() if budget is None else budget
        self.timer.setInterval(fastest_ms)
        self._wall: float | None = None
        self._cpu = 0.0

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
