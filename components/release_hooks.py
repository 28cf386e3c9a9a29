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

from components.iam import policy_document
from components.lambda_code import code_archive
from components.lambda_function import lambda_role, logged_function
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
        role = lambda_role(
            f"{name}-hook",
            [
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
            ],
            args.permissions_boundary,
            child,
        )
        code = code_archive({HOOK_SOURCE.name: HOOK_SOURCE})
        functions = {
            phase: logged_function(
                f"{name}-{phase}-traffic",
                role,
                runtime=args.runtime,
                architecture=args.architecture,
                handler=handler,
                code=code,
                timeout_s=args.timeout_s,
                environment=args.environment,
                log_retention_days=args.log_retention_days,
                opts=child,
            ).function
            for phase, handler in HANDLERS.items()
        }
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
