"""CodeDeploy canary resources and the GitHub OIDC roles."""

from __future__ import annotations

import re

import pytest

from tests.infra.conftest import EXTRAS, Stack, evaluate, statements

GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"


def test_deployment_group_shifts_lambda_traffic_and_rolls_back(stack: Stack) -> None:
    group = stack.state(GROUP)
    application = stack.state("aws:codedeploy/application:Application")
    assert application["computePlatform"] == "Lambda"
    assert group["appName"] == application["name"]
    assert group["deploymentConfigName"] == stack.settings["deployment_config"]
    assert group["deploymentStyle"] == {
        "deploymentType": "BLUE_GREEN",
        "deploymentOption": "WITH_TRAFFIC_CONTROL",
    }
    assert group["autoRollbackConfiguration"] == {
        "enabled": True,
        "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
    }


def test_rollback_alarms_are_the_release_alarms(stack: Stack) -> None:
    group = stack.state(GROUP)
    names = {
        key: stack.state("aws:cloudwatch/metricAlarm:MetricAlarm", f"-{key}")["name"]
        for key in ("release-lambda-errors", "release-api-5xx")
    }
    assert group["alarmConfiguration"]["enabled"] is True
    assert sorted(group["alarmConfiguration"]["alarms"]) == sorted(names.values())


def test_both_stages_release_through_a_canary(dev: Stack, prod: Stack) -> None:
    assert prod.state(GROUP)["deploymentConfigName"] == (
        "CodeDeployDefault.LambdaCanary10Percent10Minutes"
    )
    assert dev.state(GROUP)["deploymentConfigName"] == (
        "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    )


# CloudWatch publishes Lambda and API Gateway metrics 1-2 minutes after the minute they count.
METRIC_DELAY_S = 120
FIRST_STEP = re.compile(r"Lambda(?:Canary\d+Percent|Linear\d+PercentEvery)(\d+)Minutes?$")


def first_step_seconds(config_name: str) -> int:
    """How long CodeDeploy waits before moving more traffic: the canary's or the first linear
    step's interval (AllAtOnce has none)."""
    found = FIRST_STEP.search(config_name)
    assert found, f"{config_name} has no window in which an alarm could stop it"
    return int(found.group(1)) * 60


def test_rollback_alarms_fire_before_the_canary_window_ends(stack: Stack) -> None:
    group = stack.state(GROUP)
    window_s = first_step_seconds(group["deploymentConfigName"])
    alarms = {
        a["state"]["name"]: a["state"] for a in stack.all("aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    for name in group["alarmConfiguration"]["alarms"]:
        alarm = alarms[name]
        assert alarm["period"] == 60
        assert alarm["treatMissingData"] == "notBreaching"  # no traffic is no failure
        assert alarm["datapointsToAlarm"] <= alarm["evaluationPeriods"] <= 2
        detection_s = alarm["datapointsToAlarm"] * alarm["period"] + METRIC_DELAY_S
        assert detection_s < window_s, (name, detection_s, window_s)
        assert alarm["alarmActions"] == []  # CodeDeploy acts on them; they page nobody


def test_a_window_is_read_from_every_canary_and_linear_config() -> None:
    assert first_step_seconds("CodeDeployDefault.LambdaCanary10Percent5Minutes") == 300
    assert first_step_seconds("CodeDeployDefault.LambdaLinear10PercentEvery1Minute") == 60
    with pytest.raises(AssertionError, match="no window"):
        first_step_seconds("CodeDeployDefault.LambdaAllAtOnce")


def test_codedeploy_role(stack: Stack) -> None:
    role = stack.state("aws:iam/role:Role", "-codedeploy-role")
    (trust,) = statements(role["assumeRolePolicy"])
    assert trust["Principal"] == {"Service": "codedeploy.amazonaws.com"}
    assert stack.state(GROUP)["serviceRoleArn"] == role["arn"]
    attachment = stack.state(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "-codedeploy-policy"
    )
    assert attachment["policyArn"].endswith("service-role/AWSCodeDeployRoleForLambda")


def test_no_github_roles_unless_configured(stack: Stack) -> None:
    assert not any("github" in r["name"] for r in stack.resources)


def trust_of(stack: Stack, suffix: str) -> dict:
    (statement,) = statements(stack.state("aws:iam/role:Role", suffix)["assumeRolePolicy"])
    return statement


def test_github_deploy_role_trusts_only_this_repository(stack_with_extras: Stack) -> None:
    stack = stack_with_extras
    provider = stack.state("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider["url"] == "https://token.actions.githubusercontent.com"
    assert provider["clientIdLists"] == ["sts.amazonaws.com"]
    trust = trust_of(stack, "-github-deploy")
    assert trust["Principal"] == {"Federated": provider["arn"]}
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    subject = f"repo:acme/hello:environment:{stack.name}"  # deploy jobs run in an environment
    assert trust["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": [subject],
        }
    }
    assert (
        stack.outputs["github_deploy_role_arn"]
        == stack.state("aws:iam/role:Role", "-github-deploy")["arn"]
    )
    assert stack.outputs["github_oidc_provider_arn"] == provider["arn"]


def test_an_existing_oidc_provider_is_reused() -> None:
    arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    stack = evaluate("prod", {**EXTRAS, "hello:githubOidcProviderArn": arn})
    assert stack.all("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    assert trust_of(stack, "-github-deploy")["Principal"] == {"Federated": arn}


def test_github_preview_role_is_read_only_for_pull_requests(stack_with_extras: Stack) -> None:
    stack = stack_with_extras
    trust = trust_of(stack, "-github-preview")
    assert trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == [
        "repo:acme/hello:pull_request"
    ]
    attachment = stack.state(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "-github-preview-read"
    )
    assert attachment["policyArn"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"


def test_deploy_role_manages_only_the_stacks_own_iam_roles(stack_with_extras: Stack) -> None:
    policy = stack_with_extras.state("aws:iam/rolePolicy:RolePolicy", "-github-deploy-iam")
    (statement,) = statements(policy["policy"])
    # Only this stage's roles: a dev deploy cannot touch prod's (hello-prod-*).
    assert statement["Resource"] == f"arn:aws:iam::*:role/hello-{stack_with_extras.name}-*"
    assert all(action.startswith("iam:") and "*" not in action for action in statement["Action"])
