"""CodeDeploy canary resources (the CI roles are the bootstrap stack's: tests/bootstrap/)."""

from __future__ import annotations

import re

from tests.infra.conftest import Stack, statements

GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"


def test_deployment_group_shifts_lambda_traffic_and_rolls_back(stack: Stack) -> None:
    group = stack.state(GROUP)
    application = stack.state("aws:codedeploy/application:Application")
    assert application["computePlatform"] == "Lambda"
    assert group["appName"] == application["name"]
    assert group["deploymentConfigName"] == stack.expected["deployment_config"]
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


def first_step_seconds(config_name: str) -> int | None:
    """How long CodeDeploy waits before moving more traffic: the canary's or the first linear
    step's interval; None for AllAtOnce, which has none."""
    found = FIRST_STEP.search(config_name)
    return int(found.group(1)) * 60 if found else None


def test_rollback_alarms_fire_before_the_canary_window_ends(stack: Stack) -> None:
    group = stack.state(GROUP)
    window_s = first_step_seconds(group["deploymentConfigName"])
    assert window_s is not None, f"{group['deploymentConfigName']} has no window to stop it in"
    alarms = {
        a["state"]["name"]: a["state"] for a in stack.all("aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    for name in group["alarmConfiguration"]["alarms"]:
        alarm = alarms[name]
        # One metric's period, or each of its metric math's (a share behind Route 53)
        periods = {alarm.get("period")} - {None} or {
            q["metric"]["period"] for q in alarm["metricQueries"] if "metric" in q
        }
        assert periods == {60}, name
        assert alarm["treatMissingData"] == "notBreaching"  # no traffic is no failure
        assert alarm["datapointsToAlarm"] <= alarm["evaluationPeriods"] <= 2
        detection_s = alarm["datapointsToAlarm"] * 60 + METRIC_DELAY_S
        assert detection_s < window_s, (name, detection_s, window_s)
        assert alarm["alarmActions"] == []  # CodeDeploy acts on them; they page nobody


def test_a_window_is_read_from_every_canary_and_linear_config() -> None:
    assert first_step_seconds("CodeDeployDefault.LambdaCanary10Percent5Minutes") == 300
    assert first_step_seconds("CodeDeployDefault.LambdaLinear10PercentEvery1Minute") == 60
    assert first_step_seconds("CodeDeployDefault.LambdaAllAtOnce") is None


def test_codedeploy_role(stack: Stack) -> None:
    role = stack.state("aws:iam/role:Role", "-codedeploy-role")
    (trust,) = statements(role["assumeRolePolicy"])
    assert trust["Principal"] == {"Service": "codedeploy.amazonaws.com"}
    assert stack.state(GROUP)["serviceRoleArn"] == role["arn"]
    attachment = stack.state(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "-codedeploy-policy"
    )
    assert attachment["policyArn"].endswith("service-role/AWSCodeDeployRoleForLambda")
