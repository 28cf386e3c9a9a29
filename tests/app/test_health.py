"""The health route Route 53 checks: 200 while the region reads its own table, 503 (retry) or
500 (configuration) when it cannot, exempt from the origin check and never carrying data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber
from chalice.test import Client

from app import create_app
from chalicelib.contract import HEALTH_KEY, HEALTH_PATH, ORIGIN_HEADER
from chalicelib.storage import DynamoBirthdayStore, StorageMisconfigured, create_dynamodb_client
from tests.app.conftest import SETTINGS, TODAY, body_of, serve
from tests.app.test_storage_failures import assert_unavailable

SECRET = "s3cret-from-cloudfront"
TABLE = "hello-test"


@pytest.fixture
def guarded(store: Any) -> Iterator[Any]:
    yield from serve(SETTINGS._replace(origin_secret=SECRET), store)


def test_health_is_200_ok_and_reads_the_table_once(client: Any, store: Any) -> None:
    response = client.get(HEALTH_PATH)
    assert response.status_code == 200
    assert body_of(response) == {"status": "ok"}
    assert store.pings == 1


def test_health_never_carries_user_data(client: Any, store: Any) -> None:
    store.items["Alice"] = date(1990, 5, 17)
    body = client.get(HEALTH_PATH).body.decode()
    assert json.loads(body) == {"status": "ok"}
    assert "Alice" not in body and "1990" not in body


@pytest.mark.parametrize("headers", [{}, {ORIGIN_HEADER: "wrong"}, {ORIGIN_HEADER: SECRET}])
def test_health_needs_no_origin_secret(guarded: Any, headers: dict[str, str]) -> None:
    # Route 53 health checks cannot send headers: with or without one, the route answers.
    assert guarded.get(HEALTH_PATH, headers=headers).status_code == 200


@pytest.mark.parametrize("path", ["/hello/Alice", "/hello/health", "/hello/%2Fhealth"])
def test_every_other_path_still_needs_the_secret(guarded: Any, path: str) -> None:
    response = guarded.get(path)
    assert response.status_code == 403
    assert body_of(response)["Code"] == "ForbiddenError"


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH"])
def test_other_methods_on_health_are_405_and_do_not_touch_the_table(
    guarded: Any, store: Any, method: str
) -> None:
    response = guarded.request(method, HEALTH_PATH, body=b"{}", headers={})
    assert response.status_code == 405
    assert body_of(response)["Code"] == "MethodNotAllowedError"
    assert store.pings == 0 and store.items == {}


def test_unavailable_table_is_503_with_retry_after_and_logged(
    client: Any, store: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.storage import StorageUnavailable

    store.failure = StorageUnavailable("DynamoDB GetItem failed: InternalServerError")
    assert_unavailable(client.get(HEALTH_PATH))
    events = [json.loads(line)["event"] for line in capsys.readouterr().out.splitlines()]
    assert "storage_unavailable" in events


def test_misconfigured_table_is_500_without_retry(
    client: Any, store: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    store.failure = StorageMisconfigured("DynamoDB GetItem failed: ResourceNotFoundException")
    response = client.get(HEALTH_PATH)
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    assert body_of(response) == {
        "Code": "InternalServerError",
        "Message": "An internal server error occurred.",
    }
    events = [json.loads(line)["event"] for line in capsys.readouterr().out.splitlines()]
    assert "storage_misconfigured" in events


# --- the DynamoDB read itself, through botocore's Stubber -------------------------------------


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Stubber]]:
    """The real app and DynamoDB store, its client answered by botocore's Stubber."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    store = DynamoBirthdayStore(TABLE, create_dynamodb_client)
    with Stubber(store.client) as stubber, Client(create_app(SETTINGS, store, lambda: TODAY)) as c:
        yield c.http, stubber
        stubber.assert_no_pending_responses()


# A strongly consistent GetItem of the health key, projecting only the key: no user's item, no
# date of birth, no write.
EXPECTED_READ = {
    "TableName": TABLE,
    "Key": {"username": {"S": HEALTH_KEY}},
    "ConsistentRead": True,
    "ProjectionExpression": "#key",
    "ExpressionAttributeNames": {"#key": "username"},
}


@pytest.mark.parametrize(
    "answer", [{}, {"Item": {"username": {"S": HEALTH_KEY}}}], ids=["absent", "present"]
)
def test_one_consistent_read_of_the_health_key_whether_or_not_it_exists(
    stubbed: tuple[Any, Stubber], answer: dict[str, Any]
) -> None:
    http, stubber = stubbed
    stubber.add_response("get_item", answer, expected_params=EXPECTED_READ)
    response = http.get(HEALTH_PATH)
    assert response.status_code == 200
    assert body_of(response) == {"status": "ok"}


# What a Region whose replica cannot answer returns: DynamoDB's 5xx and throttling (the Stubber
# answers once; the real client retries these first).
@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("InternalServerError", 500),
        ("ServiceUnavailable", 503),
        ("ThrottlingException", 400),
        ("ProvisionedThroughputExceededException", 400),
        ("RequestLimitExceeded", 400),
    ],
)
def test_transient_table_faults_are_503(
    stubbed: tuple[Any, Stubber], code: str, status: int
) -> None:
    http, stubber = stubbed
    stubber.add_client_error("get_item", code, http_status_code=status)
    assert_unavailable(http.get(HEALTH_PATH))


@pytest.mark.parametrize(
    "code", ["ResourceNotFoundException", "AccessDeniedException", "ValidationException"]
)
def test_configuration_faults_are_500_not_retry(stubbed: tuple[Any, Stubber], code: str) -> None:
    http, stubber = stubbed
    stubber.add_client_error("get_item", code, http_status_code=400)
    response = http.get(HEALTH_PATH)
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    assert body_of(response)["Code"] == "InternalServerError"


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com"),
        ConnectTimeoutError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com"),
        ReadTimeoutError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com"),
    ],
    ids=["unreachable", "connect-timeout", "read-timeout"],
)
def test_an_unreachable_table_is_503(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """The network path to the replica fails (no Stubber: it stubs answers, not transports)."""

    class Unreachable:
        meta = create_dynamodb_client().meta

        def get_item(self, **_: Any) -> Any:
            raise error

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    store = DynamoBirthdayStore(TABLE, Unreachable)
    with Client(create_app(SETTINGS, store, lambda: TODAY)) as test_client:
        assert_unavailable(test_client.http.get(HEALTH_PATH))
