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
        self, timer: QTimer, fastest_ms: int = 40, slowest_ms: int = 200, budget: float | None = None
    ) -> None:
        self.timer, self.fastest_ms, self.slowest_ms = timer, fastest_ms, slowest_ms
        self.budget = default_budget() if budget is None else budget
        self._normal = (self.budget, slowest_ms)
        self.load = TrainerLoad()
        self.timer.setInterval(fastest_ms)
        self._wall: float | None = None
        self._cpu = 0.0

    def note_trainer_load(self, cores_used: float) -> None:
        """The training process's CPU use from a progress report (in cores)."""
        self.load.note(cores_used)
        full = self.load.full
        self.budget, self.slowest_ms = (
            (FULL_MACHINE_BUDGET, FULL_MACHINE_SLOWEST_MS) if full else self._normal
        )

    def forget_trainer_load(self) -> None:
        """No run (or a new one): back to the normal budget until reports say otherwise."""
        self.load.forget()
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
