"""The bootstrap stack and the stage stacks together: every role a stage creates carries the
boundary bootstrap made for it, and still does its job under it; the stages attach only the
managed policies their deploy role may attach; no stage holds anything CI depends on; and every
role ARN a workflow uses is an output of the bootstrap stack, which declares that role."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from hello_stack import naming
from testing.evaluate_stack import ACCOUNT
from tests.bootstrap.conftest import ALLOWED, DENIED, Principal, role_principal, simulate
from tests.conftest import ROOT
from tests.infra.conftest import STACKS, Stack, cached

WORKFLOWS = ROOT / ".github" / "workflows"


def boundary_document(bootstrap: Stack, stage: str) -> dict[str, Any]:
    arn = bootstrap.outputs[f"{stage}_permissions_boundary_arn"]
    (policy,) = [p for p in bootstrap.all("aws:iam/policy:Policy") if p["state"]["arn"] == arn]
    return json.loads(policy["state"]["policy"])


def stage_role(stack: Stack, bootstrap: Stack, suffix: str) -> Principal:
    role = stack.one("aws:iam/role:Role", suffix)
    return role_principal(stack, role, boundary_document(bootstrap, stack.name))


@pytest.mark.parametrize("stage", STACKS)
def test_every_stage_role_carries_its_stages_boundary(bootstrap: Stack, stage: str) -> None:
    stack = cached(stage)
    roles = stack.all("aws:iam/role:Role")
    assert roles
    expected = bootstrap.outputs[f"{stage}_permissions_boundary_arn"]
    assert {r["state"].get("permissionsBoundary") for r in roles} == {expected}
    assert all(r["state"]["name"].startswith(naming.stage_prefix(stage)) for r in roles)


@pytest.mark.parametrize("stage", STACKS)
def test_stages_attach_only_what_their_deploy_role_may_attach(bootstrap: Stack, stage: str) -> None:
    deploy = bootstrap.one_named(
        "aws:iam/rolePolicy:RolePolicy", naming.ci_role_name(stage, "deploy") + "-policy"
    )
    (attachable,) = [
        s["Condition"]["ArnEquals"]["iam:PolicyARN"]
        for s in json.loads(deploy["state"]["policy"])["Statement"]
        if s["Sid"] == "AttachOnlyTheStagesManagedPolicies"
    ]
    attached = {
        a["state"]["policyArn"]
        for a in cached(stage).all("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert attached and attached <= set(attachable)


def test_the_stage_roles_still_do_their_jobs_under_the_boundary(bootstrap: Stack) -> None:
    stack = cached("prod").primary()  # the first region's roles (each region's: the same)
    table = stack.state("aws:dynamodb/table:Table")["arn"]
    api = stack.state("aws:lambda/function:Function", "-api_handler")
    hooks = [
        f["state"]["arn"]
        for f in stack.all("aws:lambda/function:Function")
        if "traffic" in f["name"]
    ]
    app = stage_role(stack, bootstrap, "-default-role")
    assert (
        simulate(
            app,
            [
                ("dynamodb:GetItem", table, {}),
                ("dynamodb:PutItem", table, {}),
                ("dynamodb:DeleteItem", table, {}),
                ("xray:PutTraceSegments", "*", {}),
            ],
        )
        == [ALLOWED] * 4
    )
    hook = stage_role(stack, bootstrap, "-hook-role")
    # Reporting a hook's result has no resource type: the simulator requires "*".
    group = "*"
    assert (
        simulate(
            hook,
            [
                ("lambda:InvokeFunction", f"{api['arn']}:7", {}),
                ("codedeploy:PutLifecycleEventHookExecutionStatus", group, {}),
            ],
        )
        == [ALLOWED] * 2
    )
    codedeploy = stage_role(stack, bootstrap, "-codedeploy-role")
    assert simulate(
        codedeploy,
        [
            ("lambda:UpdateAlias", f"{api['arn']}:live", {}),
            ("lambda:GetAlias", f"{api['arn']}:live", {}),
            ("cloudwatch:DescribeAlarms", f"arn:aws:cloudwatch:eu-west-1:{ACCOUNT}:alarm:x", {}),
            *[("lambda:InvokeFunction", arn, {}) for arn in hooks],
        ],
    ) == [ALLOWED] * (3 + len(hooks))
    backup = stage_role(stack, bootstrap, "-backup-role")
    assert (
        simulate(
            backup,
            [("dynamodb:CreateBackup", table, {}), ("dynamodb:DescribeTable", table, {})],
        )
        == [ALLOWED] * 2
    )
    # The failover drill's FIS role: a resource policy on the first region's replica, no more.
    drill = stage_role(stack, bootstrap, "-drill")
    other_table = table.replace("hello-prod", "hello-dev")
    assert (
        simulate(
            drill,
            [
                ("dynamodb:PutResourcePolicy", table, {}),
                ("dynamodb:DeleteResourcePolicy", table, {}),
                ("dynamodb:GetResourcePolicy", table, {}),
                ("dynamodb:DescribeTable", table, {}),
                # only as the drill's FIS action (tests/bootstrap/test_drill_boundary.py)
                (
                    "dynamodb:InjectError",
                    "*",
                    {"dynamodb:FisActionId": "aws:dynamodb:global-table-pause-replication"},
                ),
                ("dynamodb:PutResourcePolicy", other_table, {}),
                ("dynamodb:GetItem", table, {}),
            ],
        )
        == [ALLOWED] * 5 + [DENIED] * 2
    )


@pytest.mark.parametrize("stage", STACKS)
def test_the_synthetic_checks_publish_only_into_their_stages_namespace(
    bootstrap: Stack, stage: str
) -> None:
    """Both the checks' role policy and the stage's boundary must allow PutMetricData, and
    only with the stage's own namespace (the cloudwatch:namespace condition key)."""
    stack = cached(stage)
    checks = stage_role(stack, bootstrap, "-checks-role")
    other = "prod" if stage == "dev" else "dev"
    requests = [
        ("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": f"hello/{stage}"}),
        ("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": f"hello/{other}"}),
        ("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "AWS/ApiGateway"}),
        ("cloudwatch:PutMetricAlarm", "*", {}),
        ("logs:PutLogEvents", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:x:*", {}),
    ]
    assert simulate(checks, requests) == [ALLOWED, DENIED, DENIED, DENIED, ALLOWED]
    without_boundary = Principal(checks.arn, checks.policies, None)
    boundary_only = Principal(checks.arn, [boundary_document(bootstrap, stage)], None)
    for principal in (without_boundary, boundary_only):  # each side alone is scoped too
        assert simulate(principal, requests[:2]) == [ALLOWED, DENIED]


@pytest.mark.parametrize("stage", STACKS)
def test_no_stage_holds_what_ci_depends_on(stage: str) -> None:
    stack = cached(stage, extras=True)
    held = {r["type"] for r in stack.resources}
    assert "aws:iam/openIdConnectProvider:OpenIdConnectProvider" not in held
    assert "aws:apigateway/account:Account" not in held
    assert "aws:iam/policy:Policy" not in held
    for role in stack.all("aws:iam/role:Role"):
        assert "token.actions.githubusercontent.com" not in role["state"]["assumeRolePolicy"]


def workflow_role_variables() -> set[str]:
    text = "\n".join(path.read_text() for path in WORKFLOWS.glob("*.yml"))
    # Each job names its variable as a literal and reads it with `vars[env.ROLE_VARIABLE]`.
    return set(re.findall(r"'([A-Z]+_[A-Z]+_ROLE_ARN)'", text))


def test_every_role_a_workflow_assumes_is_a_bootstrap_output_of_a_declared_role(
    bootstrap: Stack,
) -> None:
    used = workflow_role_variables()
    assert used == {
        naming.github_variable(stage, purpose)
        for stage in ("dev", "prod")
        for purpose in ("deploy", "preview", "drift")
    }
    roles = {r["state"]["arn"]: r for r in bootstrap.all("aws:iam/role:Role")}
    for variable in used:
        arn = bootstrap.outputs[variable]
        assert arn in roles, variable
        assert roles[arn]["protect"] is True  # `pulumi destroy` of bootstrap stops at it


def test_the_account_wide_resources_outlive_even_the_bootstrap_stack(bootstrap: Stack) -> None:
    for token in (
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "aws:apigateway/account:Account",
    ):
        (resource,) = bootstrap.all(token)
        assert resource["retainOnDelete"] is True and resource["protect"] is True
    account = bootstrap.state("aws:apigateway/account:Account")
    logging_role = bootstrap.one_named("aws:iam/role:Role", "hello-bootstrap-apigateway-logs")
    assert account["cloudwatchRoleArn"] == logging_role["state"]["arn"]
    assert logging_role["retainOnDelete"] is True
