"""The resources behind each of the stage's own small Lambda functions (the release hooks, the
synthetic checks, the restore validator): a role only that function's service may assume, under
the stage's permissions boundary; the function's logs and its inline permissions; a log group
with the stage's retention; the function, logging there, made only once its role may log and act.

Functions, not a ComponentResource: the resources stay the children of the component that calls
them (their URNs name that parent), each named from the prefix it is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

import pulumi
import pulumi_aws as aws

from components.iam import BASIC_LOGS_POLICY, policy_document, service_role

LAMBDA_SERVICE = "lambda.amazonaws.com"


@dataclass(frozen=True)
class FunctionRole:
    role: aws.iam.Role
    # What a function with this role waits for: until both exist, it could neither log nor act.
    grants: Sequence[pulumi.Resource]


@dataclass(frozen=True)
class LoggedFunction:
    function: aws.lambda_.Function
    log_group: aws.cloudwatch.LogGroup


class Sizing(TypedDict, total=False):
    """aws.lambda_.Function's arguments only some functions set."""

    memory_size: int
    reserved_concurrent_executions: int


def lambda_role(
    prefix: str,
    statements: Sequence[pulumi.Input[Mapping[str, Any]]],
    permissions_boundary: pulumi.Input[str] | None,
    opts: pulumi.ResourceOptions,
) -> FunctionRole:
    """`<prefix>-role` for Lambda, with AWS's basic logs policy (`<prefix>-logs`) and these
    statements inline (`<prefix>-policy`)."""
    role = service_role(f"{prefix}-role", LAMBDA_SERVICE, permissions_boundary, opts)
    logs = aws.iam.RolePolicyAttachment(
        f"{prefix}-logs", role=role.name, policy_arn=BASIC_LOGS_POLICY, opts=opts
    )
    policy = aws.iam.RolePolicy(
        f"{prefix}-policy", role=role.id, policy=policy_document(*statements), opts=opts
    )
    return FunctionRole(role, [logs, policy])


def logged_function(
    name: str,
    role: FunctionRole,
    *,
    runtime: str,
    architecture: str,
    handler: str,
    code: pulumi.Archive,
    timeout_s: int,
    environment: Mapping[str, pulumi.Input[str]],
    log_retention_days: int,
    opts: pulumi.ResourceOptions,
    **sizing: Unpack[Sizing],
) -> LoggedFunction:
    """The function `name` logging (as text) to its own group `<name>-logs`, created after its
    role's grants; both with `opts` (parent, provider)."""
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs", retention_in_days=log_retention_days, opts=opts
    )
    function = aws.lambda_.Function(
        name,
        role=role.role.arn,
        runtime=runtime,
        architectures=[architecture],
        handler=handler,
        code=code,
        timeout=timeout_s,
        environment={"variables": dict(environment)},
        logging_config={"log_format": "Text", "log_group": log_group.name},
        **sizing,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=role.grants)),
    )
    return LoggedFunction(function, log_group)
