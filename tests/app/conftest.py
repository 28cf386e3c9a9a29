"""The real app, through Chalice's test client, against moto's in-process DynamoDB."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

import app as app_module
from chalicelib.storage import BirthdayStore, create_dynamodb_client
from tools.run_local import create_table

TABLE = "hello-test"
TODAY = date(2026, 11, 28)


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb")
        create_table(client, TABLE)
        yield client


@pytest.fixture
def store(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> BirthdayStore:
    """A fresh store for each test, its client created lazily inside the emulator."""
    fresh = BirthdayStore(TABLE, client_factory=create_dynamodb_client)
    monkeypatch.setattr(app_module, "store", fresh)
    monkeypatch.setattr(app_module, "utc_today", lambda: TODAY)
    return fresh


@pytest.fixture
def client(store: BirthdayStore) -> Iterator[Any]:
    with Client(app_module.app) as test_client:
        yield test_client.http


def put(http: Any, username: str, body: Any, content_type: str = "application/json") -> Any:
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return http.put(f"/hello/{username}", body=raw, headers={"Content-Type": content_type})


def body_of(response: Any) -> Any:
    return json.loads(response.body)


def stored(dynamodb: Any) -> dict[str, str]:
    """Everything in the table, read around the app."""
    items = dynamodb.scan(TableName=TABLE)["Items"]
    return {item["username"]["S"]: item["dateOfBirth"]["S"] for item in items}
