"""Checks a restored birthday table as the app would read it, and reports to AWS Backup.

AWS Backup's restore testing restores a recovery point into a new table
(`awsbackup-restore-test-*`) and emits "Restore Job State Change"; an EventBridge rule sends
every DynamoDB restore job's end here (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html).
The event is only a trigger: AWS's example event
(https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html) carries the job's id,
status and resource type but no restore testing plan, so the job is read back with
DescribeRestoreJob and only one whose `CreatedBy.RestoreTestingPlanArn` is this stage's plan is
checked (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRestoreJob.html).
A job that already has a verdict or whose copy is being deleted is skipped: EventBridge delivers
at least once and Lambda retries asynchronous invocations, so one job can arrive twice.
A completed restore is checked and the verdict sent with PutRestoreValidationResult; a failed
verdict, a failed restore job or any error raises, so the function's Errors alarm pages. A
passed one logs VALIDATED_EVENT, which the stage's heartbeat alarm counts.

Once a day a scheduled event runs the sweep instead: a copy of this plan whose validation window
ended more than COPY_DELETION_GRACE_HOURS ago and that still exists (AWS Backup's DeletionStatus
can be FAILED) raises, so a copy that outlives its window pages.

Nothing logged or reported names a user or holds a stored value: failures are counted by error
type. ValidationStatusMessage is kept by AWS Backup with the job, outside the erasure window.

The same checks serve deploy/restore_table.py (a point-in-time restore an operator runs):
- the key schema and billing mode are the ones the app's contract declares;
- a sample of items is read back through the app's own storage code (DynamoBirthdayStore.get:
  the GetItem the app makes and the date it parses), and every one must read;
- the restored item count (exact: a COUNT scan of the copy) is within the tolerance of the
  source's ItemCount, which DynamoDB updates only about every six hours, so it is an estimate
  (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html).

Packaged with hooks/restore_contract.py and chalicelib's contract and storage modules (see
components/restore_testing.py); boto3 comes with the Lambda runtime.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from chalicelib.contract import BILLING_MODE, PARTITION_KEY, PARTITION_KEY_TYPE
from chalicelib.storage import DynamoBirthdayStore, StorageMisconfigured
from hooks.restore_contract import (
    COPY_DELETION_GRACE_HOURS,
    PLAN_ARN_ENV,
    RESTORE_TEST_TABLE_PREFIX,
    SOURCE_TABLE_ENV,
    TOLERANCE_ENV,
    VALIDATED_EVENT,
    VALIDATION_HOURS_ENV,
)

# Items read back through the app's storage code on each check.
SAMPLE_SIZE = 50
# The count check never demands closer than this many items: a small table's estimate lags by
# a few writes as easily as a large one's by a few percent.
MIN_COUNT_SLACK = 5
COMPLETED = "COMPLETED"
# ValidationStatus values that are a verdict; VALIDATING is not one
# (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRestoreJob.html).
VERDICTS = ("SUCCESSFUL", "FAILED", "TIMED_OUT")
# What the validator calls on AWS Backup; PutRestoreValidationResult is recent enough that an old
# SDK lacks it (AWS's restore testing validation guide warns it may be missing from Lambda's).
BACKUP_OPERATIONS = ("describe_restore_job", "list_restore_jobs", "put_restore_validation_result")
# What an EventBridge rule on a schedule sends
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html).
SCHEDULED_EVENT = "Scheduled Event"
# How far back the sweep lists the plan's restore jobs: a copy left over longer than this has
# paged every day for weeks already (docs/data-retention.md says how to list them all).
SWEEP_LOOKBACK_DAYS = 30
MESSAGE_LIMIT = 1000  # ValidationStatusMessage is free text; keep the console's copy short


class RestoreTestFailed(Exception):
    """The restore job failed, or its table did not pass: raised so that the alarm pages."""


@dataclass
class Validation:
    table: str
    items_checked: int = 0
    items_failed: int = 0
    restored_count: int = 0
    source_estimate: int = 0
    allowed_difference: int = 0
    problems: list[str] = field(default_factory=list)
    count_within_tolerance: bool = True

    @property
    def readable(self) -> bool:
        """Every check but the count passed: the copy is what the app reads, whatever its size."""
        return len(self.problems) == (0 if self.count_within_tolerance else 1)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        head = (
            f"{self.table}: {self.items_checked} items read by the app's storage code,"
            f" {self.items_failed} failed; {self.restored_count} items restored vs source"
            f" estimate {self.source_estimate} (allowed difference {self.allowed_difference})"
        )
        return head + ("" if self.ok else "; problems: " + "; ".join(self.problems))


def allowed_count_difference(source_estimate: int, tolerance_percent: float) -> int:
    return max(MIN_COUNT_SLACK, math.ceil(source_estimate * tolerance_percent / 100))


def check_schema(description: dict[str, Any], validation: Validation) -> None:
    if description.get("TableStatus") != "ACTIVE":
        validation.problems.append(f"table status {description.get('TableStatus')}, not ACTIVE")
    expected_key = [{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}]
    if description.get("KeySchema") != expected_key:
        validation.problems.append(
            f"key schema {description.get('KeySchema')}, expected {expected_key}"
        )
    types = {
        a["AttributeName"]: a["AttributeType"] for a in description.get("AttributeDefinitions", [])
    }
    if types.get(PARTITION_KEY) != PARTITION_KEY_TYPE:
        validation.problems.append(
            f"{PARTITION_KEY} has type {types.get(PARTITION_KEY)}, expected {PARTITION_KEY_TYPE}"
        )
    # DynamoDB leaves BillingModeSummary out of tables that were always provisioned.
    billing = description.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    if billing != BILLING_MODE:
        validation.problems.append(f"billing mode {billing}, expected {BILLING_MODE}")


def sample_usernames(client: Any, table: str, size: int) -> list[Any]:
    """Up to `size` partition key values, as a scan returns them (None where an item lacks it)."""
    page = client.scan(
        TableName=table,
        Limit=size,
        ProjectionExpression="#k",
        ExpressionAttributeNames={"#k": PARTITION_KEY},
    )
    return [item.get(PARTITION_KEY, {}).get(PARTITION_KEY_TYPE) for item in page["Items"]]


def check_sample(client: Any, table: str, validation: Validation, size: int) -> None:
    """Each sampled item read back as the app reads it: DynamoBirthdayStore.get."""
    store = DynamoBirthdayStore(table, lambda: client)
    # Error types only: an error's text can quote the stored date of birth (fromisoformat's
    # "Invalid isoformat string: '...'"), and the username is personal data too.
    failures: Counter[str] = Counter()
    for username in sample_usernames(client, table, size):
        validation.items_checked += 1
        try:
            if not isinstance(username, str):
                raise TypeError(f"partition key is not of type {PARTITION_KEY_TYPE}")
            if not isinstance(store.get(username), date):
                raise LookupError("the app finds no item under its key")
        except (KeyError, TypeError, ValueError, LookupError, StorageMisconfigured) as error:
            validation.items_failed += 1
            failures[type(error).__name__] += 1
    if failures:
        kinds = ", ".join(f"{kind} x{count}" for kind, count in sorted(failures.items()))
        validation.problems.append(
            f"{validation.items_failed} sampled items unreadable by the app: {kinds}"
        )


def exact_count(client: Any, table: str) -> int:
    count, start = 0, None
    while True:
        page = client.scan(
            TableName=table, Select="COUNT", **({"ExclusiveStartKey": start} if start else {})
        )
        count += page["Count"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return count


def check_count(
    client: Any, table: str, source_table: str, tolerance_percent: float, validation: Validation
) -> None:
    validation.restored_count = exact_count(client, table)
    source = client.describe_table(TableName=source_table)["Table"]
    validation.source_estimate = int(source.get("ItemCount", 0))
    validation.allowed_difference = allowed_count_difference(
        validation.source_estimate, tolerance_percent
    )
    difference = abs(validation.restored_count - validation.source_estimate)
    if difference > validation.allowed_difference:
        validation.count_within_tolerance = False
        validation.problems.append(
            f"{validation.restored_count} items restored, source estimate"
            f" {validation.source_estimate}: {difference} apart, more than"
            f" {validation.allowed_difference}"
        )


def validate_restored_table(
    client: Any,
    table: str,
    source_table: str,
    tolerance_percent: float,
    sample_size: int = SAMPLE_SIZE,
) -> Validation:
    """Every check on the restored `table`; problems listed, never raised (but transient
    DynamoDB failures propagate: a verdict needs the table's answers)."""
    validation = Validation(table)
    description = client.describe_table(TableName=table)["Table"]
    check_schema(description, validation)
    check_sample(client, table, validation, sample_size)
    check_count(client, table, source_table, tolerance_percent, validation)
    return validation


def table_name(table_arn: str) -> str:
    """arn:aws:dynamodb:<region>:<account>:table/<name> -> <name>."""
    return table_arn.split(":", 5)[5].removeprefix("table/")


def report(backup: Any, job_id: str, validation: Validation) -> None:
    backup.put_restore_validation_result(
        RestoreJobId=job_id,
        ValidationStatus="SUCCESSFUL" if validation.ok else "FAILED",
        ValidationStatusMessage=validation.summary()[:MESSAGE_LIMIT],
    )


def log(**fields: Any) -> None:
    """One JSON line in the validator's log group (the heartbeat's metric filter reads it)."""
    print(json.dumps(fields, default=str))


def require_backup_api(backup: Any) -> None:
    """Fails loudly (an error, so a page) when the SDK lacks an AWS Backup call we make."""
    missing = [name for name in BACKUP_OPERATIONS if not hasattr(backup, name)]
    if missing:
        raise RuntimeError(
            f"this runtime's boto3 lacks AWS Backup's {', '.join(missing)}: package a boto3"
            " that has them with the validator (components/restore_testing.py)"
        )


def handle(
    event: dict[str, Any],
    dynamodb: Any,
    backup: Any,
    env: dict[str, str],
    now: datetime | None = None,
) -> str:
    """One event: the daily sweep, or a restore job to validate and report; RestoreTestFailed
    (or any error) when it fails."""
    require_backup_api(backup)
    if event.get("detail-type") == SCHEDULED_EVENT:
        return sweep(dynamodb, backup, env, now or datetime.now(UTC))
    job_id = event["detail"]["restoreJobId"]
    job = backup.describe_restore_job(RestoreJobId=job_id)
    if job.get("CreatedBy", {}).get("RestoreTestingPlanArn") != env[PLAN_ARN_ENV]:
        # Another stage's restore test, or a restore someone started: not ours to judge.
        log(event="restore_job_ignored", restore_job=job_id, reason="not this stage's plan")
        return f"restore job {job_id}: not a restore test of this stage's plan"
    if job.get("ValidationStatus") in VERDICTS or job.get("DeletionStatus"):
        log(
            event="restore_job_seen_before",
            restore_job=job_id,
            validation=job.get("ValidationStatus"),
            deletion=job.get("DeletionStatus"),
        )
        return f"restore job {job_id}: already judged or its copy deleted"
    if job.get("Status") != COMPLETED:
        raise RestoreTestFailed(
            f"restore job {job_id} ended {job.get('Status')}: {job.get('StatusMessage', '')}"
        )
    table = table_name(job["CreatedResourceArn"])
    if not table.startswith(RESTORE_TEST_TABLE_PREFIX):
        validation = Validation(table, problems=[f"not a restore-test table: {table}"])
    else:
        validation = validate_restored_table(
            dynamodb, table, env[SOURCE_TABLE_ENV], float(env[TOLERANCE_ENV])
        )
    report(backup, job_id, validation)
    log(
        event=VALIDATED_EVENT if validation.ok else "restore_test_failed",
        restore_job=job_id,
        **vars(validation),
    )
    if not validation.ok:
        raise RestoreTestFailed(validation.summary())
    return validation.summary()


def restore_jobs(backup: Any, plan_arn: str, since: datetime) -> Iterator[dict[str, Any]]:
    """The plan's restore jobs created since `since`, every page."""
    token = None
    while True:
        page = backup.list_restore_jobs(
            ByRestoreTestingPlanArn=plan_arn,
            ByCreatedAfter=since,
            **({"NextToken": token} if token else {}),
        )
        yield from page.get("RestoreJobs", [])
        token = page.get("NextToken")
        if not token:
            return


def table_exists(dynamodb: Any, table: str) -> bool:
    try:
        dynamodb.describe_table(TableName=table)
    except dynamodb.exceptions.ResourceNotFoundException:
        return False
    return True


def sweep(dynamodb: Any, backup: Any, env: dict[str, str], now: datetime) -> str:
    """Raises when a copy of this plan outlived its validation window by more than the grace:
    AWS Backup's deletion failed or never ran, and the copy holds dates of birth."""
    kept_for = timedelta(hours=int(env[VALIDATION_HOURS_ENV]) + COPY_DELETION_GRACE_HOURS)
    overdue = []
    for job in restore_jobs(backup, env[PLAN_ARN_ENV], now - timedelta(days=SWEEP_LOOKBACK_DAYS)):
        completed = job.get("CompletionDate")
        if job.get("Status") != COMPLETED or job.get("DeletionStatus") == "SUCCESSFUL":
            continue
        if completed is None or completed + kept_for > now:
            continue  # still within its window and grace
        table = table_name(job["CreatedResourceArn"])
        # Only restore-test copies (the role reads nothing else); one deleted by hand is gone.
        if table.startswith(RESTORE_TEST_TABLE_PREFIX) and table_exists(dynamodb, table):
            overdue.append(
                f"{table} (restore job {job['RestoreJobId']},"
                f" deletion {job.get('DeletionStatus') or 'not started'})"
            )
    if overdue:
        raise RestoreTestFailed(
            f"{len(overdue)} restore-test copies outlived their validation window: "
            + "; ".join(overdue)
            + " (docs/restore.md, 'A restore-test copy was not deleted')"
        )
    log(event="restore_test_copies_swept", overdue=0)
    return "no restore-test copy outlived its window"


_clients: dict[str, Any] = {}


def client(service: Literal["dynamodb", "backup"]) -> Any:
    import boto3  # the Lambda runtime's

    if service not in _clients:
        _clients[service] = boto3.client(service)
    return _clients[service]


def handler(event: dict[str, Any], context: Any) -> str:
    """Any exception (DynamoDB throttled, access denied, a failed verdict) is a Lambda error,
    which the function's Errors alarm turns into a page."""
    return handle(event, client("dynamodb"), client("backup"), dict(os.environ))
