"""The import rules of DESIGN.md, enforced: nodes/ is pure Python, backends/ has no Qt,
and only designer/ touches Qt, reaching torch only through backends/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QT = {"PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6"}
TORCH = {"torch"}


def imported_roots(path: Path) -> set[str]:
    """Top-level package names a file imports, wherever the import statement is."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", files("nodes"), ids=lambda p: str(p.relative_to(ROOT)))
def test_nodes_import_neither_torch_nor_qt(path: Path) -> None:
    assert not imported_roots(path) & (QT | TORCH | {"backends", "designer"})


@pytest.mark.parametrize("path", files("backends"), ids=lambda p: str(p.relative_to(ROOT)))
def test_backends_import_no_qt(path: Path) -> None:
    assert not imported_roots(path) & (QT | {"designer"})


@pytest.mark.parametrize("path", files("designer"), ids=lambda p: str(p.relative_to(ROOT)))
def test_designer_reaches_torch_only_through_backends(path: Path) -> None:
    assert not imported_roots(path) & TORCH


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_core_loads_in_a_bare_interpreter_without_torch_or_qt() -> None:
    loaded = run_python(
        "import sys, importlib, pkgutil, nodes\n"
        "for m in pkgutil.walk_packages(nodes.__path__, 'nodes.'): importlib.import_module(m.name)\n"
        "from nodes import registry; registry.all_specs()\n"
        "import backends.codegen.model_source, backends.commands.check\n"
        "print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))"
    ).split()
    assert not set(loaded) & (QT | TORCH)


def test_check_command_does_not_import_torch(tmp_path: Path) -> None:
    example = ROOT / "resources" / "examples" / "xor_mlp.json"
    out = run_python(
        "import sys\nfrom backends.commands.check import run_check\n"
        f"run_check({str(example)!r})\nprint('torch' in sys.modules)"
    )
    assert out.strip().endswith("False")
