"""The hello stack: loads its settings, composes the components, exports the outputs.

Stacks differ only in config (Pulumi.<stack>.yaml). Every key, its default and its rule live in
hello_stack/config.py; what the app and the infrastructure share lives in the app's contract.
"""

from __future__ import annotations

import dataclasses
import platform
from pathlib import Path

import pulumi
import pulumi_aws as aws

from chalicelib import contract
from components.birthday_table import BirthdayTable, BirthdayTableArgs
from components.canary_deployment import CanaryDeployment, CanaryDeploymentArgs
from components.cdn import Cdn, CdnArgs, CustomDomain
from components.dashboard import Dashboard, DashboardArgs
from components.edge_firewall import EdgeFirewall, EdgeFirewallArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.origin_secret import OriginSecret, OriginSecretArgs, legacy_chalice_app_alias
from components.region_drill import RegionDrill, RegionDrillArgs
from components.regional_endpoint import (
    RegionalEndpoint,
    RegionalEndpointArgs,
)
from components.release_hooks import ReleaseHooks, ReleaseHooksArgs
from components.restore_testing import RestoreTesting, RestoreTestingArgs
from components.slo_alerts import SloAlerts, SloAlertsArgs
from components.synthetic_checks import SyntheticChecks, SyntheticChecksArgs
from components.table_backup import TableBackup, TableBackupArgs
from hello_stack import (
    alarms,
    config,
    failover,
    limits,
    naming,
    pulumi_config,
    release_traffic,
    slo,
)
from hello_stack.access_log import ACCESS_LOG_FORMAT
from hello_stack.alarm_spec import AlarmSpec
from hooks import release_hook
from pulumi_chalice import ChaliceApp, ChaliceAppArgs

ALIAS_NAME = "live"  # what CodeDeploy moves and API Gateway invokes
EDGE_REGION = "us-east-1"  # CloudFront's web ACLs and certificates live there


@dataclasses.dataclass(frozen=True)
class RestHandler:
    """ChaliceApp's outputs for the REST handler, its alias, API and logs. ChaliceApp types each
    as optional (an app may have no routes); hello's app has routes, so none is None."""

    rest_api_id: pulumi.Output[str]
    api_url: pulumi.Output[str]
    rest_api_name: pulumi.Output[str]
    stage_name: pulumi.Output[str]
    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]
    function_qualified_arn: pulumi.Output[str]
    alias_name: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    access_log_group_name: pulumi.Output[str]

    @classmethod
    def of(cls, app: ChaliceApp) -> RestHandler:
        values = {each.name: getattr(app, each.name) for each in dataclasses.fields(cls)}
        missing = [key for key, value in values.items() if value is None]
        assert not missing, f"ChaliceApp made no {missing}: hello's app defines routes"
        return cls(**values)


@dataclasses.dataclass(frozen=True)
class Serving:
    """What serves the API in one region."""

    name: str  # hello-<stage> in the first region, hello-<stage>-<region> in the others
    app: ChaliceApp
    rest: RestHandler  # its outputs for the REST handler
    endpoint: RegionalEndpoint | None  # behind the failover name (two regions only)


@dataclasses.dataclass(frozen=True)
class Operating:
    """What watches and releases one region."""

    alarms: list[AlarmSpec]
    monitoring: Monitoring
    canary: CanaryDeployment
    hooks: ReleaseHooks


settings = pulumi_config.load()
if mismatch := config.build_python_mismatch(platform.python_version()):
    pulumi.log.warn(mismatch)
stage = pulumi.get_stack()
name = naming.stack_name(stage)
# Where the stage's own metrics live (log metrics, checks, restore tests): one per stage.
metric_namespace = naming.log_metric_namespace(stage)
# Every AWS resource is tagged through its provider, never one by one.
tags: aws.ProviderDefaultTagsArgsDict = {
    "tags": {"project": naming.PROJECT, "stage": stage, "managed-by": "pulumi"}
}
regional_provider = aws.Provider(f"{name}-aws", region=settings.region, default_tags=tags)
regional = pulumi.ResourceOptions(providers=[regional_provider])
# Every further region serving the API: its own provider, its resources named after it.
other_regions = settings.regions[1:]
region_options = {settings.region: regional} | {
    region: pulumi.ResourceOptions(
        providers=[
            aws.Provider(
                naming.regional_name(f"{name}-aws", region), region=region, default_tags=tags
            )
        ]
    )
    for region in other_regions
}
edge = pulumi.ResourceOptions(
    providers=[aws.Provider(f"{name}-{EDGE_REGION}", region=EDGE_REGION, default_tags=tags)]
)

# Every role this stack creates carries the boundary the bootstrap stack made for the stage
# (bootstrap/): the deploy role may create roles only with it.
in_this_account = pulumi.InvokeOutputOptions(provider=regional_provider)
boundary_arn = pulumi.Output.format(
    "arn:{0}:iam::{1}:policy/{2}",
    aws.get_partition_output(opts=in_this_account).partition,
    aws.get_caller_identity_output(opts=in_this_account).account_id,
    naming.boundary_policy_name(stage),
)

table = BirthdayTable(
    name,
    BirthdayTableArgs(
        deletion_protection=settings.deletion_protection,
        pitr_recovery_days=settings.pitr_recovery_days,
        replica_regions=other_regions,
        witness_region=settings.witness_region,
    ),
    opts=regional,
)
# Each region reads and writes its own replica (MRSC: strongly consistent in every one).
table_arns = {settings.region: table.arn, **table.replica_arns}
backup = None
if settings.backup_retention_days > 0:
    backup = TableBackup(
        name,
        TableBackupArgs(
            table_arn=table.arn,
            retention_days=settings.backup_retention_days,
            permissions_boundary=boundary_arn,
        ),
        opts=regional,
    )

# One secret for every region: CloudFront sends it to whichever region the failover name
# answers, and each region's probe sends it to that region's API.
# Until pulumi-chalice, the ChaliceApp below (same name) made the secret as its child.
secret = OriginSecret(name, OriginSecretArgs(legacy_chalice_app_name=name)).value


def regional_api(region: str, app_name: str) -> ChaliceApp:
    """The app in one region, on that region's replica."""
    options = region_options[region]
    if region == settings.region:  # the URNs the stacks hold from before pulumi-chalice
        options = pulumi.ResourceOptions.merge(
            options, pulumi.ResourceOptions(aliases=[legacy_chalice_app_alias()])
        )
    return ChaliceApp(
        app_name,
        ChaliceAppArgs(
            project_dir=str(Path(__file__).resolve().parent / "hello_app"),
            chalice_stage=stage,
            runtime=settings.lambda_runtime,
            # The stack's settings above the project's .chalice/config.json, as CLI options are.
            config_overrides={
                "api_gateway_stage": contract.STAGE_NAME,
                "lambda_memory_size": settings.lambda_memory_mb,
                "lambda_timeout": settings.lambda_timeout_seconds,
                "log_retention_in_days": settings.log_retention_days,
                **(
                    {"reserved_concurrency": settings.reserved_concurrency}
                    if settings.reserved_concurrency is not None
                    else {}
                ),
            },
            endpoint_type="REGIONAL",  # reached through CloudFront only
            # Chalice would name every stage's API `hello`: API Gateway's metrics are keyed by
            # name.
            rest_api_name=app_name,
            environment={
                contract.TABLE_NAME_ENV: table.name,  # a global table's name is every replica's
                contract.LOG_USERNAMES_ENV: str(settings.log_usernames).lower(),
                contract.ORIGIN_SECRET_ENV: secret,
                **({config.REPUBLISH_ENV: settings.republish} if settings.republish else {}),
            },
            policy_statements=[
                {
                    "Effect": "Allow",
                    "Action": contract.dynamodb_actions(),
                    "Resource": table_arns[region],
                }
            ],
            alias_name=ALIAS_NAME,
            # Both stages release through CodeDeploy canaries (each stack's `deploymentConfig`),
            # so dev rehearses prod's path.
            traffic_shifted_externally=True,
            snap_start=settings.snap_start,
            access_log_format=ACCESS_LOG_FORMAT,
            access_log_retention_days=settings.log_retention_days,
            throttling=(settings.throttle_rate_limit, settings.throttle_burst_limit),
            permissions_boundary=boundary_arn,
        ),
        opts=options,
    )


def serving(region: str) -> Serving:
    """A region's app and, with two regions, its endpoint behind the failover name (each region
    behind its health check)."""
    region_name = naming.regional_name(name, region, primary=settings.region)
    app = regional_api(region, region_name)
    region_rest = RestHandler.of(app)
    endpoint = (
        RegionalEndpoint(
            region_name,
            RegionalEndpointArgs(
                region=region,
                rest_api_id=region_rest.rest_api_id,
                stage_name=region_rest.stage_name,
                health_path=contract.HEALTH_PATH,
                # Set whenever two regions are (the settings refuse a stack without them).
                hosted_zone_id=str(settings.hosted_zone_id),
                failover_domain=str(settings.failover_domain),
                certificate_arn=settings.certificate_arns[region],
                role=failover.PRIMARY if region == settings.region else failover.SECONDARY,
                throttling=(settings.throttle_rate_limit, settings.throttle_burst_limit),
            ),
            opts=region_options[region],
        )
        if settings.multi_region
        else None
    )
    return Serving(region_name, app, region_rest, endpoint)


# Each region is composed in two steps, because the CDN comes between them: it waits for every
# region's endpoint, and with one region the release hooks call the CDN's URL.
servings = {region: serving(region) for region in settings.regions}
api = servings[settings.region].app
rest = servings[settings.region].rest

firewall = (
    EdgeFirewall(
        name,
        EdgeFirewallArgs(
            rate_limit_per_ip=settings.waf_rate_limit_per_ip,
            evaluation_window_s=release_traffic.WAF_WINDOW_S,
            warning_limit_per_ip=limits.waf_warning_limit(settings),
        ),
        opts=edge,
    )
    if settings.waf_enabled
    else None
)

cdn = Cdn(
    name,
    CdnArgs(
        rest_api_id=rest.rest_api_id,
        stage_name=rest.stage_name,
        region=settings.region,
        price_class=settings.price_class,
        origin_header_name=contract.ORIGIN_HEADER,
        origin_header_value=secret,
        custom_domain=(
            CustomDomain(settings.custom_domain, settings.certificate_arn)
            if settings.custom_domain and settings.certificate_arn
            else None
        ),
        web_acl_arn=firewall.web_acl_arn if firewall else None,
        # Set only with two regions (the settings refuse it on one).
        failover_domain=settings.failover_domain,
        origin_ready=[each.endpoint for each in servings.values() if each.endpoint],
    ),
    opts=regional,
)

# Restore tests of the recovery points, validated as the app reads the table; failures page.
restore_testing = None
if backup is not None:
    restore_testing = RestoreTesting(
        name,
        RestoreTestingArgs(
            plan_name=naming.restore_testing_plan_name(stage),
            table_name=table.name,
            table_arn=table.arn,
            vault_arn=backup.vault_arn,
            selection_window_days=settings.restore_test_selection_days,
            validation_window_hours=settings.restore_test_validation_hours,
            count_tolerance_percent=settings.restore_count_tolerance_percent,
            runtime=settings.lambda_runtime,
            log_retention_days=settings.log_retention_days,
            metric_namespace=metric_namespace,
            permissions_boundary=boundary_arn,
        ),
        opts=regional,
    )


# Behind Route 53 (two regions) the health checks call this path; the release's 5XX alarms and
# the server SLI leave their requests out. One region: no health checks.
health_checked_path = contract.HEALTH_PATH if settings.multi_region else None


def alarms_of(region: str) -> list[AlarmSpec]:
    """A region's alarms: its API, function and replica, and the limits before them (the first
    region's also the restore tests')."""
    region_rest = servings[region].rest
    found = alarms.regional_alarms(
        settings,
        api_name=region_rest.rest_api_name,
        stage_name=region_rest.stage_name,
        function_name=region_rest.function_name,
        alias_name=region_rest.alias_name,
        table_name=table.name,
        function_log_group_name=region_rest.log_group_name,
        log_metric_namespace=metric_namespace,
        health_path=health_checked_path,
    )
    # An alarm before each limit.
    found += limits.limit_alarms(settings, region_rest, metric_namespace)
    if region == settings.region and restore_testing is not None:
        found += [restore_testing.failure_alarm, restore_testing.heartbeat_alarm]
    return found


# CloudFront's and Route 53's metrics exist only in us-east-1: the quota alarm and, with two
# regions, the health checks' alarms notify a topic there (alive when a serving region is not).
edge_alarms = limits.edge_limit_alarms(cdn.distribution_id) + alarms.failover_alarms(
    [
        (each.endpoint.role, each.endpoint.health_check_id)
        for each in servings.values()
        if each.endpoint
    ]
)


def paging(alarms: list[AlarmSpec]) -> MonitoringArgs:
    """Both page topics reach the same people."""
    return MonitoringArgs(
        alarms=alarms,
        alarm_email=settings.alarm_email,
        alarm_webhook_url=settings.alarm_webhook_url,
    )


def operating(region: str) -> Operating:
    """A region's alarms, notifying that region's own topic (an alarm notifies a topic in its own
    region only), and its CodeDeploy group (rolled back by those alarms) with its hooks."""
    region_name = servings[region].name
    region_rest = servings[region].rest
    region_alarms = alarms_of(region)
    region_monitoring = Monitoring(region_name, paging(region_alarms), opts=region_options[region])
    region_canary = CanaryDeployment(
        region_name,
        CanaryDeploymentArgs(
            deployment_config_name=settings.deployment_config,
            alarm_names=region_monitoring.rollback_alarm_names,
            permissions_boundary=boundary_arn,
        ),
        opts=region_options[region],
    )
    region_hooks = ReleaseHooks(
        region_name,
        ReleaseHooksArgs(
            function_arn=region_rest.function_arn,
            environment={
                release_hook.TARGET_ENV: region_rest.function_qualified_arn,
                release_hook.ORIGIN_HEADER_ENV: contract.ORIGIN_HEADER,
                release_hook.ORIGIN_SECRET_ENV: secret,
                release_hook.STAGE_ENV: contract.STAGE_NAME,
                # Two regions: the after-traffic check calls this region's own API (the public
                # name may be serving the other one); one region: the public URL.
                **(
                    {
                        release_hook.PUBLIC_URL_ENV: region_rest.api_url,
                        release_hook.DIRECT_ENV: "true",
                    }
                    if settings.multi_region
                    else {release_hook.PUBLIC_URL_ENV: cdn.url}
                ),
            },
            codedeploy_role_name=region_canary.role_name,
            runtime=settings.lambda_runtime,
            log_retention_days=settings.log_retention_days,
            timeout_s=release_hook.FUNCTION_TIMEOUT_S,
            permissions_boundary=boundary_arn,
        ),
        opts=region_options[region],
    )
    return Operating(region_alarms, region_monitoring, region_canary, region_hooks)


operations = {region: operating(region) for region in settings.regions}
monitoring = operations[settings.region].monitoring
canary = operations[settings.region].canary
hooks = operations[settings.region].hooks

edge_monitoring = Monitoring(f"{name}-edge", paging(edge_alarms), opts=edge)

# The availability SLO (docs/slo.md): checks from outside the serving region, two SLIs, pages
# and tickets on their burn rates, the budget on the dashboard and in the release gate.
SyntheticChecks(
    name,
    SyntheticChecksArgs(
        public_url=cdn.url,
        locations=settings.check_locations,
        metric_region=settings.region,
        metric_namespace=metric_namespace,
        runtime=settings.lambda_runtime,
        log_retention_days=settings.log_retention_days,
        default_tags=tags,
        permissions_boundary=boundary_arn,
    ),
    opts=regional,
)
slis = [
    # The first region's API: an alarm's metric math reads one region. The others are seen by
    # the client-side SLI when users are (docs/failover.md, "What the SLO sees").
    slo.server_sli(
        {"ApiName": rest.rest_api_name, "Stage": rest.stage_name},
        metric_namespace,
        settings.check_locations,
        health_path=health_checked_path,
    ),
    slo.client_sli(metric_namespace, settings.check_locations),
]
slo_alerts = SloAlerts(
    name,
    SloAlertsArgs(
        slis=slis,
        objective_percent=settings.availability_slo_percent,
        window_days=settings.slo_window_days,
        page_topic_arn=monitoring.topic_arn,
        ticket_email=settings.ticket_email,
        ticket_webhook_url=settings.ticket_webhook_url,
        check_locations=settings.check_locations,
        metric_namespace=metric_namespace,
    ),
    opts=regional,
)
dashboard = Dashboard(
    name,
    DashboardArgs(
        panels=[
            *((region, each.alarms) for region, each in operations.items()),
            (EDGE_REGION, edge_alarms),
        ],
        leading_widgets=[
            *slo.dashboard_widgets(
                slis, settings.availability_slo_percent, settings.slo_window_days, settings.region
            ),
            slo.latency_widget(
                metric_namespace,
                settings.check_locations,
                settings.latency_p99_slo_ms,
                settings.region,
            ),
        ],
    ),
    opts=regional,
)


# The failover drill on AWS (docs/failover.md): isolates the primary's replica from the others.
if settings.multi_region:
    RegionDrill(
        name,
        RegionDrillArgs(
            replica_arn=table.arn,
            region=settings.region,
            permissions_boundary=boundary_arn,
        ),
        opts=regional,
    )

pulumi.export("url", cdn.url)
pulumi.export("api_url", api.api_url)
pulumi.export("table_name", table.name)
pulumi.export("function_name", api.function_name)
pulumi.export("function_version", api.function_version)
pulumi.export("alias_name", api.alias_name)
pulumi.export("codedeploy_application", canary.application_name)
pulumi.export("codedeploy_deployment_group", canary.deployment_group_name)
pulumi.export("before_traffic_hook", hooks.before_function_name)
pulumi.export("after_traffic_hook", hooks.after_function_name)
pulumi.export("alarm_topic_arn", monitoring.topic_arn)
pulumi.export("edge_alarm_topic_arn", edge_monitoring.topic_arn)
pulumi.export("ticket_topic_arn", slo_alerts.ticket_topic_arn)
# What deploy/error_budget.py reads before a prod release.
pulumi.export(
    "slo",
    {
        "objective_percent": settings.availability_slo_percent,
        "window_days": settings.slo_window_days,
        "region": settings.region,
        "slis": {sli.key: slo.exported(sli) for sli in slis},
        # The gate refuses when the last day's client-side total is below this.
        "checks_min_per_day": slo.silence_threshold(86_400, len(settings.check_locations)),
    },
)
pulumi.export("dashboard_name", dashboard.dashboard_name)
# The live probe's rate during a release: the most the WAF's per-IP limit leaves it.
pulumi.export(
    "release_probe_rate_per_s",
    release_traffic.probe_rate(settings.waf_rate_limit_per_ip if settings.waf_enabled else None),
)
# What the deploy workflow releases, region by region in this order (deploy/shift_traffic.py).
pulumi.export(
    "regions",
    [
        {
            "region": region,
            "api_url": servings[region].app.api_url,
            "function_name": servings[region].app.function_name,
            "function_version": servings[region].app.function_version,
            "alias_name": servings[region].app.alias_name,
            "codedeploy_application": operations[region].canary.application_name,
            "codedeploy_deployment_group": operations[region].canary.deployment_group_name,
            "before_traffic_hook": operations[region].hooks.before_function_name,
            "after_traffic_hook": operations[region].hooks.after_function_name,
        }
        for region in settings.regions
    ],
)
# The secret every region's probe sends (read with --show-secrets by the deploy job only).
pulumi.export("origin_secret", secret)
