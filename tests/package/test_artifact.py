"""The Lambda zip itself: built by the component's own packaging code, unzipped, and invoked
with real API Gateway proxy events in a Lambda-shaped interpreter against moto's server."""

from __future__ import annotations

import compileall
import importlib.util
import json
import platform
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from chalicelib.contract import create_table_request
from pulumi_chalice.chalice_package import build_deployment_package, building_runtime
from testing.lambda_sandbox import api_gateway_event, invoke, provided_packages, unpack
from testing.package_builds import fresh_copy

TABLE = "hello-artifact"


# The runtime this interpreter compiles for, and one it does not.
MATCHING = building_runtime()
OTHER = "python3.13" if MATCHING == "python3.12" else "python3.12"


@pytest.fixture(scope="module", params=[MATCHING, OTHER], ids=["bytecode", "sources"])
def package(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = fresh_copy(tmp_path_factory.mktemp("build"))
    return Path(build_deployment_package(str(project), request.param, "arm64"))


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


def modules(package: Path) -> set[str]:
    return {name.rsplit(".", 1)[0] for name in zipfile.ZipFile(package).namelist()}


def test_zip_holds_the_app_and_chalice_but_no_sdk(package: Path) -> None:
    assert {"app", "chalice/app", "chalicelib/birthdays", "chalicelib/storage"} <= modules(package)
    assert not {m for m in modules(package) if m.split("/")[0] in {"boto3", "botocore"}}
    assert not {m for m in modules(package) if m.startswith("snapshot_restore_py")}
    assert len(package.read_bytes()) <= 64 * 1024


def test_bytecode_for_the_runtime_it_was_compiled_by(tmp_path: Path) -> None:
    package = Path(build_deployment_package(str(fresh_copy(tmp_path)), MATCHING, "arm64"))
    # Keyed by the compiler's hash and the interpreter's exact version (a patch may compile
    # differently).
    version = re.escape(platform.python_version())
    assert re.search(rf"-{MATCHING}-arm64-bytecode-[0-9a-f]{{8}}-py{version}\.zip$", package.name)
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        assert names == sorted(names) and all(n.endswith(".pyc") for n in names)
        for name in names:
            header = archive.read(name)[:16]
            assert header[:4] == importlib.util.MAGIC_NUMBER, name  # this interpreter's
            # PEP 552 flags: hash-based (bit 0), not checked against a source (bit 1 clear).
            assert int.from_bytes(header[4:8], "little") == 0b01, name
            assert archive.getinfo(name).date_time == (1980, 1, 1, 0, 0, 0)


def test_sources_only_for_another_runtime(tmp_path: Path) -> None:
    package = Path(build_deployment_package(str(fresh_copy(tmp_path)), OTHER, "arm64"))
    assert package.name.endswith(f"-{OTHER}-arm64.zip")
    names = zipfile.ZipFile(package).namelist()
    assert all(name.endswith(".py") for name in names) and "app.py" in names


def test_two_builds_are_byte_identical(tmp_path: Path, package: Path) -> None:
    runtime = MATCHING if "-bytecode-" in package.name else OTHER
    again = Path(build_deployment_package(str(fresh_copy(tmp_path)), runtime, "arm64"))
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


def test_bytecode_caches_in_the_project_change_nothing_in_the_zip(tmp_path: Path) -> None:
    """`make test` lets Python write __pycache__ (and compiles the sources first), so the real
    hello_app/ holds bytecode whenever the tests ran: the zip, and Chalice's cache key (its name,
    a hash of the app files), must be those of a clean checkout."""
    clean = fresh_copy(tmp_path / "clean")
    cached = fresh_copy(tmp_path / "cached")
    assert compileall.compile_dir(cached, quiet=1)
    (cached / "chalicelib" / "stray.cpython-312.pyc").write_bytes(b"not a module")
    assert list(cached.rglob("__pycache__"))
    built = [
        Path(build_deployment_package(str(project), MATCHING, "arm64", bytecode=False))
        for project in (clean, cached)
    ]
    assert built[0].name == built[1].name
    assert built[0].read_bytes() == built[1].read_bytes()
    names = zipfile.ZipFile(built[1]).namelist()
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
