"""How long an erased date of birth survives outside the live table: computed from the
settings, stated in docs/data-retention.md (generated), and bounded by a settings rule that
refuses, naming the key, a configuration whose window exceeds hello:erasureWindowMaxDays."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pulumi
import pytest
from pulumi.runtime.config import set_all_config

from hello_stack.pulumi_config import load
from hello_stack.retention import ErasureWindow, erasure_window
from tests.conftest import ROOT
from tests.infra.conftest import Stack
from tools.erasure_table import table

BASE = {
    "aws:region": "eu-west-1",
    "hello:alarmEmail": "oncall@example.com",
    "hello:ticketEmail": "tickets@example.com",
}


@dataclass(frozen=True)
class Retention:
    """The four settings erasure_window reads (hello_stack.retention.RetentionSettings)."""

    pitr_recovery_days: int
    backup_retention_days: int
    restore_test_selection_days: int
    restore_test_validation_hours: int


def window(pitr: int, backups: int, selection: int = 7, validation: int = 24) -> ErasureWindow:
    return erasure_window(
        Retention(
            pitr_recovery_days=pitr,
            backup_retention_days=backups,
            restore_test_selection_days=selection,
            restore_test_validation_hours=validation,
        )
    )


def test_each_copy_lasts_as_its_setting_says() -> None:
    # PITR restores any second of the last N days; a recovery point lives its retention and a
    # day's deletion margin (AWS Backup states no bound on the deletion); a restore-test copy:
    # selection window + 4 h start window + 24 h restore allowance + validation window + 24 h
    # deletion grace (the sweep pages after it).
    prod_like = window(pitr=35, backups=35)
    assert (prod_like.pitr_hours, prod_like.recovery_point_hours) == (840, 840 + 24)
    assert prod_like.restore_test_hours == 7 * 24 + 4 + 24 + 24 + 24
    assert (prod_like.days, prod_like.longest) == (36, "recovery_points")


def test_a_recovery_point_counts_a_deletion_margin() -> None:
    """Expired is not deleted: the margin keeps the window from ending before the deletion."""
    from hello_stack.retention import RECOVERY_POINT_DELETION_MARGIN_HOURS

    assert RECOVERY_POINT_DELETION_MARGIN_HOURS == 24
    same_length = window(pitr=7, backups=7, selection=1, validation=1)
    assert same_length.recovery_point_hours == 7 * 24 + 24
    assert (same_length.days, same_length.longest) == (8, "recovery_points")


def test_without_backups_only_pitr_remains() -> None:
    off = window(pitr=35, backups=0, selection=365, validation=168)
    assert (off.recovery_point_hours, off.restore_test_hours) == (0, 0)
    assert off.days == 35


def test_a_restore_test_cannot_pick_a_point_older_than_the_points_kept() -> None:
    kept_two_days = window(pitr=1, backups=2, selection=30, validation=1)
    assert kept_two_days.restore_test_hours == 2 * 24 + 4 + 24 + 1 + 24
    assert (kept_two_days.days, kept_two_days.longest) == (5, "restore_tests")


def test_partial_days_round_up() -> None:
    assert window(pitr=1, backups=0).days == 1
    assert window(pitr=1, backups=1, selection=1, validation=1).days == 4  # 77 h


def test_every_stack_is_within_its_maximum(stack: Stack) -> None:
    names = Retention.__dataclass_fields__
    settings = Retention(**{k: v for k, v in stack.settings.items() if k in names})
    assert erasure_window(settings).days <= stack.settings["erasure_window_max_days"]


@pytest.fixture
def config() -> Iterator[dict[str, str]]:
    values = dict(BASE)
    yield values
    set_all_config({})


@pytest.mark.parametrize(
    ("raw", "culprit", "days"),
    [
        ({"hello:backupRetentionDays": "90"}, "hello:backupRetentionDays", 91),
        # 35 days of points reach 36 days with the deletion margin: above the default 35.
        ({"hello:backupRetentionDays": "35"}, "hello:backupRetentionDays", 36),
        ({"hello:erasureWindowMaxDays": "30"}, "hello:pitrRecoveryDays", 35),
        (
            {"hello:backupRetentionDays": "35", "hello:restoreTestSelectionWindowDays": "35"},
            "hello:restoreTestSelectionWindowDays",
            39,  # 35 days + 76 h
        ),
    ],
)
def test_a_window_beyond_the_maximum_is_refused_naming_the_key(
    config: dict[str, str], raw: dict[str, str], culprit: str, days: int
) -> None:
    set_all_config({**config, **raw})
    with pytest.raises(pulumi.RunError) as refused:
        load()
    message = str(refused.value)
    assert f"{culprit} keeps an erased date of birth restorable for {days} days" in message
    assert "hello:erasureWindowMaxDays" in message


def test_the_window_at_the_maximum_is_accepted(config: dict[str, str]) -> None:
    set_all_config({**config, "hello:pitrRecoveryDays": "30", "hello:erasureWindowMaxDays": "30"})
    assert load().erasure_window_max_days == 30


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("hello:pitrRecoveryDays", "36"),  # DynamoDB: 1 to 35
        ("hello:pitrRecoveryDays", "0"),
        ("hello:restoreTestValidationWindowHours", "169"),  # AWS Backup: at most 168
        ("hello:restoreTestSelectionWindowDays", "0"),
        ("hello:restoreCountTolerancePercent", "101"),
    ],
)
def test_out_of_range_retention_settings_are_refused(
    config: dict[str, str], key: str, value: str
) -> None:
    set_all_config({**config, key: value})
    with pytest.raises(pulumi.RunError, match=key):
        load()


def test_the_doc_states_the_computed_windows() -> None:
    doc = (ROOT / "docs" / "data-retention.md").read_text()
    assert table() in doc, "regenerate it: python -m tools.erasure_table"


def test_the_table_has_no_replicas_whose_pitr_the_doc_would_miss(stack: Stack) -> None:
    """docs/data-retention.md counts one PITR history: a global table's replicas add theirs,
    each of DynamoDB's default period (pulumi-aws 7's replica block sets PITR on or off only),
    so a stack with replicas keeps the default and the doc's window holds for every replica."""
    table = stack.state("aws:dynamodb/table:Table")
    assert (
        table["pointInTimeRecovery"]["recoveryPeriodInDays"] == stack.settings["pitr_recovery_days"]
    )
    replicas = table.get("replicas") or []
    assert [r["regionName"] for r in replicas] == stack.expected["regions"][1:]
    for replica in replicas:
        assert replica["pointInTimeRecovery"] is True
    if replicas:
        # DynamoDB's default recovery period (https://docs.aws.amazon.com/amazondynamodb/
        # latest/APIReference/API_PointInTimeRecoverySpecification.html)
        assert stack.settings["pitr_recovery_days"] == 35


def test_replicas_refuse_a_pitr_period_they_cannot_have(config: dict[str, str]) -> None:
    two_regions = {
        "hello:activeRegions": "eu-west-1,eu-west-2",
        "hello:witnessRegion": "eu-west-3",
        "hello:hostedZoneId": "Z123",
        "hello:failoverDomain": "origin.example.com",
        "hello:regionalCertificateArns": "arn:aws:acm:eu-west-1:123456789012:certificate/a,"
        "arn:aws:acm:eu-west-2:123456789012:certificate/b",
    }
    set_all_config({**config, **two_regions, "hello:pitrRecoveryDays": "7"})
    with pytest.raises(pulumi.RunError, match="hello:pitrRecoveryDays"):
        load()
    set_all_config({**config, **two_regions})
    assert load().pitr_recovery_days == 35
