"""A model summary table in the spirit of Keras' model.summary(), as plain text."""

from __future__ import annotations

from nodes.analysis import Analysis, summarize_connections
from nodes.graph import GraphDocument
from nodes.shapes import format_shape

HEADERS = ("Node", "Type", "Output shape", "Param #", "Connected to")


def _row(doc: GraphDocument, analysis: Analysis, node_id: str) -> tuple[str, ...]:
    node = doc.node(node_id)
    info = analysis.info.get(node_id)
    spec = info.spec if info else None
    title = spec.title if spec else node.type_id
    if spec is not None and info is not None and info.out_shapes:
        shape = ", ".join(format_shape(info.out_shapes[p.name]) for p in spec.outputs)
    elif spec is not None and not spec.outputs:
        shape = "-"
    else:
        shape = "?"
    count = info.count.total if info else 0
    sources = ", ".join(summarize_connections(doc, node_id)) or "-"
    return (node.name, title, shape, f"{count:,}", sources)


def summary_table(doc: GraphDocument, analysis: Analysis) -> str:
    """Every node in data-flow order (nodes caught in a cycle last), then the totals."""
    ordered = list(analysis.order) + sorted(n for n in doc.iter_ids() if n not in analysis.order)
    rows = [_row(doc, analysis, n) for n in ordered]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(HEADERS)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.ljust(w) if i != 3 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "-" * len(line(HEADERS))
    total = analysis.totals()
    out = [f'Model: "{doc.name}"', rule, line(HEADERS), rule]
    out += [line(r) for r in rows]
    out += [
        rule,
        f"Total params: {total.total:,}",
        f"Trainable params: {total.trainable:,}",
        f"Non-trainable params: {total.non_trainable:,}"
        + (" (buffers such as BatchNorm running statistics)" if total.non_trainable else ""),
    ]
    return "\n".join(out)


def problems_text(analysis: Analysis) -> str:
    lines: list[str] = []
    for title, group, mark in (
        ("Errors", analysis.errors, "error"),
        ("Warnings", analysis.warnings, "warning"),
    ):
        if group:
            lines.append(f"{title} ({len(group)}):")
            lines += [f"  {mark}: {p.message}" for p in group]
    return "\n".join(lines) if lines else "No problems found."
