"""Multi-window, multi-burn-rate alerts on an SLO: one metric-math alarm per SLI and window,
composite alarms that page or file a ticket when both windows of an alert burn.

The window alarms notify nobody: only the composites act, pages on the page topic (the
Monitoring topic, a person now) and tickets on a topic of their own with other subscribers.
A check location gone silent pages too: without its datapoints every burn rate reads 0.
Thresholds and windows come from hello_stack/slo.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.monitoring import RUNBOOK, subscribed_topic
from hello_stack import slo


@dataclass
class SloAlertsArgs:
    slis: Sequence[slo.Sli]
    objective_percent: float
    window_days: int  # the SLO window: each alert's burn rate follows from it
    page_topic_arn: pulumi.Input[str]
    ticket_email: str | None
    ticket_webhook_url: str | None = None
    # The synthetic checks' locations and namespace: each location's silence pages.
    check_locations: Sequence[str] = ()
    metric_namespace: str = ""


def alert_key(sli: slo.Sli, severity: str) -> str:
    """The composite alarm's key, and its runbook entry's: docs/runbook.md#alarm-<key>."""
    return f"slo-{sli.key}-{severity}"


SILENCE_KEY = "slo-checks-silent"  # its runbook: docs/runbook.md#alarm-slo-checks-silent


class SloAlerts(pulumi.ComponentResource):
    ticket_topic_arn: pulumi.Output[str]
    alert_names: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: SloAlertsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:SloAlerts", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tickets = subscribed_topic(
            f"{name}-tickets", args.ticket_email, args.ticket_webhook_url, child
        )
        topics = {"page": args.page_topic_arn, "ticket": tickets.arn}
        self.alert_names = {}
        for sli in args.slis:
            window_alarms = {}
            for key, window, alert in slo.windows():
                runbook = f"{RUNBOOK}#alarm-{alert_key(sli, alert.severity)}"
                window_alarms[key] = aws.cloudwatch.MetricAlarm(
                    f"{name}-slo-{sli.key}-{key}",
                    alarm_description=(
                        f"{sli.key} SLI ({sli.description}) burns the error budget at "
                        f"{alert.burn_rate(args.window_days):g}x or more over {window.key}. "
                        f"Runbook: {runbook}"
                    ),
                    comparison_operator="GreaterThanOrEqualToThreshold",
                    threshold=alert.burn_rate(args.window_days),
                    evaluation_periods=1,
                    datapoints_to_alarm=1,
                    # No traffic spends no budget.
                    treat_missing_data="notBreaching",
                    metric_queries=slo.alarm_queries(sli, args.objective_percent, window.seconds),
                    opts=child,
                )
            for severity in slo.SEVERITIES:
                both = [
                    pulumi.Output.format(
                        '(ALARM("{0}") AND ALARM("{1}"))',
                        *(window_alarms[key].name for key in slo.rule_of(alert)),
                    )
                    for alert in slo.BURN_RATE_ALERTS
                    if alert.severity == severity
                ]
                key = alert_key(sli, severity)
                composite = aws.cloudwatch.CompositeAlarm(
                    f"{name}-{key}",
                    alarm_name=f"{name}-{key}",
                    alarm_description=(
                        f"The {sli.key} SLI spends the error budget too fast for a {severity}. "
                        f"Runbook: {RUNBOOK}#alarm-{key}"
                    ),
                    alarm_rule=pulumi.Output.all(*both).apply(" OR ".join),
                    alarm_actions=[topics[severity]],
                    ok_actions=[topics[severity]],
                    opts=child,
                )
                self.alert_names[key] = composite.alarm_name
        for location in args.check_locations:
            key = f"{SILENCE_KEY}-{location}"
            silent = aws.cloudwatch.MetricAlarm(
                f"{name}-{key}",
                name=f"{name}-{key}",
                alarm_description=(
                    f"The synthetic checks from {location} published under "
                    f"{slo.SILENCE_SHARE:.0%} of their requests over "
                    f"{slo.SILENCE_WINDOW.key}: the SLOs cannot see from there. "
                    f"Runbook: {RUNBOOK}#alarm-{SILENCE_KEY}"
                ),
                namespace=args.metric_namespace,
                metric_name=slo.CHECK_REQUESTS,
                dimensions={slo.LOCATION: location},
                statistic="Sum",
                period=slo.SILENCE_WINDOW.seconds,
                evaluation_periods=1,
                datapoints_to_alarm=1,
                comparison_operator="LessThanThreshold",
                threshold=slo.silence_threshold(),
                # No datapoint at all is the silence this alarm is for.
                treat_missing_data="breaching",
                alarm_actions=[topics["page"]],
                ok_actions=[topics["page"]],
                opts=child,
            )
            self.alert_names[key] = silent.name
        self.ticket_topic_arn = tickets.arn
        self.register_outputs(
            {"ticket_topic_arn": self.ticket_topic_arn, "alert_names": self.alert_names}
        )
