"""Choosing where to train."""

from __future__ import annotations

import torch


def available_devices() -> list[str]:
    """The devices present on this machine, CPU always last."""
    found = []
    if torch.cuda.is_available():
        found += [
            f"cuda:{i}" if torch.cuda.device_count() > 1 else "cuda" for i in range(torch.cuda.device_count())
        ]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return [*found, "cpu"]


class DeviceError(ValueError):
    pass


def resolve_device(choice: str) -> torch.device:
    """'auto' picks CUDA, then Apple MPS, then the CPU; an absent device is a clear error."""
    if choice == "auto":
        return torch.device(available_devices()[0])
    if choice.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceError("CUDA was requested but no CUDA GPU is available here; choose 'auto' or 'cpu'")
    if choice == "mps" and "mps" not in available_devices():
        raise DeviceError("Apple MPS was requested but is not available here; choose 'auto' or 'cpu'")
    try:
        return torch.device(choice)
    except RuntimeError as exc:
        raise DeviceError(f"unknown device {choice!r}: {exc}") from None
