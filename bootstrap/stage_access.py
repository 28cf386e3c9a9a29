"""What a stage's deploy role may do, by resource type of the stage's stack: one table, from
which bootstrap.stage_deploy_policy writes the deploy role's policies and the tests derive
every request the stage's create, update and delete make (tests/bootstrap/test_stage_access.py
walks the stage's graph).

Each type lists grants: IAM actions, the policy's resource pattern (`{prefix}` is the stage's
prefix, hello_stack.naming.stage_prefix) and the ARN of one resource of the graph (formatted from
its state, `region`, `account`, `id`). How a grant is held to the stage:

- name: the ARN carries the resource's name, and every name starts with the stage's prefix.
- tag: the ARN holds a random id, so the resource's stage tag (aws:ResourceTag) must be the
  stage's; `create`: the request must tag the new resource with the stage (aws:RequestTag).
  Retagging is denied (bootstrap.stage_deploy_policy), so a stage cannot claim another's resource.
- zone: Route 53 holds records by their hosted zone, the operator's (hello:hostedZoneId), not
  the stage's: the pattern's `{zone}` is the zone the stage's stack file names, and no other.
- records: as zone, and ChangeResourceRecordSets' condition keys hold every change of a request
  to the stage's own record names and type (hello_stack.stage_files.failover_records:
  bootstrap.stage_deploy_policy writes the condition), not the zone's other records.
- iam: granted by the IAM statements of bootstrap.github_ci_roles (boundary and prefix).
- unscoped: the action has no resource-level control, or acts on AWS-owned resources only;
  `why` says why that is safe.
- withheld: the stack needs it, but it has no resource-level control and could reach another
  stage (`why`): not granted; an operator does it (docs/architecture.md, "Threat model").

Only a real `pulumi up` shows an action the provider calls that this table misses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Scope = Literal["name", "tag", "create", "zone", "records", "iam", "unscoped", "withheld"]

REGIONAL = "{region}:{account}"


@dataclass(frozen=True)
class Grant:
    actions: tuple[str, ...]
    pattern: str  # the policy's Resource; {prefix} is the stage's prefix, {zone} its hosted zone
    arn: str  # one resource's ARN, from its state (and region, account, id)
    scope: Scope
    why: str = ""  # for unscoped and withheld grants
    condition: dict[str, dict[str, str | list[str]]] = field(default_factory=dict)
    # Request context the simulator needs (iam:PassedToService, ...), formatted like `arn`.
    context: dict[str, str] = field(default_factory=dict)


def _tagging(service: str) -> tuple[str, ...]:
    return (f"{service}:TagResource", f"{service}:UntagResource", f"{service}:ListTagsForResource")


def _pass_role(service: str, role_key: str) -> Grant:
    return Grant(
        ("iam:PassRole",),
        "arn:aws:iam::*:role/{prefix}*",
        "{%s}" % role_key,  # noqa: UP031 - a format template, filled in later
        "iam",
        context={"iam:PassedToService": service},
    )


FUNCTION = "arn:aws:lambda:*:*:function:{prefix}*"
TABLE = "arn:aws:dynamodb:*:*:table/{prefix}*"
LOG_GROUP = "arn:aws:logs:*:*:log-group:{prefix}*"
TOPIC = "arn:aws:sns:*:*:{prefix}*"
REST_APIS = "arn:aws:apigateway:*::/restapis/*"
API_TAGS = "arn:aws:apigateway:*::/tags/*"
DEPLOYMENT_GROUP = "arn:aws:codedeploy:*:*:deploymentgroup:{prefix}*"
BACKUP_PLAN = "arn:aws:backup:*:*:backup-plan:*"
# Named hello_<stage>_restore_test-<id> (AWS allows no hyphens in the name): held by tag.
RESTORE_TESTING_PLAN = "arn:aws:backup:*:*:restore-testing-plan:*"
RULE = "arn:aws:events:*:*:rule/{prefix}*"
DISTRIBUTIONS = "arn:aws:cloudfront::*:distribution/*"
ROLE_ARN = "arn:aws:iam::{account}:role/%s"
STAGE_ROLES = "arn:aws:iam::*:role/{prefix}*"
BOUNDED = {"iam:PermissionsBoundary": "{boundary}"}

ACCESS: dict[str, tuple[Grant, ...]] = {
    "aws:dynamodb/table:Table": (
        Grant(
            (
                "dynamodb:CreateTable",
                "dynamodb:DescribeTable",
                "dynamodb:UpdateTable",
                "dynamodb:DeleteTable",
                "dynamodb:DescribeContinuousBackups",
                "dynamodb:UpdateContinuousBackups",
                "dynamodb:DescribeTimeToLive",
                "dynamodb:UpdateTimeToLive",
                "dynamodb:DescribeKinesisStreamingDestination",
                "dynamodb:GetResourcePolicy",
                "dynamodb:ListTagsOfResource",
                "dynamodb:TagResource",
                "dynamodb:UntagResource",
                # An MRSC global table's replicas and witness (two-region stages).
                "dynamodb:CreateTableReplica",
                "dynamodb:DeleteTableReplica",
                "dynamodb:CreateGlobalTableWitness",
                "dynamodb:DeleteGlobalTableWitness",
            ),
            TABLE,
            f"arn:aws:dynamodb:{REGIONAL}:table/{{name}}",
            "name",
        ),
    ),
    "aws:lambda/function:Function": (
        Grant(
            (
                "lambda:CreateFunction",
                "lambda:GetFunction",
                "lambda:GetFunctionConfiguration",
                "lambda:GetFunctionCodeSigningConfig",
                "lambda:GetFunctionConcurrency",
                "lambda:GetFunctionRecursionConfig",
                "lambda:GetRuntimeManagementConfig",
                "lambda:ListVersionsByFunction",
                "lambda:UpdateFunctionCode",
                "lambda:UpdateFunctionConfiguration",
                "lambda:PutFunctionConcurrency",
                "lambda:DeleteFunctionConcurrency",
                "lambda:PublishVersion",
                "lambda:DeleteFunction",
                "lambda:TagResource",
                "lambda:UntagResource",
                "lambda:ListTags",
            ),
            FUNCTION,
            f"arn:aws:lambda:{REGIONAL}:function:{{name}}",
            "name",
        ),
        _pass_role("lambda.amazonaws.com", "role"),
    ),
    "aws:lambda/alias:Alias": (
        Grant(
            ("lambda:CreateAlias", "lambda:GetAlias", "lambda:UpdateAlias", "lambda:DeleteAlias"),
            FUNCTION,
            f"arn:aws:lambda:{REGIONAL}:function:{{functionName}}:{{name}}",
            "name",
        ),
    ),
    "aws:lambda/permission:Permission": (
        Grant(
            ("lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission"),
            FUNCTION,
            f"arn:aws:lambda:{REGIONAL}:function:{{function}}",
            "name",
        ),
    ),
    "aws:apigateway/restApi:RestApi": (
        Grant(
            ("apigateway:POST",),
            "arn:aws:apigateway:*::/restapis",
            "arn:aws:apigateway:{region}::/restapis",
            "create",
        ),
        Grant(
            ("apigateway:GET", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"),
            REST_APIS,
            "arn:aws:apigateway:{region}::/restapis/{id}",
            "tag",
        ),
        Grant(
            ("apigateway:PUT", "apigateway:DELETE"),
            API_TAGS,
            "arn:aws:apigateway:{region}::/tags/{arn}",
            "unscoped",
            why="API Gateway's tag edits have no resource-tag control; changing or removing "
            "the stage tag is denied, so no stage can claim another's API",
        ),
    ),
    "aws:apigateway/deployment:Deployment": (
        Grant(
            ("apigateway:POST", "apigateway:GET", "apigateway:DELETE"),
            REST_APIS,
            "arn:aws:apigateway:{region}::/restapis/{restApi}/deployments",
            "tag",
        ),
    ),
    "aws:apigateway/stage:Stage": (
        Grant(
            ("apigateway:POST",),
            REST_APIS,
            "arn:aws:apigateway:{region}::/restapis/{restApi}/stages",
            "tag",
        ),
        Grant(
            ("apigateway:GET", "apigateway:PATCH", "apigateway:DELETE"),
            REST_APIS,
            "arn:aws:apigateway:{region}::/restapis/{restApi}/stages/{stageName}",
            "tag",
        ),
    ),
    "aws:apigateway/methodSettings:MethodSettings": (
        Grant(
            ("apigateway:GET", "apigateway:PATCH"),
            REST_APIS,
            "arn:aws:apigateway:{region}::/restapis/{restApi}/stages/{stageName}",
            "tag",
        ),
    ),
    "aws:cloudfront/distribution:Distribution": (
        Grant(
            ("cloudfront:CreateDistribution",),
            "*",  # no resource type in AWS's Service Authorization Reference
            "*",
            "create",
        ),
        Grant(
            ("cloudfront:TagResource",),  # CreateDistributionWithTags tags the new one
            DISTRIBUTIONS,
            "arn:aws:cloudfront::{account}:distribution/{id}",
            "create",
        ),
        Grant(
            (
                "cloudfront:GetDistribution",
                "cloudfront:GetDistributionConfig",
                "cloudfront:UpdateDistribution",
                "cloudfront:DeleteDistribution",
                *_tagging("cloudfront"),
            ),
            DISTRIBUTIONS,
            "arn:aws:cloudfront::{account}:distribution/{id}",
            "tag",
        ),
    ),
    "aws:wafv2/webAcl:WebAcl": (
        Grant(
            (
                "wafv2:CreateWebACL",
                "wafv2:GetWebACL",
                "wafv2:UpdateWebACL",
                "wafv2:DeleteWebACL",
                *_tagging("wafv2"),
            ),
            "arn:aws:wafv2:*:*:global/webacl/{prefix}*/*",
            "arn:aws:wafv2:us-east-1:{account}:global/webacl/{name}/{id}",
            "name",
        ),
        Grant(
            ("wafv2:CreateWebACL", "wafv2:UpdateWebACL"),
            "arn:aws:wafv2:*:*:global/managedruleset/*/*",
            "arn:aws:wafv2:us-east-1:{account}:global/managedruleset/AWS/AWSManagedRulesCommonRuleSet",
            "unscoped",
            why="AWS's managed rule groups belong to AWS: a web ACL may only reference them",
        ),
    ),
    "aws:cloudwatch/logGroup:LogGroup": (
        Grant(
            (
                "logs:CreateLogGroup",
                "logs:PutRetentionPolicy",
                "logs:DeleteRetentionPolicy",
                "logs:DeleteLogGroup",
                "logs:ListTagsForResource",
                "logs:TagResource",
                "logs:UntagResource",
                # The older names some API calls still check.
                "logs:ListTagsLogGroup",
                "logs:TagLogGroup",
                "logs:UntagLogGroup",
            ),
            LOG_GROUP,
            f"arn:aws:logs:{REGIONAL}:log-group:{{name}}",
            "name",
        ),
        Grant(
            ("logs:DescribeLogGroups",),
            "*",
            "*",
            "unscoped",
            why="lists log groups' settings (names, retention), never their events",
        ),
    ),
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": (
        Grant(
            ("logs:PutMetricFilter", "logs:DescribeMetricFilters", "logs:DeleteMetricFilter"),
            LOG_GROUP,
            f"arn:aws:logs:{REGIONAL}:log-group:{{logGroupName}}",
            "name",
        ),
    ),
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": (
        Grant(
            (
                "lambda:PutFunctionEventInvokeConfig",
                "lambda:GetFunctionEventInvokeConfig",
                "lambda:UpdateFunctionEventInvokeConfig",
                "lambda:DeleteFunctionEventInvokeConfig",
            ),
            FUNCTION,
            f"arn:aws:lambda:{REGIONAL}:function:{{functionName}}",
            "name",
        ),
    ),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": (
        Grant(
            (
                "cloudwatch:PutCompositeAlarm",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:DeleteAlarms",
                *_tagging("cloudwatch"),
            ),
            "arn:aws:cloudwatch:*:*:alarm:{prefix}*",
            f"arn:aws:cloudwatch:{REGIONAL}:alarm:{{alarmName}}",
            "name",
        ),
    ),
    "aws:cloudwatch/eventRule:EventRule": (
        Grant(
            (
                "events:PutRule",
                "events:DescribeRule",
                "events:DeleteRule",
                "events:EnableRule",
                "events:DisableRule",
                "events:ListTargetsByRule",
                "events:TagResource",
                "events:UntagResource",
                "events:ListTagsForResource",
            ),
            RULE,
            f"arn:aws:events:{REGIONAL}:rule/{{name}}",
            "name",
        ),
    ),
    "aws:cloudwatch/eventTarget:EventTarget": (
        Grant(
            ("events:PutTargets", "events:RemoveTargets", "events:ListTargetsByRule"),
            RULE,
            f"arn:aws:events:{REGIONAL}:rule/{{rule}}",
            "name",
        ),
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (
        Grant(
            (
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:DeleteAlarms",
                *_tagging("cloudwatch"),
            ),
            "arn:aws:cloudwatch:*:*:alarm:{prefix}*",
            f"arn:aws:cloudwatch:{REGIONAL}:alarm:{{name}}",
            "name",
        ),
    ),
    "aws:cloudwatch/dashboard:Dashboard": (
        Grant(
            ("cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"),
            "arn:aws:cloudwatch::*:dashboard/{prefix}*",
            "arn:aws:cloudwatch::{account}:dashboard/{name}",
            "name",
        ),
    ),
    "aws:sns/topic:Topic": (
        Grant(
            (
                "sns:CreateTopic",
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:DeleteTopic",
                "sns:ListSubscriptionsByTopic",
                *_tagging("sns"),
            ),
            TOPIC,
            f"arn:aws:sns:{REGIONAL}:{{name}}",
            "name",
        ),
    ),
    "aws:sns/topicSubscription:TopicSubscription": (
        Grant(("sns:Subscribe",), TOPIC, "{topic}", "name"),
        Grant(
            ("sns:GetSubscriptionAttributes",),
            "*",
            "*",
            "unscoped",
            why="reads a subscription's settings (endpoint, filter); changes nothing",
        ),
        Grant(
            ("sns:Unsubscribe", "sns:SetSubscriptionAttributes"),
            "*",
            "*",
            "withheld",
            why="no resource-level control: dev could unsubscribe or filter out prod's pager",
        ),
    ),
    "aws:codedeploy/application:Application": (
        Grant(
            (
                "codedeploy:CreateApplication",
                "codedeploy:GetApplication",
                "codedeploy:UpdateApplication",
                "codedeploy:DeleteApplication",
                "codedeploy:GetApplicationRevision",
                "codedeploy:RegisterApplicationRevision",
                *_tagging("codedeploy"),
            ),
            "arn:aws:codedeploy:*:*:application:{prefix}*",
            f"arn:aws:codedeploy:{REGIONAL}:application:{{name}}",
            "name",
        ),
    ),
    "aws:codedeploy/deploymentGroup:DeploymentGroup": (
        Grant(
            (
                "codedeploy:CreateDeploymentGroup",
                "codedeploy:GetDeploymentGroup",
                "codedeploy:UpdateDeploymentGroup",
                "codedeploy:DeleteDeploymentGroup",
                # deploy/shift_traffic.py: the release itself.
                "codedeploy:CreateDeployment",
                "codedeploy:GetDeployment",
                "codedeploy:ListDeployments",
                "codedeploy:BatchGetDeployments",
                # Every stage resource carries the provider's default tags; AWS's Service
                # Authorization Reference lists the tagging actions on this resource type.
                *_tagging("codedeploy"),
            ),
            DEPLOYMENT_GROUP,
            f"arn:aws:codedeploy:{REGIONAL}:deploymentgroup:{{appName}}/{{deploymentGroupName}}",
            "name",
        ),
        Grant(
            ("codedeploy:GetDeploymentConfig",),
            "arn:aws:codedeploy:*:*:deploymentconfig:*",
            f"arn:aws:codedeploy:{REGIONAL}:deploymentconfig:{{deploymentConfigName}}",
            "unscoped",
            why="reads a traffic-shifting configuration (the stack uses AWS's predefined ones)",
        ),
        Grant(
            ("codedeploy:StopDeployment",),
            "*",
            "*",
            "unscoped",
            why="stops a release or a restore that timed out (deploy/shift_traffic.py); it has no"
            " resource type, so another stage's role could stop this stage's deployment too: that"
            " ends a traffic shift (rolled back or left as it is), it changes no code or data",
        ),
        _pass_role("codedeploy.amazonaws.com", "serviceRoleArn"),
    ),
    "aws:backup/vault:Vault": (
        Grant(
            (
                "backup:CreateBackupVault",
                "backup:DescribeBackupVault",
                "backup:DeleteBackupVault",
                "backup:ListTags",
                "backup:TagResource",
                "backup:UntagResource",
            ),
            "arn:aws:backup:*:*:backup-vault:{prefix}*",
            f"arn:aws:backup:{REGIONAL}:backup-vault:{{name}}",
            "name",
        ),
        Grant(
            ("backup-storage:MountCapsule",),
            "*",
            "*",
            "unscoped",
            why="what AWS Backup checks when it creates a vault's storage; reaches no data",
        ),
    ),
    "aws:backup/plan:Plan": (
        Grant(
            ("backup:CreateBackupPlan",),
            BACKUP_PLAN,
            f"arn:aws:backup:{REGIONAL}:backup-plan:{{id}}",
            "create",
        ),
        Grant(
            (
                "backup:GetBackupPlan",
                "backup:UpdateBackupPlan",
                "backup:DeleteBackupPlan",
                "backup:ListTags",
                "backup:TagResource",
                "backup:UntagResource",
            ),
            BACKUP_PLAN,
            f"arn:aws:backup:{REGIONAL}:backup-plan:{{id}}",
            "tag",
        ),
    ),
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": (
        Grant(
            ("backup:CreateRestoreTestingPlan",),
            RESTORE_TESTING_PLAN,
            f"arn:aws:backup:{REGIONAL}:restore-testing-plan:{{name}}-{{id}}",
            "create",
        ),
        Grant(
            (
                "backup:GetRestoreTestingPlan",
                "backup:UpdateRestoreTestingPlan",
                "backup:DeleteRestoreTestingPlan",
                "backup:ListTags",
                "backup:TagResource",
                "backup:UntagResource",
            ),
            RESTORE_TESTING_PLAN,
            f"arn:aws:backup:{REGIONAL}:restore-testing-plan:{{name}}-{{id}}",
            "tag",
        ),
    ),
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": (
        # Selections have no ARN of their own: IAM checks them on their plan's.
        Grant(
            (
                "backup:CreateRestoreTestingSelection",
                "backup:GetRestoreTestingSelection",
                "backup:UpdateRestoreTestingSelection",
                "backup:DeleteRestoreTestingSelection",
            ),
            RESTORE_TESTING_PLAN,
            f"arn:aws:backup:{REGIONAL}:restore-testing-plan:{{restoreTestingPlanName}}-plan",
            "tag",
        ),
        _pass_role("backup.amazonaws.com", "iamRoleArn"),
    ),
    "aws:backup/selection:Selection": (
        Grant(
            (
                "backup:CreateBackupSelection",
                "backup:GetBackupSelection",
                "backup:DeleteBackupSelection",
            ),
            BACKUP_PLAN,
            f"arn:aws:backup:{REGIONAL}:backup-plan:{{planId}}",
            "tag",
        ),
        _pass_role("backup.amazonaws.com", "iamRoleArn"),
    ),
    "aws:iam/role:Role": (
        Grant(
            (
                "iam:CreateRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:PutRolePermissionsBoundary",
                "iam:DeleteRole",
            ),
            STAGE_ROLES,
            ROLE_ARN % "{name}",
            "iam",
            context=BOUNDED,
        ),
        Grant(
            (
                "iam:GetRole",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
                "iam:TagRole",
                "iam:UntagRole",
            ),
            STAGE_ROLES,
            ROLE_ARN % "{name}",
            "iam",
        ),
    ),
    "aws:iam/rolePolicy:RolePolicy": (
        Grant(
            ("iam:PutRolePolicy", "iam:DeleteRolePolicy"),
            STAGE_ROLES,
            ROLE_ARN % "{role}",
            "iam",
            context=BOUNDED,
        ),
        Grant(("iam:GetRolePolicy",), STAGE_ROLES, ROLE_ARN % "{role}", "iam"),
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (
        Grant(
            ("iam:AttachRolePolicy",),
            STAGE_ROLES,
            ROLE_ARN % "{role}",
            "iam",
            context={**BOUNDED, "iam:PolicyARN": "{policyArn}"},
        ),
        Grant(("iam:DetachRolePolicy",), STAGE_ROLES, ROLE_ARN % "{role}", "iam", context=BOUNDED),
        Grant(("iam:ListAttachedRolePolicies",), STAGE_ROLES, ROLE_ARN % "{role}", "iam"),
    ),
}

# A two-region stage's failover (components/regional_endpoint.py) and drill
# (components/region_drill.py): granted only to the deploy role of a stage whose stack file
# serves from two regions (hello_stack.stage_files.fails_over), since Route 53 holds health
# checks by id, not by any name or tag IAM could hold to a stage; its records are held to the
# stage's own zone, names and type (scopes zone and records).
HOSTED_ZONE = "arn:aws:route53:::hostedzone/{zone}"
DOMAIN_NAMES = "arn:aws:apigateway:*::/domainnames"
FAILOVER_ACCESS: dict[str, tuple[Grant, ...]] = {
    "aws:apigateway/domainName:DomainName": (
        Grant(
            ("apigateway:POST",),
            DOMAIN_NAMES,
            "arn:aws:apigateway:{region}::/domainnames",
            "create",
        ),
        Grant(
            ("apigateway:GET", "apigateway:PATCH", "apigateway:DELETE"),
            f"{DOMAIN_NAMES}/*",
            "arn:aws:apigateway:{region}::/domainnames/{domainName}",
            "tag",
        ),
    ),
    "aws:apigateway/basePathMapping:BasePathMapping": (
        Grant(
            ("apigateway:POST", "apigateway:GET", "apigateway:PATCH", "apigateway:DELETE"),
            f"{DOMAIN_NAMES}/*",
            "arn:aws:apigateway:{region}::/domainnames/{domainName}/basepathmappings",
            "tag",
        ),
    ),
    "aws:route53/healthCheck:HealthCheck": (
        Grant(
            ("route53:CreateHealthCheck",),
            "*",
            "*",
            "unscoped",
            why="Route 53 creates health checks with no resource-level control; only a "
            "two-region stage's deploy role holds this",
        ),
        Grant(
            (
                "route53:GetHealthCheck",
                "route53:UpdateHealthCheck",
                "route53:DeleteHealthCheck",
                "route53:ChangeTagsForResource",
                "route53:ListTagsForResource",
                "route53:ListTagsForResources",
            ),
            "arn:aws:route53:::healthcheck/*",
            "arn:aws:route53:::healthcheck/{id}",
            "unscoped",
            why="Route 53 reaches a health check by id, with no tag condition; only a "
            "two-region stage's deploy role holds this",
        ),
    ),
    "aws:route53/record:Record": (
        # https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html
        Grant(
            ("route53:ChangeResourceRecordSets",),
            HOSTED_ZONE,
            "arn:aws:route53:::hostedzone/{zoneId}",
            "records",
        ),
        # Reads of the zone: these actions have no record-level condition keys.
        Grant(
            ("route53:ListResourceRecordSets", "route53:GetHostedZone"),
            HOSTED_ZONE,
            "arn:aws:route53:::hostedzone/{zoneId}",
            "zone",
        ),
        Grant(
            ("route53:GetChange",),
            "arn:aws:route53:::change/*",
            "arn:aws:route53:::change/C0123456789",
            "unscoped",
            why="a record change's status, by its id: no data",
        ),
    ),
    "aws:fis/experimentTemplate:ExperimentTemplate": (
        # CreateExperimentTemplate is authorised on the new template and on each FIS action it
        # names (AWS's), in one statement held by the request's stage tag.
        Grant(
            ("fis:CreateExperimentTemplate", "fis:TagResource"),
            "arn:aws:fis:*:*:*",
            "arn:aws:fis:{region}:{account}:experiment-template/{id}",
            "create",
        ),
        Grant(
            (
                "fis:GetExperimentTemplate",
                "fis:UpdateExperimentTemplate",
                "fis:DeleteExperimentTemplate",
                *_tagging("fis"),
            ),
            "arn:aws:fis:*:*:experiment-template/*",
            "arn:aws:fis:{region}:{account}:experiment-template/{id}",
            "tag",
        ),
        _pass_role("fis.amazonaws.com", "roleArn"),
    ),
}
ACCESS.update(FAILOVER_ACCESS)
FAILOVER_SERVICE = "fis.amazonaws.com"  # the drill's role is passed to it

# AWS Backup's types are in the graph of a stage whose stack file turns backups on
# (hello_stack.stage_files.backs_up), and the deploy role of no other stage gets their grants:
# a restore-testing selection or a backup selection picks tables nothing else limits.
BACKUP_TYPES = "aws:backup/"


def grants(backs_up: bool, fails_over: bool = False) -> dict[str, tuple[Grant, ...]]:
    """The table's rows a stage's deploy role holds: AWS Backup's only if the stage backs up,
    failover's only if it serves from two regions."""
    return {
        kind: row
        for kind, row in ACCESS.items()
        if (backs_up or not kind.startswith(BACKUP_TYPES))
        and (fails_over or kind not in FAILOVER_ACCESS)
    }


# Types of the stage's graph that make no AWS request of their own.
NOT_AWS = ("random:index/randomPassword:RandomPassword",)
