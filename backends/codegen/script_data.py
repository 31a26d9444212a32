"""The data section of an exported training script.

The script must see exactly the data the app trains on, so instead of a second
implementation it carries the app's own functions: their source text is copied
from backends.data and backends.training.data_feed by `inspect.getsource`. A test
runs the script's `load_data()` against `load_dataset()` for every source type.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from typing import Any

from backends.codegen.model_source import CodegenError, literal


def _source(*objects: Callable[..., Any] | type) -> str:
    return "\n\n".join(textwrap.dedent(inspect.getsource(obj)).strip() for obj in objects)


def _synthetic(type_id: str) -> tuple[str, str]:
    from backends.data import generators
    from backends.data.loader import GENERATION_STREAM

    function = generators.GENERATORS[type_id]
    helpers = [generators._counts, generators._points] if "_points(" in inspect.getsource(function) else []
    code = "\n\n\n".join(
        [
            f"POINT_NAMES = {generators.POINT_NAMES!r}\nGENERATION_STREAM = {GENERATION_STREAM!r}",
            _source(*helpers, function) if helpers else _source(function),
        ]
    )
    call = f"{function.__name__}(PARAMS, np.random.default_rng([PARAMS['seed'], GENERATION_STREAM]))"
    return code, call


def _bundled(type_id: str) -> tuple[str, str]:
    from backends.data import bundled

    loader = bundled.BUNDLED[type_id]
    if type_id == "Digits":
        return _source(bundled._bunch, bundled.digits), "digits(PARAMS)"
    name = inspect.getclosurevars(loader).nonlocals["name"]
    return _source(bundled._bunch, bundled._table), f"_table({name!r})(PARAMS)"


def data_section(type_id: str, params: dict[str, Any]) -> str:
    """Source defining PARAMS and load_data() -> dict of numpy splits, as the app makes them."""
    from backends.data import bundled, generators, prepare, splits
    from backends.training import data_feed

    if type_id in generators.GENERATORS:
        loader_code, call = _synthetic(type_id)
    elif type_id in bundled.BUNDLED:
        loader_code, call = _bundled(type_id)
    else:
        raise CodegenError(
            f"training-script export does not support {type_id} data yet; export the model with "
            "--format python and load your file in your own loop"
        )
    shared = _source(
        prepare.RawData,
        splits.Scaling,
        splits.AugmentFlags,
        prepare._share,
        prepare.split_indices,
        prepare.channel_axis,
        prepare.fit_scaling,
        data_feed._features,
        data_feed._targets,
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
