"""The release's 5XX alarm of a region behind Route 53 (issue 22): Route 53's health checks call
each region's GET /health about 96 times a minute (its checkers, each every 10 s), a region
with no users included. Counted in the API's 5XX share, they would dilute a canary's 5XX below the
threshold there, and a region whose replica cannot reach a quorum (the health route answers 503)
would read as a failing canary and roll a good release back. So each region's alarm computes
(API 5XX - health 5XX) / (API requests - health requests) from API Gateway's Sums, the health
route's from its per-method metrics, guarded like the server SLI (never below zero, 0 without
traffic). dev, in one region with no health checks, keeps the API's plain 5XXError Average
(tests/infra/test_monitoring.py; its whole graph: tests/infra/test_regions.py).

Expected values come from API Gateway's metric names and dimensions
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html)
and the stack files' thresholds (prod: hello:api5xxRateThreshold's default, 1 %)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.infra.conftest import Stack, cached
from tests.infra.test_regions import of_region, regional_name
from tests.infra.test_slo import evaluate_math

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
PROD_THRESHOLD = 0.01  # hello:api5xxRateThreshold's default; Pulumi.prod.yaml sets none
HEALTH_ROUTE = {"Resource": "/health", "Method": "GET"}  # chalicelib.contract.HEALTH_PATH
HEALTH_CHECKS_PER_MINUTE = 96.0


@pytest.fixture
def whole_prod() -> Stack:
    return cached("prod")


def release_alarm(stack: Stack, region: str) -> dict[str, Any]:
    return of_region(stack, ALARM, region, "-release-api-5xx")["state"]


def share(state: dict[str, Any], sums: Mapping[str, float | None]) -> float:
    """The alarm's returned value for one minute whose metrics summed to `sums` (an id absent
    from `sums` had no datapoint)."""
    queries = state["metricQueries"]
    values: dict[str, float | None] = {q["id"]: sums.get(q["id"]) for q in queries}
    for query in queries:
        if "expression" in query:
            values[query["id"]] = evaluate_math(query["expression"], values)
    (returned,) = [q["id"] for q in queries if q.get("returnData")]
    result = values[returned]
    assert result is not None
    return result


def breaches(state: dict[str, Any], sums: Mapping[str, float | None]) -> bool:
    assert state["comparisonOperator"] == "GreaterThanThreshold"
    return share(state, sums) > state["threshold"]


def test_each_regions_release_alarm_leaves_the_health_checks_out(whole_prod: Stack) -> None:
    for region in whole_prod.expected["regions"]:
        state = release_alarm(whole_prod, region)
        api = {"ApiName": regional_name(whole_prod, region), "Stage": "api"}
        assert "metricName" not in state and "statistic" not in state
        queries = {q["id"]: q for q in state["metricQueries"]}
        metrics = {k: q["metric"] for k, q in queries.items() if "metric" in q}
        assert {
            k: (m["namespace"], m["metricName"], m["dimensions"]) for k, m in metrics.items()
        } == {
            "requests": ("AWS/ApiGateway", "Count", api),
            "errors": ("AWS/ApiGateway", "5XXError", api),
            "health": ("AWS/ApiGateway", "Count", {**api, **HEALTH_ROUTE}),
            "healtherrors": ("AWS/ApiGateway", "5XXError", {**api, **HEALTH_ROUTE}),
        }, region
        # one-minute Sums: the share is computed, never an Average of a difference
        assert {(m["period"], m["stat"]) for m in metrics.values()} == {(60, "Sum")}
        assert {k: q["expression"] for k, q in queries.items() if "expression" in q} == {
            "usererrors": "FILL(errors, 0) - (FILL(healtherrors, 0))",
            "userrequests": "FILL(requests, 0) - (FILL(health, 0))",
            "bad": "IF(usererrors > 0, usererrors, 0)",
            "total": "IF(userrequests > 0, userrequests, 0)",
            "share": "IF(total > 0, bad / total, 0)",
        }
        assert [k for k, q in queries.items() if q.get("returnData")] == ["share"]
        # what stayed: the threshold, one breaching minute of one, nobody paged
        assert state["threshold"] == PROD_THRESHOLD
        assert (state["evaluationPeriods"], state["datapointsToAlarm"]) == (1, 1)
        assert state["treatMissingData"] == "notBreaching"
        assert "alarmActions" not in state or state["alarmActions"] == []
        alarm = of_region(whole_prod, ALARM, region, "-release-api-5xx")
        assert whole_prod.provider_region(alarm) == region


def test_the_api_name_is_each_regions_own(whole_prod: Stack) -> None:
    """API Gateway keys its metrics by ApiName and Stage: each region reads its own API."""
    names = {
        region: {
            q["metric"]["dimensions"]["ApiName"]
            for q in release_alarm(whole_prod, region)["metricQueries"]
            if "metric" in q
        }
        for region in whole_prod.expected["regions"]
    }
    apis = {
        region: of_region(whole_prod, "aws:apigateway/restApi:RestApi", region)["state"]["name"]
        for region in whole_prod.expected["regions"]
    }
    assert names == {region: {apis[region]} for region in apis}


def test_health_503s_alone_do_not_roll_a_release_back(whole_prod: Stack) -> None:
    """The second region has no users; its replica lost its quorum, so every health check got
    503. Read as the API's 5XX Average that is 96 / 96 = 100 %, a rollback of a good release;
    without the health checks there is no traffic, no failure."""
    second = whole_prod.expected["regions"][1]
    state = release_alarm(whole_prod, second)
    minute = {
        "requests": HEALTH_CHECKS_PER_MINUTE,
        "errors": HEALTH_CHECKS_PER_MINUTE,
        "health": HEALTH_CHECKS_PER_MINUTE,
        "healtherrors": HEALTH_CHECKS_PER_MINUTE,
    }
    assert minute["errors"] / minute["requests"] > PROD_THRESHOLD  # what the Average read
    assert share(state, minute) == 0 and not breaches(state, minute)
    # The first region, serving users cleanly while its health checks fail: no rollback either.
    first = release_alarm(whole_prod, whole_prod.expected["regions"][0])
    busy = {**minute, "requests": 1_000.0 + HEALTH_CHECKS_PER_MINUTE}
    assert busy["errors"] / busy["requests"] > PROD_THRESHOLD  # 8.8 % as an Average
    assert share(first, busy) == 0 and not breaches(first, busy)


def test_a_canarys_5xx_share_does_roll_back_where_health_checks_diluted_it(
    whole_prod: Stack,
) -> None:
    """The second region during its release: 5 requests reached the API besides the health
    checks, and the canary answered one of them 5XX (20 %). The Average over everything read
    1 / 101, under 1 %: the canary would have gone live. Without the checks: 20 %, rollback."""
    state = release_alarm(whole_prod, whole_prod.expected["regions"][1])
    minute = {
        "requests": 5.0 + HEALTH_CHECKS_PER_MINUTE,
        "errors": 1.0,
        "health": HEALTH_CHECKS_PER_MINUTE,
        "healtherrors": 0.0,
    }
    assert minute["errors"] / minute["requests"] < PROD_THRESHOLD  # diluted, as it was
    assert share(state, minute) == pytest.approx(0.2)
    assert breaches(state, minute)
    # Users' 5XX in the first region while health checks fail too: counted, and only theirs.
    first = release_alarm(whole_prod, whole_prod.expected["regions"][0])
    both = {
        "requests": 1_000.0 + HEALTH_CHECKS_PER_MINUTE,
        "errors": 20.0 + HEALTH_CHECKS_PER_MINUTE,
        "health": HEALTH_CHECKS_PER_MINUTE,
        "healtherrors": HEALTH_CHECKS_PER_MINUTE,
    }
    assert share(first, both) == pytest.approx(0.02) and breaches(first, both)
    # Exactly at the threshold is not above it (GreaterThanThreshold).
    at = {**both, "errors": 10.0 + HEALTH_CHECKS_PER_MINUTE}
    assert share(first, at) == pytest.approx(PROD_THRESHOLD) and not breaches(first, at)


def test_the_guards_stop_negative_counts_and_division_by_zero(whole_prod: Stack) -> None:
    """The health route's Sums landed in this minute, the API's in the next: the differences
    would go below zero; and a minute with no datapoint at all has no traffic."""
    state = release_alarm(whole_prod, whole_prod.expected["regions"][1])
    early = {"health": HEALTH_CHECKS_PER_MINUTE, "healtherrors": 3.0}
    assert share(state, early) == 0
    assert share(state, {"requests": 10.0, "errors": 0.0, **early}) == 0
    assert share(state, {}) == 0
    # API errors but no user requests left (all were health checks): no division by zero.
    only_health = {"requests": 96.0, "errors": 5.0, "health": 96.0, "healtherrors": 0.0}
    assert share(state, only_health) == 0


def test_dev_keeps_the_apis_plain_5xx_average() -> None:
    """One region, no health checks: the alarm reads what it read before two regions existed."""
    dev = cached("dev")
    state = dev.state(ALARM, "-release-api-5xx")
    assert "metricQueries" not in state
    assert (state["namespace"], state["metricName"], state["statistic"]) == (
        "AWS/ApiGateway",
        "5XXError",
        "Average",
    )
    assert state["dimensions"] == {"ApiName": "hello-dev", "Stage": "api"}
