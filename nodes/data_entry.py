"""How a data set's outputs enter a graph: x through an Input, y through a Target.

The Input says what one sample looks like (it becomes an argument of the model's
forward()); the Target holds the answers a loss compares against. A wire from a data
set straight into a layer or a loss skips that node: the analysis names the missing
node, and the designer inserts one configured from the data set's shapes.
"""

from __future__ import annotations

from typing import Any

from nodes.catalog.data import INPUT_FLOAT, TARGET_CLASS, TARGET_FLOAT
from nodes.shapes import Shape
from nodes.spec import NodeSpec, Role

ENTRY_PORT = "data"  # the Input's and the Target's port for a data set's wire
_ENTRY_TYPES = {"x": "Input", "y": "Target"}
_ENTRY_ROLES = (Role.INPUT, Role.TARGET)


def needs_entry(source: NodeSpec, target: NodeSpec) -> bool:
    """Whether a wire from `source` into `target` skips an Input or a Target."""
    return source.role is Role.SOURCE and target.role not in _ENTRY_ROLES


def entry_type(source_port: str) -> str:
    """The node a data set's output enters through: the features (x) an Input, the answers (y) a Target."""
    return _ENTRY_TYPES.get(source_port, "Input")


def entry_params(source_port: str, shape: Shape | None) -> dict[str, Any]:
    """Parameters that make the entry node agree with the data set's `shape` (batch first);
    none (the defaults) when the shape is unknown, e.g. an unreadable data file."""
    if shape is None:
        return {}
    sample = tuple(shape[1:])
    if entry_type(source_port) == "Input":
        return {"shape": sample, "dtype": INPUT_FLOAT}
    # Class labels are one whole number per sample; anything with columns is real-valued.
    return {"shape": sample, "dtype": TARGET_CLASS if sample == () else TARGET_FLOAT}


def _an(kind: str) -> str:
    return f"an {kind}" if kind == "Input" else f"a {kind}"


def missing_entry_message(source: str, source_port: str, target: str) -> str:
    """Why a wire from a data set (named `source`) into `target` is an error, and the fix."""
    kind = entry_type(source_port)
    what = "the features" if kind == "Input" else "the answers"
    return (
        f"{source} feeds {target} directly; a data set's {source_port} ({what}) enters through "
        f"{_an(kind)} node: drop {_an(kind)} onto this wire"
    )


def through_entry_message(source: str, entry: str, target: str, source_port: str) -> str:
    """What the designer did when it put an entry node (named `entry`) in between."""
    kind = entry_type(source_port)
    return (
        f"Wired '{source}' to '{target}' through {kind} '{entry}': a data set's {source_port} "
        f"enters the network through {_an(kind)}"
    )


def answers_misplaced(source_port: str, target: NodeSpec) -> bool:
    """Whether a data set's answers (y) are being wired anywhere but into a loss."""
    return entry_type(source_port) == "Target" and target.role is not Role.LOSS


def misplaced_answers_message(source: str, target: str) -> str:
    return (
        f"The y of {source} holds the answers the network should learn to give: it feeds a "
        f"loss's target (through a Target), not {target}"
    )
