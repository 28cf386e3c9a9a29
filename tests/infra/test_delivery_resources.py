"""CodeDeploy canary resources and the GitHub OIDC roles."""

from __future__ import annotations

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


def test_rollback_alarms_are_the_functions_errors_and_the_apis_5xx(stack: Stack) -> None:
    group = stack.state(GROUP)
    names = {
        key: stack.state("aws:cloudwatch/metricAlarm:MetricAlarm", f"-{key}")["name"]
        for key in ("lambda-errors", "api-5xx-rate")
    }
    assert group["alarmConfiguration"]["enabled"] is True
    assert sorted(group["alarmConfiguration"]["alarms"]) == sorted(names.values())


def test_prod_canaries_and_dev_shifts_at_once(dev: Stack, prod: Stack) -> None:
    assert prod.state(GROUP)["deploymentConfigName"] == (
        "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    )
    assert dev.state(GROUP)["deploymentConfigName"] == "CodeDeployDefault.LambdaAllAtOnce"


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
