"""What a node's card says, worked out from the document and the latest analysis.

Kept apart from the drawing so the words can be tested without painting, and so the
node item only lays out and paints strings it is given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from html import escape
from typing import Any

from designer.canvas.style import MAX_KEY_PARAMS
from nodes.analysis import NodeInfo, Problem
from nodes.graph import Node
from nodes.params import FloatParam
from nodes.shapes import format_shape
from nodes.spec import NodeSpec


@dataclass
class CardContent:
    title: str
    name: str
    # (label, value, inferred): inferred values come from analysis for "auto" parameters
    params: list[tuple[str, str, bool]] = field(default_factory=list)
    # (port label, shape text) per output port; shape "" when unknown
    out_shapes: list[tuple[str, str]] = field(default_factory=list)
    count_text: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    explanation: str = ""
    count_detail: str = ""

    def tooltip(self, gradient: float | None = None) -> str:
        """Rich text for the card's tooltip: what it is, what it makes, what is wrong."""
        parts = [f"<b>{escape(self.title)}</b> '{escape(self.name, quote=False)}'"]
        if self.explanation:
            parts.append(f"<span>{escape(self.explanation, quote=False)}</span>")
        shapes = ", ".join(f"{escape(p)} {escape(s)}" if p else escape(s) for p, s in self.out_shapes if s)
        if shapes:
            parts.append(f"Output: {shapes}")
        if self.count_detail:
            parts.append(escape(self.count_detail))
        if gradient is not None:
            parts.append(f"Gradient norm: {gradient:.3g}")
        parts += [f"<span style='color:#d93025'>⛔ {escape(m, quote=False)}</span>" for m in self.errors]
        parts += [f"<span style='color:#b07800'>⚠ {escape(m, quote=False)}</span>" for m in self.warnings]
        return "<p style='white-space:pre-wrap'>" + "<br>".join(parts) + "</p>"


def first_sentence(text: str) -> str:
    end = text.find(". ")
    return text if end == -1 else text[: end + 1]


def format_value(value: Any, param: Any = None) -> str:
    if value is None:
        return "auto"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) or isinstance(param, FloatParam):
        return f"{float(value):g}"
    if isinstance(value, int):
        return f"{value:,}" if value >= 100_000 else str(value)
    if isinstance(value, (tuple, list)):
        return "×".join(str(v) for v in value) if value else "scalar"
    text = str(value)
    if os.sep in text or "/" in text:
        text = os.path.basename(text)  # file paths: the name is what fits on a card
    return text or "—"


def format_count(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f}M params"
    return f"{count:,} param" + ("" if count == 1 else "s")


def inferred_values(spec: NodeSpec, info: NodeInfo | None) -> dict[str, Any]:
    """Values torch will receive for "auto" parameters, when analysis got that far."""
    if info is None or info.params is None or spec.module_args is None or not info.out_shapes:
        return {}
    try:
        return {arg.name: arg.value for arg in spec.module_args(info.params, info.in_shapes)}
    except Exception:  # a rule that cannot resolve simply leaves the value as "auto"
        return {}


def card_content(
    node: Node, spec: NodeSpec | None, info: NodeInfo | None, problems: list[Problem] | None = None
) -> CardContent:
    """The card of `node`; `info` and `problems` come from the latest analysis (None before one)."""
    if spec is None:
        content = CardContent(title=node.type_id, name=node.name)
    else:
        content = CardContent(title=spec.title, name=node.name, explanation=first_sentence(spec.explanation))
    if spec is not None:
        inferred = (
            inferred_values(spec, info) if any(node.params.get(k) is None for k in spec.key_params) else {}
        )
        for key in spec.key_params[:MAX_KEY_PARAMS]:
            param = spec.param(key) if spec.has_param(key) else None
            value = node.params.get(key, param.default if param else None)
            label = param.display_name if param else key
            if value is None and inferred.get(key) is not None:
                content.params.append((label, format_value(inferred[key], param), True))
            else:
                content.params.append((label, format_value(value, param), False))
        shapes = info.out_shapes if info is not None else {}
        content.out_shapes = [
            (port.display_name, format_shape(shapes[port.name]) if port.name in shapes else "")
            for port in spec.outputs
        ]
        if info is not None and spec.is_module and info.out_shapes:
            count = info.count
            content.count_text = format_count(count.trainable) if count.trainable else ""
            content.count_detail = f"{count.trainable:,} trainable parameters" + (
                f", {count.non_trainable:,} buffer values" if count.non_trainable else ""
            )
    for problem in problems or ():
        (content.errors if problem.is_error else content.warnings).append(problem.message)
    return content
