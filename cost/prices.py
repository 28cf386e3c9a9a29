"""AWS list prices the cost model uses: one constant per price, its source page beside it.

Read on READ_ON from the pages in SOURCES. The pricing pages render per-region figures in the
browser; these are the US East (N. Virginia) figures (hello's stacks run in eu-west-1, where
most of these are 0-13 % higher). Free tiers are left out: they are per account, not per stack.
A tier is a tuple of (upper bound of the monthly quantity, price per unit), in order.

This machine cannot reach AWS's pages: the prices added for the synthetic checks and the SLO's
alarms (composite alarms, PutMetricData, EventBridge's scheduled rules) are the figures
docs/slo.md cites from the same pages on the same date, not re-read here; check them before
relying on them.
"""

from __future__ import annotations

import math

READ_ON = "2026-12-02"
PRICED_REGION = "us-east-1"
# How the stacks' region compares (eu-west-1, same pages, same date).
REGIONAL_GAP = "most of these prices are 0-13 % higher (DynamoDB's ~13 %)"
HOURS_PER_MONTH = 730

Tiers = tuple[tuple[float, float], ...]

SOURCES = {
    "api_gateway": "https://aws.amazon.com/api-gateway/pricing/",
    "lambda": "https://aws.amazon.com/lambda/pricing/",
    "snap_start": "https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html#snapstart-pricing",
    "dynamodb": "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "cloudfront": "https://aws.amazon.com/cloudfront/pricing/",
    "waf": "https://aws.amazon.com/waf/pricing/",
    "cloudwatch": "https://aws.amazon.com/cloudwatch/pricing/",
    "xray": "https://aws.amazon.com/xray/pricing/",
    "backup": "https://aws.amazon.com/backup/pricing/",
    "eventbridge": "https://aws.amazon.com/eventbridge/pricing/",
    "fargate": "https://aws.amazon.com/fargate/pricing/",
    "elb": "https://aws.amazon.com/elasticloadbalancing/pricing/",
    "vpc": "https://aws.amazon.com/vpc/pricing/",
}

# API Gateway REST API calls: first 333 M, next 667 M, next 19 B, then the rest (per request).
API_GATEWAY_REST: Tiers = (
    (333e6, 3.50e-6),
    (1e9, 2.80e-6),
    (20e9, 2.38e-6),
    (math.inf, 1.51e-6),
)

# Lambda: requests, and GB-seconds by architecture (tiers of monthly GB-seconds).
LAMBDA_REQUEST = 0.20e-6
LAMBDA_GB_SECOND: dict[str, Tiers] = {
    "arm64": ((7.5e9, 0.0000133334), (18.75e9, 0.0000120001), (math.inf, 0.0000106667)),
    "x86_64": ((6e9, 0.0000166667), (15e9, 0.0000150000), (math.inf, 0.0000133334)),
}
# SnapStart (Python): the snapshot cached per GB-second, each restore per GB.
SNAP_START_CACHE_GB_SECOND = 0.0000015046
SNAP_START_RESTORE_GB = 0.0001397998

# DynamoDB on-demand, Standard table class.
DYNAMODB_WRITE_UNIT = 0.625e-6
DYNAMODB_READ_UNIT = 0.125e-6
# Global tables: a replicated write unit per replica region, priced as a write unit.
DYNAMODB_REPLICATED_WRITE_UNIT = 0.625e-6
DYNAMODB_STORAGE_GB_MONTH = 0.25
DYNAMODB_PITR_GB_MONTH = 0.20
DYNAMODB_BACKUP_GB_MONTH = 0.10  # on-demand backups, also what AWS Backup bills for DynamoDB
DYNAMODB_RESTORE_GB = 0.15
# Data transfer between regions (global table replication).
INTER_REGION_GB = 0.02
# Route 53 health checks of AWS endpoints, a month each, and each optional feature a check uses
# (HTTPS, the fast 10 s interval, string matching, latency graphs)
# (https://aws.amazon.com/route53/pricing/, "Health checks").
ROUTE53_HEALTH_CHECK_MONTH = 0.50
ROUTE53_HEALTH_CHECK_FEATURE_MONTH = 1.00

# CloudFront, pay as you go, by where the serving edge is: HTTPS requests, the first 10 TB out to
# the internet per GB, and out to the origin per GB (what viewers send: PUT bodies, headers).
CLOUDFRONT_HTTPS_REQUEST = {
    "north_america_europe": 0.0100 / 10_000,
    "asia_pacific": 0.0120 / 10_000,
    "south_america": 0.0220 / 10_000,
}
CLOUDFRONT_OUT_GB = {
    "north_america_europe": 0.085,
    "asia_pacific": 0.120,
    "south_america": 0.110,
}
CLOUDFRONT_TO_ORIGIN_GB = {
    "north_america_europe": 0.020,
    "asia_pacific": 0.060,
    "south_america": 0.125,
}
# Which edges each price class serves from; a client whose own edges are excluded is served by
# the nearest included one, at its price (hello's clients: see usage.CLIENT_MIX).
PRICE_CLASS_EDGES = {
    "PriceClass_100": ("north_america_europe",),
    "PriceClass_200": ("north_america_europe", "asia_pacific"),
    "PriceClass_All": ("north_america_europe", "asia_pacific", "south_america"),
}

# AWS WAF: per web ACL and per rule each month, per request inspected.
WAF_WEB_ACL_MONTH = 5.00
WAF_RULE_MONTH = 1.00
WAF_REQUEST = 0.60e-6

# CloudWatch: log ingestion and storage; alarms: a standard-resolution (60 s or longer) metric
# alarm per metric it reads (a metric-math alarm: each metric in its expression), a composite
# alarm at its own price; custom metrics (a log metric filter's, the checks' PutMetricData
# metrics: first 10,000 a month); PutMetricData per API request; dashboards.
LOGS_INGEST_GB = 0.50
LOGS_STORE_GB_MONTH = 0.03
ALARM_METRIC_MONTH = 0.10
COMPOSITE_ALARM_MONTH = 0.50
CUSTOM_METRIC_MONTH = 0.30
PUT_METRIC_DATA_REQUEST = 0.01 / 1000
DASHBOARD_MONTH = 3.00
# EventBridge: scheduled rules' invocations are not charged (the checks' every-minute schedule).
EVENTBRIDGE_SCHEDULED_INVOCATION = 0.0

# X-Ray: traces recorded.
XRAY_TRACE = 5.00e-6

# The always-on alternative: Fargate (Linux, per hour), an ALB, and public IPv4 addresses.
FARGATE_VCPU_HOUR = {"arm64": 0.03238, "x86_64": 0.04048}
FARGATE_GB_HOUR = {"arm64": 0.00356, "x86_64": 0.004445}
ALB_HOUR = 0.0225
ALB_LCU_HOUR = 0.008
PUBLIC_IPV4_HOUR = 0.005


def tiered(quantity: float, tiers: Tiers) -> float:
    """The price of `quantity` units in a month: each tier's units at that tier's price."""
    total, floor = 0.0, 0.0
    for upper, price in tiers:
        if quantity <= floor:
            break
        total += (min(quantity, upper) - floor) * price
        floor = upper
    return total
