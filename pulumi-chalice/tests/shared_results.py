"""Slow results computed once per test run and shared by pytest-xdist's workers (the package's
tests keep their own copy of the repository's helper: they import nothing of it)."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

# One directory per test run, shared by pytest-xdist's workers: slow results are computed once.
SHARED = Path(tempfile.gettempdir()) / (
    "pulumi-chalice-tests-" + os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))
)


def computed_once(name: str, compute: Callable[[Path], dict[str, Any]]) -> dict[str, Any]:
    """compute(workdir)'s JSON result, computed by the first worker that asks for `name` in this
    test run; the others wait for it and read it."""
    SHARED.mkdir(exist_ok=True)
    path = SHARED / f"{name}.json"
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker waits here, then reads the file
        if not path.exists():
            workdir = SHARED / name
            workdir.mkdir(exist_ok=True)
            path.write_text(json.dumps(compute(workdir)))
    return json.loads(path.read_text())
