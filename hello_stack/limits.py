"""Where hello stops as load grows: every quota on the request path with its value, its source,
the request rate at which it binds for the stack as configured, and what warns before it does.

One owner per limit: its value, the rate it binds at, and its warning (an alarm at
WARNING_FRACTION of it, a count-mode WAF rule, or the written reason why neither is needed)
live here; `limit_alarms` and `edge_limit_alarms` turn the warnings into AlarmSpecs that
Monitoring creates beside hello_stack/alarms.py's. `python -m cost` prints `limits()` in order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import pulumi

from hello_stack import workload
from hello_stack.alarm_spec import AlarmSpec, LogMetric
from hello_stack.config import StackConfig

# Every warning fires at this share of its limit.
WARNING_FRACTION = 0.8
PERIOD_SECONDS = 60  # Monitoring's alarm period: a Sum over it is requests per minute

# The account's quota is a setting (hello:lambdaAccountConcurrency, default 1,000): new accounts
# may have less. https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
LAMBDA_CONCURRENCY_SOURCE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html"
# Each function may add at most 1,000 execution environments every 10 seconds.
LAMBDA_SCALING_SOURCE = "https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html"
LAMBDA_SCALING_ENVIRONMENTS = 1000
LAMBDA_SCALING_SECONDS = 10
# A stage's throttle applies to each method ("per-API, per-stage throttling limits are applied
# at the API method level for a stage"; pulumi-chalice sets it for `*/*`, every method), so the
# stage refuses requests when its busiest method passes the rate, not the whole stage.
API_GATEWAY_THROTTLING_SOURCE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html"
API_GATEWAY_ACCOUNT_RPS = 10_000  # per account and region, all APIs together
API_GATEWAY_ACCOUNT_BURST = 5_000
# https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html
WAF_RATE_SOURCE = (
    "https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html"
)
WAF_WINDOW_SECONDS = 300  # hello's rate rule counts over 5 minutes (wafRateLimitPerIp)
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html
DYNAMODB_PARTITION_SOURCE = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html"
)
DYNAMODB_PARTITION_READ_UNITS = 3000  # per second, per partition: one username is one partition
DYNAMODB_PARTITION_WRITE_UNITS = 1000
# An on-demand table's throughput is bounded by the account's per-table quota by default.
DYNAMODB_TABLE_SOURCE = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode-max-throughput.html"
DYNAMODB_TABLE_READ_UNITS = 40_000  # per second, per table
DYNAMODB_TABLE_WRITE_UNITS = 40_000
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html
CLOUDFRONT_QUOTAS_SOURCE = (
    "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html"
)
CLOUDFRONT_RPS_PER_DISTRIBUTION = 250_000
CLOUDFRONT_GBPS_PER_DISTRIBUTION = 150

# An access log line of a throttled request (its status is a JSON string).
THROTTLED_PATTERN = '{ $.status = "429" }'

ALL = "all clients"
ONE_IP = "one client IP"
ONE_USERNAME = "one username"


@dataclass(frozen=True)
class Limit:
    key: str
    what: str
    value: str  # as AWS or the stack states it
    source: str
    binds_at_rps: float  # requests per second (of `applies_to`) at which it starts refusing
    applies_to: str  # ALL, ONE_IP or ONE_USERNAME
    warning: str  # what sees it coming: an alarm, a count-mode rule, or why nothing needs to


class Api(Protocol):
    """What the limit alarms need of the deployed API (components.chalice_app.ChaliceApp)."""

    # Read-only: what provides them may be frozen.
    @property
    def rest_api_name(self) -> pulumi.Input[str]: ...
    @property
    def stage_name(self) -> pulumi.Input[str]: ...
    @property
    def function_name(self) -> pulumi.Input[str]: ...
    @property
    def access_log_group_name(self) -> pulumi.Input[str]: ...


def rps_at_concurrency(concurrency: float, memory_mb: int) -> float:
    """Little's law: concurrent executions = request rate x duration (at this memory)."""
    return concurrency / workload.warm_seconds(memory_mb)


def stage_binds_at_rps(config: StackConfig) -> float:
    """The stage's request rate when its busiest method reaches the per-method throttle."""
    return config.throttle_rate_limit / max(workload.GET_SHARE, workload.PUT_SHARE)


def waf_warning_limit(config: StackConfig) -> int:
    """The count-mode twin of the WAF rate rule: an IP past this share is seen before it is
    blocked (the settings keep the rule's limit far above WAF's floor of 10)."""
    return math.floor(config.waf_rate_limit_per_ip * WARNING_FRACTION)


def stage_throttle_alarm_threshold(config: StackConfig) -> float:
    """Requests a minute at WARNING_FRACTION of the rate the stage binds at: a per-minute sum,
    blind to a burst inside the minute (limit-api-throttled sees those)."""
    return stage_binds_at_rps(config) * PERIOD_SECONDS * WARNING_FRACTION


def limits(config: StackConfig) -> list[Limit]:
    """Every limit on the request path for this stack, the first to bind first."""
    stage_rps = stage_binds_at_rps(config)
    behind_stage = f"cannot bind: the stage throttle ({stage_rps:g} req/s) refuses requests first"
    memory = config.lambda_memory_mb
    scaling_rps = rps_at_concurrency(LAMBDA_SCALING_ENVIRONMENTS, memory)
    table_rps = min(
        DYNAMODB_TABLE_READ_UNITS / (workload.GET_SHARE * workload.READ_UNITS_PER_GET),
        DYNAMODB_TABLE_WRITE_UNITS / (workload.PUT_SHARE * workload.WRITE_UNITS_PER_PUT),
    )
    hot_rps = min(
        DYNAMODB_PARTITION_READ_UNITS / workload.READ_UNITS_PER_GET,
        DYNAMODB_PARTITION_WRITE_UNITS / workload.WRITE_UNITS_PER_PUT,
    )
    bytes_rps = CLOUDFRONT_GBPS_PER_DISTRIBUTION * 1e9 / 8 / workload.RESPONSE_BYTES
    found = [
        Limit(
            "api-stage-throttle",
            "API Gateway stage throttle",
            f"{config.throttle_rate_limit:g} req/s and burst {config.throttle_burst_limit} per "
            f"method: the busiest ({max(workload.GET_SHARE, workload.PUT_SHARE):.0%} of "
            "requests) binds first",
            API_GATEWAY_THROTTLING_SOURCE,
            stage_rps,
            ALL,
            f"alarm limit-api-stage-throttle: requests per minute above "
            f"{stage_throttle_alarm_threshold(config):,.0f} ({WARNING_FRACTION:.0%}; a "
            "per-minute sum); alarm limit-api-throttled: 429s in the access log",
        ),
        Limit(
            "api-account-throttle",
            "API Gateway account throttle (all APIs in the region)",
            f"{API_GATEWAY_ACCOUNT_RPS:,} req/s, burst {API_GATEWAY_ACCOUNT_BURST:,}",
            API_GATEWAY_THROTTLING_SOURCE,
            API_GATEWAY_ACCOUNT_RPS,
            ALL,
            "not alarmed (it counts every API in the account and region, not this stage); "
            + (
                behind_stage
                if stage_rps < API_GATEWAY_ACCOUNT_RPS * WARNING_FRACTION
                else "ABOVE the warning share: request a quota increase"
            ),
        ),
        Limit(
            "lambda-account-concurrency",
            "Lambda concurrent executions (account, region)",
            f"{config.lambda_account_concurrency:,} (hello:lambdaAccountConcurrency) at "
            f"~{workload.warm_billed_ms(memory)} ms a request",
            LAMBDA_CONCURRENCY_SOURCE,
            rps_at_concurrency(config.lambda_account_concurrency, memory),
            ALL,
            (
                f"alarm limit-lambda-account-concurrency: ClaimedAccountConcurrency above "
                f"{WARNING_FRACTION:.0%}"
                if config.account_alarms
                else "alarmed by the account's one stack with hello:accountAlarms (prod's)"
            ),
        ),
        Limit(
            "dynamodb-hot-partition",
            "DynamoDB throughput of one partition (one username)",
            f"{DYNAMODB_PARTITION_READ_UNITS:,} read units/s, "
            f"{DYNAMODB_PARTITION_WRITE_UNITS:,} write units/s",
            DYNAMODB_PARTITION_SOURCE,
            hot_rps,
            ONE_USERNAME,
            "no per-key metric without Contributor Insights; "
            + (
                behind_stage
                if config.throttle_rate_limit + config.throttle_burst_limit < hot_rps
                else "REACHABLE: enable Contributor Insights on the table"
            ),
        ),
        Limit(
            "lambda-scaling-rate",
            "Lambda concurrency scaling rate (per function)",
            f"{LAMBDA_SCALING_ENVIRONMENTS:,} new execution environments every "
            f"{LAMBDA_SCALING_SECONDS} s: a rise of {scaling_rps:,.0f} req/s within "
            f"{LAMBDA_SCALING_SECONDS} s at ~{workload.warm_billed_ms(memory)} ms a request",
            LAMBDA_SCALING_SOURCE,
            scaling_rps,
            ALL,
            behind_stage if stage_rps < scaling_rps else "REACHABLE: no metric; watch Throttles",
        ),
        Limit(
            "dynamodb-table-throughput",
            "DynamoDB on-demand table throughput (account quota per table)",
            f"{DYNAMODB_TABLE_READ_UNITS:,} read and {DYNAMODB_TABLE_WRITE_UNITS:,} write "
            "request units/s",
            DYNAMODB_TABLE_SOURCE,
            table_rps,
            ALL,
            behind_stage
            if stage_rps < table_rps * WARNING_FRACTION
            else "REACHABLE: alarm on ConsumedWriteCapacityUnits",
        ),
        Limit(
            "cloudfront-requests",
            "CloudFront requests per distribution",
            f"{CLOUDFRONT_RPS_PER_DISTRIBUTION:,} req/s",
            CLOUDFRONT_QUOTAS_SOURCE,
            CLOUDFRONT_RPS_PER_DISTRIBUTION,
            ALL,
            f"alarm limit-cloudfront-requests (us-east-1): requests per minute above "
            f"{WARNING_FRACTION:.0%}",
        ),
        Limit(
            "cloudfront-bandwidth",
            "CloudFront data transfer per distribution",
            f"{CLOUDFRONT_GBPS_PER_DISTRIBUTION} Gbps",
            CLOUDFRONT_QUOTAS_SOURCE,
            bytes_rps,
            ALL,
            f"cannot bind: at {workload.RESPONSE_BYTES} bytes a response, the request quota "
            f"({CLOUDFRONT_RPS_PER_DISTRIBUTION:,} req/s) binds first",
        ),
    ]
    if config.reserved_concurrency is not None:
        cold = workload.init_seconds(config.lambda_memory_mb)
        found.append(
            Limit(
                "lambda-reserved-concurrency",
                "Lambda reserved concurrency (hello:reservedConcurrency)",
                f"{config.reserved_concurrency:,} at ~{workload.warm_billed_ms(memory)} ms a "
                "request; "
                f"cold starts ({cold:.1f} s of init each"
                f"{'; SnapStart restores faster' if config.snap_start else ''}) fill it at "
                f"{config.reserved_concurrency / cold:,.0f} new environments/s",
                LAMBDA_CONCURRENCY_SOURCE,
                rps_at_concurrency(config.reserved_concurrency, memory),
                ALL,
                f"alarm limit-lambda-reserved-concurrency: ConcurrentExecutions above "
                f"{WARNING_FRACTION:.0%}",
            )
        )
    if config.waf_enabled:
        found.append(
            Limit(
                "waf-per-ip",
                "WAF rate rule (hello:wafRateLimitPerIp)",
                f"{config.waf_rate_limit_per_ip:,} requests per IP per 5 minutes",
                WAF_RATE_SOURCE,
                config.waf_rate_limit_per_ip / WAF_WINDOW_SECONDS,
                ONE_IP,
                f"count-mode rule rate-warning-per-ip at {waf_warning_limit(config):,} per 5 "
                "minutes (WAF publishes no per-IP metric; its CountedRequests shows IPs nearing "
                "the limit; not paged: blocking one abusive IP is the rule working)",
            )
        )
    return sorted(found, key=lambda limit: limit.binds_at_rps)


def limit_alarms(config: StackConfig, api: Api, log_metric_namespace: str) -> list[AlarmSpec]:
    """The regional alarms before each limit that has a metric."""
    stage = {"ApiName": api.rest_api_name, "Stage": api.stage_name}
    found = [
        AlarmSpec(
            "limit-api-stage-throttle",
            f"Requests per minute are above {WARNING_FRACTION:.0%} of the rate at which the "
            "busiest method reaches the stage's per-method throttle: 429s are next.",
            "AWS/ApiGateway", "Count", [stage], "Sum",
            stage_throttle_alarm_threshold(config),
        ),
        # API Gateway publishes no throttle metric for a REST stage: the access log's status
        # (hello_stack/access_log.py, a string) is the throttle itself, bursts included.
        AlarmSpec(
            "limit-api-throttled",
            "API Gateway answered 429 Too Many Requests: a method is over its throttle (or the "
            "account's).",
            log_metric_namespace, "ApiThrottled", [{}], "Sum",
            0,
            from_logs=LogMetric(api.access_log_group_name, THROTTLED_PATTERN),
        ),
    ]  # fmt: skip
    if config.account_alarms:  # an account-wide metric: watched by one stack of the account
        found.append(
            AlarmSpec(
                "limit-lambda-account-concurrency",
                f"The account's claimed Lambda concurrency is above {WARNING_FRACTION:.0%} of "
                "its quota: throttles are next.",
                "AWS/Lambda", "ClaimedAccountConcurrency", [{}], "Maximum",
                config.lambda_account_concurrency * WARNING_FRACTION,
            )
        )  # fmt: skip
    if config.reserved_concurrency is not None:
        found.append(
            AlarmSpec(
                "limit-lambda-reserved-concurrency",
                f"Concurrent executions are above {WARNING_FRACTION:.0%} of the reserved "
                "concurrency: throttles are next.",
                "AWS/Lambda",
                "ConcurrentExecutions",
                [{"FunctionName": api.function_name}],
                "Maximum",
                config.reserved_concurrency * WARNING_FRACTION,
            )
        )
    return found


def edge_limit_alarms(distribution_id: pulumi.Input[str]) -> list[AlarmSpec]:
    """CloudFront's request quota, watched in us-east-1 where CloudFront publishes metrics."""
    return [
        AlarmSpec(
            "limit-cloudfront-requests",
            f"CloudFront requests per minute are above {WARNING_FRACTION:.0%} of the "
            "distribution's request quota.",
            "AWS/CloudFront", "Requests",
            [{"DistributionId": distribution_id, "Region": "Global"}], "Sum",
            CLOUDFRONT_RPS_PER_DISTRIBUTION * PERIOD_SECONDS * WARNING_FRACTION,
        )
    ]  # fmt: skip
