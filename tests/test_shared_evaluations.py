"""A test run evaluates each Pulumi program once for the same command and environment, in
whichever of its processes asks first (testing/evaluate_stack.run_evaluation); outside a test
run every call evaluates."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from testing import evaluate_stack
from testing.shared_results import SHARED_EVALUATIONS, shared_dir


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The commands that really ran; each prints how many ran before it."""
    started: list[list[str]] = []

    def run(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        started.append(command)
        return subprocess.CompletedProcess(command, 3, f"run {len(started)}", "refused: x")

    fake = SimpleNamespace(run=run, CompletedProcess=subprocess.CompletedProcess)
    monkeypatch.setattr(evaluate_stack, "subprocess", fake)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return started


def test_the_same_command_runs_once_a_test_run(
    runs: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SHARED_EVALUATIONS, str(tmp_path))
    first = evaluate_stack.run_evaluation("testing.evaluate_stack", "dev")
    again = evaluate_stack.run_evaluation("testing.evaluate_stack", "dev")
    assert len(runs) == 1
    # What the process said, exit status and error included, as it said it.
    assert (again.returncode, again.stdout, again.stderr) == (3, "run 1", "refused: x")
    assert (first.returncode, first.stdout) == (again.returncode, again.stdout)
    evaluate_stack.run_evaluation("testing.evaluate_stack", "prod")
    evaluate_stack.run_evaluation("testing.evaluate_bootstrap", "dev")
    evaluate_stack.run_evaluation("testing.evaluate_stack", "dev", '{"hello:x": "1"}')
    assert len(runs) == 4
    # An environment the program reads is part of what it ran with.
    monkeypatch.setenv("AWS_PROFILE", "another")
    assert evaluate_stack.run_evaluation("testing.evaluate_stack", "dev").stdout == "run 5"
    monkeypatch.setenv("UNREAD_BY_THE_PROGRAM", "1")
    assert evaluate_stack.run_evaluation("testing.evaluate_stack", "dev").stdout == "run 5"
    assert runs[0][-2:] == ["testing.evaluate_stack", "dev"]


def test_outside_a_test_run_every_call_evaluates(
    runs: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SHARED_EVALUATIONS)
    evaluate_stack.run_evaluation("testing.evaluate_stack", "dev")
    assert evaluate_stack.run_evaluation("testing.evaluate_stack", "dev").stdout == "run 2"


def test_the_test_run_names_its_folder_under_build() -> None:
    assert Path(os.environ[SHARED_EVALUATIONS]).parent == shared_dir()
