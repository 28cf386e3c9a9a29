"""A CloudWatch dashboard: widgets its owners built (the SLO's), then one graph per alarm with
its threshold line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.monitoring import PERIOD_SECONDS
from hello_stack import slo
from hello_stack.alarm_spec import AlarmSpec


@dataclass
class DashboardArgs:
    # (region, alarms) pairs: a dashboard lives in one region but graphs metrics from any.
    panels: Sequence[tuple[str, Sequence[AlarmSpec]]]
    # Widgets shown first, built by their owner (the SLO's budget and burn rates).
    leading_widgets: Sequence[Mapping[str, Any]] = ()


class Dashboard(pulumi.ComponentResource):
    dashboard_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: DashboardArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:Dashboard", name, None, opts)
        widgets = [
            *args.leading_widgets,
            *(widget(region, spec) for region, specs in args.panels for spec in specs),
        ]
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=name,
            dashboard_body=pulumi.Output.json_dumps({"widgets": widgets}),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.dashboard_name = dashboard.dashboard_name
        self.register_outputs({"dashboard_name": self.dashboard_name})


def widget(region: str, spec: AlarmSpec) -> dict[str, Any]:
    lines = (
        [*slo.graph_lines(spec.share_of), [{"expression": slo.SHARE, "id": "share"}]]
        if spec.share_of is not None
        else _metric_lines(spec)
    )
    return {
        "type": "metric",
        "width": 12,
        "height": 6,
        "properties": {
            "title": spec.description,
            "region": region,
            "period": spec.period_seconds or PERIOD_SECONDS,
            "metrics": lines,
            "annotations": {"horizontal": [{"label": spec.key, "value": spec.threshold}]},
        },
    }


def _metric_lines(spec: AlarmSpec) -> list[list[Any]]:
    """One line per set of dimensions, with the alarm's statistic."""
    return [
        [
            spec.namespace,
            spec.metric,
            *[part for pair in dimensions.items() for part in pair],
            {"stat": spec.statistic},
        ]
        for dimensions in spec.dimensions
    ]
