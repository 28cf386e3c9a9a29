"""The program evaluates even when a mock computes no outputs at all."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_program_survives_mocks_that_return_only_inputs(stack: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tests.infra.minimal_mocks", stack],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    counts = json.loads(result.stdout)
    # The API and its two release hooks; prod (backups on) also the restore-test validator.
    assert counts["aws:lambda/function:Function"] == (4 if stack == "prod" else 3)
    for token in (
        "aws:dynamodb/table:Table",
        "aws:lambda/alias:Alias",
        "aws:apigateway/restApi:RestApi",
        "aws:apigateway/stage:Stage",
        "aws:cloudfront/distribution:Distribution",
    ):
        assert counts[token] == 1, token
