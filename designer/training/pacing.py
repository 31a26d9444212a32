"""Frame pacing for live plots: redraw as often as the GUI thread can afford, no more.

A fixed 25 Hz is smooth on a fast machine, but on a slow one (or with a big window)
drawing can eat the GUI thread, and, through the GIL, the training thread too. The
pacer measures the GUI thread's CPU time between frames and stretches the interval
until drawing and event handling stay within a budget.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer


class FramePacer:
    def __init__(
        self, timer: QTimer, fastest_ms: int = 40, slowest_ms: int = 200, budget: float = 0.2
    ) -> None:
        self.timer, self.fastest_ms, self.slowest_ms, self.budget = timer, fastest_ms, slowest_ms, budget
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
