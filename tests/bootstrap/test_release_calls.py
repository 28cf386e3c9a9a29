"""The deploy role may make every CodeDeploy call deploy/shift_traffic.py makes on its own
stage's deployment group: the release, its rolled-back memory, and the timeout paths (the
release's and the restore's) that stop a deployment, as the IAM simulator decides them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from deploy.shift_traffic import ALL_AT_ONCE
from testing.evaluate_stack import ACCOUNT
from tests.bootstrap.conftest import ALLOWED, full_graph, simulate
from tests.bootstrap.test_stage_access import deploy_role
from tests.infra.conftest import STACKS, Stack

SHIFT_TRAFFIC = Path(__file__).parents[2] / "deploy" / "shift_traffic.py"
# boto3's method names of the CodeDeploy API operations (the IAM action is the operation's name).
OPERATIONS = {
    "create_deployment": "codedeploy:CreateDeployment",
    "get_deployment": "codedeploy:GetDeployment",
    "list_deployments": "codedeploy:ListDeployments",
    "batch_get_deployments": "codedeploy:BatchGetDeployments",
    "stop_deployment": "codedeploy:StopDeployment",
}


def called_on_codedeploy() -> set[str]:
    """The IAM actions of shift_traffic.py's `codedeploy.<operation>(...)` calls and
    `codedeploy.get_paginator("<operation>")`."""
    called = set()
    for node in ast.walk(ast.parse(SHIFT_TRAFFIC.read_text())):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "codedeploy"
        ):
            continue
        if node.func.attr == "get_paginator":
            (operation,) = [str(a.value) for a in node.args if isinstance(a, ast.Constant)]
        else:
            operation = node.func.attr
        called.add(OPERATIONS[operation])
    return called


def group_arn(stage: str) -> str:
    """The stage's group as IAM names it (Service Authorization Reference, resource type
    deploymentgroup); the mocks' `arn` does not follow that format."""
    group = full_graph(stage).state(
        "aws:codedeploy/deploymentGroup:DeploymentGroup", "-deployment-group"
    )
    return (
        f"arn:aws:codedeploy:eu-west-1:{ACCOUNT}:deploymentgroup:"
        f"{group['appName']}/{group['deploymentGroupName']}"
    )


def test_the_release_calls_are_read_from_the_script() -> None:
    assert called_on_codedeploy() == set(OPERATIONS.values())


@pytest.mark.parametrize("stage", STACKS)
def test_the_deploy_role_may_release_and_follow(bootstrap: Stack, stage: str) -> None:
    arn = group_arn(stage)
    made = [
        (action, arn, {})
        for action in sorted(called_on_codedeploy() - {"codedeploy:StopDeployment"})  # below
    ]
    assert len(made) == 4
    assert simulate(deploy_role(bootstrap, stage), made) == [ALLOWED] * len(made)


@pytest.mark.parametrize("stage", STACKS)
def test_the_deploy_role_may_stop_a_deployment_that_timed_out(bootstrap: Stack, stage: str) -> None:
    # No resource type (Service Authorization Reference): IAM evaluates it against "*".
    made = [("codedeploy:StopDeployment", "*", {})]
    assert simulate(deploy_role(bootstrap, stage), made) == [ALLOWED]


@pytest.mark.parametrize("stage", STACKS)
def test_the_deploy_role_may_restore_with_alarms_off_all_at_once(
    bootstrap: Stack, stage: str
) -> None:
    """A restore (and `--ignore-alarms`) passes overrideAlarmConfiguration, which needs
    UpdateDeploymentGroup besides CreateDeployment: "If you specify an
    overrideAlarmConfiguration, you need the UpdateDeploymentGroup IAM permission when calling
    CreateDeployment"
    (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html);
    and it names CodeDeployDefault.LambdaAllAtOnce, a configuration read by ARN."""
    config = f"arn:aws:codedeploy:eu-west-1:{ACCOUNT}:deploymentconfig:{ALL_AT_ONCE}"
    made = [
        ("codedeploy:UpdateDeploymentGroup", group_arn(stage), {}),
        ("codedeploy:GetDeploymentConfig", config, {}),
    ]
    assert simulate(deploy_role(bootstrap, stage), made) == [ALLOWED] * len(made)
