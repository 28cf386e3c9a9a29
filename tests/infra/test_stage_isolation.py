"""dev and prod in one account (docs/bootstrap.md's default layout) must not see each other.

CloudWatch identifies a metric by namespace, name and dimensions, nothing else
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Metric):
two stacks whose alarms name the same triple watch the same traffic. API Gateway publishes REST
metrics with the dimensions ApiName and Stage only
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html),
so two APIs of one name share them; a metric filter's dimensions must be fields of the log event
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringPolicyExamples.html), so a
log metric is kept apart by its namespace. Both stacks are evaluated with the real stack files.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.infra.conftest import Stack

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
METRIC_FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
# Names that are unique only inside their parent, never across an account: an alias within its
# function, a rule's target within its rule, a REST stage within its API.
SCOPED_NAMES = {
    "aws:lambda/alias:Alias": "name",
    "aws:apigateway/stage:Stage": "stageName",
}
# State properties that hold a name AWS keeps unique per account and region (or globally).
NAME_PROPERTIES = ("name", "dashboardName", "deploymentGroupName", "appName", "layerName")

Metric = tuple[str, str, frozenset[tuple[str, str]]]


def watched(alarm: dict[str, Any]) -> Iterator[Metric]:
    """Every metric an alarm reads: its own, or each one in its metric math."""
    state = alarm["state"]
    queries = state.get("metricQueries") or [
        {"metric": {**state, "metricName": state["metricName"]}}
    ]
    for query in queries:
        if metric := query.get("metric"):
            dimensions = frozenset((metric.get("dimensions") or {}).items())
            yield metric["namespace"], metric["metricName"], dimensions


def metrics_watched(stack: Stack) -> set[Metric]:
    return {metric for alarm in stack.all(ALARM) for metric in watched(alarm)}


def log_metrics(stack: Stack) -> set[tuple[str, str]]:
    return {
        (
            f["state"]["metricTransformation"]["namespace"],
            f["state"]["metricTransformation"]["name"],
        )
        for f in stack.all(METRIC_FILTER)
    }


def physical_names(stack: Stack) -> set[tuple[str, str, str]]:
    """(type, property, value) for every name a custom resource holds, parent-scoped ones aside."""
    names = set()
    for resource in stack.resources:
        if not resource["custom"] or resource["type"].startswith("pulumi:providers:"):
            continue
        for key in NAME_PROPERTIES:
            value = resource["state"].get(key)
            if isinstance(value, str) and SCOPED_NAMES.get(resource["type"]) != key:
                names.add((resource["type"], key, value))
    return names


def test_every_alarm_watches_metrics_of_its_own_stack_only(dev: Stack, prod: Stack) -> None:
    shared = metrics_watched(dev) & metrics_watched(prod)
    assert shared == set(), f"dev and prod alarm on the same metrics: {sorted(shared)}"


def test_the_api_alarms_name_the_stacks_own_api(dev: Stack, prod: Stack) -> None:
    for stack in (dev, prod):
        (api,) = stack.all("aws:apigateway/restApi:RestApi")
        api_metrics = {m for m in metrics_watched(stack) if m[0] == "AWS/ApiGateway"}
        assert api_metrics, "the stack has API alarms"
        assert {dict(m[2])["ApiName"] for m in api_metrics} == {api["state"]["name"]}
        assert api["state"]["name"] == f"hello-{stack.name}"


def test_log_metrics_are_counted_in_a_namespace_of_the_stacks_own(dev: Stack, prod: Stack) -> None:
    assert log_metrics(dev) and log_metrics(prod)
    assert log_metrics(dev) & log_metrics(prod) == set()
    for stack in (dev, prod):
        assert {namespace for namespace, _ in log_metrics(stack)} == {f"hello/{stack.name}"}


def test_no_physical_name_is_shared_between_the_stacks(dev: Stack, prod: Stack) -> None:
    dev_names = {(kind, value) for kind, _, value in physical_names(dev)}
    prod_names = {(kind, value) for kind, _, value in physical_names(prod)}
    assert dev_names and prod_names
    assert dev_names & prod_names == set()


def test_names_scoped_to_a_parent_are_the_only_ones_left_out(dev: Stack) -> None:
    """The exemption is exact: the alias is `live` and the stage `api` in every stack."""
    assert dev.state("aws:lambda/alias:Alias")["name"] == "live"
    assert dev.state("aws:apigateway/stage:Stage")["stageName"] == "api"
