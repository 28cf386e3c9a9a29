"""The program evaluates even when a mock computes no outputs at all."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


# Per serving region the API and its two release hooks (dev 1 region, prod 2), one synthetic
# check per check location (dev 1, prod 2), and in prod (backups on) the restore-test validator.
@pytest.mark.parametrize(
    ("stack", "functions", "regions"), [("dev", 4, 1), ("prod", 2 * 3 + 2 + 1, 2)]
)
def test_program_survives_mocks_that_return_only_inputs(
    stack: str, functions: int, regions: int
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "testing.minimal_mocks", stack],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    counts = json.loads(result.stdout)
    assert counts["aws:lambda/function:Function"] == functions
    for token in ("aws:dynamodb/table:Table", "aws:cloudfront/distribution:Distribution"):
        assert counts[token] == 1, token
    for token in ("aws:lambda/alias:Alias", "aws:apigateway/restApi:RestApi"):
        assert counts[token] == regions, token
    assert counts.get("aws:route53/healthCheck:HealthCheck", 0) == (regions if regions > 1 else 0)
