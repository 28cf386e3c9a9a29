"""hello's availability SLO as alerting rules: the two SLIs, the burn-rate alerts and their
windows, every threshold derived from the objective here and nowhere else (docs/slo.md).

An SLI is a ratio of bad to total events, written as CloudWatch metric math so that the same
queries feed the alarms (one window each), the dashboard and the release's budget gate
(deploy/error_budget.py reads them from the stack's `slo` output).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from synthetics.metrics import (
    CHECK_FAILURES,
    CHECK_LATENCY,
    CHECK_REQUESTS,
    CHECK_SERVER_ERRORS,
    LOCATION,
)


@dataclass(frozen=True)
class Window:
    key: str
    seconds: int


@dataclass(frozen=True)
class BurnRateAlert:
    """Fires while both windows burn the budget at least `burn_rate` times the sustainable
    rate: the long window says enough budget went, the short one that it is still going."""

    key: str
    severity: str  # "page" (someone acts now) or "ticket" (someone acts this week)
    burn_rate: float
    long: Window
    short: Window


# Google's SRE Workbook, "Alerting on SLOs", section 6 (https://sre.google/workbook/alerting-
# on-slos/): page at 14.4x over 1 h and 5 min, and at 6x over 6 h and 30 min;
# ticket at 1x over 3 days and 6 h. Each window is one datapoint of that period (sliding, the
# default: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation-
# window.html), within PutMetricAlarm's range limit: Period x EvaluationPeriods at most 7 days,
# 1 day below 1 h periods (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/
# API_PutMetricAlarm.html). The 3-day window is adapted: an alarm cannot sum several datapoints,
# and a sliding-window period over 1 day is not documented as accepted (docs/slo.md, "The
# adapted window"), so the ticket's long window is 1 day at 1x: a ticket after ~1/28 of the
# budget instead of ~3/28, on less evidence. The page windows are the book's.
BURN_RATE_ALERTS = (
    BurnRateAlert("page-fast", "page", 14.4, Window("1h", 3_600), Window("5m", 300)),
    BurnRateAlert("page-slow", "page", 6.0, Window("6h", 21_600), Window("30m", 1_800)),
    BurnRateAlert("ticket", "ticket", 1.0, Window("1d", 86_400), Window("6h", 21_600)),
)
SEVERITIES = ("page", "ticket")
# The dashboard's budget and burn rate sum hourly datapoints (kept 455 days by CloudWatch), as
# deploy/error_budget.py does for the gate.
BUDGET_PERIOD_SECONDS = 3_600


@dataclass(frozen=True)
class MetricRef:
    id: str
    namespace: str
    metric: str
    dimensions: Mapping[str, pulumi.Input[str]]
    stat: str = "Sum"


@dataclass(frozen=True)
class Sli:
    """bad / total, each a metric-math expression over `metrics` (ids `bad` and `total`)."""

    key: str  # "server" or "client"
    description: str
    metrics: Sequence[MetricRef]
    expressions: Sequence[tuple[str, str]]  # (id, expression), in order, ending in bad, total


def error_budget(objective_percent: float) -> float:
    """The share of requests allowed to fail: 99.9 % leaves 0.001."""
    return round(1 - objective_percent / 100, 10)


def _sum(ids: Sequence[str]) -> str:
    return " + ".join(f"FILL({each}, 0)" for each in ids)


def server_sli(
    api: Mapping[str, pulumi.Input[str]], namespace: str, locations: Sequence[str]
) -> Sli:
    """API Gateway's own counts for the stage, minus the synthetic checks' requests (health
    checks are not users; a 5xx they got is counted by the client-side SLI)."""
    metrics = [
        MetricRef("requests", "AWS/ApiGateway", "Count", api),
        MetricRef("errors", "AWS/ApiGateway", "5XXError", api),
    ]
    checks, check_errors = [], []
    for index, location in enumerate(locations):
        where = {LOCATION: location}
        checks.append(MetricRef(f"checks{index}", namespace, CHECK_REQUESTS, where))
        check_errors.append(MetricRef(f"checkerrors{index}", namespace, CHECK_SERVER_ERRORS, where))
    users_errors = f"FILL(errors, 0) - ({_sum([m.id for m in check_errors])})"
    users_requests = f"FILL(requests, 0) - ({_sum([m.id for m in checks])})"
    return Sli(
        "server",
        "users' requests answered 5XX by API Gateway (synthetic checks left out)",
        [*metrics, *checks, *check_errors],
        [
            # Metrics of one minute can land in different datapoints: never below zero.
            ("usererrors", users_errors),
            ("userrequests", users_requests),
            ("bad", "IF(usererrors > 0, usererrors, 0)"),
            ("total", "IF(userrequests > 0, userrequests, 0)"),
        ],
    )


def client_sli(namespace: str, locations: Sequence[str]) -> Sli:
    """The synthetic checks' requests through the public URL, from every check location."""
    checks, failures = [], []
    for index, location in enumerate(locations):
        where = {LOCATION: location}
        checks.append(MetricRef(f"checks{index}", namespace, CHECK_REQUESTS, where))
        failures.append(MetricRef(f"failures{index}", namespace, CHECK_FAILURES, where))
    return Sli(
        "client",
        "synthetic checks through the public URL that failed (any wrong answer or no answer)",
        [*checks, *failures],
        [("bad", _sum([m.id for m in failures])), ("total", _sum([m.id for m in checks]))],
    )


def burn_rate_expression(objective_percent: float) -> str:
    """How many times faster than sustainable the window spends the budget."""
    return f"IF(total > 0, bad / total, 0) / {error_budget(objective_percent)}"


def budget_left_expression(objective_percent: float) -> str:
    """Percent of the window's budget not spent yet (negative: overspent)."""
    return f"100 * (1 - IF(total > 0, bad / total, 0) / {error_budget(objective_percent)})"


def alarm_queries(sli: Sli, objective_percent: float, period: int) -> list[dict[str, Any]]:
    """The metric queries of a burn-rate alarm over one window (pulumi-aws's shape)."""
    queries: list[dict[str, Any]] = [
        {
            "id": m.id,
            "metric": {
                "namespace": m.namespace,
                "metric_name": m.metric,
                "dimensions": dict(m.dimensions),
                "period": period,
                "stat": m.stat,
            },
            "return_data": False,
        }
        for m in sli.metrics
    ]
    queries += [
        {"id": key, "expression": expression, "return_data": False}
        for key, expression in sli.expressions
    ]
    queries.append(
        {
            "id": "burnrate",
            "expression": burn_rate_expression(objective_percent),
            "label": f"{sli.key} burn rate",
            "return_data": True,
        }
    )
    return queries


def window_key(window: Window, burn_rate: float) -> str:
    return f"burn-{window.key}-{burn_rate:g}x"


def windows() -> list[tuple[str, Window, BurnRateAlert]]:
    """Each window alarm the alerts need, once: (key, window, the alert it serves)."""
    seen: dict[str, tuple[str, Window, BurnRateAlert]] = {}
    for alert in BURN_RATE_ALERTS:
        for window in (alert.long, alert.short):
            key = window_key(window, alert.burn_rate)
            seen.setdefault(key, (key, window, alert))
    return list(seen.values())


def rule_of(alert: BurnRateAlert) -> tuple[str, str]:
    """The keys of the two window alarms an alert needs (long, short)."""
    return window_key(alert.long, alert.burn_rate), window_key(alert.short, alert.burn_rate)


def exported(sli: Sli) -> dict[str, Any]:
    """What deploy/error_budget.py reads: the SLI's queries, plain."""
    return {
        "metrics": [
            {
                "id": m.id,
                "namespace": m.namespace,
                "metric": m.metric,
                "dimensions": dict(m.dimensions),
                "stat": m.stat,
            }
            for m in sli.metrics
        ],
        "expressions": [list(pair) for pair in sli.expressions],
    }


def _graph_lines(sli: Sli) -> list[list[Any]]:
    """The SLI's metrics and expressions as a dashboard graph's hidden lines."""
    lines: list[list[Any]] = [
        [
            m.namespace,
            m.metric,
            *[part for pair in m.dimensions.items() for part in pair],
            {"id": m.id, "stat": m.stat, "visible": False},
        ]
        for m in sli.metrics
    ]
    lines += [[{"expression": e, "id": key, "visible": False}] for key, e in sli.expressions]
    return lines


def latency_widget(
    namespace: str, locations: Sequence[str], bound_ms: float, region: str
) -> dict[str, Any]:
    """What a client waits, per check location: p99 of the checks' requests against the latency
    objective's bound."""
    return {
        "type": "metric",
        "width": 24,
        "height": 6,
        "properties": {
            "title": "synthetic checks: p99 latency per location (ms)",
            "view": "timeSeries",
            "region": region,
            "period": 300,
            "metrics": [
                [namespace, CHECK_LATENCY, LOCATION, location, {"stat": "p99"}]
                for location in locations
            ],
            "annotations": {"horizontal": [{"label": "latency objective", "value": bound_ms}]},
        },
    }


def dashboard_widgets(
    slis: Sequence[Sli], objective_percent: float, window_days: int, region: str
) -> list[dict[str, Any]]:
    """Per SLI: the budget left over the SLO window (one number) and the hourly burn rate
    against every alert's threshold."""
    widgets: list[dict[str, Any]] = []
    for sli in slis:
        budget_left = {
            "expression": budget_left_expression(objective_percent),
            "id": "budgetleft",
            "label": f"{sli.key}: budget left (%)",
        }
        widgets.append(
            {
                "type": "metric",
                "width": 6,
                "height": 6,
                "properties": {
                    "title": f"{sli.key} SLI: error budget left, last {window_days} days",
                    "view": "singleValue",
                    "region": region,
                    # One datapoint over the whole time range: the window's sums.
                    "setPeriodToTimeRange": True,
                    "start": f"-P{window_days}D",
                    "end": "P0D",
                    "period": BUDGET_PERIOD_SECONDS,
                    "metrics": [*_graph_lines(sli), [budget_left]],
                },
            }
        )
        burn = {
            "expression": burn_rate_expression(objective_percent),
            "id": "burnrate",
            "label": f"{sli.key}: burn rate (1 h)",
        }
        widgets.append(
            {
                "type": "metric",
                "width": 18,
                "height": 6,
                "properties": {
                    "title": f"{sli.key} SLI: burn rate per hour ({sli.description})",
                    "view": "timeSeries",
                    "region": region,
                    "period": BUDGET_PERIOD_SECONDS,
                    "metrics": [*_graph_lines(sli), [burn]],
                    "annotations": {
                        "horizontal": [
                            {
                                "label": f"{alert.key} ({alert.burn_rate:g}x)",
                                "value": alert.burn_rate,
                            }
                            for alert in BURN_RATE_ALERTS
                        ]
                    },
                },
            }
        )
    return widgets
