"""A store that is unavailable makes the API answer 503 with Retry-After, never 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.storage import StorageMisconfigured, StorageUnavailable
from tests.app.conftest import body_of, put, stored


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert body_of(response) == {
        "Code": "ServiceUnavailable",
        "Message": "the service is temporarily unavailable, please retry",
    }


def any_request(client: Any, method: str) -> Any:
    """A valid request of that method for Alice: what fails is the store, never the input."""
    body = '{"dateOfBirth": "1990-05-17"}'
    return client.request(method, "/hello/Alice", body=body, headers=JSON_HEADERS)


JSON_HEADERS = {"Content-Type": "application/json"}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_unavailable_store_is_503_with_retry_after_and_logged(
    client: Any, store: Any, capsys: pytest.CaptureFixture[str], method: str
) -> None:
    store.failure = StorageUnavailable("DynamoDB PutItem failed: throttled")
    response = any_request(client, method)
    assert_unavailable(response)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (error,) = [line for line in lines if line["event"] == "storage_unavailable"]
    (request,) = [line for line in lines if line["event"] == "request"]
    assert error["level"] == "ERROR"
    assert error["error"] == "StorageUnavailable: DynamoDB PutItem failed: throttled"
    assert error["requestId"] == request["requestId"] is not None
    assert request["status"] == 503


def test_failed_put_writes_nothing(client: Any, store: Any) -> None:
    store.failure = StorageUnavailable("throttled")
    assert_unavailable(put(client, "Alice", {"dateOfBirth": "1990-05-17"}))
    store.failure = None
    assert stored(store) == {}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_misconfigured_store_is_500_logged_as_such_without_retry_after(
    client: Any, store: Any, capsys: pytest.CaptureFixture[str], method: str
) -> None:
    store.failure = StorageMisconfigured("DynamoDB GetItem failed: AccessDeniedException")
    response = any_request(client, method)
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    assert body_of(response) == {
        "Code": "InternalServerError",
        "Message": "An internal server error occurred.",
    }
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (error,) = [line for line in lines if line["level"] == "ERROR"]
    assert error["event"] == "storage_misconfigured"
    assert "AccessDeniedException" in error["error"]
