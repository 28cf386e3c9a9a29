"""Copies every item of the single-Region birthday table into the new, empty multi-Region strongly
consistent (MRSC) table, then verifies that the two hold exactly the same items (the runbook:
docs/migration-to-mrsc.md).

Usage: python deploy/copy_table.py --source OLD_TABLE --target NEW_TABLE
       [--source-region R] [--target-region R] [--delete-extra] [--verify-only]

An existing table cannot become MRSC in place: DynamoDB makes a table MRSC only while it is
empty (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/multi-region-strong-consistency-gt.html),
so the stack creates a new one and this copies the data across.

- The source is read with a paged, strongly consistent Scan (deploy/restore_table.py's, which
  the verification's full reads use too) and never written.
- Items are written with BatchWriteItem, 25 at a time (its limit); what DynamoDB returns as
  UnprocessedItems is sent again with exponential backoff, and the copy fails, naming the count,
  when some are still unprocessed after MAX_ATTEMPTS
  (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
- A re-run is idempotent: each item is put whole (same key, same attributes), so copying again
  after a partial run or while writes are frozen leaves the same table.
- Verification compares every item of both tables by key (counts, missing, different, extra).
  An item in the target that the source lacks is a failure: it may be a user erased from the
  source since the last copy, whose data must not survive. `--delete-extra` deletes those from
  the target (after a copy), so a re-run after an erasure converges.

Exits 0 when the tables hold the same items, 1 when verification failed, 2 when the copy could
not finish (unprocessed items after every retry, or the two tables' key schemas differ).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.contract import PARTITION_KEY, PARTITION_KEY_TYPE
from deploy.restore_table import keys, scan_pages

BATCH_LIMIT = 25  # BatchWriteItem takes at most 25 requests
MAX_ATTEMPTS = 8
FIRST_BACKOFF_S = 0.05  # doubled after each attempt that left items unprocessed: ~6 s in all
VALID, FAILED, NOT_COPIED = 0, 1, 2

Item = dict[str, Any]


class CopyFailed(Exception):
    pass


@dataclass
class CopyReport:
    pages: int = 0
    copied: int = 0
    deleted: int = 0
    retried_batches: int = 0


@dataclass
class Verification:
    source_count: int
    target_count: int
    missing: list[str] = field(default_factory=list)  # in the source, not in the target
    different: list[str] = field(default_factory=list)  # in both, attributes differ
    extra: list[str] = field(default_factory=list)  # in the target, not in the source

    @property
    def ok(self) -> bool:
        return not (self.missing or self.different or self.extra)

    def summary(self) -> str:
        # Counts only: usernames are personal data and this output ends up in CI logs.
        return (
            f"source {self.source_count} items, target {self.target_count};"
            f" missing {len(self.missing)}, different {len(self.different)},"
            f" extra {len(self.extra)}"
        )


def write_batch(
    client: Any,
    table: str,
    requests: list[Item],
    report: CopyReport,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """One BatchWriteItem of at most 25 requests, sending back what DynamoDB left unprocessed."""
    pending = requests
    backoff = FIRST_BACKOFF_S
    for attempt in range(1, MAX_ATTEMPTS + 1):
        answer = client.batch_write_item(RequestItems={table: pending})
        pending = answer.get("UnprocessedItems", {}).get(table, [])
        if not pending:
            return
        if attempt < MAX_ATTEMPTS:
            report.retried_batches += 1
            sleep(backoff)
            backoff *= 2
    raise CopyFailed(
        f"{len(pending)} items still unprocessed by {table} after {MAX_ATTEMPTS} attempts:"
        " run again (the copy is idempotent), or lower the write rate"
    )


def batches(requests: Sequence[Item]) -> Iterator[list[Item]]:
    for start in range(0, len(requests), BATCH_LIMIT):
        yield list(requests[start : start + BATCH_LIMIT])


def check_same_key_schema(source_client: Any, target_client: Any, source: str, target: str) -> None:
    schemas = [
        client.describe_table(TableName=name)["Table"]["KeySchema"]
        for client, name in ((source_client, source), (target_client, target))
    ]
    if schemas[0] != schemas[1]:
        raise CopyFailed(f"{source} and {target} have different key schemas: {schemas}")


def copy(
    source_client: Any,
    target_client: Any,
    source: str,
    target: str,
    page_size: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> CopyReport:
    """Puts every item of `source` into `target`, page by page."""
    check_same_key_schema(source_client, target_client, source, target)
    report = CopyReport()
    for page in scan_pages(source_client, source, page_size):
        report.pages += 1
        for batch in batches([{"PutRequest": {"Item": item}} for item in page]):
            write_batch(target_client, target, batch, report, sleep)
            report.copied += len(batch)
    return report


def delete_extra(
    target_client: Any,
    target: str,
    extra: Sequence[str],
    report: CopyReport,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    requests = [
        {"DeleteRequest": {"Key": {PARTITION_KEY: {PARTITION_KEY_TYPE: name}}}} for name in extra
    ]
    for batch in batches(requests):
        write_batch(target_client, target, batch, report, sleep)
        report.deleted += len(batch)


def verify(source_client: Any, target_client: Any, source: str, target: str) -> Verification:
    """Every item of both tables compared by key and attributes."""
    old, new = keys(source_client, source), keys(target_client, target)
    return Verification(
        source_count=len(old),
        target_count=len(new),
        missing=sorted(old.keys() - new.keys()),
        different=sorted(name for name in old.keys() & new.keys() if old[name] != new[name]),
        extra=sorted(new.keys() - old.keys()),
    )


def main(
    argv: Sequence[str] | None = None,
    clients: tuple[Any, Any] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--source", required=True, help="the single-Region table (read only)")
    parser.add_argument("--target", required=True, help="the new MRSC table (empty at first)")
    parser.add_argument("--source-region", help="default: the environment's region")
    parser.add_argument("--target-region", help="default: the environment's region")
    parser.add_argument("--delete-extra", action="store_true", help="delete target-only items")
    parser.add_argument("--verify-only", action="store_true", help="compare, copy nothing")
    args = parser.parse_args(argv)
    if clients is None:
        import boto3

        clients = (
            boto3.client("dynamodb", region_name=args.source_region),
            boto3.client("dynamodb", region_name=args.target_region),
        )
    source_client, target_client = clients
    report = CopyReport()
    try:
        if not args.verify_only:
            report = copy(source_client, target_client, args.source, args.target, sleep=sleep)
            print(
                f"copied {report.copied} items from {args.source} to {args.target}"
                f" ({report.pages} pages, {report.retried_batches} batches retried)"
            )
        verification = verify(source_client, target_client, args.source, args.target)
        if args.delete_extra and verification.extra:
            delete_extra(target_client, args.target, verification.extra, report, sleep)
            print(f"deleted {report.deleted} items the source no longer has from {args.target}")
            verification = verify(source_client, target_client, args.source, args.target)
    except CopyFailed as failed:
        print(f"copy failed: {failed}", file=sys.stderr)
        return NOT_COPIED
    verdict = "the same items" if verification.ok else "DIFFERENT items"
    print(f"{args.source} and {args.target} hold {verdict}: {verification.summary()}")
    return VALID if verification.ok else FAILED


if __name__ == "__main__":
    sys.exit(main())
