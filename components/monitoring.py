"""Alarms on every signal users feel, an SNS topic they notify, and a dashboard of the same."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

PERIOD_SECONDS = 60
DYNAMODB_OPERATIONS = ("GetItem", "PutItem", "DeleteItem")


@dataclass
class MonitoringArgs:
    region: str
    api_name: pulumi.Input[str]
    stage_name: pulumi.Input[str]
    function_name: pulumi.Input[str]
    alias_name: pulumi.Input[str]
    table_name: pulumi.Input[str]
    distribution_id: pulumi.Input[str]
    # CloudFront publishes its metrics in us-east-1 only: its alarm and topic live there.
    edge_provider: pulumi.ProviderResource | None = None
    alarm_email: str | None = None
    api_5xx_rate: float = 0.01  # fraction of requests answered 5XX
    latency_p99_ms: float = 1000  # the latency SLO
    lambda_errors_per_minute: float = 1
    cdn_5xx_rate_percent: float = 1
    evaluation_periods: int = 5
    datapoints_to_alarm: int = 3
    tags: Mapping[str, str] = field(default_factory=dict)


class Monitoring(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]
    edge_topic_arn: pulumi.Output[str]
    alarm_names: dict[str, pulumi.Output[str]]
    rollback_alarm_names: list[pulumi.Output[str]]
    dashboard_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:Monitoring", name, None, opts)
        self._name = name
        self._args = args
        edge = pulumi.ResourceOptions(parent=self, provider=args.edge_provider)

        topic = self._topic(f"{name}-alarms", pulumi.ResourceOptions(parent=self))
        edge_topic = self._topic(f"{name}-edge-alarms", edge)
        api = {"ApiName": args.api_name, "Stage": args.stage_name}
        alias = {
            "FunctionName": args.function_name,
            "Resource": pulumi.Output.format("{0}:{1}", args.function_name, args.alias_name),
        }
        table = {"TableName": args.table_name}

        alarms = {
            "api-5xx-rate": self._alarm(
                "api-5xx-rate",
                topic,
                "Share of API requests answered 5XX is above the threshold.",
                metric=("AWS/ApiGateway", "5XXError", api, "Average"),
                threshold=args.api_5xx_rate,
            ),
            "api-latency-p99": self._alarm(
                "api-latency-p99",
                topic,
                "p99 API latency is above the SLO.",
                metric=("AWS/ApiGateway", "Latency", api, "p99"),
                threshold=args.latency_p99_ms,
            ),
            "lambda-errors": self._alarm(
                "lambda-errors",
                topic,
                "The live alias's invocations are failing.",
                metric=("AWS/Lambda", "Errors", alias, "Sum"),
                threshold=args.lambda_errors_per_minute,
                comparison="GreaterThanOrEqualToThreshold",
            ),
            "lambda-throttles": self._alarm(
                "lambda-throttles",
                topic,
                "Invocations are throttled: reserved concurrency or the account limit is reached.",
                metric=("AWS/Lambda", "Throttles", {"FunctionName": args.function_name}, "Sum"),
                threshold=0,
            ),
            "dynamodb-read-throttles": self._alarm(
                "dynamodb-read-throttles",
                topic,
                "DynamoDB throttled reads of the table.",
                metric=("AWS/DynamoDB", "ReadThrottleEvents", table, "Sum"),
                threshold=0,
            ),
            "dynamodb-write-throttles": self._alarm(
                "dynamodb-write-throttles",
                topic,
                "DynamoDB throttled writes to the table.",
                metric=("AWS/DynamoDB", "WriteThrottleEvents", table, "Sum"),
                threshold=0,
            ),
            "dynamodb-system-errors": self._system_errors_alarm(topic),
            "cdn-5xx-rate": self._alarm(
                "cdn-5xx-rate",
                edge_topic,
                "Share of CloudFront responses that are 5xx is above the threshold.",
                metric=(
                    "AWS/CloudFront",
                    "5xxErrorRate",
                    {"DistributionId": args.distribution_id, "Region": "Global"},
                    "Average",
                ),
                threshold=args.cdn_5xx_rate_percent,
                opts=edge,
            ),
        }
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=name,
            dashboard_body=pulumi.Output.json_dumps(self._dashboard_body(api, alias, table)),
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.topic_arn = topic.arn
        self.edge_topic_arn = edge_topic.arn
        self.alarm_names = {key: alarm.name for key, alarm in alarms.items()}
        # What stops a canary: the new code failing, or users seeing errors.
        self.rollback_alarm_names = [alarms["lambda-errors"].name, alarms["api-5xx-rate"].name]
        self.dashboard_name = dashboard.dashboard_name
        self.register_outputs(
            {
                "topic_arn": self.topic_arn,
                "edge_topic_arn": self.edge_topic_arn,
                "alarm_names": self.alarm_names,
                "dashboard_name": self.dashboard_name,
            }
        )

    def _topic(self, name: str, opts: pulumi.ResourceOptions) -> aws.sns.Topic:
        topic = aws.sns.Topic(name, tags=dict(self._args.tags), opts=opts)
        if self._args.alarm_email:
            aws.sns.TopicSubscription(
                f"{name}-email",
                topic=topic.arn,
                protocol="email",
                endpoint=self._args.alarm_email,
                opts=opts,
            )
        return topic

    def _alarm(
        self,
        key: str,
        topic: aws.sns.Topic,
        description: str,
        metric: tuple[str, str, Mapping[str, pulumi.Input[str]], str],
        threshold: float,
        comparison: str = "GreaterThanThreshold",
        opts: pulumi.ResourceOptions | None = None,
    ) -> aws.cloudwatch.MetricAlarm:
        namespace, metric_name, dimensions, statistic = metric
        percentile = statistic.startswith("p")
        return aws.cloudwatch.MetricAlarm(
            f"{self._name}-{key}",
            alarm_description=f"{description} Runbook: docs/architecture.md#alarm-{key}",
            namespace=namespace,
            metric_name=metric_name,
            dimensions=dict(dimensions),
            statistic=None if percentile else statistic,
            extended_statistic=statistic if percentile else None,
            **self._evaluation(threshold, comparison, topic),
            opts=opts or pulumi.ResourceOptions(parent=self),
        )

    def _system_errors_alarm(self, topic: aws.sns.Topic) -> aws.cloudwatch.MetricAlarm:
        """DynamoDB reports SystemErrors per operation: the alarm sums the three the app uses."""
        queries: list[dict[str, Any]] = [
            {
                "id": f"e{index}",
                "metric": {
                    "namespace": "AWS/DynamoDB",
                    "metric_name": "SystemErrors",
                    "dimensions": {"TableName": self._args.table_name, "Operation": operation},
                    "period": PERIOD_SECONDS,
                    "stat": "Sum",
                },
                "return_data": False,
            }
            for index, operation in enumerate(DYNAMODB_OPERATIONS)
        ]
        queries.append(
            {"id": "errors", "expression": "SUM(FILL(METRICS(), 0))", "return_data": True}
        )
        evaluation = self._evaluation(0, "GreaterThanThreshold", topic)
        evaluation.pop("period")
        return aws.cloudwatch.MetricAlarm(
            f"{self._name}-dynamodb-system-errors",
            alarm_description="DynamoDB returned server errors to the app. "
            "Runbook: docs/architecture.md#alarm-dynamodb-system-errors",
            metric_queries=queries,
            **evaluation,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _evaluation(
        self, threshold: float, comparison: str, topic: aws.sns.Topic
    ) -> dict[str, Any]:
        return {
            "comparison_operator": comparison,
            "threshold": threshold,
            "period": PERIOD_SECONDS,
            "evaluation_periods": self._args.evaluation_periods,
            "datapoints_to_alarm": self._args.datapoints_to_alarm,
            # No traffic is not an outage; the API's own errors are what count.
            "treat_missing_data": "notBreaching",
            "alarm_actions": [topic.arn],
            "ok_actions": [topic.arn],
            "tags": dict(self._args.tags),
        }

    def _dashboard_body(
        self, api: Mapping[str, Any], alias: Mapping[str, Any], table: Mapping[str, Any]
    ) -> dict[str, Any]:
        def widget(title: str, metrics: list[list[Any]], region: str | None = None) -> dict:
            return {
                "type": "metric",
                "width": 12,
                "height": 6,
                "properties": {
                    "title": title,
                    "region": region or self._args.region,
                    "period": PERIOD_SECONDS,
                    "metrics": metrics,
                },
            }

        def dims(mapping: Mapping[str, Any]) -> list[Any]:
            return [item for pair in mapping.items() for item in pair]

        return {
            "widgets": [
                widget(
                    "API requests and 5XX",
                    [
                        ["AWS/ApiGateway", "Count", *dims(api), {"stat": "Sum"}],
                        ["AWS/ApiGateway", "5XXError", *dims(api), {"stat": "Sum"}],
                        ["AWS/ApiGateway", "4XXError", *dims(api), {"stat": "Sum"}],
                    ],
                ),
                widget(
                    "API latency p50 / p99 (ms)",
                    [
                        ["AWS/ApiGateway", "Latency", *dims(api), {"stat": "p50"}],
                        ["AWS/ApiGateway", "Latency", *dims(api), {"stat": "p99"}],
                    ],
                ),
                widget(
                    "Lambda (live alias)",
                    [
                        ["AWS/Lambda", "Invocations", *dims(alias), {"stat": "Sum"}],
                        ["AWS/Lambda", "Errors", *dims(alias), {"stat": "Sum"}],
                        ["AWS/Lambda", "Throttles", *dims(alias), {"stat": "Sum"}],
                        ["AWS/Lambda", "Duration", *dims(alias), {"stat": "p99"}],
                    ],
                ),
                widget(
                    "DynamoDB",
                    [
                        ["AWS/DynamoDB", "ReadThrottleEvents", *dims(table), {"stat": "Sum"}],
                        ["AWS/DynamoDB", "WriteThrottleEvents", *dims(table), {"stat": "Sum"}],
                        *[
                            [
                                "AWS/DynamoDB",
                                "SystemErrors",
                                *dims(table),
                                "Operation",
                                operation,
                                {"stat": "Sum"},
                            ]
                            for operation in DYNAMODB_OPERATIONS
                        ],
                    ],
                ),
                widget(
                    "CloudFront 5xx rate (%)",
                    [
                        [
                            "AWS/CloudFront",
                            "5xxErrorRate",
                            "DistributionId",
                            self._args.distribution_id,
                            "Region",
                            "Global",
                        ]
                    ],
                    region="us-east-1",
                ),
            ]
        }
