"""Where dates of birth are kept: a small protocol, and its DynamoDB adapter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Protocol, cast

from botocore import xform_name
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import BotoCoreError, ClientError

# ThrottlingStatusCodeChecker: botocore has it (retries/standard.py), botocore-stubs 1.43 not.
from botocore.retries.standard import (
    ModeledRetryableChecker,
    OrRetryChecker,
    RetryContext,
    ThrottledRetryableChecker,
    ThrottlingStatusCodeChecker,  # pyright: ignore[reportAttributeAccessIssue, reportUnknownVariableType]
    TransientRetryableChecker,
)

from chalicelib.contract import (
    DELETE_ITEM,
    GET_ITEM,
    HEALTH_KEY,
    PARTITION_KEY,
    PARTITION_KEY_TYPE,
    PUT_ITEM,
)

DATE_OF_BIRTH_ATTRIBUTE = "dateOfBirth"


class StorageUnavailable(Exception):
    """DynamoDB throttled, failed on its side or timed out, after botocore's retries: transient."""


class StorageMisconfigured(Exception):
    """DynamoDB refused the call for a reason that retrying cannot fix: access denied, no such
    table, an invalid request, missing or unrecognised credentials, no region."""


# What botocore's standard retry mode counts as retryable (connection errors and timeouts,
# 5xx, throttling codes and statuses, errors the service models as retryable) is transient.
_TRANSIENT = OrRetryChecker(
    [
        TransientRetryableChecker(),
        ThrottledRetryableChecker(),
        ThrottlingStatusCodeChecker(),
        ModeledRetryableChecker(),
    ]
)


def is_transient(error: Exception, operation_model: Any) -> bool:
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        context = RetryContext(
            attempt_number=1,
            operation_model=operation_model,
            parsed_response=error.response,
            # The status is None when the error carries no metadata: no status check matches.
            http_response=AWSResponse("", cast(int, status), HTTPHeaders(), None),
        )
    else:
        context = RetryContext(attempt_number=1, caught_exception=error)
    return _TRANSIENT.is_retryable(context)


class BirthdayStore(Protocol):
    def get(self, username: str) -> date | None: ...

    def put(self, username: str, date_of_birth: date) -> None: ...

    def delete(self, username: str) -> None: ...

    def ping(self) -> None: ...


def create_dynamodb_client() -> Any:
    """A client with bounded retries and timeouts that fit well inside the Lambda timeout.

    Worst case per call: 3 attempts x (0.5 s connect + 1 s read) plus standard-mode backoff
    (under 1 s, then under 2 s) stays below 8 s; the function timeout is 10 s.
    The endpoint follows AWS_ENDPOINT_URL_DYNAMODB, so the emulator needs no special code.
    """
    import boto3  # here, not at the top: only what creates a client pays for importing boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": 3},
        connect_timeout=0.5,
        read_timeout=1.0,
    )
    # boto3-stubs overloads `client` for every service; only DynamoDB's types are installed.
    return boto3.client("dynamodb", config=config)  # pyright: ignore[reportUnknownMemberType]


class DynamoBirthdayStore:
    """One item per user: the partition key holds the username, one attribute the ISO date."""

    def __init__(self, table_name: str, client_factory: Callable[[], Any]) -> None:
        self._table_name = table_name
        self._client_factory = client_factory
        self._client: Any = None

    @property
    def client(self) -> Any:
        # Outside Lambda (tests, chalice local, packaging) created on first use.
        if self._client is None:
            self.connect()
        return self._client

    def connect(self) -> None:
        """A new client. In Lambda it is called during init, so that the first request does
        not pay for it (and SnapStart snapshots it), and again after each SnapStart restore."""
        self._client = self._client_factory()

    def get(self, username: str) -> date | None:
        item = self._call(
            GET_ITEM,
            Key=self._key(username),
            ConsistentRead=True,
            ProjectionExpression=DATE_OF_BIRTH_ATTRIBUTE,
        ).get("Item")
        if item is None:
            return None
        return date.fromisoformat(item[DATE_OF_BIRTH_ATTRIBUTE]["S"])

    def put(self, username: str, date_of_birth: date) -> None:
        item = {**self._key(username), DATE_OF_BIRTH_ATTRIBUTE: {"S": date_of_birth.isoformat()}}
        self._call(PUT_ITEM, Item=item)

    def delete(self, username: str) -> None:
        self._call(DELETE_ITEM, Key=self._key(username))

    def ping(self) -> None:
        """One strongly consistent read of HEALTH_KEY that returns at most the key itself: proves
        the table answers (in a multi-Region strongly consistent table, that this Region reaches
        the others), reads no user's data and writes nothing."""
        self._call(
            GET_ITEM,
            Key=self._key(HEALTH_KEY),
            ConsistentRead=True,
            ProjectionExpression="#key",
            ExpressionAttributeNames={"#key": PARTITION_KEY},
        )

    @staticmethod
    def _key(username: str) -> dict[str, dict[str, str]]:
        return {PARTITION_KEY: {PARTITION_KEY_TYPE: username}}

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        try:
            return getattr(self.client, xform_name(operation))(TableName=self._table_name, **params)
        except (ClientError, BotoCoreError) as error:
            message = f"DynamoDB {operation} failed: {error}"
            # None when the client could not even be created (no region): not transient.
            model = self._client and self._client.meta.service_model.operation_model(operation)
            if is_transient(error, model):
                raise StorageUnavailable(message) from error
            raise StorageMisconfigured(message) from error
