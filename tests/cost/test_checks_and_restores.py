"""What the synthetic checks and restore tests cost, against sums worked out by hand from the
price list (cost/prices.py, us-east-1) and from what they are: a scheduled Lambda function per
check location running one cycle a minute (docs/slo.md, "The synthetic checks"), and a daily
AWS Backup restore test of the table with a validator function (docs/restore.md)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from cost import graph, model
from cost.usage import CheckLocation
from synthetics import handler
from tests.cost.test_model import DEV_LIKE, PROD_LIKE

# Once a minute for AWS's 730-hour month.
RUNS = 730 * 60
TWO_LOCATIONS = (
    CheckLocation("us-east-1", RUNS, 128, "arm64"),
    CheckLocation("us-west-2", RUNS, 128, "arm64"),
)
CHECKED = dataclasses.replace(PROD_LIKE, checks=TWO_LOCATIONS)


@pytest.mark.parametrize(
    ("expression", "runs"),
    [
        ("rate(1 minute)", 43_800),
        ("rate(5 minutes)", 8_760),
        ("rate(1 hour)", 730),
        ("rate(2 days)", 730 / 48),
        ("cron(0 6 ? * * *)", 730 / 24),  # daily
        ("cron(0,30 6,18 * * ? *)", 4 * 730 / 24),  # four times a day
    ],
)
def test_schedules_are_counted_in_runs_a_month(expression: str, runs: float) -> None:
    assert graph.runs_per_month(expression) == pytest.approx(runs)


@pytest.mark.parametrize(
    "expression", ["cron(0 6 ? * MON *)", "cron(0/5 * * * ? *)", "at(2026-12-02T06:00:00)", ""]
)
def test_a_schedule_the_model_cannot_count_is_refused(expression: str) -> None:
    with pytest.raises(ValueError, match="cannot count the runs"):
        graph.runs_per_month(expression)


def test_a_cycle_is_four_requests_and_publishes_five_metrics() -> None:
    # docs/slo.md: GET the known user, then PUT, GET, DELETE the own user; CheckRequests,
    # CheckFailures, CheckServerErrors, CheckLatency and CheckApiRequests (the answers API
    # Gateway gave), per Location.
    assert [method for _, method, *_ in model.check_steps()] == ["GET", "PUT", "GET", "DELETE"]
    assert model.check_metrics_per_location() == 5


def test_a_check_location_month_by_hand() -> None:
    # 43,800 invocations at $0.20/M; 43,800 x 1.5 s x 0.125 GB at $0.0000133334 (arm64);
    # 43,800 PutMetricData calls at $0.01 per 1,000; 5 custom metrics at $0.30; 43,800 x 700
    # bytes of logs at $0.50/GB ingested, kept 90 days at $0.03 per GB-month.
    log_gb = 43_800 * 700 / 1e9
    expected = (
        43_800 * 0.20 / 1e6
        + 43_800 * 1.5 * 0.125 * 0.0000133334
        + 43_800 * 0.01 / 1000
        + 5 * 0.30
        + log_gb * (0.50 + 90 / 30.4 * 0.03)
    )
    assert model.check_location_month(CHECKED, TWO_LOCATIONS[0]) == pytest.approx(expected)
    assert model.synthetic_checks(CHECKED) == pytest.approx(2 * expected)
    assert model.synthetic_checks(PROD_LIKE) == 0


def test_the_checks_requests_pass_through_every_service() -> None:
    # 2 locations x 43,800 cycles x 4 requests = 350,400 requests a month.
    checks = 2 * 43_800 * 4
    assert model.check_requests(CHECKED) == checks
    plain, checked = model.serverless(PROD_LIKE, 1e6), model.serverless(CHECKED, 1e6)
    assert checked["api_gateway"] == pytest.approx((1e6 + checks) * 3.50 / 1e6)
    assert checked["waf"] - plain["waf"] == pytest.approx(checks * 0.60 / 1e6)
    # Each cycle: two strongly consistent GETs (1 read unit each), a PUT and a DELETE (1 write
    # unit each).
    table = 2 * 43_800 * (2 * 0.125 + 2 * 0.625) / 1e6
    assert checked["dynamodb"] - plain["dynamodb"] == pytest.approx(table)
    # From us-east-1 and us-west-2, served by North American edges even under PriceClass_All:
    # $0.0100 per 10,000 requests, 500 bytes out at $0.085/GB, 700 bytes in at $0.020/GB.
    edge = checks * (0.01 / 10_000 + 500 / 1e9 * 0.085 + 700 / 1e9 * 0.020)
    assert checked["cloudfront"] - plain["cloudfront"] == pytest.approx(edge)
    assert checked["xray"] > plain["xray"]
    assert checked["logs"] > plain["logs"]
    # The always-on design serves them too, from the same edges and table.
    steady_plain, steady = model.always_on(PROD_LIKE, 1e6), model.always_on(CHECKED, 1e6)
    assert steady["cloudfront"] - steady_plain["cloudfront"] == pytest.approx(edge)
    assert steady["synthetic_checks"] == checked["synthetic_checks"] > 0


@pytest.mark.parametrize(
    ("location", "price_class", "edge"),
    [
        ("us-east-1", "PriceClass_All", "north_america_europe"),
        ("eu-central-1", "PriceClass_100", "north_america_europe"),
        ("ap-southeast-2", "PriceClass_200", "asia_pacific"),
        ("ap-southeast-2", "PriceClass_100", "north_america_europe"),  # its edges excluded
        ("sa-east-1", "PriceClass_All", "south_america"),
        ("me-south-1", "PriceClass_All", "south_america"),  # unknown: the dearest modelled
        ("me-south-1", "PriceClass_100", "north_america_europe"),
    ],
)
def test_a_check_location_is_served_by_its_own_edges(
    location: str, price_class: str, edge: str
) -> None:
    assert model.check_edge(location, price_class) == edge


def test_restore_tests_by_hand() -> None:
    # Daily: 730 / 24 = 30.42 tests a month. Each: AWS Backup restores the 0.2 GB table at
    # $0.15/GB; the copy is stored for its 24-hour validation window at $0.25 per GB-month; one
    # validator invocation ($0.20/M) of 30 s at 128 MB (arm64, $0.0000133334 per GB-s) whose
    # COUNT scan reads 0.2 GB / 4 KB read units at $0.125/M.
    tests = 730 / 24
    usage = dataclasses.replace(
        PROD_LIKE,
        restore_tests_per_month=tests,
        restore_validation_hours=24,
        validator_memory_mb=128,
        validator_architecture="arm64",
    )
    per_test = (
        0.2 * 0.15
        + 0.2 * 0.25 * 24 / 730
        + 0.20 / 1e6
        + 30 * 0.125 * 0.0000133334
        + 0.2e9 / 4096 * 0.125 / 1e6
    )
    assert model.restore_tests(usage) == pytest.approx(tests * per_test)
    assert model.serverless(usage, 1e6)["restore_tests"] == pytest.approx(tests * per_test)
    assert model.restore_tests(DEV_LIKE) == 0


def alarm(**state: Any) -> dict[str, Any]:
    return {"type": graph.METRIC_ALARM, "name": "a", "state": state}


def test_an_alarm_reads_one_metric_or_each_metric_of_its_expression() -> None:
    assert graph.metrics_read(alarm(metricName="Errors", period=60)) == 1
    queries = [
        {"id": "m0", "metric": {"metricName": "SystemErrors", "period": 60}},
        {"id": "m1", "metric": {"metricName": "SystemErrors", "period": 60}},
        {"id": "total", "expression": "m0 + m1"},  # an expression is not a metric
    ]
    assert graph.metrics_read(alarm(metricQueries=queries)) == 2
    assert graph.alarm_periods(alarm(metricQueries=queries)) == [60, 60]


def test_only_functions_on_a_schedule_are_scheduled() -> None:
    function = {
        "type": graph.FUNCTION,
        "name": "checks",
        "state": {"arn": "fn", "handler": "h.handler", "environment": {"variables": {"A": "b"}}},
    }
    rules = [
        {
            "type": graph.EVENT_RULE,
            "name": "r",
            "state": {"name": "every", "scheduleExpression": "rate(1 minute)"},
        },
        {"type": graph.EVENT_RULE, "name": "e", "state": {"name": "events", "eventPattern": "{}"}},
    ]
    targets = [
        {"type": graph.EVENT_TARGET, "name": "t", "state": {"rule": "every", "arn": "fn"}},
        {"type": graph.EVENT_TARGET, "name": "u", "state": {"rule": "events", "arn": "fn"}},
    ]
    (found,) = graph.scheduled_functions((function, *rules, *targets))
    # Lambda's defaults where the function sets none: 128 MB, x86_64.
    assert found == graph.ScheduledFunction(
        "checks", "h.handler", 128, "x86_64", 43_800, {"A": "b"}
    )


class FakeCloudWatch:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def put_metric_data(self, **request: Any) -> None:
        self.calls.append(request)


def test_the_models_cycle_is_what_the_checks_function_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real handler, its HTTP calls and CloudWatch client replaced: the requests it sends
    and the PutMetricData calls it makes in one invocation are what the model prices."""
    import boto3

    sent: list[tuple[str, str]] = []

    def send(base_url: str, method: str, path: str, *rest: Any) -> tuple[int, bytes]:
        sent.append((method, path))
        user = path.rsplit("/", 1)[1]
        if method == "GET":
            return 200, json.dumps(
                {"message": f"Hello, {user}! Your birthday is in 5 day(s)"}
            ).encode()
        return 204, b""

    cloudwatch = FakeCloudWatch()
    monkeypatch.setattr(handler, "call", send)
    monkeypatch.setattr(boto3, "client", lambda *args, **kwargs: cloudwatch)
    monkeypatch.setattr(handler, "_seeded", {"https://example.cloudfront.net"})  # seeded before
    for name, value in {
        handler.PUBLIC_URL_ENV: "https://example.cloudfront.net",
        handler.LOCATION_ENV: "us-east-1",
        handler.NAMESPACE_ENV: "hello/test",
        handler.METRIC_REGION_ENV: "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    handler.handler({}, None)
    assert len(sent) == len(model.check_steps())
    assert [method for method, _ in sent] == [m for _, m, *_ in model.check_steps()]
    assert len(cloudwatch.calls) == model.PUT_METRIC_DATA_CALLS_PER_CYCLE
    names = {datum["MetricName"] for datum in cloudwatch.calls[0]["MetricData"]}
    assert len(names) == model.check_metrics_per_location()
