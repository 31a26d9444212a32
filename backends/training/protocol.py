"""Messages between the window's process and its training process, and how they are framed.

Each message is a tuple whose first item names it, pickled onto a pipe that only these
two processes share (never a file, never the network). No torch and no Qt: both sides
import it.

Window to trainer:
    ("probe",)                          -> ("devices", [names])
    ("train", TrainRequest)             -> ("events", [event, ...]) ... ("done", RunSummary)
    ("stop",) ("pause",) ("resume",) ("lr", value)     take effect within one batch
    ("save", path, metadata, number)    -> ("saved", path, error message or None, number)
    ("quit",)
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from backends.training.events import REPORT_INTERVAL, EpochEnd, Failed, Finished


@dataclass
class TrainRequest:
    project: dict[str, Any]  # nodes.project.to_dict of the snapshot to train
    settings: dict[str, Any]  # TrainingSettings.to_dict
    base_dir: str | None  # where relative data paths are resolved
    report_interval: float = REPORT_INTERVAL
    instrument: bool = True
    views: bool = True


@dataclass
class RunSummary:
    """What a finished run leaves for the window; the weights stay in the training process."""

    finished: Finished | None = None
    failed: Failed | None = None
    history: list[EpochEnd] = field(default_factory=list)
    weights_available: bool = False  # a trained model is there to save


def write_message(stream: BinaryIO, message: tuple[Any, ...]) -> None:
    pickle.dump(message, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()


class ProtocolError(Exception):
    """The pipe carried something that is not one of our messages."""


def read_message(stream: BinaryIO) -> tuple[Any, ...] | None:
    """The next message, or None when the other side has gone (end of the pipe).

    Raises ProtocolError for bytes that are not a message: nothing after them can be trusted.
    """
    try:
        message = pickle.load(stream)
    except (EOFError, OSError):
        return None
    except Exception as exc:  # pickle raises many kinds for bytes it cannot read
        raise ProtocolError(f"unreadable message ({type(exc).__name__}: {exc})") from None
    if not (isinstance(message, tuple) and message):
        raise ProtocolError(f"not a message: {type(message).__name__}")
    return message
