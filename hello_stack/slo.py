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
import pulumi_aws as aws

from synthetics.checks import cycle
from synthetics.metrics import (
    CHECK_API_REQUESTS,
    CHECK_EVERY_MINUTES,
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
    """Fires while both windows burn the budget at least `burn_rate(window_days)` times the
    sustainable rate: the long window says `budget_fraction` of the SLO window's budget went,
    the short one that it is still going."""

    key: str
    severity: str  # "page" (someone acts now) or "ticket" (someone acts this week)
    budget_fraction: float  # of the SLO window's budget spent over `long` when it fires
    long: Window
    short: Window

    def burn_rate(self, window_days: int) -> float:
        """fraction x SLO window / long window: the Workbook's 14.4 is 2 % of 30 days (720 h)
        spent in 1 h; over a 28-day window the same 2 % in 1 h is a burn rate of 13.44."""
        return round(self.budget_fraction * window_days * 86_400 / self.long.seconds, 6)


# Google's SRE Workbook, "Alerting on SLOs", section 6 (https://sre.google/workbook/alerting-
# on-slos/): page when 2 % of the budget goes in 1 h (short window 5 min) or 5 % in 6 h (30
# min); ticket when 10 % goes in 3 days (6 h). The book's 14.4x, 6x and 1x are these fractions
# of a 30-day budget: the fractions are what is written here, the burn rates follow from
# `sloWindowDays` (BurnRateAlert.burn_rate). Each window is one datapoint of that period
# (sliding, the default: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-
# evaluation-window.html), within PutMetricAlarm's documented range: Period x EvaluationPeriods
# at most 604,800 s (7 days), and at most 86,400 s for periods under 3,600 s
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
# The 3-day window is adapted (docs/slo.md, "The adapted window"): a period over one day is not
# documented as accepted for a sliding window and was reported refused, so the ticket's long
# window is 1 day at the book's rate (1x of a 30-day budget): a third of the book's 10 %, 3.33 %
# of the budget over a day, sooner and on less evidence. The page windows are the book's.
TICKET_LONG_WINDOW = Window("1d", 86_400)
BOOK_TICKET_WINDOW_S = 3 * 86_400
BURN_RATE_ALERTS = (
    BurnRateAlert("page-fast", "page", 0.02, Window("1h", 3_600), Window("5m", 300)),
    BurnRateAlert("page-slow", "page", 0.05, Window("6h", 21_600), Window("30m", 1_800)),
    BurnRateAlert(
        "ticket",
        "ticket",
        0.10 * TICKET_LONG_WINDOW.seconds / BOOK_TICKET_WINDOW_S,
        TICKET_LONG_WINDOW,
        Window("6h", 21_600),
    ),
)
SEVERITIES = ("page", "ticket")

# The checks fail open: a location that stops publishing leaves every SLI sum at FILL's 0, a
# burn rate of 0 and the budget untouched. So a location that published under half of what
# its schedule sends over 15 minutes pages (missing data breaching), and the release gate
# refuses when the last day holds under half of the checks' requests (deploy/error_budget.py).
SILENCE_WINDOW = Window("15m", 900)
SILENCE_SHARE = 0.5


def expected_check_requests(seconds: int, locations: int = 1) -> int:
    """What the checks' schedule sends in `seconds`: one cycle per run, per location."""
    cycle_requests = len(cycle("known", "own"))
    return seconds // (60 * CHECK_EVERY_MINUTES) * cycle_requests * locations


def silence_threshold(seconds: int = SILENCE_WINDOW.seconds, locations: int = 1) -> float:
    """CheckRequests below this over `seconds` means the checks were silent: one location over
    SILENCE_WINDOW pages; every location over the last day closes the release gate."""
    return SILENCE_SHARE * expected_check_requests(seconds, locations)


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


def health_route(api: Mapping[str, pulumi.Input[str]], health_path: str) -> dict[str, Any]:
    """API Gateway's per-method dimensions of the route Route 53's health checks call (its
    metrics are on for that method alone: components/regional_endpoint.py)."""
    return {**api, "Resource": health_path, "Method": "GET"}


def _without(
    api: Mapping[str, pulumi.Input[str]],
    checks: Sequence[MetricRef],
    check_errors: Sequence[MetricRef],
) -> tuple[list[MetricRef], list[tuple[str, str]]]:
    """The API's requests and 5XX minus those of `checks` and `check_errors` (Sums), as bad
    and total: the metrics and the expressions, ending in bad, total."""
    metrics = [
        MetricRef("requests", "AWS/ApiGateway", "Count", api),
        MetricRef("errors", "AWS/ApiGateway", "5XXError", api),
    ]
    users_errors = f"FILL(errors, 0) - ({_sum([m.id for m in check_errors])})"
    users_requests = f"FILL(requests, 0) - ({_sum([m.id for m in checks])})"
    return [*metrics, *checks, *check_errors], [
        # Metrics of one minute can land in different datapoints: never below zero.
        ("usererrors", users_errors),
        ("userrequests", users_requests),
        ("bad", "IF(usererrors > 0, usererrors, 0)"),
        ("total", "IF(userrequests > 0, userrequests, 0)"),
    ]


def _health_checks(
    api: Mapping[str, pulumi.Input[str]], health_path: str
) -> tuple[MetricRef, MetricRef]:
    """The health route's requests and 5XX: every Route 53 health check, and its 503s."""
    route = health_route(api, health_path)
    return (
        MetricRef("health", "AWS/ApiGateway", "Count", route),
        MetricRef("healtherrors", "AWS/ApiGateway", "5XXError", route),
    )


def server_sli(
    api: Mapping[str, pulumi.Input[str]],
    namespace: str,
    locations: Sequence[str],
    health_path: str | None = None,
) -> Sli:
    """API Gateway's own counts for the stage, minus the synthetic checks' requests that API
    Gateway answered (health checks are not users; a 5xx they got is counted by the client-side
    SLI). Only answers carrying API Gateway's request id are subtracted: a check that CloudFront,
    the WAF or DNS failed never reached API Gateway's Count. With `health_path` (a region behind
    Route 53's health checks), that route's own counts are subtracted too: its per-method metrics
    (enabled for that method alone) hold every health check, and its 503 says a region cannot
    serve, which the failover handles and the client-side SLI sees if users do."""
    checks, check_errors = [], []
    for index, location in enumerate(locations):
        where = {LOCATION: location}
        checks.append(MetricRef(f"checks{index}", namespace, CHECK_API_REQUESTS, where))
        check_errors.append(MetricRef(f"checkerrors{index}", namespace, CHECK_SERVER_ERRORS, where))
    if health_path is not None:
        health, health_errors = _health_checks(api, health_path)
        checks.append(health)
        check_errors.append(health_errors)
    metrics, expressions = _without(api, checks, check_errors)
    return Sli(
        "server",
        # The same words with or without health checks: a one-region stack's alarms unchanged.
        "users' requests answered 5XX by API Gateway (synthetic checks left out)",
        metrics,
        expressions,
    )


def api_5xx_share_without_health_checks(
    api: Mapping[str, pulumi.Input[str]], health_path: str
) -> Sli:
    """The API's 5XX share with Route 53's health checks left out, as the release alarm of a
    region behind them reads it (hello_stack/alarms.py): (API 5XX - health 5XX) / (API requests
    - health requests), through SHARE. The checks send ~1.6 requests a second to every region,
    one with no users too: counted, they would dilute a canary's 5XX there below any threshold,
    and a region whose replica cannot reach a quorum (health answers 503) would read as a
    canary's 5XX and roll a good release back. The synthetic checks stay in: they are traffic
    through the public URL that a canary serves like any other."""
    health, health_errors = _health_checks(api, health_path)
    metrics, expressions = _without(api, [health], [health_errors])
    return Sli(
        "release",
        "the API's requests answered 5XX, Route 53's health checks left out",
        metrics,
        expressions,
    )


# bad over total, 0 without traffic (no requests is no failure).
SHARE = "IF(total > 0, bad / total, 0)"


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
    return f"{SHARE} / {error_budget(objective_percent)}"


def budget_left_expression(objective_percent: float) -> str:
    """Percent of the window's budget not spent yet (negative: overspent)."""
    return f"100 * (1 - {SHARE} / {error_budget(objective_percent)})"


def metric_queries(sli: Sli, period: int) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgsDict]:
    """The SLI's metrics (Sums over `period`) and expressions as an alarm's metric queries
    (pulumi-aws's shape), none returned: the caller appends the one the alarm compares."""
    queries: list[aws.cloudwatch.MetricAlarmMetricQueryArgsDict] = [
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
    expressions: list[aws.cloudwatch.MetricAlarmMetricQueryArgsDict] = [
        {"id": key, "expression": expression, "return_data": False}
        for key, expression in sli.expressions
    ]
    return queries + expressions


def alarm_queries(
    sli: Sli, objective_percent: float, period: int
) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgsDict]:
    """The metric queries of a burn-rate alarm over one window (pulumi-aws's shape)."""
    queries = metric_queries(sli, period)
    queries.append(
        {
            "id": "burnrate",
            "expression": burn_rate_expression(objective_percent),
            "label": f"{sli.key} burn rate",
            "return_data": True,
        }
    )
    return queries


def share_queries(sli: Sli, period: int) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgsDict]:
    """The metric queries of an alarm on the SLI's share (bad / total) over `period`."""
    queries = metric_queries(sli, period)
    queries.append(
        {"id": "share", "expression": SHARE, "label": sli.description, "return_data": True}
    )
    return queries


def window_key(window: Window, alert: BurnRateAlert) -> str:
    """Named after the alert, not its rate: a new `sloWindowDays` changes the threshold, never
    the alarm's name."""
    return f"burn-{window.key}-{alert.key}"


def windows() -> list[tuple[str, Window, BurnRateAlert]]:
    """Each window alarm the alerts need: (key, window, the alert it serves)."""
    return [
        (window_key(window, alert), window, alert)
        for alert in BURN_RATE_ALERTS
        for window in (alert.long, alert.short)
    ]


def rule_of(alert: BurnRateAlert) -> tuple[str, str]:
    """The keys of the two window alarms an alert needs (long, short)."""
    return window_key(alert.long, alert), window_key(alert.short, alert)


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


def graph_lines(sli: Sli) -> list[list[Any]]:
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
                    "metrics": [*graph_lines(sli), [budget_left]],
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
                    "metrics": [*graph_lines(sli), [burn]],
                    "annotations": {
                        "horizontal": [
                            {
                                "label": f"{alert.key} ({alert.burn_rate(window_days):g}x)",
                                "value": alert.burn_rate(window_days),
                            }
                            for alert in BURN_RATE_ALERTS
                        ]
                    },
                },
            }
        )
    return widgets
