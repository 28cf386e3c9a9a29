"""The account-wide role API Gateway needs before any stage can write access logs.

There is one such setting per account and region: the bootstrap stack holds it, and its
resources stay in the account even if that stack is destroyed (other stacks rely on them).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.iam import service_role

PUSH_TO_LOGS_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"


class ApiGatewayLogging(pulumi.ComponentResource):
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("hello:components:ApiGatewayLogging", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        role = service_role(f"{name}-apigateway-logs", "apigateway.amazonaws.com", None, child)
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-apigateway-logs", role=role.name, policy_arn=PUSH_TO_LOGS_POLICY, opts=child
        )
        aws.apigateway.Account(
            f"{name}-apigateway-account",
            cloudwatch_role_arn=role.arn,
            opts=pulumi.ResourceOptions(
                parent=self, retain_on_delete=True, depends_on=[attachment]
            ),
        )
        self.role_arn = role.arn
        self.register_outputs({"role_arn": self.role_arn})
