"""Seconds to evaluate the Pulumi program under mocks, per stack, with the Lambda package cache
warm (the zip for these sources exists) and cold (it must be built first), and, held to a
target, the warm time over the floor's: a one-table program evaluated the same way
(bench/minimal_program.py), in the same rounds, so that the ratio holds on a faster machine.
Each evaluation is a fresh process, as `pulumi preview` starts one."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.report import AtMost, figure, median
from testing.evaluate_stack import OPERATOR_SETTINGS

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "hello_app" / ".chalice" / "deployments"


# Each stack's warm evaluation over the floor's: the old absolute target, 2.0 s, over the
# floor's ~0.45 s of CPU measured here (2026-12-02), as a ratio a faster machine keeps.
TARGET_RATIO = {stack: AtMost(4.0) for stack in ("dev", "prod")}


def evaluate(stack: str) -> float:
    return timed(
        ["-m", "testing.evaluate_stack", stack, json.dumps(OPERATOR_SETTINGS.get(stack, {}))]
    )


def evaluate_floor() -> float:
    return timed(["-m", "bench.minimal_program"])


def timed(arguments: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # the program's own warnings (e.g. no bytecode on this Python)
    )
    return time.perf_counter() - started


def main(rounds: int = 3) -> None:
    for stack in ("dev", "prod"):
        warm, cold, floor = [], [], []
        for _ in range(rounds):
            shutil.rmtree(CACHE, ignore_errors=True)  # a cache, rebuilt on the next run
            cold.append(evaluate(stack))
            floor.append(evaluate_floor())
            warm.append(evaluate(stack))
        figure(f"program_eval_s_{stack}", median(warm), "s", "warm package cache")
        figure(f"program_eval_cold_s_{stack}", median(cold), "s", "package built first")
        figure(
            f"program_eval_ratio_{stack}",
            median([w / f for w, f in zip(warm, floor, strict=True)]),
            "x",
            f"warm, over a one-table program's {median(floor):.2f} s (bench/minimal_program.py)",
            TARGET_RATIO[stack],
        )


if __name__ == "__main__":
    main()
