"""Checks a restored birthday table as the app would read it, and reports to AWS Backup.

AWS Backup's restore testing restores a recovery point into a new table
(`awsbackup-restore-test-*`) and emits "Restore Job State Change"; an EventBridge rule sends the
stage's plan's events here (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html).
A completed restore is checked and the verdict sent with PutRestoreValidationResult; a failed
verdict, a failed restore job or any error raises, so the function's Errors alarm pages.

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
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.contract import BILLING_MODE, PARTITION_KEY, PARTITION_KEY_TYPE
from chalicelib.storage import DynamoBirthdayStore, StorageMisconfigured
from hooks.restore_contract import (
    PLAN_ARN_ENV,
    RESTORE_TEST_TABLE_PREFIX,
    SOURCE_TABLE_ENV,
    TOLERANCE_ENV,
)

# Items read back through the app's storage code on each check.
SAMPLE_SIZE = 50
# The count check never demands closer than this many items: a small table's estimate lags by
# a few writes as easily as a large one's by a few percent.
MIN_COUNT_SLACK = 5
COMPLETED = "COMPLETED"
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
    failures = []
    for username in sample_usernames(client, table, size):
        validation.items_checked += 1
        try:
            if not isinstance(username, str):
                raise TypeError(f"partition key is not of type {PARTITION_KEY_TYPE}")
            if not isinstance(store.get(username), date):
                raise LookupError("the app finds no item under its key")
        except (KeyError, TypeError, ValueError, LookupError, StorageMisconfigured) as error:
            validation.items_failed += 1
            failures.append(f"{username!r}: {type(error).__name__}: {error}")
    if failures:
        shown = "; ".join(failures[:3]) + (" ..." if len(failures) > 3 else "")
        validation.problems.append(f"{len(failures)} sampled items unreadable by the app: {shown}")


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


def handle(event: dict[str, Any], dynamodb: Any, backup: Any, env: dict[str, str]) -> str:
    """One restore job's event: validate and report, or raise RestoreTestFailed."""
    detail = event["detail"]
    job_id = detail["restoreJobId"]
    if detail.get("restoreTestingPlanArn") != env[PLAN_ARN_ENV]:
        raise RestoreTestFailed(
            f"restore job {job_id} belongs to {detail.get('restoreTestingPlanArn')}, not to"
            f" this stage's plan {env[PLAN_ARN_ENV]}: check the EventBridge rule"
        )
    if detail.get("status") != COMPLETED:
        raise RestoreTestFailed(
            f"restore job {job_id} ended {detail.get('status')}: {detail.get('statusMessage', '')}"
        )
    table = table_name(detail["createdResourceArn"])
    if not table.startswith(RESTORE_TEST_TABLE_PREFIX):
        validation = Validation(table, problems=[f"not a restore-test table: {table}"])
    else:
        validation = validate_restored_table(
            dynamodb, table, env[SOURCE_TABLE_ENV], float(env[TOLERANCE_ENV])
        )
    report(backup, job_id, validation)
    print(json.dumps({"restore_job": job_id, "ok": validation.ok, **vars(validation)}))
    if not validation.ok:
        raise RestoreTestFailed(validation.summary())
    return validation.summary()


_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    import boto3  # the Lambda runtime's

    if service not in _clients:
        _clients[service] = boto3.client(service)
    return _clients[service]


def handler(event: dict[str, Any], context: Any) -> str:
    """Any exception (DynamoDB throttled, access denied, a failed verdict) is a Lambda error,
    which the function's Errors alarm turns into a page."""
    return handle(event, client("dynamodb"), client("backup"), dict(os.environ))
