"""What a stack builds, read from the program itself: __main__.py evaluated under Pulumi's mocks
with the stack file and what its operator adds (testing/evaluate_stack.py), once per stack a run.

The cost model counts what AWS bills from this graph (alarms and the metrics they read,
composite alarms, log metric filters, dashboards, functions on a schedule, restore testing
plans) instead of declaring them a second time: the program is their one owner.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cost.prices import HOURS_PER_MONTH
from testing.evaluate_stack import OPERATOR_SETTINGS, run_evaluation

ROOT = Path(__file__).resolve().parents[1]
Resource = dict[str, Any]

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
LOG_METRIC_FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
FUNCTION = "aws:lambda/function:Function"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
RESTORE_TESTING_PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
RESTORE_TESTING_SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
TABLE = "aws:dynamodb/table:Table"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
# Route 53's default when a health check leaves its interval unset.
ROUTE53_DEFAULT_INTERVAL_S = 30

# Lambda's defaults when a function leaves them unset
# (https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html).
LAMBDA_DEFAULT_MEMORY_MB = 128
LAMBDA_DEFAULT_ARCHITECTURE = "x86_64"
MINUTES_PER = {"minute": 1, "hour": 60, "day": 1440}


@functools.cache
def resources(stack: str) -> tuple[Resource, ...]:
    """Every resource the program registers for the stack: one process per stack, because
    Pulumi's runtime state is per process (as tests/infra/conftest.py does)."""
    added = OPERATOR_SETTINGS.get(stack, {})
    result = run_evaluation(
        "testing.evaluate_stack", stack, *([json.dumps(added)] if added else [])
    )
    if result.returncode != 0:
        raise RuntimeError(f"Pulumi.{stack}.yaml: the program failed under mocks:\n{result.stderr}")
    return tuple(json.loads(result.stdout)["resources"])


def of_type(graph: tuple[Resource, ...], token: str) -> list[Resource]:
    return [resource for resource in graph if resource["type"] == token]


def metrics_read(alarm: Resource) -> int:
    """How many metrics an alarm reads: one for a single-metric alarm, each metric in its
    expression for a metric-math alarm (CloudWatch bills an alarm per metric it reads:
    https://aws.amazon.com/cloudwatch/pricing/, "Alarms")."""
    state = alarm["state"]
    if state.get("metricName"):
        return 1
    return sum(1 for query in state.get("metricQueries") or [] if query.get("metric"))


def alarm_periods(alarm: Resource) -> list[float]:
    state = alarm["state"]
    if state.get("metricName"):
        return [state["period"]]
    return [q["metric"]["period"] for q in state.get("metricQueries") or [] if q.get("metric")]


def runs_per_month(expression: str) -> float:
    """Runs a month of an EventBridge or AWS Backup schedule: `rate(N unit)`, or `cron(...)`
    with fixed minutes and hours and every day. Anything else is refused, not guessed."""
    rate = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", expression)
    if rate:
        minutes = int(rate[1]) * MINUTES_PER[rate[2]]
        return HOURS_PER_MONTH * 60 / minutes
    cron = re.fullmatch(r"cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)", expression)
    if cron:
        minute, hour, day, month, weekday, year = cron.groups()
        fixed = re.compile(r"\d+(,\d+)*")
        if (
            fixed.fullmatch(minute)
            and fixed.fullmatch(hour)
            and {day, month, weekday, year} <= {"*", "?"}
        ):
            per_day = len(minute.split(",")) * len(hour.split(","))
            return per_day * HOURS_PER_MONTH / 24
    raise ValueError(f"the cost model cannot count the runs of schedule {expression!r}")


@dataclass(frozen=True)
class ScheduledFunction:
    name: str
    handler: str
    memory_mb: int
    architecture: str
    runs_per_month: float
    environment: dict[str, str]


def scheduled_functions(graph: tuple[Resource, ...]) -> list[ScheduledFunction]:
    """Functions an EventBridge schedule runs (a rule with a schedule expression, a target)."""
    schedules = {
        rule["state"]["name"]: rule["state"]["scheduleExpression"]
        for rule in of_type(graph, EVENT_RULE)
        if rule["state"].get("scheduleExpression")
    }
    functions = {function["state"]["arn"]: function for function in of_type(graph, FUNCTION)}
    found = []
    for target in of_type(graph, EVENT_TARGET):
        expression = schedules.get(target["state"]["rule"])
        function = functions.get(target["state"]["arn"])
        if expression is None or function is None:
            continue
        found.append(function_run(function, runs_per_month(expression)))
    return found


def function_run(function: Resource, runs: float) -> ScheduledFunction:
    state = function["state"]
    return ScheduledFunction(
        name=function["name"],
        handler=state["handler"],
        memory_mb=int(state.get("memorySize") or LAMBDA_DEFAULT_MEMORY_MB),
        architecture=(state.get("architectures") or [LAMBDA_DEFAULT_ARCHITECTURE])[0],
        runs_per_month=runs,
        environment=(state.get("environment") or {}).get("variables", {}),
    )


@dataclass(frozen=True)
class RestoreTests:
    runs_per_month: float
    validation_window_hours: float


def restore_tests(graph: tuple[Resource, ...]) -> list[RestoreTests]:
    """One per restore testing plan: its schedule, and how long its selection keeps a copy."""
    windows = {
        selection["state"]["restoreTestingPlanName"]: selection["state"]["validationWindowHours"]
        for selection in of_type(graph, RESTORE_TESTING_SELECTION)
    }
    return [
        RestoreTests(
            runs_per_month(plan["state"]["scheduleExpression"]),
            float(windows[plan["state"]["name"]]),
        )
        for plan in of_type(graph, RESTORE_TESTING_PLAN)
    ]


def functions_with_handler(graph: tuple[Resource, ...], handler: str) -> list[Resource]:
    return [f for f in of_type(graph, FUNCTION) if f["state"].get("handler") == handler]


def web_acl_rules(graph: tuple[Resource, ...]) -> int:
    """Rules of the stack's web ACLs (WAF bills each rule a month); 0 without a web ACL."""
    return sum(len(acl["state"].get("rules") or []) for acl in of_type(graph, WEB_ACL))


def table_replicas(graph: tuple[Resource, ...]) -> int:
    """Replicas beyond each table's own region (an MRSC witness holds no items: not counted)."""
    return sum(len(table["state"].get("replicas") or []) for table in of_type(graph, TABLE))


@dataclass(frozen=True)
class HealthCheck:
    interval_s: float
    # Route 53 bills HTTPS and the fast (10 s) interval as optional features of a check.
    optional_features: int


def health_checks(graph: tuple[Resource, ...]) -> list[HealthCheck]:
    found = []
    for check in of_type(graph, HEALTH_CHECK):
        state = check["state"]
        interval = float(state.get("requestInterval") or ROUTE53_DEFAULT_INTERVAL_S)
        features = int(str(state.get("type", "")).startswith("HTTPS")) + int(interval < 30)
        found.append(HealthCheck(interval, features))
    return found
