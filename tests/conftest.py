"""Puts the Chalice project on the import path, as the Lambda runtime does, and fixes the region."""

from __future__ import annotations

import fcntl
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
APP_DIR = ROOT / "hello_app"

if str(APP_DIR) not in sys.path:
    sys.path.insert(0, str(APP_DIR))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

# One directory per test run, shared by pytest-xdist's workers: slow results are computed once.
SHARED = Path(tempfile.gettempdir()) / (
    "hello-tests-" + os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))
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
