"""DynamoDB throttling, service errors and timeouts answer 503 with Retry-After, never 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber
from chalice.test import Client

import app as app_module
from chalicelib.storage import BirthdayStore, StorageUnavailable, create_dynamodb_client
from tests.app.conftest import TABLE, body_of, put, stored

FAILURES = [
    ("ProvisionedThroughputExceededException", 400),
    ("ThrottlingException", 400),
    ("RequestLimitExceeded", 400),
    ("InternalServerError", 500),
    ("ServiceUnavailable", 503),
]


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert body_of(response)["Code"] == "ServiceUnavailable"
    assert b"Traceback" not in response.body


@pytest.mark.parametrize(("code", "http_status"), FAILURES)
@pytest.mark.parametrize(
    ("operation", "method"), [("get_item", "GET"), ("put_item", "PUT"), ("delete_item", "DELETE")]
)
def test_dynamodb_failure_is_503_with_retry_after(
    client: Any,
    store: BirthdayStore,
    capsys: pytest.CaptureFixture[str],
    code: str,
    http_status: int,
    operation: str,
    method: str,
) -> None:
    with Stubber(store.client) as stubber:
        stubber.add_client_error(operation, service_error_code=code, http_status_code=http_status)
        response = client.request(
            method,
            "/hello/Alice",
            body='{"dateOfBirth": "1990-05-17"}',
            headers={"Content-Type": "application/json"},
        )
        stubber.assert_no_pending_responses()
    assert_unavailable(response)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    error = next(line for line in lines if line["event"] == "storage_unavailable")
    request = next(line for line in lines if line["event"] == "request")
    assert error["level"] == "ERROR" and code in error["error"]
    assert error["requestId"] == request["requestId"] is not None
    assert request["status"] == 503


def test_failed_put_writes_nothing(client: Any, store: BirthdayStore, dynamodb: Any) -> None:
    with Stubber(store.client) as stubber:
        stubber.add_client_error("put_item", "ProvisionedThroughputExceededException", 400)
        assert_unavailable(put(client, "Alice", {"dateOfBirth": "1990-05-17"}))
    assert stored(dynamodb) == {}


def test_unreachable_dynamodb_is_503_after_bounded_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Port 9 (discard) on loopback refuses connections: botocore retries, then gives up.
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setattr(app_module, "store", BirthdayStore(TABLE, create_dynamodb_client))
    with Client(app_module.app) as test_client:
        assert_unavailable(test_client.http.get("/hello/Alice"))


def test_client_has_standard_bounded_retries_and_short_timeouts() -> None:
    config = create_dynamodb_client().meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert config.connect_timeout <= 1
    assert config.read_timeout <= 2


def test_client_is_created_once_and_only_when_first_used() -> None:
    made: list[object] = []

    def factory() -> object:
        made.append(object())
        return made[-1]

    store = BirthdayStore(TABLE, factory)
    assert made == []
    assert store.client is store.client
    assert len(made) == 1


def test_get_reads_consistently(store: BirthdayStore) -> None:
    with Stubber(store.client) as stubber:
        stubber.add_response(
            "get_item",
            {"Item": {"username": {"S": "Alice"}, "dateOfBirth": {"S": "1990-05-17"}}},
            expected_params={
                "TableName": TABLE,
                "Key": {"username": {"S": "Alice"}},
                "ConsistentRead": True,
                "ProjectionExpression": "dateOfBirth",
            },
        )
        assert str(store.get("Alice")) == "1990-05-17"


def test_storage_error_wraps_the_botocore_error(store: BirthdayStore) -> None:
    with Stubber(store.client) as stubber:
        stubber.add_client_error("delete_item", "InternalServerError", 500)
        with pytest.raises(StorageUnavailable, match="delete_item"):
            store.delete("Alice")
