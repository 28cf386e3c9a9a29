"""What one stack uses: its settings read through the program's own loader
(hello_stack/pulumi_config.py: defaults filled in, rules checked), what the program builds for
them (cost/graph.py: the evaluated stack graph, not a second declaration), and the per-request
workload in hello_stack/workload.py."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

import pulumi
from pulumi.runtime.config import set_all_config

from components.restore_testing import VALIDATOR_HANDLER
from components.synthetic_checks import HANDLER as CHECK_HANDLER
from cost import graph
from hello_stack import config, pulumi_config, workload
from synthetics.handler import LOCATION_ENV
from testing.evaluate_stack import OPERATOR_SETTINGS, stack_config

# Where hello's clients are, by CloudFront's price regions: an assumption (no traffic yet).
CLIENT_MIX = {"north_america_europe": 0.8, "asia_pacific": 0.15, "south_america": 0.05}
# Table size: users x (item + DynamoDB's 100-byte per-item overhead). An assumption.
USERS = 1_000_000
ITEM_BYTES = 100 + 100
# SnapStart bills the snapshot cache of every published version while the version is active,
# at least 3 hours each (https://aws.amazon.com/lambda/pricing/). Every release publishes a
# version and nothing here deletes the superseded ones; Lambda deletes a snapshot not invoked
# for 14 days (https://docs.aws.amazon.com/lambda/latest/dg/snapstart-security.html), so each
# superseded version stays cached ~14 days after its release moved `live` off it. Releases a
# month: an assumption (two a week).
RELEASES_PER_MONTH = 8.0
SNAPSHOT_IDLE_DAYS = 14


def snap_start_cached_versions(releases_per_month: float = RELEASES_PER_MONTH) -> float:
    """Versions cached on average: the live one, plus every release of the last 14 days."""
    superseded_seconds = SNAPSHOT_IDLE_DAYS * 86_400
    return 1 + releases_per_month * superseded_seconds / workload.MONTH_SECONDS


@dataclass(frozen=True)
class CheckLocation:
    """One synthetic check location: a function the schedule runs, a cycle each run."""

    location: str  # the region the checks run from
    runs_per_month: float
    memory_mb: int
    architecture: str


@dataclass(frozen=True)
class Usage:
    stack: str
    architecture: str  # arm64 or x86_64
    memory_mb: int
    snap_start: bool
    waf_rules: int  # 0: no web ACL
    log_retention_days: int
    backup_retention_days: int  # 0: no AWS Backup plan
    price_class: str
    alarm_metrics: int  # metrics read by metric alarms (AWS bills alarms per metric)
    custom_metrics: int  # metrics the stack publishes from logs (log metric filters)
    composite_alarms: int = 0
    dashboards: int = 1
    checks: tuple[CheckLocation, ...] = ()  # the synthetic checks, one per location
    restore_tests_per_month: float = 0.0  # restore testing plan runs (0: no plan)
    restore_validation_hours: float = 0.0  # how long each test keeps its restored copy
    validator_memory_mb: int = graph.LAMBDA_DEFAULT_MEMORY_MB
    validator_architecture: str = graph.LAMBDA_DEFAULT_ARCHITECTURE
    # A multi-region stack (docs/failover.md): the table's replicas beyond its own region, and
    # Route 53's health checks on each region's health route.
    replicas: int = 0
    health_checks: tuple[graph.HealthCheck, ...] = ()

    @property
    def memory_gb(self) -> float:
        return self.memory_mb / 1024

    @property
    def table_gb(self) -> float:
        return USERS * ITEM_BYTES / 1e9


def load_settings(stack: str) -> config.StackConfig:
    """The stack file's settings as the program resolves them (with what its operator adds),
    read in a context of its own so that no Pulumi config outlives the call. Bad settings are
    refused with the file and the key named."""

    def read() -> config.StackConfig:
        set_all_config(stack_config(stack, OPERATOR_SETTINGS.get(stack)))
        return pulumi_config.load()

    try:
        return contextvars.copy_context().run(read)
    except pulumi.RunError as error:
        raise pulumi.RunError(f"Pulumi.{stack}.yaml: {error}") from error


def check_locations(built: tuple[graph.Resource, ...]) -> tuple[CheckLocation, ...]:
    """The synthetic checks' functions on their schedules (components/synthetic_checks.py),
    by location."""
    found = [
        CheckLocation(
            run.environment[LOCATION_ENV], run.runs_per_month, run.memory_mb, run.architecture
        )
        for run in graph.scheduled_functions(built)
        if run.handler == CHECK_HANDLER
    ]
    return tuple(sorted(found, key=lambda check: check.location))


def usage_for(stack: str, settings: config.StackConfig) -> Usage:
    built = graph.resources(stack)
    restores = graph.restore_tests(built)
    validators = [
        graph.function_run(function, 0.0)
        for function in graph.functions_with_handler(built, VALIDATOR_HANDLER)
    ]
    return Usage(
        stack=stack,
        architecture=workload.lambda_architecture(),
        memory_mb=settings.lambda_memory_mb,
        snap_start=settings.snap_start,
        waf_rules=graph.web_acl_rules(built),
        log_retention_days=settings.log_retention_days,
        backup_retention_days=settings.backup_retention_days,
        price_class=settings.price_class,
        alarm_metrics=sum(graph.metrics_read(a) for a in graph.of_type(built, graph.METRIC_ALARM)),
        custom_metrics=len(graph.of_type(built, graph.LOG_METRIC_FILTER)),
        composite_alarms=len(graph.of_type(built, graph.COMPOSITE_ALARM)),
        dashboards=len(graph.of_type(built, graph.DASHBOARD)),
        checks=check_locations(built),
        restore_tests_per_month=sum(plan.runs_per_month for plan in restores),
        restore_validation_hours=max(
            (plan.validation_window_hours for plan in restores), default=0
        ),
        validator_memory_mb=validators[0].memory_mb
        if validators
        else graph.LAMBDA_DEFAULT_MEMORY_MB,
        validator_architecture=(
            validators[0].architecture if validators else graph.LAMBDA_DEFAULT_ARCHITECTURE
        ),
        replicas=graph.table_replicas(built),
        health_checks=tuple(graph.health_checks(built)),
    )
