"""Monitoring: every alarm, its metric wiring, thresholds per stage, and the topic it notifies."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import ROOT
from tests.infra.conftest import Stack

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
# The server SLI's window alarms (tests/infra/test_slo.py), which read 5XXError too.
SLO_WINDOWS = ("burn-1h-page-fast", "burn-5m-page-fast", "burn-6h-page-slow",
               "burn-30m-page-slow", "burn-1d-ticket", "burn-6h-ticket")  # fmt: skip


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
    ("release-api-5xx", "AWS/ApiGateway", "5XXError", "api", "Average"),
    ("api-latency-p99", "AWS/ApiGateway", "Latency", "api", "p99"),
    ("lambda-errors", "AWS/Lambda", "Errors", "alias", "Sum"),
    ("lambda-throttles", "AWS/Lambda", "Throttles", "function", "Sum"),
    ("dynamodb-read-throttles", "AWS/DynamoDB", "ReadThrottleEvents", "table", "Sum"),
    ("dynamodb-write-throttles", "AWS/DynamoDB", "WriteThrottleEvents", "table", "Sum"),
]


def behind_route53(stack: Stack) -> bool:
    """Two regions: each behind Route 53's health checks, which the release's 5XX share leaves
    out by metric math (tests/infra/test_release_alarms.py)."""
    return len(stack.expected["regions"]) > 1


@pytest.mark.parametrize(("key", "namespace", "metric", "dims", "statistic"), EXPECTED)
def test_alarm_watches_the_right_metric(
    stack: Stack, key: str, namespace: str, metric: str, dims: str, statistic: str
) -> None:
    state = alarm(stack, key)["state"]
    if key == "release-api-5xx" and behind_route53(stack):
        # a share by metric math, its queries: tests/infra/test_release_alarms.py
        assert "metricName" not in state and "metricQueries" in state
        return
    assert state["namespace"] == namespace
    assert state["metricName"] == metric
    assert state["dimensions"] == dimensions(stack)[dims]
    assert state.get("statistic", state.get("extendedStatistic")) == statistic
    assert f"docs/runbook.md#alarm-{key}" in state["alarmDescription"]


def test_every_regional_alarm_notifies_the_topic(stack: Stack) -> None:
    topic = stack.state("aws:sns/topic:Topic", "-alarms")["arn"]
    regional = [
        a
        for a in stack.all(ALARM)
        if f"{stack.name}-edge-" not in a["name"]
        and "-release-" not in a["name"]
        and "-slo-" not in a["name"]
    ]
    # The two release alarms page nobody (CodeDeploy acts on them), nor do the SLO's window
    # alarms (their composites do: test_slo.py). With backups, restore tests page too, on one
    # datapoint (tests/infra/test_restore_testing.py). 4 are hello_stack/limits.py's (stage
    # throttle, 429s, reserved and account concurrency; 3 in dev, whose stack file leaves the
    # account-wide alarm to prod).
    restore_tests = [
        a for a in regional if a["name"].endswith(("-restore-test-failed", "-restore-test-missing"))
    ]
    assert len(restore_tests) == (2 if stack.settings["backup_retention_days"] else 0)
    regional = [a for a in regional if a not in restore_tests]
    assert len(regional) == 7 + (4 if stack.settings["account_alarms"] else 3)
    for each in regional:
        assert each["state"]["alarmActions"] == [topic]
        assert each["state"]["okActions"] == [topic]
        assert each["state"]["treatMissingData"] == "notBreaching"
        assert (each["state"]["evaluationPeriods"], each["state"]["datapointsToAlarm"]) == (5, 3)
        assert stack.provider_region(each) == stack.expected["region"]


def test_thresholds_follow_the_stack_config(stack: Stack) -> None:
    assert alarm(stack, "release-api-5xx")["state"]["threshold"] == float(
        stack.settings["api_5xx_rate_threshold"]
    )
    assert alarm(stack, "api-latency-p99")["state"]["threshold"] == float(
        stack.settings["latency_p99_slo_ms"]
    )
    for key in ("lambda-throttles", "dynamodb-read-throttles", "dynamodb-write-throttles"):
        assert alarm(stack, key)["state"]["threshold"] == 0
        assert alarm(stack, key)["state"]["comparisonOperator"] == "GreaterThanThreshold"


def test_prod_is_stricter_than_dev(dev: Stack, prod: Stack) -> None:
    for key in ("release-api-5xx", "api-latency-p99"):
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


def test_the_symptom_alarms_the_burn_rate_alerts_replace_are_gone(stack: Stack) -> None:
    """api-5xx-rate and cdn-5xx-rate paged on a fixed share: the SLO's burn rates replace them
    (docs/slo.md). CloudFront keeps one alarm, on a cause: its request quota
    (hello_stack/limits.py), with the us-east-1 topic it needs."""
    keys = {a["state"]["alarmDescription"].rsplit("#alarm-", 1)[1] for a in stack.all(ALARM)}
    assert not keys & {"api-5xx-rate", "cdn-5xx-rate"}
    cloudfront = [a for a in stack.all(ALARM) if a["state"].get("namespace") == "AWS/CloudFront"]
    assert [a["state"]["metricName"] for a in cloudfront] == ["Requests"]
    api_5xx = [
        a
        for a in stack.all(ALARM)
        if a["state"].get("metricName") == "5XXError"
        or any(
            q.get("metric", {}).get("metricName") == "5XXError"
            for q in a["state"].get("metricQueries", [])
        )
    ]
    assert {a["name"] for a in api_5xx} - {
        f"hello-{stack.name}-slo-server-{w}" for w in SLO_WINDOWS
    } == {f"hello-{stack.name}-release-api-5xx"}
    release_5xx = alarm(stack, "release-api-5xx")["state"]  # the release still watches 5XX
    assert (release_5xx["evaluationPeriods"], release_5xx["datapointsToAlarm"]) == (1, 1)
    assert sorted(stack.provider_region(t) for t in stack.all("aws:sns/topic:Topic")) == sorted(
        [stack.expected["region"]] * 2 + ["us-east-1"]
    )  # pages and tickets; pages at the edge


def subscriptions(stack: Stack) -> set[tuple[str, str, str]]:
    return {
        (s["state"]["topic"], s["state"]["protocol"], s["state"]["endpoint"])
        for s in stack.all("aws:sns/topicSubscription:TopicSubscription")
    }


def test_pages_and_tickets_reach_exactly_their_own_subscribers(
    dev: Stack, prod: Stack, stack_with_extras: Stack
) -> None:
    assert subscriptions(dev) == set()  # dev pages nobody, by its config
    pages = prod.state("aws:sns/topic:Topic", "-alarms")["arn"]
    edge = prod.state("aws:sns/topic:Topic", "-edge-alarms")["arn"]
    tickets = prod.state("aws:sns/topic:Topic", "-tickets")["arn"]
    assert subscriptions(prod) == {
        (pages, "email", "oncall@example.com"),
        (edge, "email", "oncall@example.com"),  # both page topics reach the same people
        (tickets, "email", "tickets@example.com"),
    }
    pages = stack_with_extras.state("aws:sns/topic:Topic", "-alarms")["arn"]
    edge = stack_with_extras.state("aws:sns/topic:Topic", "-edge-alarms")["arn"]
    tickets = stack_with_extras.state("aws:sns/topic:Topic", "-tickets")["arn"]
    webhook = "https://events.example.com/integration/abc/enqueue"
    expected = {
        (pages, "email", "oncall@example.com"),
        (pages, "https", webhook),
        (edge, "email", "oncall@example.com"),
        (edge, "https", webhook),
        (tickets, "https", "https://tracker.example.com/hooks/tickets"),
    }
    if stack_with_extras.name == "prod":
        expected.add((tickets, "email", "tickets@example.com"))
    assert subscriptions(stack_with_extras) == expected
    for hook in stack_with_extras.all("aws:sns/topicSubscription:TopicSubscription"):
        if hook["state"]["protocol"] == "https":
            assert hook["state"]["endpointAutoConfirms"] is True


def test_dashboard_graphs_every_alarm_with_its_threshold_in_its_region(stack: Stack) -> None:
    body = json.loads(stack.state("aws:cloudwatch/dashboard:Dashboard")["dashboardBody"])
    slo_widgets = 5  # first: each SLI's budget left and burn rate, the checks' latency
    # The first region's panel and the edge's (each further region's: tests/infra/test_regions.py)
    graphs = {
        w["properties"]["annotations"]["horizontal"][0]["label"]: w
        for w in body["widgets"][slo_widgets:]
        if w["properties"]["region"] in (stack.expected["region"], "us-east-1")
    }
    alarms = [a for a in stack.all(ALARM) if "-slo-" not in a["name"]]
    # 9: the paging and release alarms; hello_stack/limits.py's (5: stage throttle, 429s,
    # reserved and account concurrency, CloudFront requests; 4 in dev, whose file leaves the
    # account-wide one to prod); the restore tests' where backups are on.
    limit_alarms = 5 if stack.settings["account_alarms"] else 4
    restore_tests = 2 if stack.settings["backup_retention_days"] else 0  # failed, missing
    # With two regions, the edge's alarm on each region's Route 53 health check.
    failover = 2 if len(stack.expected["regions"]) == 2 else 0
    expected = 9 + limit_alarms + restore_tests + failover
    assert len(graphs) == len(alarms) == expected
    # each further region: its own paging and release alarms and its regional limits (not
    # CloudFront's, which is the edge's)
    assert len(body["widgets"]) - slo_widgets == expected + (len(stack.expected["regions"]) - 1) * (
        9 + limit_alarms - 1
    )
    for each in alarms:
        key = each["state"]["alarmDescription"].rsplit("#alarm-", 1)[1]
        graph = graphs[key]["properties"]
        assert graph["annotations"]["horizontal"][0]["value"] == each["state"]["threshold"]
        assert graph["region"] == stack.provider_region(each)
        if key == "release-api-5xx" and behind_route53(stack):
            # the share's metrics hidden, the share drawn: the alarm's own queries
            queries = {q["id"]: q for q in each["state"]["metricQueries"]}
            hidden = {line[-1]["id"] for line in graph["metrics"][:-1]}
            assert hidden == set(queries) - {"share"}
            assert graph["metrics"][-1] == [
                {"expression": queries["share"]["expression"], "id": "share"}
            ]
            continue
        lines = {(line[0], line[1]) for line in graph["metrics"]}
        if "metricQueries" in each["state"]:
            assert len(graph["metrics"]) == 3  # one line per DynamoDB operation
        else:
            assert lines == {(each["state"]["namespace"], each["state"]["metricName"])}


def test_storage_misconfiguration_is_counted_from_the_functions_logs_and_pages(
    stack: Stack,
) -> None:
    from chalicelib.contract import STORAGE_MISCONFIGURED_EVENT

    metric_filter = stack.state(
        "aws:cloudwatch/logMetricFilter:LogMetricFilter", "-storage-misconfigured"
    )
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


def test_the_runbook_has_an_entry_for_every_alarm_and_no_other(
    dev: Stack, prod: Stack, stack_with_extras: Stack
) -> None:
    """Every alarm's description links its runbook entry, and every entry is an alarm some stack
    makes: an entry left behind by a removed alarm would send the on-call reading the wrong page."""
    doc = (ROOT / "docs" / "runbook.md").read_text()
    entries = set(re.findall(r"^### alarm-([\w-]+)$", doc, flags=re.MULTILINE))
    linked = set()
    for stack in (dev, prod, stack_with_extras):
        for token in (ALARM, "aws:cloudwatch/compositeAlarm:CompositeAlarm"):
            for each in stack.all(token):
                found = re.search(
                    r"docs/runbook\.md#alarm-([\w-]+)", each["state"]["alarmDescription"]
                )
                assert found, each["name"]
                linked.add(found.group(1))
    assert entries == linked
