"""Thread-safe requests from the outside (stop, pause, resume, a new learning rate).

The training loop polls these once per batch, so each takes effect within one batch.
"""

from __future__ import annotations

import threading
import time


class TrainingControl:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._lock = threading.Lock()
        self._learning_rate: float | None = None
        self.stop_requested_at: float | None = None

    def stop(self) -> None:
        if not self._stop.is_set():
            self.stop_requested_at = time.perf_counter()
        self._stop.set()
        self._running.set()  # a paused loop must wake up to notice

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def set_learning_rate(self, value: float) -> None:
        if not value > 0:
            raise ValueError(f"learning rate must be greater than 0, got {value}")
        with self._lock:
            self._learning_rate = float(value)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self, timeout: float = 0.1) -> None:
        self._running.wait(timeout)

    def take_learning_rate(self) -> float | None:
        with self._lock:
            value, self._learning_rate = self._learning_rate, None
        return value
