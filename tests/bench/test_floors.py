"""The floors `make bench` divides by are honest: the minimal Chalice app makes exactly the
DynamoDB calls hello's store makes and answers as hello does (200 with the item, 204), and the
minimal Pulumi program registers its one table under the same harness as the stacks."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from typing import Any

import boto3
from botocore.stub import Stubber

from bench.minimal_app import create_minimal_app
from chalicelib.contract import PARTITION_KEY
from chalicelib.storage import DynamoBirthdayStore
from testing.lambda_sandbox import api_gateway_event
from tests.conftest import ROOT

ITEM = {"Item": {PARTITION_KEY: {"S": "Alice"}, "dateOfBirth": {"S": "1990-05-17"}}}
CONTEXT = None


def client() -> Any:
    return boto3.client(
        "dynamodb", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def method_name(operation: str) -> str:
    """GetItem -> get_item: the client method Stubber names."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


def params_of(call: Any, operation: str, response: dict) -> dict:
    """The parameters of the one DynamoDB call `call(client)` makes (operation: its API name)."""
    seen: list[dict] = []
    dynamodb = client()
    dynamodb.meta.events.register(
        f"provide-client-params.dynamodb.{operation}", lambda params, **_: seen.append(params)
    )
    with Stubber(dynamodb) as stub:
        stub.add_response(method_name(operation), response)
        call(dynamodb)
        stub.assert_no_pending_responses()
    (params,) = seen
    return params


def test_the_minimal_apps_read_is_hellos_read() -> None:
    hello = params_of(lambda c: DynamoBirthdayStore("t", lambda: c).get("Alice"), "GetItem", ITEM)
    event = api_gateway_event("GET", "Alice")
    answers: list[dict] = []
    minimal = params_of(
        lambda c: answers.append(create_minimal_app(c, "t")(event, CONTEXT)), "GetItem", ITEM
    )
    assert minimal == hello
    assert answers[0]["statusCode"] == 200 and "1990-05-17" in answers[0]["body"]


def test_the_minimal_apps_write_is_hellos_write() -> None:
    hello = params_of(
        lambda c: DynamoBirthdayStore("t", lambda: c).put("Alice", date(1990, 5, 17)),
        "PutItem",
        {},
    )
    event = api_gateway_event(
        "PUT", "Alice", '{"dateOfBirth": "1990-05-17"}', {"Content-Type": "application/json"}
    )
    answers: list[dict] = []
    minimal = params_of(
        lambda c: answers.append(create_minimal_app(c, "t")(event, CONTEXT)), "PutItem", {}
    )
    assert minimal == hello
    assert answers[0]["statusCode"] == 204


def test_the_minimal_program_registers_one_table_under_the_stacks_harness() -> None:
    # Its main() asserts the one table; a fresh process, as Pulumi's runtime state is per process.
    ran = subprocess.run(
        [sys.executable, "-m", "bench.minimal_program"], cwd=ROOT, capture_output=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr.decode()
