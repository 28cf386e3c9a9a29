"""hello's invariants as CrossGuard policies (pulumi-policy): what no pull request may undo.

Each policy reads the resource's inputs (what `pulumi preview` knows before anything exists)
and the stack's name from the URN. Values Pulumi does not know yet during a preview are
skipped, never guessed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from chalicelib import contract
from hello_stack import failover, naming, stage_files

TABLE = "aws:dynamodb/table:Table"
ROLE = "aws:iam/role:Role"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
BASE_PATH_MAPPING = "aws:apigateway/basePathMapping:BasePathMapping"
REST_API = "aws:apigateway/restApi:RestApi"
FUNCTION = "aws:lambda/function:Function"
ALIAS = "aws:lambda/alias:Alias"
POLICY_DOCUMENTS = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy")
# Stacks whose tables must refuse deletion (DynamoDB's own deletion protection).
PROTECTED_STACKS = ("prod",)
# Services whose actions read or write stored data: never granted on "*" or as "service:*".
DATA_SERVICES = ("dynamodb", "s3", "sqs", "kinesis", "secretsmanager", "ssm", "kms")
# Data-service actions with no resource type: "*" is their only form in IAM (AWS's Service
# Authorization Reference), so granting one on "*" widens nothing. dynamodb:InjectError: the
# failover drill's FIS role on an MRSC table (components/region_drill.py); it reads no item.
NO_RESOURCE_TYPE = ("dynamodb:InjectError",)
VIEWER_HTTPS = ("https-only", "redirect-to-https")
# Every `report(message, None)` below: ReportViolation takes a URN too, and None names the
# resource under validation.


def stack_of(urn: str) -> str:
    """urn:pulumi:<stack>::<project>::<type>::<name>"""
    return urn.split("::")[0].split(":")[2]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def known(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, dict, list))


def table_point_in_time_recovery(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if (args.props.get("pointInTimeRecovery") or {}).get("enabled") is not True:
        report("point-in-time recovery must be enabled on every table", None)


def table_deletion_protection(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if (
        stack_of(args.urn) in PROTECTED_STACKS
        and args.props.get("deletionProtectionEnabled") is not True
    ):
        report(f"{stack_of(args.urn)}'s tables must have deletion protection enabled", None)


def data_grant_problems(document: dict[str, Any]) -> Iterator[str]:
    for statement in as_list(document.get("Statement", [])):
        if statement.get("Effect") != "Allow":
            continue
        actions = [a for a in as_list(statement.get("Action", [])) if isinstance(a, str)]
        if any(action in ("*", "*:*") for action in actions):
            yield f"statement {statement.get('Sid', '')!r} allows every action"
        data = [
            a for a in actions if a.split(":")[0] in DATA_SERVICES and a not in NO_RESOURCE_TYPE
        ]
        if not data:
            continue
        if any(action.endswith(":*") for action in data):
            yield f"statement {statement.get('Sid', '')!r} allows every action of a data service"
        if "*" in as_list(statement.get("Resource", [])):
            yield f"statement {statement.get('Sid', '')!r} allows {data} on every resource"


def iam_no_wildcards_on_data(args: ResourceValidationArgs, report: ReportViolation) -> None:
    text = args.props.get("policy")
    if not isinstance(text, str):
        return  # not known yet in this preview
    for problem in data_grant_problems(json.loads(text)):
        report(problem, None)


def cloudfront_https_tls12(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for origin in args.props.get("origins") or []:
        custom = origin.get("customOriginConfig") or {}
        if custom.get("originProtocolPolicy") != "https-only":
            report(f"origin {origin.get('originId')!r} must be reached over HTTPS only", None)
        # A list of the analyzer's proxied values: compared item by item, never as a list.
        if list(custom.get("originSslProtocols") or []) != ["TLSv1.2"]:
            report(f"origin {origin.get('originId')!r} must use TLS 1.2 only", None)
    behaviors = [args.props.get("defaultCacheBehavior") or {}]
    behaviors += args.props.get("orderedCacheBehaviors") or []
    for behavior in behaviors:
        if behavior.get("viewerProtocolPolicy") not in VIEWER_HTTPS:
            report("viewers must be sent to HTTPS", None)
    certificate = args.props.get("viewerCertificate") or {}
    if certificate.get("acmCertificateArn") and not str(
        certificate.get("minimumProtocolVersion", "")
    ).startswith("TLSv1.2"):
        report("a custom domain must accept TLS 1.2 or later only", None)


def roles_have_the_boundary(args: ResourceValidationArgs, report: ReportViolation) -> None:
    boundary = args.props.get("permissionsBoundary")
    expected = f":policy/{naming.boundary_policy_name(stack_of(args.urn))}"
    if not known(boundary) and boundary is not None:
        return
    if not (isinstance(boundary, str) and boundary.endswith(expected)):
        report(f"every role must carry the stage's permissions boundary (...{expected})", None)


def log_groups_have_retention(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not args.props.get("retentionInDays"):
        report("every log group must expire its events (retentionInDays)", None)


def api_only_through_cloudfront(args: StackValidationArgs, report: ReportViolation) -> None:
    """Every REST API is the origin of a distribution that sends the origin header (directly,
    or through a custom domain mapped to it whose name is the distribution's origin: a
    multi-region stack's failover name), every other custom domain mapped to it is one of its
    stack's health names, and the function behind it holds the secret it checks.

    A health name (hello_stack.failover.health_domain: `<region>.<origin>`, for an origin of a
    distribution that fronts the API and a region of the stack's committed stack file) is the
    custom domain Route 53's health check calls in one region: not CloudFront's origin, and no way
    around it, since the app answers only HEALTH_PATH without CloudFront's secret (every function
    behind the API must hold it, below). Any other custom domain is refused, as is an API reached
    through a health name alone."""
    resources = args.resources
    distributions = [r for r in resources if r.resource_type == DISTRIBUTION]
    for api in (r for r in resources if r.resource_type == REST_API):
        mapped = {
            m.props.get("domainName")
            for m in resources
            if m.resource_type == BASE_PATH_MAPPING and api in m.dependencies
        }
        fronted = [
            d
            for d in distributions
            if api in d.dependencies
            or any(o.get("domainName") in mapped for o in d.props.get("origins") or [])
        ]
        headers = [
            {h.get("name") for h in (origin.get("customHeaders") or [])}
            for d in fronted
            for origin in d.props.get("origins") or []
        ]
        if not headers or not all(contract.ORIGIN_HEADER in names for names in headers):
            report(
                f"REST API {api.name} must be reached only through CloudFront, which sends "
                f"{contract.ORIGIN_HEADER} to it",
                None,
            )
        origins = {o.get("domainName") for d in fronted for o in d.props.get("origins") or []}
        health_names = {
            failover.health_domain(origin, region)
            for origin in origins
            if isinstance(origin, str)
            for region in stage_files.active_regions(stack_of(api.urn))
        }
        # Unknown during a preview (a computed name) is skipped, never guessed.
        for domain in sorted(d for d in mapped - origins - health_names if isinstance(d, str)):
            report(
                f"REST API {api.name} is mapped to custom domain {domain}, which is neither "
                "CloudFront's origin nor a health name of this stack (<region>.<origin>)",
                None,
            )
        for function in behind(api):
            variables = (function.props.get("environment") or {}).get("variables") or {}
            if contract.ORIGIN_SECRET_ENV not in variables:
                report(
                    f"function {function.name} behind {api.name} must check the origin "
                    f"secret ({contract.ORIGIN_SECRET_ENV})",
                    None,
                )


def behind(api: Any) -> list[Any]:
    """The functions a REST API invokes: through an alias or directly."""
    found = []
    for dependency in api.dependencies:
        if dependency.resource_type == ALIAS:
            found += [d for d in dependency.dependencies if d.resource_type == FUNCTION]
        elif dependency.resource_type == FUNCTION:
            found.append(dependency)
    return found


def resource_policy(
    name: str, description: str, types: str | tuple[str, ...], validate: Any
) -> ResourceValidationPolicy:
    def only_these(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type in ((types,) if isinstance(types, str) else types):
            validate(args, report)

    return ResourceValidationPolicy(name=name, description=description, validate=only_these)


POLICIES = [
    resource_policy(
        "dynamodb-point-in-time-recovery",
        "Tables keep 35 days of point-in-time recovery.",
        TABLE,
        table_point_in_time_recovery,
    ),
    resource_policy(
        "dynamodb-deletion-protection",
        "prod's tables refuse deletion.",
        TABLE,
        table_deletion_protection,
    ),
    resource_policy(
        "iam-no-wildcards-on-data",
        "No wildcard action, and no '*' resource, on data services.",
        POLICY_DOCUMENTS,
        iam_no_wildcards_on_data,
    ),
    resource_policy(
        "cloudfront-https-tls12",
        "CloudFront: HTTPS only to viewers and origins, TLS 1.2+.",
        DISTRIBUTION,
        cloudfront_https_tls12,
    ),
    resource_policy(
        "iam-roles-permissions-boundary",
        "Every role carries its stage's permissions boundary.",
        ROLE,
        roles_have_the_boundary,
    ),
    resource_policy(
        "log-groups-retention",
        "Every log group expires its events.",
        LOG_GROUP,
        log_groups_have_retention,
    ),
    StackValidationPolicy(
        name="api-only-through-cloudfront",
        description="The API is reached only through CloudFront (origin secret header).",
        validate=api_only_through_cloudfront,
    ),
]
