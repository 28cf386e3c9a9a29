"""Alarms from a table of AlarmSpecs, all notifying one SNS topic and its subscribers.

The region comes from the provider in `opts`: CloudFront's metrics exist only in us-east-1, so
its alarms are a second Monitoring created with that region's provider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from hello_stack import slo
from hello_stack.alarm_spec import AlarmSpec

PERIOD_SECONDS = 60
RUNBOOK = "docs/runbook.md"


@dataclass
class MonitoringArgs:
    alarms: Sequence[AlarmSpec]
    alarm_email: str | None
    # An HTTPS endpoint (a paging or chat integration) subscribed to the topic too.
    alarm_webhook_url: str | None = None
    evaluation_periods: int = 5
    datapoints_to_alarm: int = 3


class Monitoring(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]
    alarm_names: dict[str, pulumi.Output[str]]
    rollback_alarm_names: list[pulumi.Output[str]]

    def __init__(
        self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        topic = subscribed_topic(f"{name}-alarms", args.alarm_email, args.alarm_webhook_url, child)
        for spec in args.alarms:
            if spec.from_logs:
                aws.cloudwatch.LogMetricFilter(
                    f"{name}-{spec.key}",
                    log_group_name=spec.from_logs.log_group_name,
                    pattern=spec.from_logs.pattern,
                    metric_transformation={
                        "name": spec.metric,
                        "namespace": spec.namespace,
                        "value": "1",
                        "unit": "Count",
                    },
                    opts=child,
                )
        alarms = {
            spec.key: aws.cloudwatch.MetricAlarm(
                f"{name}-{spec.key}",
                alarm_description=f"{spec.description} Runbook: {RUNBOOK}#alarm-{spec.key}",
                comparison_operator=spec.comparison,
                threshold=spec.threshold,
                evaluation_periods=spec.periods or args.evaluation_periods,
                datapoints_to_alarm=spec.datapoints or args.datapoints_to_alarm,
                # No traffic is not an outage, except for a heartbeat (spec.missing_data).
                treat_missing_data=spec.missing_data,
                alarm_actions=[topic.arn] if spec.pages else [],
                ok_actions=[topic.arn] if spec.pages else [],
                **metric_arguments(spec),
                opts=child,
            )
            for spec in args.alarms
        }
        self.topic_arn = topic.arn
        self.alarm_names = {key: alarm.name for key, alarm in alarms.items()}
        self.rollback_alarm_names = [
            alarms[spec.key].name for spec in args.alarms if spec.stops_release
        ]
        self.register_outputs({"topic_arn": self.topic_arn, "alarm_names": self.alarm_names})


def subscribed_topic(
    name: str, email: str | None, webhook_url: str | None, opts: pulumi.ResourceOptions
) -> aws.sns.Topic:
    """A topic and its subscribers: an email address and/or an HTTPS endpoint."""
    topic = aws.sns.Topic(name, opts=opts)
    for protocol, endpoint in (("email", email), ("https", webhook_url)):
        if endpoint:
            aws.sns.TopicSubscription(
                f"{name}-{protocol}",
                topic=topic.arn,
                protocol=protocol,
                endpoint=endpoint,
                # PagerDuty, Opsgenie and the like confirm SNS subscriptions by themselves.
                endpoint_auto_confirms=protocol == "https" or None,
                opts=opts,
            )
    return topic


class MetricArguments(TypedDict, total=False):
    """aws.cloudwatch.MetricAlarm's arguments that name what the alarm watches."""

    namespace: str
    metric_name: str
    dimensions: Mapping[str, pulumi.Input[str]]
    period: int
    statistic: str | None
    extended_statistic: str | None
    metric_queries: list[aws.cloudwatch.MetricAlarmMetricQueryArgsDict]


def metric_arguments(spec: AlarmSpec) -> MetricArguments:
    """A single metric as namespace/metric/dimensions; several as metric math summing them; a
    share as metric math over its SLI's Sums."""
    if spec.share_of is not None:
        period = spec.period_seconds or PERIOD_SECONDS
        return {"metric_queries": slo.share_queries(spec.share_of, period)}
    if len(spec.dimensions) == 1:
        percentile = spec.statistic.startswith("p")
        return {
            "namespace": spec.namespace,
            "metric_name": spec.metric,
            "dimensions": dict(spec.dimensions[0]),
            "period": spec.period_seconds or PERIOD_SECONDS,
            "statistic": None if percentile else spec.statistic,
            "extended_statistic": spec.statistic if percentile else None,
        }
    queries: list[aws.cloudwatch.MetricAlarmMetricQueryArgsDict] = [
        {
            "id": f"m{index}",
            "metric": {
                "namespace": spec.namespace,
                "metric_name": spec.metric,
                "dimensions": dict(dimensions),
                "period": PERIOD_SECONDS,
                "stat": spec.statistic,
            },
            "return_data": False,
        }
        for index, dimensions in enumerate(spec.dimensions)
    ]
    queries.append({"id": "total", "expression": "SUM(FILL(METRICS(), 0))", "return_data": True})
    return {"metric_queries": queries}
