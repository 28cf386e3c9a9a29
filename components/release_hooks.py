"""CodeDeploy's BeforeAllowTraffic and AfterAllowTraffic hooks for a Lambda alias.

Two small functions (hooks/release_hook.py) with one role that may invoke the API function's
versions, report hook results and write its logs, nothing else; and the grant that lets
CodeDeploy's role invoke them (AWS's managed policy covers only functions named CodeDeployHook_*).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.iam import BASIC_LOGS_POLICY, assume_role_policy, policy_document
from components.lambda_code import code_archive
from hooks import release_hook

# One file at the zip's root (the handlers below name it `release_hook`): the module's own file.
HOOK_SOURCE = Path(str(release_hook.__file__))
HANDLERS = {
    "before": "release_hook.before_allow_traffic",
    "after": "release_hook.after_allow_traffic",
}


@dataclass
class ReleaseHooksArgs:
    function_arn: pulumi.Input[str]  # the API function (unqualified): its versions are invoked
    environment: Mapping[str, pulumi.Input[str]]  # what the checks need (see the hook module)
    codedeploy_role_name: pulumi.Input[str]
    runtime: str
    log_retention_days: int
    timeout_s: int  # the hook's own bound (hooks/release_hook.py's FUNCTION_TIMEOUT_S)
    architecture: str = "arm64"
    # The permissions boundary every role made here carries (what CI may create: see bootstrap/).
    permissions_boundary: pulumi.Input[str] | None = None


class ReleaseHooks(pulumi.ComponentResource):
    before_function_name: pulumi.Output[str]
    after_function_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: ReleaseHooksArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:ReleaseHooks", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-hook-role",
            assume_role_policy=assume_role_policy("lambda.amazonaws.com"),
            permissions_boundary=args.permissions_boundary,
            opts=child,
        )
        logs = aws.iam.RolePolicyAttachment(
            f"{name}-hook-logs", role=role.name, policy_arn=BASIC_LOGS_POLICY, opts=child
        )
        checks = aws.iam.RolePolicy(
            f"{name}-hook-policy",
            role=role.id,
            policy=policy_document(
                {
                    "Sid": "InvokeTheFunctionsVersions",
                    "Effect": "Allow",
                    "Action": "lambda:InvokeFunction",
                    "Resource": pulumi.Output.format("{0}:*", args.function_arn),
                },
                {
                    # IAM has no resource type for this action (AWS's Service Authorization
                    # Reference): "*" is the only form that works.
                    "Sid": "ReportHookResults",
                    "Effect": "Allow",
                    "Action": "codedeploy:PutLifecycleEventHookExecutionStatus",
                    "Resource": "*",
                },
            ),
            opts=child,
        )
        code = code_archive({HOOK_SOURCE.name: HOOK_SOURCE})
        functions = {}
        for phase, handler in HANDLERS.items():
            log_group = aws.cloudwatch.LogGroup(
                f"{name}-{phase}-traffic-logs",
                retention_in_days=args.log_retention_days,
                opts=child,
            )
            functions[phase] = aws.lambda_.Function(
                f"{name}-{phase}-traffic",
                role=role.arn,
                runtime=args.runtime,
                architectures=[args.architecture],
                handler=handler,
                code=code,
                timeout=args.timeout_s,
                environment={"variables": dict(args.environment)},
                logging_config={"log_format": "Text", "log_group": log_group.name},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[logs, checks]),
            )
        aws.iam.RolePolicy(
            f"{name}-codedeploy-invokes-hooks",
            role=args.codedeploy_role_name,
            policy=policy_document(
                {
                    "Effect": "Allow",
                    "Action": "lambda:InvokeFunction",
                    "Resource": [f.arn for f in functions.values()],
                }
            ),
            opts=child,
        )
        self.before_function_name = functions["before"].name
        self.after_function_name = functions["after"].name
        self.register_outputs(
            {
                "before_function_name": self.before_function_name,
                "after_function_name": self.after_function_name,
            }
        )
