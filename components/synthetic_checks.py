"""Synthetic checks from outside the serving region: in each check location, a small Lambda
function (synthetics/handler.py) that EventBridge runs every minute against the public URL.

The functions share one role: write their own logs, and publish metrics into the stack's
namespace only (cloudwatch:namespace condition), in the serving region where the SLO's alarms
read them (an alarm cannot read another region's metrics). The zip holds the handler and the
release probe's checks it reuses, nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

import synthetics
from components.lambda_code import code_archive, lambda_files
from components.lambda_function import lambda_role, logged_function
from synthetics import checks, metrics, smoke
from synthetics import handler as check
from synthetics.metrics import CHECK_EVERY_MINUTES

# What the function imports, and only that: the synthetics package, whose checks and smoke test
# the release probe (deploy/probe.py) reuses. {path in the zip: source file}.
SOURCES = lambda_files(synthetics, check, metrics, checks, smoke)
HANDLER = "synthetics.handler.handler"
SCHEDULE = f"rate({CHECK_EVERY_MINUTES} minute{'s' if CHECK_EVERY_MINUTES > 1 else ''})"
# One run at a time, never replayed: every run writes the location's own user, so a run that
# overlaps another (a retry, a second delivery) fails both with false 404s and counts twice.
# Lambda retries a failed asynchronous invocation twice by default and EventBridge delivers at
# least once (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html,
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html): no retries, an
# event older than a run's interval is dropped (60 s is the least Lambda and EventBridge
# accept), and reserved concurrency 1 keeps a late delivery from running beside a run
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
MAXIMUM_RETRY_ATTEMPTS = 0
MAXIMUM_EVENT_AGE_S = 60
RESERVED_CONCURRENCY = 1


@dataclass
class SyntheticChecksArgs:
    public_url: pulumi.Input[str]
    locations: Sequence[str]  # regions the checks run from, never the serving one
    metric_region: str  # the serving region: the metrics go where the alarms are
    metric_namespace: str
    runtime: str
    log_retention_days: int
    # The tags of the stack's providers: the check locations get a provider each.
    default_tags: aws.ProviderDefaultTagsArgsDict
    architecture: str = "arm64"
    memory_mb: int = 128
    # Five requests of at most synthetics.checks.TIMEOUT_S each (a seed and a cycle), then publish.
    timeout_seconds: int = 40
    permissions_boundary: pulumi.Input[str] | None = None


class SyntheticChecks(pulumi.ComponentResource):
    function_names: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: SyntheticChecksArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:SyntheticChecks", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = lambda_role(
            f"{name}-checks",
            [
                {
                    # PutMetricData has no resource type: the namespace condition scopes it
                    # (AWS's Service Authorization Reference for CloudWatch).
                    "Sid": "PublishTheChecksMetrics",
                    "Effect": "Allow",
                    "Action": "cloudwatch:PutMetricData",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"cloudwatch:namespace": args.metric_namespace}},
                }
            ],
            args.permissions_boundary,
            child,
        )
        code = code_archive(SOURCES)
        self.function_names = {}
        for location in args.locations:
            provider = aws.Provider(
                f"{name}-checks-{location}",
                region=location,
                default_tags=args.default_tags,
                opts=child,
            )
            there = pulumi.ResourceOptions(parent=self, provider=provider)
            function = logged_function(
                f"{name}-checks-{location}",
                role,
                runtime=args.runtime,
                architecture=args.architecture,
                handler=HANDLER,
                code=code,
                timeout_s=args.timeout_seconds,
                environment={
                    check.PUBLIC_URL_ENV: args.public_url,
                    check.LOCATION_ENV: location,
                    check.NAMESPACE_ENV: args.metric_namespace,
                    check.METRIC_REGION_ENV: args.metric_region,
                },
                log_retention_days=args.log_retention_days,
                opts=there,
                memory_size=args.memory_mb,
                reserved_concurrent_executions=RESERVED_CONCURRENCY,
            ).function
            aws.lambda_.FunctionEventInvokeConfig(
                f"{name}-checks-{location}-async",
                function_name=function.name,
                maximum_retry_attempts=MAXIMUM_RETRY_ATTEMPTS,
                maximum_event_age_in_seconds=MAXIMUM_EVENT_AGE_S,
                opts=there,
            )
            schedule = aws.cloudwatch.EventRule(
                f"{name}-checks-{location}-schedule",
                description=f"hello's synthetic checks from {location}",
                schedule_expression=SCHEDULE,
                opts=there,
            )
            invoke = aws.lambda_.Permission(
                f"{name}-checks-{location}-invoke",
                action="lambda:InvokeFunction",
                function=function.name,
                principal="events.amazonaws.com",
                source_arn=schedule.arn,
                opts=there,
            )
            aws.cloudwatch.EventTarget(
                f"{name}-checks-{location}-target",
                rule=schedule.name,
                arn=function.arn,
                retry_policy={
                    "maximum_retry_attempts": MAXIMUM_RETRY_ATTEMPTS,
                    "maximum_event_age_in_seconds": MAXIMUM_EVENT_AGE_S,
                },
                opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[invoke]),
            )
            self.function_names[location] = function.name
        self.register_outputs({"function_names": self.function_names})
