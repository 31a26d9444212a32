"""Tidy layout: arrange a graph's nodes in columns from the data to the optimizer.

Pure Python (networkx only), so it is testable headless and deterministic: the same
document always gives the same positions.

1. Columns by longest path from the sources (cycles are collapsed first), with loss
   nodes after everything else and optimizers after the losses.
2. Within a column, nodes are ordered to reduce crossings (barycentre sweeps), starting
   from data sets, inputs and targets at the top.
3. Each node sits level with the nodes feeding it where it can (straight wires for a
   chain), pushed apart so cards never overlap.

A wire that skips columns (a residual connection, a Target feeding the loss) gets a
placeholder in every column it crosses, as in Sugiyama's method: the placeholders take
part in ordering and spacing, so cards make room and the wire is never hidden behind
them.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

import networkx as nx

from nodes import registry
from nodes.graph import GraphDocument
from nodes.spec import Role

COLUMN = 200.0  # left edge to left edge; a card is 136 wide
GAP = 40.0  # vertical space between cards in one column
LANE = 40.0  # the height a wire crossing a column keeps free (measured like a card's top)
ROW = 16.0  # distance between labelled ports on a card
GRID = 20.0

_ROLE_RANK = {Role.SOURCE: 0, Role.INPUT: 1, Role.TARGET: 2, Role.OP: 3, Role.LOSS: 4, Role.OPTIMIZER: 5}


def _creation_key(node_id: str) -> tuple[int, str]:
    match = re.search(r"(\d+)$", node_id)
    return (int(match.group(1)) if match else 0, node_id)


def _role(doc: GraphDocument, node_id: str) -> Role:
    type_id = doc.node(node_id).type_id
    return registry.get(type_id).role if registry.exists(type_id) else Role.OP


def estimated_height(doc: GraphDocument, node_id: str) -> float:
    """Roughly how tall the canvas draws this node's card (designer/canvas/node_item.py):
    header, one row per labelled port, the name, key parameters and a footer."""
    node = doc.node(node_id)
    if not registry.exists(node.type_id):
        return 80.0
    spec = registry.get(node.type_id)
    n_in, n_out = len(spec.input_ports(node.params)), len(spec.outputs)
    port_rows = max(n_in if n_in > 1 else 0, n_out if n_out > 1 else 0)
    rows = port_rows + len(spec.key_params[:3]) + (1 if spec.is_module else 0)  # count on its own row
    return 22 + 5 + 16 * rows + 19 + 18 + 6


def _layers(doc: GraphDocument, ids: list[str]) -> dict[str, int]:
    graph = nx.DiGraph()
    graph.add_nodes_from(ids)
    graph.add_edges_from((e.source, e.target) for e in doc.edges())
    # Nodes in a cycle share a column; the analysis reports the cycle itself.
    condensed = nx.condensation(graph)
    members = condensed.graph["mapping"]  # node id -> component index
    first = {c: min((n for n in ids if members[n] == c), key=_creation_key) for c in condensed.nodes}
    depth: dict[int, int] = {}
    for comp in nx.lexicographical_topological_sort(condensed, key=lambda c: _creation_key(first[c])):
        depth[comp] = max((depth[p] + 1 for p in condensed.predecessors(comp)), default=0)
    layer = {n: depth[members[n]] for n in ids}

    roles = {n: _role(doc, n) for n in ids}
    body = [layer[n] for n in ids if roles[n] not in (Role.LOSS, Role.OPTIMIZER)]
    last_body = max(body, default=-1)
    losses = [n for n in ids if roles[n] is Role.LOSS]
    for n in losses:
        layer[n] = max(layer[n], last_body + 1)
    last_loss = max((layer[n] for n in losses), default=last_body)
    for n in ids:
        if roles[n] is Role.OPTIMIZER:
            layer[n] = max(layer[n], last_loss + 1)
    return layer


class _Layout:
    """The columns, with placeholders ("lanes") for wires that skip columns.

    Each link between neighbouring columns remembers the port rows it leaves and enters
    (labelled ports sit one ROW apart), so ordering can avoid crossings at a merge's
    inputs and placement can line ports up for straight wires.
    """

    def __init__(self, doc: GraphDocument, ids: list[str], layer: dict[str, int]) -> None:
        self.layer = dict(layer)
        self.preds: dict[str, list[str]] = defaultdict(list)
        self.succs: dict[str, list[str]] = defaultdict(list)
        self.rows: dict[tuple[str, str], tuple[int, int]] = {}  # (out row, in row) per link
        self.lanes: set[str] = set()
        self.height = {n: estimated_height(doc, n) for n in ids}
        self.start: dict[str, tuple[int, float, float, int, tuple[int, str]]] = {}
        for n in ids:
            x, y = doc.node(n).position
            self.start[n] = (_ROLE_RANK[_role(doc, n)], y, x, 0, _creation_key(n))
        seen: set[tuple[str, str]] = set()
        for e in sorted(doc.edges(), key=lambda e: (_creation_key(e.source), _creation_key(e.target))):
            if layer[e.target] <= layer[e.source] or (e.source, e.target) in seen:
                continue  # a self-loop or a wire inside a cycle crosses no column
            seen.add((e.source, e.target))
            out_row, in_row = (
                _port_row(doc, e.source, e.source_port, False),
                _port_row(doc, e.target, e.target_port, True),
            )
            previous, row = e.source, out_row
            for column in range(layer[e.source] + 1, layer[e.target]):
                lane = f"\0{e.source}>{e.target}@{column}"  # cannot clash with a document id
                self.lanes.add(lane)
                self.layer[lane] = column
                self.height[lane] = LANE
                # Among equals a long wire starts below the cards; the sweeps may move it.
                self.start[lane] = (*self.start[e.source][:3], 1, self.start[e.source][4])
                self._link(previous, lane, row, 0)
                previous, row = lane, 0
            self._link(previous, e.target, row, in_row)

    def _link(self, a: str, b: str, out_row: int, in_row: int) -> None:
        self.succs[a].append(b)
        self.preds[b].append(a)
        self.rows[(a, b)] = (out_row, in_row)

    def columns(self) -> list[list[str]]:
        grouped: dict[int, list[str]] = defaultdict(list)
        for n, column in self.layer.items():
            grouped[column].append(n)
        return [sorted(grouped[i], key=self.start.__getitem__) for i in range(max(grouped) + 1)]


def _port_row(doc: GraphDocument, node_id: str, port: str, is_input: bool) -> int:
    """Which row of the card a port sits on: labelled ports get a row each, a lone port row 0."""
    node = doc.node(node_id)
    if not registry.exists(node.type_id):
        return 0
    spec = registry.get(node.type_id)
    names = [p.name for p in (spec.input_ports(node.params) if is_input else spec.outputs)]
    return names.index(port) if port in names and len(names) > 1 else 0


def _order(lay: _Layout) -> list[list[str]]:
    """Barycentre sweeps: each node moves towards the mean position of its neighbours,
    nudged by the port row the wire uses so that wires into a merge do not cross."""
    order = lay.columns()
    nudge = 1e-4  # far below the spacing of positions in any column

    def where() -> dict[str, float]:
        return {n: (i + 0.5) / len(col) for col in order for i, n in enumerate(col)}

    def forward_key(n: str, pos: dict[str, float]) -> tuple[float, float]:
        near = [pos[m] + nudge * lay.rows[(m, n)][0] for m in lay.preds[n]]
        return (sum(near) / len(near) if near else pos[n], pos[n])

    def backward_key(n: str, pos: dict[str, float]) -> tuple[float, float]:
        near = [pos[m] + nudge * lay.rows[(n, m)][1] for m in lay.succs[n]]
        return (sum(near) / len(near) if near else pos[n], pos[n])

    for sweep in range(7):
        forward = sweep % 2 == 0
        for index in range(1, len(order)) if forward else range(len(order) - 2, -1, -1):
            pos = where()
            key = forward_key if forward else backward_key
            order[index] = sorted(order[index], key=lambda n: key(n, pos))
    return order


def _isotonic(targets: list[float], weights: list[float]) -> list[float]:
    """Weighted least-squares fit of a non-decreasing sequence (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [weight, weighted sum, count]
    for t, w in zip(targets, weights, strict=True):
        blocks.append([w, w * t, 1])
        while len(blocks) > 1 and blocks[-2][1] * blocks[-1][0] > blocks[-1][1] * blocks[-2][0]:
            w2, s2, n2 = blocks.pop()
            blocks[-1][0] += w2
            blocks[-1][1] += s2
            blocks[-1][2] += n2
    fitted: list[float] = []
    for w, total, count in blocks:
        fitted += [total / w] * int(count)
    return fitted


def _place(lay: _Layout, order: list[list[str]]) -> dict[str, float]:
    """Top edge of every node. Each column in turn is placed as close as it can be to where
    its nodes wish to be (level with their neighbours, ports lined up, so wires run
    straight) without overlapping: a weighted least-squares fit under the ordering, solved
    exactly. Sweeps alternate left-to-right (level with what feeds a node) and back (level
    with what it feeds), so a long wire pushed aside downstream moves its source too.
    Long wires weigh most: a bezier between far columns must not cut through cards."""
    y_of: dict[str, float] = {}
    for column in order:  # start: each column stacked and centred on 0
        y = 0.0
        for n in column:
            y_of[n] = y
            y += lay.height[n] + GAP
        for n in column:
            y_of[n] -= (y - GAP) / 2

    def wish(n: str, forward: bool) -> tuple[float | None, float]:
        if forward:
            links = [(p, lay.rows[(p, n)][0] - lay.rows[(p, n)][1]) for p in lay.preds[n]]
        else:
            links = [(m, lay.rows[(n, m)][1] - lay.rows[(n, m)][0]) for m in lay.succs[n]]
        long = [link for link in links if link[0] in lay.lanes]
        levels = [y_of[m] + ROW * rows for m, rows in (long or links)]
        if not levels:
            return None, 0.0
        heavy = n in lay.lanes or bool(long)
        return sum(levels) / len(levels), 100.0 if heavy else 1.0

    sweeps = [True, False, True, False, True]
    for forward in sweeps:
        for column in order if forward else reversed(order):
            offsets, targets, weights = [], [], []
            offset = 0.0
            for i, n in enumerate(column):
                if i:
                    offset += lay.height[column[i - 1]] + GAP
                want, weight = wish(n, forward)
                if want is None:  # nothing on that side: stay about where it is
                    want, weight = y_of[n], 0.01
                offsets.append(offset)
                targets.append(want - offset)
                weights.append(weight)
            for n, z, offset in zip(column, _isotonic(targets, weights), offsets, strict=True):
                y_of[n] = z + offset
    return y_of


def tidy_positions(doc: GraphDocument) -> dict[str, tuple[float, float]]:
    """New top-left positions for every node of `doc`, in columns left to right."""
    ids = sorted(doc.iter_ids(), key=_creation_key)
    if not ids:
        return {}
    layer = _layers(doc, ids)
    lay = _Layout(doc, ids, layer)
    y_of = _place(lay, _order(lay))
    return {n: (float(layer[n] * COLUMN), float(round(y_of[n] / GRID) * GRID)) for n in ids}


def make_room(
    doc: GraphDocument, new_id: str, target_id: str, *, unwired_too: bool = False
) -> dict[str, tuple[float, float]]:
    """After `new_id` was dropped on a wire into `target_id`: new positions that move the
    target, and everything downstream of it that is not left of it, far enough right that
    the new card fits between. Empty when there is room already. `unwired_too` moves every
    card not left of the target, for a graph still being wired (the next card along may
    not be connected yet)."""
    new_x = doc.node(new_id).position[0]
    target_x = doc.node(target_id).position[0]
    shift = new_x + COLUMN - target_x
    if shift <= 0 or target_x < new_x:  # room enough, or a wire running backwards: leave it
        return {}
    shift = math.ceil(shift / GRID) * GRID  # the grid keeps its alignment
    if unwired_too:
        downstream = set(doc.iter_ids())
    else:
        downstream = {target_id} | nx.descendants(doc.nx_graph(), target_id)
    downstream.discard(new_id)
    return {
        node_id: (x + shift, y)
        for node_id in sorted(downstream)
        for x, y in [doc.node(node_id).position]
        if x >= target_x
    }


def entry_spot(doc: GraphDocument, source_id: str, target_id: str, kind: str) -> tuple[float, float]:
    """Where an Input or a Target put between a data set and `target_id` first goes: an
    Input a column right of the data set, level with it; a Target a column left of its
    loss, below it (as the examples lay them out). See free_spot for the final place."""
    sx, sy = doc.node(source_id).position
    tx, ty = doc.node(target_id).position
    if kind == "Input":
        return sx + COLUMN, sy
    return tx - COLUMN, ty + estimated_height(doc, target_id) + GAP


def free_spot(doc: GraphDocument, node_id: str) -> tuple[float, float]:
    """The first place at or below `node_id`'s position, on the grid, where its card
    touches no other card (by estimated_height, a column's width apart)."""
    x, y = doc.node(node_id).position
    x, y = round(x / GRID) * GRID, round(y / GRID) * GRID
    height = estimated_height(doc, node_id)
    others = [(n.position, estimated_height(doc, n.id)) for n in doc.nodes() if n.id != node_id]

    def touches(top: float) -> bool:
        return any(
            abs(px - x) < COLUMN - GAP / 2 and py - height - GAP / 2 < top < py + h + GAP / 2
            for (px, py), h in others
        )

    while touches(y):
        y += GRID
    return x, y
