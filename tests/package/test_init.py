"""What the deployed function does during init, in a Lambda-shaped interpreter with the
runtime's own snapshot_restore_py: the DynamoDB client exists once the module is imported,
and a SnapStart restore replaces it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.contract import (
    LAMBDA_FUNCTION_NAME_ENV,
    ORIGIN_SECRET_ENV,
    TABLE_NAME_ENV,
)
from pulumi_chalice.chalice_package import build_deployment_package, building_runtime
from testing.lambda_sandbox import lambda_python, provided_packages, unpack
from testing.package_builds import fresh_copy

IMPORT_AND_RESTORE = """
import gc, json, snapshot_restore_py
import app
first = app.store._client
hooks = snapshot_restore_py.get_after_restore()
for function, args, kwargs in hooks:
    function(*args, **kwargs)  # what the runtime does after restoring a snapshot
print(json.dumps({
    "client_at_import": first is not None,
    "service": first.meta.service_model.service_name if first else None,
    "hooks": [function.__qualname__ for function, _, _ in hooks],
    "replaced": app.store._client is not first and app.store._client is not None,
    "collecting": gc.isenabled(),
    "frozen_objects": gc.get_freeze_count() > 20_000,
}))
"""
LAMBDA_ENV = {
    LAMBDA_FUNCTION_NAME_ENV: "hello-test-function",
    TABLE_NAME_ENV: "t",
    ORIGIN_SECRET_ENV: "s",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


def run_init(tmp_path: Path, env: dict[str, str]) -> dict:
    project = fresh_copy(tmp_path / "build")
    package = build_deployment_package(str(project), building_runtime(), "arm64")
    code = unpack(package, tmp_path / "code")
    provided = provided_packages(tmp_path / "provided", extra=("snapshot-restore-py",))
    result = lambda_python(code, provided, IMPORT_AND_RESTORE, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_in_lambda_the_client_exists_after_import_and_a_restore_replaces_it(
    tmp_path: Path,
) -> None:
    assert run_init(tmp_path, LAMBDA_ENV) == {
        "client_at_import": True,
        "service": "dynamodb",
        "hooks": ["DynamoBirthdayStore.connect"],
        "replaced": True,
        # What init created is out of every later collection, which is on again.
        "collecting": True,
        "frozen_objects": True,
    }


def test_outside_lambda_nothing_connects_at_import(tmp_path: Path) -> None:
    outside = {k: v for k, v in LAMBDA_ENV.items() if k != LAMBDA_FUNCTION_NAME_ENV}
    assert run_init(tmp_path, outside) == {
        "client_at_import": False,
        "service": None,
        "hooks": [],
        "replaced": False,
        "collecting": True,
        "frozen_objects": True,
    }


@pytest.mark.parametrize("missing", [TABLE_NAME_ENV, ORIGIN_SECRET_ENV])
def test_a_function_without_its_settings_fails_init_naming_them(
    tmp_path: Path, missing: str
) -> None:
    project = fresh_copy(tmp_path / "build")
    package = build_deployment_package(str(project), building_runtime(), "arm64")
    code = unpack(package, tmp_path / "code")
    provided = provided_packages(tmp_path / "provided")
    env = {k: v for k, v in LAMBDA_ENV.items() if k != missing}
    result = lambda_python(code, provided, "import app", env)
    assert result.returncode != 0
    (line,) = [json.loads(x) for x in result.stdout.splitlines()]
    assert line["event"] == "configuration_error" and missing in line["error"]
