"""The permissions boundary of a stage: the most any role its stack creates can ever do.

A role's effective permissions are its policies *and* its boundary. The stage's deploy role may
create roles only with this boundary (bootstrap/), so whatever policy a pull request writes into
the program, no role made by CI can touch IAM, assume other roles, or reach another stage's
tables and functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.iam import POLICY_VERSION
from components.region_drill import ACTION_PERMISSIONS as DRILL_TABLE_ACTIONS
from components.region_drill import INJECT_ERROR, PAUSE_REPLICATION
from components.restore_testing import VALIDATOR_TABLE_ACTIONS
from hooks.restore_contract import RESTORE_TEST_TABLE_PREFIX

# What the stage's roles do to its tables: the app's items, AWS Backup's backups and restores.
STAGE_TABLE_ACTIONS = (
    "GetItem",
    "PutItem",
    "DeleteItem",
    "UpdateItem",
    "BatchGetItem",
    "BatchWriteItem",
    "ConditionCheckItem",
    "Query",
    "Scan",
    "DescribeTable",
    "DescribeContinuousBackups",
    "ListTagsOfResource",
    "CreateBackup",
    "DescribeBackup",
    "DeleteBackup",
    "StartAwsBackupJob",
    "RestoreTableFromBackup",
    "RestoreTableFromAwsBackup",
)

# What the failover drill's FIS role does to the stage's tables beyond STAGE_TABLE_ACTIONS
# (components/region_drill.py): it writes, and at the end deletes, the replica's resource
# policy. AWS's FIS actions reference lists all of them for aws:dynamodb:global-table-pause-
# replication on MRSC tables too, whose pause is statements FIS appends to the table's policy
# (creating one if none is attached, deleting it when the experiment ends):
# https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html#global-table-pause-replication
# Only a stage that fails over has the drill, so only its boundary allows them (stage_files).
DRILL_ONLY_TABLE_ACTIONS = tuple(
    sorted(
        {action.removeprefix("dynamodb:") for action in DRILL_TABLE_ACTIONS}
        - set(STAGE_TABLE_ACTIONS)
    )
)

# What reaches the tables a restore test creates: AWS Backup restoring into them (the DynamoDB
# actions of AWS's AWSBackupServiceRolePolicyForRestores) and the validator reading them. AWS's
# service-linked role deletes them, outside every boundary. RestoreTableFromBackup is not here:
# AWS's restore policy grants it on backups only (table/*/backup/*), which the stage's tables
# statement covers, so allowing it on the copies would allow nothing any stage role has.
RESTORE_TEST_TABLE_ACTIONS = tuple(
    dict.fromkeys(
        [
            "dynamodb:RestoreTableFromAwsBackup",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:Scan",
            "dynamodb:DescribeTable",
            *VALIDATOR_TABLE_ACTIONS,
        ]
    )
)


# What would destroy backups: neither AWS Backup's service role policies nor a stage's own
# roles need any of it (AWS Backup expires recovery points itself).
BACKUP_DESTRUCTION = (
    "DeleteRecoveryPoint",
    "UpdateRecoveryPointLifecycle",
    "DisassociateRecoveryPoint",
    "DeleteBackupVault",
    "DeleteBackupVaultAccessPolicy",
    "PutBackupVaultAccessPolicy",
    "DeleteBackupVaultLockConfiguration",
    "DeleteBackupPlan",
    "UpdateBackupPlan",
    "DeleteBackupSelection",
)

# The KMS actions AWS Backup's service role policies grant through DynamoDB (backup and restore
# of a table encrypted with a KMS key), and the service they must go through.
BACKUP_KEY_ACTIONS = (
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
)
BACKUP_KEY_VIA = "dynamodb.*.amazonaws.com"
KEYS = "arn:aws:kms:*:*:key/*"


@dataclass
class PermissionsBoundaryArgs:
    # A fixed name, not an auto-name: the stage's stack computes the ARN from it.
    policy_name: str
    # What the stage's resources are named from (e.g. hello-dev-): its tables and functions.
    resource_prefix: str
    # Whether the stage runs AWS Backup restore tests: their tables are named by AWS, not by the
    # stage, so only the boundaries of stages that run them reach them.
    restore_test_tables: bool = False
    # The region of the stage's restore tests (its stack file's aws:region); None: any region.
    restore_test_region: str | None = None
    # The stage's own CloudWatch namespace: its synthetic checks publish metrics there only.
    metric_namespace: str | None = None
    # Whether the stage serves from two regions (its stack file's hello:activeRegions): only
    # then does it hold the failover drill, whose FIS role needs what no other stage role does.
    fails_over: bool = False


def drill_statements(resource_prefix: str) -> list[dict[str, Any]]:
    """What the failover drill's FIS role needs that no other role of the stage does."""
    return [
        {
            "Sid": "TheDrillsReplicaPolicy",
            "Effect": "Allow",
            "Action": [f"dynamodb:{action}" for action in DRILL_ONLY_TABLE_ACTIONS],
            "Resource": [f"arn:aws:dynamodb:*:*:table/{resource_prefix}*"],
        },
        {
            # On an MRSC table FIS injects the isolation's errors (components/region_drill.py):
            # the action has no resource type, so "*" is its only form; the condition keeps it
            # to the drill's FIS action (dynamodb:FisActionId, a key of InjectError in the
            # Service Authorization Reference for DynamoDB).
            "Sid": "TheDrillsInjectedErrors",
            "Effect": "Allow",
            "Action": INJECT_ERROR,
            "Resource": "*",
            "Condition": {"StringEquals": {"dynamodb:FisActionId": PAUSE_REPLICATION}},
        },
    ]


def boundary_document(resource_prefix: str, metric_namespace: str | None = None) -> dict[str, Any]:
    """What the stage's roles need, by service, and nothing of IAM or of other stages."""
    own = resource_prefix
    metrics = (
        [
            {
                # PutMetricData has no resource type; the condition keeps each stage in its own
                # namespace (components/synthetic_checks.py).
                "Sid": "TheStagesMetrics",
                "Effect": "Allow",
                "Action": "cloudwatch:PutMetricData",
                "Resource": "*",
                "Condition": {"StringEquals": {"cloudwatch:namespace": metric_namespace}},
            }
        ]
        if metric_namespace
        else []
    )
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            *metrics,
            {
                "Sid": "LogsAndTraces",
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    "xray:GetSamplingRules",
                    "xray:GetSamplingTargets",
                    "xray:GetSamplingStatisticSummaries",
                ],
                "Resource": "*",
            },
            {
                "Sid": "TheStagesTables",
                "Effect": "Allow",
                "Action": [f"dynamodb:{action}" for action in STAGE_TABLE_ACTIONS],
                "Resource": [f"arn:aws:dynamodb:*:*:table/{own}*"],
            },
            {
                "Sid": "TheStagesFunctions",
                "Effect": "Allow",
                "Action": [
                    "lambda:InvokeFunction",
                    "lambda:GetAlias",
                    "lambda:UpdateAlias",
                    "lambda:GetProvisionedConcurrencyConfig",
                ],
                "Resource": [f"arn:aws:lambda:*:*:function:{own}*"],
            },
            {
                "Sid": "ReleasesAndTheirAlarms",
                "Effect": "Allow",
                "Action": [
                    "codedeploy:PutLifecycleEventHookExecutionStatus",
                    "cloudwatch:DescribeAlarms",
                ],
                "Resource": "*",
            },
            {
                "Sid": "TheStagesTopics",
                "Effect": "Allow",
                "Action": "sns:Publish",
                "Resource": [f"arn:aws:sns:*:*:{own}*"],
            },
            {
                "Sid": "BackupsOfTheStagesTables",
                "Effect": "Allow",
                "Action": ["backup:*", "tag:GetResources"],
                "Resource": "*",
            },
            {
                # backup:* has no stage in its ARNs (recovery points have random ids): no role of
                # any stage may destroy a backup, a vault or its policy, or shorten a retention.
                "Sid": "NeverDestroyBackups",
                "Effect": "Deny",
                "Action": [f"backup:{action}" for action in BACKUP_DESTRUCTION],
                "Resource": "*",
            },
            {
                # AWS Backup's service role policies (AWSBackupServiceRolePolicyForBackup and
                # ...ForRestores) let it use a table's KMS key only through DynamoDB, describe
                # keys, and grant keys to AWS resources: the boundary allows exactly those.
                "Sid": "KeysOfEncryptedTablesThroughDynamoDB",
                "Effect": "Allow",
                "Action": [f"kms:{action}" for action in BACKUP_KEY_ACTIONS],
                "Resource": KEYS,
                "Condition": {"StringLike": {"kms:ViaService": BACKUP_KEY_VIA}},
            },
            {
                "Sid": "DescribeKeys",
                "Effect": "Allow",
                "Action": "kms:DescribeKey",
                "Resource": KEYS,
            },
            {
                "Sid": "GrantKeysOnlyToAwsResources",
                "Effect": "Allow",
                "Action": "kms:CreateGrant",
                "Resource": KEYS,
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
            {
                "Sid": "NeverIdentityOrTheAccount",
                "Effect": "Deny",
                "Action": ["iam:*", "sts:*", "organizations:*", "account:*"],
                "Resource": "*",
            },
        ],
    }


def stage_boundary_document(
    resource_prefix: str,
    restore_test_tables: bool,
    metric_namespace: str | None = None,
    restore_test_region: str | None = None,
    fails_over: bool = False,
) -> dict[str, Any]:
    """The boundary, with the restore-test tables for a stage that runs restore tests: in the
    stage's region, and of the role's own account wherever IAM knows the table's account; and
    the failover drill's grants for a stage that serves from two regions."""
    document = boundary_document(resource_prefix, metric_namespace)
    if fails_over:
        document["Statement"] += drill_statements(resource_prefix)
    if restore_test_tables:
        document["Statement"].append(
            {
                "Sid": "TheStagesRestoreTests",
                "Effect": "Allow",
                "Action": list(RESTORE_TEST_TABLE_ACTIONS),
                "Resource": [
                    f"arn:aws:dynamodb:{restore_test_region or '*'}:*:table/"
                    f"{RESTORE_TEST_TABLE_PREFIX}*"
                ],
                # The bootstrap stack does not know its account's id; IAM does. Both keys are
                # global (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
                # aws:PrincipalAccount is in every signed request, aws:ResourceAccount in most
                # services' - IfExists, so that a request without it is not denied outright.
                "Condition": {
                    "StringEqualsIfExists": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}
                },
            }
        )
    return document


class PermissionsBoundary(pulumi.ComponentResource):
    policy_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: PermissionsBoundaryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:PermissionsBoundary", name, None, opts)
        policy = aws.iam.Policy(
            f"{name}-policy",
            name=args.policy_name,
            description=f"The most any role of {args.resource_prefix}* may do",
            policy=json.dumps(
                stage_boundary_document(
                    args.resource_prefix,
                    args.restore_test_tables,
                    args.metric_namespace,
                    args.restore_test_region,
                    args.fails_over,
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.policy_arn = policy.arn
        self.register_outputs({"policy_arn": self.policy_arn})
