"""hello's cause, latency and release alarms, as a table. Monitoring turns each row into an alarm
and Dashboard into a graph; docs/runbook.md has a runbook entry per key.

What users feel as failed requests is the availability SLO's, alerted on by burn rate
(hello_stack/slo.py, components/slo_alerts.py): the API's 5XX share and CloudFront's 5xx rate
are no longer fixed-threshold alarms here (docs/slo.md, "What the burn-rate alerts replace")."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from chalicelib.contract import DYNAMODB_OPERATIONS, STORAGE_MISCONFIGURED_EVENT
from hello_stack import failover, slo
from hello_stack.alarm_spec import AlarmSpec, LogMetric
from hello_stack.config import StackConfig


def regional_alarms(
    config: StackConfig,
    api_name: pulumi.Input[str],
    stage_name: pulumi.Input[str],
    function_name: pulumi.Input[str],
    alias_name: pulumi.Input[str],
    table_name: pulumi.Input[str],
    function_log_group_name: pulumi.Input[str],
    log_metric_namespace: str,
    health_path: str | None = None,
) -> list[AlarmSpec]:
    """`api_name` must be the stack's own: API Gateway keys its metrics by ApiName and Stage
    only, so two APIs of one name in one account would share every API alarm.

    `health_path`: the route Route 53's health checks call, in a region behind them (two-region
    stacks). The release's 5XX share then leaves their requests out, as the server SLI does
    (hello_stack.slo). The p99 latency cannot: a percentile of the API's requests is not the
    difference of two percentiles, and API Gateway has no per-method metrics for "every route
    but one" short of turning them on for every method. So it keeps the health checks, ~96 a
    minute per region, each a single strongly consistent read: in the first region, among
    users' requests, they pull p99 down a little; in a region with no users, p99 is theirs, so
    it says how fast the region reaches its replica, not how a release serves users. The
    release is stopped there by the 5XX share and the Lambda errors; a slow canary in a region
    without users goes unseen until users arrive (docs/failover.md, "What the SLO sees")."""
    api = {"ApiName": api_name, "Stage": stage_name}
    alias = {
        "FunctionName": function_name,
        "Resource": pulumi.Output.format("{0}:{1}", function_name, alias_name),
    }
    table = {"TableName": table_name}
    return [
        AlarmSpec(
            "api-latency-p99",
            "p99 API latency is above the latency SLO's bound.",
            "AWS/ApiGateway", "Latency", [api], "p99",
            config.latency_p99_slo_ms,
        ),
        AlarmSpec(
            "lambda-errors",
            "The live alias's invocations are failing.",
            "AWS/Lambda", "Errors", [alias], "Sum",
            config.lambda_errors_per_minute,
            comparison="GreaterThanOrEqualToThreshold",
        ),
        # What stops a release: tuned to fire inside the canary window (1 of 1 one-minute
        # datapoints; metrics arrive 1-2 minutes late), too twitchy to page anyone.
        AlarmSpec(
            "release-lambda-errors",
            "During a release, the live alias's invocations failed: CodeDeploy rolls back.",
            "AWS/Lambda", "Errors", [alias], "Sum",
            1,
            comparison="GreaterThanOrEqualToThreshold",
            stops_release=True, pages=False, periods=1, datapoints=1,
        ),
        AlarmSpec(
            "release-api-5xx",
            "During a release, the API answered 5XX above the threshold: CodeDeploy rolls back.",
            "AWS/ApiGateway", "5XXError", [api], "Average",
            config.api_5xx_rate_threshold,
            stops_release=True, pages=False, periods=1, datapoints=1,
            share_of=(
                slo.api_5xx_share_without_health_checks(api, health_path)
                if health_path is not None
                else None
            ),
        ),
        AlarmSpec(
            "lambda-throttles",
            "Invocations are throttled: reserved concurrency or the account limit is reached.",
            "AWS/Lambda", "Throttles", [{"FunctionName": function_name}], "Sum",
            0,
        ),
        AlarmSpec(
            "dynamodb-read-throttles",
            "DynamoDB throttled reads of the table.",
            "AWS/DynamoDB", "ReadThrottleEvents", [table], "Sum",
            0,
        ),
        AlarmSpec(
            "dynamodb-write-throttles",
            "DynamoDB throttled writes to the table.",
            "AWS/DynamoDB", "WriteThrottleEvents", [table], "Sum",
            0,
        ),
        AlarmSpec(
            "dynamodb-system-errors",
            "DynamoDB returned server errors to the app.",
            "AWS/DynamoDB", "SystemErrors",
            # DynamoDB reports SystemErrors per operation: the alarm sums those the app uses.
            [{**table, "Operation": operation} for operation in DYNAMODB_OPERATIONS], "Sum",
            0,
        ),
        AlarmSpec(
            "storage-misconfigured",
            "The function cannot use its table for a reason retrying will not fix "
            "(access denied, missing table, invalid request, credentials, region).",
            log_metric_namespace, "StorageMisconfigured", [{}], "Sum",
            0,
            from_logs=LogMetric(
                function_log_group_name, f'{{ $.event = "{STORAGE_MISCONFIGURED_EVENT}" }}'
            ),
        ),
    ]  # fmt: skip


def failover_alarms(health_checks: Sequence[tuple[str, pulumi.Input[str]]]) -> list[AlarmSpec]:
    """A page when a region's Route 53 health check fails: one per (failover role, health check
    id), the role its failover record has (PRIMARY or SECONDARY); none with one region. The
    failover itself needs no person, but once the primary is out prod serves from one region
    with one MRSC replica to spare, and the failed region's own alarms, SLO alerts and topics
    may be down with it: these alarms live in us-east-1, where Route 53 publishes
    `HealthCheckStatus` (1 healthy, 0 not) for every health check
    (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html)."""
    return [
        AlarmSpec(
            f"region-{role.lower()}-unhealthy",
            f"Route 53's health check of the {role.lower()} region fails: "
            + (
                "every request now goes to the secondary region"
                if role == failover.PRIMARY
                else "nothing stands by if the primary fails"
            )
            + " (docs/failover.md).",
            "AWS/Route53", "HealthCheckStatus",
            [{"HealthCheckId": health_check_id}], "Minimum",
            1, "LessThanThreshold",
        )
        for role, health_check_id in health_checks
    ]  # fmt: skip
