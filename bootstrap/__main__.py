"""The bootstrap stack: everything the workflows depend on, which no workflow can change.

Run by an operator (`pulumi -C bootstrap up`), never by CI: the CI roles cannot touch this
stack's roles, policies or provider (see bootstrap/github_ci_roles.py). Its resources are
protected, and the account-wide ones are also kept if the stack is ever destroyed.

Per stage: a permissions boundary, and the deploy, preview and drift roles, exported under the
names of the GitHub variables the workflows read (hello_stack.naming.github_variable). For the
account: IAM Access Analyzer, whose findings reach a topic and its subscriber.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_github as github

from bootstrap import pulumi_config as bootstrap_config
from bootstrap.access_findings import AccessFindings, AccessFindingsArgs
from bootstrap.api_gateway_logging import ApiGatewayLogging
from bootstrap.github_ci_roles import (
    GITHUB_OIDC_HOST,
    GithubCiRoles,
    GithubCiRolesArgs,
)
from bootstrap.github_settings import GithubSettings, GithubSettingsArgs
from bootstrap.permissions_boundary import (
    PermissionsBoundary,
    PermissionsBoundaryArgs,
)
from components.canary_deployment import CODEDEPLOY_LAMBDA_POLICY
from components.iam import BASIC_LOGS_POLICY
from components.table_backup import BACKUP_POLICY, RESTORE_POLICY
from hello_stack import naming, stage_files

# The AWS managed policies the stage stacks attach (release hooks, CodeDeploy, and AWS Backup
# where the stage backs up): the deploy roles may attach these and no others.
STAGE_MANAGED_POLICIES = (BASIC_LOGS_POLICY, CODEDEPLOY_LAMBDA_POLICY)
BACKUP_MANAGED_POLICIES = (BACKUP_POLICY, RESTORE_POLICY)

settings = bootstrap_config.load()
stage_files.refuse_shared_restore_tests(settings.stages, settings.region)
name = f"{naming.PROJECT}-bootstrap"
provider = aws.Provider(
    f"{name}-aws",
    region=settings.region,
    default_tags={"tags": {"project": naming.PROJECT, "managed-by": "pulumi-bootstrap"}},
)
# `pulumi destroy` of this stack stops at protected resources; account-wide ones also survive
# a forced one, since other stacks and accounts' tooling may rely on them.
kept = pulumi.ResourceOptions(providers=[provider], protect=True)
account_wide = pulumi.ResourceOptions(providers=[provider], protect=True, retain_on_delete=True)

if settings.github_oidc_provider_arn:
    oidc_provider_arn: pulumi.Input[str] = settings.github_oidc_provider_arn
else:
    oidc_provider_arn = aws.iam.OpenIdConnectProvider(
        f"{name}-github-oidc",
        url=f"https://{GITHUB_OIDC_HOST}",
        client_id_lists=["sts.amazonaws.com"],
        opts=account_wide,
    ).arn

if settings.manage_api_gateway_account:
    ApiGatewayLogging(name, opts=account_wide)

federated_roles: list[pulumi.Output[str]] = []
role_variables: dict[str, pulumi.Output[str]] = {}
for stage in settings.stages:
    backs_up = stage_files.backs_up(stage)
    boundary = PermissionsBoundary(
        f"{name}-{stage}",
        PermissionsBoundaryArgs(
            policy_name=naming.boundary_policy_name(stage),
            resource_prefix=naming.stage_prefix(stage),
            restore_test_tables=backs_up,
            restore_test_region=stage_files.region(stage),
            metric_namespace=naming.log_metric_namespace(stage),
            fails_over=stage_files.fails_over(stage),
        ),
        opts=kept,
    )
    roles = GithubCiRoles(
        f"{name}-{stage}",
        GithubCiRolesArgs(
            repository=settings.github_repository,
            stage=stage,
            oidc_provider_arn=oidc_provider_arn,
            boundary_arn=boundary.policy_arn,
            stage_managed_policies=(
                *STAGE_MANAGED_POLICIES,
                *(BACKUP_MANAGED_POLICIES if backs_up else ()),
            ),
            backs_up=backs_up,
            failover=stage_files.failover_records(stage),
            state_bucket=settings.state_bucket,
            state_key_arn=settings.state_kms_key_arn,
        ),
        opts=kept,
    )
    role_variables[naming.github_variable(stage, "deploy")] = roles.deploy_role_arn
    role_variables[naming.github_variable(stage, "preview")] = roles.preview_role_arn
    role_variables[naming.github_variable(stage, "drift")] = roles.drift_role_arn
    pulumi.export(f"{stage}_permissions_boundary_arn", boundary.policy_arn)
    federated_roles += [roles.deploy_role_arn, roles.preview_role_arn, roles.drift_role_arn]
for variable, arn in role_variables.items():
    pulumi.export(variable, arn)

# The GitHub side the roles' trust relies on, and the variables the workflows read. The
# provider takes its token from GITHUB_TOKEN (docs/bootstrap.md).
GithubSettings(
    f"{name}-github",
    GithubSettingsArgs(
        repository=settings.github_repository,
        stages=settings.stages,
        variables=role_variables,
        repository_wide=settings.manage_github_repository,
    ),
    opts=pulumi.ResourceOptions(
        providers=[
            github.Provider(f"{name}-github", owner=settings.github_repository.split("/")[0])
        ],
        protect=True,
    ),
)

# No role a stage creates may trust anyone outside unnoticed: IAM cannot limit a trust policy.
findings = AccessFindings(
    f"{name}-access",
    AccessFindingsArgs(
        subscriber_email=settings.security_email,
        federated_roles=federated_roles,
        oidc_provider_arn=oidc_provider_arn,
        existing_analyzer=settings.access_analyzer_name,
    ),
    opts=kept,
)
pulumi.export("access_findings_topic_arn", findings.topic_arn)
pulumi.export("github_oidc_provider_arn", oidc_provider_arn)
