"""The CrossGuard pack (policy/) over the program's resources as evaluated under mocks with each
real stack file: every policy passes. Over deliberately broken copies of those resources: each
policy fires. The policies are called as Pulumi's analyzer calls them (pulumi_policy's argument
types); only the gRPC transport between the CLI and the pack is left out."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policy.hello_policies import POLICIES
from tests.infra.conftest import STACKS, Stack, cached

BY_NAME = {policy.name: policy for policy in POLICIES}


def options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def violations(resources: list[dict[str, Any]], only: str | None = None) -> list[tuple[str, str]]:
    """(policy, message) for every violation any policy (or the one named) reports."""
    custom = [r for r in resources if r.get("custom") and r["type"].startswith(("aws:", "random:"))]
    found: list[tuple[str, str]] = []
    for policy in POLICIES if only is None else [BY_NAME[only]]:
        report = lambda message, urn=None, name=policy.name: found.append((name, message))  # noqa: E731
        if isinstance(policy, ResourceValidationPolicy):
            for r in custom:
                policy.validate(
                    ResourceValidationArgs(
                        r["type"], r["state"], r["urn"], r["name"], options(), None
                    ),
                    report,
                )
        elif isinstance(policy, StackValidationPolicy):
            policy.validate(StackValidationArgs(policy_resources(custom)), report)
    return found


def policy_resources(resources: list[dict[str, Any]]) -> list[PolicyResource]:
    made = {
        r["urn"]: PolicyResource(
            r["type"], r["state"], r["urn"], r["name"], options(), None, None, [], {}
        )
        for r in resources
    }
    for r in resources:
        made[r["urn"]].dependencies = [made[u] for u in r["dependencies"] if u in made]
    return list(made.values())


@pytest.mark.parametrize("extras", [False, True], ids=["as-committed", "every-option"])
@pytest.mark.parametrize("stage", STACKS)
def test_every_policy_passes_on_the_real_stacks(stage: str, extras: bool) -> None:
    assert violations(cached(stage, extras).resources) == []


def broken(
    stack: Stack, token: str, change: Any, suffix: str | None = None
) -> list[dict[str, Any]]:
    """The stack's resources with one resource of this type changed by `change(state)`."""
    resources = copy.deepcopy(stack.resources)
    target = next(
        r
        for r in resources
        if r["type"] == token and (suffix is None or r["name"].endswith(suffix))
    )
    change(target["state"])
    return resources


def fires(resources: list[dict[str, Any]], policy: str) -> list[str]:
    return [message for name, message in violations(resources, policy)]


def test_point_in_time_recovery(dev: Stack) -> None:
    off = broken(
        dev, "aws:dynamodb/table:Table", lambda s: s.update(pointInTimeRecovery={"enabled": False})
    )
    assert fires(off, "dynamodb-point-in-time-recovery") == [
        "point-in-time recovery must be enabled on every table"
    ]


def test_deletion_protection_in_prod_only(dev: Stack, prod: Stack) -> None:
    def off(state: dict[str, Any]) -> None:
        state["deletionProtectionEnabled"] = False

    assert fires(broken(prod, "aws:dynamodb/table:Table", off), "dynamodb-deletion-protection") == [
        "prod's tables must have deletion protection enabled"
    ]
    assert fires(broken(dev, "aws:dynamodb/table:Table", off), "dynamodb-deletion-protection") == []


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        (
            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*:*:table/t"},
            "allows every action of a data service",
        ),
        (
            {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "*"},
            "allows ['dynamodb:GetItem'] on every resource",
        ),
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b"}, "allows every action"),
        (
            {"Sid": "Logs", "Effect": "Allow", "Action": "s3:GetObject", "Resource": ["*"]},
            "statement 'Logs' allows ['s3:GetObject'] on every resource",
        ),
    ],
)
def test_no_wildcards_on_data(dev: Stack, statement: dict[str, Any], problem: str) -> None:
    def widen(state: dict[str, Any]) -> None:
        document = json.loads(state["policy"])
        document["Statement"].append(statement)
        state["policy"] = json.dumps(document)

    resources = broken(dev, "aws:iam/rolePolicy:RolePolicy", widen, "-default-role")
    (message,) = fires(resources, "iam-no-wildcards-on-data")
    assert problem in message


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda s: s["origins"][0]["customOriginConfig"].update(
                originProtocolPolicy="http-only"
            ),
            "origin 'api' must be reached over HTTPS only",
        ),
        (
            lambda s: s["origins"][0]["customOriginConfig"].update(
                originSslProtocols=["TLSv1.1", "TLSv1.2"]
            ),
            "origin 'api' must use TLS 1.2 only",
        ),
        (
            lambda s: s["defaultCacheBehavior"].update(viewerProtocolPolicy="allow-all"),
            "viewers must be sent to HTTPS",
        ),
        (
            lambda s: s.update(
                viewerCertificate={
                    "acmCertificateArn": "arn:aws:acm:us-east-1:1:certificate/x",
                    "minimumProtocolVersion": "TLSv1",
                }
            ),
            "a custom domain must accept TLS 1.2 or later only",
        ),
    ],
)
def test_cloudfront_https_and_tls12(dev: Stack, change: Any, problem: str) -> None:
    resources = broken(dev, "aws:cloudfront/distribution:Distribution", change)
    assert fires(resources, "cloudfront-https-tls12") == [problem]


@pytest.mark.parametrize(
    "boundary", [None, "arn:aws:iam::123456789012:policy/hello-boundary-dev"], ids=["none", "dev's"]
)
def test_every_role_carries_its_stages_boundary(prod: Stack, boundary: str | None) -> None:
    def swap(state: dict[str, Any]) -> None:
        state["permissionsBoundary"] = boundary

    resources = broken(prod, "aws:iam/role:Role", swap, "-default-role")
    assert fires(resources, "iam-roles-permissions-boundary") == [
        "every role must carry the stage's permissions boundary (...:policy/hello-boundary-prod)"
    ]


def test_log_groups_expire(dev: Stack) -> None:
    resources = broken(dev, "aws:cloudwatch/logGroup:LogGroup", lambda s: s.pop("retentionInDays"))
    assert fires(resources, "log-groups-retention") == [
        "every log group must expire its events (retentionInDays)"
    ]


def test_the_api_only_through_cloudfront(dev: Stack) -> None:
    no_header = broken(
        dev,
        "aws:cloudfront/distribution:Distribution",
        lambda s: s["origins"][0].update(customHeaders=[]),
    )
    assert fires(no_header, "api-only-through-cloudfront") == [
        "REST API hello-dev-rest_api must be reached only through CloudFront, which sends "
        "X-Origin-Verify to it"
    ]
    no_check = broken(
        dev,
        "aws:lambda/function:Function",
        lambda s: s["environment"]["variables"].pop("HELLO_ORIGIN_SECRET"),
        "-api_handler",
    )
    assert fires(no_check, "api-only-through-cloudfront") == [
        "function hello-dev-api_handler behind hello-dev-rest_api must check the origin secret "
        "(HELLO_ORIGIN_SECRET)"
    ]
    unfronted = [
        r
        for r in copy.deepcopy(dev.resources)
        if r["type"] != "aws:cloudfront/distribution:Distribution"
    ]
    assert len(fires(unfronted, "api-only-through-cloudfront")) == 1


def test_every_policy_is_tested_here() -> None:
    tested = {
        "dynamodb-point-in-time-recovery",
        "dynamodb-deletion-protection",
        "iam-no-wildcards-on-data",
        "cloudfront-https-tls12",
        "iam-roles-permissions-boundary",
        "log-groups-retention",
        "api-only-through-cloudfront",
    }
    assert set(BY_NAME) == tested
