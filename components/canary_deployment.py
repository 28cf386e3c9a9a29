"""CodeDeploy shifts the `live` alias to a new Lambda version, gradually, and rolls it back on
failure or when an alarm fires."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam import service_role

CODEDEPLOY_LAMBDA_POLICY = "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda"


@dataclass
class CanaryDeploymentArgs:
    # e.g. CodeDeployDefault.LambdaCanary10Percent5Minutes: long enough for the rollback alarms.
    deployment_config_name: str
    alarm_names: Sequence[pulumi.Input[str]]
    # The permissions boundary every role made here carries (what CI may create: see bootstrap/).
    permissions_boundary: pulumi.Input[str] | None = None


class CanaryDeployment(pulumi.ComponentResource):
    application_name: pulumi.Output[str]
    deployment_group_name: pulumi.Output[str]
    role_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: CanaryDeploymentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:CanaryDeployment", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = service_role(
            f"{name}-codedeploy-role", "codedeploy.amazonaws.com", args.permissions_boundary, child
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-codedeploy-policy",
            role=role.name,
            policy_arn=CODEDEPLOY_LAMBDA_POLICY,
            opts=child,
        )
        application = aws.codedeploy.Application(
            f"{name}-codedeploy", compute_platform="Lambda", opts=child
        )
        group = aws.codedeploy.DeploymentGroup(
            f"{name}-deployment-group",
            app_name=application.name,
            deployment_group_name=f"{name}-live",
            service_role_arn=role.arn,
            deployment_config_name=args.deployment_config_name,
            deployment_style={
                "deployment_type": "BLUE_GREEN",
                "deployment_option": "WITH_TRAFFIC_CONTROL",
            },
            auto_rollback_configuration={
                "enabled": True,
                "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
            },
            alarm_configuration={"enabled": True, "alarms": list(args.alarm_names)},
            opts=child,
        )
        self.application_name = application.name
        self.deployment_group_name = group.deployment_group_name
        self.role_name = role.name
        self.register_outputs(
            {
                "application_name": self.application_name,
                "deployment_group_name": self.deployment_group_name,
            }
        )
