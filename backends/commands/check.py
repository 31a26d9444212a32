"""`netcanvas check PROJECT`: the summary table and every problem, without importing torch."""

from __future__ import annotations

from backends.commands.cli import EXIT_FAILED, EXIT_OK
from backends.commands.common import load_or_report
from nodes.analysis import analyze
from nodes.summary import problems_text, summary_table


def run_check(path: str) -> int:
    doc = load_or_report(path)
    if doc is None:
        return EXIT_FAILED
    analysis = analyze(doc)
    print(summary_table(doc, analysis))
    print()
    print(problems_text(analysis))
    if not analysis.can_build:
        print("\nThe model cannot be built until the errors above are fixed.")
        return EXIT_FAILED
    if not analysis.can_train:
        print("\nThe model can be exported; training needs the warnings marked above resolved.")
    return EXIT_OK
