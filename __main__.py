"""The hello stack: reads config, composes the components, exports the outputs.

Stacks differ only in config (Pulumi.<stack>.yaml); every default lives here, in code.
The README's "Deploy to AWS" section lists every key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pulumi
import pulumi_aws as aws

from components.api_gateway_logging import ApiGatewayLogging, ApiGatewayLoggingArgs
from components.birthday_table import BirthdayTable, BirthdayTableArgs
from components.canary_deployment import CanaryDeployment, CanaryDeploymentArgs
from components.cdn import Cdn, CdnArgs
from components.chalice_api import ChaliceApi, ChaliceApiArgs
from components.edge_firewall import EdgeFirewall, EdgeFirewallArgs
from components.github_deploy_role import GithubDeployRole, GithubDeployRoleArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.table_backup import TableBackup, TableBackupArgs

ORIGIN_HEADER = "X-Origin-Verify"  # the app's chalicelib/settings.py reads the same header

config = pulumi.Config("hello")
region = pulumi.Config("aws").require("region")
stage = pulumi.get_stack()
name = f"hello-{stage}"
tags = {"project": "hello", "stage": stage, "managed-by": "pulumi"}
T = TypeVar("T")


def setting(get: Callable[[str], T | None], key: str, default: T) -> T:
    """`hello:<key>` read with `get` (config.get, get_int, ...), or the default when unset.

    Unlike `get(key) or default`, an explicit 0 or false in a stack file is kept.
    """
    value = get(key)
    return default if value is None else value


# CloudFront's web ACLs, certificates and metrics all live in us-east-1.
edge_provider = aws.Provider(f"{name}-us-east-1", region="us-east-1")

table = BirthdayTable(
    name,
    BirthdayTableArgs(
        deletion_protection=setting(config.get_bool, "deletionProtection", False), tags=tags
    ),
)
backup_retention_days = setting(config.get_int, "backupRetentionDays", 0)
if backup_retention_days > 0:
    TableBackup(
        name,
        TableBackupArgs(table_arn=table.arn, retention_days=backup_retention_days, tags=tags),
    )

account_logging = (
    [ApiGatewayLogging(name, ApiGatewayLoggingArgs(tags=tags))]
    if config.get_bool("manageApiGatewayAccount")
    else []
)

api = ChaliceApi(
    name,
    ChaliceApiArgs(
        project_dir=str(Path(__file__).resolve().parent / "hello_app"),
        region=region,
        runtime=setting(config.get, "lambdaRuntime", "python3.12"),
        memory_size=setting(config.get_int, "lambdaMemoryMb", 256),
        timeout=setting(config.get_int, "lambdaTimeoutSeconds", 10),
        reserved_concurrency=config.get_int("reservedConcurrency"),
        log_retention_days=setting(config.get_int, "logRetentionDays", 14),
        throttling_rate_limit=setting(config.get_float, "throttleRateLimit", 100.0),
        throttling_burst_limit=setting(config.get_int, "throttleBurstLimit", 200),
        environment={
            "HELLO_TABLE_NAME": table.name,
            "HELLO_LOG_USERNAMES": "true" if config.get_bool("logUsernames") else "false",
        },
        policy_statements=[
            {
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
                "Resource": table.arn,
            }
        ],
        origin_secret_env_var="HELLO_ORIGIN_SECRET",  # noqa: S106 - a variable name, not a secret
        # Both stages release through CodeDeploy (dev all at once), so dev rehearses prod's path.
        traffic_shifted_externally=True,
        stage_depends_on=account_logging,
        tags=tags,
    ),
)

firewall = (
    EdgeFirewall(
        name,
        EdgeFirewallArgs(
            rate_limit_per_ip=setting(config.get_int, "wafRateLimitPerIp", 1000), tags=tags
        ),
        opts=pulumi.ResourceOptions(providers=[edge_provider]),
    )
    if config.get_bool("wafEnabled")
    else None
)

cdn = Cdn(
    name,
    CdnArgs(
        rest_api_id=api.rest_api_id,
        stage_name=api.stage_name,
        region=region,
        price_class=setting(config.get, "priceClass", "PriceClass_100"),
        origin_header_name=ORIGIN_HEADER,
        origin_header_value=api.origin_secret,
        domain_name=config.get("customDomain"),
        certificate_arn=config.get("certificateArn"),
        web_acl_arn=firewall.web_acl_arn if firewall else None,
        tags=tags,
    ),
)

monitoring = Monitoring(
    name,
    MonitoringArgs(
        region=region,
        api_name=api.rest_api_name,
        stage_name=api.stage_name,
        function_name=api.function_name,
        alias_name=api.alias_name,
        table_name=table.name,
        distribution_id=cdn.distribution_id,
        edge_provider=edge_provider,
        alarm_email=config.get("alarmEmail"),
        api_5xx_rate=setting(config.get_float, "api5xxRateThreshold", 0.01),
        latency_p99_ms=setting(config.get_float, "latencyP99SloMs", 1000.0),
        lambda_errors_per_minute=setting(config.get_float, "lambdaErrorsPerMinute", 1.0),
        cdn_5xx_rate_percent=setting(config.get_float, "cdn5xxRatePercent", 1.0),
        tags=tags,
    ),
)

canary = CanaryDeployment(
    name,
    CanaryDeploymentArgs(
        deployment_config_name=setting(
            config.get, "deploymentConfig", "CodeDeployDefault.LambdaAllAtOnce"
        ),
        alarm_names=monitoring.rollback_alarm_names,
        tags=tags,
    ),
)

github_repository = config.get("githubRepository")
if github_repository:
    github = GithubDeployRole(
        name,
        GithubDeployRoleArgs(
            repository=github_repository,
            environment=config.get("githubEnvironment"),
            oidc_provider_arn=config.get("githubOidcProviderArn"),
            tags=tags,
        ),
    )
    pulumi.export("github_deploy_role_arn", github.deploy_role_arn)
    pulumi.export("github_preview_role_arn", github.preview_role_arn)
    pulumi.export("github_oidc_provider_arn", github.oidc_provider_arn)

pulumi.export("url", cdn.url)
pulumi.export("api_url", api.api_url)
pulumi.export("table_name", table.name)
pulumi.export("function_name", api.function_name)
pulumi.export("function_version", api.function_version)
pulumi.export("alias_name", api.alias_name)
pulumi.export("codedeploy_application", canary.application_name)
pulumi.export("codedeploy_deployment_group", canary.deployment_group_name)
pulumi.export("alarm_topic_arn", monitoring.topic_arn)
pulumi.export("dashboard_name", monitoring.dashboard_name)
