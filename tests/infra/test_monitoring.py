"""Monitoring: every alarm, its metric wiring, thresholds per stage, and the topic it notifies."""

from __future__ import annotations

import json

import pytest

from tests.infra.conftest import Stack

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def alarm(stack: Stack, key: str) -> dict:
    return stack.one(ALARM, f"-{key}")


def dimensions(stack: Stack) -> dict[str, dict[str, str]]:
    function = stack.state("aws:lambda/function:Function")["name"]
    return {
        "api": {"ApiName": stack.state("aws:apigateway/restApi:RestApi")["name"], "Stage": "api"},
        "alias": {"FunctionName": function, "Resource": f"{function}:live"},
        "function": {"FunctionName": function},
        "table": {"TableName": stack.state("aws:dynamodb/table:Table")["name"]},
    }


EXPECTED = [
    # key, namespace, metric, dimensions, statistic
    ("api-5xx-rate", "AWS/ApiGateway", "5XXError", "api", "Average"),
    ("api-latency-p99", "AWS/ApiGateway", "Latency", "api", "p99"),
    ("lambda-errors", "AWS/Lambda", "Errors", "alias", "Sum"),
    ("lambda-throttles", "AWS/Lambda", "Throttles", "function", "Sum"),
    ("dynamodb-read-throttles", "AWS/DynamoDB", "ReadThrottleEvents", "table", "Sum"),
    ("dynamodb-write-throttles", "AWS/DynamoDB", "WriteThrottleEvents", "table", "Sum"),
]


@pytest.mark.parametrize(("key", "namespace", "metric", "dims", "statistic"), EXPECTED)
def test_alarm_watches_the_right_metric(
    stack: Stack, key: str, namespace: str, metric: str, dims: str, statistic: str
) -> None:
    state = alarm(stack, key)["state"]
    assert state["namespace"] == namespace
    assert state["metricName"] == metric
    assert state["dimensions"] == dimensions(stack)[dims]
    assert state.get("statistic", state.get("extendedStatistic")) == statistic
    assert f"docs/architecture.md#alarm-{key}" in state["alarmDescription"]


def test_every_regional_alarm_notifies_the_topic(stack: Stack) -> None:
    topic = stack.state("aws:sns/topic:Topic", "-alarms")["arn"]
    regional = [a for a in stack.all(ALARM) if not a["name"].endswith("-cdn-5xx-rate")]
    assert len(regional) == 7
    for each in regional:
        assert each["state"]["alarmActions"] == [topic]
        assert each["state"]["okActions"] == [topic]
        assert each["state"]["treatMissingData"] == "notBreaching"
        assert each["provider"] == ""  # the stack's region


def test_thresholds_follow_the_stack_config(stack: Stack) -> None:
    assert alarm(stack, "api-5xx-rate")["state"]["threshold"] == float(
        stack.setting("api5xxRateThreshold")
    )
    assert alarm(stack, "api-latency-p99")["state"]["threshold"] == float(
        stack.setting("latencyP99SloMs")
    )
    for key in ("lambda-throttles", "dynamodb-read-throttles", "dynamodb-write-throttles"):
        assert alarm(stack, key)["state"]["threshold"] == 0
        assert alarm(stack, key)["state"]["comparisonOperator"] == "GreaterThanThreshold"


def test_prod_is_stricter_than_dev(dev: Stack, prod: Stack) -> None:
    for key in ("api-5xx-rate", "api-latency-p99"):
        assert alarm(prod, key)["state"]["threshold"] < alarm(dev, key)["state"]["threshold"]


def test_dynamodb_system_errors_sum_every_operation_the_app_uses(stack: Stack) -> None:
    state = alarm(stack, "dynamodb-system-errors")["state"]
    queries = {q["id"]: q for q in state["metricQueries"]}
    table = dimensions(stack)["table"]["TableName"]
    operations = sorted(
        q["metric"]["dimensions"]["Operation"] for q in queries.values() if "metric" in q
    )
    assert operations == ["DeleteItem", "GetItem", "PutItem"]
    for query in queries.values():
        if "metric" in query:
            assert query["metric"]["metricName"] == "SystemErrors"
            assert query["metric"]["dimensions"]["TableName"] == table
    assert queries["errors"]["expression"] == "SUM(FILL(METRICS(), 0))"
    assert queries["errors"]["returnData"] is True


def test_cloudfront_alarm_lives_in_us_east_1_with_its_own_topic(stack: Stack) -> None:
    cdn_alarm = alarm(stack, "cdn-5xx-rate")
    provider = stack.one("pulumi:providers:aws")
    edge_topic = stack.one("aws:sns/topic:Topic", "-edge-alarms")
    assert cdn_alarm["provider"].startswith(provider["urn"])
    assert edge_topic["provider"].startswith(provider["urn"])
    assert cdn_alarm["state"]["alarmActions"] == [edge_topic["state"]["arn"]]
    assert cdn_alarm["state"]["namespace"] == "AWS/CloudFront"
    assert cdn_alarm["state"]["metricName"] == "5xxErrorRate"
    assert cdn_alarm["state"]["dimensions"] == {
        "DistributionId": stack.one("aws:cloudfront/distribution:Distribution")["id"],
        "Region": "Global",
    }


def test_email_subscriptions_only_when_configured(stack: Stack, stack_with_extras: Stack) -> None:
    assert stack.all("aws:sns/topicSubscription:TopicSubscription") == []
    subscriptions = stack_with_extras.all("aws:sns/topicSubscription:TopicSubscription")
    topics = {t["state"]["arn"] for t in stack_with_extras.all("aws:sns/topic:Topic")}
    assert {s["state"]["topic"] for s in subscriptions} == topics
    for subscription in subscriptions:
        assert subscription["state"]["protocol"] == "email"
        assert subscription["state"]["endpoint"] == "oncall@example.com"


def test_dashboard_shows_the_same_signals(stack: Stack) -> None:
    body = json.loads(stack.state("aws:cloudwatch/dashboard:Dashboard")["dashboardBody"])
    metrics = {
        (line[0], line[1]) for widget in body["widgets"] for line in widget["properties"]["metrics"]
    }
    for _, namespace, metric, _, _ in EXPECTED:
        assert (namespace, metric) in metrics
    assert ("AWS/DynamoDB", "SystemErrors") in metrics
    assert ("AWS/CloudFront", "5xxErrorRate") in metrics
