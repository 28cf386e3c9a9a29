"""What the restore-test validator and the program deploying it agree on, written once.

Standard library only: the validator's Lambda package carries it, and the stage program, the
boundary (bootstrap/permissions_boundary.py) and the tests import it.
"""

from __future__ import annotations

# The names AWS Backup gives the tables a restore test creates; AWS's own service-linked role
# for restore testing deletes exactly these (AWSServiceRolePolicyForBackupRestoreTesting).
RESTORE_TEST_TABLE_PREFIX = "awsbackup-restore-test-"

# The validator's environment.
SOURCE_TABLE_ENV = "RESTORE_SOURCE_TABLE_NAME"
PLAN_ARN_ENV = "RESTORE_TESTING_PLAN_ARN"
TOLERANCE_ENV = "RESTORE_COUNT_TOLERANCE_PERCENT"
VALIDATION_HOURS_ENV = "RESTORE_TEST_VALIDATION_WINDOW_HOURS"

# AWS Backup deletes a copy when its validation window ends, but states no bound on how long
# that takes (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html):
# the validator's daily sweep pages for a copy still there this long after its window ended.
COPY_DELETION_GRACE_HOURS = 24

# The line the validator logs when a restore test passed: the stage's heartbeat metric counts it
# (components/restore_testing.py), so a test that never runs pages as surely as one that fails.
VALIDATED_EVENT = "restore_test_validated"
