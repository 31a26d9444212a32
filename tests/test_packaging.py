"""`pip install .` gives a complete netcanvas: every package, the examples, and the command."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_holds_packages_examples_and_entry_point(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    wheel = next(tmp_path.glob("netcanvas-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("nodes", "backends", "designer", "resources"):
        assert f"{package}/__init__.py" in names
    assert "main.py" in names
    examples = {p.name for p in (ROOT / "resources" / "examples").glob("*.json")}
    assert examples and {f"resources/examples/{name}" for name in examples} <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "netcanvas = main:main" in text
    assert not any(n.startswith(("tests/", "bench/")) for n in names)
