"""Project files: a graph document as versioned, human-readable JSON (never pickle).

    save(doc, path) / load(path)       files on disk (atomic write; validated read)
    dumps(doc) / to_dict(doc)          text and plain data, for tests and the clipboard
    from_dict(data, source)            a document from plain data, validated

Loading raises only ProjectError, whose message says where the file is wrong
(`nodes[3] (id "n4") field "params" must be an object, not a list`). Parameter
values are not judged here: they are kept as written (strict=False) so that
`nodes.analysis.analyze` reports them against the node, like any other mistake.
The layout is described for users in docs/project-format.md.
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Callable
from typing import Any

from nodes import registry
from nodes.atomic_write import write_text_atomic
from nodes.graph import GraphDocument, GraphEditError, Node
from nodes.spec import NodeSpec

FORMAT_NAME = "netcanvas-project"
FORMAT_VERSION = 1

# {from_version: function(data) -> data in the layout of from_version + 1}. Each step
# receives a private copy; `version` is updated after it by the loader.
Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[int, Migration] = {}

_LITERALS = ("true", "false", "null", "NaN", "Infinity", "-Infinity")
_INLINE_WIDTH = 72  # longer lists of plain values are written one item per line


class ProjectError(Exception):
    """A project file that cannot be read or written; the message names the place at fault."""


# ---- writing -----------------------------------------------------------------


def to_dict(doc: GraphDocument) -> dict[str, Any]:
    """The document as plain JSON data. Raises ProjectError naming any value JSON cannot hold."""
    nodes = doc.nodes()
    order = {node.id: index for index, node in enumerate(nodes)}
    edges = sorted(
        doc.edges(),
        key=lambda e: (order[e.source], e.source_port, order[e.target], e.target_port),
    )
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": _plain(doc.name, "name"),
        "description": _plain(doc.description, "description"),
        "nodes": [_node_dict(index, node) for index, node in enumerate(nodes)],
        "edges": [
            {
                "source": e.source,
                "source_port": _plain(e.source_port, f"the wire {e.describe()}"),
                "target": e.target,
                "target_port": _plain(e.target_port, f"the wire {e.describe()}"),
            }
            for e in edges
        ],
        "settings": _plain(doc.settings, "settings"),
    }


def _node_dict(index: int, node: Node) -> dict[str, Any]:
    where = f"nodes[{index}] (id {_q(node.id)})"
    return {
        "id": _plain(node.id, f"nodes[{index}] id"),
        "type": _plain(node.type_id, f"{where} type"),
        "name": _plain(node.name, f"{where} name"),
        "params": _plain(node.params, f"{where} params"),
        "position": [
            _plain(node.position[0], f"{where} position"),
            _plain(node.position[1], f"{where} position"),
        ],
    }


def _plain(value: Any, where: str) -> Any:
    """A JSON-native copy: tuples become lists, dict keys are sorted for stable diffs."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ProjectError(f"cannot save: {where} holds text that is not valid Unicode") from None
        return value
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ProjectError(f"cannot save: {where} is {value}, which JSON cannot store")
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise ProjectError(f"cannot save: {where} has the key {key!r}; JSON keys must be strings")
            _plain(key, f"{where} key")
        return {key: _plain(value[key], f"{where}[{_q(key)}]") for key in sorted(value)}
    raise ProjectError(
        f"cannot save: {where} holds {type(value).__name__} {_short(repr(value))}, "
        "which a project file cannot store"
    )


def dumps(doc: GraphDocument) -> str:
    """The file's text: indent 2, sorted parameter keys, UTF-8 as is, trailing newline.

    Short lists of plain values stay on one line (`"position": [120.0, 40.0]`) so a
    moved node or a changed shape is a one-line diff.
    """
    return _format(to_dict(doc), "") + "\n"


def _format(value: Any, indent: str) -> str:
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = [f"{inner}{_json(key)}: {_format(item, inner)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and value:
        if not any(isinstance(item, (dict, list)) for item in value):
            flat = _json(value)
            if len(flat) <= _INLINE_WIDTH:
                return flat
        return "[\n" + ",\n".join(inner + _format(item, inner) for item in value) + f"\n{indent}]"
    return _json(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def save(doc: GraphDocument, path: str | os.PathLike[str]) -> None:
    """Write atomically (see nodes.atomic_write); OS errors are raised as ProjectError."""
    text = dumps(doc)  # serialisation errors happen before any file is touched
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise ProjectError(f"cannot save {os.fspath(path)}: {exc.strerror or exc}") from exc


# ---- reading -----------------------------------------------------------------


def load(path: str | os.PathLike[str]) -> GraphDocument:
    """Read and validate a project file. Raises only ProjectError."""
    source = os.fspath(path)
    text = _read_text(source)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        if _looks_truncated(text, exc):
            raise ProjectError(
                f"{source}: the file ends too early (truncated JSON at {where}); it was probably "
                "cut off while being written — look for a recovery copy"
            ) from None
        raise ProjectError(f"{source}: invalid JSON at {where}: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:  # over-long integers, absurd nesting
        raise ProjectError(f"{source}: invalid JSON: {_short(str(exc))}") from None
    return from_dict(data, source)


def _read_text(source: str) -> str:
    if not os.path.exists(source):
        broken = " (a link to a missing file)" if os.path.islink(source) else ""
        raise ProjectError(f"{source}: no such file{broken}")
    if not os.path.isfile(source):
        what = "a folder" if os.path.isdir(source) else "not a regular file"
        raise ProjectError(f"{source}: not a file ({what})")
    try:
        with open(source, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise ProjectError(f"{source}: cannot be read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")  # tolerate the byte-order mark some editors add
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        if exc.reason == "unexpected end of data":
            raise ProjectError(
                f"{source}: the file ends too early, in the middle of a character (truncated at "
                f"line {line}); it was probably cut off while being written"
            ) from None
        raise ProjectError(
            f"{source}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}, line {line}); "
            "project files are UTF-8 JSON"
        ) from None
    if not text.strip():
        raise ProjectError(f"{source}: the file is empty")
    return text


def _looks_truncated(text: str, exc: json.JSONDecodeError) -> bool:
    """True when the text is a valid beginning of JSON that stops too soon."""
    if exc.msg.startswith("Unterminated string"):
        return True
    if exc.msg.startswith("Extra data"):
        return False
    tail = text[exc.pos :].rstrip()
    if not tail:
        return True
    if exc.msg.startswith("Invalid \\uXXXX escape"):
        return len(tail) <= 5 and tail[0] == "u" and all(c in "0123456789abcdefABCDEF" for c in tail[1:])
    if any(literal.startswith(tail) for literal in _LITERALS):
        return True
    return all(c in "0123456789+-.eE" for c in tail)  # a number cut short: "1.", "2e", "-"


def from_dict(data: Any, source: str = "project") -> GraphDocument:
    """Build a document from parsed JSON, migrating older versions. Raises only ProjectError.

    `source` (usually the file path) starts every message.
    """
    try:
        return _Reader(source).read(data)
    except RecursionError:
        raise ProjectError(f"{source}: the data is nested too deeply to be a project") from None


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, message: str) -> ProjectError:
        return ProjectError(f"{self.source}: {message}")

    def read(self, data: Any) -> GraphDocument:
        if not isinstance(data, dict):
            raise self.fail(f"the top level must be an object, not {_kind(data)}")
        data = self.migrate(self.check_header(data), data)
        name = self.field(data, "name", str, "top-level", default="Untitled")
        description = self.field(data, "description", str, "top-level", default="")
        settings = copy.deepcopy(self.field(data, "settings", dict, "top-level", default={}))
        nodes = self.field(data, "nodes", list, "top-level")
        edges = self.field(data, "edges", list, "top-level", default=[])
        doc = GraphDocument(name=name, description=description, settings=settings)
        where_of: dict[str, str] = {}
        for index, item in enumerate(nodes):
            self.add_node(doc, index, item, where_of)
        for index, item in enumerate(edges):
            self.add_edge(doc, index, item)
        return doc

    # -- header and migrations -------------------------------------------------------

    def check_header(self, data: dict[str, Any]) -> int:
        if "format" not in data:
            raise self.fail('missing field "format"; this is not a netcanvas project file')
        if data["format"] != FORMAT_NAME:
            raise self.fail(
                f'field "format" is {_short(json.dumps(data["format"], ensure_ascii=False))}, '
                f'expected "{FORMAT_NAME}"; this is not a netcanvas project file'
            )
        if "version" not in data:
            raise self.fail('missing field "version"')
        version = data["version"]
        if isinstance(version, bool) or not isinstance(version, int):
            raise self.fail(f'field "version" must be a whole number, not {_kind(version)}')
        if version < 1:
            raise self.fail(f'field "version" must be at least 1, got {version}')
        if version > FORMAT_VERSION:
            raise self.fail(
                f"made by a newer netcanvas (format version {version}); this version reads up to "
                f"{FORMAT_VERSION} — please update"
            )
        return version

    def migrate(self, version: int, data: dict[str, Any]) -> dict[str, Any]:
        if version == FORMAT_VERSION:
            return data
        data = copy.deepcopy(data)
        while version < FORMAT_VERSION:
            step = MIGRATIONS.get(version)
            if step is None:
                raise self.fail(f"cannot upgrade format version {version}: no migration to {version + 1}")
            try:
                data = step(data)
            except Exception as exc:
                raise self.fail(
                    f"cannot upgrade from format version {version} to {version + 1}: "
                    f"{type(exc).__name__}: {_short(str(exc))}"
                ) from exc
            if not isinstance(data, dict):
                raise self.fail(f"upgrading from format version {version} did not give an object")
            version += 1
            data["version"] = version
        return data

    # -- fields -----------------------------------------------------------------------

    _MISSING = object()

    def field(self, data: dict[str, Any], key: str, kind: type, where: str, default: Any = _MISSING) -> Any:
        """data[key] checked against a JSON kind; `where` prefixes the message."""
        prefix = "" if where == "top-level" else f"{where} "
        if key not in data:
            if default is self._MISSING:
                raise self.fail(f'{prefix}missing field "{key}"')
            return copy.deepcopy(default)
        value = data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f'{prefix}field "{key}" must be {_KIND_NAMES[kind]}, not {_kind(value)}')
        return value

    def add_node(self, doc: GraphDocument, index: int, item: Any, where_of: dict[str, str]) -> None:
        where = f"nodes[{index}]"
        if not isinstance(item, dict):
            raise self.fail(f"{where} must be an object, not {_kind(item)}")
        node_id = self.field(item, "id", str, where)
        if not node_id:
            raise self.fail(f'{where} field "id" must not be empty')
        where = f"nodes[{index}] (id {_q(node_id)})"
        if node_id in where_of:
            raise self.fail(f"{where} repeats the id of {where_of[node_id]}; node ids must be unique")
        type_id = self.field(item, "type", str, where)
        name = self.field(item, "name", str, where, default=None)
        params = self.field(item, "params", dict, where, default={})
        position = self.position(item, where)
        if not registry.exists(type_id):
            shown = f"{where[:-1]}, name {_q(name)})" if name is not None else where
            raise self.fail(f"{shown} has an unknown node type {_q(type_id)}")
        try:
            doc.add_node(
                type_id,
                name=name,
                params=copy.deepcopy(params),
                position=position,
                node_id=node_id,
                strict=False,
            )
        except GraphEditError as exc:
            raise self.fail(f"{where}: {exc}") from None
        where_of[node_id] = f"nodes[{index}]"

    def position(self, item: dict[str, Any], where: str) -> tuple[float, float]:
        value = self.field(item, "position", list, where, default=[0.0, 0.0])
        numbers = [n for n in map(_finite, value) if n is not None]
        if len(value) != 2 or len(numbers) != 2:
            raise self.fail(
                f'{where} field "position" must be two numbers [x, y], got '
                f"{_short(json.dumps(value, ensure_ascii=False))}"
            )
        return numbers[0], numbers[1]

    def add_edge(self, doc: GraphDocument, index: int, item: Any) -> None:
        where = f"edges[{index}]"
        if not isinstance(item, dict):
            raise self.fail(f"{where} must be an object, not {_kind(item)}")
        source = self.field(item, "source", str, where)
        source_port = self.field(item, "source_port", str, where)
        target = self.field(item, "target", str, where)
        target_port = self.field(item, "target_port", str, where)
        for key, node_id in (("source", source), ("target", target)):
            if node_id not in doc:
                raise self.fail(f'{where} field "{key}" names node {_q(node_id)}, which does not exist')
        src, dst = doc.node(source), doc.node(target)
        src_spec, dst_spec = registry.get(src.type_id), registry.get(dst.type_id)
        if src_spec.output_port(source_port) is None:
            outputs = ", ".join(p.name for p in src_spec.outputs) or "none"
            raise self.fail(
                f'{where} field "source_port": {_describe(src)} has no output port {_q(source_port)} '
                f"(its outputs: {outputs})"
            )
        if dst_spec.input_port(target_port, dst.params) is None:
            inputs = ", ".join(p.name for p in dst_spec.input_ports(dst.params)) or "none"
            raise self.fail(
                f'{where} field "target_port": {_describe(dst)} has no input port {_q(target_port)} '
                f"(its inputs: {inputs}{_port_count_note(dst_spec, dst)})"
            )
        try:
            doc.connect(source, source_port, target, target_port)
        except GraphEditError as exc:
            raise self.fail(f"{where}: {exc}") from None


# ---- small helpers -----------------------------------------------------------------

_KIND_NAMES: dict[type, str] = {str: "a string", dict: "an object", list: "a list", int: "a whole number"}


def _kind(value: Any) -> str:
    """The JSON kind of a parsed value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _finite(value: Any) -> float | None:
    """The value as a finite float, or None for anything else (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _q(text: Any) -> str:
    """A name quoted as JSON writes it (escapes included), shortened if long."""
    return _short(json.dumps(text, ensure_ascii=False))


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _port_count_note(spec: NodeSpec, node: Node) -> str:
    """Why a merge has fewer ports than a wire expects: its `inputs` value is invalid."""
    if not (spec.variadic and spec.has_param("inputs") and "inputs" in node.params):
        return ""
    try:
        spec.param("inputs").coerce(node.params["inputs"])
    except ValueError as exc:
        return f"; its parameter inputs is invalid, so it has the default ports: {exc}"
    return ""


def _describe(node: Node) -> str:
    title = registry.get(node.type_id).title
    return f"node {_q(node.id)} ({title} {_q(node.name)})"
