"""The CrossGuard pack (policy/), run as Pulumi runs it and sent what the CLI sends it, over the
program's resources as evaluated under mocks with each real stack file: every policy passes.
Over deliberately broken copies of those resources: each policy fires."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from testing.policy_analyzer import MANDATORY, Analyzer, running_pack
from tests.infra.conftest import STACKS, Stack, cached


@pytest.fixture(scope="module")
def pack() -> Iterator[Analyzer]:
    with running_pack() as analyzer:
        yield analyzer


def test_every_policy_is_mandatory(pack: Analyzer) -> None:
    assert set(pack.policies().values()) == {MANDATORY}


@pytest.mark.parametrize("extras", [False, True], ids=["as-committed", "every-option"])
@pytest.mark.parametrize("stage", STACKS)
def test_every_policy_passes_on_the_real_stacks(pack: Analyzer, stage: str, extras: bool) -> None:
    assert pack.violations(cached(stage, extras).resources) == []


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


def fires(pack: Analyzer, resources: list[dict[str, Any]], policy: str) -> list[str]:
    """What this policy reports; and no other policy reports anything."""
    found = pack.violations(resources)
    assert {name for name, _ in found} <= {policy}, found
    return [message for _, message in found]


def test_point_in_time_recovery(pack: Analyzer, dev: Stack) -> None:
    off = broken(
        dev, "aws:dynamodb/table:Table", lambda s: s.update(pointInTimeRecovery={"enabled": False})
    )
    assert fires(pack, off, "dynamodb-point-in-time-recovery") == [
        "point-in-time recovery must be enabled on every table"
    ]


def test_deletion_protection_in_prod_only(pack: Analyzer, dev: Stack, prod: Stack) -> None:
    def off(state: dict[str, Any]) -> None:
        state["deletionProtectionEnabled"] = False

    assert fires(
        pack, broken(prod, "aws:dynamodb/table:Table", off), "dynamodb-deletion-protection"
    ) == ["prod's tables must have deletion protection enabled"]
    assert (
        fires(pack, broken(dev, "aws:dynamodb/table:Table", off), "dynamodb-deletion-protection")
        == []
    )


def test_an_action_with_no_resource_type_may_be_granted_on_every_resource(
    pack: Analyzer, dev: Stack
) -> None:
    """dynamodb:InjectError (the FIS drill on an MRSC table) has no resource type: "*" is its
    only form (AWS's Service Authorization Reference); beside it a data action still fires."""

    def widen(state: dict[str, Any]) -> None:
        document = json.loads(state["policy"])
        document["Statement"].append(
            {"Effect": "Allow", "Action": ["dynamodb:InjectError"], "Resource": "*"}
        )
        state["policy"] = json.dumps(document)

    resources = broken(dev, "aws:iam/rolePolicy:RolePolicy", widen, "-default-role")
    assert fires(pack, resources, "iam-no-wildcards-on-data") == []

    def widen_more(state: dict[str, Any]) -> None:
        document = json.loads(state["policy"])
        document["Statement"].append(
            {
                "Effect": "Allow",
                "Action": ["dynamodb:InjectError", "dynamodb:Scan"],
                "Resource": "*",
            }
        )
        state["policy"] = json.dumps(document)

    resources = broken(dev, "aws:iam/rolePolicy:RolePolicy", widen_more, "-default-role")
    (message,) = fires(pack, resources, "iam-no-wildcards-on-data")
    assert "allows ['dynamodb:Scan'] on every resource" in message


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
def test_no_wildcards_on_data(
    pack: Analyzer, dev: Stack, statement: dict[str, Any], problem: str
) -> None:
    def widen(state: dict[str, Any]) -> None:
        document = json.loads(state["policy"])
        document["Statement"].append(statement)
        state["policy"] = json.dumps(document)

    resources = broken(dev, "aws:iam/rolePolicy:RolePolicy", widen, "-default-role")
    (message,) = fires(pack, resources, "iam-no-wildcards-on-data")
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
def test_cloudfront_https_and_tls12(pack: Analyzer, dev: Stack, change: Any, problem: str) -> None:
    resources = broken(dev, "aws:cloudfront/distribution:Distribution", change)
    assert fires(pack, resources, "cloudfront-https-tls12") == [problem]


@pytest.mark.parametrize(
    "boundary", [None, "arn:aws:iam::123456789012:policy/hello-boundary-dev"], ids=["none", "dev's"]
)
def test_every_role_carries_its_stages_boundary(
    pack: Analyzer, prod: Stack, boundary: str | None
) -> None:
    def swap(state: dict[str, Any]) -> None:
        state["permissionsBoundary"] = boundary

    resources = broken(prod, "aws:iam/role:Role", swap, "-default-role")
    assert fires(pack, resources, "iam-roles-permissions-boundary") == [
        "every role must carry the stage's permissions boundary (...:policy/hello-boundary-prod)"
    ]


def test_log_groups_expire(pack: Analyzer, dev: Stack) -> None:
    resources = broken(dev, "aws:cloudwatch/logGroup:LogGroup", lambda s: s.pop("retentionInDays"))
    assert fires(pack, resources, "log-groups-retention") == [
        "every log group must expire its events (retentionInDays)"
    ]


def test_two_regions_are_fronted_through_the_failover_name(pack: Analyzer) -> None:
    """prod's APIs are reached by CloudFront through the failover name their custom domains
    map: both pass as committed, and an API whose domain is not CloudFront's origin fails (its
    health name, the other domain mapped to it, no longer derives from an origin that fronts it)."""
    prod = cached("prod")
    assert fires(pack, prod.resources, "api-only-through-cloudfront") == []
    elsewhere = broken(
        prod,
        "aws:apigateway/basePathMapping:BasePathMapping",
        lambda s: s.update(domainName="elsewhere.example.com"),
        "-eu-west-2-mapping",
    )
    assert fires(pack, elsewhere, "api-only-through-cloudfront") == [
        "REST API hello-prod-eu-west-2-rest_api must be reached only through CloudFront, which "
        "sends X-Origin-Verify to it",
        *mapped_elsewhere("hello-prod-eu-west-2-rest_api", "elsewhere.example.com"),
        *mapped_elsewhere("hello-prod-eu-west-2-rest_api", "eu-west-2.api-origin.acme.example"),
    ]


def mapped_elsewhere(api: str, domain: str) -> list[str]:
    return [
        f"REST API {api} is mapped to custom domain {domain}, which is neither CloudFront's "
        "origin nor a health name of this stack (<region>.<origin>)"
    ]


def test_a_regions_health_name_is_the_only_other_domain_an_api_may_map(pack: Analyzer) -> None:
    """Each region's health check calls its own custom domain, `<region>.<failover name>`, which
    CloudFront never uses: accepted (prod as committed, above) because its name is a health name
    of the stack (a region of Pulumi.prod.yaml, CloudFront's origin), and the app refuses every
    route but /health without CloudFront's secret. Any other name there is refused: another
    domain, a region the stack does not serve, a health name of another origin. (The policy sees
    no resource's region: which region's API a health name reaches is the program's, checked in
    tests/infra/test_regions.py.)"""
    prod = cached("prod")
    for domain in (
        "api.acme.example",
        "us-east-1.api-origin.acme.example",
        "eu-west-1.elsewhere.example.com",
        "eu-west-1-api-origin.acme.example",
    ):
        other = broken(
            prod,
            "aws:apigateway/basePathMapping:BasePathMapping",
            lambda s, d=domain: s.update(domainName=d),
            "hello-prod-health-mapping",
        )
        assert fires(pack, other, "api-only-through-cloudfront") == mapped_elsewhere(
            "hello-prod-rest_api", domain
        ), domain


def test_an_api_reached_through_its_health_name_alone_is_refused(pack: Analyzer) -> None:
    """A health name counts only beside the origin CloudFront sends to: an API whose failover
    name mapping moved to its health name is no longer fronted, and refused."""
    prod = cached("prod")
    alone = broken(
        prod,
        "aws:apigateway/basePathMapping:BasePathMapping",
        lambda s: s.update(domainName="eu-west-1.api-origin.acme.example"),
        "hello-prod-mapping",
    )
    assert fires(pack, alone, "api-only-through-cloudfront") == [
        "REST API hello-prod-rest_api must be reached only through CloudFront, which sends "
        "X-Origin-Verify to it",
        *mapped_elsewhere("hello-prod-rest_api", "eu-west-1.api-origin.acme.example"),
    ]


def test_the_api_only_through_cloudfront(pack: Analyzer, dev: Stack) -> None:
    no_header = broken(
        dev,
        "aws:cloudfront/distribution:Distribution",
        lambda s: s["origins"][0].update(customHeaders=[]),
    )
    assert fires(pack, no_header, "api-only-through-cloudfront") == [
        "REST API hello-dev-rest_api must be reached only through CloudFront, which sends "
        "X-Origin-Verify to it"
    ]
    no_check = broken(
        dev,
        "aws:lambda/function:Function",
        lambda s: s["environment"]["variables"].pop("HELLO_ORIGIN_SECRET"),
        "-api_handler",
    )
    assert fires(pack, no_check, "api-only-through-cloudfront") == [
        "function hello-dev-api_handler behind hello-dev-rest_api must check the origin secret "
        "(HELLO_ORIGIN_SECRET)"
    ]
    unfronted = [
        r
        for r in copy.deepcopy(dev.resources)
        if r["type"] != "aws:cloudfront/distribution:Distribution"
    ]
    assert len(fires(pack, unfronted, "api-only-through-cloudfront")) == 1


def test_every_policy_is_tested_here(pack: Analyzer) -> None:
    tested = {
        "dynamodb-point-in-time-recovery",
        "dynamodb-deletion-protection",
        "iam-no-wildcards-on-data",
        "cloudfront-https-tls12",
        "iam-roles-permissions-boundary",
        "log-groups-retention",
        "api-only-through-cloudfront",
    }
    assert set(pack.policies()) == tested
