"""The graph document: the single source of truth for nodes, wires, parameters and positions.

Every change goes through one method here and is announced as a GraphEvent, so a
canvas, an undo stack, file loading and tests all see the same thing. Storage is a
networkx MultiDiGraph (several wires may join the same pair of nodes on different
ports).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from nodes import registry
from nodes.params import ParamError


class GraphEditError(ValueError):
    """An edit that cannot be applied; the message says which node or port is at fault."""


@dataclass
class Node:
    id: str
    type_id: str
    name: str
    params: dict[str, Any]
    position: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class Edge:
    source: str
    source_port: str
    target: str
    target_port: str

    def describe(self) -> str:
        return f"{self.source}.{self.source_port} -> {self.target}.{self.target_port}"


@dataclass(frozen=True)
class GraphEvent:
    kind: str  # node_added, node_removed, edge_added, edge_removed, param_changed,
    # node_renamed, node_moved, meta_changed
    node_id: str | None = None
    edge: Edge | None = None
    name: str | None = None  # parameter or metadata key
    old: Any = None
    new: Any = None


Listener = Callable[[GraphEvent], None]

_NAME_TAIL = re.compile(r"^(.*?)(\d+)$")
UNTITLED = "Untitled"  # a new project's name until it is saved under a file name


@dataclass
class GraphDocument:
    name: str = UNTITLED
    description: str = ""
    # Settings that are not nodes (training defaults, view state) ride along untouched.
    settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._graph = nx.MultiDiGraph()
        self._listeners: list[Listener] = []
        self._next_id = 1
        self.revision = 0

    # ---- observation -------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` after every change; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, event: GraphEvent) -> None:
        self.revision += 1
        for listener in list(self._listeners):
            listener(event)

    # ---- queries -----------------------------------------------------------

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._graph

    def __len__(self) -> int:
        return self._graph.number_of_nodes()

    def node(self, node_id: str) -> Node:
        try:
            return self._graph.nodes[node_id]["node"]
        except KeyError:
            raise GraphEditError(f"there is no node with id {node_id!r}") from None

    def nodes(self) -> list[Node]:
        return [data["node"] for _, data in self._graph.nodes(data=True)]

    def edges(self) -> list[Edge]:
        return [key for _, _, key in self._graph.edges(keys=True)]

    def in_edges(self, node_id: str) -> list[Edge]:
        return [key for _, _, key in self._graph.in_edges(node_id, keys=True)]

    def out_edges(self, node_id: str) -> list[Edge]:
        return [key for _, _, key in self._graph.out_edges(node_id, keys=True)]

    def find_by_name(self, name: str) -> Node | None:
        return next((n for n in self.nodes() if n.name == name), None)

    def nx_graph(self) -> nx.MultiDiGraph:
        """A read-only view for graph algorithms (cycles, topological order)."""
        return self._graph.copy(as_view=True)

    def iter_ids(self) -> Iterator[str]:
        return iter(self._graph.nodes)

    # ---- edits -------------------------------------------------------------

    def add_node(self, type_id: str, **fields: Any) -> Node:
        """Add a node of a catalog type; `fields` are make_node's (name, params, position,
        node_id, strict). Unknown parameters or bad values raise unless strict is False
        (file loading keeps them so validation can point at them)."""
        node = self.make_node(type_id, **fields)
        self.restore_node(node)
        return node

    def make_node(
        self,
        type_id: str,
        *,
        name: str | None = None,
        params: dict[str, Any] | None = None,
        position: tuple[float, float] = (0.0, 0.0),
        node_id: str | None = None,
        strict: bool = True,
    ) -> Node:
        """A checked node with a fresh id and name, not yet in the graph (for undo commands)."""
        spec = registry.get(type_id)
        values = spec.defaults()
        for key, value in (params or {}).items():
            values[key] = self._checked_value(type_id, key, value) if strict else value
        if node_id is None:
            node_id = self._fresh_id()
        elif node_id in self._graph:
            raise GraphEditError(f"a node with id {node_id!r} already exists")
        self._bump_id_counter(node_id)
        return Node(
            id=node_id,
            type_id=type_id,
            name=name if name is not None else self.unique_name(spec.short_name),
            params=values,
            position=(float(position[0]), float(position[1])),
        )

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        """Remove a node and its wires; returns both so an undo can restore them."""
        node = self.node(node_id)
        wires = self.in_edges(node_id) + self.out_edges(node_id)
        for edge in wires:
            self.disconnect(edge)
        self._graph.remove_node(node_id)
        self._emit(GraphEvent("node_removed", node_id=node_id, old=node))
        return node, wires

    def restore_node(self, node: Node, index: int | None = None) -> None:
        """Put back a node removed earlier, keeping its id and, given `index`, its place in
        the node order, so an undone delete saves to the very same file (used by undo)."""
        if node.id in self._graph:
            raise GraphEditError(f"a node with id {node.id!r} already exists")
        registry.get(node.type_id)
        self._bump_id_counter(node.id)
        if index is None or index >= len(self._graph):
            self._graph.add_node(node.id, node=node)
        else:
            self._reinsert(node, index)
        self._emit(GraphEvent("node_added", node_id=node.id, new=node))

    def node_index(self, node_id: str) -> int:
        return list(self._graph.nodes).index(node_id)

    def _reinsert(self, node: Node, index: int) -> None:
        # networkx keeps insertion order and cannot insert in the middle: rebuild the storage.
        old = self._graph
        order = list(old.nodes)
        order.insert(index, node.id)
        graph = nx.MultiDiGraph()
        for node_id in order:
            graph.add_node(node_id, node=node if node_id == node.id else old.nodes[node_id]["node"])
        graph.add_edges_from(old.edges(keys=True))
        self._graph = graph

    def connect(self, source: str, source_port: str, target: str, target_port: str) -> Edge:
        src, dst = self.node(source), self.node(target)
        src_spec, dst_spec = registry.get(src.type_id), registry.get(dst.type_id)
        if src_spec.output_port(source_port) is None:
            raise GraphEditError(f"'{src.name}' has no output port {source_port!r}")
        if dst_spec.input_port(target_port, dst.params) is None:
            raise GraphEditError(f"'{dst.name}' has no input port {target_port!r}")
        edge = Edge(source, source_port, target, target_port)
        if self._graph.has_edge(source, target, key=edge):
            raise GraphEditError(f"'{src.name}' is already wired to '{dst.name}' there")
        self._graph.add_edge(source, target, key=edge)
        self._emit(GraphEvent("edge_added", edge=edge))
        return edge

    def disconnect(self, edge: Edge) -> None:
        if not self._graph.has_edge(edge.source, edge.target, key=edge):
            raise GraphEditError(f"there is no wire {edge.describe()}")
        self._graph.remove_edge(edge.source, edge.target, key=edge)
        self._emit(GraphEvent("edge_removed", edge=edge))

    def set_param(self, node_id: str, name: str, value: Any, *, strict: bool = True) -> Any:
        """Change one parameter; returns the old value. Strict edits refuse bad values."""
        node = self.node(node_id)
        if strict:
            value = self._checked_value(node.type_id, name, value)
        old = node.params.get(name)
        if old == value and name in node.params:
            return old
        node.params[name] = value
        self._emit(GraphEvent("param_changed", node_id=node_id, name=name, old=old, new=value))
        return old

    def rename(self, node_id: str, name: str) -> str:
        node = self.node(node_id)
        old = node.name
        if name != old:
            node.name = name
            self._emit(GraphEvent("node_renamed", node_id=node_id, old=old, new=name))
        return old

    def move(self, node_id: str, position: tuple[float, float]) -> tuple[float, float]:
        node = self.node(node_id)
        old = node.position
        new = (float(position[0]), float(position[1]))
        if new != old:
            node.position = new
            self._emit(GraphEvent("node_moved", node_id=node_id, old=old, new=new))
        return old

    def set_meta(self, key: str, value: Any) -> Any:
        """Change the document's name, description or a settings entry."""
        if key in ("name", "description"):
            old = getattr(self, key)
            setattr(self, key, value)
        else:
            old = self.settings.get(key)
            self.settings[key] = value
        self._emit(GraphEvent("meta_changed", name=key, old=old, new=value))
        return old

    # ---- helpers -------------------------------------------------------------

    def unique_name(self, base: str) -> str:
        """A display name not yet used: fc1, fc2, ..."""
        taken = {n.name for n in self.nodes()}
        match = _NAME_TAIL.match(base)
        stem = match.group(1) if match else base
        index = 1
        while f"{stem}{index}" in taken:
            index += 1
        return f"{stem}{index}"

    def copy(self) -> GraphDocument:
        """A deep, listener-free snapshot (what a training run uses)."""
        clone = GraphDocument(self.name, self.description, copy.deepcopy(self.settings))
        clone._graph = nx.MultiDiGraph()
        for node in self.nodes():
            clone._graph.add_node(node.id, node=copy.deepcopy(node))
        for edge in self.edges():
            clone._graph.add_edge(edge.source, edge.target, key=edge)
        clone._next_id = self._next_id
        return clone

    def _checked_value(self, type_id: str, name: str, value: Any) -> Any:
        spec = registry.get(type_id)
        if not spec.has_param(name):
            raise GraphEditError(f"{spec.title} has no parameter {name!r}")
        try:
            return spec.param(name).coerce(value)
        except ParamError as exc:
            raise GraphEditError(f"{spec.title}: {exc}") from None

    def _fresh_id(self) -> str:
        while f"n{self._next_id}" in self._graph:
            self._next_id += 1
        node_id = f"n{self._next_id}"
        self._next_id += 1
        return node_id

    def _bump_id_counter(self, node_id: str) -> None:
        match = re.fullmatch(r"n(\d+)", node_id)
        if match:
            self._next_id = max(self._next_id, int(match.group(1)) + 1)
