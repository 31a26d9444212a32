"""Trained weights as safetensors files: plain tensors, so loading can never run code."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from nodes.atomic_write import atomic_target


class WeightsError(ValueError):
    """A weights file that cannot be written or does not fit the model; names the file and tensor."""


def save_weights(
    model: nn.Module, path: str | os.PathLike[str], metadata: dict[str, str] | None = None
) -> None:
    """Write the model's state_dict atomically (temporary file, then rename)."""
    state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    try:
        with atomic_target(path) as (_fd, temp):
            save_file(state, temp, metadata={"format": "netcanvas-weights", **(metadata or {})})
    except OSError as exc:
        raise WeightsError(f"cannot write {path}: {exc.strerror or exc}") from None
    except (SafetensorError, RuntimeError, ValueError) as exc:  # e.g. tensors that share memory
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise WeightsError(f"cannot write {path}: {reason}") from None


def load_weights(model: nn.Module, path: str | os.PathLike[str]) -> None:
    """Load weights saved for this graph; any mismatch names the tensor, the model is untouched."""
    source = Path(path)
    if not source.is_file():
        raise WeightsError(f"{source}: no such weights file")
    try:
        state = load_file(str(source), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"{source} is not a readable safetensors file ({exc})") from None
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing[:5])}")
        if extra:
            parts.append(f"unexpected {', '.join(extra[:5])}")
        raise WeightsError(f"{source} does not match this network: {'; '.join(parts)}")
    for name, tensor in state.items():
        if tuple(tensor.shape) != tuple(expected[name].shape):
            raise WeightsError(
                f"{source}: tensor {name!r} has shape {tuple(tensor.shape)} but the network "
                f"needs {tuple(expected[name].shape)}"
            )
    with torch.no_grad():
        model.load_state_dict(state)
