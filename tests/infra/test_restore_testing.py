"""Restore testing as deployed: where backups are on (prod), a plan restoring the newest
recovery point, a selection of the table, the validator wired to the plan's restore-job events
with a role that can do exactly its checks, and an alarm paging through the stage's topic;
where backups are off (dev), none of it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from components.restore_testing import VALIDATOR_FILES, VALIDATOR_HANDLER
from hello_stack import naming
from hooks.restore_contract import (
    PLAN_ARN_ENV,
    SOURCE_TABLE_ENV,
    TOLERANCE_ENV,
    VALIDATION_HOURS_ENV,
)
from tests.conftest import ROOT
from tests.infra.conftest import Stack, evaluate, statements

PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"
FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
TABLE = "aws:dynamodb/table:Table"
RESTORE_TYPES = (
    PLAN,
    SELECTION,
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/eventTarget:EventTarget",
)
# CreateRestoreTestingPlan / CreateRestoreTestingSelection: "only alphanumeric characters and
# underscores", 1 to 50 of them (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateRestoreTestingPlan.html).
RESTORE_TESTING_NAME = re.compile(r"[A-Za-z0-9_]{1,50}")
RESTORE_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"
LOGS_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def attached(stack: Stack, role: dict[str, Any]) -> list[str]:
    return [
        a["state"]["policyArn"]
        for a in stack.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a["state"]["role"] == role["state"]["name"]
    ]


def inline(stack: Stack, role: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        p["state"]
        for p in stack.all("aws:iam/rolePolicy:RolePolicy")
        if p["state"]["role"] == role["id"]
    ]


def test_prod_restores_the_newest_recovery_point_of_its_vault_daily(prod: Stack) -> None:
    plan = prod.state(PLAN)
    assert RESTORE_TESTING_NAME.fullmatch(plan["name"])
    assert plan["scheduleExpression"] == "cron(0 6 ? * * *)"  # after the 03:00 backup
    assert plan["startWindowHours"] == 4
    assert plan["recoveryPointSelection"] == {
        "algorithm": "LATEST_WITHIN_WINDOW",
        "includeVaults": [prod.state("aws:backup/vault:Vault")["arn"]],
        "recoveryPointTypes": ["SNAPSHOT"],  # AWS Backup's daily plan makes snapshots
        "selectionWindowDays": prod.settings["restore_test_selection_days"],
    }
    assert prod.provider_region(prod.one(PLAN)) == prod.settings["region"]


def test_prod_selects_its_table_restored_by_a_restore_only_role(prod: Stack) -> None:
    selection = prod.state(SELECTION)
    assert RESTORE_TESTING_NAME.fullmatch(selection["name"])
    assert selection["restoreTestingPlanName"] == prod.state(PLAN)["name"]
    assert selection["protectedResourceType"] == "DynamoDB"
    assert selection["protectedResourceArns"] == [prod.state(TABLE)["arn"]]
    assert selection["validationWindowHours"] == prod.settings["restore_test_validation_hours"]
    assert "restoreMetadataOverrides" not in selection  # AWS infers a new table's metadata
    role = prod.one(ROLE, "-restore-test-role")
    assert selection["iamRoleArn"] == role["state"]["arn"]
    trust = json.loads(role["state"]["assumeRolePolicy"])["Statement"]
    assert trust == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    assert attached(prod, role) == [RESTORE_POLICY]  # restores, never backups or deletions
    assert inline(prod, role) == []


def validator(stack: Stack) -> dict[str, Any]:
    return stack.one(FUNCTION, "-restore-validator")


def test_the_validator_runs_the_validator_module_with_the_stages_settings(prod: Stack) -> None:
    state = validator(prod)["state"]
    assert state["handler"] == VALIDATOR_HANDLER == "hooks.restore_validator.handler"
    assert state["runtime"] == prod.settings["lambda_runtime"]
    assert state["role"] == prod.state(ROLE, "-restore-validator-role")["arn"]
    assert state["environment"]["variables"] == {
        SOURCE_TABLE_ENV: prod.state(TABLE)["name"],
        PLAN_ARN_ENV: prod.state(PLAN)["arn"],
        TOLERANCE_ENV: str(prod.settings["restore_count_tolerance_percent"]),
        VALIDATION_HOURS_ENV: str(prod.settings["restore_test_validation_hours"]),
    }
    logs = prod.state("aws:cloudwatch/logGroup:LogGroup", "-restore-validator-logs")
    assert state["loggingConfig"]["logGroup"] == logs["name"]
    assert logs["retentionInDays"] == prod.settings["log_retention_days"]


def test_the_validator_role_reads_the_copies_and_reports_nothing_else(prod: Stack) -> None:
    role = prod.one(ROLE, "-restore-validator-role")
    table_arn = prod.state(TABLE)["arn"]
    copies = table_arn.split(":table/")[0] + ":table/awsbackup-restore-test-*"
    (policy,) = inline(prod, role)
    assert {s["Sid"]: s for s in statements(policy["policy"])} == {
        "ReadTheRestoreTestCopies": {
            "Sid": "ReadTheRestoreTestCopies",
            "Effect": "Allow",
            "Action": ["dynamodb:DescribeTable", "dynamodb:Scan", "dynamodb:GetItem"],
            "Resource": copies,
        },
        "TheSourceTablesItemCount": {
            "Sid": "TheSourceTablesItemCount",
            "Effect": "Allow",
            "Action": "dynamodb:DescribeTable",
            "Resource": table_arn,
        },
        # Whose job an event is about, and the plan's jobs for the sweep: neither action has
        # a resource type in AWS's Service Authorization Reference, so "*".
        "WhoseRestoreJob": {
            "Sid": "WhoseRestoreJob",
            "Effect": "Allow",
            "Action": ["backup:DescribeRestoreJob", "backup:ListRestoreJobs"],
            "Resource": "*",
        },
        # IAM knows no resource for this action: a narrower Resource would deny it.
        "ReportTheVerdict": {
            "Sid": "ReportTheVerdict",
            "Effect": "Allow",
            "Action": "backup:PutRestoreValidationResult",
            "Resource": "*",
        },
    }
    assert attached(prod, role) == [LOGS_POLICY]


def invokes_the_validator(stack: Stack, key: str) -> dict[str, Any]:
    """The rule `key`, after checking that it invokes the validator and may."""
    rule = stack.state("aws:cloudwatch/eventRule:EventRule", f"-{key}")
    function = validator(stack)["state"]
    target = stack.state("aws:cloudwatch/eventTarget:EventTarget", f"-{key}-target")
    assert (target["rule"], target["arn"]) == (rule["name"], function["arn"])
    grant = stack.state("aws:lambda/permission:Permission", f"-{key}-invokes")
    assert grant["action"] == "lambda:InvokeFunction"
    assert grant["function"] == function["name"]
    assert grant["principal"] == "events.amazonaws.com"
    assert grant["sourceArn"] == rule["arn"]
    return rule


def test_every_ended_dynamodb_restore_job_invokes_the_validator(prod: Stack) -> None:
    """AWS's example "Restore Job State Change" event has restoreJobId, status and resourceType
    but no restore testing plan (https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html):
    a pattern on the plan could match nothing, so the rule selects by resource type and end
    state, and the validator asks DescribeRestoreJob whose job it is. Failed and aborted jobs
    page too."""
    rule = invokes_the_validator(prod, "restore-test-ended")
    assert json.loads(rule["eventPattern"]) == {
        "source": ["aws.backup"],
        "detail-type": ["Restore Job State Change"],
        "detail": {"resourceType": ["DynamoDB"], "status": ["COMPLETED", "FAILED", "ABORTED"]},
    }
    assert "restoreTestingPlanArn" not in rule["eventPattern"]


def test_a_daily_sweep_runs_the_validator_after_the_days_test(prod: Stack) -> None:
    rule = invokes_the_validator(prod, "restore-test-sweep")
    # Daily (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html),
    # after the 06:00 test's 4-hour start window.
    assert rule["scheduleExpression"] == "cron(0 18 * * ? *)"
    assert "eventPattern" not in rule


def test_a_restore_test_that_never_passes_pages_within_two_days(prod: Stack) -> None:
    """Silence pages: no validated test logged for two daily periods, or no data at all."""
    alarm = prod.state("aws:cloudwatch/metricAlarm:MetricAlarm", "-restore-test-missing")
    topic = prod.state("aws:sns/topic:Topic", "-alarms")["arn"]
    assert alarm["alarmActions"] == [topic] and alarm["okActions"] == [topic]
    namespace = naming.log_metric_namespace("prod")
    assert (alarm["namespace"], alarm["metricName"]) == (namespace, "RestoreTestsValidated")
    assert (alarm["statistic"], alarm["threshold"], alarm["comparisonOperator"]) == (
        "Sum",
        1,
        "LessThanThreshold",
    )
    assert alarm["period"] == 86400
    assert (alarm["evaluationPeriods"], alarm["datapointsToAlarm"]) == (2, 2)
    # PutMetricAlarm: at most 7 days of evaluation for periods of an hour or more.
    assert alarm["period"] * alarm["evaluationPeriods"] <= 7 * 86400
    assert alarm["treatMissingData"] == "breaching"
    counted = prod.state("aws:cloudwatch/logMetricFilter:LogMetricFilter", "-restore-test-missing")
    logs = prod.state("aws:cloudwatch/logGroup:LogGroup", "-restore-validator-logs")
    assert counted["logGroupName"] == logs["name"]
    assert counted["pattern"] == '{ $.event = "restore_test_validated" }'
    assert counted["metricTransformation"]["namespace"] == namespace
    assert counted["metricTransformation"]["name"] == "RestoreTestsValidated"
    assert alarm["alarmDescription"].endswith("Runbook: docs/runbook.md#alarm-restore-test-missing")


def test_a_failed_restore_test_pages_through_the_stages_topic(prod: Stack) -> None:
    alarm = prod.state("aws:cloudwatch/metricAlarm:MetricAlarm", "-restore-test-failed")
    topic = prod.state("aws:sns/topic:Topic", "-alarms")["arn"]
    assert alarm["alarmActions"] == [topic] and alarm["okActions"] == [topic]
    assert (alarm["namespace"], alarm["metricName"]) == ("AWS/Lambda", "Errors")
    assert alarm["dimensions"] == {"FunctionName": validator(prod)["state"]["name"]}
    assert (alarm["statistic"], alarm["threshold"], alarm["comparisonOperator"]) == (
        "Sum",
        0,
        "GreaterThanThreshold",
    )
    # One failed test is enough: 1 of 1 datapoints.
    assert (alarm["evaluationPeriods"], alarm["datapointsToAlarm"]) == (1, 1)
    assert alarm["treatMissingData"] == "notBreaching"  # no test ran: nothing failed
    assert alarm["alarmDescription"].endswith("Runbook: docs/runbook.md#alarm-restore-test-failed")
    assert "## When a restore test fails" in (ROOT / "docs" / "restore.md").read_text()


def restore_testing(stack: Stack, token: str) -> list[dict]:
    """The stack's resources of that type that belong to restore testing (the synthetic checks
    have EventBridge rules of their own)."""
    return [r for r in stack.all(token) if "-checks-" not in r["name"]]


def test_dev_without_backups_has_no_restore_testing(dev: Stack) -> None:
    assert dev.settings["backup_retention_days"] == 0
    for token in RESTORE_TYPES:
        assert restore_testing(dev, token) == [], token
    assert not [r for r in dev.resources if "restore" in r["name"]]


@pytest.fixture(scope="module")
def dev_with_backups() -> Stack:
    return evaluate("dev", {"hello:backupRetentionDays": "7"})


def test_restore_testing_follows_backups_not_the_stage(dev_with_backups: Stack) -> None:
    for token, count in zip(RESTORE_TYPES, (1, 1, 2, 2), strict=True):
        assert len(restore_testing(dev_with_backups, token)) == count, token
    assert dev_with_backups.one(FUNCTION, "-restore-validator")
    assert dev_with_backups.state(PLAN)["name"] == "hello_dev_restore_test"


def test_the_validator_package_imports_as_lambda_imports_it(tmp_path: Path) -> None:
    """The zip's files alone (boto3 aside, which the runtime has) import the handler."""
    archive = tmp_path / "validator.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for packaged, source in VALIDATOR_FILES.items():
            zipped.write(source, packaged)
    unpacked = tmp_path / "task"
    zipfile.ZipFile(archive).extractall(unpacked)
    module, _, function = VALIDATOR_HANDLER.rpartition(".")
    probe = (
        f"import importlib, sys; sys.path.insert(0, {str(unpacked)!r});"
        f"m = importlib.import_module({module!r});"
        f"print(callable(getattr(m, {function!r})), m.__file__.startswith({str(unpacked)!r}))"
    )
    # -I: neither the working directory nor PYTHONPATH; the repository is not on the path.
    result = subprocess.run(
        [sys.executable, "-I", "-c", probe], cwd=unpacked, capture_output=True, text=True
    )
    assert result.stdout.split() == ["True", "True"], result.stderr
