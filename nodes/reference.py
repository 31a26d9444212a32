"""The node reference (docs/nodes.md), written from the catalog so it cannot drift.

python -m nodes.reference > docs/nodes.md
"""

from __future__ import annotations

from nodes import registry
from nodes.params import ChoiceParam, Param
from nodes.shapes import format_shape
from nodes.spec import NodeSpec

CATEGORY_TITLES = {
    "data": "Data",
    "layer": "Layers",
    "activation": "Activations",
    "merge": "Merges",
    "loss": "Losses",
    "optimizer": "Optimizers",
}


def _default(param: Param) -> str:
    if param.default is None:
        return "auto"
    if isinstance(param.default, tuple):
        return "[" + ", ".join(str(v) for v in param.default) + "]"
    return f"`{param.default!r}`" if isinstance(param, ChoiceParam) else f"`{param.default}`"


def _section(spec: NodeSpec) -> list[str]:
    lines = [f"### {spec.title} (`{spec.type_id}`)", "", spec.explanation, ""]
    if spec.torch_class:
        lines += [f"PyTorch: `{spec.torch_class}`", ""]
    if spec.params:
        lines += ["| parameter | default | allowed | meaning |", "|---|---|---|---|"]
        for p in spec.params:
            allowed = p.describe_range().replace("|", "/") or "-"
            lines.append(f"| `{p.name}` | {_default(p)} | {allowed} | {p.help or '-'} |")
        lines.append("")
    inputs = ", ".join(port.display_name for port in spec.input_ports(spec.defaults())) or "none"
    outputs = ", ".join(port.display_name for port in spec.outputs) or "none"
    lines += [f"Inputs: {inputs}. Outputs: {outputs}.", ""]
    samples = [ex for ex in spec.examples if ex[1]]
    if samples:
        overrides, shapes = samples[0]
        shown = ", ".join(format_shape(s) for s in shapes)
        settings = ", ".join(f"{k}={v!r}" for k, v in overrides.items()) or "defaults"
        lines += [f"Example: {settings}, fed {shown}.", ""]
    return lines


def reference_markdown() -> str:
    lines = [
        "# Node reference",
        "",
        "Every node type netcanvas offers, generated from the catalog in `nodes/catalog/` by "
        "`python -m nodes.reference`. Shapes are written with `N` for the batch dimension.",
        "",
    ]
    for category, specs in registry.by_category():
        lines += [f"## {CATEGORY_TITLES[category.value]}", ""]
        for spec in specs:
            lines += _section(spec)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(reference_markdown(), end="")
