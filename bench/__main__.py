"""`make bench`: every figure of the performance issue, measured in one run on this machine."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench import cold_start, program_eval, warm_overhead
from bench.report import figure
from components.chalice_package import build_deployment_package

PACKAGE_BUDGET = 64 * 1024


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "hello_app"))
    package = build_deployment_package("hello_app", "python3.12", "arm64")
    size = os.path.getsize(package)
    figure("package_bytes", size, "bytes", f"{size / PACKAGE_BUDGET:.2f} of the 64 KiB budget")
    cold_start.main()
    warm_overhead.main()
    program_eval.main()


if __name__ == "__main__":
    main()
