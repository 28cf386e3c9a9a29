"""deploy/copy_table.py against moto's DynamoDB: a copy over several Scan pages, items DynamoDB
leaves unprocessed sent again, a copy that cannot finish, re-runs that change nothing, and
verification that catches missing, changed and extra items (an erasure made since the copy)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from chalicelib.contract import create_table_request
from deploy.copy_table import (
    BATCH_LIMIT,
    FAILED,
    MAX_ATTEMPTS,
    NOT_COPIED,
    VALID,
    CopyFailed,
    CopyReport,
    copy,
    main,
    verify,
    write_batch,
)
from deploy.restore_table import keys

OLD = "hello-prod-table-abc"
NEW = "hello-prod-mrsc-def"
ITEMS = 60  # over two BatchWriteItem batches, and many Scan pages with PAGE


def item(index: int) -> dict[str, Any]:
    return {
        "username": {"S": f"user{index:03d}"},
        "dateOfBirth": {"S": f"19{50 + index % 50}-0{index % 9 + 1}-15"},
    }


@pytest.fixture
def dynamodb(fake_aws_credentials: None) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        for table in (OLD, NEW):
            client.create_table(**create_table_request(table))
        for index in range(ITEMS):
            client.put_item(TableName=OLD, Item=item(index))
        yield client


class Counting:
    """The client, counting calls by operation; `unprocessed(n)` makes each of the next batch
    writes leave its last n requests unwritten and hand them back, as DynamoDB may when it
    throttles part of a batch."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: dict[str, list[dict[str, Any]]] = {}
        self.leave: list[int] = []

    def unprocessed(self, *counts: int) -> None:
        self.leave = list(counts)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)

        def call(**params: Any) -> Any:
            self.calls.setdefault(name, []).append(params)
            if name == "batch_write_item" and self.leave:
                ((table, requests),) = params["RequestItems"].items()
                left = self.leave.pop(0)
                kept, returned = requests[: len(requests) - left], requests[len(requests) - left :]
                if kept:
                    method(RequestItems={table: kept})
                return {"UnprocessedItems": {table: returned} if returned else {}}
            return method(**params)

        return call


def no_sleep(seconds: float) -> None:
    pass


def test_a_copy_over_many_pages_holds_every_item(dynamodb: Any) -> None:
    counting = Counting(dynamodb)
    report = copy(counting, counting, OLD, NEW, page_size=7, sleep=no_sleep)
    assert report.copied == ITEMS
    assert report.pages == len(counting.calls["scan"]) >= ITEMS // 7
    assert all(call["ConsistentRead"] is True for call in counting.calls["scan"])
    assert all(
        len(call["RequestItems"][NEW]) <= BATCH_LIMIT for call in counting.calls["batch_write_item"]
    )
    assert keys(dynamodb, NEW) == keys(dynamodb, OLD)
    assert len(keys(dynamodb, NEW)) == ITEMS
    assert verify(dynamodb, dynamodb, OLD, NEW).ok


def test_the_source_is_never_written(dynamodb: Any) -> None:
    counting = Counting(dynamodb)
    copy(counting, counting, OLD, NEW, sleep=no_sleep)
    written = {
        table for call in counting.calls["batch_write_item"] for table in call["RequestItems"]
    }
    assert written == {NEW}
    assert set(counting.calls) <= {"describe_table", "scan", "batch_write_item"}


def test_unprocessed_items_are_sent_again_with_growing_backoff(dynamodb: Any) -> None:
    counting = Counting(dynamodb)
    counting.unprocessed(10, 3, 0)
    waits: list[float] = []
    report = copy(counting, counting, OLD, NEW, page_size=25, sleep=waits.append)
    assert report.retried_batches == 2
    assert waits == [0.05, 0.1]
    first, again, third = counting.calls["batch_write_item"][:3]
    assert len(again["RequestItems"][NEW]) == 10  # only what was left unprocessed
    assert again["RequestItems"][NEW] == first["RequestItems"][NEW][-10:]
    assert len(third["RequestItems"][NEW]) == 3
    assert verify(dynamodb, dynamodb, OLD, NEW).ok


def test_items_still_unprocessed_after_every_attempt_fail_the_copy(dynamodb: Any) -> None:
    counting = Counting(dynamodb)
    counting.unprocessed(*[2] * MAX_ATTEMPTS)
    report = CopyReport()
    batch = [{"PutRequest": {"Item": item(index)}} for index in range(5)]
    with pytest.raises(CopyFailed, match=f"2 items still unprocessed by {NEW} after 8 attempts"):
        write_batch(counting, NEW, batch, report, no_sleep)
    assert len(counting.calls["batch_write_item"]) == MAX_ATTEMPTS
    assert report.retried_batches == MAX_ATTEMPTS - 1


def test_a_batch_write_the_service_refuses_is_not_swallowed(dynamodb: Any) -> None:
    with Stubber(dynamodb) as stubber:
        stubber.add_client_error("batch_write_item", "ValidationException", http_status_code=400)
        with pytest.raises(dynamodb.exceptions.ClientError, match="ValidationException"):
            write_batch(dynamodb, NEW, [{"PutRequest": {"Item": item(0)}}], CopyReport())


def test_a_rerun_changes_nothing(dynamodb: Any) -> None:
    copy(dynamodb, dynamodb, OLD, NEW, page_size=9, sleep=no_sleep)
    after_first = keys(dynamodb, NEW)
    report = copy(dynamodb, dynamodb, OLD, NEW, page_size=9, sleep=no_sleep)
    assert report.copied == ITEMS
    assert keys(dynamodb, NEW) == after_first == keys(dynamodb, OLD)


def test_a_rerun_after_a_partial_copy_completes_it(dynamodb: Any) -> None:
    for index in range(0, ITEMS, 2):  # half were copied before the first run stopped
        dynamodb.put_item(TableName=NEW, Item=item(index))
    assert not verify(dynamodb, dynamodb, OLD, NEW).ok
    copy(dynamodb, dynamodb, OLD, NEW, sleep=no_sleep)
    assert verify(dynamodb, dynamodb, OLD, NEW).ok


def test_verification_finds_missing_different_and_extra_items(dynamodb: Any) -> None:
    copy(dynamodb, dynamodb, OLD, NEW, sleep=no_sleep)
    dynamodb.delete_item(TableName=NEW, Key={"username": {"S": "user001"}})
    dynamodb.put_item(TableName=NEW, Item={**item(2), "dateOfBirth": {"S": "2000-01-01"}})
    dynamodb.delete_item(TableName=OLD, Key={"username": {"S": "user003"}})  # erased since
    result = verify(dynamodb, dynamodb, OLD, NEW)
    assert not result.ok
    assert (result.missing, result.different, result.extra) == (
        ["user001"],
        ["user002"],
        ["user003"],
    )
    assert (result.source_count, result.target_count) == (ITEMS - 1, ITEMS - 1)
    # The summary carries counts only: usernames are personal data.
    assert "user" not in result.summary()
    assert result.summary() == (
        f"source {ITEMS - 1} items, target {ITEMS - 1}; missing 1, different 1, extra 1"
    )


def test_key_schemas_that_differ_are_refused_before_any_write(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName="other",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    with pytest.raises(CopyFailed, match="different key schemas"):
        copy(dynamodb, dynamodb, OLD, "other", sleep=no_sleep)
    assert dynamodb.scan(TableName="other")["Items"] == []


def test_the_command_copies_verifies_and_exits_0(
    dynamodb: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--source", OLD, "--target", NEW], clients=(dynamodb, dynamodb)) == VALID
    out = capsys.readouterr().out
    assert f"copied {ITEMS} items from {OLD} to {NEW}" in out
    assert f"hold the same items: source {ITEMS} items, target {ITEMS};" in out
    assert "user0" not in out


def test_verify_only_copies_nothing_and_exits_1_when_they_differ(
    dynamodb: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--source", OLD, "--target", NEW, "--verify-only"]
    assert main(args, clients=(dynamodb, dynamodb)) == FAILED
    assert dynamodb.scan(TableName=NEW)["Items"] == []
    assert f"missing {ITEMS}" in capsys.readouterr().out


def test_an_erasure_since_the_copy_fails_verification_until_deleted_with_delete_extra(
    dynamodb: Any,
) -> None:
    clients = (dynamodb, dynamodb)
    assert main(["--source", OLD, "--target", NEW], clients=clients) == VALID
    dynamodb.delete_item(TableName=OLD, Key={"username": {"S": "user007"}})  # DELETE /hello/...
    assert main(["--source", OLD, "--target", NEW], clients=clients) == FAILED
    assert "user007" in keys(dynamodb, NEW)  # a copy alone never deletes
    assert main(["--source", OLD, "--target", NEW, "--delete-extra"], clients=clients) == VALID
    assert "user007" not in keys(dynamodb, NEW)
    assert keys(dynamodb, NEW) == keys(dynamodb, OLD)


def test_a_copy_that_cannot_finish_exits_2(
    dynamodb: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    counting = Counting(dynamodb)
    counting.unprocessed(*[1] * MAX_ATTEMPTS)
    code = main(["--source", OLD, "--target", NEW], clients=(counting, counting), sleep=no_sleep)
    assert code == NOT_COPIED
    assert "copy failed: 1 items still unprocessed" in capsys.readouterr().err
