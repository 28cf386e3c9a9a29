"""Restores the birthday table to a point in time into a new table, validates it, prints how to
cut over (the runbook: docs/restore.md).

Usage: python deploy/restore_table.py --table LIVE_TABLE --time 2026-12-02T14:01:00Z
       [--target NEW_TABLE] [--count-tolerance-percent 10]
       [--copy-missing --keep-erased ERASED_USERNAMES_FILE]

The live table is never changed unless `--copy-missing` is given: then the items the restore
has and the live table lacks are put back (never over an item the live table has, and never one
whose username is listed in the erased-usernames file: an erasure made after the restore time
must not be undone, so `--copy-missing` requires `--keep-erased`, an empty file when nobody was
erased since). A second run reuses the target only if it is a restore of the live table to that
very time, waiting while it is still being restored.

The new table is checked with the restore tests' own checks (hooks/restore_validator.py): key
schema, billing mode, a sample read by the app's storage code, its item count against the live
table's estimate. After a mass deletion that count check fails
by design, by about the number of items deleted: the output says how many, and the operator
decides (the runbook says how).

Exits 0 when the restore is valid, 1 when a check failed, 2 when the restore was refused
(point-in-time recovery off, the time outside its window, the target another table or a restore
to another time, `--copy-missing` without `--keep-erased`).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalicelib.contract import BILLING_MODE, PARTITION_KEY, PARTITION_KEY_TYPE
from hello_stack.config import StackConfig
from hooks.restore_validator import Validation, validate_restored_table

DEFAULT_TOLERANCE = next(
    f.default
    for f in dataclasses.fields(StackConfig)
    if f.name == "restore_count_tolerance_percent"
)
REFUSED, FAILED, VALID = 2, 1, 0


class RestoreRefused(Exception):
    pass


def parse_time(text: str) -> datetime:
    """An ISO 8601 time with its offset (14:01:00Z, 15:01:00+01:00): never a local guess."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text}: give the offset, e.g. {text}Z for UTC")
    return moment.astimezone(UTC)


def default_target(table: str, when: datetime) -> str:
    """Named from the live table, so that the stage's boundary and prefix cover it."""
    return f"{table}-restored-{when:%Y%m%dT%H%MZ}"


def check_restorable(client: Any, table: str, when: datetime) -> None:
    """RestoreTableToPointInTime accepts only Earliest <= time <= LatestRestorableDateTime,
    which trails the present by about five minutes
    (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PointInTimeRecoveryDescription.html);
    outside it DynamoDB answers InvalidRestoreTimeException: refused here, with the bounds."""
    description = client.describe_continuous_backups(TableName=table)[
        "ContinuousBackupsDescription"
    ].get("PointInTimeRecoveryDescription", {})
    if description.get("PointInTimeRecoveryStatus") != "ENABLED":
        raise RestoreRefused(f"point-in-time recovery is not enabled on {table}")
    earliest = description["EarliestRestorableDateTime"]
    latest = description["LatestRestorableDateTime"]
    if when < earliest:
        raise RestoreRefused(
            f"{when:%Y-%m-%dT%H:%M:%SZ} is before {table}'s earliest point, {earliest}"
        )
    if when > latest:
        raise RestoreRefused(
            f"{when:%Y-%m-%dT%H:%M:%SZ} is after {table}'s latest restorable point, {latest}"
            " (DynamoDB trails the present by about five minutes: wait, or pick that time)"
        )


def existing_restore(client: Any, table: str, target: str, when: datetime) -> bool:
    """True when `target` is already a restore of `table` to `when` (a second run, e.g. to copy
    back); refuses any other existing table of that name, and a restore to another time, whose
    items would be copied back as if they were `when`'s. RestoreSummary carries the source and
    the time restored to (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreSummary.html)."""
    try:
        description = client.describe_table(TableName=target)["Table"]
    except client.exceptions.ResourceNotFoundException:
        return False
    source = client.describe_table(TableName=table)["Table"]["TableArn"]
    summary = description.get("RestoreSummary", {})
    if summary.get("SourceTableArn") != source:
        raise RestoreRefused(f"{target} exists and is not a restore of {table}")
    restored_to = summary.get("RestoreDateTime")
    # DynamoDB restores to the second; the ISO time given may carry a fraction.
    if restored_to is None or abs((restored_to - when).total_seconds()) >= 1:
        raise RestoreRefused(
            f"{target} is a restore of {table} to {restored_to}, not to"
            f" {when:%Y-%m-%dT%H:%M:%SZ}: give that --time, or another --target"
        )
    return True


def wait_until_active(client: Any, target: str, wait_delay: float) -> None:
    """A restore takes minutes to hours; the waiter polls DescribeTable until ACTIVE."""
    client.get_waiter("table_exists").wait(
        TableName=target, WaiterConfig={"Delay": wait_delay, "MaxAttempts": 720}
    )


def restore(client: Any, table: str, target: str, when: datetime, wait_delay: float = 20) -> None:
    client.restore_table_to_point_in_time(
        SourceTableName=table,
        TargetTableName=target,
        RestoreDateTime=when,
        # The app's billing mode, whatever the table's was at that time (the check confirms it).
        BillingModeOverride=BILLING_MODE,
    )
    wait_until_active(client, target, wait_delay)


def scan_pages(
    client: Any, table: str, page_size: int | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Every item of `table`, page by page (Scan returns at most 1 MB a page), read strongly
    consistent: after writes stopped, every one of them is seen."""
    start: dict[str, Any] | None = None
    while True:
        params: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
        if page_size:
            params["Limit"] = page_size
        if start:
            params["ExclusiveStartKey"] = start
        page = client.scan(**params)
        yield page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def keys(client: Any, table: str) -> dict[str, dict[str, Any]]:
    """Every item of `table` by username (a full scan: fine for this table's size)."""
    return {
        item[PARTITION_KEY][PARTITION_KEY_TYPE]: item
        for page in scan_pages(client, table)
        for item in page
    }


def missing_from_live(client: Any, restored: str, live: str) -> dict[str, dict[str, Any]]:
    live_keys = keys(client, live)
    return {name: item for name, item in keys(client, restored).items() if name not in live_keys}


def copy_missing(
    client: Any, items: dict[str, dict[str, Any]], live: str, erased: set[str]
) -> tuple[int, int]:
    """Puts back the items the live table lacks, except erased ones; never overwrites."""
    copied = skipped = 0
    for username, item in sorted(items.items()):
        if username in erased:
            skipped += 1
            continue
        try:
            client.put_item(
                TableName=live,
                Item=item,
                ConditionExpression="attribute_not_exists(#k)",
                ExpressionAttributeNames={"#k": PARTITION_KEY},
            )
            copied += 1
        except client.exceptions.ConditionalCheckFailedException:
            skipped += 1  # written since we looked: the live item is newer
    return copied, skipped


def cutover_steps(live: str, target: str, missing: int) -> list[str]:
    return [
        f"Items the restore has and {live} lacks: {missing}.",
        "Cut over, the smallest change first:",
        f"  a. Items deleted by mistake: run again with --copy-missing --keep-erased FILE"
        f" (FILE: usernames erased since the restore time) to put the {missing} back into"
        f" {live}; the app needs no change.",
        f"  b. The live table lost or corrupted: point the stack at {target} (docs/restore.md,"
        " 'Replacing the table'), deploy, run synthetics/smoke.py against the URL.",
        f"  c. Then delete {target} (after b: the old table) once nothing needs it: it holds"
        " dates of birth outside every retention window (docs/data-retention.md).",
    ]


def report(validation: Validation) -> None:
    verdict = "valid" if validation.ok else "FAILED"
    print(f"restored table {verdict}: {validation.summary()}")


def main(argv: Sequence[str] | None = None, client: Any = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--table", required=True, help="the live table (stack output table_name)")
    parser.add_argument("--time", required=True, type=parse_time, help="ISO 8601 with offset")
    parser.add_argument("--target", help="the new table (default: <table>-restored-<time>)")
    parser.add_argument("--count-tolerance-percent", type=float, default=DEFAULT_TOLERANCE)
    parser.add_argument("--copy-missing", action="store_true")
    parser.add_argument(
        "--keep-erased",
        type=Path,
        help="usernames erased since --time, one a line (required with --copy-missing)",
    )
    parser.add_argument("--wait-delay", type=float, default=20, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.copy_missing and args.keep_erased is None:
        # Without the list, every erasure made since --time would be undone (exit 2).
        parser.error(
            "--copy-missing requires --keep-erased FILE: the usernames erased since --time"
            " (an empty file if none), or their dates of birth come back"
        )
    if client is None:
        import boto3

        client = boto3.client("dynamodb")
    target = args.target or default_target(args.table, args.time)
    erased = set(args.keep_erased.read_text().split()) if args.keep_erased else set()
    try:
        check_restorable(client, args.table, args.time)
        reuse = existing_restore(client, args.table, target, args.time)
    except RestoreRefused as refused:
        print(f"restore refused: {refused}", file=sys.stderr)
        return REFUSED
    if reuse:
        print(f"{target} is already a restore of {args.table} to that time: checking it again")
        wait_until_active(client, target, args.wait_delay)  # it may still be restoring
    else:
        print(f"restoring {args.table} as of {args.time:%Y-%m-%dT%H:%M:%SZ} into {target} ...")
        restore(client, args.table, target, args.time, args.wait_delay)
    validation = validate_restored_table(client, target, args.table, args.count_tolerance_percent)
    report(validation)
    missing = missing_from_live(client, target, args.table)
    if args.copy_missing:
        # After a mass deletion the count differs by design; anything else forbids copying.
        if not validation.readable:
            print("not copying back from a restore the app cannot read", file=sys.stderr)
            return FAILED
        copied, skipped = copy_missing(client, missing, args.table, erased)
        print(f"copied back {copied} items into {args.table}, skipped {skipped}")
        return VALID
    print("\n".join(cutover_steps(args.table, target, len(missing))))
    return VALID if validation.ok else FAILED


if __name__ == "__main__":
    sys.exit(main())
