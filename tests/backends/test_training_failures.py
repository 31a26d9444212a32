"""Everything that can go wrong becomes a Failed event: never a traceback, never bad weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import backends.training.loop as loop
from backends.training import events as ev
from nodes.analysis import analyze
from nodes.datafiles import using_base_dir
from nodes.graph import GraphDocument
from tests.backends.training_helpers import (
    assert_same_state,
    blobs,
    chain,
    initial_state,
    of_type,
    one_thread,
    run,
    sine,
    state,
    state_after,
    step_losses,
)

one_thread = pytest.fixture(autouse=True)(one_thread)

HIDDEN = (("Linear", {"out_features": 4}), ("Tanh", {}), ("Linear", {"out_features": 1}))


def csv_regression(path: Path | str, layers: Any = HIDDEN, **source: Any) -> GraphDocument:
    return chain(
        "CsvData",
        {"path": str(path), "task": "regression", "validation_fraction": 0.0, **source},
        [1],
        layers,
        {"shape": [1], "dtype": "float"},
        loss="MSELoss",
        optimizer_params={"lr": 0.01},
    )


def write_csv(path: Path, rows: list[tuple[float, float]]) -> Path:
    path.write_text("x,y\n" + "".join(f"{x!r},{y!r}\n" for x, y in rows), encoding="utf-8")
    return path


def absurd_learning_rate(tmp_path: Path) -> tuple[GraphDocument, int]:
    return sine(lr=10.0), 8


def huge_targets(tmp_path: Path) -> tuple[GraphDocument, int]:
    rows = [(i / 40, 1e30 * (1 + i % 3)) for i in range(40)]
    return csv_regression(write_csv(tmp_path / "huge_y.csv", rows), scaling="none"), 8


def huge_inputs(tmp_path: Path) -> tuple[GraphDocument, int]:
    """The first loss (about 1.7e38) is finite but its gradient overflows float32: the update
    itself is the bad step, and the weights it would leave are infinite."""
    rows = [(2.5e19, 0.5)] * 40
    linear = [("Linear", {"out_features": 1})]
    return csv_regression(write_csv(tmp_path / "huge_x.csv", rows), linear, scaling="none"), 1


def with_batch_norm(tmp_path: Path) -> tuple[GraphDocument, int]:
    """BatchNorm's running statistics are weights too: they must not keep NaN either."""
    doc = chain(
        "SineRegression",
        {"samples": 120},
        [1],
        [("Linear", {"out_features": 8}), ("BatchNorm1d", {}), ("Tanh", {}), ("Linear", {"out_features": 1})],
        {"shape": [1], "dtype": "float"},
        loss="MSELoss",
        optimizer_params={"lr": 10.0},
    )
    return doc, 8


@pytest.fixture(params=["host", "device"])
def finite_checks(request, monkeypatch) -> str:
    """The loop reads each loss on the host only where that is free (the CPU); on a GPU the check
    stays on the device. Both ways run here, on the CPU."""
    if request.param == "device":
        monkeypatch.setattr(loop, "_reads_loss_on_host", lambda device: False)
    return request.param


@pytest.mark.parametrize("make", [absurd_learning_rate, huge_targets, huge_inputs, with_batch_norm])
def test_a_diverging_run_fails_at_the_bad_step_and_keeps_the_weights_from_before_it(
    make, tmp_path: Path, finite_checks: str
) -> None:
    doc, batch_size = make(tmp_path)
    kwargs = {"epochs": 30, "batch_size": batch_size, "seed": 1}
    # One report for many steps: the bad step lies inside a window of unreported steps.
    outcome, events = run(doc, report_interval=60.0, **kwargs)
    failed = outcome.failed
    assert failed is not None and failed.kind == "nan", failed
    assert events[-1] is failed and outcome.finished is None
    bad = failed.step
    assert bad >= 1 and f"step {bad}" in failed.message and failed.steps_kept == bad - 1
    assert failed.hint
    after = state(outcome.built.model)
    for name, tensor in after.items():
        assert torch.isfinite(tensor.float()).all(), f"{name} is not finite after the failure"
    before = initial_state(doc, **kwargs) if bad == 1 else state_after(doc, bad - 1, **kwargs)
    assert_same_state(after, before)
    # The good steps before the bad one are still reported, once each.
    steps, losses = step_losses(events)
    np.testing.assert_array_equal(steps, np.arange(1, bad))
    assert np.isfinite(losses).all()


def test_an_overflowing_update_is_named_as_the_bad_step(tmp_path: Path) -> None:
    """Step 1's loss is finite but its gradient is not: step 1 is at fault, not step 2."""
    doc, batch_size = huge_inputs(tmp_path)
    outcome, events = run(doc, report_interval=0.0, epochs=2, batch_size=batch_size, seed=1)
    assert outcome.failed.step == 1 and outcome.failed.steps_kept == 0
    assert outcome.failed.message.startswith("the gradients became infinite or NaN at step 1;")
    # Step 1 was reported before step 2 showed the damage: a finite loss, an infinite gradient.
    (progress,) = of_type(events, ev.Progress)
    assert progress.steps.tolist() == [1] and np.isfinite(progress.losses).all()
    assert np.isinf(progress.grad_norms["linear0"][0])


def test_a_nan_failure_reports_the_same_step_whatever_the_report_interval() -> None:
    often, _ = run(sine(lr=10.0), report_interval=0.0, epochs=30, batch_size=8)
    rarely, _ = run(sine(lr=10.0), report_interval=60.0, epochs=30, batch_size=8)
    assert often.failed.step == rarely.failed.step
    assert_same_state(state(often.built.model), state(rarely.built.model))


def test_an_exception_inside_the_model_becomes_failed() -> None:
    """Token ids beyond the Embedding's table: no shape check can see it, torch raises IndexError."""
    doc = chain(
        "Blobs",
        {"samples": 60, "features": 4, "scaling": "none", "spread": 5.0},
        [4],
        [("Embedding", {"num_embeddings": 3, "embedding_dim": 2}), ("Flatten", {}), ("Linear", {})],
        {"shape": [], "dtype": "class index"},
    )
    doc.set_param(doc.find_by_name("x").id, "dtype", "token ids")
    assert not analyze(doc).training_blockers()
    outcome, events = run(doc)
    assert outcome.failed is not None and events[-1] is outcome.failed
    assert outcome.failed.kind == "error"
    assert outcome.failed.message.startswith("IndexError:")
    assert outcome.failed.hint


class Boom(RuntimeError):
    pass


def fail_at_training_step(monkeypatch: Any, step: int, error: Exception) -> None:
    """Every model the loop builds raises `error` in its `step`-th training forward pass."""
    real_build = loop.build_model
    calls = {"train": 0}

    def build_with_a_fault(*args: Any, **kwargs: Any) -> Any:
        built = real_build(*args, **kwargs)

        def hook(module: torch.nn.Module, inputs: Any) -> None:
            if module.training:
                calls["train"] += 1
                if calls["train"] == step:
                    raise error

        built.model.register_forward_pre_hook(hook)
        return built

    monkeypatch.setattr(loop, "build_model", build_with_a_fault)


def test_an_exception_in_the_middle_of_a_run_keeps_the_last_good_weights(monkeypatch) -> None:
    real_build = loop.build_model
    fail_at_training_step(monkeypatch, 5, Boom("layer exploded\nsecond line of detail"))
    doc = blobs()
    outcome, events = run(doc, report_interval=0.0, epochs=3, seed=4)
    failed = outcome.failed
    # The fifth step failed; the weights hold the four before it.
    assert failed is not None and failed.kind == "error" and failed.step == 5 and failed.steps_kept == 4
    assert failed.message == "Boom: layer exploded"
    assert of_type(events, ev.Failed) == [failed] and not of_type(events, ev.Finished)
    monkeypatch.setattr(loop, "build_model", real_build)
    assert_same_state(state(outcome.built.model), state_after(doc, 4, epochs=3, seed=4))


def test_a_failure_between_epochs_names_no_step_but_counts_the_steps_kept(monkeypatch) -> None:
    real_evaluate = loop.Evaluator.evaluate

    def evaluate_then_fail(self: Any, split: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:  # after the second epoch
            raise Boom("evaluation broke")
        return real_evaluate(self, split)

    calls: list[int] = []
    monkeypatch.setattr(loop.Evaluator, "evaluate", evaluate_then_fail)
    outcome, events = run(blobs(), epochs=3, batch_size=16)
    steps_per_epoch = of_type(events, ev.RunStarted)[0].steps_per_epoch
    failed = outcome.failed
    assert failed is not None and failed.message == "Boom: evaluation broke"
    assert failed.step is None and failed.steps_kept == 2 * steps_per_epoch


def missing(tmp_path: Path) -> Path:
    return tmp_path / "nowhere" / "missing.csv"


def ragged(tmp_path: Path) -> Path:
    path = tmp_path / "ragged.csv"
    path.write_text("x,y\n1,2\n3,4\n5\n" + "".join(f"{i},{i}\n" for i in range(30)), encoding="utf-8")
    return path


def text_in_numbers(tmp_path: Path) -> Path:
    path = tmp_path / "text.csv"
    path.write_text("x,y\n" + "".join(f"{i},{i}\n" for i in range(30)) + "abc,3\n", encoding="utf-8")
    return path


def binary(tmp_path: Path) -> Path:
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\x00\xff\xfe\x80" * 64)
    return path


def empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize("make", [missing, ragged, text_in_numbers, binary, empty])
def test_a_bad_csv_file_is_a_clear_failure(make, tmp_path: Path) -> None:
    path = make(tmp_path)
    outcome, events = run(csv_regression(path))
    failed = outcome.failed
    assert failed is not None and events == [failed]
    assert failed.kind in ("graph", "data")
    assert path.name in failed.message
    assert "Traceback" not in failed.message and "\n" not in failed.message


def test_a_relative_csv_path_resolves_against_the_project_folder(tmp_path: Path) -> None:
    write_csv(tmp_path / "table.csv", [(i / 30, (i / 30) ** 2) for i in range(30)])
    doc = csv_regression("table.csv")
    with using_base_dir(tmp_path):
        outcome, _ = run(doc, base_dir=tmp_path, epochs=1)
    assert outcome.failed is None and outcome.finished.reason == "completed"


def test_a_graph_without_a_data_set_fails_with_the_analysis_message() -> None:
    doc = GraphDocument()
    x = doc.add_node("Input", name="x", params={"shape": [2]})
    fc = doc.add_node("Linear", name="fc", params={"out_features": 1})
    y = doc.add_node("Target", name="y", params={"shape": [1], "dtype": "float"})
    loss = doc.add_node("MSELoss", name="loss")
    opt = doc.add_node("SGD", name="opt")
    doc.connect(x.id, "out", fc.id, "in")
    doc.connect(fc.id, "out", loss.id, "prediction")
    doc.connect(y.id, "out", loss.id, "target")
    doc.connect(loss.id, "loss", opt.id, "loss")
    blockers = analyze(doc).training_blockers()
    assert blockers
    outcome, events = run(doc)
    assert events == [outcome.failed]
    assert outcome.failed.kind == "graph"
    assert outcome.failed.message == blockers[0].message
    assert "Input 'x'" in outcome.failed.message


def test_a_graph_without_an_optimizer_fails_as_a_graph_problem() -> None:
    doc = blobs()
    doc.remove_node(doc.find_by_name("opt").id)
    outcome, events = run(doc)
    assert events == [outcome.failed] and outcome.failed.kind == "graph"
    assert outcome.failed.message == analyze(doc).training_blockers()[0].message


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_asking_for_an_absent_gpu_fails_clearly() -> None:
    outcome, events = run(blobs(), device="cuda")
    assert events == [outcome.failed]
    assert "CUDA" in outcome.failed.message


def test_running_out_of_gpu_memory_says_so_and_suggests_a_smaller_batch(monkeypatch) -> None:
    """Raised as torch raises it on a GPU (the class exists in CPU builds too)."""
    real_build = loop.build_model
    fail_at_training_step(
        monkeypatch, 3, torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    )
    doc = blobs()
    outcome, events = run(doc, epochs=2, seed=4)
    failed = outcome.failed
    assert failed is not None and failed.kind == "out_of_memory"
    assert "ran out of memory" in failed.message and "smaller batch" in failed.hint
    assert failed.step == 3 and failed.steps_kept == 2 and events[-1] is failed
    monkeypatch.setattr(loop, "build_model", real_build)
    assert_same_state(state(outcome.built.model), state_after(doc, 2, epochs=2, seed=4))


def test_mixed_precision_is_a_no_op_on_the_cpu() -> None:
    """AMP applies on CUDA only; asking for it elsewhere trains exactly as without it."""
    with_amp, _ = run(blobs(), epochs=2, seed=2, mixed_precision=True)
    without, _ = run(blobs(), epochs=2, seed=2, mixed_precision=False)
    assert [e.train_loss for e in with_amp.history] == [e.train_loss for e in without.history]
    assert_same_state(state(with_amp.built.model), state(without.built.model))
