"""`netcanvas export PROJECT --format python|script [-o FILE]`."""

from __future__ import annotations

import sys

from backends.codegen.model_source import CodegenError, generate_model
from backends.commands.cli import EXIT_FAILED, EXIT_OK
from backends.commands.common import load_or_report
from nodes.analysis import analyze
from nodes.atomic_write import write_text_atomic


def run_export(path: str, fmt: str, output: str | None) -> int:
    doc = load_or_report(path)
    if doc is None:
        return EXIT_FAILED
    analysis = analyze(doc)
    try:
        if fmt == "script":
            from backends.codegen.script_source import generate_script

            source = generate_script(doc, analysis)
        else:
            source = generate_model(doc, analysis).source
    except CodegenError as exc:
        print(f"error: cannot export {path}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if output is None:
        sys.stdout.write(source)
        return EXIT_OK
    try:
        write_text_atomic(output, source)
    except OSError as exc:
        print(f"error: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"wrote {output}", file=sys.stderr)
    return EXIT_OK
