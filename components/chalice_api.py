"""Any Chalice project as a Lambda function behind an API Gateway REST API, with zero-downtime
releases: integrations invoke the alias `live`, so new code only ever moves the alias."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.chalice_package import (
    build_deployment_package,
    building_runtime,
    load_app,
    swagger_body,
)
from components.iam import BASIC_LOGS_POLICY, assume_role_policy, policy_document

ALIAS_NAME = "live"
SUPPORTED_RUNTIMES = ("python3.12", "python3.13")
XRAY_WRITE_POLICY = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "method": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "responseLatency": "$context.responseLatency",
        "integrationLatency": "$context.integrationLatency",
        "integrationStatus": "$context.integrationStatus",
        "errorMessage": "$context.error.message",
        "xrayTraceId": "$context.xrayTraceId",
    }
)


@dataclass
class ChaliceApiArgs:
    project_dir: str
    region: str
    stage_name: str
    runtime: str
    memory_size: int
    timeout: int
    log_retention_days: int
    throttling_rate_limit: float
    throttling_burst_limit: int
    reserved_concurrency: int | None
    # SnapStart on published versions (python3.12+; the alias only ever points at versions).
    snap_start: bool
    architecture: str = "arm64"
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # IAM statements the app needs beyond logs and X-Ray (e.g. its table), least privilege.
    policy_statements: Sequence[pulumi.Input[Mapping[str, Any]]] = ()
    # When set, a random secret is put in this environment variable and exposed as
    # `origin_secret`, for a CDN to send in a header the app checks.
    origin_secret_env_var: str | None = None
    # True when CodeDeploy moves the alias: Pulumi then publishes versions but never shifts traffic.
    traffic_shifted_externally: bool = False
    # Resources the stage needs first (e.g. the account's API Gateway logging role).
    stage_depends_on: Sequence[pulumi.Resource] = ()


class ChaliceApi(pulumi.ComponentResource):
    api_url: pulumi.Output[str]
    rest_api_id: pulumi.Output[str]
    rest_api_name: pulumi.Output[str]
    stage_name: pulumi.Output[str]
    function_name: pulumi.Output[str]
    function_version: pulumi.Output[str]
    alias_name: pulumi.Output[str]
    alias_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]
    function_qualified_arn: pulumi.Output[str]
    origin_secret: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: ChaliceApiArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:ChaliceApi", name, None, opts)
        if args.runtime not in SUPPORTED_RUNTIMES:
            raise ValueError(f"runtime must be one of {SUPPORTED_RUNTIMES}, not {args.runtime!r}")
        child = pulumi.ResourceOptions(parent=self)

        # Built at evaluation time, locally: the zip's bytes decide whether Lambda gets new code.
        package = build_deployment_package(args.project_dir, args.runtime, args.architecture)
        if args.runtime != building_runtime():
            pulumi.log.warn(
                f"{name}: this is {building_runtime()}, not {args.runtime}: the zip ships sources "
                "only and every cold start compiles them (build with the runtime's Python)"
            )
        app = load_app(args.project_dir)

        environment: dict[str, pulumi.Input[str]] = dict(args.environment)
        self.origin_secret = None
        if args.origin_secret_env_var:
            secret = random.RandomPassword(
                f"{name}-origin-secret", length=40, special=False, opts=child
            )
            self.origin_secret = pulumi.Output.secret(secret.result)
            environment[args.origin_secret_env_var] = self.origin_secret

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", retention_in_days=args.log_retention_days, opts=child
        )
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=assume_role_policy("lambda.amazonaws.com"),
            opts=child,
        )
        # AWS's basic-logs and X-Ray policies; the app's own needs, and only those, inline.
        grants: list[pulumi.Resource] = [
            aws.iam.RolePolicyAttachment(
                f"{name}-{suffix}", role=role.name, policy_arn=policy_arn, opts=child
            )
            for suffix, policy_arn in (("logs", BASIC_LOGS_POLICY), ("xray", XRAY_WRITE_POLICY))
        ]
        if args.policy_statements:
            grants.append(
                aws.iam.RolePolicy(
                    f"{name}-policy",
                    role=role.id,
                    policy=policy_document(*args.policy_statements),
                    opts=child,
                )
            )

        function = aws.lambda_.Function(
            f"{name}-function",
            role=role.arn,
            runtime=args.runtime,
            architectures=[args.architecture],
            handler="app.app",
            # Relative, so state does not depend on where the repository is checked out.
            code=pulumi.FileArchive(os.path.relpath(package)),
            publish=True,
            memory_size=args.memory_size,
            timeout=args.timeout,
            reserved_concurrent_executions=args.reserved_concurrency,
            tracing_config={"mode": "Active"},
            snap_start={"apply_on": "PublishedVersions"} if args.snap_start else None,
            environment={"variables": environment},
            logging_config={"log_format": "Text", "log_group": log_group.name},
            # The role must be able to write logs and traces before the first invocation.
            opts=pulumi.ResourceOptions(parent=self, depends_on=grants),
        )
        alias = aws.lambda_.Alias(
            f"{name}-alias",
            name=ALIAS_NAME,
            function_name=function.name,
            function_version=function.version,
            opts=pulumi.ResourceOptions(
                parent=self,
                ignore_changes=["functionVersion"] if args.traffic_shifted_externally else None,
            ),
        )

        body = alias.invoke_arn.apply(lambda invoke_arn: swagger_body(app, invoke_arn))
        rest_api = aws.apigateway.RestApi(
            f"{name}-rest-api",
            body=body,
            endpoint_configuration={"types": "REGIONAL"},
            opts=child,
        )
        deployment = aws.apigateway.Deployment(
            f"{name}-deployment",
            rest_api=rest_api.id,
            # A new Deployment (created before the old one goes) whenever the API changes.
            triggers={"body": body.apply(lambda text: hashlib.sha256(text.encode()).hexdigest())},
            opts=child,
        )
        access_logs = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        stage = aws.apigateway.Stage(
            f"{name}-stage",
            rest_api=rest_api.id,
            deployment=deployment.id,
            stage_name=args.stage_name,
            xray_tracing_enabled=True,
            access_log_settings={"destination_arn": access_logs.arn, "format": ACCESS_LOG_FORMAT},
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.stage_depends_on)),
        )
        aws.apigateway.MethodSettings(
            f"{name}-throttling",
            rest_api=rest_api.id,
            stage_name=stage.stage_name,
            method_path="*/*",
            settings={
                "throttling_rate_limit": args.throttling_rate_limit,
                "throttling_burst_limit": args.throttling_burst_limit,
            },
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=function.name,
            qualifier=alias.name,
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.format("{0}/{1}/*/*", rest_api.execution_arn, args.stage_name),
            opts=child,
        )

        self.rest_api_id = rest_api.id
        self.rest_api_name = rest_api.name
        self.stage_name = stage.stage_name
        self.api_url = pulumi.Output.format(
            "https://{0}.execute-api.{1}.amazonaws.com/{2}",
            rest_api.id,
            args.region,
            stage.stage_name,
        )
        self.function_name = function.name
        self.function_version = function.version
        self.alias_name = alias.name
        self.alias_arn = alias.arn
        self.log_group_name = log_group.name
        self.function_arn = function.arn
        self.function_qualified_arn = function.qualified_arn  # the version just published
        self.register_outputs(
            {
                "api_url": self.api_url,
                "rest_api_id": self.rest_api_id,
                "stage_name": self.stage_name,
                "function_name": self.function_name,
                "function_version": self.function_version,
                "alias_arn": self.alias_arn,
            }
        )
