"""Random image augmentation for training batches, on whatever device the batch lives on.

No host round trip: random numbers are drawn on the generator's device (the batch's
device when no generator is given) and every operation is a tensor operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F

from backends.data.splits import AugmentFlags


def _uniform(size: tuple[int, ...], x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    device = generator.device if generator is not None else x.device
    return torch.rand(size, generator=generator, device=device).to(x.device)


def _offsets(count: int, limit: int, x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    device = generator.device if generator is not None else x.device
    return torch.randint(-limit, limit + 1, (count,), generator=generator, device=device).to(x.device)


def augment_batch(
    x: torch.Tensor, flags: AugmentFlags | Mapping[str, Any], generator: torch.Generator | None = None
) -> torch.Tensor:
    """A randomly changed copy of a batch of images (batch, channels, height, width).

    flip: each image mirrored left-right with probability 1/2. shift: each image moved
    by up to `flags.shift` pixels along each axis, edges repeated. noise: gaussian
    noise of standard deviation `flags.noise` added to every pixel. Returns `x`
    itself when no flag is set. `flags` may also be a node's parameters (augment_flip,
    augment_shift, augment_noise), though DataSplits.augment is the checked choice: it
    is switched off for data that are not images.
    """
    if not isinstance(flags, AugmentFlags):
        flags = AugmentFlags.from_params(flags)
    if x.dim() != 4:
        raise ValueError(
            f"augment_batch expects images shaped (batch, channels, height, width), got {tuple(x.shape)}"
        )
    if not flags.any:
        return x
    batch, _, height, width = x.shape
    if flags.flip:
        flip = _uniform((batch,), x, generator) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    if flags.shift > 0:
        s = flags.shift
        padded = F.pad(x, (s, s, s, s), mode="replicate")
        rows = torch.arange(height, device=x.device)[None, :] + s + _offsets(batch, s, x, generator)[:, None]
        cols = torch.arange(width, device=x.device)[None, :] + s + _offsets(batch, s, x, generator)[:, None]
        index = torch.arange(batch, device=x.device)[:, None, None]
        # Advanced indices around a slice put their dimensions first: (batch, h, w, channels).
        x = padded[index, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2).contiguous()
    if flags.noise > 0:
        device = generator.device if generator is not None else x.device
        noise = torch.randn(x.shape, generator=generator, device=device, dtype=x.dtype).to(x.device)
        x = x + flags.noise * noise
    return x
