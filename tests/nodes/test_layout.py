"""Tidy layout: columns follow the data flow, cards never overlap, same input same output."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from nodes import layout, project
from nodes.graph import GraphDocument
from nodes.layout import COLUMN, GAP, estimated_height, tidy_positions

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "resources" / "examples").glob("*.json"))


def chain(types: list[str]) -> tuple[GraphDocument, list[str]]:
    doc = GraphDocument()
    ids: list[str] = []
    for type_id in types:
        node = doc.add_node(type_id)
        if ids:
            doc.connect(ids[-1], "out", node.id, "in")
        ids.append(node.id)
    return doc, ids


def column(positions: dict[str, tuple[float, float]], node_id: str) -> int:
    return round(positions[node_id][0] / COLUMN)


def assert_no_overlaps(doc: GraphDocument, positions: dict[str, tuple[float, float]]) -> None:
    by_column: dict[float, list[str]] = {}
    for node_id, (x, _) in positions.items():
        by_column.setdefault(x, []).append(node_id)
    for ids in by_column.values():
        ids.sort(key=lambda n: positions[n][1])
        for upper, lower in itertools.pairwise(ids):
            bottom = positions[upper][1] + estimated_height(doc, upper)
            assert positions[lower][1] >= bottom + GAP / 2, (upper, lower)


def test_empty_document() -> None:
    assert tidy_positions(GraphDocument()) == {}


def test_chain_is_one_straight_row() -> None:
    doc, ids = chain(["Input", "Linear", "ReLU", "Linear"])
    positions = tidy_positions(doc)
    assert [positions[n][0] for n in ids] == [0.0, COLUMN, 2 * COLUMN, 3 * COLUMN]
    assert len({positions[n][1] for n in ids}) == 1  # level: straight wires


def test_positions_are_on_the_grid() -> None:
    doc = project.load(EXAMPLES[0])
    for x, y in tidy_positions(doc).values():
        assert x % layout.GRID == 0 and y % layout.GRID == 0


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_flow_left_to_right(path: Path) -> None:
    doc = project.load(path)
    positions = tidy_positions(doc)
    assert set(positions) == set(doc.iter_ids())
    for edge in doc.edges():
        assert column(positions, edge.source) < column(positions, edge.target), edge.describe()
    assert_no_overlaps(doc, positions)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_data_first_loss_and_optimizer_last(path: Path) -> None:
    doc = project.load(path)
    positions = tidy_positions(doc)
    kinds = {n.id: n.type_id for n in doc.nodes()}
    cols = {n: column(positions, n) for n in positions}
    last = max(cols.values())
    optimizer = next(n for n, t in kinds.items() if t in ("Adam", "AdamW", "SGD"))
    loss = next(n for n, t in kinds.items() if t.endswith("Loss"))
    assert cols[optimizer] == last
    assert cols[loss] == last - 1
    assert all(cols[loss] > c for n, c in cols.items() if n not in (loss, optimizer))
    data = [n for n, t in kinds.items() if t in ("Spirals", "Moons", "Digits", "XorData", "SequenceData")]
    data += [n for n, t in kinds.items() if t == "LinearlySeparable"]
    assert data and all(cols[n] == 0 for n in data)


def test_loss_goes_after_a_longer_side_branch() -> None:
    doc, ids = chain(["Input", "Linear"])
    target = doc.add_node("Target").id
    loss = doc.add_node("MSELoss").id
    opt = doc.add_node("SGD").id
    doc.connect(ids[-1], "out", loss, "prediction")
    doc.connect(target, "out", loss, "target")
    doc.connect(loss, "loss", opt, "loss")
    side = ids[-1]
    for _ in range(4):  # a dangling branch longer than the path to the loss
        node = doc.add_node("ReLU").id
        doc.connect(side, "out", node, "in")
        side = node
    positions = tidy_positions(doc)
    assert column(positions, loss) == 1 + max(column(positions, n) for n in positions if n not in (loss, opt))
    assert column(positions, opt) == column(positions, loss) + 1


def test_deterministic_and_independent_of_insertion_history() -> None:
    path = next(p for p in EXAMPLES if p.stem == "residual_mlp")
    first = tidy_positions(project.load(path))
    assert tidy_positions(project.load(path)) == first
    assert tidy_positions(project.load(path).copy()) == first


def test_barycentre_ordering_avoids_a_crossing() -> None:
    # a feeds d, b feeds c; start with c above d: the sweep must swap them.
    doc = GraphDocument()
    a = doc.add_node("Input", position=(0, 0)).id
    b = doc.add_node("Input", position=(0, 300)).id
    c = doc.add_node("ReLU", position=(200, 0)).id
    d = doc.add_node("ReLU", position=(200, 300)).id
    doc.connect(a, "out", d, "in")
    doc.connect(b, "out", c, "in")
    positions = tidy_positions(doc)
    assert (positions[a][1] < positions[b][1]) == (positions[d][1] < positions[c][1])


def test_cycles_and_unknown_types_do_not_crash() -> None:
    doc, ids = chain(["Input", "Linear", "ReLU"])
    doc.connect(ids[2], "out", ids[1], "in")  # a cycle (reported by analysis, not here)
    doc.add_node("Linear", node_id="loop")
    doc.connect("loop", "out", "loop", "in")
    positions = tidy_positions(doc)
    assert set(positions) == set(doc.iter_ids())
    assert positions[ids[1]][0] == positions[ids[2]][0]  # the cycle shares a column


def test_wide_fan_out_has_no_overlaps() -> None:
    doc = GraphDocument()
    x = doc.add_node("Input").id
    merge = doc.add_node("Concatenate", params={"inputs": 8}).id
    for i in range(8):
        branch = doc.add_node("Linear").id
        doc.connect(x, "out", branch, "in")
        doc.connect(branch, "out", merge, f"in{i + 1}")
    positions = tidy_positions(doc)
    assert_no_overlaps(doc, positions)
    assert len({positions[n][0] for n in positions}) == 3


def test_make_room_moves_the_target_and_what_follows_it_but_nothing_upstream() -> None:
    from nodes.layout import make_room

    doc = GraphDocument()
    a = doc.add_node("Input", params={"shape": [4]}, position=(0.0, 0.0)).id
    new = doc.add_node("ReLU", position=(100.0, 0.0)).id
    b = doc.add_node("Linear", position=(160.0, 0.0)).id
    c = doc.add_node("ReLU", position=(360.0, 40.0)).id
    side = doc.add_node("Linear", position=(120.0, 200.0)).id  # not downstream of b
    doc.connect(a, "out", new, "in")
    doc.connect(new, "out", b, "in")
    doc.connect(b, "out", c, "in")
    doc.connect(a, "out", side, "in")
    moves = make_room(doc, new, b)
    assert set(moves) == {b, c}
    assert moves[b][0] >= 100.0 + COLUMN and moves[b][0] % 20 == 0
    assert moves[c][0] - 360.0 == moves[b][0] - 160.0 and moves[c][1] == 40.0  # same shift, same row
    doc.move(b, (400.0, 0.0))
    assert make_room(doc, new, b) == {}  # room enough already
