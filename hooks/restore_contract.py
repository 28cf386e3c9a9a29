"""What the restore-test validator and the program deploying it agree on, written once.

Standard library only: the validator's Lambda package carries it, and the stage program, the
boundary (components/permissions_boundary.py) and the tests import it.
"""

from __future__ import annotations

# The names AWS Backup gives the tables a restore test creates; AWS's own service-linked role
# for restore testing deletes exactly these (AWSServiceRolePolicyForBackupRestoreTesting).
RESTORE_TEST_TABLE_PREFIX = "awsbackup-restore-test-"

# The validator's environment.
SOURCE_TABLE_ENV = "RESTORE_SOURCE_TABLE_NAME"
PLAN_ARN_ENV = "RESTORE_TESTING_PLAN_ARN"
TOLERANCE_ENV = "RESTORE_COUNT_TOLERANCE_PERCENT"
