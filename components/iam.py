"""IAM policy documents, and roles one AWS service assumes, shared by the components."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

POLICY_VERSION = "2012-10-17"  # the IAM policy language's current version
# AWS's managed policy for a Lambda function's own logs.
BASIC_LOGS_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def trust_policy(
    principal: Mapping[str, str],
    action: str = "sts:AssumeRole",
    condition: Mapping[str, Any] | None = None,
) -> str:
    """A role's trust policy: one principal, one action, an optional condition."""
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": dict(principal), "Action": action}
    if condition:
        statement["Condition"] = dict(condition)
    return json.dumps({"Version": POLICY_VERSION, "Statement": [statement]})


def policy_document(*statements: pulumi.Input[Mapping[str, Any]]) -> pulumi.Output[str]:
    """An IAM policy document holding these statements (outputs resolved)."""
    return pulumi.Output.json_dumps({"Version": POLICY_VERSION, "Statement": list(statements)})


def assume_role_policy(service: str) -> str:
    """Trust policy letting one AWS service (e.g. lambda.amazonaws.com) assume a role."""
    return trust_policy({"Service": service})


def service_role(
    name: str,
    service: str,
    permissions_boundary: pulumi.Input[str] | None,
    opts: pulumi.ResourceOptions,
) -> aws.iam.Role:
    """A role one AWS service (e.g. backup.amazonaws.com) may assume, under the boundary."""
    return aws.iam.Role(
        name,
        assume_role_policy=assume_role_policy(service),
        permissions_boundary=permissions_boundary,
        opts=opts,
    )
