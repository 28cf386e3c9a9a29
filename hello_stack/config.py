"""Every stack setting: its key, type, default, rule and meaning, in one table.

This module imports no Pulumi, so that code run outside Pulumi (deploy/restore_table.py) reads
the same settings and defaults; hello_stack/pulumi_config.py's `load()` is the only code that
reads Pulumi config. Stack files (`Pulumi.<stack>.yaml`) set only what differs from these
defaults; docs/configuration.md's table is generated from this module
(`python -m tools.config_table`) and a test keeps the two identical.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hello_stack import release_traffic, retention
from hello_stack.naming import PROJECT

PROJECT_DIR = Path(__file__).resolve().parents[1]
# The runtime's Python version, written once in .python-version (pyenv reads it too).
DEFAULT_RUNTIME = "python" + (PROJECT_DIR / ".python-version").read_text().strip()
# The exact Python that builds the zips, patch included, written once in .python-build-version
# (the workflows' setup-python reads it): bytecode from another patch may differ, and a zip that
# differs publishes a new Lambda version and runs a canary for nothing.
BUILD_PYTHON_FILE = ".python-build-version"
BUILD_PYTHON = (PROJECT_DIR / BUILD_PYTHON_FILE).read_text().strip()


def build_python_mismatch(running: str) -> str | None:
    """What to warn about when this interpreter is not the pinned build Python, else None."""
    if running == BUILD_PYTHON:
        return None
    return (
        f"this is Python {running}, not {BUILD_PYTHON} ({BUILD_PYTHON_FILE}): the zips it builds "
        "may differ from CI's, publishing a new Lambda version (and a canary) with no code change"
    )


# hello's runtimes: SnapStart for Python starts at 3.12, and the sandbox tests run these two.
SUPPORTED_RUNTIMES = ("python3.12", "python3.13")
# CodeDeploy's predefined configurations for Lambda.
DEPLOYMENT_CONFIGS = (
    "CodeDeployDefault.LambdaAllAtOnce",
    "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    "CodeDeployDefault.LambdaCanary10Percent10Minutes",
    "CodeDeployDefault.LambdaCanary10Percent15Minutes",
    "CodeDeployDefault.LambdaCanary10Percent30Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
)
# The function's environment variable that `republish` sets: a configuration change of its own.
REPUBLISH_ENV = "HELLO_REPUBLISH"
# Lambda keeps this many of the account's concurrent executions unreserved.
UNRESERVED_CONCURRENCY_MINIMUM = 100
PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")
# The values CloudWatch Logs accepts for a log group's retention.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827)
# An alarm's metric math reads at most 10 metrics (a hard limit: https://docs.aws.amazon.com/
# AmazonCloudWatch/latest/monitoring/alarm-limits.html); the server-side SLI reads two of API
# Gateway's and two per check location (hello_stack/slo.py), so four locations at most.
MAX_CHECK_LOCATIONS = 4
# With two regions the server SLI also subtracts the health route's two metrics (Route 53's
# health checks are not users): one location fewer fits in the ten.
MAX_CHECK_LOCATIONS_MULTI_REGION = MAX_CHECK_LOCATIONS - 1
_REGION = r"[a-z]{2}(-[a-z]+)+-\d"
SYNTHETIC_REGIONS_PATTERN = rf"{_REGION}(,{_REGION}){{0,{MAX_CHECK_LOCATIONS - 1}}}"
# DynamoDB multi-Region strong consistency (MRSC): a table's three regions (two replicas and a
# witness, or three replicas) come from one of these sets (https://docs.aws.amazon.com/
# amazondynamodb/latest/APIReference/API_CreateGlobalTableWitnessGroupMemberAction.html).
MRSC_REGION_SETS = (
    ("us-east-1", "us-east-2", "us-west-2"),
    ("eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"),
    ("ap-northeast-1", "ap-northeast-2", "ap-northeast-3"),
)
# Route 53 failover routing answers with one primary and one secondary record
# (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-failover.html):
# at most two regions serve, and MRSC's third region is then a witness.
MAX_ACTIVE_REGIONS = 2
# A replica's point-in-time recovery period: DynamoDB's default, which pulumi-aws 7's replica
# block cannot change (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/
# API_PointInTimeRecoverySpecification.html).
REPLICA_PITR_DAYS = 35
# What a stack serving from more than one region must set: the failover name and what serves it.
FAILOVER_KEYS = ("hostedZoneId", "failoverDomain", "regionalCertificateArns")


class ConfigError(ValueError):
    """Settings that break a rule, every problem named by its key. hello_stack/pulumi_config.py
    turns it into the pulumi.RunError that `pulumi up` prints as the program's refusal."""


@dataclass(frozen=True)
class Check:
    """A rule whose `rule` text reads in its error message and in docs/configuration.md."""

    rule: str
    accepts: Callable[[Any], bool]

    def __call__(self, value: Any) -> str | None:
        """None when the value is acceptable, else what is wrong."""
        return None if self.accepts(value) else f"must be {self.rule}, not {value!r}"


def rule(text: str, accepts: Callable[[Any], bool]) -> Check:
    """A check whose rule reads `text` in its error message and in docs/configuration.md."""
    return Check(text, accepts)


def one_of(*allowed: Any) -> Check:
    return rule(f"one of {', '.join(map(str, allowed))}", lambda value: value in allowed)


def between(low: float, high: float) -> Check:
    return rule(f"{low} to {high}", lambda value: low <= value <= high)


def above(low: float, high: float | None = None) -> Check:
    text = f"above {low}" + (f", at most {high}" if high is not None else "")
    return rule(text, lambda value: value > low and (high is None or value <= high))


def matches(pattern: str, shape: str) -> Check:
    return rule(f"like {shape}", lambda value: re.fullmatch(pattern, value) is not None)


def setting(key: str, default: Any, meaning: str, check: Check | None = None) -> Any:
    """A dataclass field for `<namespace>:<key>`: default, meaning and rule travel with it."""
    return field(default=default, metadata={"key": key, "meaning": meaning, "check": check})


@dataclass(frozen=True)
class StackConfig:
    region: str = setting(
        "aws:region",
        None,
        "region of everything but the edge (WAF, certificate: us-east-1) and the synthetic checks",
    )
    lambda_runtime: str = setting(
        "lambdaRuntime",
        DEFAULT_RUNTIME,
        "Lambda runtime (default: `.python-version`; builds use `.python-build-version`)",
        one_of(*SUPPORTED_RUNTIMES),
    )
    lambda_memory_mb: int = setting(
        "lambdaMemoryMb",
        256,
        "function memory (docs/operations.md, Lambda memory)",
        between(128, 10240),
    )
    lambda_timeout_seconds: int = setting(
        "lambdaTimeoutSeconds",
        10,
        "function timeout; DynamoDB retries stay under 8 s",
        between(8, 900),
    )
    snap_start: bool = setting(
        "snapStart",
        False,
        "Lambda SnapStart on published versions (see docs/architecture.md, Cold starts)",
    )
    reserved_concurrency: int | None = setting(
        "reservedConcurrency",
        None,
        "reserved concurrent executions; at most lambdaAccountConcurrency - 100",
        between(0, 10000),
    )
    lambda_account_concurrency: int = setting(
        "lambdaAccountConcurrency",
        1000,
        "the account's Lambda concurrency quota in the region (Service Quotas; new accounts "
        "may have less than the default 1,000)",
        above(0),
    )
    log_retention_days: int = setting(
        "logRetentionDays", 14, "function and access log retention", one_of(*LOG_RETENTION_DAYS)
    )
    throttle_rate_limit: float = setting(
        "throttleRateLimit", 100.0, "API Gateway stage requests per second", above(0)
    )
    throttle_burst_limit: int = setting(
        "throttleBurstLimit", 200, "API Gateway stage burst", between(1, 5000)
    )
    deletion_protection: bool = setting(
        "deletionProtection",
        False,
        "DynamoDB deletion protection + Pulumi `protect` + `retainOnDelete`",
    )
    backup_retention_days: int = setting(
        "backupRetentionDays",
        0,
        "daily AWS Backup of the table, kept this many days (0: off)",
        between(0, 36500),
    )
    pitr_recovery_days: int = setting(
        "pitrRecoveryDays",
        35,
        "days DynamoDB point-in-time recovery can restore to (see docs/data-retention.md)",
        between(1, 35),
    )
    restore_test_selection_days: int = setting(
        "restoreTestSelectionWindowDays",
        7,
        "restore tests restore the newest recovery point at most this many days old",
        between(1, 365),
    )
    restore_test_validation_hours: int = setting(
        "restoreTestValidationWindowHours",
        24,
        "hours a restore-test copy is kept for validation, then deleted by AWS Backup",
        between(1, 168),
    )
    restore_count_tolerance_percent: float = setting(
        "restoreCountTolerancePercent",
        10.0,
        "a restored table's item count may differ from the source's estimate by this much",
        between(0, 100),
    )
    erasure_window_max_days: int = setting(
        "erasureWindowMaxDays",
        35,
        "the longest an erased date of birth may stay restorable (PITR, backups, restore tests)",
        between(1, 36500),
    )
    price_class: str = setting(
        "priceClass", "PriceClass_100", "CloudFront price class", one_of(*PRICE_CLASSES)
    )
    custom_domain: str | None = setting(
        "customDomain",
        None,
        "CloudFront alias domain (needs `hello:certificateArn`)",
        matches(r"[a-z0-9.-]+\.[a-z]{2,}", "api.example.com"),
    )
    certificate_arn: str | None = setting(
        "certificateArn",
        None,
        "ACM certificate in us-east-1 for `hello:customDomain`",
        matches(r"arn:aws:acm:us-east-1:\d{12}:certificate/.+", "an ACM ARN in us-east-1"),
    )
    active_regions: str | None = setting(
        "activeRegions",
        None,
        "regions serving the API, comma-separated, `aws:region` first (unset: `aws:region` "
        "alone); two need `hello:witnessRegion` and the failover keys (docs/failover.md)",
        matches(rf"{_REGION}(,{_REGION}){{0,{MAX_ACTIVE_REGIONS - 1}}}", "eu-west-1,eu-west-2"),
    )
    witness_region: str | None = setting(
        "witnessRegion",
        None,
        "the MRSC table's witness: a third region of the active regions' MRSC set; it holds "
        "no items and serves nothing",
        matches(_REGION, "eu-west-3"),
    )
    hosted_zone_id: str | None = setting(
        "hostedZoneId",
        None,
        "Route 53 public hosted zone holding `hello:failoverDomain` (two active regions)",
        matches(r"Z[A-Z0-9]{1,31}", "Z0123456789ABCDEFGHIJ"),
    )
    failover_domain: str | None = setting(
        "failoverDomain",
        None,
        "the name CloudFront's origin resolves to the healthy region: Route 53 failover records "
        "(two active regions; docs/failover.md)",
        matches(r"[a-z0-9.-]+\.[a-z]{2,}", "api-origin.example.com"),
    )
    regional_certificate_arns: str | None = setting(
        "regionalCertificateArns",
        None,
        "ACM certificates, one per active region in their order, comma-separated, each in its "
        "region (API Gateway's regional custom domains), each covering `hello:failoverDomain` "
        "and that region's health name `<region>.<failoverDomain>` (e.g. SANs `<failoverDomain>` "
        "and `*.<failoverDomain>`)",
        matches(r"arn:aws:acm:[a-z0-9-]+:\d{12}:certificate/[^,]+(,arn:[^,]+)*", "arn:aws:acm:..."),
    )
    waf_enabled: bool = setting("wafEnabled", False, "AWS WAF web ACL on CloudFront")
    waf_rate_limit_per_ip: int = setting(
        "wafRateLimitPerIp",
        1000,
        "WAF: requests per client IP per 5 minutes; a release's probe and smoke test must fit "
        "(docs/delivery.md)",
        between(release_traffic.minimum_rate_limit(), 2_000_000_000),
    )
    alarm_email: str | None = setting(
        "alarmEmail",
        None,
        "email subscribed to the alarm topics",
        matches(r"[^@\s]+@[^@\s]+", "a@b"),
    )
    alarm_webhook_url: str | None = setting(
        "alarmWebhookUrl",
        None,
        "HTTPS endpoint subscribed to the alarm topics (a paging or chat integration)",
        matches(r"https://[^\s]+", "https://..."),
    )
    require_alarm_subscriber: bool = setting(
        "requireAlarmSubscriber",
        True,
        "refuse to deploy unless an alarm and a ticket subscriber are set",
    )
    ticket_email: str | None = setting(
        "ticketEmail",
        None,
        "email subscribed to the SLO tickets topic (slow budget burns; not a pager)",
        matches(r"[^@\s]+@[^@\s]+", "a@b"),
    )
    ticket_webhook_url: str | None = setting(
        "ticketWebhookUrl",
        None,
        "HTTPS endpoint subscribed to the SLO tickets topic (an issue tracker's integration)",
        matches(r"https://[^\s]+", "https://..."),
    )
    availability_slo_percent: float = setting(
        "availabilitySloPercent",
        99.9,
        "SLO: share of requests that succeed over `sloWindowDays` (docs/slo.md)",
        between(90, 99.99),
    )
    slo_window_days: int = setting(
        "sloWindowDays",
        28,
        "SLO window: the error budget is counted over this many days (docs/slo.md)",
        between(7, 90),
    )
    synthetic_check_regions: str = setting(
        "syntheticCheckRegions",
        "us-east-1",
        "regions the synthetic checks run from, comma-separated; never `aws:region`",
        matches(SYNTHETIC_REGIONS_PATTERN, f"1 to {MAX_CHECK_LOCATIONS} regions, us-east-1,..."),
    )
    api_5xx_rate_threshold: float = setting(
        "api5xxRateThreshold",
        0.01,
        "release alarm: share of API requests answered 5XX in a minute of a canary",
        above(0, 1),
    )
    latency_p99_slo_ms: float = setting(
        "latencyP99SloMs",
        1000.0,
        "latency SLO: 99 % of API requests answered within this (docs/slo.md)",
        above(0),
    )
    lambda_errors_per_minute: float = setting(
        "lambdaErrorsPerMinute", 1.0, "alarm: Lambda errors per minute on `live`", above(0)
    )
    deployment_config: str = setting(
        "deploymentConfig",
        "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        "how CodeDeploy shifts traffic",
        one_of(*DEPLOYMENT_CONFIGS),
    )
    log_usernames: bool = setting("logUsernames", False, "include usernames in request logs")
    account_alarms: bool = setting(
        "accountAlarms",
        True,
        "alarm on the account's shared limits (Lambda's account concurrency): one stack per "
        "account, since every stack of the account would watch the same metric",
    )
    republish: str | None = setting(
        "republish",
        None,
        "a new value publishes a new Lambda version with no code change (Lambda publishes only "
        "when code or configuration changed), e.g. after a SnapStart snapshot failed",
        matches(r"[A-Za-z0-9._-]{1,64}", "2026-12-02 (letters, digits, . _ -)"),
    )

    def __post_init__(self) -> None:
        problems = [
            f"{full_key(each)} {problem}"
            for each in dataclasses.fields(self)
            if (value := getattr(self, each.name)) is not None
            and each.metadata["check"]
            and (problem := each.metadata["check"](value))
        ]
        if not self.region:  # typed str: only a stack without aws:region leaves it None
            problems.append("aws:region must be set")
        if bool(self.custom_domain) != bool(self.certificate_arn):
            problems.append(f"{PROJECT}:customDomain and {PROJECT}:certificateArn go together")
        if self.require_alarm_subscriber and not (self.alarm_email or self.alarm_webhook_url):
            problems.append(
                f"alarms would reach nobody: set {PROJECT}:alarmEmail or {PROJECT}:alarmWebhookUrl"
                f" (or {PROJECT}:requireAlarmSubscriber: false where nobody is paged, e.g. dev)"
            )
        problems.extend(self._erasure_window_problems())
        problems.extend(self._concurrency_problems())
        problems += self._alerting_problems()
        problems += self._region_problems()
        if problems:
            raise ConfigError("invalid stack config:\n  " + "\n  ".join(problems))

    def _erasure_window_problems(self) -> list[str]:
        """The copies an erasure cannot reach must be gone within the configured maximum."""
        window = retention.erasure_window(self)
        if window.days <= self.erasure_window_max_days:
            return []
        culprit = {
            "pitr": "pitrRecoveryDays",
            "recovery_points": "backupRetentionDays",
            "restore_tests": "restoreTestSelectionWindowDays",
        }[window.longest]
        return [
            f"{PROJECT}:{culprit} keeps an erased date of birth restorable for {window.days}"
            f" days, above {PROJECT}:erasureWindowMaxDays ({self.erasure_window_max_days}):"
            " lower the one or raise the other (docs/data-retention.md)"
        ]

    def _concurrency_problems(self) -> list[str]:
        """Lambda refuses a reservation that leaves the account under 100 unreserved
        executions (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html)."""
        room = self.lambda_account_concurrency - UNRESERVED_CONCURRENCY_MINIMUM
        if self.reserved_concurrency is None or self.reserved_concurrency <= room:
            return []
        return [
            f"{PROJECT}:reservedConcurrency ({self.reserved_concurrency}) must be at most "
            f"{PROJECT}:lambdaAccountConcurrency ({self.lambda_account_concurrency}) - "
            f"{UNRESERVED_CONCURRENCY_MINIMUM}: Lambda keeps that many unreserved"
        ]

    @property
    def check_locations(self) -> list[str]:
        return self.synthetic_check_regions.split(",")

    @property
    def regions(self) -> list[str]:
        """The regions serving the API, `aws:region` first."""
        if self.active_regions is None:
            return [self.region] if self.region else []
        return self.active_regions.split(",")

    @property
    def multi_region(self) -> bool:
        return len(self.regions) > 1

    @property
    def certificate_arns(self) -> dict[str, str]:
        """{active region: its ACM certificate for the failover name}."""
        arns = (self.regional_certificate_arns or "").split(",")
        return dict(zip(self.regions, arns, strict=False)) if self.multi_region else {}

    def _region_problems(self) -> list[str]:
        """Regions as MRSC and Route 53 failover allow them, and what failover needs."""
        regions, witness = self.regions, self.witness_region
        if self.active_regions is not None and regions[0] != self.region:
            return [f"{PROJECT}:activeRegions must start with aws:region ({self.region})"]
        if len(set(regions)) != len(regions):
            return [f"{PROJECT}:activeRegions must name distinct regions"]
        failover = {
            key: getattr(self, name)
            for key, name in zip(
                FAILOVER_KEYS,
                ("hosted_zone_id", "failover_domain", "regional_certificate_arns"),
                strict=True,
            )
        }
        if not self.multi_region:
            extra = [f"{PROJECT}:{key}" for key, value in failover.items() if value is not None]
            if witness is not None:
                extra.append(f"{PROJECT}:witnessRegion")
            return (
                [f"{', '.join(extra)}: only for two {PROJECT}:activeRegions (one region is set)"]
                if extra
                else []
            )
        problems: list[str] = []
        if witness is None or witness in regions:
            problems.append(
                f"{PROJECT}:witnessRegion must be set to a third region: an MRSC table has three"
            )
        elif not any({*regions, witness} <= set(each) for each in MRSC_REGION_SETS):
            sets = "; ".join(", ".join(each) for each in MRSC_REGION_SETS)
            problems.append(
                f"{PROJECT}:activeRegions and {PROJECT}:witnessRegion must be in one MRSC "
                f"region set ({sets})"
            )
        if missing := [f"{PROJECT}:{key}" for key, value in failover.items() if value is None]:
            problems.append(
                f"two active regions fail over through Route 53: set {', '.join(missing)}"
            )
        elif len((self.regional_certificate_arns or "").split(",")) != len(regions) or any(
            not arn.startswith(f"arn:aws:acm:{region}:")
            for region, arn in self.certificate_arns.items()
        ):
            problems.append(
                f"{PROJECT}:regionalCertificateArns must hold one certificate per active region, "
                f"in {PROJECT}:activeRegions' order, each in its region ({', '.join(regions)})"
            )
        if self.failover_domain is not None and self.failover_domain == self.custom_domain:
            # CloudFront would be its own origin, and Route 53 cannot hold the failover CNAMEs
            # beside the public name's record.
            problems.append(
                f"{PROJECT}:failoverDomain must differ from {PROJECT}:customDomain: it is the "
                "name CloudFront's origin resolves to, not the one CloudFront serves"
            )
        if self.pitr_recovery_days != REPLICA_PITR_DAYS:
            problems.append(
                f"{PROJECT}:pitrRecoveryDays must be {REPLICA_PITR_DAYS} with two active regions:"
                " each replica keeps DynamoDB's default period (pulumi-aws sets a replica's PITR"
                " on or off only), and docs/data-retention.md's window must hold for every copy"
            )
        if len(self.check_locations) > MAX_CHECK_LOCATIONS_MULTI_REGION:
            problems.append(
                f"{PROJECT}:syntheticCheckRegions: at most {MAX_CHECK_LOCATIONS_MULTI_REGION} with"
                " two active regions (the server SLI also subtracts the health checks' metrics)"
            )
        return problems

    def _alerting_problems(self) -> list[str]:
        problems: list[str] = []
        if set(self.regions) & set(self.check_locations) or len(set(self.check_locations)) != len(
            self.check_locations
        ):
            problems.append(
                f"{PROJECT}:syntheticCheckRegions must be distinct regions other than aws:region"
                f" and {PROJECT}:activeRegions (the checks measure from outside serving regions)"
            )
        pages = {self.alarm_email, self.alarm_webhook_url} - {None}
        tickets = {self.ticket_email, self.ticket_webhook_url} - {None}
        if pages & tickets:
            problems.append(
                f"{PROJECT}:ticketEmail/ticketWebhookUrl must differ from the alarm subscribers:"
                " a ticket must not page anyone"
            )
        if self.require_alarm_subscriber and not tickets:
            problems.append(
                f"tickets would reach nobody: set {PROJECT}:ticketEmail or "
                f"{PROJECT}:ticketWebhookUrl (or {PROJECT}:requireAlarmSubscriber: false)"
            )
        return problems


def full_key(each: dataclasses.Field[Any]) -> str:
    key = each.metadata["key"]
    return key if ":" in key else f"{PROJECT}:{key}"


def settings() -> Iterator[tuple[dataclasses.Field[Any], type[Any]]]:
    """Each field with its value type (`int` for `int | None`)."""
    hints = typing.get_type_hints(StackConfig)
    for each in dataclasses.fields(StackConfig):
        types = [t for t in typing.get_args(hints[each.name]) if t is not type(None)]
        yield each, (types[0] if types else hints[each.name])
