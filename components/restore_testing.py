"""AWS Backup restore testing for the table: restore the newest recovery point on a schedule,
check the copy as the app reads it, and page when it fails.

- a restore testing plan and a selection of the table, restoring with a role that may only
  restore (AWS's restore policy, under the stage's boundary);
- the validator (hooks/restore_validator.py) with its own role: read the restore-test copies
  (`awsbackup-restore-test-*`), describe the source table, read restore jobs, report the
  verdict; nothing else;
- an EventBridge rule sending every DynamoDB "Restore Job State Change" that ended (completed,
  failed, aborted) to the validator
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html). AWS's
  example event (https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html) shows
  no restore testing plan, so the rule cannot select this plan's jobs: the validator asks
  DescribeRestoreJob whose job it is and ignores the others;
- a daily scheduled rule running the validator's sweep: a copy still there a day after its
  validation window pages (AWS Backup's deletion can fail: DeletionStatus FAILED);
- two alarms (AlarmSpecs for the stage's Monitoring), both notifying the alarm topic: the
  validator's errors (a failed restore job, a failed verdict, an overdue copy, a broken
  validator) and a heartbeat, no validated restore test for two days (a plan that never starts,
  no recovery point to pick, an event that never arrives, an invoke EventBridge was denied).

AWS Backup deletes each copy when its validation window ends (its service-linked role for
restore testing does that: AWSServiceRolePolicyForBackupRestoreTesting).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TypedDict, Unpack

import pulumi
import pulumi_aws as aws

import chalicelib
import chalicelib.contract
import chalicelib.storage
import hooks
from components.iam import service_role
from components.lambda_code import code_archive, lambda_files
from components.lambda_function import lambda_role, logged_function
from components.table_backup import RESTORE_POLICY
from hello_stack.alarm_spec import AlarmSpec, LogMetric
from hello_stack.retention import (
    RESTORE_TEST_SCHEDULE,
    RESTORE_TEST_START_WINDOW_HOURS,
    RESTORE_TEST_SWEEP_SCHEDULE,
)
from hooks import restore_contract, restore_validator
from hooks.restore_contract import RESTORE_TEST_TABLE_PREFIX, VALIDATED_EVENT

# The validator and what it imports (the app's contract and storage code), at the paths Lambda
# imports them from: {path in the zip: source file}.
VALIDATOR_FILES = lambda_files(
    hooks, restore_contract, restore_validator, chalicelib, chalicelib.contract, chalicelib.storage
)
VALIDATOR_HANDLER = "hooks.restore_validator.handler"
# What the validator does to a copy (describe, the sample's scan and GetItem, the COUNT scan).
VALIDATOR_TABLE_ACTIONS = ("dynamodb:DescribeTable", "dynamodb:Scan", "dynamodb:GetItem")
# What the validator asks AWS Backup: whose restore job this is, and the plan's jobs for the
# sweep. Neither action has a resource type (AWS's Service Authorization Reference for AWS
# Backup): "*" is the only form that works.
VALIDATOR_BACKUP_ACTIONS = ("backup:DescribeRestoreJob", "backup:ListRestoreJobs")
ALARM_KEY = "restore-test-failed"  # names the alarm and its runbook entry
HEARTBEAT_KEY = "restore-test-missing"
HEARTBEAT_METRIC = "RestoreTestsValidated"
# The heartbeat's datapoint is a day and it fires after two without a validated test: tests run
# daily, so one late or skipped run is tolerated, two are not. CloudWatch allows up to seven days
# of evaluation for periods of an hour or more
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
HEARTBEAT_PERIOD_SECONDS = 86_400
HEARTBEAT_PERIODS = 2
# A restore job's end states (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRestoreJob.html).
RESTORE_JOB_END_STATES = ("COMPLETED", "FAILED", "ABORTED")


class RuleTrigger(TypedDict, total=False):
    """What starts an EventBridge rule: aws.cloudwatch.EventRule's arguments for one."""

    description: str
    event_pattern: str
    schedule_expression: str


@dataclass
class RestoreTestingArgs:
    # Restore testing names: letters, digits and underscores only, unique in the account.
    plan_name: str
    table_name: pulumi.Input[str]
    table_arn: pulumi.Input[str]
    vault_arn: pulumi.Input[str]
    selection_window_days: int
    validation_window_hours: int
    count_tolerance_percent: float
    runtime: str
    log_retention_days: int
    # The stage's own CloudWatch namespace: the heartbeat's metric is counted there from logs.
    metric_namespace: str
    architecture: str = "arm64"
    # The permissions boundary every role made here carries (what CI may create: see bootstrap/).
    permissions_boundary: pulumi.Input[str] | None = None


def restore_test_tables(table_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """The restore-test copies in the table's region and account."""
    return pulumi.Output.from_input(table_arn).apply(
        # None only where the ARN is unknown (a preview under minimal mocks).
        lambda arn: arn and f"{arn.split(':table/')[0]}:table/{RESTORE_TEST_TABLE_PREFIX}*"
    )


class RestoreTesting(pulumi.ComponentResource):
    plan_name: pulumi.Output[str]
    validator_function_name: pulumi.Output[str]
    failure_alarm: AlarmSpec
    heartbeat_alarm: AlarmSpec

    def __init__(
        self, name: str, args: RestoreTestingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:RestoreTesting", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        restore_role = service_role(
            f"{name}-restore-test-role", "backup.amazonaws.com", args.permissions_boundary, child
        )
        restores = aws.iam.RolePolicyAttachment(
            f"{name}-restore-test-role-restore",
            role=restore_role.name,
            policy_arn=RESTORE_POLICY,
            opts=child,
        )
        plan = aws.backup.RestoreTestingPlan(
            f"{name}-restore-test-plan",
            name=args.plan_name,
            schedule_expression=RESTORE_TEST_SCHEDULE,
            start_window_hours=RESTORE_TEST_START_WINDOW_HOURS,
            recovery_point_selection={
                # The newest point: what a restore on the worst day would use.
                "algorithm": "LATEST_WITHIN_WINDOW",
                "include_vaults": [args.vault_arn],
                "recovery_point_types": ["SNAPSHOT"],
                "selection_window_days": args.selection_window_days,
            },
            opts=child,
        )
        aws.backup.RestoreTestingSelection(
            f"{name}-restore-test-selection",
            name=f"{args.plan_name}_table",
            restore_testing_plan_name=plan.name,
            protected_resource_type="DynamoDB",
            protected_resource_arns=[args.table_arn],
            iam_role_arn=restore_role.arn,
            validation_window_hours=args.validation_window_hours,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[restores]),
        )
        function, log_group = self._validator(name, args, plan)
        # Every DynamoDB restore job that ended: the validator keeps this plan's (see above).
        self._invoke_on(
            name,
            "restore-test-ended",
            function,
            description="DynamoDB restore jobs that ended; the validator keeps this plan's",
            event_pattern=json.dumps(
                {
                    "source": ["aws.backup"],
                    "detail-type": ["Restore Job State Change"],
                    "detail": {
                        "resourceType": ["DynamoDB"],
                        "status": list(RESTORE_JOB_END_STATES),
                    },
                }
            ),
        )
        self._invoke_on(
            name,
            "restore-test-sweep",
            function,
            description="Daily: restore-test copies that outlived their validation window",
            schedule_expression=RESTORE_TEST_SWEEP_SCHEDULE,
        )
        # The validator raises on every failure, so its errors are the alarm (Monitoring makes
        # it, with the stage's other alarms, notifying the stage's topic).
        self.failure_alarm = AlarmSpec(
            ALARM_KEY,
            "A restore test failed: the restore job, the restored table's checks, a copy left"
            " after its validation window, or the validator itself.",
            "AWS/Lambda",
            "Errors",
            [{"FunctionName": function.name}],
            "Sum",
            0,
            periods=1,  # one failed test is enough
            datapoints=1,
        )
        # Silence is a failure too: a test that never runs raises no error.
        self.heartbeat_alarm = AlarmSpec(
            HEARTBEAT_KEY,
            "No restore test passed validation for two days: the plan did not run, found no"
            " recovery point, or its result never reached the validator.",
            args.metric_namespace,
            HEARTBEAT_METRIC,
            [{}],
            "Sum",
            1,
            comparison="LessThanThreshold",
            periods=HEARTBEAT_PERIODS,
            datapoints=HEARTBEAT_PERIODS,
            from_logs=LogMetric(log_group.name, f'{{ $.event = "{VALIDATED_EVENT}" }}'),
            period_seconds=HEARTBEAT_PERIOD_SECONDS,
            missing_data="breaching",  # no line logged at all is exactly the silence
        )
        self.plan_name = plan.name
        self.validator_function_name = function.name
        self.register_outputs(
            {
                "plan_name": self.plan_name,
                "validator_function_name": self.validator_function_name,
            }
        )

    def _invoke_on(
        self,
        name: str,
        key: str,
        function: aws.lambda_.Function,
        **rule_args: Unpack[RuleTrigger],
    ) -> None:
        """An EventBridge rule (an event pattern or a schedule) invoking the validator."""
        child = pulumi.ResourceOptions(parent=self)
        rule = aws.cloudwatch.EventRule(f"{name}-{key}", **rule_args, opts=child)
        aws.lambda_.Permission(
            f"{name}-{key}-invokes",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="events.amazonaws.com",
            source_arn=rule.arn,
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-{key}-target", rule=rule.name, arn=function.arn, opts=child
        )

    def _validator(
        self, name: str, args: RestoreTestingArgs, plan: aws.backup.RestoreTestingPlan
    ) -> tuple[aws.lambda_.Function, aws.cloudwatch.LogGroup]:
        child = pulumi.ResourceOptions(parent=self)
        role = lambda_role(
            f"{name}-restore-validator",
            [
                {
                    "Sid": "ReadTheRestoreTestCopies",
                    "Effect": "Allow",
                    "Action": list(VALIDATOR_TABLE_ACTIONS),
                    "Resource": restore_test_tables(args.table_arn),
                },
                {
                    "Sid": "TheSourceTablesItemCount",
                    "Effect": "Allow",
                    "Action": "dynamodb:DescribeTable",
                    "Resource": args.table_arn,
                },
                {
                    "Sid": "WhoseRestoreJob",
                    "Effect": "Allow",
                    "Action": list(VALIDATOR_BACKUP_ACTIONS),
                    "Resource": "*",
                },
                {
                    # IAM has no resource type for this action (AWS's Service Authorization
                    # Reference): "*" is the only form that works.
                    "Sid": "ReportTheVerdict",
                    "Effect": "Allow",
                    "Action": "backup:PutRestoreValidationResult",
                    "Resource": "*",
                },
            ],
            args.permissions_boundary,
            child,
        )
        validator = logged_function(
            f"{name}-restore-validator",
            role,
            runtime=args.runtime,
            architecture=args.architecture,
            handler=VALIDATOR_HANDLER,
            code=code_archive(VALIDATOR_FILES),
            timeout_s=300,  # a COUNT scan of the whole copy
            environment={
                restore_contract.SOURCE_TABLE_ENV: args.table_name,
                restore_contract.PLAN_ARN_ENV: plan.arn,
                restore_contract.TOLERANCE_ENV: str(args.count_tolerance_percent),
                restore_contract.VALIDATION_HOURS_ENV: str(args.validation_window_hours),
            },
            log_retention_days=args.log_retention_days,
            opts=child,
        )
        return validator.function, validator.log_group
