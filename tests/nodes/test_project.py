"""Project files: round trips, atomic saving, and damaged files that must fail clearly.

Every damaged-file case goes through `load` on a real file and must raise ProjectError
(never KeyError, TypeError, UnicodeDecodeError, ...) with a message that says where.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nodes import project, registry
from nodes.analysis import analyze
from nodes.graph import GraphDocument
from nodes.params import IntParam
from nodes.project import FORMAT_NAME, FORMAT_VERSION, ProjectError
from nodes.spec import Category, NodeSpec

ROOT = Path(__file__).resolve().parents[2]


def sample_doc() -> GraphDocument:
    """A small classifier with every kind of field filled in."""
    doc = GraphDocument(
        name="Démo — MNIST ✓",
        description='Line one\nline "two" with a tab\tand a bell \x07 and 日本語',
        settings={
            "training": {"epochs": 12, "batch_size": 64, "device": "auto", "lr_list": (0.1, 0.01)},
            "view": {"zoom": 1.25, "center": [10.5, -3.0], "selected": ["n3"]},
            "empty": {},
        },
    )
    x = doc.add_node("Input", name="image 🖼", params={"shape": (1, 28, 28)}, position=(-200, 15.5))
    flat = doc.add_node("Flatten", name="flat", position=(-80.25, 15.5))
    fc1 = doc.add_node("Linear", name="fc1", params={"out_features": 64, "bias": False}, position=(40, 0))
    drop = doc.add_node("Dropout", name="drop ü", params={"p": 0.25}, position=(160, 0))
    fc2 = doc.add_node("Linear", name="logits", params={"out_features": 10}, position=(280, 0))
    doc.add_node("Reshape", name="unused", params={"shape": (2, -1)}, position=(0, 300))
    doc.add_node("Target", name="y", position=(280, 120))
    doc.add_node("Identity", node_id="tap", name="tap", position=(400, -1e6))
    doc.connect(drop.id, "out", fc2.id, "in")  # wired out of order on purpose
    doc.connect(x.id, "out", flat.id, "in")
    doc.connect(fc1.id, "out", drop.id, "in")
    doc.connect(flat.id, "out", fc1.id, "in")
    doc.connect(fc2.id, "out", "tap", "in")
    return doc


def minimal(**changes: Any) -> dict[str, Any]:
    """A valid file as data: Input -> Linear."""
    data: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": "tiny",
        "description": "",
        "nodes": [
            {"id": "n1", "type": "Input", "name": "x", "params": {"shape": [4]}, "position": [0, 0]},
            {
                "id": "n2",
                "type": "Linear",
                "name": "fc1",
                "params": {"out_features": 3},
                "position": [100, 0],
            },
        ],
        "edges": [{"source": "n1", "source_port": "out", "target": "n2", "target_port": "in"}],
        "settings": {},
    }
    data.update(changes)
    return data


def write(tmp_path: Path, content: str | bytes | dict[str, Any], name: str = "p.json") -> Path:
    path = tmp_path / name
    if isinstance(content, dict):
        content = json.dumps(content, indent=2)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def load_error(path: Path) -> str:
    with pytest.raises(ProjectError) as info:
        project.load(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    return message


# ---- round trip -------------------------------------------------------------------


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    doc = sample_doc()
    path = tmp_path / "model.netcanvas.json"
    project.save(doc, path)
    loaded = project.load(path)

    assert loaded.name == doc.name
    assert loaded.description == doc.description
    assert loaded.settings == json.loads(json.dumps(doc.settings))  # tuples come back as lists
    assert [n.id for n in loaded.nodes()] == [n.id for n in doc.nodes()]
    for old, new in zip(doc.nodes(), loaded.nodes(), strict=True):
        assert (new.type_id, new.name, new.position) == (old.type_id, old.name, old.position)
        assert type(new.position[0]) is float
        assert json.dumps(new.params, sort_keys=True) == json.dumps(old.params, sort_keys=True)
    assert set(loaded.edges()) == set(doc.edges())
    # Saving what was loaded gives the same bytes: nothing drifts through a round trip.
    assert project.dumps(loaded) == path.read_text(encoding="utf-8") == project.dumps(doc)
    # The model means the same thing after loading (analysis coerces lists back to shapes).
    before, after = analyze(doc), analyze(loaded)
    assert [p.message for p in after.problems] == [p.message for p in before.problems]
    assert after.output_shape("tap") == before.output_shape("tap") == ("N", 10)


def test_tuples_are_written_as_lists_and_loaded_as_given(tmp_path: Path) -> None:
    doc = sample_doc()
    data = project.to_dict(doc)
    assert data["nodes"][0]["params"]["shape"] == [1, 28, 28]
    assert data["settings"]["training"]["lr_list"] == [0.1, 0.01]
    assert json.loads(json.dumps(data)) == data  # to_dict is plain JSON data already
    loaded = project.from_dict(data, "clipboard")
    assert loaded.node("n1").params["shape"] == [1, 28, 28]
    assert analyze(loaded).info["n1"].params["shape"] == (1, 28, 28)


def test_unicode_names_are_written_readably(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    project.save(sample_doc(), path)
    text = path.read_text(encoding="utf-8")
    assert '"name": "Démo — MNIST ✓"' in text
    assert '"image 🖼"' in text
    assert "\\u0007" in text  # control characters are escaped, never raw


def test_output_is_stable_and_diffs_well(tmp_path: Path) -> None:
    a, b = GraphDocument(), GraphDocument()
    a.add_node("Linear", name="fc", params={"out_features": 5, "bias": False, "in_features": 3})
    b.add_node("Linear", name="fc", params={"in_features": 3, "bias": False, "out_features": 5})
    a.settings.update(z=1, a={"y": 2, "b": 3})
    b.settings.update(a={"b": 3, "y": 2}, z=1)
    assert project.dumps(a) == project.dumps(b)

    text = project.dumps(sample_doc())
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert '\n  "nodes": [\n    {\n      "id": "n1",' in text  # indent 2
    assert '"position": [-200.0, 15.5]' in text  # short lists stay on one line
    assert '"shape": [1, 28, 28]' in text
    params = json.loads(text)["nodes"][2]["params"]
    assert list(params) == sorted(params)
    top = list(json.loads(text))
    assert top == ["format", "version", "name", "description", "nodes", "edges", "settings"]


def test_edges_are_written_in_node_order_whatever_order_they_were_drawn() -> None:
    edges = project.to_dict(sample_doc())["edges"]
    assert [(e["source"], e["target"]) for e in edges] == [
        ("n1", "n2"),
        ("n2", "n3"),
        ("n3", "n4"),
        ("n4", "n5"),
        ("n5", "tap"),
    ]


def test_loaded_document_hands_out_fresh_ids(tmp_path: Path) -> None:
    data = minimal()
    data["nodes"][1]["id"] = "n7"
    data["edges"][0]["target"] = "n7"
    doc = project.from_dict(data, "memory")
    assert doc.add_node("Identity").id == "n8"


def test_empty_document_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    project.save(GraphDocument(), path)
    loaded = project.load(path)
    assert (len(loaded), loaded.edges(), loaded.name, loaded.settings) == (0, [], "Untitled", {})


def test_optional_fields_take_defaults(tmp_path: Path) -> None:
    data = {"format": FORMAT_NAME, "version": 1, "nodes": [{"id": "a", "type": "Linear"}]}
    doc = project.load(write(tmp_path, data))
    node = doc.node("a")
    assert (doc.name, doc.description, doc.settings, doc.edges()) == ("Untitled", "", {}, [])
    assert node.name == "fc1" and node.position == (0.0, 0.0)
    assert node.params == registry.get("Linear").defaults()


def test_from_dict_does_not_share_or_change_the_data() -> None:
    data = minimal(settings={"view": {"zoom": 2}})
    snapshot = json.dumps(data)
    doc = project.from_dict(data, "memory")
    doc.settings["view"]["zoom"] = 3
    doc.node("n2").params["out_features"] = 99
    assert json.dumps(data) == snapshot


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbf" + json.dumps(minimal()).encode())
    assert len(project.load(path)) == 2


def test_bad_parameters_load_and_analysis_names_the_node(tmp_path: Path) -> None:
    data = minimal()
    data["nodes"][1]["params"] = {"out_features": 0, "colour": "red", "bias": "maybe"}
    data["nodes"].append(
        {"id": "n3", "type": "Dropout", "name": "drop", "params": {"p": 1.5}, "position": [0, 0]}
    )
    data["nodes"][0]["params"]["shape"] = "not a shape"
    path = write(tmp_path, data)
    doc = project.load(path)
    assert doc.node("n2").params["colour"] == "red"  # kept exactly as written
    messages = [p.message for p in analyze(doc).errors]
    named = ("'fc1'", "out features must be at least 1", "'colour'", "bias", "'drop'", "p must be less")
    for expected in named:
        assert any(expected in m for m in messages), (expected, messages)
    assert any("'x'" in m and "shape" in m for m in messages)
    # The raw values survive a save, so the user can fix them rather than lose them.
    project.save(doc, path)
    assert json.loads(path.read_text())["nodes"][1]["params"]["colour"] == "red"


def test_analysis_reports_a_huge_integer_for_a_float_parameter(tmp_path: Path) -> None:
    data = minimal()
    data["nodes"].append({"id": "d", "type": "Dropout", "name": "drop", "params": {"p": 10**400}})
    doc = project.load(write(tmp_path, data))  # loading is fine; analysis must not crash
    assert any("'drop'" in p.message for p in analyze(doc).errors)


# ---- atomic saving ------------------------------------------------------------------


def saved_old_file(tmp_path: Path) -> tuple[Path, bytes]:
    path = tmp_path / "p.json"
    project.save(GraphDocument(name="old"), path)
    return path, path.read_bytes()


def assert_untouched(path: Path, old: bytes) -> None:
    assert path.read_bytes() == old
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name], "temporary file left behind"


def test_failed_rename_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, old = saved_old_file(tmp_path)

    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ProjectError, match=r"cannot save .*p\.json: Permission denied"):
        project.save(sample_doc(), path)
    assert_untouched(path, old)


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), RuntimeError("boom")])
def test_failure_midway_through_writing_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    path, old = saved_old_file(tmp_path)
    written: list[int] = []

    def failing_fsync(fd: int) -> None:
        written.append(os.fstat(fd).st_size)  # the new text is in the temp file by now
        raise error

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(ProjectError if isinstance(error, OSError) else RuntimeError):
        project.save(sample_doc(), path)
    assert written and written[0] > len(old)
    assert_untouched(path, old)


def test_interrupt_during_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, old = saved_old_file(tmp_path)

    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        project.save(sample_doc(), path)
    assert_untouched(path, old)


def test_unsaveable_values_are_refused_before_touching_the_file(tmp_path: Path) -> None:
    path, old = saved_old_file(tmp_path)
    doc = sample_doc()
    doc.set_param("n3", "out_features", {1, 2}, strict=False)
    with pytest.raises(ProjectError, match=r'nodes\[2\] \(id "n3"\) params\["out_features"\] holds set'):
        project.save(doc, path)
    assert_untouched(path, old)

    doc = sample_doc()
    doc.settings["view"]["zoom"] = float("nan")
    with pytest.raises(ProjectError, match=r'settings\["view"\]\["zoom"\] is nan, which JSON cannot store'):
        project.save(doc, path)
    doc.settings["view"] = {3: "x"}
    with pytest.raises(ProjectError, match=r"JSON keys must be strings"):
        project.dumps(doc)
    doc = GraphDocument(name="bad \ud800 surrogate")
    with pytest.raises(ProjectError, match="not valid Unicode"):
        project.save(doc, path)
    assert_untouched(path, old)


def test_save_into_a_missing_folder_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="cannot save"):
        project.save(sample_doc(), tmp_path / "nowhere" / "p.json")
    assert list(tmp_path.iterdir()) == []


def test_save_over_a_folder_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "p.json").mkdir()
    with pytest.raises(ProjectError, match="cannot save"):
        project.save(sample_doc(), tmp_path / "p.json")
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]


@pytest.mark.skipif(os.name != "posix", reason="Unix permissions and symlinks")
def test_save_keeps_permissions_and_follows_symlinks(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    project.save(GraphDocument(name="old"), real)
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    project.save(GraphDocument(name="new"), link)
    assert link.is_symlink()
    assert project.load(real).name == "new"
    assert real.stat().st_mode & 0o777 == 0o640


def test_saving_fsyncs_file_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[bool] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.path.isdir(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else False)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    project.save(sample_doc(), tmp_path / "p.json")
    assert synced and synced[0] is False  # the file's data first
    if os.name == "posix" and os.path.exists("/proc/self/fd"):
        assert synced == [False, True]  # then the folder, so the rename is durable


# ---- damaged files ----------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert load_error(tmp_path / "absent.json").endswith("absent.json: no such file")
    if os.name == "posix":
        (tmp_path / "link.json").symlink_to(tmp_path / "gone.json")
        assert "no such file (a link to a missing file)" in load_error(tmp_path / "link.json")


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "p.json").mkdir()
    assert "not a file (a folder)" in load_error(tmp_path / "p.json")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, minimal())

    def denied(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(project, "open", denied, raising=False)
    assert "cannot be read: Permission denied" in load_error(path)


@pytest.mark.parametrize("content", ["", "   \n\n", "\ufeff"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    assert "the file is empty" in load_error(write(tmp_path, content))


def test_not_utf8(tmp_path: Path) -> None:
    raw = json.dumps(minimal(name="café"), indent=2, ensure_ascii=False).encode("latin-1")
    message = load_error(write(tmp_path, raw))
    assert "not UTF-8 text (byte 0xe9 at offset" in message and "line 4" in message


def test_invalid_json_gives_line_and_column(tmp_path: Path) -> None:
    text = '{\n  "format": "netcanvas-project",\n  "version": 1,,\n  "nodes": []\n}\n'
    message = load_error(write(tmp_path, text))
    assert "invalid JSON at line 3, column 16" in message
    assert "Expecting property name" in message
    assert "invalid JSON at line 1, column 10: Extra data" in load_error(write(tmp_path, '{"a": 1} {"b": 2}'))


def test_nesting_too_deep(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, "[" * 100_000 + "]" * 100_000))
    assert "invalid JSON" in message or "nested too deeply" in message


def test_truncated_json(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n  "format": "netcanvas-project",\n  "version": 1,\n  "nodes": [\n')
    assert "the file ends too early (truncated JSON at line 5" in load_error(path)


def test_every_cut_of_a_real_file_fails_as_truncated(tmp_path: Path) -> None:
    source = tmp_path / "whole.json"
    project.save(sample_doc(), source)
    raw = source.read_bytes()
    content_end = len(raw.rstrip())
    for end in range(content_end):
        cut = tmp_path / f"cut{end}.json"  # new files: rewriting one in place is slow on ext4
        cut.write_bytes(raw[:end])
        with pytest.raises(ProjectError) as info:
            project.load(cut)
        message = str(info.value)
        assert "ends too early" in message or "is empty" in message, (end, raw[:end][-30:], message)
    cut = tmp_path / "whole-but-newline.json"
    cut.write_bytes(raw[:content_end])  # only the final newline missing: still a whole file
    assert project.dumps(project.load(cut)) == raw.decode()


def test_random_damage_only_ever_raises_project_error(tmp_path: Path) -> None:
    raw = project.dumps(sample_doc()).encode()
    rng = random.Random(1234)
    pieces = [
        b"",
        b"0",
        b"-",
        b"1e999",
        b"null",
        b"true",
        b'"',
        b"[",
        b"]",
        b"{}",
        b",",
        b"\xff",
        b"\\",
        b"9" * 400,
    ]
    for attempt in range(600):
        path = tmp_path / f"damaged{attempt}.json"
        data = bytearray(raw)
        for _ in range(rng.randint(1, 3)):
            start = rng.randrange(len(data))
            stop = min(len(data), start + rng.randint(0, 8))
            data[start:stop] = rng.choice(pieces)
        path.write_bytes(bytes(data))
        with contextlib.suppress(ProjectError):
            project.load(path)


def test_top_level_must_be_an_object(tmp_path: Path) -> None:
    assert "the top level must be an object, not a list" in load_error(write(tmp_path, "[1, 2]"))
    assert "the top level must be an object, not a string" in load_error(write(tmp_path, '"hi"'))


def test_not_a_project_file(tmp_path: Path) -> None:
    data = minimal()
    del data["format"]
    assert 'missing field "format"; this is not a netcanvas project file' in load_error(write(tmp_path, data))
    message = load_error(write(tmp_path, minimal(format="jupyter-notebook")))
    assert 'field "format" is "jupyter-notebook", expected "netcanvas-project"' in message


def test_newer_version_is_refused(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, minimal(version=3, nodes="anything goes in version 3")))
    assert message.endswith(
        "made by a newer netcanvas (format version 3); this version reads up to 1 — please update"
    )


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        (None, 'field "version" must be a whole number, not null'),
        ("1", 'field "version" must be a whole number, not a string'),
        (1.0, 'field "version" must be a whole number, not a number'),
        (True, 'field "version" must be a whole number, not true'),
        (0, 'field "version" must be at least 1, got 0'),
    ],
)
def test_bad_version(tmp_path: Path, version: Any, expected: str) -> None:
    assert expected in load_error(write(tmp_path, minimal(version=version)))


def test_missing_version(tmp_path: Path) -> None:
    data = minimal()
    del data["version"]
    assert 'missing field "version"' in load_error(write(tmp_path, data))


def node_case(index: int, **changes: Any) -> dict[str, Any]:
    data = minimal()
    node = data["nodes"][index]
    for key, value in changes.items():
        if value is ...:
            del node[key]
        else:
            node[key] = value
    return data


DAMAGED = [
    (minimal(name=5), 'field "name" must be a string, not a number'),
    (minimal(description=None), 'field "description" must be a string, not null'),
    (minimal(settings=[]), 'field "settings" must be an object, not a list'),
    ({k: v for k, v in minimal().items() if k != "nodes"}, 'missing field "nodes"'),
    (minimal(nodes={"n1": {}}), 'field "nodes" must be a list, not an object'),
    (minimal(edges=None), 'field "edges" must be a list, not null'),
    (minimal(nodes=[[]]), "nodes[0] must be an object, not a list"),
    (node_case(1, id=...), 'nodes[1] missing field "id"'),
    (node_case(1, id=7), 'nodes[1] field "id" must be a string, not a number'),
    (node_case(1, id=""), 'nodes[1] field "id" must not be empty'),
    (node_case(1, type=...), 'nodes[1] (id "n2") missing field "type"'),
    (node_case(1, type=None), 'nodes[1] (id "n2") field "type" must be a string, not null'),
    (node_case(1, name=["fc"]), 'nodes[1] (id "n2") field "name" must be a string, not a list'),
    (node_case(1, params=[3]), 'nodes[1] (id "n2") field "params" must be an object, not a list'),
    (node_case(1, params="out_features=3"), 'nodes[1] (id "n2") field "params" must be an object'),
    (node_case(1, id="n1"), 'nodes[1] (id "n1") repeats the id of nodes[0]; node ids must be unique'),
    (
        node_case(1, type="Conv9d", name="conv"),
        'nodes[1] (id "n2", name "conv") has an unknown node type "Conv9d"',
    ),
    (node_case(1, type="linear", name=...), 'nodes[1] (id "n2") has an unknown node type "linear"'),
    (minimal(edges=["n1->n2"]), "edges[0] must be an object, not a string"),
]
DAMAGED.append((node_case(0, position={"x": 1}), 'nodes[0] (id "n1") field "position" must be a list'))
for bad in ([1], [1, 2, 3], ["1", 2], [True, 0], [None, 0], [1, 10**400]):
    DAMAGED.append((node_case(0, position=bad), 'nodes[0] (id "n1") field "position" must be two numbers'))


@pytest.mark.parametrize(
    ("data", "expected"), DAMAGED, ids=[f"{i}-{e[:40]}" for i, (_, e) in enumerate(DAMAGED)]
)
def test_damaged_fields_are_named(tmp_path: Path, data: dict[str, Any], expected: str) -> None:
    assert expected in load_error(write(tmp_path, data))


def test_position_that_is_not_finite(tmp_path: Path) -> None:
    text = json.dumps(node_case(0, position=[float("nan"), 0]))  # Python writes NaN; JSON has none
    assert 'field "position" must be two numbers [x, y], got [NaN, 0]' in load_error(write(tmp_path, text))


def edge_case(**changes: Any) -> dict[str, Any]:
    """A file whose edges[1] is a copy of the good edges[0] with `changes` (... deletes a field)."""
    data = minimal()
    data["nodes"].append({"id": "n3", "type": "Identity", "name": "id"})
    edge = dict(data["edges"][0])
    for key, value in changes.items():
        if value is ...:
            del edge[key]
        else:
            edge[key] = value
    data["edges"].append(edge)
    return data


EDGES = [
    (edge_case(target_port=...), 'edges[1] missing field "target_port"'),
    (edge_case(source=3), 'edges[1] field "source" must be a string, not a number'),
    (edge_case(source="ghost"), 'edges[1] field "source" names node "ghost", which does not exist'),
    (edge_case(target="n9"), 'edges[1] field "target" names node "n9", which does not exist'),
    (
        edge_case(source_port="output"),
        'edges[1] field "source_port": node "n1" (Input "x") has no output port "output" (its outputs: out)',
    ),
    (
        edge_case(target="n3", target_port="x"),
        'edges[1] field "target_port": node "n3" (Identity "id") has no input port "x" (its inputs: in)',
    ),
    (edge_case(), "edges[1]: 'x' is already wired to 'fc1' there"),
]


@pytest.mark.parametrize(("data", "expected"), EDGES, ids=[e for _, e in EDGES])
def test_damaged_edges_are_named(tmp_path: Path, data: dict[str, Any], expected: str) -> None:
    assert expected in load_error(write(tmp_path, data))


def test_cycles_and_missing_wires_are_left_to_analysis(tmp_path: Path) -> None:
    data = minimal()
    data["nodes"].append({"id": "n3", "type": "Identity", "name": "loop"})
    data["edges"] += [
        {"source": "n2", "source_port": "out", "target": "n3", "target_port": "in"},
        {"source": "n3", "source_port": "out", "target": "n3", "target_port": "in"},
    ]
    doc = project.load(write(tmp_path, data))
    analysis = analyze(doc)
    assert any(p.code == "cycle" and "'loop'" in p.message for p in analysis.errors)
    assert analysis.order == ["n1", "n2"]  # the rest is still ordered and inferred
    assert any(edge.target == "n2" for edge in analysis.edge_shapes)


# ---- variadic nodes (merges): ports depend on a parameter --------------------------------


@pytest.fixture
def fake_merge(monkeypatch: pytest.MonkeyPatch) -> str:
    registry.exists("Input")  # fill the registry before adding to it
    spec = NodeSpec(
        type_id="TestMerge",
        category=Category.MERGE,
        title="Test merge",
        explanation="A stand-in for Add and Concatenate in these tests.",
        params=(IntParam(name="inputs", default=2, minimum=2, maximum=8),),
        variadic=True,
        infer=lambda params, shapes: (shapes[0],),
    )
    monkeypatch.setitem(registry._REGISTRY, spec.type_id, spec)
    return spec.type_id


def merge_file(type_id: str, inputs: Any, port: str) -> dict[str, Any]:
    data = minimal()
    data["nodes"].append({"id": "m", "type": type_id, "name": "sum", "params": {"inputs": inputs}})
    data["edges"].append({"source": "n2", "source_port": "out", "target": "m", "target_port": port})
    return data


def test_variadic_ports_follow_the_inputs_parameter(tmp_path: Path, fake_merge: str) -> None:
    doc = project.load(write(tmp_path, merge_file(fake_merge, 3, "in3")))
    assert doc.in_edges("m")[0].target_port == "in3"
    message = load_error(write(tmp_path, merge_file(fake_merge, 3, "in4")))
    assert 'edges[1] field "target_port"' in message and "(its inputs: in1, in2, in3)" in message


@pytest.mark.parametrize("inputs", ["many", 2.5, None, 9])
def test_variadic_node_with_invalid_port_count_loads(tmp_path: Path, fake_merge: str, inputs: Any) -> None:
    doc = project.load(write(tmp_path, merge_file(fake_merge, inputs, "in1")))
    assert doc.node("m").params["inputs"] == inputs  # kept for analysis to report
    assert any("'sum'" in p.message and "inputs" in p.message for p in analyze(doc).errors)


def test_wire_beyond_the_ports_of_an_invalid_merge(tmp_path: Path, fake_merge: str) -> None:
    message = load_error(write(tmp_path, merge_file(fake_merge, "many", "in3")))
    assert 'edges[1] field "target_port": node "m" (Test merge "sum") has no input port "in3"' in message
    assert "(its inputs: in1, in2; its parameter inputs is invalid, so it has the default ports:" in message


# ---- migrations ---------------------------------------------------------------------


def test_migration_table_covers_every_older_version() -> None:
    assert set(project.MIGRATIONS) == set(range(1, FORMAT_VERSION))


def test_older_files_are_migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
        # Pretend version 1 called node names "label" and version 2 calls them "name".
        assert data["version"] == 1
        for node in data["nodes"]:
            node["name"] = node.pop("label")
        return data

    monkeypatch.setattr(project, "FORMAT_VERSION", 2)
    monkeypatch.setattr(project, "MIGRATIONS", {1: v1_to_v2})
    old = minimal(version=1)
    for node in old["nodes"]:
        node["label"] = node.pop("name")
    path = write(tmp_path, old)
    original = path.read_bytes()

    doc = project.load(path)
    assert [n.name for n in doc.nodes()] == ["x", "fc1"]
    assert path.read_bytes() == original  # loading never rewrites the file
    assert project.to_dict(doc)["version"] == 2
    newer = load_error(write(tmp_path, minimal(version=3)))
    assert "(format version 3); this version reads up to 2" in newer


def test_migrations_run_in_sequence(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def step(version: int) -> Any:
        def migrate(data: dict[str, Any]) -> dict[str, Any]:
            assert data["version"] == version
            calls.append(version)
            data["settings"].setdefault("history", []).append(version)
            return data

        return migrate

    monkeypatch.setattr(project, "FORMAT_VERSION", 4)
    monkeypatch.setattr(project, "MIGRATIONS", {3: step(3), 1: step(1), 2: step(2)})
    doc = project.from_dict(minimal(version=2), "memory")
    assert calls == [2, 3]
    assert doc.settings["history"] == [2, 3]
    assert project.from_dict(minimal(version=4), "memory").settings == {}


@pytest.mark.parametrize(
    ("migrations", "expected"),
    [
        ({}, "memory: cannot upgrade format version 1: no migration to 2"),
        ({1: lambda data: data["nodes"][5]}, "cannot upgrade from format version 1 to 2: IndexError"),
        ({1: lambda data: None}, "upgrading from format version 1 did not give an object"),
    ],
)
def test_broken_migrations_raise_project_error(
    monkeypatch: pytest.MonkeyPatch, migrations: dict[int, Any], expected: str
) -> None:
    monkeypatch.setattr(project, "FORMAT_VERSION", 2)
    monkeypatch.setattr(project, "MIGRATIONS", migrations)
    with pytest.raises(ProjectError) as info:
        project.from_dict(minimal(version=1), "memory")
    assert expected in str(info.value)


# ---- documentation and import rule -------------------------------------------------------


def test_documented_example_loads() -> None:
    text = (ROOT / "docs" / "project-format.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.S)
    assert blocks, "docs/project-format.md should show an example file"
    doc = project.from_dict(json.loads(blocks[0]), "docs/project-format.md")
    assert len(doc) >= 2 and doc.edges()
    assert project.dumps(doc) == blocks[0], "the example should be exactly what netcanvas writes"
    assert not analyze(doc).errors
    assert f"version {FORMAT_VERSION}" in text or f'"version": {FORMAT_VERSION}' in text


def test_project_module_needs_no_torch_or_qt() -> None:
    code = (
        "import sys, nodes.project; "
        "bad = [m for m in ('torch', 'PySide6', 'pyqtgraph') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
