"""The availability SLO as each stack file builds it: every burn-rate alarm's metric math,
window and threshold, the composites that page or file a ticket, CloudWatch's limits, the
dashboard's budget and burn rates, and the `slo` output the release gate reads.

Expected values come from the specification (docs/slo.md, Google's SRE Workbook table), not
from hello_stack/slo.py."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.infra.conftest import Stack

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
# The SRE Workbook's windows and burn rates ("Alerting on SLOs", section 6), the ticket's
# 3-day window adapted to 1 day (docs/slo.md, "The adapted window"):
# key: (severity, period in seconds, burn-rate threshold)
WINDOWS = {
    "burn-1h-14.4x": ("page", 3_600, 14.4),
    "burn-5m-14.4x": ("page", 300, 14.4),
    "burn-6h-6x": ("page", 21_600, 6.0),
    "burn-30m-6x": ("page", 1_800, 6.0),
    "burn-1d-1x": ("ticket", 86_400, 1.0),
    "burn-6h-1x": ("ticket", 21_600, 1.0),
}
# 1 - objective: prod 99.9 %, dev 99 % (the stack files).
BUDGET = {"prod": "0.001", "dev": "0.01"}
LOCATIONS = {"prod": ["us-east-1", "us-west-2"], "dev": ["us-east-1"]}
SLIS = ("server", "client")


def window_alarm(stack: Stack, sli: str, key: str) -> dict[str, Any]:
    return stack.one(ALARM, f"-slo-{sli}-{key}")["state"]


def queries(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {q["id"]: q for q in state["metricQueries"]}


def expected_metrics(stack: Stack, sli: str) -> dict[str, tuple[str, str, dict[str, str]]]:
    """{id: (namespace, metric, dimensions)} every Sum the SLI reads."""
    namespace = f"hello/{stack.name}"
    api = {"ApiName": f"hello-{stack.name}", "Stage": "api"}
    where = [{"Location": location} for location in LOCATIONS[stack.name]]
    if sli == "server":
        return {
            "requests": ("AWS/ApiGateway", "Count", api),
            "errors": ("AWS/ApiGateway", "5XXError", api),
            **{f"checks{i}": (namespace, "CheckRequests", d) for i, d in enumerate(where)},
            **{f"checkerrors{i}": (namespace, "CheckServerErrors", d) for i, d in enumerate(where)},
        }
    return {
        **{f"checks{i}": (namespace, "CheckRequests", d) for i, d in enumerate(where)},
        **{f"failures{i}": (namespace, "CheckFailures", d) for i, d in enumerate(where)},
    }


def expected_expressions(stack: Stack, sli: str) -> dict[str, str]:
    locations = range(len(LOCATIONS[stack.name]))
    checks = " + ".join(f"FILL(checks{i}, 0)" for i in locations)
    if sli == "server":
        check_errors = " + ".join(f"FILL(checkerrors{i}, 0)" for i in locations)
        return {
            "usererrors": f"FILL(errors, 0) - ({check_errors})",
            "userrequests": f"FILL(requests, 0) - ({checks})",
            "bad": "IF(usererrors > 0, usererrors, 0)",
            "total": "IF(userrequests > 0, userrequests, 0)",
        }
    return {"bad": " + ".join(f"FILL(failures{i}, 0)" for i in locations), "total": checks}


@pytest.mark.parametrize("sli", SLIS)
@pytest.mark.parametrize("key", WINDOWS)
def test_every_window_alarm_returns_the_burn_rate_over_its_window(
    stack: Stack, sli: str, key: str
) -> None:
    severity, period, threshold = WINDOWS[key]
    state = window_alarm(stack, sli, key)
    assert (state["threshold"], state["comparisonOperator"]) == (
        threshold,
        "GreaterThanOrEqualToThreshold",
    )
    assert (state["evaluationPeriods"], state["datapointsToAlarm"]) == (1, 1)
    assert state["treatMissingData"] == "notBreaching"  # no traffic spends no budget
    assert "alarmActions" not in state and "okActions" not in state  # the composites act
    assert f"docs/architecture.md#alarm-slo-{sli}-{severity}" in state["alarmDescription"]
    found = queries(state)
    metrics = {k: q["metric"] for k, q in found.items() if "metric" in q}
    assert {k: (m["namespace"], m["metricName"], m["dimensions"]) for k, m in metrics.items()} == (
        expected_metrics(stack, sli)
    )
    assert {(m["period"], m["stat"]) for m in metrics.values()} == {(period, "Sum")}
    expressions = {k: q["expression"] for k, q in found.items() if "expression" in q}
    assert expressions == {
        **expected_expressions(stack, sli),
        "burnrate": f"IF(total > 0, bad / total, 0) / {BUDGET[stack.name]}",
    }
    assert [k for k, q in found.items() if q.get("returnData")] == ["burnrate"]


def alarm_names(stack: Stack, sli: str) -> dict[str, str]:
    return {key: window_alarm(stack, sli, key)["name"] for key in WINDOWS}


@pytest.mark.parametrize("sli", SLIS)
def test_pages_need_both_windows_of_a_fast_or_a_slow_burn(stack: Stack, sli: str) -> None:
    names = alarm_names(stack, sli)
    state = stack.one(COMPOSITE, f"-slo-{sli}-page")["state"]
    assert state["alarmRule"] == (
        f'(ALARM("{names["burn-1h-14.4x"]}") AND ALARM("{names["burn-5m-14.4x"]}")) OR '
        f'(ALARM("{names["burn-6h-6x"]}") AND ALARM("{names["burn-30m-6x"]}"))'
    )
    pages = stack.state("aws:sns/topic:Topic", "-alarms")["arn"]
    assert state["alarmActions"] == state["okActions"] == [pages]
    assert state["alarmName"] == f"hello-{stack.name}-slo-{sli}-page"
    assert f"docs/architecture.md#alarm-slo-{sli}-page" in state["alarmDescription"]


@pytest.mark.parametrize("sli", SLIS)
def test_tickets_need_both_windows_of_a_slow_leak_and_reach_the_ticket_topic(
    stack: Stack, sli: str
) -> None:
    names = alarm_names(stack, sli)
    state = stack.one(COMPOSITE, f"-slo-{sli}-ticket")["state"]
    assert state["alarmRule"] == (
        f'(ALARM("{names["burn-1d-1x"]}") AND ALARM("{names["burn-6h-1x"]}"))'
    )
    tickets = stack.state("aws:sns/topic:Topic", "-tickets")["arn"]
    assert tickets != stack.state("aws:sns/topic:Topic", "-alarms")["arn"]
    assert state["alarmActions"] == state["okActions"] == [tickets]


def test_exactly_these_slo_alarms_exist(stack: Stack) -> None:
    slo_alarms = {a["name"] for a in stack.all(ALARM) if "-slo-" in a["name"]}
    assert slo_alarms == {f"hello-{stack.name}-slo-{s}-{k}" for s in SLIS for k in WINDOWS}
    composites = {a["name"] for a in stack.all(COMPOSITE)}
    assert composites == {
        f"hello-{stack.name}-slo-{s}-{v}" for s in SLIS for v in ("page", "ticket")
    }
    for each in [*stack.all(ALARM), *stack.all(COMPOSITE)]:
        if each["name"] in slo_alarms | composites:
            assert stack.provider_region(each) == stack.settings["region"]


# CloudWatch's limits, over every alarm the stack builds:
# - Period x EvaluationPeriods at most 604,800 s, and 86,400 s for periods under 3,600 s
#   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)
# - a period of 60 s or a multiple (same page), at most a day (docs/slo.md, "The adapted window")
# - at most 10 metrics and 10 expressions in an alarm's metric math, one returning data
#   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html and
#   PutMetricAlarm's Metrics parameter)
def test_every_alarm_fits_cloudwatchs_limits(stack_with_extras: Stack) -> None:
    alarms = stack_with_extras.all(ALARM)
    assert alarms
    for each in alarms:
        state = each["state"]
        found = state.get("metricQueries", [])
        periods = {q["metric"]["period"] for q in found if "metric" in q} or {state["period"]}
        (period,) = periods
        assert period % 60 == 0 and 60 <= period <= 86_400, each["name"]
        limit = 604_800 if period >= 3_600 else 86_400
        assert period * state["evaluationPeriods"] <= limit, each["name"]
        if found:
            assert len([q for q in found if "metric" in q]) <= 10, each["name"]
            assert len([q for q in found if "expression" in q]) <= 10, each["name"]
            assert [q.get("returnData") for q in found].count(True) == 1, each["name"]


def test_four_check_locations_still_fit_an_alarms_ten_metrics() -> None:
    from tests.infra.conftest import evaluate

    four = evaluate(
        "dev", {"hello:syntheticCheckRegions": "us-east-1,us-west-2,sa-east-1,ap-south-1"}
    )
    state = window_alarm(four, "server", "burn-1h-14.4x")
    assert len([q for q in state["metricQueries"] if "metric" in q]) == 10
    assert len(four.all("aws:lambda/function:Function")) == 3 + 4


def dashboard(stack: Stack) -> list[dict[str, Any]]:
    return json.loads(stack.state("aws:cloudwatch/dashboard:Dashboard")["dashboardBody"])["widgets"]


def visible_expression(widget: dict[str, Any]) -> dict[str, Any]:
    (line,) = [
        line[0]
        for line in widget["properties"]["metrics"]
        if isinstance(line[0], dict) and line[0].get("visible", True)
    ]
    return line


@pytest.mark.parametrize(("index", "sli"), [(0, "server"), (2, "client")])
def test_the_dashboard_opens_with_budget_left_and_burn_rate(
    stack: Stack, index: int, sli: str
) -> None:
    budget, burn = dashboard(stack)[index : index + 2]
    props = budget["properties"]
    assert props["view"] == "singleValue" and props["setPeriodToTimeRange"] is True
    assert (props["start"], props["end"]) == ("-P28D", "P0D")  # sloWindowDays
    assert props["region"] == stack.settings["region"]
    assert visible_expression(budget)["expression"] == (
        f"100 * (1 - IF(total > 0, bad / total, 0) / {BUDGET[stack.name]})"
    )
    props = burn["properties"]
    assert props["view"] == "timeSeries" and props["period"] == 3_600
    assert visible_expression(burn)["expression"] == (
        f"IF(total > 0, bad / total, 0) / {BUDGET[stack.name]}"
    )
    assert sorted(a["value"] for a in props["annotations"]["horizontal"]) == [1.0, 6.0, 14.4]
    for widget in (budget, burn):  # the same metrics and expressions as the alarms
        lines = widget["properties"]["metrics"]
        ids = {line[-1]["id"] for line in lines}
        assert ids >= {*expected_metrics(stack, sli), *expected_expressions(stack, sli)}
        assert sli in widget["properties"]["title"]


def test_the_slo_output_carries_the_alarms_queries_for_the_release_gate(stack: Stack) -> None:
    exported = stack.outputs["slo"]
    objective = {"prod": 99.9, "dev": 99.0}[stack.name]
    assert (exported["objective_percent"], exported["window_days"]) == (objective, 28)
    assert exported["region"] == stack.settings["region"]
    assert set(exported["slis"]) == set(SLIS)
    for sli, queries_ in exported["slis"].items():
        alarm = queries(window_alarm(stack, sli, "burn-1h-14.4x"))
        assert dict(map(tuple, queries_["expressions"])) == expected_expressions(stack, sli)
        for metric in queries_["metrics"]:
            watched = alarm[metric["id"]]["metric"]
            assert (
                metric["namespace"],
                metric["metric"],
                metric["dimensions"],
                metric["stat"],
            ) == (
                watched["namespace"],
                watched["metricName"],
                watched["dimensions"],
                watched["stat"],
            )
        assert len(queries_["metrics"]) == len(expected_metrics(stack, sli))


def test_window_alarm_names_say_window_and_rate(stack: Stack) -> None:
    for each in stack.all(ALARM):
        if "-slo-" in each["name"]:
            assert re.fullmatch(
                rf"hello-{stack.name}-slo-(server|client)-burn-\d+[hmd]-[\d.]+x", each["name"]
            )


def test_the_dashboard_shows_what_clients_wait_per_location(stack: Stack) -> None:
    latency = dashboard(stack)[4]["properties"]
    assert latency["metrics"] == [
        [f"hello/{stack.name}", "CheckLatency", "Location", location, {"stat": "p99"}]
        for location in LOCATIONS[stack.name]
    ]
    bound = {"prod": 1000.0, "dev": 1500.0}[stack.name]  # latencyP99SloMs
    assert latency["annotations"]["horizontal"] == [{"label": "latency objective", "value": bound}]
    assert latency["region"] == stack.settings["region"]
