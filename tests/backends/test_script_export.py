"""The exported training script: readable, standalone, the same data and metrics as the app,
and data-parallel under torchrun."""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from backends.codegen.model_source import CodegenError
from backends.codegen.script_source import generate_script
from backends.data import load_dataset
from backends.training.loop import TrainingJob, run_training
from nodes import registry
from nodes.analysis import analyze
from nodes.graph import GraphDocument
from nodes.project import load
from nodes.spec import Role
from nodes.training_settings import TrainingSettings

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
FILE_SOURCES = {"CsvData", "NumpyData"}
EPOCH_LINE = re.compile(r"epoch (\d+)/\d+: train loss ([\d.]+)(?:, val loss ([\d.]+))?")


def example(name: str, **training: object) -> GraphDocument:
    doc = load(EXAMPLES / f"{name}.json")
    doc.settings["training"] = {**doc.settings.get("training", {}), **training}
    return doc


def script_namespace(source: str, monkeypatch: pytest.MonkeyPatch) -> dict:
    module = types.ModuleType("exported_script")
    monkeypatch.setitem(sys.modules, module.__name__, module)  # dataclasses look their module up
    exec(compile(source, "train.py", "exec"), module.__dict__)
    return module.__dict__


def run_script(path: Path, *launcher: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    command = [*launcher, str(path)] if launcher else [sys.executable, "-I", str(path)]
    return subprocess.run(
        command, cwd=path.parent, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.json")))
def test_every_example_exports_a_clean_script(name: str, tmp_path: Path) -> None:
    doc = example(name)
    source = generate_script(doc, analyze(doc))
    target = tmp_path / "train.py"
    target.write_text(source, encoding="utf-8")
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout
    assert "import backends" not in source and "import nodes" not in source


def source_doc(type_id: str) -> GraphDocument:
    doc = GraphDocument("Data")
    doc.add_node(type_id, name="data")
    return doc


@pytest.mark.parametrize(
    "type_id",
    [s.type_id for s in registry.all_specs() if s.role is Role.SOURCE and s.type_id not in FILE_SOURCES],
)
def test_script_data_equals_the_apps_data(type_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from backends.codegen.script_data import data_section

    params = registry.get(type_id).defaults()
    header = "import numpy as np\nfrom dataclasses import dataclass, field\nfrom typing import Any\n"
    namespace = script_namespace(header + data_section(type_id, params), monkeypatch)
    ours = namespace["load_data"]()
    app = load_dataset(type_id, params)
    for split in ("train", "val", "test"):
        np.testing.assert_array_equal(ours[f"x_{split}"].astype(np.float32), getattr(app, f"x_{split}"))
        np.testing.assert_array_equal(ours[f"y_{split}"], getattr(app, f"y_{split}"))
    assert ours["num_classes"] == app.num_classes


def app_epochs(doc: GraphDocument) -> list[tuple[float, float | None]]:
    outcome = run_training(
        TrainingJob(doc, TrainingSettings.from_dict(doc.settings["training"]), views=False), lambda e: None
    )
    assert outcome.failed is None, outcome.failed
    return [(e.train_loss, e.val_loss) for e in outcome.history]


def script_epochs(output: str) -> list[tuple[float, float | None]]:
    rows = [EPOCH_LINE.match(line) for line in output.splitlines()]
    return [(float(m[2]), float(m[3]) if m[3] else None) for m in rows if m]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["xor_mlp", "digits_cnn"])
def test_script_reaches_the_apps_numbers(name: str, tmp_path: Path) -> None:
    doc = example(name, epochs=3)
    target = tmp_path / "train.py"
    target.write_text(generate_script(doc, analyze(doc)), encoding="utf-8")
    result = run_script(target)
    assert result.returncode == 0, result.stderr
    ours = script_epochs(result.stdout)
    app = app_epochs(doc)
    assert len(ours) == len(app) == 3
    for (train, val), (app_train, app_val) in zip(ours, app, strict=True):
        assert train == pytest.approx(app_train, rel=1e-4, abs=1e-6)
        assert val == pytest.approx(app_val, rel=1e-4, abs=1e-6)


@pytest.mark.slow
def test_script_trains_data_parallel_under_torchrun(tmp_path: Path) -> None:
    doc = example("xor_mlp", epochs=2)
    target = tmp_path / "train.py"
    target.write_text(generate_script(doc, analyze(doc)), encoding="utf-8")
    launcher = (sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29517")
    result = run_script(target, *launcher)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(script_epochs(result.stdout)) == 2  # rank 0 alone prints
    assert result.stdout.count("test: ") == 1


def test_script_export_explains_what_is_missing() -> None:
    doc = load(EXAMPLES / "xor_mlp.json")
    doc.remove_node(doc.find_by_name("optimizer").id)
    with pytest.raises(CodegenError, match=r"cannot write a training script: .*optimizer"):
        generate_script(doc, analyze(doc))
