"""deploy/restore_table.py against moto's DynamoDB: refusals, a valid restore with its cut-over
steps, a mass deletion put back without undoing erasures, and a broken restore never copied.

moto's point-in-time restore copies the table as it is (it ignores the time), so "the table as
it was before the deletion" is made by deleting from the live table right after the restore; it
also ignores BillingModeOverride, which AWS applies, freezes LatestRestorableDateTime when PITR
is turned on, and records the restore's creation as its RestoreDateTime: the wrapper models
AWS's behaviour for each (cited there)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.contract import create_table_request
from deploy import restore_table
from deploy.restore_table import FAILED, REFUSED, VALID, copy_missing, default_target, main

LIVE = "hello-prod-table-abc"
TARGET = "hello-prod-table-abc-restored"
ITEMS = 30
DELETED = 10


def item(index: int) -> dict[str, Any]:
    return {"username": {"S": f"user{index:03d}"}, "dateOfBirth": {"S": "1990-02-28"}}


@pytest.fixture
def client(fake_aws_credentials: None) -> Iterator[Any]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
        dynamodb.create_table(**create_table_request(LIVE))
        for index in range(ITEMS):
            dynamodb.put_item(TableName=LIVE, Item=item(index))
        dynamodb.update_continuous_backups(
            TableName=LIVE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
        yield dynamodb


# "LatestRestorableDateTime is typically 5 minutes before the current time"
# (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery_Howitworks.html).
PITR_LAG = timedelta(minutes=5)


class AfterRestore:
    """The client as AWS answers, doing `then(client)` right after the restore: what changed
    since. The restore applies BillingModeOverride
    (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html);
    the restored table's RestoreSummary.RestoreDateTime is the time restored to
    (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreSummary.html);
    PITR, on for 35 days, restores from 35 days ago to about five minutes ago. `creating`: the
    restored table's first descriptions say it is still being restored."""

    def __init__(self, client: Any, then: Any = lambda _: None, creating: int = 0) -> None:
        self._client, self._then, self._creating = client, then, creating
        self.restored_to: dict[str, datetime] = {}
        self.waited: list[str] = []

    def restore_table_to_point_in_time(self, **request: Any) -> Any:
        answer = self._client.restore_table_to_point_in_time(**request)
        self._client.update_table(
            TableName=request["TargetTableName"], BillingMode=request["BillingModeOverride"]
        )
        self.restored_to[request["TargetTableName"]] = request["RestoreDateTime"]
        self._then(self._client)
        return answer

    def describe_continuous_backups(self, **request: Any) -> Any:
        answer = self._client.describe_continuous_backups(**request)
        pitr = answer["ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
        if pitr.get("PointInTimeRecoveryStatus") == "ENABLED":
            now = datetime.now(UTC)
            pitr["EarliestRestorableDateTime"] = now - timedelta(days=35)
            pitr["LatestRestorableDateTime"] = now - PITR_LAG
        return answer

    def describe_table(self, **request: Any) -> Any:
        answer = self._client.describe_table(**request)
        name = request["TableName"]
        if name in self.restored_to:
            summary = answer["Table"]["RestoreSummary"]
            summary["RestoreDateTime"] = self.restored_to[name]
            if self._creating:
                self._creating -= 1
                summary["RestoreInProgress"] = True
                answer["Table"]["TableStatus"] = "CREATING"
        return answer

    def get_waiter(self, name: str) -> Any:
        waiter = self._client.get_waiter(name)
        wrapper = self

        class Recorded:
            def wait(self, **request: Any) -> None:
                wrapper.waited.append(request["TableName"])
                wrapper._creating = 0  # the waiter returns once the table is ACTIVE
                waiter.wait(**request)

        return Recorded()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def delete_some(client: Any) -> None:
    for index in range(DELETED):
        client.delete_item(TableName=LIVE, Key={"username": {"S": f"user{index:03d}"}})


def restorable() -> str:
    """A time PITR can restore to: before its latest restorable point."""
    return (datetime.now(UTC) - 2 * PITR_LAG).replace(microsecond=0).isoformat()


def run(client: Any, *extra: str, when: str | None = None) -> int:
    argv = ["--table", LIVE, "--time", when or restorable(), "--target", TARGET]
    argv += ["--wait-delay", "0"]
    wrapped = client if isinstance(client, AfterRestore) else AfterRestore(client)
    return main([*argv, *extra], client=wrapped)


def usernames(client: Any, table: str) -> set[str]:
    return {i["username"]["S"] for i in client.scan(TableName=table)["Items"]}


def test_a_valid_restore_prints_the_cut_over_steps(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(client) == VALID
    out = capsys.readouterr().out
    assert "restored table valid" in out
    assert f"Items the restore has and {LIVE} lacks: 0." in out
    assert f"point the stack at {TARGET}" in out
    assert f"delete {TARGET}" in out
    assert usernames(client, TARGET) == usernames(client, LIVE)


def test_after_a_mass_deletion_the_count_check_says_how_many(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(AfterRestore(client, delete_some)) == FAILED  # by design: 10 apart, 5 allowed
    out = capsys.readouterr().out
    assert f"{ITEMS} items restored, source estimate {ITEMS - DELETED}" in out
    assert f"lacks: {DELETED}." in out
    assert len(usernames(client, LIVE)) == ITEMS - DELETED  # the live table untouched


def test_copy_missing_puts_back_what_was_deleted_but_not_what_was_erased(
    client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    erased = tmp_path / "erased.txt"
    erased.write_text("user003\nuser007\n")  # erasure requests honoured since the restore time
    code = run(AfterRestore(client, delete_some), "--copy-missing", "--keep-erased", str(erased))
    assert code == VALID
    assert f"copied back {DELETED - 2} items into {LIVE}, skipped 2" in capsys.readouterr().out
    assert usernames(client, LIVE) == {f"user{i:03d}" for i in range(ITEMS)} - {
        "user003",
        "user007",
    }


def test_a_second_run_copies_back_from_the_same_restore(
    client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aws, when, nobody = AfterRestore(client, delete_some), restorable(), tmp_path / "none.txt"
    nobody.write_text("")
    assert run(aws, when=when) == FAILED  # first: look at what it would bring
    # then: copy back from that very table
    assert run(aws, "--copy-missing", "--keep-erased", str(nobody), when=when) == VALID
    out = capsys.readouterr().out
    assert f"{TARGET} is already a restore of {LIVE} to that time" in out
    assert f"copied back {DELETED} items" in out
    assert len(usernames(client, LIVE)) == ITEMS


def test_a_restore_to_another_time_is_never_reused(
    client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its items are another moment's: copying them back as this one's would be wrong."""
    aws, nobody = AfterRestore(client, delete_some), tmp_path / "none.txt"
    nobody.write_text("")
    earlier = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    assert run(aws, when=earlier.isoformat()) == FAILED
    later = earlier + timedelta(minutes=30)
    code = run(aws, "--copy-missing", "--keep-erased", str(nobody), when=later.isoformat())
    assert code == REFUSED
    err = capsys.readouterr().err
    assert f"{TARGET} is a restore of {LIVE} to {earlier}, not to" in err
    assert f"{later:%Y-%m-%dT%H:%M:%SZ}" in err
    assert len(usernames(client, LIVE)) == ITEMS - DELETED  # nothing copied


def test_a_reused_restore_still_being_restored_is_waited_for(client: Any) -> None:
    aws, when = AfterRestore(client), restorable()
    assert run(aws, when=when) == VALID
    assert aws.waited == [TARGET]
    aws._creating = 3  # a second run while DynamoDB still restores it (RestoreInProgress)
    assert run(aws, when=when) == VALID
    assert aws.waited == [TARGET, TARGET]  # waited before checking, not a "CREATING" failure


def test_copy_missing_without_the_erasure_list_is_refused(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without it every erasure since --time would be undone (exit 2, argparse's usage error)."""
    with pytest.raises(SystemExit) as refused:
        run(AfterRestore(client, delete_some), "--copy-missing")
    assert refused.value.code == REFUSED
    assert "--copy-missing requires --keep-erased FILE" in capsys.readouterr().err
    assert TARGET not in client.list_tables()["TableNames"]
    assert len(usernames(client, LIVE)) == ITEMS


def test_an_existing_table_that_is_no_restore_is_refused(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    client.create_table(**create_table_request(TARGET))
    assert run(client) == REFUSED
    assert f"{TARGET} exists and is not a restore of {LIVE}" in capsys.readouterr().err


def test_copy_missing_never_overwrites_a_live_item(client: Any) -> None:
    newer = {"username": {"S": "user001"}, "dateOfBirth": {"S": "2001-01-01"}}
    client.put_item(TableName=LIVE, Item=newer)
    older = {"user001": item(1), "user999": item(999)}
    assert copy_missing(client, older, LIVE, erased=set()) == (1, 1)
    live = client.get_item(TableName=LIVE, Key={"username": {"S": "user001"}})["Item"]
    assert live["dateOfBirth"] == {"S": "2001-01-01"}


def test_a_restore_the_app_cannot_read_is_never_copied_back(
    client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def corrupt_and_delete(dynamodb: Any) -> None:
        dynamodb.put_item(
            TableName=TARGET, Item={"username": {"S": "user000"}, "dateOfBirth": {"N": "1"}}
        )
        delete_some(dynamodb)

    nobody = tmp_path / "none.txt"
    nobody.write_text("")
    code = run(
        AfterRestore(client, corrupt_and_delete), "--copy-missing", "--keep-erased", str(nobody)
    )
    assert code == FAILED
    assert "not copying back" in capsys.readouterr().err
    assert len(usernames(client, LIVE)) == ITEMS - DELETED


def test_a_table_without_pitr_is_refused(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    client.update_continuous_backups(
        TableName=LIVE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    assert run(client) == REFUSED
    assert "point-in-time recovery is not enabled" in capsys.readouterr().err
    assert TARGET not in client.list_tables()["TableNames"]


@pytest.mark.parametrize(
    ("shift", "message"),
    [
        (timedelta(days=-40), "before"),
        (timedelta(hours=1), "after"),
        # After LatestRestorableDateTime though in the past: DynamoDB would refuse it
        # (InvalidRestoreTimeException), so the script must, before calling it.
        (-timedelta(minutes=1), "after"),
    ],
)
def test_a_time_outside_the_window_is_refused(
    client: Any, capsys: pytest.CaptureFixture[str], shift: timedelta, message: str
) -> None:
    assert run(client, when=(datetime.now(UTC) + shift).isoformat()) == REFUSED
    assert f"is {message} {LIVE}'s" in capsys.readouterr().err
    assert TARGET not in client.list_tables()["TableNames"]


def test_a_time_without_its_offset_is_refused(client: Any) -> None:
    with pytest.raises(SystemExit):
        run(client, when="2026-12-02T14:01:00")


def test_offsets_are_converted_to_utc_and_name_the_default_target() -> None:
    when = restore_table.parse_time("2026-12-02T15:01:00+01:00")
    assert when == datetime(2026, 12, 2, 14, 1, tzinfo=UTC)
    assert default_target(LIVE, when) == f"{LIVE}-restored-20261202T1401Z"


def test_the_bench_drill_restores_and_reads_every_item(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import restore_drill

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        restore_drill.seed(dynamodb, 60)
        restored, failed, seconds = restore_drill.drill(dynamodb, seeded=60)
        assert (restored, failed) == (60, 0) and seconds > 0
    with mock_aws():  # every item is read back through the app's code, not only a sample
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        restore_drill.seed(dynamodb, 60)
        dynamodb.put_item(
            TableName=restore_drill.LIVE,
            Item={"username": {"S": "drill00059"}, "dateOfBirth": {"S": "not a date"}},
        )
        with pytest.raises(
            AssertionError, match="60 items read by the app's storage code, 1 failed"
        ):
            restore_drill.drill(dynamodb, seeded=60)
