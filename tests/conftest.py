"""Fixes the region for every test; the project's modules import as installed (`-e .`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tools.shared_results import computed_once

ROOT = Path(__file__).resolve().parent.parent
APP_DIR = ROOT / "hello_app"

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials botocore signs with for moto or the Stubber, and no endpoint override from
    the shell (`make run` sets one): the test's own emulator answers."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)


__all__ = ["APP_DIR", "ROOT", "computed_once", "fake_aws_credentials"]
