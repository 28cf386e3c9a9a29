"""Restore tests under the stage's boundary, as IAM's policy simulator decides: AWS Backup's
restore role and the validator can do their jobs on the `awsbackup-restore-test-*` tables of a
stage that runs restore tests, in its region and account, nothing more there, and a stage that
runs none reaches none."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from hello_stack import stage_files
from testing.evaluate_stack import ACCOUNT
from tests.bootstrap.conftest import ALLOWED, DENIED, EXPLICIT, Principal, role_principal, simulate
from tests.bootstrap.test_stage_stacks import boundary_document
from tests.infra.conftest import Stack, cached

REGION = "eu-west-1"
COPY = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/awsbackup-restore-test-7f3e9a"
OTHER_TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/someone-elses-table"
COPY_ELSEWHERE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/awsbackup-restore-test-7f3e9a"
OTHER_ACCOUNT = "210987654321"
# IAM puts both keys in every request to DynamoDB by a role: the role's account, and the
# table's (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
# The simulator adds neither by itself, so each request says them.
OWN = {"aws:PrincipalAccount": ACCOUNT, "aws:ResourceAccount": ACCOUNT}
ANOTHER_ACCOUNTS = {"aws:PrincipalAccount": ACCOUNT, "aws:ResourceAccount": OTHER_ACCOUNT}
# What a DynamoDB restore needs on the new table: AWS's AWSBackupServiceRolePolicyForRestores
# grants these on tables (the simulator reads AWS's published document). RestoreTableFromBackup
# (a DynamoDB-managed backup) it grants on the backup, which the stage's tables statement covers.
RESTORE_ACTIONS = [
    "dynamodb:RestoreTableFromAwsBackup",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:DescribeTable",
]
VALIDATOR_READS = ["dynamodb:DescribeTable", "dynamodb:Scan", "dynamodb:GetItem"]
# Never by the stage's roles: AWS's service-linked role deletes the copies.
NEVER_ON_COPIES = [
    "dynamodb:DeleteTable",
    "dynamodb:UpdateTable",
    "dynamodb:CreateBackup",
    "dynamodb:UpdateContinuousBackups",
    "dynamodb:TagResource",
]


def principal(stack: Stack, boundary: dict[str, Any], suffix: str) -> Principal:
    return role_principal(stack, stack.one("aws:iam/role:Role", suffix), boundary)


def requests(
    actions: list[str], resource: str, context: dict[str, Any] | None = None
) -> list[tuple[str, str, dict[str, Any]]]:
    return [(action, resource, OWN if context is None else context) for action in actions]


def test_aws_backup_restores_into_the_copies_and_does_nothing_else_there(
    bootstrap: Stack,
) -> None:
    prod = cached("prod")
    role = principal(prod, boundary_document(bootstrap, "prod"), "-restore-test-role")
    assert simulate(role, requests(RESTORE_ACTIONS, COPY)) == [ALLOWED] * len(RESTORE_ACTIONS)
    backup = prod.state("aws:dynamodb/table:Table")["arn"] + "/backup/01700000000000-abcdef12"
    assert simulate(role, [("dynamodb:RestoreTableFromBackup", backup, {})]) == [ALLOWED]
    assert simulate(role, requests(NEVER_ON_COPIES, COPY)) == [DENIED] * len(NEVER_ON_COPIES)
    # The managed policy says table/*; the boundary keeps it to the stage's and the copies.
    assert simulate(role, requests(RESTORE_ACTIONS, OTHER_TABLE)) == [DENIED] * len(RESTORE_ACTIONS)


@pytest.mark.parametrize(
    ("resource", "context"),
    [(COPY_ELSEWHERE, OWN), (COPY, ANOTHER_ACCOUNTS)],
    ids=["another-region", "another-account"],
)
def test_copies_outside_the_stages_region_and_account_are_out_of_reach(
    bootstrap: Stack, resource: str, context: dict[str, str]
) -> None:
    prod = cached("prod")
    boundary = boundary_document(bootstrap, "prod")
    for suffix, actions in (
        ("-restore-test-role", RESTORE_ACTIONS),
        ("-restore-validator-role", VALIDATOR_READS),
    ):
        role = principal(prod, boundary, suffix)
        assert simulate(role, requests(actions, resource, context)) == [DENIED] * len(actions)


def test_the_restore_test_statement_names_the_stages_region(bootstrap: Stack) -> None:
    """prod's stack file says eu-west-1; the account comes from IAM (the bootstrap stack does
    not know it), compared wherever IAM knows the table's account."""
    (statement,) = [
        s
        for s in boundary_document(bootstrap, "prod")["Statement"]
        if s["Sid"] == "TheStagesRestoreTests"
    ]
    assert stage_files.region("prod") == REGION
    assert statement["Resource"] == [f"arn:aws:dynamodb:{REGION}:*:table/awsbackup-restore-test-*"]
    assert statement["Condition"] == {
        "StringEqualsIfExists": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}
    }
    # AWS's restore policy grants RestoreTableFromBackup on backups only: nothing to allow here.
    assert "dynamodb:RestoreTableFromBackup" not in statement["Action"]


def test_the_validator_reads_the_copies_the_source_count_and_reports(bootstrap: Stack) -> None:
    prod = cached("prod")
    validator = principal(prod, boundary_document(bootstrap, "prod"), "-restore-validator-role")
    table = prod.state("aws:dynamodb/table:Table")["arn"]
    allowed = [
        *requests(VALIDATOR_READS, COPY),
        ("dynamodb:DescribeTable", table, {}),
        ("backup:PutRestoreValidationResult", "*", {}),
        # Whose restore job an event is about, and the plan's jobs for the daily sweep.
        ("backup:DescribeRestoreJob", "*", {}),
        ("backup:ListRestoreJobs", "*", {}),
        ("logs:PutLogEvents", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:x:log-stream:y", {}),
    ]
    assert simulate(validator, allowed) == [ALLOWED] * len(allowed)
    denied = [
        *requests(["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:DeleteTable"], COPY),
        ("dynamodb:Scan", table, {}),  # the live table's items: never
        ("dynamodb:GetItem", table, {}),
        ("dynamodb:Scan", OTHER_TABLE, {}),
        ("backup:StartRestoreJob", "*", {}),
        ("backup:DeleteRecoveryPoint", "*", {}),  # the boundary denies this one outright
    ]
    verdicts = simulate(validator, denied)
    assert verdicts[:-1] == [DENIED] * (len(denied) - 1)
    assert verdicts[-1] == EXPLICIT


def test_a_stage_without_restore_tests_reaches_no_copy(bootstrap: Stack) -> None:
    """dev backs nothing up: with dev's boundary, prod's very roles could not touch a copy."""
    prod = cached("prod")
    dev_boundary = boundary_document(bootstrap, "dev")
    for suffix, actions in (
        ("-restore-test-role", RESTORE_ACTIONS),
        ("-restore-validator-role", VALIDATOR_READS),
    ):
        role = principal(prod, dev_boundary, suffix)
        assert simulate(role, requests(actions, COPY)) == [DENIED] * len(actions)


@pytest.mark.parametrize(("stage", "expected"), [("dev", False), ("prod", True)])
def test_the_boundary_follows_the_stage_files_backups(
    bootstrap: Stack, stage: str, expected: bool
) -> None:
    assert stage_files.backs_up(stage) is expected
    assert (cached(stage).settings["backup_retention_days"] > 0) is expected
    sids = [s["Sid"] for s in boundary_document(bootstrap, stage)["Statement"]]
    assert ("TheStagesRestoreTests" in sids) is expected


def test_backs_up_reads_the_setting_and_its_default(tmp_path: Path) -> None:
    def stage_file(name: str, config: dict[str, str] | None) -> None:
        body = {"config": config} if config is not None else {}
        (tmp_path / f"Pulumi.{name}.yaml").write_text(json.dumps(body))

    stage_file("on", {"hello:backupRetentionDays": "7"})
    stage_file("off", {"hello:backupRetentionDays": "0"})
    stage_file("default", {"aws:region": REGION})
    stage_file("empty", None)
    assert stage_files.backs_up("on", tmp_path) is True
    assert stage_files.backs_up("off", tmp_path) is False
    assert stage_files.backs_up("default", tmp_path) is False  # the default: 0, off
    assert stage_files.backs_up("empty", tmp_path) is False
    assert stage_files.backs_up("missing", tmp_path) is False
    assert stage_files.region("default", tmp_path) == REGION
    assert stage_files.region("on", tmp_path) is None
    assert stage_files.region("missing", tmp_path) is None


def test_the_bootstrap_refuses_two_stages_backing_up_in_one_account_and_region(
    tmp_path: Path,
) -> None:
    """Review 19, finding 4: AWS Backup names restore-test copies itself, so two stages that
    back up in one account and region would share them. One bootstrap stack is one account."""
    for name, config in {
        "a": {"hello:backupRetentionDays": "7", "aws:region": "eu-west-1"},
        "b": {"hello:backupRetentionDays": "35", "aws:region": "eu-west-1"},
        "c": {"hello:backupRetentionDays": "7", "aws:region": "us-east-1"},
        "d": {"aws:region": "eu-west-1"},  # no backups
        "e": {"hello:backupRetentionDays": "7"},  # the bootstrap's region
    }.items():
        (tmp_path / f"Pulumi.{name}.yaml").write_text(json.dumps({"config": config}))

    def refuse(stages: tuple[str, ...], region: str) -> None:
        stage_files.refuse_shared_restore_tests(stages, region, tmp_path)

    refuse(("a", "c", "d"), "eu-west-1")
    refuse(("a", "e"), "us-west-2")
    for stages, region in ((("a", "b", "d"), "eu-west-1"), (("a", "e"), "eu-west-1")):
        with pytest.raises(pulumi.RunError) as refused:
            refuse(stages, region)
        assert f"Pulumi.{stages[0]}.yaml, Pulumi.{stages[1]}.yaml" in str(refused.value)
        assert "Pulumi.d.yaml" not in str(refused.value)
        assert "eu-west-1" in str(refused.value)


def test_the_committed_stages_may_share_an_account() -> None:
    """dev backs nothing up, prod does: the committed bootstrap stack passes."""
    stage_files.refuse_shared_restore_tests(("dev", "prod"), REGION)
