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

from components.alarm_spec import AlarmSpec
from hello_stack import workload
from hello_stack.config import StackConfig

# Every warning fires at this share of its limit.
WARNING_FRACTION = 0.8
PERIOD_SECONDS = 60  # Monitoring's alarm period: a Sum over it is requests per minute

# https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
LAMBDA_CONCURRENCY_SOURCE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html"
LAMBDA_ACCOUNT_CONCURRENCY = 1000  # default per account and region
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
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
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html
CLOUDFRONT_QUOTAS_SOURCE = (
    "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html"
)
CLOUDFRONT_RPS_PER_DISTRIBUTION = 250_000
CLOUDFRONT_GBPS_PER_DISTRIBUTION = 150

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

    rest_api_name: pulumi.Input[str]
    stage_name: pulumi.Input[str]
    function_name: pulumi.Input[str]


def warm_seconds() -> float:
    return workload.WARM_BILLED_MS / 1000


def rps_at_concurrency(concurrency: float) -> float:
    """Little's law: concurrent executions = request rate x duration."""
    return concurrency / warm_seconds()


def waf_warning_limit(config: StackConfig) -> int:
    """The count-mode twin of the WAF rate rule: an IP past this share is seen before it is
    blocked (the settings keep the rule's limit far above WAF's floor of 10)."""
    return math.floor(config.waf_rate_limit_per_ip * WARNING_FRACTION)


def stage_throttle_alarm_threshold(config: StackConfig) -> float:
    return config.throttle_rate_limit * PERIOD_SECONDS * WARNING_FRACTION


def limits(config: StackConfig) -> list[Limit]:
    """Every limit on the request path for this stack, the first to bind first."""
    stage_rps = config.throttle_rate_limit
    behind_stage = f"cannot bind: the stage throttle ({stage_rps:g} req/s) refuses requests first"
    hot_rps = min(
        DYNAMODB_PARTITION_READ_UNITS / workload.READ_UNITS_PER_GET,
        DYNAMODB_PARTITION_WRITE_UNITS / workload.WRITE_UNITS_PER_PUT,
    )
    bytes_rps = CLOUDFRONT_GBPS_PER_DISTRIBUTION * 1e9 / 8 / workload.RESPONSE_BYTES
    found = [
        Limit(
            "api-stage-throttle",
            "API Gateway stage throttle",
            f"{stage_rps:g} req/s, burst {config.throttle_burst_limit}",
            API_GATEWAY_THROTTLING_SOURCE,
            stage_rps,
            ALL,
            f"alarm limit-api-stage-throttle: requests per minute above "
            f"{WARNING_FRACTION:.0%} of the throttle",
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
            f"{LAMBDA_ACCOUNT_CONCURRENCY:,}",
            LAMBDA_CONCURRENCY_SOURCE,
            rps_at_concurrency(LAMBDA_ACCOUNT_CONCURRENCY),
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
                f"{config.reserved_concurrency:,} at ~{workload.WARM_BILLED_MS:g} ms a request; "
                f"cold starts ({cold:.1f} s of init each"
                f"{'; SnapStart restores faster' if config.snap_start else ''}) fill it at "
                f"{config.reserved_concurrency / cold:,.0f} new environments/s",
                LAMBDA_CONCURRENCY_SOURCE,
                rps_at_concurrency(config.reserved_concurrency),
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


def limit_alarms(config: StackConfig, api: Api) -> list[AlarmSpec]:
    """The regional alarms before each limit that has a metric."""
    stage = {"ApiName": api.rest_api_name, "Stage": api.stage_name}
    found = [
        AlarmSpec(
            "limit-api-stage-throttle",
            f"Requests per minute are above {WARNING_FRACTION:.0%} of the stage throttle: "
            "429s are next.",
            "AWS/ApiGateway", "Count", [stage], "Sum",
            stage_throttle_alarm_threshold(config),
        ),
    ]  # fmt: skip
    if config.account_alarms:  # an account-wide metric: watched by one stack of the account
        found.append(
            AlarmSpec(
                "limit-lambda-account-concurrency",
                f"The account's claimed Lambda concurrency is above {WARNING_FRACTION:.0%} of "
                "its quota: throttles are next.",
                "AWS/Lambda", "ClaimedAccountConcurrency", [{}], "Maximum",
                LAMBDA_ACCOUNT_CONCURRENCY * WARNING_FRACTION,
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
