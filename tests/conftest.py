"""Fixes the region for every test; the project's modules import as installed (`-e .`)."""

from __future__ import annotations

import os

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from testing.paths import APP_DIR, ROOT
from testing.shared_results import (
    SHARED_EVALUATIONS,
    computed_once,
    end_run,
    shared_dir,
    start_run,
)

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

# Hypothesis keeps what it stores (the examples that failed, to try them first next time; its
# caches) under build/, with every other test output, not in a .hypothesis/ folder of its own.
set_hypothesis_home_dir(ROOT / "build" / "hypothesis")


E2E = "e2e"  # pyproject's marker: the test starts the local server as `make run` does
# The test being set up or run, for start_local_server's check that it is marked e2e.
_running: list[pytest.Item] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the local server fixture starts that server: it is an e2e test, so that
    `pytest -m "not e2e"` runs with no server and no open port."""
    for item in items:
        if "local_server" in getattr(item, "fixturenames", ()):
            item.add_marker(E2E)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> object:
    _running.append(item)
    try:
        return (yield)
    finally:
        _running.pop()


def require_e2e_mark(what: str) -> None:
    """Refuses `what` inside a test not marked e2e: a test that starts the server must say so."""
    if _running and _running[-1].get_closest_marker(E2E) is None:
        raise pytest.UsageError(f"{_running[-1].nodeid} {what}: mark it @pytest.mark.{E2E}")


def pytest_configure(config: pytest.Config) -> None:
    start_run(config)  # one folder for the run's shared results, under build/test-runs
    # Each stack's program evaluated once a run for the same arguments, by any process the run
    # starts: a worker, or `python -m cost` that a test runs (testing/evaluate_stack.py).
    os.environ[SHARED_EVALUATIONS] = str(shared_dir() / "evaluations")


def pytest_sessionfinish(session: pytest.Session) -> None:
    end_run(session.config)


@pytest.fixture
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials botocore signs with for moto or the Stubber, and no endpoint override from
    the shell (`make run` sets one): the test's own emulator answers."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)


__all__ = ["APP_DIR", "E2E", "ROOT", "computed_once", "fake_aws_credentials", "require_e2e_mark"]
