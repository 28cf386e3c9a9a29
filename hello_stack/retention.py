"""How long an erased date of birth survives outside the live table, computed from the settings.

`DELETE /hello/<name>` removes the live item at once, but copies of it stay restorable:
- point-in-time recovery (PITR): DynamoDB can restore the table to any second of the last
  `pitrRecoveryDays` days, so the item stays restorable that long after it was deleted
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery_Howitworks.html);
- AWS Backup recovery points: the last one taken before the erasure holds the item until its
  lifecycle deletes it, `backupRetentionDays` days after it was taken, plus our deletion margin
  (AWS states when a point expires, not when its deletion is done:
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Lifecycle.html);
- restore-test copies: a restore test restores the newest recovery point within its selection
  window into a new table and AWS Backup deletes that table when the validation window ends
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html), plus the grace
  after which the validator's sweep pages for a copy still there.

The three, the windows they add up to and the restore-testing constants live here once; the
settings rule (hello_stack/config.py), the restore-testing component and docs/data-retention.md
all read them from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from hooks.restore_contract import COPY_DELETION_GRACE_HOURS

HOURS_PER_DAY = 24
# Restore testing: when AWS Backup starts a test, and how long it has to start it.
RESTORE_TEST_SCHEDULE = "cron(0 6 ? * * *)"  # daily, 06:00 UTC, after the 03:00 backup
RESTORE_TEST_START_WINDOW_HOURS = 4
# The validator's sweep for copies left after their window: daily, well after the day's test.
RESTORE_TEST_SWEEP_SCHEDULE = "cron(0 18 * * ? *)"
# AWS states no bound on how long a restore job runs: this allowance is ours, and it is what the
# window below assumes (a restore of this table takes minutes; a day is a generous bound).
RESTORE_JOB_ALLOWANCE_HOURS = 24
# AWS Backup deletes a recovery point once DeleteAfterDays have passed, but states no bound on
# how long the deletion takes (API_Lifecycle above): the window counts a day more, so that an
# erasure request is never answered with a date the copy may outlive.
RECOVERY_POINT_DELETION_MARGIN_HOURS = 24


class RetentionSettings(Protocol):
    # Read-only, so that a frozen dataclass (StackConfig) satisfies it.
    @property
    def pitr_recovery_days(self) -> int: ...
    @property
    def backup_retention_days(self) -> int: ...
    @property
    def restore_test_selection_days(self) -> int: ...
    @property
    def restore_test_validation_hours(self) -> int: ...


@dataclass(frozen=True)
class ErasureWindow:
    """The longest time, in hours after an erasure, that each copy can still hold the item."""

    pitr_hours: int
    recovery_point_hours: int
    restore_test_hours: int

    @property
    def hours(self) -> int:
        return max(self.pitr_hours, self.recovery_point_hours, self.restore_test_hours)

    @property
    def days(self) -> int:
        return math.ceil(self.hours / HOURS_PER_DAY)

    @property
    def longest(self) -> str:
        """Which copy sets the window (the first of equals, in the order above)."""
        by_store = {
            "pitr": self.pitr_hours,
            "recovery_points": self.recovery_point_hours,
            "restore_tests": self.restore_test_hours,
        }
        return max(by_store, key=by_store.__getitem__)


def restore_test_copy_hours(selection_days: int, validation_hours: int) -> int:
    """A test run up to `selection_days` after the last recovery point holding the item can
    still pick it (when no newer point exists); the run starts within its start window, the
    restore takes at most our allowance, the copy lives until the validation window ends, and
    AWS Backup deletes it within the grace (or the validator's sweep pages)."""
    return (
        selection_days * HOURS_PER_DAY
        + RESTORE_TEST_START_WINDOW_HOURS
        + RESTORE_JOB_ALLOWANCE_HOURS
        + validation_hours
        + COPY_DELETION_GRACE_HOURS
    )


def erasure_window(settings: RetentionSettings) -> ErasureWindow:
    backups = settings.backup_retention_days > 0  # restore tests exist only with backups
    return ErasureWindow(
        pitr_hours=settings.pitr_recovery_days * HOURS_PER_DAY,
        recovery_point_hours=(
            settings.backup_retention_days * HOURS_PER_DAY + RECOVERY_POINT_DELETION_MARGIN_HOURS
            if backups
            else 0
        ),
        restore_test_hours=(
            min(
                restore_test_copy_hours(
                    settings.restore_test_selection_days, settings.restore_test_validation_hours
                ),
                # No test can pick a point older than the points AWS Backup keeps.
                restore_test_copy_hours(
                    settings.backup_retention_days, settings.restore_test_validation_hours
                ),
            )
            if backups
            else 0
        ),
    )
