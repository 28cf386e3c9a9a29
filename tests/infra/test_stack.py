"""What the whole program builds per stack: counts, parents, outputs, per-stage differences."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import Stack

ONE_PER_STACK = [
    "aws:dynamodb/table:Table",
    "aws:lambda/function:Function",
    "aws:lambda/alias:Alias",
    "aws:apigateway/restApi:RestApi",
    "aws:apigateway/deployment:Deployment",
    "aws:apigateway/stage:Stage",
    "aws:cloudfront/distribution:Distribution",
    "aws:codedeploy/deploymentGroup:DeploymentGroup",
]


@pytest.mark.parametrize("token", ONE_PER_STACK)
def test_exactly_one_of_each_core_resource(stack: Stack, token: str) -> None:
    assert len(stack.all(token)) == 1


def test_every_resource_sits_under_a_component(stack: Stack) -> None:
    components = {r["urn"]: r for r in stack.resources if r["type"].startswith("hello:components:")}
    assert {c["type"] for c in components.values()} >= {
        "hello:components:BirthdayTable",
        "hello:components:ChaliceApi",
        "hello:components:Cdn",
        "hello:components:Monitoring",
        "hello:components:CanaryDeployment",
    }
    for resource in stack.resources:
        if resource["type"].startswith(("hello:components:", "pulumi:")):
            continue
        if resource["type"] == "pulumi:providers:aws":
            continue
        assert resource["parent"] in components, resource["urn"]
        parent_type = components[resource["parent"]]["type"]
        assert f"{parent_type}$" in resource["urn"]
        # Children are named from their component instance, so two stacks never collide.
        assert resource["name"].startswith(f"hello-{stack.name}-")


def test_component_names_come_from_the_stack(stack: Stack) -> None:
    for resource in stack.resources:
        if resource["type"].startswith("hello:components:"):
            assert resource["name"] == f"hello-{stack.name}"


def assert_no_none(value: Any, path: str = "") -> None:
    assert value is not None, f"{path} is None: a mock left a computed output unset"
    if isinstance(value, dict):
        for key, item in value.items():
            assert_no_none(item, f"{path}.{key}")


def test_outputs_are_all_resolved(stack: Stack) -> None:
    assert set(stack.outputs) >= {"url", "api_url", "table_name", "function_name"}
    assert_no_none(stack.outputs)


def test_outputs_name_the_resources_built(stack: Stack) -> None:
    rest_api = stack.one("aws:apigateway/restApi:RestApi")
    distribution = stack.state("aws:cloudfront/distribution:Distribution")
    region = stack.config["aws:region"]
    assert stack.outputs["url"] == f"https://{distribution['domainName']}"
    assert stack.outputs["api_url"] == (
        f"https://{rest_api['id']}.execute-api.{region}.amazonaws.com/api"
    )
    assert stack.outputs["table_name"] == stack.state("aws:dynamodb/table:Table")["name"]
    assert stack.outputs["function_name"] == stack.state("aws:lambda/function:Function")["name"]
    assert stack.outputs["alias_name"] == "live"
    group = stack.state("aws:codedeploy/deploymentGroup:DeploymentGroup")
    assert stack.outputs["codedeploy_deployment_group"] == group["deploymentGroupName"]
    assert stack.outputs["codedeploy_application"] == group["appName"]


def test_custom_domain_is_exported_as_the_url(stack_with_extras: Stack) -> None:
    assert stack_with_extras.outputs["url"] == "https://hello.example.com"


def test_stacks_differ_only_where_config_says(dev: Stack, prod: Stack) -> None:
    assert dev.setting("deletionProtection") == "false"
    assert prod.setting("deletionProtection") == "true"
    differs = {
        "aws:lambda/function:Function": "reservedConcurrentExecutions",
        "aws:cloudfront/distribution:Distribution": "priceClass",
        "aws:codedeploy/deploymentGroup:DeploymentGroup": "deploymentConfigName",
        "aws:dynamodb/table:Table": "deletionProtectionEnabled",
    }
    for token, key in differs.items():
        assert dev.state(token).get(key) != prod.state(token).get(key), (token, key)
    assert dev.state("aws:cloudwatch/logGroup:LogGroup", "-logs")["retentionInDays"] == 14
    assert prod.state("aws:cloudwatch/logGroup:LogGroup", "-logs")["retentionInDays"] == 90
    assert dev.all("aws:wafv2/webAcl:WebAcl") == []
    assert len(prod.all("aws:wafv2/webAcl:WebAcl")) == 1
    assert dev.all("aws:backup/plan:Plan") == []
    assert len(prod.all("aws:backup/plan:Plan")) == 1
    # The account-wide API Gateway logging role belongs to one stack only.
    assert len(dev.all("aws:apigateway/account:Account")) == 1
    assert prod.all("aws:apigateway/account:Account") == []


def test_the_program_makes_no_invokes_and_no_fixed_region(stack: Stack) -> None:
    # HelloMocks.call raises on any invoke; reaching here means none was made.
    providers = stack.all("pulumi:providers:aws")
    assert [p["state"]["region"] for p in providers] == ["us-east-1"]
