"""Regions as configuration (issue 22): dev in one region exactly as before; prod in two, each
with the full regional stack on its own provider and its own replica of one MRSC table, behind
one failover name; the failover bound from hello_stack/failover.py; the drill on AWS."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from chalicelib import contract
from hello_stack import failover
from tests.conftest import ROOT
from tests.infra.conftest import CHALICE_APP, Refused, Stack, cached, evaluate, statements
from tests.infra.dev_graph import KEYS, graph

TABLE = "aws:dynamodb/table:Table"
RECORD = "aws:route53/record:Record"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
DOMAIN = "aws:apigateway/domainName:DomainName"
MAPPING = "aws:apigateway/basePathMapping:BasePathMapping"
REST_API = "aws:apigateway/restApi:RestApi"
FUNCTION = "aws:lambda/function:Function"
TEMPLATE = "aws:fis/experimentTemplate:ExperimentTemplate"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
# What each serving region runs (issue 22: "the full regional stack"), one of each per region.
REGIONAL_COMPONENTS = {
    CHALICE_APP,
    "hello:components:Monitoring",
    "hello:components:CanaryDeployment",
    "hello:components:ReleaseHooks",
    "hello:components:RegionalEndpoint",
}
# Pulumi.prod.yaml's operator values (placeholders the operator replaces).
PROD_DOMAIN = "api-origin.acme.example"
PROD_ZONE = "Z0ACME0EXAMPLE0ZONE0"
PROD_CERTIFICATES = {
    "eu-west-1": "arn:aws:acm:eu-west-1:123456789012:certificate/acme-eu-west-1",
    "eu-west-2": "arn:aws:acm:eu-west-2:123456789012:certificate/acme-eu-west-2",
}
# Each region's health name: <region>.<failover name> (hello_stack.failover.health_domain),
# written out from the stack file's values rather than computed by the code under test.
PROD_HEALTH_NAMES = {
    "eu-west-1": "eu-west-1.api-origin.acme.example",
    "eu-west-2": "eu-west-2.api-origin.acme.example",
}


@pytest.fixture
def whole_prod() -> Stack:
    return cached("prod")


def regional_name(stack: Stack, region: str) -> str:
    """hello-<stage> for the first region, hello-<stage>-<region> for the others."""
    first = stack.expected["regions"][0]
    return f"hello-{stack.name}" if region == first else f"hello-{stack.name}-{region}"


def of_region(stack: Stack, token: str, region: str, suffix: str | None = None) -> dict[str, Any]:
    """The one resource of this type created in that region (named <regional name><suffix>)."""
    found = [r for r in stack.all(token) if stack.region_of(r) == region]
    if suffix is not None:
        found = [r for r in found if r["name"] == regional_name(stack, region) + suffix]
    (one,) = found
    return one


# --- dev: one region, unchanged -------------------------------------------------------------


def test_dev_builds_exactly_what_it_built_before_two_regions_existed() -> None:
    """Every URN, property, dependency and option of dev as before two regions existed
    (tests/infra/dev_graph.json, taken at b2dc2ec and taken again after two deliberate changes
    to dev that came with the same work: the alarms' runbook moved to docs/runbook.md, and the
    app gained GET /health; nothing else of dev differs). Dependencies and the rest of the
    options joined the digest later, taken from that program and from main's alike."""
    before = json.loads((ROOT / "tests" / "infra" / "dev_graph.json").read_text())
    now = graph(cached("dev").resources)
    assert set(now) == set(before)
    assert {urn for urn in now if now[urn] != before[urn]} == set()


def test_the_digest_sees_what_a_resource_waits_for_and_how_it_is_replaced() -> None:
    """A graph that differs only in a dependency or an option is not the same graph; the order
    the SDK lists dependencies in is no difference."""
    dev = cached("dev").resources
    waiting = next(r for r in dev if len(r["dependencies"]) >= 2)
    (urn,) = graph([waiting])
    same = {**waiting, "dependencies": list(reversed(waiting["dependencies"]))}
    assert graph([same]) == graph([waiting])
    changes = {
        "dependencies": waiting["dependencies"][1:],
        "deleteBeforeReplace": not waiting["deleteBeforeReplace"],
        "replaceOnChanges": ["*"],
        "customTimeouts": {"create": "1m"},
        "deletedWith": "urn:pulumi:dev::hello::aws:s3/bucket:Bucket::other",
        "deleteBeforeReplaceDefined": not waiting["deleteBeforeReplaceDefined"],
        "replaceWith": ["urn:pulumi:dev::hello::aws:s3/bucket:Bucket::other"],
        "replacementTrigger": "v2",
        "additionalSecretOutputs": ["arn"],
        "hideDiffs": ["tags"],
        "importId": "an-existing-id",
        "hooks": {"beforeCreate": ["a-hook"]},
    }
    for key, value in changes.items():
        assert graph([{**waiting, key: value}])[urn] != graph([waiting])[urn], key


# A resource with every option the digest covers set, evaluated as the stacks are.
EVERY_OPTION = """
import json
import pulumi
import pulumi_aws as aws
from testing.evaluate_stack import record

def program():
    other = aws.sns.Topic("other")
    aws.sns.Topic(
        "each",
        opts=pulumi.ResourceOptions(
            depends_on=[other],
            delete_before_replace=True,
            replace_on_changes=["name"],
            replace_with=[other],
            replacement_trigger="v2",
            additional_secret_outputs=["arn"],
            hide_diffs=["tags"],
            custom_timeouts=pulumi.CustomTimeouts(create="1m"),
            deleted_with=other,
            import_="an-existing-topic",
        ),
    )

print(json.dumps(record(program, "hello", "dev", {"aws:region": "eu-west-1"}), default=str))
"""


def test_the_mocks_record_each_option_the_digest_covers() -> None:
    """The options reach the digest as the program set them (the stacks set few of them, so
    their graphs alone would not show a monitor that dropped one)."""
    result = subprocess.run(
        [sys.executable, "-c", EVERY_OPTION], cwd=ROOT, capture_output=True, text=True, check=True
    )
    resources = {r["name"]: r for r in json.loads(result.stdout)["resources"]}
    other, each = resources["other"]["urn"], resources["each"]
    assert each["dependencies"] == [other]
    assert each["deleteBeforeReplace"] is True
    assert each["deleteBeforeReplaceDefined"] is True
    assert each["replaceOnChanges"] == ["name"]
    assert each["replaceWith"] == [other]
    assert each["replacementTrigger"] == "v2"
    assert each["additionalSecretOutputs"] == ["arn"]
    assert each["hideDiffs"] == ["tags"]
    assert each["customTimeouts"] == {"create": "1m"}
    assert each["deletedWith"] == other
    assert each["importId"] == "an-existing-topic"
    assert set(KEYS) <= set(each)


def test_dev_serves_from_one_region_with_no_failover_or_replica() -> None:
    dev = cached("dev")
    assert dev.settings["active_regions"] is None
    assert {r["state"]["region"] for r in dev.all("pulumi:providers:aws")} == {
        "eu-west-1",
        "us-east-1",
    }
    table = dev.state(TABLE)
    assert "replicas" not in table and "globalTableWitness" not in table
    for token in (RECORD, HEALTH_CHECK, DOMAIN, MAPPING, TEMPLATE):
        assert dev.all(token) == []
    assert [r["region"] for r in dev.outputs["regions"]] == ["eu-west-1"]


# --- prod: two regions, each on its own provider -------------------------------------------


def test_each_region_runs_the_full_regional_stack_on_its_own_provider(whole_prod: Stack) -> None:
    for region in whole_prod.expected["regions"]:
        name = regional_name(whole_prod, region)
        components = {
            r["type"]
            for r in whole_prod.resources
            if r["name"] == name and r["type"] in REGIONAL_COMPONENTS
        }
        assert components == REGIONAL_COMPONENTS, region
        children = [
            r
            for r in whole_prod.resources
            if not r["type"].startswith("hello:")
            and r["type"] != CHALICE_APP
            and r["parent"].endswith(f"::{name}")
            and any(f"{t}$" in r["urn"] for t in REGIONAL_COMPONENTS)
        ]
        assert children, region
        for child in children:
            assert whole_prod.region_of(child) == region, child["urn"]


def test_the_second_region_mirrors_the_first_but_for_its_failover_role(whole_prod: Stack) -> None:
    """Same resources, same properties (region and names aside): the regions differ only where
    failover must (PRIMARY and SECONDARY)."""
    first, second = whole_prod.expected["regions"]

    def normalised(resource: dict[str, Any]) -> dict[str, Any]:
        text = json.dumps(resource["state"], sort_keys=True)
        text = re.sub(r"[0-9a-fA-F]{7,}(?![0-9a-fA-F]*\.\d)", "#", text)
        text = text.replace(f"hello-prod-{second}", "hello-prod")
        return json.loads(text.replace(second, "REGION").replace(first, "REGION"))

    by_name = {(r["type"], r["name"]): r for r in whole_prod.resources}
    seconds = [r for r in whole_prod.resources if r["name"].startswith(f"hello-prod-{second}")]
    assert len(seconds) > 40
    differences = set()
    for resource in seconds:
        twin = by_name[
            resource["type"], resource["name"].replace(f"hello-prod-{second}", "hello-prod")
        ]
        left, right = normalised(twin), normalised(resource)
        differences |= {
            (resource["type"], key)
            for key in set(left) | set(right)
            if left.get(key) != right.get(key)
        }
    assert differences == {(RECORD, "failoverRoutingPolicies")}


def test_every_region_reads_and_writes_its_own_replica(whole_prod: Stack) -> None:
    table = whole_prod.state(TABLE)
    for region in whole_prod.expected["regions"]:
        function = of_region(whole_prod, FUNCTION, region, "-api_handler")
        assert function["name"] == f"{regional_name(whole_prod, region)}-api_handler"
        variables = function["state"]["environment"]["variables"]
        assert variables[contract.TABLE_NAME_ENV] == table["name"]  # one name, every replica
        replica = f"arn:aws:dynamodb:{region}:123456789012:table/{table['name']}"
        policy = of_region(whole_prod, "aws:iam/rolePolicy:RolePolicy", region, "-default-role")
        table_statements = [
            s for s in statements(policy["state"]["policy"]) if "dynamodb:GetItem" in s["Action"]
        ]
        assert table_statements == [
            {"Effect": "Allow", "Action": contract.dynamodb_actions(), "Resource": replica}
        ]


def test_one_origin_secret_for_every_region_and_cloudfront(whole_prod: Stack) -> None:
    (password,) = whole_prod.all("random:index/randomPassword:RandomPassword")
    secret = password["state"]["result"]
    for region in whole_prod.expected["regions"]:
        variables = of_region(whole_prod, FUNCTION, region, "-api_handler")["state"]["environment"][
            "variables"
        ]
        assert variables[contract.ORIGIN_SECRET_ENV] == secret
    (origin,) = whole_prod.state("aws:cloudfront/distribution:Distribution")["origins"]
    assert origin["customHeaders"] == [{"name": contract.ORIGIN_HEADER, "value": secret}]
    assert whole_prod.outputs["origin_secret"] == secret


# --- the table: one MRSC global table ------------------------------------------------------


def test_the_table_is_one_mrsc_global_table_protected_in_every_replica(whole_prod: Stack) -> None:
    (table,) = whole_prod.all(TABLE)
    assert whole_prod.region_of(table) == "eu-west-1"
    state = table["state"]
    # MRSC: two replicas and a witness from one region set (https://docs.aws.amazon.com/
    # amazondynamodb/latest/APIReference/API_CreateGlobalTableWitnessGroupMemberAction.html)
    assert state["replicas"] == [
        {
            "regionName": "eu-west-2",
            "consistencyMode": "STRONG",
            "pointInTimeRecovery": True,
            "deletionProtectionEnabled": True,
            "propagateTags": True,
        }
    ]
    assert state["globalTableWitness"] == {"regionName": whole_prod.expected["witness"]}
    assert state["pointInTimeRecovery"]["enabled"] is True
    assert state["deletionProtectionEnabled"] is True
    assert table["protect"] is True and table["retainOnDelete"] is True
    # MRSC has no TTL, LSI or transactions: hello uses none.
    assert "ttl" not in state and "localSecondaryIndexes" not in state
    assert not any("Transact" in action for action in contract.dynamodb_actions())


# --- failover for every method --------------------------------------------------------------


def test_the_failover_bound_is_derived_from_route53s_allowed_settings() -> None:
    # Route 53: request interval 10 or 30 s, failure threshold 1 to 10
    # (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-creating-values.html)
    assert failover.CHECK_INTERVAL_S in (10, 30)
    assert 1 <= failover.FAILURE_THRESHOLD <= 10
    assert failover.failover_bound_s() == 10 * 3 + 60
    doc = (ROOT / "docs" / "failover.md").read_text()
    assert f"**{failover.failover_bound_s():.0f} s**" in doc


def test_each_region_has_a_health_check_on_its_own_health_name(whole_prod: Stack) -> None:
    """The check calls the region's health name over HTTPS with SNI, so it goes through that
    region's custom domain, mapping and certificate as CloudFront's requests do; the mapping
    holds the stage, so the path is the health route alone."""
    for region in whole_prod.expected["regions"]:
        health = of_region(whole_prod, HEALTH_CHECK, region)
        check = health["state"]
        assert check["type"] == "HTTPS"
        assert check["fqdn"] == PROD_HEALTH_NAMES[region]
        assert "ipAddress" not in check  # resolved by name, each check
        assert check["port"] == 443 and check["enableSni"] is True
        assert check["resourcePath"] == contract.HEALTH_PATH == "/health"
        assert check["requestInterval"] == failover.CHECK_INTERVAL_S
        assert check["failureThreshold"] == failover.FAILURE_THRESHOLD
        # Created once its name resolves and is mapped (else its first checks fail).
        assert {
            of_region(whole_prod, RECORD, region, "-health-record")["urn"],
            of_region(whole_prod, MAPPING, region, "-health-mapping")["urn"],
        } <= set(health["dependencies"])


def test_each_health_name_is_its_regions_own_custom_domain(whole_prod: Stack) -> None:
    """A second regional custom domain per region, on the same certificate as the failover
    name's, the whole domain mapped to the same stage, and a simple CNAME (no failover policy,
    no health check) answering the health name with that domain, all on the region's provider."""
    for region in whole_prod.expected["regions"]:
        domain = of_region(whole_prod, DOMAIN, region, "-health-domain")
        state = domain["state"]
        assert state["domainName"] == PROD_HEALTH_NAMES[region]
        assert state["regionalCertificateArn"] == PROD_CERTIFICATES[region]
        assert (
            state["regionalCertificateArn"]
            == of_region(whole_prod, DOMAIN, region, "-domain")["state"]["regionalCertificateArn"]
        )
        assert state["endpointConfiguration"] == {"types": "REGIONAL"}
        assert state["securityPolicy"] == "TLS_1_2"
        mapping = of_region(whole_prod, MAPPING, region, "-health-mapping")
        assert mapping["state"]["restApi"] == of_region(whole_prod, REST_API, region)["id"]
        assert mapping["state"]["stageName"] == contract.STAGE_NAME
        assert mapping["state"]["domainName"] == PROD_HEALTH_NAMES[region]
        assert "basePath" not in mapping["state"]  # the whole name: the same routes
        record = of_region(whole_prod, RECORD, region, "-health-record")
        answer = record["state"]
        assert answer["zoneId"] == PROD_ZONE
        assert answer["name"] == PROD_HEALTH_NAMES[region]
        assert answer["type"] == "CNAME"
        assert answer["ttl"] == failover.DNS_TTL_S
        assert answer["records"] == [state["regionalDomainName"]]
        assert not {"setIdentifier", "failoverRoutingPolicies", "healthCheckId"} & set(answer)
        assert state["regionalDomainName"].endswith(f".execute-api.{region}")
        for each in (domain, mapping, record):
            assert whole_prod.region_of(each) == region, each["urn"]


def test_the_health_routes_metrics_are_on_and_it_keeps_the_stages_throttle(
    whole_prod: Stack,
) -> None:
    """Per-method metrics for GET /health alone (the server SLI subtracts them); a method's own
    settings replace the stage's, so it repeats the stage's throttle."""
    for region in whole_prod.expected["regions"]:
        settings = of_region(
            whole_prod, "aws:apigateway/methodSettings:MethodSettings", region, "-health-metrics"
        )["state"]
        assert settings["methodPath"] == "health/GET"
        assert settings["restApi"] == of_region(whole_prod, REST_API, region)["id"]
        assert settings["stageName"] == contract.STAGE_NAME
        assert settings["settings"] == {
            "metricsEnabled": True,
            "throttlingRateLimit": whole_prod.expected["throttle_rate_limit"],
            "throttlingBurstLimit": whole_prod.expected["throttle_burst_limit"],
        }


def test_one_failover_name_primary_then_secondary(whole_prod: Stack) -> None:
    roles = {}
    for region in whole_prod.expected["regions"]:
        record = of_region(whole_prod, RECORD, region, "-failover")["state"]
        domain = of_region(whole_prod, DOMAIN, region, "-domain")["state"]
        check = of_region(whole_prod, HEALTH_CHECK, region)
        assert record["zoneId"] == PROD_ZONE
        assert record["name"] == PROD_DOMAIN
        assert record["type"] == "CNAME"  # not an alias: its TTL is ours
        assert record["ttl"] == failover.DNS_TTL_S
        assert record["records"] == [domain["regionalDomainName"]]
        assert domain["regionalDomainName"].endswith(f".execute-api.{region}")
        assert record["setIdentifier"] == region
        assert record["healthCheckId"] == check["id"]
        roles[region] = [p["type"] for p in record["failoverRoutingPolicies"]]
    assert roles == {"eu-west-1": ["PRIMARY"], "eu-west-2": ["SECONDARY"]}


def test_each_region_serves_the_failover_name_with_its_own_certificate(whole_prod: Stack) -> None:
    for region in whole_prod.expected["regions"]:
        domain = of_region(whole_prod, DOMAIN, region, "-domain")["state"]
        assert domain["domainName"] == PROD_DOMAIN
        assert domain["regionalCertificateArn"] == PROD_CERTIFICATES[region]
        assert domain["endpointConfiguration"] == {"types": "REGIONAL"}
        assert domain["securityPolicy"] == "TLS_1_2"
        mapping = of_region(whole_prod, MAPPING, region, "-mapping")["state"]
        assert mapping["restApi"] == of_region(whole_prod, REST_API, region)["id"]
        assert mapping["stageName"] == contract.STAGE_NAME
        assert mapping["domainName"] == PROD_DOMAIN
        assert "basePath" not in mapping  # the whole name maps to the stage


def test_cloudfront_sends_every_method_to_the_failover_name(whole_prod: Stack) -> None:
    distribution = whole_prod.state("aws:cloudfront/distribution:Distribution")
    (origin,) = distribution["origins"]
    assert origin["domainName"] == PROD_DOMAIN
    assert "originGroups" not in distribution  # GET, HEAD and OPTIONS only: not used
    assert set(distribution["defaultCacheBehavior"]["allowedMethods"]) >= {"PUT", "DELETE"}


def test_cloudfront_switches_to_the_failover_name_only_once_it_resolves(
    whole_prod: Stack,
) -> None:
    """An update that moves the origin to the failover name must wait for what makes that name
    answer (every region's record, custom domain and mapping; their health names' too, in the
    same components): else CloudFront sends users to a name that does not resolve yet (dev's
    graph, with none of them, is unchanged: above)."""
    needed = {r["urn"] for token in (RECORD, DOMAIN, MAPPING) for r in whole_prod.all(token)}
    assert len(needed) == 12
    distribution = whole_prod.one("aws:cloudfront/distribution:Distribution")
    assert needed <= set(distribution["dependencies"])


# --- the drill on AWS -----------------------------------------------------------------------


def test_the_drill_isolates_the_first_regions_replica(whole_prod: Stack) -> None:
    (template,) = whole_prod.all(TEMPLATE)
    assert whole_prod.region_of(template) == "eu-west-1"
    state = template["state"]
    table_arn = whole_prod.state(TABLE)["arn"]
    assert state["targets"] == [
        {
            "name": "replica",
            "resourceType": "aws:dynamodb:global-table",
            "resourceArns": [table_arn],
            "selectionMode": "ALL",
        }
    ]
    assert state["actions"] == [
        {
            "name": "isolate-region",
            "actionId": "aws:dynamodb:global-table-pause-replication",
            "parameters": [{"key": "duration", "value": "PT10M"}],
            "target": {"key": "Tables", "value": "replica"},
        }
    ]
    assert state["stopConditions"] == [{"source": "none"}]
    role = whole_prod.one_named("aws:iam/role:Role", "hello-prod-drill")["state"]
    assert state["roleArn"] == role["arn"]
    (trust,) = statements(role["assumeRolePolicy"])
    assert trust["Principal"] == {"Service": "fis.amazonaws.com"}
    assert (
        role["permissionsBoundary"].endswith(":policy/hello-prod-boundary")
        or role["permissionsBoundary"]
    )
    policy = whole_prod.one_named("aws:iam/rolePolicy:RolePolicy", "hello-prod-drill")["state"]
    allowed, unscoped = statements(policy["policy"])
    assert allowed["Resource"] == table_arn
    assert set(allowed["Action"]) == {
        "dynamodb:PutResourcePolicy",
        "dynamodb:DeleteResourcePolicy",
        "dynamodb:GetResourcePolicy",
        "dynamodb:DescribeTable",
    }
    # AWS's Cross-Region: Connectivity scenario's policy: an MRSC table's pause injects errors
    # (dynamodb:InjectError, no resource type), and FIS resolves targets through tag:GetResources.
    assert unscoped == {
        "Effect": "Allow",
        "Action": ["dynamodb:InjectError", "tag:GetResources"],
        "Resource": "*",
    }


# --- the deploy workflow's view ---------------------------------------------------------------


def test_outputs_list_each_regions_release_in_order(whole_prod: Stack) -> None:
    regions = whole_prod.outputs["regions"]
    assert [r["region"] for r in regions] == whole_prod.expected["regions"]
    for entry in regions:
        region = entry["region"]
        function = of_region(whole_prod, FUNCTION, region, "-api_handler")["state"]
        assert entry["function_name"] == function["name"]
        assert entry["api_url"] == (
            f"https://{of_region(whole_prod, REST_API, region)['id']}.execute-api.{region}"
            ".amazonaws.com/api"
        )
        group = of_region(whole_prod, "aws:codedeploy/deploymentGroup:DeploymentGroup", region)
        assert entry["codedeploy_deployment_group"] == group["state"]["deploymentGroupName"]
    # The first region's entry is what the one-region outputs say.
    assert regions[0]["function_name"] == whole_prod.outputs["function_name"]


# --- refusals ---------------------------------------------------------------------------------


def test_two_regions_without_the_failover_keys_are_refused_naming_them() -> None:
    with pytest.raises(Refused) as refused:
        evaluate(
            "dev",
            {"hello:activeRegions": "eu-west-1,eu-west-2", "hello:witnessRegion": "eu-west-3"},
        )
    message = str(refused.value)
    assert message.startswith("refused:")
    for key in ("hello:hostedZoneId", "hello:failoverDomain", "hello:regionalCertificateArns"):
        assert key in message


def test_a_failing_health_check_pages_from_us_east_1(whole_prod: Stack) -> None:
    """Once a region is out, its own alarms and topics may be down with it: each region's health
    check has an alarm in us-east-1 (where Route 53 publishes HealthCheckStatus), first region
    as the primary, notifying the edge's paging topic."""
    (edge_topic,) = [
        t for t in whole_prod.all("aws:sns/topic:Topic") if t["name"] == "hello-prod-edge-alarms"
    ]
    for role, region in zip(("primary", "secondary"), whole_prod.expected["regions"], strict=True):
        alarm = whole_prod.one_named(ALARM, f"hello-prod-edge-region-{role}-unhealthy")
        check = of_region(whole_prod, HEALTH_CHECK, region)
        assert whole_prod.provider_region(alarm) == "us-east-1"
        state = alarm["state"]
        assert (state["namespace"], state["metricName"]) == ("AWS/Route53", "HealthCheckStatus")
        assert state["dimensions"] == {"HealthCheckId": check["id"]}
        assert (state["statistic"], state["threshold"]) == ("Minimum", 1)
        assert state["comparisonOperator"] == "LessThanThreshold"
        # The runbook's "3 of the last 5 minutes"; no data is no failure.
        assert (state["period"], state["evaluationPeriods"], state["datapointsToAlarm"]) == (
            60,
            5,
            3,
        )
        assert state["treatMissingData"] == "notBreaching"
        assert state["alarmActions"] == [edge_topic["state"]["arn"]]
        assert state["alarmDescription"].endswith(f"#alarm-region-{role}-unhealthy")


def test_one_region_has_no_failover_alarm() -> None:
    names = [a["name"] for a in cached("dev").all(ALARM)]
    assert [name for name in names if "unhealthy" in name] == []
