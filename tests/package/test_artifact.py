"""The Lambda zip itself: built by the component's own packaging code, unzipped, and invoked
with real API Gateway proxy events in a Lambda-shaped interpreter against moto's server."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from components.chalice_package import build_deployment_package
from hello_app.chalicelib.contract import create_table_request
from tests.conftest import APP_DIR
from tools.lambda_sandbox import api_gateway_event, invoke, provided_packages, unpack

TABLE = "hello-artifact"


def fresh_copy(tmp: Path) -> Path:
    """The Chalice project as a clean checkout has it: no build cache, no bytecode."""
    project = tmp / "hello_app"
    shutil.copytree(
        APP_DIR,
        project,
        ignore=shutil.ignore_patterns("deployments", "__pycache__", "*.pyc"),
    )
    return project


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = fresh_copy(tmp_path_factory.mktemp("build"))
    return Path(build_deployment_package(str(project), "python3.12", "arm64"))


@pytest.fixture(scope="module")
def dynamodb_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_table(**create_table_request(TABLE))
    yield endpoint
    server.stop()


def test_zip_holds_the_app_and_chalice_but_no_sdk(package: Path) -> None:
    names = zipfile.ZipFile(package).namelist()
    assert "app.py" in names
    assert "chalice/app.py" in names
    assert {"chalicelib/birthdays.py", "chalicelib/storage.py"} <= set(names)
    assert not [n for n in names if n.split("/")[0] in {"boto3", "botocore", "s3transfer"}]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert package.name.endswith("-python3.12-arm64.zip")


def test_two_builds_are_byte_identical(tmp_path: Path, package: Path) -> None:
    again = Path(build_deployment_package(str(fresh_copy(tmp_path)), "python3.12", "arm64"))
    assert again != package
    assert again.read_bytes() == package.read_bytes()


def test_handler_serves_api_gateway_events(
    package: Path, dynamodb_endpoint: str, tmp_path: Path
) -> None:
    code = unpack(package, tmp_path / "code")
    provided = provided_packages(tmp_path / "provided")
    env = {
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "HELLO_TABLE_NAME": TABLE,
    }
    json_headers = {"Content-Type": "application/json"}
    events = [
        api_gateway_event("PUT", "Zoe", '{"dateOfBirth": "1990-05-17"}', json_headers),
        api_gateway_event("GET", "Zoe"),
        api_gateway_event("PUT", "Zoe", '{"dateOfBirth": "2999-01-01"}', json_headers),
        api_gateway_event("GET", "Zoe1"),
        api_gateway_event("DELETE", "Zoe"),
        api_gateway_event("GET", "Zoe"),
    ]
    responses: list[dict[str, Any]] = invoke(code, provided, events, env)
    statuses = [r["statusCode"] for r in responses]
    assert statuses == [204, 200, 400, 400, 204, 404]
    assert json.loads(responses[1]["body"])["message"].startswith("Hello, Zoe! ")
    assert json.loads(responses[2]["body"])["Code"] == "BadRequestError"


def test_handler_refuses_requests_around_cloudfront_when_a_secret_is_set(
    package: Path, tmp_path: Path
) -> None:
    code = unpack(package, tmp_path / "code")
    provided = provided_packages(tmp_path / "provided")
    env = {"AWS_DEFAULT_REGION": "eu-west-1", "HELLO_ORIGIN_SECRET": "s3cret"}
    (response,) = invoke(code, provided, [api_gateway_event("GET", "Zoe")], env)
    assert response["statusCode"] == 403
