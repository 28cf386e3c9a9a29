"""What one stack uses, from its settings: the stack file read through hello_stack.config's own
loader (defaults filled in, rules checked), the alarms and WAF rules the program declares, and
the per-request workload in hello_stack/workload.py."""

from __future__ import annotations

import contextvars
import inspect
from dataclasses import dataclass
from types import SimpleNamespace

import pulumi
from pulumi.runtime.config import set_all_config

from components.edge_firewall import EdgeFirewallArgs, rules
from hello_stack import alarms, config, limits, release_traffic, workload
from tools.evaluate_stack import OPERATOR_SETTINGS, stack_config

# Where hello's clients are, by CloudFront's price regions: an assumption (no traffic yet).
CLIENT_MIX = {"north_america_europe": 0.8, "asia_pacific": 0.15, "south_america": 0.05}
# Table size: users x (item + DynamoDB's 100-byte per-item overhead). An assumption.
USERS = 1_000_000
ITEM_BYTES = 100 + 100
# SnapStart keeps a snapshot per published version; `live` points at one (a release briefly
# keeps two).
SNAP_START_CACHED_VERSIONS = 1


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
    alarm_metrics: int  # metrics watched by alarms (AWS bills alarms per metric)
    custom_metrics: int  # metrics the stack publishes from logs
    dashboards: int = 1

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
        return config.load()

    try:
        return contextvars.copy_context().run(read)
    except pulumi.RunError as error:
        raise pulumi.RunError(f"Pulumi.{stack}.yaml: {error}") from error


def declared_alarms(settings: config.StackConfig) -> list:
    """Every AlarmSpec the program declares for these settings (names are placeholders)."""

    def placeholders(function: object) -> dict[str, str]:
        parameters = list(inspect.signature(function).parameters)[1:]  # after the config
        return {name: name for name in parameters}

    api = SimpleNamespace(rest_api_name="api", stage_name="stage", function_name="function")
    return [
        *alarms.regional_alarms(settings, **placeholders(alarms.regional_alarms)),
        *limits.limit_alarms(settings, api),
        *limits.edge_limit_alarms("distribution"),
    ]


def usage_for(stack: str, settings: config.StackConfig) -> Usage:
    declared = declared_alarms(settings)
    firewall = EdgeFirewallArgs(
        rate_limit_per_ip=settings.waf_rate_limit_per_ip,
        evaluation_window_s=release_traffic.WAF_WINDOW_S,
        warning_limit_per_ip=limits.waf_warning_limit(settings),
    )
    return Usage(
        stack=stack,
        architecture=workload.lambda_architecture(),
        memory_mb=settings.lambda_memory_mb,
        snap_start=settings.snap_start,
        waf_rules=len(rules(stack, firewall)) if settings.waf_enabled else 0,
        log_retention_days=settings.log_retention_days,
        backup_retention_days=settings.backup_retention_days,
        price_class=settings.price_class,
        alarm_metrics=sum(len(spec.dimensions) for spec in declared),
        custom_metrics=sum(1 for spec in declared if spec.from_logs),
    )
