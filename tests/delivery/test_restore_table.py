"""deploy/restore_table.py against moto's DynamoDB: refusals, a valid restore with its cut-over
steps, a mass deletion put back without undoing erasures, and a broken restore never copied.

moto's point-in-time restore copies the table as it is (it ignores the time), so "the table as
it was before the deletion" is made by deleting from the live table right after the restore; it
also ignores BillingModeOverride, which AWS applies, so the wrapper applies it."""

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
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
        dynamodb.create_table(**create_table_request(LIVE))
        for index in range(ITEMS):
            dynamodb.put_item(TableName=LIVE, Item=item(index))
        dynamodb.update_continuous_backups(
            TableName=LIVE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
        yield dynamodb


class AfterRestore:
    """The client, doing `then(client)` right after the restore: what changed since. The
    restore applies BillingModeOverride as AWS does
    (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html)."""

    def __init__(self, client: Any, then: Any = lambda _: None) -> None:
        self._client, self._then = client, then

    def restore_table_to_point_in_time(self, **request: Any) -> Any:
        answer = self._client.restore_table_to_point_in_time(**request)
        self._client.update_table(
            TableName=request["TargetTableName"], BillingMode=request["BillingModeOverride"]
        )
        self._then(self._client)
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def delete_some(client: Any) -> None:
    for index in range(DELETED):
        client.delete_item(TableName=LIVE, Key={"username": {"S": f"user{index:03d}"}})


def now() -> str:
    return datetime.now(UTC).isoformat()


def run(client: Any, *extra: str, when: str | None = None) -> int:
    argv = ["--table", LIVE, "--time", when or now(), "--target", TARGET, "--wait-delay", "0"]
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
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(AfterRestore(client, delete_some)) == FAILED  # first: look at what it would bring
    assert run(client, "--copy-missing") == VALID  # then: copy back from that very table
    out = capsys.readouterr().out
    assert f"{TARGET} is already a restore of {LIVE}" in out
    assert f"copied back {DELETED} items" in out
    assert len(usernames(client, LIVE)) == ITEMS


def test_an_existing_table_that_is_no_restore_is_refused(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    client.create_table(**create_table_request(TARGET))
    assert run(client, "--copy-missing") == REFUSED
    assert f"{TARGET} exists and is not a restore of {LIVE}" in capsys.readouterr().err


def test_copy_missing_never_overwrites_a_live_item(client: Any) -> None:
    newer = {"username": {"S": "user001"}, "dateOfBirth": {"S": "2001-01-01"}}
    client.put_item(TableName=LIVE, Item=newer)
    older = {"user001": item(1), "user999": item(999)}
    assert copy_missing(client, older, LIVE, erased=set()) == (1, 1)
    live = client.get_item(TableName=LIVE, Key={"username": {"S": "user001"}})["Item"]
    assert live["dateOfBirth"] == {"S": "2001-01-01"}


def test_a_restore_the_app_cannot_read_is_never_copied_back(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    def corrupt_and_delete(dynamodb: Any) -> None:
        dynamodb.put_item(
            TableName=TARGET, Item={"username": {"S": "user000"}, "dateOfBirth": {"N": "1"}}
        )
        delete_some(dynamodb)

    code = run(AfterRestore(client, corrupt_and_delete), "--copy-missing")
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
    ("shift", "message"), [(timedelta(days=-40), "before"), (timedelta(hours=1), "future")]
)
def test_a_time_outside_the_window_is_refused(
    client: Any, capsys: pytest.CaptureFixture[str], shift: timedelta, message: str
) -> None:
    assert run(client, when=(datetime.now(UTC) + shift).isoformat()) == REFUSED
    assert message in capsys.readouterr().err
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
