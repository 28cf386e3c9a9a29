"""Monitoring: every alarm, its metric wiring, thresholds per stage, and the topic it notifies."""

from __future__ import annotations

import json

import pytest

from tests.infra.conftest import Stack

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def alarm(stack: Stack, key: str) -> dict:
    return stack.one(ALARM, f"-{key}")


def dimensions(stack: Stack) -> dict[str, dict[str, str]]:
    function = stack.state("aws:lambda/function:Function", "-api_handler")["name"]
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
    regional = [
        a
        for a in stack.all(ALARM)
        if not a["name"].endswith("-cdn-5xx-rate") and "-release-" not in a["name"]
    ]
    assert len(regional) == 8  # the two release alarms page nobody: CodeDeploy acts on them
    for each in regional:
        assert each["state"]["alarmActions"] == [topic]
        assert each["state"]["okActions"] == [topic]
        assert each["state"]["treatMissingData"] == "notBreaching"
        assert (each["state"]["evaluationPeriods"], each["state"]["datapointsToAlarm"]) == (5, 3)
        assert stack.provider_region(each) == stack.settings["region"]


def test_thresholds_follow_the_stack_config(stack: Stack) -> None:
    assert alarm(stack, "api-5xx-rate")["state"]["threshold"] == float(
        stack.settings["api_5xx_rate_threshold"]
    )
    assert alarm(stack, "api-latency-p99")["state"]["threshold"] == float(
        stack.settings["latency_p99_slo_ms"]
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
    assert "metricName" not in state and "namespace" not in state
    table = dimensions(stack)["table"]["TableName"]
    operations = sorted(
        q["metric"]["dimensions"]["Operation"] for q in queries.values() if "metric" in q
    )
    assert operations == ["DeleteItem", "GetItem", "PutItem"]
    for query in queries.values():
        if "metric" in query:
            assert query["metric"]["metricName"] == "SystemErrors"
            assert query["metric"]["dimensions"]["TableName"] == table
    assert queries["total"]["expression"] == "SUM(FILL(METRICS(), 0))"
    assert queries["total"]["returnData"] is True
    assert [q.get("returnData") for q in queries.values()].count(True) == 1


def test_cloudfront_alarm_lives_in_us_east_1_with_its_own_topic(stack: Stack) -> None:
    cdn_alarm = alarm(stack, "edge-cdn-5xx-rate")
    edge_topic = stack.one("aws:sns/topic:Topic", "-edge-alarms")
    assert stack.provider_region(cdn_alarm) == "us-east-1"
    assert stack.provider_region(edge_topic) == "us-east-1"
    assert cdn_alarm["state"]["threshold"] == stack.settings["cdn_5xx_rate_percent"]
    assert cdn_alarm["state"]["alarmActions"] == [edge_topic["state"]["arn"]]
    assert cdn_alarm["state"]["namespace"] == "AWS/CloudFront"
    assert cdn_alarm["state"]["metricName"] == "5xxErrorRate"
    assert cdn_alarm["state"]["dimensions"] == {
        "DistributionId": stack.one("aws:cloudfront/distribution:Distribution")["id"],
        "Region": "Global",
    }


def subscriptions(stack: Stack) -> set[tuple[str, str, str]]:
    return {
        (s["state"]["topic"], s["state"]["protocol"], s["state"]["endpoint"])
        for s in stack.all("aws:sns/topicSubscription:TopicSubscription")
    }


def test_subscribers_are_exactly_the_configured_ones_on_every_topic(
    dev: Stack, prod: Stack, stack_with_extras: Stack
) -> None:
    assert subscriptions(dev) == set()  # dev pages nobody, by its config
    prod_topics = {t["state"]["arn"] for t in prod.all("aws:sns/topic:Topic")}
    assert subscriptions(prod) == {(t, "email", "oncall@example.com") for t in prod_topics}
    topics = {t["state"]["arn"] for t in stack_with_extras.all("aws:sns/topic:Topic")}
    webhook = "https://events.example.com/integration/abc/enqueue"
    assert subscriptions(stack_with_extras) == {
        (t, protocol, endpoint)
        for t in topics
        for protocol, endpoint in (("email", "oncall@example.com"), ("https", webhook))
    }
    for hook in stack_with_extras.all("aws:sns/topicSubscription:TopicSubscription"):
        if hook["state"]["protocol"] == "https":
            assert hook["state"]["endpointAutoConfirms"] is True


def test_dashboard_graphs_every_alarm_with_its_threshold_in_its_region(stack: Stack) -> None:
    body = json.loads(stack.state("aws:cloudwatch/dashboard:Dashboard")["dashboardBody"])
    graphs = {w["properties"]["annotations"]["horizontal"][0]["label"]: w for w in body["widgets"]}
    assert len(graphs) == len(stack.all(ALARM)) == 11
    for each in stack.all(ALARM):
        key = each["state"]["alarmDescription"].rsplit("#alarm-", 1)[1]
        graph = graphs[key]["properties"]
        assert graph["annotations"]["horizontal"][0]["value"] == each["state"]["threshold"]
        assert graph["region"] == stack.provider_region(each)
        lines = {(line[0], line[1]) for line in graph["metrics"]}
        if "metricQueries" in each["state"]:
            assert len(graph["metrics"]) == 3  # one line per DynamoDB operation
        else:
            assert lines == {(each["state"]["namespace"], each["state"]["metricName"])}


def test_storage_misconfiguration_is_counted_from_the_functions_logs_and_pages(
    stack: Stack,
) -> None:
    from chalicelib.contract import STORAGE_MISCONFIGURED_EVENT

    metric_filter = stack.state("aws:cloudwatch/logMetricFilter:LogMetricFilter")
    function_logs = stack.state("aws:cloudwatch/logGroup:LogGroup", "-api_handler-log-group")
    assert metric_filter["logGroupName"] == function_logs["name"]
    assert metric_filter["pattern"] == f'{{ $.event = "{STORAGE_MISCONFIGURED_EVENT}" }}'
    transformation = metric_filter["metricTransformation"]
    assert (transformation["value"], transformation["unit"]) == ("1", "Count")
    state = alarm(stack, "storage-misconfigured")["state"]
    assert (state["namespace"], state["metricName"]) == (
        transformation["namespace"],
        transformation["name"],
    )
    assert state["dimensions"] == {}
    assert (state["statistic"], state["threshold"]) == ("Sum", 0)
    assert state["comparisonOperator"] == "GreaterThanThreshold"
    topic = stack.state("aws:sns/topic:Topic", "-alarms")["arn"]
    assert state["alarmActions"] == [topic]
