"""Trained weights on disk: safetensors that reproduce the model exactly and refuse to load wrongly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from torch import nn

import backends.weights as weights
from backends.module_builder import build_model
from backends.weights import WeightsError, load_weights, save_weights
from nodes.graph import GraphDocument
from tests.backends.training_helpers import assert_same_state, blobs, chain, one_thread, run, splits, state

one_thread = pytest.fixture(autouse=True)(one_thread)


def batch_norm_net() -> GraphDocument:
    """Has buffers (running statistics, an integer counter) as well as parameters."""
    return chain(
        "Blobs",
        {"samples": 120},
        [2],
        [
            ("Linear", {"out_features": 8}),
            ("BatchNorm1d", {}),
            ("ReLU", {}),
            ("Linear", {"out_features": 3}),
        ],
        {"shape": [], "dtype": "class index"},
    )


@pytest.mark.parametrize("make", [blobs, batch_norm_net], ids=["mlp", "batch norm"])
def test_saved_weights_reproduce_the_trained_model_exactly(make, tmp_path: Path) -> None:
    doc = make()
    outcome, _ = run(doc, epochs=3)
    trained = outcome.built.model.eval()
    path = tmp_path / "model.safetensors"
    save_weights(trained, path, {"project": "test"})

    torch.manual_seed(12345)  # a fresh model starts from other random weights
    fresh = build_model(doc.copy()).model.eval()
    feed, _ = splits(doc)
    with torch.no_grad():
        assert not torch.equal(fresh(feed.test.x), trained(feed.test.x))
        load_weights(fresh, path)
        assert torch.equal(fresh(feed.test.x), trained(feed.test.x))
    assert_same_state(state(fresh), state(trained))
    with safe_open(str(path), framework="pt") as handle:
        assert handle.metadata() == {"format": "netcanvas-weights", "project": "test"}
        assert set(handle.keys()) == set(trained.state_dict())


def test_weights_for_a_different_graph_are_refused_naming_the_tensor(tmp_path: Path) -> None:
    path = tmp_path / "small.safetensors"
    save_weights(build_model(blobs(hidden=8)).model, path)
    wider = build_model(blobs(hidden=16)).model
    before = state(wider)
    shapes = r"tensor 'linear0\.(weight|bias)' has shape \(8,( 2)?\) but the network needs \(16,( 2)?\)"
    with pytest.raises(WeightsError, match=shapes):
        load_weights(wider, path)
    assert_same_state(state(wider), before)  # untouched

    other = build_model(batch_norm_net()).model
    before = state(other)
    with pytest.raises(WeightsError) as caught:
        load_weights(other, path)
    message = str(caught.value)
    assert "does not match this network" in message
    assert "missing batchnorm1d1.bias, " in message and "batchnorm1d1.running_mean" in message
    assert "unexpected linear2.bias, linear2.weight" in message
    assert_same_state(state(other), before)


def corrupt_variants(good: bytes) -> dict[str, bytes]:
    return {
        "empty": b"",
        "random": os.urandom(256),
        "truncated": good[: len(good) - 7],
        "header only": good[:8],
        "bad json": good[:8] + b"{" + b"x" * (len(good) - 9),
        "huge header length": (1 << 60).to_bytes(8, "little") + b"{}",
        "a project file": b'{"format": "netcanvas-project", "version": 1}',
    }


@pytest.mark.parametrize("variant", list(corrupt_variants(b"")))
def test_a_corrupt_weights_file_raises_weights_error(variant: str, tmp_path: Path) -> None:
    model = build_model(blobs()).model
    good = tmp_path / "good.safetensors"
    save_weights(model, good)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(corrupt_variants(good.read_bytes())[variant])
    before = state(model)
    with pytest.raises(WeightsError, match=r"bad\.safetensors"):
        load_weights(model, bad)
    assert_same_state(state(model), before)


def test_a_missing_weights_file_raises_weights_error(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="no such weights file"):
        load_weights(build_model(blobs()).model, tmp_path / "absent.safetensors")


def test_a_failed_save_leaves_the_old_file_untouched(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "model.safetensors"
    save_weights(build_model(blobs()).model, path)
    old = path.read_bytes()

    def disk_full(tensors: dict, filename: str, metadata: dict) -> None:
        Path(filename).write_bytes(b"half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(weights, "save_file", disk_full)
    with pytest.raises(WeightsError, match="No space left on device"):
        save_weights(build_model(blobs(hidden=16)).model, path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]  # no temporary left


class Tied(nn.Module):
    """Two layers sharing one weight tensor, which safetensors refuses to write."""

    def __init__(self) -> None:
        super().__init__()
        self.encode = nn.Linear(4, 4)
        self.decode = nn.Linear(4, 4)
        self.decode.weight = self.encode.weight


def test_a_model_safetensors_cannot_write_is_a_weights_error(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"previous weights")
    with pytest.raises(WeightsError, match=r"model\.safetensors"):
        save_weights(Tied(), path)
    assert path.read_bytes() == b"previous weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]


def test_saving_onto_a_folder_is_a_weights_error(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(WeightsError, match="cannot write"):
        save_weights(build_model(blobs()).model, folder)
    assert folder.is_dir() and not any(folder.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]
