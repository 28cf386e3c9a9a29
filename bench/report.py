"""Printing figures the same way everywhere: `name: value unit`, the target beside it when it
has one, and at the end one line counting targets met and missed."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class AtMost:
    limit: float

    def met(self, value: float) -> bool:
        return value <= self.limit

    def __str__(self) -> str:
        return f"<= {self.limit:g}"


_outcomes: dict[str, bool] = {}


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def figure(
    name: str, value: float, unit: str, note: str = "", target: AtMost | None = None
) -> None:
    text = f"{value:.3f}" if isinstance(value, float) else str(value)
    parts = [note] if note else []
    if target is not None:
        _outcomes[name] = target.met(value)
        parts.insert(0, f"target {target}: {'met' if _outcomes[name] else 'MISSED'}")
    print(f"{name}: {text} {unit}".rstrip() + (f"   ({'; '.join(parts)})" if parts else ""))


def summary() -> None:
    missed = [name for name, met in _outcomes.items() if not met]
    line = f"targets: {len(_outcomes) - len(missed)} met, {len(missed)} missed"
    print(line + (f": {', '.join(missed)}" if missed else ""), flush=True)
