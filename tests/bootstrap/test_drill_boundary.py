"""The failover drill's grants in a stage's permissions boundary: only a stage whose stack file
serves from two regions (hello_stack.stage_files.fails_over, as bootstrap/stage_access.py scopes
the deploy role's failover grants) holds the FIS drill, so only its boundary lets a role write a
table's resource policy or inject DynamoDB errors.

What the drill needs is AWS's list for aws:dynamodb:global-table-pause-replication
(https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html#global-table-pause-replication):
dynamodb:PutResourcePolicy, DeleteResourcePolicy, GetResourcePolicy, DescribeTable,
tag:GetResources, and dynamodb:InjectError for MRSC tables, where FIS still appends its
statements to the replica's resource policy. InjectError has no resource type; its condition
key dynamodb:FisActionId (Service Authorization Reference for DynamoDB) names the FIS action."""

from __future__ import annotations

import pytest

from hello_stack import stage_files
from testing.evaluate_stack import ACCOUNT
from tests.bootstrap.conftest import ALLOWED, DENIED, Principal, simulate
from tests.bootstrap.test_stage_stacks import boundary_document, stage_role
from tests.infra.conftest import Stack, cached

PAUSE = "aws:dynamodb:global-table-pause-replication"
FIS_ACTION = "dynamodb:FisActionId"
POLICY_ACTIONS = (
    "dynamodb:PutResourcePolicy",
    "dynamodb:DeleteResourcePolicy",
    "dynamodb:GetResourcePolicy",
)


def table_arn(stage: str, region: str = "eu-west-1") -> str:
    return f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/hello-{stage}-table-abc123"


def drill_requests(stage: str) -> list[tuple[str, str, dict[str, str]]]:
    """Every request AWS lists for the action, on the stage's replica."""
    table = table_arn(stage)
    return [
        *[(action, table, {}) for action in POLICY_ACTIONS],
        ("dynamodb:DescribeTable", table, {}),
        ("tag:GetResources", "*", {}),
        ("dynamodb:InjectError", "*", {FIS_ACTION: PAUSE}),
    ]


def everything(name: str) -> Principal:
    """A role whose own policy allows everything: what it may do is its boundary's."""
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                                       "Resource": "*"}]}  # fmt: skip
    return Principal(f"arn:aws:iam::{ACCOUNT}:role/{name}", [policy], None)


def bounded(stage: str, bootstrap: Stack) -> Principal:
    role = everything(f"hello-{stage}-anything")
    return Principal(role.arn, role.policies, [boundary_document(bootstrap, stage)])


@pytest.mark.parametrize(("stage", "expected"), [("dev", False), ("prod", True)])
def test_only_a_stage_that_fails_over_has_the_drills_grants(
    bootstrap: Stack, stage: str, expected: bool
) -> None:
    assert stage_files.fails_over(stage) is expected
    assert (cached(stage).settings["active_regions"] is not None) is expected
    sids = {s["Sid"] for s in boundary_document(bootstrap, stage)["Statement"]}
    drill = {"TheDrillsReplicaPolicy", "TheDrillsInjectedErrors"}
    assert sids & drill == (drill if expected else set())


def test_devs_boundary_denies_the_drills_actions_to_any_role(bootstrap: Stack) -> None:
    """A dev role whose own policy allows everything still cannot write its table's resource
    policy or inject DynamoDB errors; what dev's roles do need stays allowed."""
    role = bounded("dev", bootstrap)
    table = table_arn("dev")
    denied = [
        *[(action, table, {}) for action in POLICY_ACTIONS],
        ("dynamodb:InjectError", "*", {FIS_ACTION: PAUSE}),
        ("dynamodb:InjectError", "*", {}),
    ]
    assert simulate(role, denied) == [DENIED] * len(denied)
    kept = [("dynamodb:GetItem", table, {}), ("dynamodb:DescribeTable", table, {})]
    assert simulate(role, kept) == [ALLOWED] * 2


def test_prods_boundary_allows_what_the_drill_needs_and_no_more(bootstrap: Stack) -> None:
    role = bounded("prod", bootstrap)
    assert simulate(role, drill_requests("prod")) == [ALLOWED] * 6
    denied = [
        # another stage's table
        *[(action, table_arn("dev"), {}) for action in POLICY_ACTIONS],
        # InjectError for any other FIS action, or without one
        ("dynamodb:InjectError", "*", {FIS_ACTION: "aws:dynamodb:some-other-action"}),
        ("dynamodb:InjectError", "*", {}),
    ]
    assert simulate(role, denied) == [DENIED] * len(denied)


def test_the_drills_own_role_still_does_its_job_under_prods_boundary(bootstrap: Stack) -> None:
    """The real FIS role of prod's graph, under the real boundary (drill_requests is AWS's
    list); on the table's own ARN, as the experiment targets it."""
    prod = cached("prod")
    table = prod.state("aws:dynamodb/table:Table")
    replica = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/{table['name']}"
    drill = stage_role(prod, bootstrap, "-drill")
    requests = [
        (action, replica if arn.startswith("arn:aws:dynamodb") else arn, context)
        for action, arn, context in drill_requests("prod")
    ]
    assert simulate(drill, requests) == [ALLOWED] * 6
