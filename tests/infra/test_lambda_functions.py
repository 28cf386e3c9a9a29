"""The stage's own small Lambda functions (release hooks, synthetic checks, restore validator),
built by components/lambda_function.py, as each whole stack builds them: each logs as text to its
own group with the stage's retention, in its own region, and is created only after its role may
write those logs and do its work (the role's grants are no inputs of the function: without the
explicit ordering, a first invocation could fail on a missing permission)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.conftest import STACKS, Stack, cached

FUNCTION = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INLINE_POLICY = "aws:iam/rolePolicy:RolePolicy"
# AWS's managed policy for a function's own logs
# (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-access.html).
BASIC_LOGS = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
# Written from the stack files: each serving region's two release hooks, a check per check
# location, and prod's restore validator (dev keeps no backups). The API's own function is
# pulumi-chalice's, not these.
OWN_FUNCTIONS = {
    "dev": {
        "hello-dev-before-traffic",
        "hello-dev-after-traffic",
        "hello-dev-checks-us-east-1",
    },
    "prod": {
        "hello-prod-before-traffic",
        "hello-prod-after-traffic",
        "hello-prod-eu-west-2-before-traffic",
        "hello-prod-eu-west-2-after-traffic",
        "hello-prod-checks-us-east-1",
        "hello-prod-checks-us-west-2",
        "hello-prod-restore-validator",
    },
}


def own_functions(stack: Stack) -> list[dict[str, Any]]:
    return [f for f in stack.all(FUNCTION) if "api_handler" not in f["name"]]


@pytest.fixture(params=STACKS)
def whole(request: pytest.FixtureRequest) -> Stack:
    """The whole stack, every region."""
    return cached(request.param)


def test_the_stage_runs_exactly_these_functions_of_its_own(whole: Stack) -> None:
    assert {f["name"] for f in own_functions(whole)} == OWN_FUNCTIONS[whole.name]


def test_each_function_logs_as_text_to_its_own_group_in_its_region(whole: Stack) -> None:
    for function in own_functions(whole):
        (group,) = [g for g in whole.all(LOG_GROUP) if g["name"] == f"{function['name']}-logs"]
        assert function["state"]["loggingConfig"] == {
            "logFormat": "Text",
            "logGroup": group["state"]["name"],
        }, function["name"]
        assert group["state"]["retentionInDays"] == whole.expected["log_retention_days"]
        # The same component and the same provider: the group is in the function's region.
        assert (group["parent"], group["provider"]) == (function["parent"], function["provider"])


def test_each_function_is_created_after_its_roles_grants(whole: Stack) -> None:
    roles = {r["state"]["arn"]: r for r in whole.all(ROLE)}
    for function in own_functions(whole):
        role = roles[function["state"]["role"]]
        trust = json.loads(role["state"]["assumeRolePolicy"])["Statement"]
        assert [s["Principal"] for s in trust] == [{"Service": "lambda.amazonaws.com"}]
        assert role["state"]["permissionsBoundary"].endswith(f":policy/hello-boundary-{whole.name}")
        attachments = [
            a for a in whole.all(ATTACHMENT) if a["state"]["role"] == role["state"]["name"]
        ]
        assert [a["state"]["policyArn"] for a in attachments] == [BASIC_LOGS]
        (policy,) = [p for p in whole.all(INLINE_POLICY) if p["state"]["role"] == role["id"]]
        waits_for = set(function["dependencies"])
        assert {attachments[0]["urn"], policy["urn"]} <= waits_for, function["name"]
