"""The one table of node types, filled from the declarations in nodes/catalog/."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

from nodes.spec import Category, NodeSpec

CATEGORY_ORDER = (
    Category.DATA,
    Category.LAYER,
    Category.ACTIVATION,
    Category.MERGE,
    Category.LOSS,
    Category.OPTIMIZER,
)

_REGISTRY: dict[str, NodeSpec] = {}
_loaded = False


class UnknownNodeType(KeyError):
    def __str__(self) -> str:
        return f"unknown node type {self.args[0]!r}"


def _load() -> None:
    """Import every module of nodes.catalog once; each lists its specs in SPECS."""
    global _loaded
    if _loaded:
        return
    import nodes.catalog as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for spec in getattr(module, "SPECS", ()):
            if spec.type_id in _REGISTRY:
                raise RuntimeError(f"node type {spec.type_id!r} is declared twice")
            _REGISTRY[spec.type_id] = spec
    _loaded = True


def get(type_id: str) -> NodeSpec:
    _load()
    try:
        return _REGISTRY[type_id]
    except KeyError:
        raise UnknownNodeType(type_id) from None


def exists(type_id: str) -> bool:
    _load()
    return type_id in _REGISTRY


def all_specs() -> list[NodeSpec]:
    """Every node type, grouped by category in palette order."""
    _load()
    rank = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    return sorted(_REGISTRY.values(), key=lambda s: rank[s.category])


def by_category() -> Iterator[tuple[Category, list[NodeSpec]]]:
    specs = all_specs()
    for category in CATEGORY_ORDER:
        group = [s for s in specs if s.category is category]
        if group:
            yield category, group
