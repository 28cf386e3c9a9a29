"""The restore-test validator: moto's tables, good and broken in each way it checks, and AWS
Backup's side (DescribeRestoreJob, ListRestoreJobs, PutRestoreValidationResult, which moto
lacks) through botocore's Stubber."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from chalicelib.contract import create_table_request
from hooks import restore_validator
from hooks.restore_contract import VALIDATED_EVENT, VALIDATION_HOURS_ENV
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
ENV = {
    SOURCE_TABLE_ENV: SOURCE,
    PLAN_ARN_ENV: PLAN,
    TOLERANCE_ENV: "10",
    VALIDATION_HOURS_ENV: "24",
}
ITEMS = 20


def item(index: int, date_of_birth: dict[str, str] | None = None) -> dict[str, Any]:
    value = {"S": f"2000-01-{index % 28 + 1:02d}"} if date_of_birth is None else date_of_birth
    return {"username": {"S": f"user{index:03d}"}, "dateOfBirth": value}


def fill(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    for each in items:
        client.put_item(TableName=table, Item=each)


@pytest.fixture
def dynamodb(fake_aws_credentials: None) -> Iterator[Any]:
    """The source table with ITEMS items; restored tables are made by each test."""
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
    assert result.problems == [f"1 sampled items unreadable by the app: {error} x1"]


def test_no_username_or_stored_value_reaches_the_logs_or_aws_backup(
    dynamodb: Any, backup: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both are personal data; AWS Backup keeps ValidationStatusMessage with the job, outside
    the erasure window (docs/data-retention.md)."""
    client, stubber = backup
    name, bad_date = "alice.example", "1990-13-45"
    restored(
        dynamodb,
        [
            *[item(i) for i in range(ITEMS - 2)],
            {"username": {"S": name}, "dateOfBirth": {"S": bad_date}},
            {"username": {"S": "bob.example"}, "dateOfBirth": {"N": "19900101"}},
        ],
    )
    expect_job(stubber)
    sent: dict[str, str] = {}
    original = client.put_restore_validation_result

    def capture(**request: str) -> Any:
        sent.update(request)
        return original(**request)

    stubber.add_response("put_restore_validation_result", {})
    client.put_restore_validation_result = capture
    with pytest.raises(RestoreTestFailed) as failed:
        handle(event(), dynamodb, client, ENV)
    written = capsys.readouterr().out + str(failed.value) + sent["ValidationStatusMessage"]
    for secret in (name, bad_date, "bob.example", "19900101", "1990"):
        assert secret not in written
    assert "2 sampled items unreadable by the app: KeyError x1, ValueError x1" in written


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


def event(job: str = JOB) -> dict[str, Any]:
    """A "Restore Job State Change" event with the fields of AWS's own example
    (https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html, "Restore job
    events"): the job's id, status and resource type, and no restore testing plan, which the
    validator must therefore ask DescribeRestoreJob for."""
    return {
        "version": "0",
        "id": "8b54e3cc-5a08-2a45-7b4c-7e4f1a8e3b6d",
        "detail-type": "Restore Job State Change",
        "source": "aws.backup",
        "account": ACCOUNT,
        "time": "2026-12-02T06:40:00Z",
        "region": REGION,
        "resources": [f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:1EB3B5E7"],
        "detail": {
            "restoreJobId": job,
            "backupSizeInBytes": "4096",
            "creationDate": "2026-12-02T06:10:00.000Z",
            "iamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/restore",
            "percentDone": 100.0,
            "resourceType": "DynamoDB",
            "status": "COMPLETED",
            "createdResourceArn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{RESTORED}",
            "completionDate": "2026-12-02T06:40:00.000Z",
        },
    }


@pytest.fixture
def backup() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("backup", region_name=REGION)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def job_description(
    status: str = "COMPLETED", plan: str | None = PLAN, table: str = RESTORED, **more: Any
) -> dict[str, Any]:
    """DescribeRestoreJob's answer for JOB, as its API reference documents the fields."""
    return {
        "RestoreJobId": JOB,
        "Status": status,
        "StatusMessage": "" if status == "COMPLETED" else "Access denied",
        "ResourceType": "DynamoDB",
        "CreatedResourceArn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}",
        **({"CreatedBy": {"RestoreTestingPlanArn": plan}} if plan else {}),
        **more,
    }


def expect_job(stubber: Stubber, **description: Any) -> None:
    stubber.add_response(
        "describe_restore_job", job_description(**description), {"RestoreJobId": JOB}
    )


def expect_report(stubber: Stubber, status: str, message: str) -> None:
    stubber.add_response(
        "put_restore_validation_result",
        {},
        {"RestoreJobId": JOB, "ValidationStatus": status, "ValidationStatusMessage": message},
    )


def test_a_good_restore_is_reported_successful(
    dynamodb: Any, backup: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    client, stubber = backup
    restored(dynamodb, [item(i) for i in range(ITEMS)])
    message = (
        f"{RESTORED}: 20 items read by the app's storage code, 0 failed; 20 items restored vs"
        " source estimate 20 (allowed difference 5)"
    )
    expect_job(stubber)
    expect_report(stubber, "SUCCESSFUL", message)
    assert handle(event(), dynamodb, client, ENV) == message
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["event"] == VALIDATED_EVENT == "restore_test_validated"


def test_a_broken_restore_is_reported_failed_and_raises(dynamodb: Any, backup: Any) -> None:
    client, stubber = backup
    restored(dynamodb, [])
    message = (
        f"{RESTORED}: 0 items read by the app's storage code, 0 failed; 0 items restored vs"
        " source estimate 20 (allowed difference 5); problems: 0 items restored, source estimate"
        " 20: 20 apart, more than 5"
    )
    expect_job(stubber)
    expect_report(stubber, "FAILED", message)
    with pytest.raises(RestoreTestFailed, match="20 apart"):
        handle(event(), dynamodb, client, ENV)


def test_a_table_outside_the_restore_test_names_is_never_read(backup: Any) -> None:
    client, stubber = backup
    expect_job(stubber, table=SOURCE)
    expect_report(
        stubber,
        "FAILED",
        f"{SOURCE}: 0 items read by the app's storage code, 0 failed; 0 items restored vs source"
        f" estimate 0 (allowed difference 0); problems: not a restore-test table: {SOURCE}",
    )
    with pytest.raises(RestoreTestFailed):
        handle(event(), dynamodb=None, backup=client, env=ENV)  # None: no reads


@pytest.mark.parametrize("status", ["FAILED", "ABORTED"])
def test_a_failed_restore_job_raises_without_a_verdict(backup: Any, status: str) -> None:
    client, stubber = backup  # no report queued: a verdict call would fail the test
    expect_job(stubber, status=status)
    with pytest.raises(RestoreTestFailed, match=f"ended {status}: Access denied"):
        handle(event(), dynamodb=None, backup=client, env=ENV)


@pytest.mark.parametrize("plan", [PLAN + "-other", None])
def test_another_plans_job_or_a_hand_started_restore_is_ignored(
    backup: Any, plan: str | None
) -> None:
    """The rule matches every DynamoDB restore job; only DescribeRestoreJob says whose it is."""
    client, stubber = backup
    expect_job(stubber, plan=plan)
    assert "not a restore test of this stage's plan" in handle(event(), None, client, ENV)


@pytest.mark.parametrize(
    "seen",
    [
        {"ValidationStatus": "SUCCESSFUL"},
        {"ValidationStatus": "FAILED"},
        {"ValidationStatus": "TIMED_OUT"},
        {"DeletionStatus": "DELETING"},
        {"DeletionStatus": "SUCCESSFUL"},
    ],
)
def test_a_job_delivered_again_is_not_judged_again(backup: Any, seen: dict[str, str]) -> None:
    """EventBridge delivers at least once, Lambda retries: no second verdict, no error."""
    client, stubber = backup
    expect_job(stubber, **seen)
    assert "already judged" in handle(event(), dynamodb=None, backup=client, env=ENV)


def test_a_job_still_validating_is_judged(dynamodb: Any, backup: Any) -> None:
    """VALIDATING is AWS Backup waiting for our verdict, not a verdict."""
    client, stubber = backup
    restored(dynamodb, [item(i) for i in range(ITEMS)])
    expect_job(stubber, ValidationStatus="VALIDATING")
    stubber.add_response("put_restore_validation_result", {})
    assert handle(event(), dynamodb, client, ENV).startswith(RESTORED)


def test_a_runtime_without_aws_backups_calls_fails_before_anything() -> None:
    no_verdict = SimpleNamespace(describe_restore_job=None, list_restore_jobs=None)
    with pytest.raises(RuntimeError, match="lacks AWS Backup's put_restore_validation_result"):
        handle(event(), dynamodb=None, backup=no_verdict, env=ENV)


def test_a_message_longer_than_the_limit_is_cut(backup: Any) -> None:
    client, stubber = backup
    validation = restore_validator.Validation(RESTORED, problems=["x" * 5000])
    head = (
        f"{RESTORED}: 0 items read by the app's storage code, 0 failed; 0 items restored vs"
        " source estimate 0 (allowed difference 0); problems: "
    )
    # Our limit, 1000 characters: what the console shows of the job's message.
    stubber.add_response(
        "put_restore_validation_result",
        {},
        {
            "RestoreJobId": JOB,
            "ValidationStatus": "FAILED",
            "ValidationStatusMessage": head + "x" * (1000 - len(head)),
        },
    )
    restore_validator.report(client, JOB, validation)


NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
SCHEDULED = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}


def listed(age_hours: float, deletion: str | None, table: str = RESTORED) -> dict[str, Any]:
    """A ListRestoreJobs member: a completed restore test `age_hours` ago."""
    return {
        "RestoreJobId": f"job-{table}",
        "Status": "COMPLETED",
        "CompletionDate": NOW - timedelta(hours=age_hours),
        "CreatedResourceArn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}",
        **({"DeletionStatus": deletion} if deletion else {}),
    }


def expect_listing(stubber: Stubber, *pages: list[dict[str, Any]]) -> None:
    for index, jobs in enumerate(pages):
        request: dict[str, Any] = {
            "ByRestoreTestingPlanArn": PLAN,
            "ByCreatedAfter": NOW - timedelta(days=30),
        }
        if index:
            request["NextToken"] = f"page{index}"
        answer: dict[str, Any] = {"RestoreJobs": jobs}
        if index < len(pages) - 1:
            answer["NextToken"] = f"page{index + 1}"
        stubber.add_response("list_restore_jobs", answer, request)


def test_the_sweep_pages_for_a_copy_that_outlived_its_window(dynamodb: Any, backup: Any) -> None:
    """Validation window 24 h plus 24 h grace: a copy 49 h after its restore must be gone."""
    client, stubber = backup
    restored(dynamodb, [])
    expect_listing(
        stubber, [listed(10, None, "awsbackup-restore-test-young")], [listed(49, "FAILED")]
    )
    with pytest.raises(RestoreTestFailed, match="1 restore-test copies outlived") as failed:
        handle(SCHEDULED, dynamodb, client, ENV, now=NOW)
    assert f"{RESTORED} (restore job job-{RESTORED}, deletion FAILED)" in str(failed.value)


@pytest.mark.parametrize(
    ("age_hours", "deletion", "exists"),
    [
        (47, None, True),  # within window and grace
        (49, "SUCCESSFUL", True),  # AWS Backup says deleted
        (49, "FAILED", False),  # deleted by hand since
    ],
)
def test_the_sweep_is_quiet_otherwise(
    dynamodb: Any, backup: Any, age_hours: float, deletion: str | None, exists: bool
) -> None:
    client, stubber = backup
    if exists:
        restored(dynamodb, [])
    expect_listing(stubber, [listed(age_hours, deletion)])
    assert "no restore-test copy outlived" in handle(SCHEDULED, dynamodb, client, ENV, now=NOW)
