"""The window's side of the training process: start it, send requests, read its messages.

No Qt and no torch here; the designer wraps it (designer/training/worker.py). Messages
arrive on a reader thread and go to the `on_message` callback, which must be safe to
call from any thread. When the process ends, for any reason, the callback gets
("exited", exit code).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backends.training.protocol import ProtocolError, read_message, write_message

ROOT = Path(__file__).resolve().parents[2]  # the folder holding the backends and nodes packages
# -P (Python 3.11+): the working folder is not put on the child's sys.path, so a backends/ or
# torch.py there cannot shadow ours; PYTHONPATH still names the folder that holds the packages.
SAFE_PATH = ["-P"] if sys.version_info >= (3, 11) else []


class TrainingProcess:
    def __init__(self, on_message: Callable[[tuple[Any, ...]], None]) -> None:
        self.on_message = on_message
        self._send_lock = threading.Lock()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        self.process = subprocess.Popen(
            [sys.executable, *SAFE_PATH, "-m", "backends.training.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,  # the window's working folder too: unsaved projects resolve data paths there
        )
        self._reader = threading.Thread(target=self._read, name="netcanvas-trainer-reader", daemon=True)
        self._reader.start()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, message: tuple[Any, ...]) -> bool:
        """False when the process is gone (its end is reported through on_message)."""
        stdin = self.process.stdin
        if stdin is None:
            return False
        try:
            with self._send_lock:
                write_message(stdin, message)
        except (BrokenPipeError, OSError, ValueError):  # ValueError: the pipe was closed here
            return False
        return True

    def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while (message := read_message(stdout)) is not None:
                self.on_message(message)
        except ProtocolError:  # nothing after garbage can be trusted: end the process
            self.process.kill()
        self.on_message(("exited", self.process.wait()))

    def close(self, timeout: float = 10.0) -> bool:
        """Ask the process to end (stopping any run), then end it; True when it ended in time."""
        self.send(("stop",))
        self.send(("quit",))
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return False
        return True
