"""The restore drill: seed a table on moto's emulator (loopback, in memory), restore it to a point
in time with deploy/restore_table.py's own steps, read every restored item back through the
app's storage code with the restore tests' checks, and time it.

The emulator's restore copies the table as it is and ignores BillingModeOverride, which AWS
applies; the drill applies it (as tests/delivery/test_restore_table.py does), so the figures
measure our path, not AWS's restore time, which a real drill in the account measures.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from bench.report import AtMost, figure

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
SEEDED = 1000
LIVE = "hello-drill-table"
TARGET = "hello-drill-table-restored"
DRILL_BUDGET_S = 20.0


def seed(client: Any, count: int) -> None:
    from chalicelib.contract import create_table_request

    client.create_table(**create_table_request(LIVE))
    for start in range(0, count, 25):  # BatchWriteItem takes at most 25 items
        client.batch_write_item(
            RequestItems={
                LIVE: [
                    {
                        "PutRequest": {
                            "Item": {
                                "username": {"S": f"drill{index:05d}"},
                                "dateOfBirth": {"S": f"19{index % 90 + 10}-0{index % 9 + 1}-15"},
                            }
                        }
                    }
                    for index in range(start, min(start + 25, count))
                ]
            }
        )
    client.update_continuous_backups(
        TableName=LIVE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )


def drill(client: Any, seeded: int = SEEDED) -> tuple[int, int, float]:
    """Items restored, items that failed validation, seconds: restore + every check."""
    from deploy.restore_table import check_restorable, restore
    from hooks.restore_validator import validate_restored_table

    started = time.perf_counter()
    # The newest second PITR can restore (as on the worst day): DynamoDB refuses any later one.
    when = client.describe_continuous_backups(TableName=LIVE)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"
    ]["LatestRestorableDateTime"]
    check_restorable(client, LIVE, when)
    restore(client, LIVE, TARGET, when, wait_delay=0)
    client.update_table(TableName=TARGET, BillingMode="PAY_PER_REQUEST")  # what AWS applies
    validation = validate_restored_table(client, TARGET, LIVE, 10, sample_size=seeded)
    elapsed = time.perf_counter() - started
    assert validation.ok, validation.summary()
    return validation.restored_count, validation.items_failed, elapsed


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the emulator's access log
    emulator = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
    emulator.start()
    try:
        host, port = emulator.get_host_and_port()
        client = boto3.client(
            "dynamodb",
            endpoint_url=f"http://{host}:{port}",
            region_name="us-east-1",
            aws_access_key_id="local",  # fake on purpose: nothing reaches AWS
            aws_secret_access_key="local",  # noqa: S106
        )
        seed(client, SEEDED)
        restored, failed, elapsed = drill(client)
    finally:
        emulator.stop()
    figure("restore_drill_items_restored", restored, "items", f"of {SEEDED} seeded")
    figure("restore_drill_items_missing", SEEDED - restored, "items", "", AtMost(0))
    figure(
        "restore_drill_items_failed", failed, "items", "read by the app's storage code", AtMost(0)
    )
    figure(
        "restore_drill_s", elapsed, "s", "restore + every check, emulator", AtMost(DRILL_BUDGET_S)
    )


if __name__ == "__main__":
    main()
