"""What the whole program builds per stack: counts, parents, outputs, per-stage differences."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.infra.conftest import CHALICE_APP, Stack, is_component

ONE_PER_STACK = [
    "aws:dynamodb/table:Table",
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
    components = {r["urn"]: r for r in stack.resources if is_component(r["type"])}
    assert {c["type"] for c in components.values()} >= {
        "hello:components:BirthdayTable",
        CHALICE_APP,
        "hello:components:OriginSecret",
        "hello:components:Cdn",
        "hello:components:Monitoring",
        "hello:components:CanaryDeployment",
    }
    for resource in stack.resources:
        if is_component(resource["type"]) or resource["type"].startswith("pulumi:"):
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
        if is_component(resource["type"]):
            assert resource["name"] in {f"hello-{stack.name}", f"hello-{stack.name}-edge"}


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
    assert (
        stack.outputs["function_name"]
        == stack.state("aws:lambda/function:Function", "-api_handler")["name"]
    )
    assert stack.outputs["alias_name"] == "live"
    group = stack.state("aws:codedeploy/deploymentGroup:DeploymentGroup")
    assert stack.outputs["codedeploy_deployment_group"] == group["deploymentGroupName"]
    assert stack.outputs["codedeploy_application"] == group["appName"]


def test_custom_domain_is_exported_as_the_url(stack_with_extras: Stack) -> None:
    assert stack_with_extras.outputs["url"] == "https://hello.example.com"


def normalised(stack: Stack) -> dict[tuple[str, str], dict[str, Any]]:
    """Resources by (type, name without the stage), state and options with the stage's name and
    the mocks' name hashes blanked, so that dev and prod compare property by property."""

    def blank(text: str) -> str:
        # Hashes and account ids, not numbers such as an alarm threshold of 12000000.0.
        text = re.sub(r"[0-9a-fA-F]{7,}(?![0-9a-fA-F]*\.\d)", "#", text)
        return re.sub(rf"\b{stack.name}\b", "STAGE", text)

    return {
        (r["type"], blank(r["name"])): json.loads(
            blank(
                json.dumps({**r["state"], "protect": r["protect"], "retain": r["retainOnDelete"]})
            )
        )
        for r in stack.resources
    }


# Every difference between the stacks, each one a key that the stack files set differently.
EXPECTED_DIFFERENCES = {
    ("aws:lambda/function:Function", "hello-STAGE-api_handler", "memorySize"),  # lambdaMemoryMb
    ("aws:lambda/function:Function", "hello-STAGE-api_handler", "reservedConcurrentExecutions"),
    ("aws:lambda/function:Function", "hello-STAGE-api_handler", "snapStart"),  # snapStart
    ("aws:cloudwatch/logGroup:LogGroup", "hello-STAGE-api_handler-log-group", "retentionInDays"),
    ("aws:cloudwatch/logGroup:LogGroup", "hello-STAGE-rest_api-access-logs", "retentionInDays"),
    ("aws:cloudwatch/logGroup:LogGroup", "hello-STAGE-before-traffic-logs", "retentionInDays"),
    ("aws:cloudwatch/logGroup:LogGroup", "hello-STAGE-after-traffic-logs", "retentionInDays"),
    ("aws:apigateway/methodSettings:MethodSettings", "hello-STAGE-rest_api", "settings"),
    ("aws:dynamodb/table:Table", "hello-STAGE-table", "deletionProtectionEnabled"),
    ("aws:dynamodb/table:Table", "hello-STAGE-table", "protect"),
    ("aws:dynamodb/table:Table", "hello-STAGE-table", "retain"),
    # activeRegions and witnessRegion: the table's replica and witness
    ("aws:dynamodb/table:Table", "hello-STAGE-table", "replicas"),
    ("aws:dynamodb/table:Table", "hello-STAGE-table", "globalTableWitness"),
    # and the failover name: CloudFront's origin; the hooks' after-traffic check calls the
    # region's own API
    ("aws:cloudfront/distribution:Distribution", "hello-STAGE-distribution", "origins"),
    ("aws:lambda/function:Function", "hello-STAGE-before-traffic", "environment"),
    ("aws:lambda/function:Function", "hello-STAGE-after-traffic", "environment"),
    ("aws:cloudfront/distribution:Distribution", "hello-STAGE-distribution", "priceClass"),
    ("aws:cloudfront/distribution:Distribution", "hello-STAGE-distribution", "webAclId"),
    ("aws:codedeploy/deploymentGroup:DeploymentGroup", "hello-STAGE-deployment-group",
     "deploymentConfigName"),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "hello-STAGE-release-api-5xx", "threshold"),
    # activeRegions again: behind Route 53, the release's 5XX share leaves the health checks
    # out, as metric math (tests/infra/test_release_alarms.py) instead of one metric's Average
    *{("aws:cloudwatch/metricAlarm:MetricAlarm", "hello-STAGE-release-api-5xx", key)
      for key in ("namespace", "metricName", "dimensions", "period", "statistic",
                  "metricQueries")},
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "hello-STAGE-api-latency-p99", "threshold"),
    # throttleRateLimit and reservedConcurrency (hello_stack/limits.py)
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "hello-STAGE-limit-api-stage-throttle",
     "threshold"),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "hello-STAGE-limit-lambda-reserved-concurrency",
     "threshold"),
    ("aws:cloudwatch/dashboard:Dashboard", "hello-STAGE-dashboard", "dashboardBody"),
    # logRetentionDays, in the check location both stacks share
    ("aws:cloudwatch/logGroup:LogGroup", "hello-STAGE-checks-us-east-1-logs", "retentionInDays"),
    # availabilitySloPercent (the budget in each burn rate) and syntheticCheckRegions (the
    # locations each SLI sums)
    *{("aws:cloudwatch/metricAlarm:MetricAlarm", f"hello-STAGE-slo-{sli}-burn-{window}",
       "metricQueries")
      for sli in ("server", "client")
      for window in ("1h-page-fast", "5m-page-fast", "6h-page-slow", "30m-page-slow",
                     "1d-ticket", "6h-ticket")},
}  # fmt: skip
# Resource types only one stack has: dev has none of its own.
ONLY_IN_DEV: set[str] = set()
ONLY_IN_PROD = {
    # wafEnabled, and the alarm subscriber prod's operator sets
    "aws:wafv2/webAcl:WebAcl",
    "hello:components:EdgeFirewall",
    "aws:sns/topicSubscription:TopicSubscription",
    # backupRetentionDays: the backup plan, vault, selection and role
    "aws:backup/plan:Plan",
    "aws:backup/vault:Vault",
    "aws:backup/selection:Selection",
    "aws:iam/role:Role",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "hello:components:TableBackup",
    # backupRetentionDays also brings restore testing: its plan, selection, roles, validator
    # (function, logs, policy, EventBridge rules, targets and grants) and alarms, one of
    # them counted from the validator's logs.
    "hello:components:RestoreTesting",
    "aws:backup/restoreTestingPlan:RestoreTestingPlan",
    "aws:backup/restoreTestingSelection:RestoreTestingSelection",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:cloudwatch/logMetricFilter:LogMetricFilter",
    # syntheticCheckRegions: prod checks from us-west-2 too (its provider, function, logs,
    # schedule and grants)
    "pulumi:providers:aws",
    "aws:lambda/function:Function",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/eventTarget:EventTarget",
    "aws:lambda/permission:Permission",
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    # and the account-wide alarm (prod's file)
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    # activeRegions (two) and the failover keys: the first region's custom domain, health
    # check and failover record, and the failover drill (its FIS template and role)
    "hello:components:RegionalEndpoint",
    "aws:apigateway/domainName:DomainName",
    "aws:apigateway/basePathMapping:BasePathMapping",
    "aws:apigateway/methodSettings:MethodSettings",  # the health route's own metrics
    "aws:route53/healthCheck:HealthCheck",
    "aws:route53/record:Record",
    "hello:components:RegionDrill",
    "aws:fis/experimentTemplate:ExperimentTemplate",
}


def test_stacks_differ_only_where_config_says(dev: Stack, prod: Stack) -> None:
    left, right = normalised(dev), normalised(prod)
    assert {t for t, _ in set(left) - set(right)} == ONLY_IN_DEV
    assert {t for t, _ in set(right) - set(left)} == ONLY_IN_PROD
    differences = {
        (token, name, key)
        for (token, name) in set(left) & set(right)
        for key in set(left[token, name]) | set(right[token, name])
        if left[token, name].get(key) != right[token, name].get(key)
    }
    assert differences == EXPECTED_DIFFERENCES


def test_resources_are_created_in_the_configured_region_or_at_the_edge(stack: Stack) -> None:
    # HelloMocks.call answers only the caller identity and partition, and raises on any other
    # invoke: the program asks AWS nothing else.
    regions = {r["state"]["region"] for r in stack.all("pulumi:providers:aws")}
    locations = stack.settings["synthetic_check_regions"].split(",")
    assert regions == {stack.expected["region"], "us-east-1", *locations}
    for resource in stack.resources:
        if resource["type"].startswith("aws:"):
            assert resource["provider"], f"{resource['urn']} uses the default provider"


def test_every_provider_tags_what_it_creates(stack: Stack) -> None:
    for provider in stack.all("pulumi:providers:aws"):
        assert json.loads(provider["state"]["defaultTags"]) == {
            "tags": {"project": "hello", "stage": stack.name, "managed-by": "pulumi"}
        }
