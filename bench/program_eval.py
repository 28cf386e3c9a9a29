"""Seconds to evaluate the Pulumi program under mocks, per stack, with the Lambda package cache
warm (the zip for these sources exists) and cold (it must be built first). Each evaluation is
a fresh process, as `pulumi preview` starts one."""

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


def evaluate(stack: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "testing.evaluate_stack",
            stack,
            json.dumps(OPERATOR_SETTINGS.get(stack, {})),
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # the program's own warnings (e.g. no bytecode on this Python)
    )
    return time.perf_counter() - started


def main(rounds: int = 3) -> None:
    for stack in ("dev", "prod"):
        warm, cold = [], []
        for _ in range(rounds):
            shutil.rmtree(CACHE, ignore_errors=True)  # a cache, rebuilt on the next run
            cold.append(evaluate(stack))
            warm.append(evaluate(stack))
        figure(f"program_eval_s_{stack}", median(warm), "s", "warm package cache", AtMost(2.0))
        figure(f"program_eval_cold_s_{stack}", median(cold), "s", "package built first")


if __name__ == "__main__":
    main()
