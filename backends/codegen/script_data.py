"""The data section of an exported training script.

The script must see exactly the data the app trains on, so instead of a second
implementation it carries the app's own functions: their source text is copied
from backends.data and backends.training.data_feed. The text is read from the files
(not through `inspect`), so writing a script never imports torch. A test runs the
script's `load_data()` against `load_dataset()` for every source type.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from typing import Any

from backends.codegen.model_source import CodegenError, literal


def source_of(module: str, *names: str) -> str:
    """The source text of top-level functions or classes of a module, without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise CodegenError(f"cannot find {module}")
    text = Path(spec.origin).read_text(encoding="utf-8")
    found = {
        node.name: ast.get_source_segment(text, node, padded=False)
        for node in ast.parse(text).body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    }
    parts = []
    for name in names:
        node_text = found.get(name)
        if node_text is None:
            raise CodegenError(f"{module} has no {name}")
        parts.append(_with_decorators(text, name, node_text))
    return "\n\n\n".join(parts)


def _with_decorators(text: str, name: str, body: str) -> str:
    """ast segments start at `def`/`class`; keep decorators such as @dataclass."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name and node.decorator_list:
            lines = text.splitlines()
            first = node.decorator_list[0].lineno - 1
            return "\n".join(lines[first : node.lineno - 1]) + "\n" + body
    return body


def _synthetic(type_id: str) -> tuple[str, str]:
    from backends.data import generators
    from backends.data.loader import GENERATION_STREAM

    function = generators.GENERATORS[type_id].__name__
    own = source_of("backends.data.generators", function)
    helpers = ("_counts", "_points") if "_points(" in own else ()
    code = "\n\n\n".join(
        [
            f"POINT_NAMES = {generators.POINT_NAMES!r}\nGENERATION_STREAM = {GENERATION_STREAM!r}",
            source_of("backends.data.generators", *helpers, function),
        ]
    )
    call = f"{function}(PARAMS, np.random.default_rng([PARAMS['seed'], GENERATION_STREAM]))"
    return code, call


BUNDLED_TABLES = {"Iris": "iris", "Wine": "wine", "BreastCancer": "breast_cancer"}


def _bundled(type_id: str) -> tuple[str, str]:
    if type_id == "Digits":
        return source_of("backends.data.bundled", "_bunch", "digits"), "digits(PARAMS)"
    return source_of(
        "backends.data.bundled", "_bunch", "_table"
    ), f"_table({BUNDLED_TABLES[type_id]!r})(PARAMS)"


def data_section(type_id: str, params: dict[str, Any]) -> str:
    """Source defining PARAMS and load_data() -> dict of numpy splits, as the app makes them."""
    from backends.data import generators, prepare

    if type_id in generators.GENERATORS:
        loader_code, call = _synthetic(type_id)
    elif type_id in BUNDLED_TABLES or type_id == "Digits":
        loader_code, call = _bundled(type_id)
    else:
        raise CodegenError(
            f"training-script export does not support {type_id} data yet; export the model with "
            "--format python and load your file in your own loop"
        )
    shared = "\n\n\n".join(
        [
            source_of("backends.data.prepare", "RawData"),
            source_of("backends.data.splits", "Scaling", "AugmentFlags"),
            source_of("backends.data.prepare", "_share", "split_indices", "channel_axis", "fit_scaling"),
            source_of("backends.training.data_feed", "_features", "_targets"),
        ]
    )
    return "\n\n\n".join(
        [
            "class DataError(ValueError):\n    pass",
            "class FeedError(ValueError):\n    pass",
            f"SPLIT_STREAM = {prepare.SPLIT_STREAM!r}",
            shared,
            loader_code,
            f"PARAMS = {literal_dict(params)}",
            _LOAD_DATA.replace("CALL", call),
        ]
    )


def literal_dict(values: dict[str, Any]) -> str:
    """A dict literal, one entry per line when it would not fit on one."""
    items = [f"{key!r}: {literal(value)}" for key, value in values.items()]
    flat = "{" + ", ".join(items) + "}"
    if len(flat) <= 80:
        return flat
    return "{\n" + "".join(f"    {item},\n" for item in items) + "}"


_LOAD_DATA = '''def load_data() -> dict[str, np.ndarray]:
    """Generate or load the data, split it (stratified for classes) and scale it with
    statistics of the training split only, exactly as netcanvas does."""
    raw = CALL
    y = raw.y if raw.task == "classification" else np.asarray(raw.y, dtype=np.float32).reshape(len(raw.y), -1)
    labels = raw.y if raw.task == "classification" else None
    train, val, test = split_indices(
        len(raw.x), labels, PARAMS["validation_fraction"], PARAMS["test_fraction"], PARAMS["seed"]
    )
    x = raw.x.astype(np.float64)
    x = fit_scaling(x[train], PARAMS["scaling"], raw.scale_mask).apply(x)
    return {
        "x_train": x[train], "y_train": y[train],
        "x_val": x[val], "y_val": y[val],
        "x_test": x[test], "y_test": y[test],
        "task": raw.task,
        "num_classes": len(raw.class_names) if raw.task == "classification" else None,
    }'''
