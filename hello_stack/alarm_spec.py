"""One alarm as data: what it watches, when it fires, and whether it stops a release."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi

from hello_stack.slo import Sli

Dimensions = Mapping[str, pulumi.Input[str]]


@dataclass(frozen=True)
class LogMetric:
    """A metric counted from log lines: one per line of `log_group_name` matching `pattern`."""

    log_group_name: pulumi.Input[str]
    pattern: str  # CloudWatch Logs filter syntax, e.g. { $.event = "storage_misconfigured" }


@dataclass(frozen=True)
class AlarmSpec:
    key: str  # names the alarm and its runbook entry: docs/runbook.md#alarm-<key>
    description: str
    namespace: str
    metric: str
    # One set of dimensions watches one metric; several are summed (e.g. one per operation).
    dimensions: Sequence[Dimensions]
    statistic: str  # Sum, Average, or a percentile such as p99
    threshold: float
    comparison: str = "GreaterThanThreshold"
    # CodeDeploy rolls a release back while this alarm fires.
    stops_release: bool = False
    # Whether a firing alarm notifies the topic (pages a person); release alarms need not.
    pages: bool = True
    # How many of the last `periods` one-minute datapoints must breach; None: Monitoring's.
    periods: int | None = None
    datapoints: int | None = None
    # Set when the metric is counted from logs rather than published by an AWS service.
    from_logs: LogMetric | None = None
    # The datapoint length; None: Monitoring's one minute. A heartbeat counts over days.
    period_seconds: int | None = None
    # What a period without data means: for most alarms nothing happened, so nothing failed;
    # for a heartbeat, the thing it listens for did not happen ("breaching").
    missing_data: str = "notBreaching"
    # Set when the alarm compares a share computed by metric math (bad / total of the SLI's
    # Sums, hello_stack.slo.share_queries) instead of `statistic` of the metric above, which
    # then only names what the share is of.
    share_of: Sli | None = None
