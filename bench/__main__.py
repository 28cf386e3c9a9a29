"""`make bench`: every figure of the performance issues, measured in one run on this machine,
each beside its target, then one line counting targets met and missed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from subprocess import DEVNULL

from bench import cold_start, failover_drill, load, program_eval, restore_drill, warm_overhead
from bench.report import AtMost, figure, summary
from pulumi_chalice.chalice_package import build_deployment_package, building_runtime

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_BUDGET = 64 * 1024


def make_test_seconds() -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


# The inner loop's target (Makefile, `check`: its test list is written there only).
MAKE_CHECK_TARGET_S = 15.0


def make_check_seconds() -> float:
    """`make check` as a person runs it, the Makefile naming its tests."""
    make = shutil.which("make")  # the one `make bench` itself runs under
    assert make, "make is needed for make_check_s"
    started = time.perf_counter()
    subprocess.run([make, "--no-print-directory", "check"], cwd=ROOT, check=True, stdout=DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    # As the workflows build it: bytecode from the interpreter that runs the bench.
    package = build_deployment_package("hello_app", building_runtime(), "arm64")
    size = os.path.getsize(package)
    figure("package_bytes", size, "bytes", Path(package).name, AtMost(PACKAGE_BUDGET))
    cold_start.main()
    warm_overhead.main()
    load.main()
    program_eval.main()
    restore_drill.main()
    failover_drill.main()
    figure(
        "make_check_s",
        make_check_seconds(),
        "s",
        "the inner loop: domain, app, settings, contract",
        AtMost(MAKE_CHECK_TARGET_S),
    )
    figure("make_test_s", make_test_seconds(), "s", "the whole suite, 2 workers")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    summary()


if __name__ == "__main__":
    main()
