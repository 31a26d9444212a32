"""How training numbers read in the panel: durations, rates, metrics, progress lines."""

from __future__ import annotations

import math

SEP = " · "


def duration(seconds: float) -> str:
    """0:07, 12:05, 1:02:03; an unknown or absurd time is a dash."""
    if not math.isfinite(seconds) or seconds < 0 or seconds > 99 * 3600:
        return "–"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def elapsed(seconds: float) -> str:
    """How long a finished run took: "2.4 s" under a minute (0:02 hides the detail), else duration()."""
    if math.isfinite(seconds) and 0 <= seconds < 59.95:
        return f"{seconds:.1f} s"
    return duration(seconds)


def rate(samples_per_second: float) -> str:
    """12,345 samples/s; from 100,000 on, 110k samples/s (the progress bar is narrow)."""
    if not math.isfinite(samples_per_second) or samples_per_second <= 0:
        return "– samples/s"
    if samples_per_second >= 1e5:
        return f"{samples_per_second / 1e3:,.0f}k samples/s"
    return f"{samples_per_second:,.0f} samples/s"


def progress_line(epoch: int, epochs: int, samples_per_second: float, eta_seconds: float) -> str:
    """The progress bar's text: "epoch 3/50 · 12,345 samples/s · ETA 0:12"."""
    return SEP.join((f"epoch {epoch}/{epochs}", rate(samples_per_second), f"ETA {duration(eta_seconds)}"))


METRIC_NAMES = {"accuracy": "accuracy", "r2": "R²", "mae": "MAE", "loss": "loss"}


def metric(name: str, value: float) -> str:
    """accuracy 95.0 %, R² 0.981, MAE 0.0412, loss 0.148."""
    label = METRIC_NAMES.get(name, name)
    if not math.isfinite(value):
        return f"{label} –"
    if name == "accuracy":
        return f"{label} {value * 100:.1f}\u00a0%"  # no line break inside "95.0 %"
    return f"{label} {value:.3g}"


def metrics(values: dict[str, float]) -> str:
    order = ["accuracy", "r2", "mae", "loss"]
    names = sorted(values, key=lambda n: (order.index(n) if n in order else len(order), n))
    return SEP.join(metric(n, values[n]) for n in names)


def learning_rate(value: float) -> str:
    return f"{value:.3g}"
