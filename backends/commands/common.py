"""Loading a project for a command, with errors printed instead of raised."""

from __future__ import annotations

import sys
from pathlib import Path

from nodes.datafiles import set_base_dir
from nodes.graph import GraphDocument
from nodes.project import ProjectError, load


def load_or_report(path: str) -> GraphDocument | None:
    """Load a project; its data files resolve against the project's folder from now on."""
    try:
        doc = load(path)
    except ProjectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    set_base_dir(Path(path).resolve().parent)
    return doc
