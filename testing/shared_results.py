"""Slow results computed once per test run and shared by pytest-xdist's workers."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from testing.paths import ROOT

# One directory per test run, shared by pytest-xdist's workers: slow results are computed once.
# It lives in the repository's ignored build/ folder, never in /tmp, and the run removes it when it
# ends. The run is named by pytest-xdist's test run id, which start_run fixes in the process that
# starts the run, so that it and every worker name the same folder.
BUILD = ROOT / "build" / "test-runs"
RUN_ID = "PYTEST_XDIST_TESTRUNUID"
# The run's folder for Pulumi programs evaluated under mocks (testing/evaluate_stack.py's
# run_evaluation), in the environment of every process the run starts: pytest-xdist's workers,
# `python -m cost` started by a test. Unset (`make cost`, `make bench`), every call evaluates.
SHARED_EVALUATIONS = "HELLO_SHARED_EVALUATIONS"


def shared_dir() -> Path:
    return BUILD / ("hello-tests-" + os.environ.get(RUN_ID, str(os.getpid())))


def start_run(config: Any) -> None:
    """pytest_configure: in the starting process, one id for the run, given to xdist's workers."""
    if not hasattr(config, "workerinput"):
        # Never an inherited RUN_ID: a pytest run started by a test is a run of its own.
        run_id = getattr(config.option, "testrunuid", None) or uuid.uuid4().hex
        config.option.testrunuid = run_id  # xdist hands it to each worker as RUN_ID
        os.environ[RUN_ID] = run_id


def end_run(config: Any) -> None:
    """pytest_sessionfinish: the starting process (never a worker, whose siblings may still
    read it) removes the run's shared results."""
    if not hasattr(config, "workerinput"):
        shutil.rmtree(shared_dir(), ignore_errors=True)


def computed_once(
    name: str, compute: Callable[[Path], dict[str, Any]], shared: Path | None = None
) -> dict[str, Any]:
    """compute(workdir)'s JSON result, computed by the first worker that asks for `name` in this
    test run; the others wait for it and read it."""
    shared = shared or shared_dir()
    shared.mkdir(parents=True, exist_ok=True)
    path = shared / f"{name}.json"
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker waits here, then reads the file
        if not path.exists():
            workdir = shared / name
            workdir.mkdir(exist_ok=True)
            path.write_text(json.dumps(compute(workdir)))
    return json.loads(path.read_text())
