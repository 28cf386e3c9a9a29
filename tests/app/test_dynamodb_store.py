"""The DynamoDB adapter against moto's emulator, and its failures through botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from chalicelib.contract import create_table_request
from chalicelib.storage import (
    DynamoBirthdayStore,
    StorageMisconfigured,
    StorageUnavailable,
    create_dynamodb_client,
    is_transient,
)

TABLE = "hello-test"


@pytest.fixture
def dynamodb(fake_aws_credentials: None) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb")
        client.create_table(**create_table_request(TABLE))
        yield client


@pytest.fixture
def store(dynamodb: Any) -> DynamoBirthdayStore:
    return DynamoBirthdayStore(TABLE, client_factory=create_dynamodb_client)


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> DynamoBirthdayStore:
    """A store whose client only ever talks to botocore's Stubber: no emulator needed."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    return DynamoBirthdayStore(TABLE, client_factory=create_dynamodb_client)


def test_put_get_delete_round_trip_in_the_table(store: DynamoBirthdayStore, dynamodb: Any) -> None:
    store.put("Alice", date(1990, 5, 17))
    assert store.get("Alice") == date(1990, 5, 17)
    assert dynamodb.scan(TableName=TABLE)["Items"] == [
        {"username": {"S": "Alice"}, "dateOfBirth": {"S": "1990-05-17"}}
    ]
    assert store.get("alice") is None  # case-sensitive keys
    store.delete("Alice")
    store.delete("Alice")  # deleting what is not there is not an error
    assert store.get("Alice") is None
    assert dynamodb.scan(TableName=TABLE)["Items"] == []


TRANSIENT = [
    ("ProvisionedThroughputExceededException", 400),
    ("ThrottlingException", 400),
    ("RequestLimitExceeded", 400),
    ("InternalServerError", 500),
    ("ServiceUnavailable", 503),
    ("SomethingNew", 502),  # any 5xx
    ("SomethingNew", 429),  # any unmodelled 429
]
PERMANENT = [
    ("AccessDeniedException", 400),
    ("ResourceNotFoundException", 400),
    ("ValidationException", 400),
    ("UnrecognizedClientException", 400),
    ("ExpiredTokenException", 400),
]


@pytest.mark.parametrize(
    ("code", "http_status", "kind"),
    [(*each, StorageUnavailable) for each in TRANSIENT]
    + [(*each, StorageMisconfigured) for each in PERMANENT],
)
@pytest.mark.parametrize(
    ("operation", "call"),
    [
        ("get_item", lambda s: s.get("Alice")),
        ("put_item", lambda s: s.put("Alice", date(1990, 5, 17))),
        ("delete_item", lambda s: s.delete("Alice")),
    ],
)
def test_transient_errors_are_unavailable_and_the_rest_misconfigured(
    stubbed: DynamoBirthdayStore,
    code: str,
    http_status: int,
    kind: type[Exception],
    operation: str,
    call: Any,
) -> None:
    with Stubber(stubbed.client) as stubber:
        stubber.add_client_error(operation, service_error_code=code, http_status_code=http_status)
        with pytest.raises(kind, match=code) as raised:
            call(stubbed)
    name = "".join(part.title() for part in operation.split("_"))
    assert str(raised.value).startswith(f"DynamoDB {name} failed: ")


def test_an_error_without_response_metadata_is_classified_by_its_code() -> None:
    throttled = ClientError({"Error": {"Code": "ThrottlingException"}}, "GetItem")
    denied = ClientError({"Error": {"Code": "AccessDeniedException"}}, "GetItem")
    assert is_transient(throttled, None) is True
    assert is_transient(denied, None) is False


def test_errors_the_service_models_as_retryable_are_transient(
    stubbed: DynamoBirthdayStore,
) -> None:
    store = stubbed
    # DynamoDB models ReplicatedWriteConflictException as retryable for writes only.
    with Stubber(store.client) as stubber:
        stubber.add_client_error(
            "put_item", "ReplicatedWriteConflictException", http_status_code=400
        )
        stubber.add_client_error(
            "get_item", "ReplicatedWriteConflictException", http_status_code=400
        )
        with pytest.raises(StorageUnavailable):
            store.put("Alice", date(1990, 5, 17))
        with pytest.raises(StorageMisconfigured):
            store.get("Alice")


def test_no_credentials_is_misconfigured(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # it caches credentials once found
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(StorageMisconfigured, match="Unable to locate credentials"):
        DynamoBirthdayStore(TABLE, create_dynamodb_client).get("Alice")


def test_no_region_is_misconfigured(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    for key in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(StorageMisconfigured, match="You must specify a region"):
        DynamoBirthdayStore(TABLE, create_dynamodb_client).get("Alice")


def test_a_missing_table_is_misconfigured(dynamodb: Any) -> None:
    store = DynamoBirthdayStore("no-such-table", create_dynamodb_client)
    with pytest.raises(StorageMisconfigured, match="ResourceNotFoundException"):
        store.get("Alice")


def test_unreachable_dynamodb_is_unavailable_after_bounded_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Port 9 (discard) on loopback refuses connections: botocore retries, then gives up.
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    store = DynamoBirthdayStore(TABLE, create_dynamodb_client)
    with pytest.raises(StorageUnavailable, match="GetItem"):
        store.get("Alice")


def test_client_has_standard_bounded_retries_and_short_timeouts() -> None:
    config = create_dynamodb_client().meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert config.connect_timeout == 0.5
    assert config.read_timeout == 1.0


def test_client_is_created_once_and_only_when_first_used() -> None:
    made: list[object] = []

    def factory() -> object:
        made.append(object())
        return made[-1]

    store = DynamoBirthdayStore(TABLE, factory)
    assert made == []
    assert store.client is store.client
    assert len(made) == 1


def test_get_reads_consistently_only_the_date(stubbed: DynamoBirthdayStore) -> None:
    store = stubbed
    with Stubber(store.client) as stubber:
        stubber.add_response(
            "get_item",
            {"Item": {"dateOfBirth": {"S": "1990-05-17"}}},
            expected_params={
                "TableName": TABLE,
                "Key": {"username": {"S": "Alice"}},
                "ConsistentRead": True,
                "ProjectionExpression": "dateOfBirth",
            },
        )
        assert store.get("Alice") == date(1990, 5, 17)
