"""Printing figures the same way everywhere: `name: value unit`, optional note."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def figure(name: str, value: float, unit: str, note: str = "") -> None:
    text = f"{value:.3f}" if isinstance(value, float) else str(value)
    print(f"{name}: {text} {unit}".rstrip() + (f"   ({note})" if note else ""), flush=True)
