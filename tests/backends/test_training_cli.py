"""`python main.py train`: exit codes, messages, the JSON-lines log, saved weights, the examples."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

import main
from backends.module_builder import build_model
from backends.weights import load_weights
from nodes import datafiles
from nodes.project import load
from tests.backends.training_helpers import EXAMPLES, ROOT, one_thread, splits

one_thread = pytest.fixture(autouse=True)(one_thread)

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))


@pytest.fixture(autouse=True)
def keep_base_dir() -> Iterator[None]:
    """The command sets the data folder for the process; put it back for the other tests."""
    with datafiles.using_base_dir(datafiles.base_dir()):
        yield


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        cwd=ROOT,
        env={**os.environ, "OMP_NUM_THREADS": "1"},  # as in-process (see one_thread)
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_train_writes_a_log_and_loadable_weights(tmp_path: Path) -> None:
    log, saved = tmp_path / "log.jsonl", tmp_path / "xor.safetensors"
    result = cli(
        "train",
        "resources/examples/xor_mlp.json",
        "--epochs",
        "3",
        "--log",
        str(log),
        "--save-weights",
        str(saved),
    )
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr
    assert "epoch    3/3" in result.stdout and f"saved weights to {saved}" in result.stdout

    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [r["event"] for r in records] == ["epoch", "epoch", "epoch", "finished"]
    assert [r["epoch"] for r in records[:3]] == [1, 2, 3]
    for record in records[:3]:
        assert record["train_loss"] > 0 and record["val_loss"] > 0
        assert 0 <= record["val_metrics"]["accuracy"] <= 1
    final = records[-1]
    assert final["reason"] == "completed"

    # The weights file holds the final model: it scores what the log says on the test split.
    doc = load(EXAMPLES / "xor_mlp.json")
    model = build_model(doc).model.eval()
    load_weights(model, saved)
    feed, _ = splits(doc)
    with torch.no_grad():
        logits = model(feed.test.x)
    predicted = (logits.reshape(-1) > 0).long()
    accuracy = float((predicted == feed.test.y.reshape(-1).long()).float().mean())
    assert accuracy == pytest.approx(final["test"]["accuracy"])
    assert float(torch.nn.functional.binary_cross_entropy_with_logits(logits, feed.test.y)) == pytest.approx(
        final["test"]["loss"], rel=1e-5
    )


def test_a_missing_project_file_exits_1_with_an_error(tmp_path: Path) -> None:
    result = cli("train", str(tmp_path / "absent.json"))
    assert result.returncode == 1
    assert result.stderr.startswith("error:") and "absent.json" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "text",
    ['{"format": "netcanvas-project", "version": 1, "nodes": [', "not json at all", ""],
    ids=["truncated", "not json", "empty"],
)
def test_a_broken_project_file_exits_1_with_an_error(tmp_path: Path, capsys, text: str) -> None:
    project = tmp_path / "broken.json"
    project.write_text(text, encoding="utf-8")
    assert main.main(["train", str(project)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "broken.json" in err


def test_bad_settings_exit_1_naming_the_setting(capsys) -> None:
    assert main.main(["train", str(EXAMPLES / "xor_mlp.json"), "--epochs", "0"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "epochs" in err


def test_a_failing_run_exits_1_and_logs_the_failure(tmp_path: Path, capsys) -> None:
    data = json.loads((EXAMPLES / "sine_gru.json").read_text(encoding="utf-8"))
    for node in data["nodes"]:
        if node["type"] in ("Adam", "SGD", "AdamW"):
            node["type"], node["params"] = "SGD", {"lr": 10.0}
    project = tmp_path / "diverges.json"
    project.write_text(json.dumps(data), encoding="utf-8")
    log, saved = tmp_path / "log.jsonl", tmp_path / "never.safetensors"
    code = main.main(
        ["train", str(project), "--epochs", "20", "--log", str(log), "--save-weights", str(saved)]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the loss became") and "hint:" in err
    last = json.loads(log.read_text(encoding="utf-8").splitlines()[-1])
    assert last["event"] == "failed" and last["kind"] == "nan" and last["step"] >= 1
    assert not saved.exists()


def test_weights_that_cannot_be_saved_exit_1(tmp_path: Path, capsys) -> None:
    target = tmp_path / "no such folder" / "w.safetensors"
    code = main.main(
        ["train", str(EXAMPLES / "perceptron.json"), "--epochs", "1", "--save-weights", str(target)]
    )
    assert code == 1
    assert "error: cannot write" in capsys.readouterr().err


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_trains_for_one_epoch(example: Path, tmp_path: Path, capsys) -> None:
    log = tmp_path / "log.jsonl"
    code = main.main(["train", str(example), "--epochs", "1", "--device", "cpu", "--log", str(log)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "error" not in err and "finished (completed) after 1 epochs" in out
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [r["event"] for r in records] == ["epoch", "finished"]


def final_test_metrics(example: str, tmp_path: Path) -> dict[str, float]:
    log = tmp_path / "log.jsonl"
    assert main.main(["train", str(EXAMPLES / example), "--device", "cpu", "--log", str(log)]) == 0
    final = json.loads(log.read_text(encoding="utf-8").splitlines()[-1])
    assert final["event"] == "finished"
    return final["test"]


@pytest.mark.slow
def test_the_spiral_example_reaches_its_accuracy_goal(tmp_path: Path) -> None:
    assert final_test_metrics("spiral_mlp.json", tmp_path)["accuracy"] > 0.95


@pytest.mark.slow
def test_the_digits_example_reaches_its_accuracy_goal(tmp_path: Path) -> None:
    assert final_test_metrics("digits_cnn.json", tmp_path)["accuracy"] > 0.90
