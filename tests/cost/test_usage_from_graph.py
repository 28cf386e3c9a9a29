"""The model's usage is what the program builds for each real stack file (evaluated under
Pulumi's mocks, as tests/infra does), counted here by hand from the specification: docs/slo.md
(12 burn-rate window alarms, 4 composites, the checks' metrics), hello_stack/limits.py and
components/restore_testing.py (their alarms), the stack files' settings."""

from __future__ import annotations

from typing import Any

import pytest

from cost import graph
from cost.usage import load_settings, usage_for
from tests.infra.conftest import STACKS, Stack, cached

# Single-metric alarms every stack has: lambda-errors, lambda-throttles, release-lambda-errors,
# release-api-5xx, api-latency-p99, dynamodb read and write throttles, storage-misconfigured,
# limit-api-stage-throttle, limit-api-throttled (429s counted from the access log),
# limit-lambda-reserved-concurrency, limit-cloudfront-requests.
ALWAYS_ONE_METRIC = 12
# dynamodb-system-errors sums SystemErrors of GetItem, PutItem and DeleteItem.
SYSTEM_ERRORS_METRICS = 3
# Each SLI has 6 window alarms (1h, 5m, 6h and 30m, 1d and 6h at their burn rates); the server
# SLI reads Count and 5XXError plus 2 per location, the client SLI 2 per location.
WINDOWS = 6


def expected_alarm_metrics(settings: Any) -> int:
    locations = len(settings.check_locations)
    further_regions = len(settings.regions) - 1
    # With two regions the server SLI also reads the health route's Count and 5XXError, and
    # each region's release-api-5xx, a share with the health checks left out, reads the API's
    # and the health route's Count and 5XXError: 4 metrics, 3 more than the plain Average.
    health = 2 if further_regions else 0
    release_share = 3 * len(settings.regions) if further_regions else 0
    slo = WINDOWS * (2 + 2 * locations + health) + WINDOWS * 2 * locations
    silence = locations  # slo-checks-silent-<location>: one metric each
    account = 1 if settings.account_alarms else 0  # limit-lambda-account-concurrency
    # restore-test-failed and restore-test-missing (the heartbeat)
    restore = 2 if settings.backup_retention_days > 0 else 0
    # Each further region: its own alarms, all but CloudFront's (the edge's) and the SLO's.
    regional = ALWAYS_ONE_METRIC - 1 + SYSTEM_ERRORS_METRICS + account
    # With two regions, the edge's alarm on each region's health check (HealthCheckStatus).
    failover = len(settings.regions) if further_regions else 0
    return (
        ALWAYS_ONE_METRIC
        + SYSTEM_ERRORS_METRICS
        + slo
        + silence
        + account
        + restore
        + further_regions * regional
        + release_share
        + failover
    )


def graph_metrics(stack: Stack) -> int:
    """Counted from the evaluated graph the tests/infra way: a metric alarm's metricName, or
    the metric stats among its metric queries."""
    total = 0
    for alarm in stack.all(graph.METRIC_ALARM):
        state = alarm["state"]
        queries = state.get("metricQueries") or []
        total += 1 if "metricName" in state else len([q for q in queries if "metric" in q])
    return total


@pytest.mark.parametrize("name", STACKS)
def test_usage_counts_equal_the_evaluated_graph(name: str) -> None:
    stack = cached(name)
    settings = load_settings(name)
    usage = usage_for(name, settings)
    assert usage.alarm_metrics == graph_metrics(stack) == expected_alarm_metrics(settings)
    assert usage.composite_alarms == len(stack.all(graph.COMPOSITE_ALARM)) == 4
    # storage-misconfigured and the access log's 429s per region, and with backups the restore
    # tests' heartbeat (validated runs)
    filters = 2 * len(settings.regions) + (1 if settings.backup_retention_days > 0 else 0)
    assert usage.custom_metrics == len(stack.all(graph.LOG_METRIC_FILTER)) == filters
    assert usage.dashboards == len(stack.all(graph.DASHBOARD)) == 1
    waf = stack.all(graph.WEB_ACL)
    assert usage.waf_rules == (len(waf[0]["state"]["rules"]) if waf else 0)
    # One check function per location, each on a one-minute schedule (43,800 runs a month).
    locations = sorted(settings.check_locations)
    assert [check.location for check in usage.checks] == locations
    assert all(check.runs_per_month == pytest.approx(43_800) for check in usage.checks)
    assert all((check.memory_mb, check.architecture) == (128, "arm64") for check in usage.checks)


def test_hand_counted_alarms_per_stack() -> None:
    # dev: 12 + 3 + 6 x 4 + 6 x 2 + 1 silence alarm = 52; prod (2 locations, account alarms,
    # backups, two regions): 12 + 3 + 6 x 8 (the health route's 2 too) + 6 x 4 + 2 silence
    # alarms + 1 account + 2 restore tests + eu-west-2's 11 + 3 + 1 = 107, + 3 in each region's
    # release-api-5xx (the health route's share: 4 metrics, not 1) = 113, + the edge's alarm on
    # each region's health check = 115.
    # Custom metrics from logs: dev 2 (storage-misconfigured, 429s), prod 5 (both regions' and
    # the heartbeat).
    dev, prod = (usage_for(name, load_settings(name)) for name in ("dev", "prod"))
    assert (dev.alarm_metrics, dev.custom_metrics) == (52, 2)
    assert (prod.alarm_metrics, prod.custom_metrics) == (115, 5)


def test_a_second_region_is_a_replica_and_two_health_checks() -> None:
    """From the graph: prod's table has one replica (the witness holds no items), and one HTTPS
    health check at the fast interval per region (both optional features Route 53 bills)."""
    dev, prod = (usage_for(name, load_settings(name)) for name in ("dev", "prod"))
    assert (dev.replicas, dev.health_checks) == (0, ())
    assert prod.replicas == 1
    assert prod.health_checks == (graph.HealthCheck(10.0, 2), graph.HealthCheck(10.0, 2))


def test_restore_tests_where_backups_are_on() -> None:
    # prod keeps backups: the plan restores daily (cron(0 6 ? * * *)), each copy kept for
    # hello:restoreTestValidationWindowHours; dev has no backups, so no plan.
    prod = usage_for("prod", load_settings("prod"))
    assert prod.restore_tests_per_month == pytest.approx(730 / 24)
    assert prod.restore_validation_hours == load_settings("prod").restore_test_validation_hours
    (plan,) = cached("prod").all(graph.RESTORE_TESTING_PLAN)
    assert graph.runs_per_month(plan["state"]["scheduleExpression"]) == pytest.approx(730 / 24)
    dev = usage_for("dev", load_settings("dev"))
    assert dev.restore_tests_per_month == 0
    assert cached("dev").all(graph.RESTORE_TESTING_PLAN) == []


@pytest.mark.parametrize("name", STACKS)
def test_every_alarm_is_standard_resolution(name: str) -> None:
    """The model prices alarms at the standard-resolution rate, which applies to periods of
    60 s or more (https://aws.amazon.com/cloudwatch/pricing/, "Alarms"); a high-resolution
    alarm would cost three times as much."""
    for alarm in cached(name).all(graph.METRIC_ALARM):
        assert min(graph.alarm_periods(alarm)) >= 60, alarm["name"]


def test_a_program_that_fails_under_mocks_is_reported_with_its_stack_file() -> None:
    with pytest.raises(RuntimeError, match=r"Pulumi\.nosuchstack\.yaml: the program failed"):
        graph.resources.__wrapped__("nosuchstack")
