"""The restore-test validator: moto's tables, good and broken in each way it checks, and AWS
Backup's side (PutRestoreValidationResult, which moto lacks) through botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from chalicelib.contract import create_table_request
from hooks import restore_validator
from hooks.restore_validator import (
    MIN_COUNT_SLACK,
    PLAN_ARN_ENV,
    SOURCE_TABLE_ENV,
    TOLERANCE_ENV,
    RestoreTestFailed,
    allowed_count_difference,
    check_schema,
    handle,
    validate_restored_table,
)

SOURCE = "hello-prod-table-abc"
RESTORED = "awsbackup-restore-test-1a2b3c"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
PLAN = f"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:hello_prod_restore_test-x"
JOB = "restore-job-42"
ENV = {SOURCE_TABLE_ENV: SOURCE, PLAN_ARN_ENV: PLAN, TOLERANCE_ENV: "10"}
ITEMS = 20


def item(index: int, date_of_birth: dict[str, str] | None = None) -> dict[str, Any]:
    value = {"S": f"2000-01-{index % 28 + 1:02d}"} if date_of_birth is None else date_of_birth
    return {"username": {"S": f"user{index:03d}"}, "dateOfBirth": value}


def fill(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    for each in items:
        client.put_item(TableName=table, Item=each)


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The source table with ITEMS items; restored tables are made by each test."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(**create_table_request(SOURCE))
        fill(client, SOURCE, [item(i) for i in range(ITEMS)])
        yield client


def restored(client: Any, items: list[dict[str, Any]], **request: Any) -> str:
    """A restored table as the contract declares it unless `request` overrides parts."""
    client.create_table(**{**create_table_request(RESTORED), **request})
    fill(client, RESTORED, items)
    return RESTORED


def validate(client: Any) -> restore_validator.Validation:
    return validate_restored_table(client, RESTORED, SOURCE, tolerance_percent=10)


def test_a_faithful_restore_passes(dynamodb: Any) -> None:
    restored(dynamodb, [item(i) for i in range(ITEMS)])
    result = validate(dynamodb)
    assert result.ok, result.problems
    assert (result.items_checked, result.items_failed) == (ITEMS, 0)
    assert (result.restored_count, result.source_estimate) == (ITEMS, ITEMS)


def test_the_sample_is_bounded(dynamodb: Any) -> None:
    restored(dynamodb, [item(i) for i in range(ITEMS)])
    result = validate_restored_table(dynamodb, RESTORED, SOURCE, 10, sample_size=7)
    assert result.items_checked == 7 and result.ok


def test_a_wrong_key_schema_fails(dynamodb: Any) -> None:
    restored(
        dynamodb,
        [],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    result = validate(dynamodb)
    assert not result.ok
    assert any(p.startswith("key schema") for p in result.problems)
    assert any(p.startswith("username has type None") for p in result.problems)


def test_a_wrong_key_type_fails(dynamodb: Any) -> None:
    restored(
        dynamodb, [], AttributeDefinitions=[{"AttributeName": "username", "AttributeType": "N"}]
    )
    problems = validate(dynamodb).problems
    assert "username has type N, expected S" in problems


def test_provisioned_billing_fails(dynamodb: Any) -> None:
    restored(
        dynamodb,
        [item(i) for i in range(ITEMS)],
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    assert validate(dynamodb).problems == ["billing mode PROVISIONED, expected PAY_PER_REQUEST"]


def test_a_table_that_is_not_active_fails() -> None:
    description = {
        "TableStatus": "CREATING",
        "KeySchema": [{"AttributeName": "username", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "username", "AttributeType": "S"}],
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
    }
    result = restore_validator.Validation(RESTORED)
    check_schema(description, result)
    assert result.problems == ["table status CREATING, not ACTIVE"]


def test_a_table_never_on_demand_counts_as_provisioned() -> None:
    result = restore_validator.Validation(RESTORED)
    check_schema(
        {
            "TableStatus": "ACTIVE",
            "KeySchema": [{"AttributeName": "username", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "username", "AttributeType": "S"}],
        },
        result,
    )
    assert result.problems == ["billing mode PROVISIONED, expected PAY_PER_REQUEST"]


@pytest.mark.parametrize(
    ("broken", "error"),
    [
        ({"N": "19900101"}, "KeyError"),  # stored as a number: the app reads ["S"]
        ({"S": "1990-13-45"}, "ValueError"),  # not an ISO date
        ({"S": ""}, "ValueError"),
        (None, "KeyError"),  # no date at all
    ],
)
def test_items_the_app_cannot_read_fail(
    dynamodb: Any, broken: dict[str, str] | None, error: str
) -> None:
    items = [item(i) for i in range(ITEMS - 1)]
    bad = item(ITEMS - 1)
    if broken is None:
        del bad["dateOfBirth"]
    else:
        bad["dateOfBirth"] = broken
    restored(dynamodb, [*items, bad])
    result = validate(dynamodb)
    assert (result.items_checked, result.items_failed) == (ITEMS, 1)
    (problem,) = result.problems
    assert problem.startswith("1 sampled items unreadable by the app: 'user019': " + error)


@pytest.mark.parametrize(
    ("source_estimate", "tolerance", "allowed"),
    [(0, 10, MIN_COUNT_SLACK), (20, 10, MIN_COUNT_SLACK), (1000, 10, 100), (1001, 10, 101)],
)
def test_the_count_tolerance(source_estimate: int, tolerance: float, allowed: int) -> None:
    assert allowed_count_difference(source_estimate, tolerance) == allowed


def test_a_count_within_the_tolerance_passes_and_one_beyond_fails(dynamodb: Any) -> None:
    # Source estimate 20, allowed difference 5: 15 restored items pass, 14 fail.
    restored(dynamodb, [item(i) for i in range(ITEMS - MIN_COUNT_SLACK)])
    assert validate(dynamodb).ok
    dynamodb.delete_item(TableName=RESTORED, Key={"username": {"S": "user000"}})
    result = validate(dynamodb)
    assert result.restored_count == ITEMS - MIN_COUNT_SLACK - 1
    assert result.problems == ["14 items restored, source estimate 20: 6 apart, more than 5"]


def test_an_empty_restore_of_a_full_table_fails(dynamodb: Any) -> None:
    restored(dynamodb, [])
    result = validate(dynamodb)
    assert result.items_checked == 0
    assert result.problems == ["0 items restored, source estimate 20: 20 apart, more than 5"]


def event(status: str = "COMPLETED", plan: str = PLAN, table: str = RESTORED) -> dict[str, Any]:
    """A "Restore Job State Change" event as AWS Backup sends it for a restore test."""
    return {
        "source": "aws.backup",
        "detail-type": "Restore Job State Change",
        "detail": {
            "restoreJobId": JOB,
            "status": status,
            "statusMessage": "" if status == "COMPLETED" else "Access denied",
            "resourceType": "DynamoDB",
            "restoreTestingPlanArn": plan,
            "createdResourceArn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}",
            "sourceResourceArn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{SOURCE}",
        },
    }


@pytest.fixture
def backup() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("backup", region_name=REGION)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def expect_report(stubber: Stubber, status: str, message: str) -> None:
    stubber.add_response(
        "put_restore_validation_result",
        {},
        {"RestoreJobId": JOB, "ValidationStatus": status, "ValidationStatusMessage": message},
    )


def test_a_good_restore_is_reported_successful(dynamodb: Any, backup: Any) -> None:
    client, stubber = backup
    restored(dynamodb, [item(i) for i in range(ITEMS)])
    message = (
        f"{RESTORED}: 20 items read by the app's storage code, 0 failed; 20 items restored vs"
        " source estimate 20 (allowed difference 5)"
    )
    expect_report(stubber, "SUCCESSFUL", message)
    assert handle(event(), dynamodb, client, ENV) == message


def test_a_broken_restore_is_reported_failed_and_raises(dynamodb: Any, backup: Any) -> None:
    client, stubber = backup
    restored(dynamodb, [])
    message = (
        f"{RESTORED}: 0 items read by the app's storage code, 0 failed; 0 items restored vs"
        " source estimate 20 (allowed difference 5); problems: 0 items restored, source estimate"
        " 20: 20 apart, more than 5"
    )
    expect_report(stubber, "FAILED", message)
    with pytest.raises(RestoreTestFailed, match="20 apart"):
        handle(event(), dynamodb, client, ENV)


def test_a_table_outside_the_restore_test_names_is_never_read(backup: Any) -> None:
    client, stubber = backup
    expect_report(
        stubber,
        "FAILED",
        f"{SOURCE}: 0 items read by the app's storage code, 0 failed; 0 items restored vs source"
        f" estimate 0 (allowed difference 0); problems: not a restore-test table: {SOURCE}",
    )
    with pytest.raises(RestoreTestFailed):
        handle(event(table=SOURCE), dynamodb=None, backup=client, env=ENV)  # None: no reads


@pytest.mark.parametrize("status", ["FAILED", "ABORTED"])
def test_a_failed_restore_job_raises_without_a_verdict(backup: Any, status: str) -> None:
    client, _ = backup  # no response queued: any call to AWS Backup would fail the test
    with pytest.raises(RestoreTestFailed, match=f"ended {status}: Access denied"):
        handle(event(status=status), dynamodb=None, backup=client, env=ENV)


def test_another_plans_job_is_refused(backup: Any) -> None:
    client, _ = backup
    with pytest.raises(RestoreTestFailed, match="not to this stage's plan"):
        handle(event(plan=PLAN + "-other"), dynamodb=None, backup=client, env=ENV)


def test_a_message_longer_than_the_limit_is_cut(backup: Any) -> None:
    client, stubber = backup
    validation = restore_validator.Validation(RESTORED, problems=["x" * 5000])
    stubber.add_response(
        "put_restore_validation_result",
        {},
        {
            "RestoreJobId": JOB,
            "ValidationStatus": "FAILED",
            "ValidationStatusMessage": validation.summary()[: restore_validator.MESSAGE_LIMIT],
        },
    )
    restore_validator.report(client, JOB, validation)
    assert len(validation.summary()) > restore_validator.MESSAGE_LIMIT
