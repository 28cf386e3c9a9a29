"""Cost per month of a stack at a monthly request count: the serverless stack as configured and
an always-on alternative (Fargate tasks behind an ALB, same CloudFront, WAF and table), each as
line items: what the stack builds (its alarms, synthetic checks and restore tests where it has
them) and what optional extras (standby regions) add. Every figure is a list price
(cost/prices.py) times a usage (cost/usage.py, hello_stack/workload.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from cost import prices
from cost.usage import (
    CLIENT_MIX,
    ITEM_BYTES,
    CheckLocation,
    Usage,
    snap_start_cached_versions,
)
from hello_stack import workload
from synthetics.checks import Step, cycle
from synthetics.handler import Outcome, metric_data, usernames

GB = 1e9
# X-Ray's default sampling rule: the first request each second, then 5 % of the rest.
# https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html
XRAY_RESERVOIR_PER_SECOND = 1.0
XRAY_FIXED_RATE = 0.05
# Lambda keeps an idle environment for minutes (not documented; ~10 minutes observed widely) and
# replaces busy ones every few hours: both cause cold starts. Assumptions.
IDLE_ENVIRONMENT_SECONDS = 600
ENVIRONMENT_LIFETIME_SECONDS = 2 * 3600
# The always-on alternative: at least two tasks (two zones), each 0.5 vCPU and 1 GB, each serving
# TASK_RPS (a Python WSGI server on half a vCPU: an estimate, not measured; `make bench` measures
# only the local development server, on this machine).
MIN_TASKS = 2
TASK_VCPU = 0.5
TASK_GB = 1.0
TASK_RPS = 150.0
ALB_NODES = 2  # one public IPv4 address per zone
# An ALB LCU is the largest of: 25 new connections/s, 3,000 active connections, 1 GB processed
# per hour, 1,000 rule evaluations/s. CloudFront reuses origin connections: few new ones.
LCU_NEW_CONNECTIONS = 25.0
LCU_GB_PER_HOUR = 1.0
NEW_CONNECTION_SHARE = 0.05
# A synthetic check cycle (synthetics/handler.py): synthetics/checks.py's steps through the public
# URL, then one PutMetricData call. Its duration and log bytes are estimates (docs/slo.md): four
# requests through CloudFront from another continent, ~1.5 s; the summary line and Lambda's
# START/END/REPORT lines, ~0.7 KB. The known user's seed (once per execution environment) and
# the uncounted retry of a failed DELETE are left out.
PUT_METRIC_DATA_CALLS_PER_CYCLE = 1
CHECK_SECONDS_PER_CYCLE = 1.5
CHECK_LOG_BYTES_PER_CYCLE = 700
# A check location's requests are served by the CloudFront edges of its own continent, by the
# region's prefix; a location whose edges the price class excludes is served from North
# America/Europe; an unknown prefix is priced at the dearest modelled rate (South America).
LOCATION_EDGES = {
    "us": "north_america_europe",
    "ca": "north_america_europe",
    "mx": "north_america_europe",
    "eu": "north_america_europe",
    "ap": "asia_pacific",
    "sa": "south_america",
}
# A restore test (hooks/restore_validator.py): one validator invocation whose COUNT scan reads
# the whole copy (strongly consistent: 1 read unit per 4 KB, an upper bound); ~30 s. Estimates.
VALIDATOR_SECONDS = 30.0
READ_UNIT_BYTES = 4096
TABLE_COUNTS = tuple(10**exponent for exponent in range(4, 11))  # 10^4 ... 10^10 a month


@dataclass(frozen=True)
class Extras:
    """What no stack file builds yet; defaults to none (the synthetic checks and restore tests
    a stack has are in its Usage, from the program).

    replica_regions: regional stacks on standby in other regions (a second region: a DynamoDB
    global table replica each, every write replicated), receiving no traffic until a failover.
    """

    replica_regions: int = 0


NONE = Extras()


def edge_share(price_class: str) -> dict[str, float]:
    """Share of requests served from each price region: a client whose region the price class
    excludes is served from North America/Europe."""
    included = prices.PRICE_CLASS_EDGES[price_class]
    shares = dict.fromkeys(included, 0.0)
    for region, share in CLIENT_MIX.items():
        shares[region if region in included else "north_america_europe"] += share
    return shares


def cloudfront_at(region: str, served: float) -> float:
    """Requests served from one price region: HTTPS requests, bytes out and to the origin."""
    return (
        served * prices.CLOUDFRONT_HTTPS_REQUEST[region]
        + served * workload.RESPONSE_BYTES / GB * prices.CLOUDFRONT_OUT_GB[region]
        + served * workload.REQUEST_BYTES / GB * prices.CLOUDFRONT_TO_ORIGIN_GB[region]
    )


def cloudfront(usage: Usage, requests: float) -> float:
    shares = edge_share(usage.price_class).items()
    return sum(cloudfront_at(region, requests * share) for region, share in shares)


def check_edge(location: str, price_class: str) -> str:
    """The price region whose edges serve a check location's requests."""
    region = LOCATION_EDGES.get(location.split("-")[0], "south_america")
    included = prices.PRICE_CLASS_EDGES[price_class]
    return region if region in included else "north_america_europe"


def check_steps() -> list[Step]:
    """One cycle's requests, as synthetics/handler.py sends them (the users' names aside)."""
    return cycle(*usernames("us-east-1"))


def check_metrics_per_location() -> int:
    """The metrics one location publishes (each name with its Location dimension)."""
    outcomes = [Outcome(label, 1.0) for label, *_ in check_steps()]
    return len({datum["MetricName"] for datum in metric_data("us-east-1", outcomes)})


def check_requests(usage: Usage) -> float:
    """Requests a month the synthetic checks send through the stack, from every location."""
    return sum(location.runs_per_month for location in usage.checks) * len(check_steps())


def check_traffic(usage: Usage) -> dict[str, float]:
    """What the checks' requests cost at CloudFront (at their own edges) and DynamoDB (a GET
    reads, a PUT or DELETE writes); the per-request services bill them with the users'."""
    steps = check_steps()
    gets = sum(1 for _, method, *_ in steps if method == "GET")
    per_cycle = (
        gets * workload.READ_UNITS_PER_GET * prices.DYNAMODB_READ_UNIT
        + (len(steps) - gets) * workload.WRITE_UNITS_PER_PUT * prices.DYNAMODB_WRITE_UNIT
    )
    edge, table = 0.0, 0.0
    for location in usage.checks:
        requests = location.runs_per_month * len(steps)
        edge += cloudfront_at(check_edge(location.location, usage.price_class), requests)
        table += location.runs_per_month * per_cycle
    return {"cloudfront": edge, "dynamodb": table}


def check_location_month(usage: Usage, location: CheckLocation) -> float:
    """One location's own bill: its function's invocations and GB-seconds, its PutMetricData
    calls and custom metrics, its log lines (its schedule is not charged)."""
    runs = location.runs_per_month
    gb_seconds = runs * CHECK_SECONDS_PER_CYCLE * location.memory_mb / 1024
    return (
        runs * prices.EVENTBRIDGE_SCHEDULED_INVOCATION
        + runs * prices.LAMBDA_REQUEST
        + prices.tiered(gb_seconds, prices.LAMBDA_GB_SECOND[location.architecture])
        + runs * PUT_METRIC_DATA_CALLS_PER_CYCLE * prices.PUT_METRIC_DATA_REQUEST
        + check_metrics_per_location() * prices.CUSTOM_METRIC_MONTH
        + logs(usage, runs, CHECK_LOG_BYTES_PER_CYCLE)
    )


def synthetic_checks(usage: Usage) -> float:
    return sum(check_location_month(usage, location) for location in usage.checks)


def restore_tests(usage: Usage) -> float:
    """Each run of the restore testing plan: AWS Backup's restore of the table (per GB), the
    copy stored for its validation window, the validator's invocation and its COUNT scan."""
    if not usage.restore_tests_per_month:
        return 0.0
    tests = usage.restore_tests_per_month
    copy_months = usage.restore_validation_hours / prices.HOURS_PER_MONTH
    per_test = (
        usage.table_gb * prices.DYNAMODB_RESTORE_GB
        + usage.table_gb * prices.DYNAMODB_STORAGE_GB_MONTH * copy_months
        + prices.LAMBDA_REQUEST
        + usage.table_gb * GB / READ_UNIT_BYTES * prices.DYNAMODB_READ_UNIT
    )
    gb_seconds = tests * VALIDATOR_SECONDS * usage.validator_memory_mb / 1024
    validator = prices.tiered(gb_seconds, prices.LAMBDA_GB_SECOND[usage.validator_architecture])
    return tests * per_test + validator


def cold_starts(requests: float, memory_mb: int) -> float:
    """New execution environments in a month of evenly spread (Poisson) requests: a request
    that follows an idle gap longer than Lambda keeps an environment, plus each busy
    environment's replacement."""
    rate = workload.average_rps(requests)
    idle_gap = math.exp(-IDLE_ENVIRONMENT_SECONDS * rate)  # P(no request for that long)
    after_idle = requests * idle_gap
    environments = max(1.0, rate * workload.warm_seconds(memory_mb))
    # Only an environment that stays busy lives long enough to be replaced.
    replaced = environments * workload.MONTH_SECONDS / ENVIRONMENT_LIFETIME_SECONDS
    return min(requests, after_idle + replaced * (1 - idle_gap))


def lambda_compute(usage: Usage, requests: float) -> float:
    """Requests, GB-seconds (warm + init when SnapStart is off) and SnapStart's charges."""
    cold = cold_starts(requests, usage.memory_mb) if requests else 0.0
    seconds = requests * workload.warm_seconds(usage.memory_mb)
    if not usage.snap_start:
        seconds += cold * workload.init_seconds(usage.memory_mb)
    total = requests * prices.LAMBDA_REQUEST
    total += prices.tiered(seconds * usage.memory_gb, prices.LAMBDA_GB_SECOND[usage.architecture])
    if usage.snap_start:
        total += cold * usage.memory_gb * prices.SNAP_START_RESTORE_GB
    return total


def snap_start_cache(usage: Usage) -> float:
    """Every cached version's snapshot (cost/usage.py: the live one and those superseded in
    the last 14 days), the function's memory each, all month."""
    if not usage.snap_start:
        return 0.0
    cached = usage.memory_gb * workload.MONTH_SECONDS * snap_start_cached_versions()
    return cached * prices.SNAP_START_CACHE_GB_SECOND


def dynamodb_requests(requests: float) -> float:
    reads = requests * workload.GET_SHARE * workload.READ_UNITS_PER_GET
    writes = requests * workload.PUT_SHARE * workload.WRITE_UNITS_PER_PUT
    return reads * prices.DYNAMODB_READ_UNIT + writes * prices.DYNAMODB_WRITE_UNIT


def table_at_rest(usage: Usage) -> float:
    """Storage, point-in-time recovery (on in every stack) and the daily backups kept."""
    per_gb = prices.DYNAMODB_STORAGE_GB_MONTH + prices.DYNAMODB_PITR_GB_MONTH
    backups = usage.backup_retention_days * prices.DYNAMODB_BACKUP_GB_MONTH
    return usage.table_gb * (per_gb + backups)


def logs(usage: Usage, requests: float, bytes_per_request: float) -> float:
    """Ingestion, and storage of what the retention keeps (uncompressed: an upper bound)."""
    ingested_gb = requests * bytes_per_request / GB
    kept_months = usage.log_retention_days / 30.4
    return ingested_gb * (prices.LOGS_INGEST_GB + kept_months * prices.LOGS_STORE_GB_MONTH)


def xray_traces(requests: float) -> float:
    rate = workload.average_rps(requests)
    sampled = min(rate, XRAY_RESERVOIR_PER_SECOND)
    sampled += XRAY_FIXED_RATE * max(0.0, rate - XRAY_RESERVOIR_PER_SECOND)
    return sampled * workload.MONTH_SECONDS


def waf(usage: Usage, requests: float) -> float:
    if not usage.waf_rules:
        return 0.0
    fixed = prices.WAF_WEB_ACL_MONTH + usage.waf_rules * prices.WAF_RULE_MONTH
    return fixed + requests * prices.WAF_REQUEST


def monitoring(usage: Usage) -> float:
    """Every alarm the program builds (per metric read; composites at their own price), the
    log metric filters' metrics and the dashboards."""
    return (
        usage.alarm_metrics * prices.ALARM_METRIC_MONTH
        + usage.composite_alarms * prices.COMPOSITE_ALARM_MONTH
        + usage.custom_metrics * prices.CUSTOM_METRIC_MONTH
        + usage.dashboards * prices.DASHBOARD_MONTH
    )


# Route 53's health checkers per health check: an estimate. AWS documents checkers in several
# locations that do not coordinate ("several requests per second regardless of the interval":
# https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html),
# not their number; each sends one request per interval.
HEALTH_CHECKERS = 16


def health_check_requests(usage: Usage) -> float:
    """Requests a month Route 53's checkers send to the health routes: through API Gateway and
    the function like a user's (billed with them), each a strongly consistent read."""
    return sum(
        HEALTH_CHECKERS * workload.MONTH_SECONDS / check.interval_s for check in usage.health_checks
    )


def regions(usage: Usage, requests: float) -> float:
    """What serving from more regions adds besides their alarms and idle functions (counted
    with the rest from the graph): each write replicated to every replica (a replicated write
    unit and the bytes between regions), each replica's storage and PITR, the health checks'
    fees and their reads. An MRSC witness bills neither writes nor storage."""
    writes = requests * workload.PUT_SHARE * workload.WRITE_UNITS_PER_PUT
    per_replica = (
        writes * prices.DYNAMODB_REPLICATED_WRITE_UNIT
        + writes * ITEM_BYTES / GB * prices.INTER_REGION_GB
        + table_at_rest(usage)
    )
    fees = sum(
        prices.ROUTE53_HEALTH_CHECK_MONTH
        + check.optional_features * prices.ROUTE53_HEALTH_CHECK_FEATURE_MONTH
        for check in usage.health_checks
    )
    reads = health_check_requests(usage) * workload.READ_UNITS_PER_GET * prices.DYNAMODB_READ_UNIT
    return usage.replicas * per_replica + fees + reads


def extras_cost(usage: Usage, requests: float, extras: Extras, standby: float) -> float:
    """What standby regions add; `standby` is what one idle regional copy of the compute costs
    (it differs between the two designs)."""
    writes = requests * workload.PUT_SHARE * workload.WRITE_UNITS_PER_PUT
    per_replica = (
        writes * prices.DYNAMODB_REPLICATED_WRITE_UNIT
        + writes * ITEM_BYTES / GB * prices.INTER_REGION_GB  # each write crosses to the replica
        + table_at_rest(usage)
        + monitoring(usage)
        + standby
    )
    return extras.replica_regions * per_replica


def serverless(usage: Usage, requests: float, extras: Extras = NONE) -> dict[str, float]:
    """The stack as configured, per line item, in dollars a month: `requests` are the users';
    the synthetic checks' and health checks' own requests are billed with them by each service
    they pass."""
    total = requests + check_requests(usage) + health_check_requests(usage)
    checks = check_traffic(usage)
    log_bytes = workload.APP_LOG_BYTES + workload.PLATFORM_LOG_BYTES + workload.ACCESS_LOG_BYTES
    return {
        "api_gateway": prices.tiered(total, prices.API_GATEWAY_REST),
        "cloudfront": cloudfront(usage, requests) + checks["cloudfront"],
        "lambda": lambda_compute(usage, total) + snap_start_cache(usage),
        "dynamodb": dynamodb_requests(requests) + checks["dynamodb"] + table_at_rest(usage),
        "waf": waf(usage, total),
        "logs": logs(usage, total, log_bytes),
        "xray": xray_traces(total) * prices.XRAY_TRACE,
        "monitoring": monitoring(usage),
        "synthetic_checks": synthetic_checks(usage),
        "restore_tests": restore_tests(usage),
        "regions": regions(usage, requests + check_requests(usage)),
        "extras": extras_cost(usage, total, extras, snap_start_cache(usage)),
    }


def tasks_needed(requests: float) -> int:
    return max(MIN_TASKS, math.ceil(workload.peak_rps(requests) / TASK_RPS))


def fargate_task_month(usage: Usage) -> float:
    hourly = (
        TASK_VCPU * prices.FARGATE_VCPU_HOUR[usage.architecture]
        + TASK_GB * prices.FARGATE_GB_HOUR[usage.architecture]
    )
    return hourly * prices.HOURS_PER_MONTH


def alb(requests: float) -> float:
    rate = workload.average_rps(requests)
    gb_per_hour = rate * 3600 * (workload.REQUEST_BYTES + workload.RESPONSE_BYTES) / GB
    lcus = max(rate * NEW_CONNECTION_SHARE / LCU_NEW_CONNECTIONS, gb_per_hour / LCU_GB_PER_HOUR)
    return (prices.ALB_HOUR + lcus * prices.ALB_LCU_HOUR) * prices.HOURS_PER_MONTH


def public_addresses(tasks: int) -> float:
    return (tasks + ALB_NODES) * prices.PUBLIC_IPV4_HOUR * prices.HOURS_PER_MONTH


def always_on(usage: Usage, requests: float, extras: Extras = NONE) -> dict[str, float]:
    """Fargate tasks behind an ALB (public subnets, a DynamoDB gateway endpoint: no NAT), with
    the same CloudFront, WAF, table, app log line, traces, alarms, checks and restore tests."""
    total = requests + check_requests(usage) + health_check_requests(usage)
    checks = check_traffic(usage)
    tasks = tasks_needed(total)
    standby = fargate_task_month(usage) * MIN_TASKS + alb(0) + public_addresses(MIN_TASKS)
    return {
        "fargate": tasks * fargate_task_month(usage),
        "alb": alb(total) + public_addresses(tasks),
        "cloudfront": cloudfront(usage, requests) + checks["cloudfront"],
        "dynamodb": dynamodb_requests(requests) + checks["dynamodb"] + table_at_rest(usage),
        "waf": waf(usage, total),
        "logs": logs(usage, total, workload.APP_LOG_BYTES),
        "xray": xray_traces(total) * prices.XRAY_TRACE,
        "monitoring": monitoring(usage),
        "synthetic_checks": synthetic_checks(usage),
        "restore_tests": restore_tests(usage),
        "regions": regions(usage, requests + check_requests(usage)),
        "extras": extras_cost(usage, total, extras, standby),
    }


def monthly(items: dict[str, float]) -> float:
    return sum(items.values())


def per_million(items: dict[str, float], requests: float) -> float:
    return monthly(items) / requests * 1e6


def crossover(usage: Usage, extras: Extras = NONE) -> float | None:
    """The smallest monthly request count (10^3 to 10^12) from which the serverless stack
    costs more than the always-on one, or None if it never does in that range."""

    def dearer(requests: float) -> bool:
        return monthly(serverless(usage, requests, extras)) > monthly(
            always_on(usage, requests, extras)
        )

    grid = [10 ** (exponent / 20) for exponent in range(60, 241)]
    previous = grid[0]
    if dearer(previous):
        return previous
    for requests in grid[1:]:
        if dearer(requests):
            low, high = previous, requests
            while high / low > 1.001:
                middle = math.sqrt(low * high)
                low, high = (low, middle) if dearer(middle) else (middle, high)
            return high
        previous = requests
    return None
