"""What changed between two training runs, in words: "lr 0.01 → 0.001, fc1.out_features 64 → 128".

Pure Python (no Qt, no torch): a run's setup is captured from its graph snapshot and
settings, and two setups are compared node by node (matched by id, so a rename is a
rename and not a removal plus an addition).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nodes import registry
from nodes.graph import GraphDocument
from nodes.spec import Role
from nodes.training_settings import TrainingSettings

ARROW = "→"


@dataclass(frozen=True)
class NodeSetup:
    name: str
    type_id: str
    params: dict[str, Any]
    optimizer: bool = False  # its parameters (lr, momentum) read without the node's name


@dataclass(frozen=True)
class RunSetup:
    settings: dict[str, Any]
    nodes: dict[str, NodeSetup]  # node id -> setup, in creation order
    wires: frozenset[tuple[str, str, str, str]] = field(default_factory=frozenset)


def setup_of(doc: GraphDocument, settings: TrainingSettings) -> RunSetup:
    """Capture what a run was trained with (positions are not part of it)."""
    nodes = {}
    for node in sorted(doc.nodes(), key=lambda n: _creation_order(n.id)):
        spec = registry.get(node.type_id) if registry.exists(node.type_id) else None
        nodes[node.id] = NodeSetup(
            node.name,
            node.type_id,
            dict(node.params),
            optimizer=spec is not None and spec.role is Role.OPTIMIZER,
        )
    wires = frozenset((e.source, e.source_port, e.target, e.target_port) for e in doc.edges())
    return RunSetup(settings.to_dict(), nodes, wires)


def _creation_order(node_id: str) -> tuple[int, str]:
    digits = "".join(ch for ch in node_id if ch.isdigit())
    return (int(digits) if digits else 0, node_id)


def show(value: Any) -> str:
    """A value as people write it: 0.001, 64, [1, 28, 28], true, none."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


def describe_changes(before: RunSetup, after: RunSetup) -> list[str]:
    """Each difference once: optimizer parameters first, then training settings, then the graph."""
    optimizer: list[str] = []
    graph: list[str] = []
    for node_id, new in after.nodes.items():
        old = before.nodes.get(node_id)
        if old is None:
            graph.append(f"+ {new.name} ({new.type_id})")
            continue
        if old.type_id != new.type_id:
            graph.append(f"{old.name} {old.type_id} {ARROW} {new.type_id}")
            continue
        if old.name != new.name:
            graph.append(f"{old.name} renamed {new.name}")
        for name in [*old.params, *(k for k in new.params if k not in old.params)]:
            was, now = old.params.get(name), new.params.get(name)
            if was != now:
                line = f"{show(was)} {ARROW} {show(now)}"
                if new.optimizer:
                    optimizer.append(f"{name} {line}")
                else:
                    graph.append(f"{new.name}.{name} {line}")
    for node_id, old in before.nodes.items():
        if node_id not in after.nodes:
            graph.append(f"- {old.name} ({old.type_id})")
    if before.wires != after.wires and before.nodes.keys() == after.nodes.keys():
        graph.append("wiring changed")  # added or removed nodes already explain their own wires
    settings = [
        f"{name} {show(before.settings.get(name))} {ARROW} {show(value)}"
        for name, value in after.settings.items()
        if before.settings.get(name) != value
    ]
    return optimizer + settings + graph


def run_label(number: int, changes: list[str] | None, limit: int = 3) -> str:
    """ "run 1", "run 2: lr 0.01 → 0.001", "run 3: no changes", long lists cut with "+N more"."""
    if changes is None:
        return f"run {number}"
    if not changes:
        return f"run {number}: no changes"
    shown = ", ".join(changes[:limit])
    more = len(changes) - limit
    return f"run {number}: {shown}" + (f", +{more} more" if more > 0 else "")
