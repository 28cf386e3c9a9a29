"""Pulumi resources for Chalice's resource models, in the shape of chalice.package's generators:
one `_generate_<model>` method per model kind, dispatched on the model's class name.

What each method creates follows chalice.package.TerraformGenerator (the kinds and the wiring),
with Pulumi's habits where they differ:
- physical names are Pulumi's auto-names (Chalice's `<app>-<stage>-<name>` would collide
  between two stacks of one account); logical names are `<component>-<Terraform key>`, the key
  Chalice's Terraform generator gives the same resource (unique per type, as Pulumi needs);
- ARNs Chalice builds from a name (SNS topics, SQS queues, Kinesis streams) take partition,
  region and account from the function's own ARN, so the program makes no invokes;
- an API Gateway deployment is a Deployment plus an explicit Stage (pulumi-aws v7 has no
  implicit stage).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pulumi
import pulumi_aws as aws
from chalice.deploy import models

from pulumi_chalice.checks import UnsupportedChaliceFeature
from pulumi_chalice.iam import policy_document

if TYPE_CHECKING:  # the component imports this module
    from pulumi_chalice.chalice_app import ChaliceAppArgs

# Terraform's placeholder for a function's invoke ARN in Chalice's swagger document.
INVOKE_ARN_PLACEHOLDER = re.compile(r"\$\{aws_lambda_function\.([\w-]+)\.invoke_arn\}")
WEBSOCKET_HANDLERS = ("connect", "message", "disconnect")
REST_HANDLER = "api_handler"  # Chalice's resource name for the function behind @app.route
WEBSOCKET_ROUTES = {"$connect": "connect", "$disconnect": "disconnect"}

T = TypeVar("T")


def built(value: models.DV[T]) -> T:
    """A model's value as the generators see it: Chalice's build stages (packaging, policy,
    swagger) fill in every `Placeholder.BUILD_STAGE` before any generator runs, and the
    deploy-time placeholders are only for `chalice deploy`'s plan, which this never runs."""
    return cast(T, value)


@dataclass
class ArnParts:
    partition: pulumi.Output[str]
    region: pulumi.Output[str]
    account: pulumi.Output[str]

    @classmethod
    def of(cls, arn: pulumi.Output[str]) -> ArnParts:
        parts = arn.apply(lambda value: value.split(":"))
        return cls(parts[1], parts[3], parts[4])

    def format(self, template: str, **names: pulumi.Input[str]) -> pulumi.Output[str]:
        return pulumi.Output.format(
            template,
            partition=self.partition,
            region=self.region,
            account=self.account,
            **names,
        )


class PulumiGenerator:
    """Creates the resources of Chalice's models as children of one component."""

    def __init__(
        self,
        prefix: str,
        parent: pulumi.Resource,
        args: ChaliceAppArgs,
        environment: Mapping[str, pulumi.Input[str]],
    ) -> None:
        """`args` are the component's options; `environment` is what it adds to every
        function's."""
        self._prefix = prefix
        self._parent = parent
        self._options = args
        self._added_environment = environment
        self.functions: dict[str, aws.lambda_.Function] = {}
        self.aliases: dict[str, aws.lambda_.Alias] = {}
        self.log_groups: dict[str, aws.cloudwatch.LogGroup] = {}
        # Each function's own log group, by the function's Chalice name.
        self.function_log_groups: dict[str, aws.cloudwatch.LogGroup] = {}
        self.roles: dict[int, aws.iam.Role] = {}
        self.role_grants: dict[int, aws.iam.RolePolicy] = {}
        self.layers: dict[int, aws.lambda_.LayerVersion] = {}
        self.rest_api: aws.apigateway.RestApi | None = None
        self.rest_stage: aws.apigateway.Stage | None = None
        self.rest_access_log_group: aws.cloudwatch.LogGroup | None = None
        self.websocket_api: aws.apigatewayv2.Api | None = None
        self.websocket_stage: aws.apigatewayv2.Stage | None = None
        # What a DNS alias record for the REST API's custom domain points at.
        self.domain_target: tuple[pulumi.Output[str], pulumi.Output[str]] | None = None
        self._notifications: dict[str, list[tuple[Any, aws.lambda_.Permission]]] = {}

    @classmethod
    def handles(cls, resource: models.Model) -> bool:
        """Whether a model kind has a method here (checked before anything registers)."""
        return hasattr(cls, cls._method_name(resource))

    @staticmethod
    def _method_name(resource: models.Model) -> str:
        return f"_generate_{type(resource).__name__.lower()}"

    def generate(self, resources: Sequence[models.Model]) -> None:
        """Every model in dependency order (Chalice's DependencyBuilder gives that order).

        ChaliceApp has refused, before registering anything, what this cannot create (checks.py);
        the error here is for a generator used on its own."""
        for resource in resources:
            handler = getattr(self, self._method_name(resource), None)
            if handler is None:
                raise UnsupportedChaliceFeature(resource)
            handler(resource)
        self._generate_bucket_notifications()

    # -- helpers ---------------------------------------------------------------------------

    def _name(self, key: str) -> str:
        return f"{self._prefix}-{key}"

    def _opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self._parent, **kwargs)

    def _function(self, resource: models.LambdaFunction) -> aws.lambda_.Function:
        return self.functions[resource.resource_name]

    def _arn_parts(self, resource: models.LambdaFunction) -> ArnParts:
        return ArnParts.of(self._function(resource).arn)

    def invoke_arn(self, resource_name: str) -> pulumi.Output[str]:
        """What API Gateway invokes for a function: its alias when it has one."""
        target = self.aliases.get(resource_name) or self.functions[resource_name]
        return target.invoke_arn

    def _permission(
        self,
        logical: str,
        resource: models.LambdaFunction,
        principal: str,
        source_arn: pulumi.Input[str],
        **extra: Any,
    ) -> aws.lambda_.Permission:
        alias = self.aliases.get(resource.resource_name)
        return aws.lambda_.Permission(
            self._name(logical),
            action="lambda:InvokeFunction",
            function=self._function(resource).name,
            qualifier=alias.name if alias else None,
            principal=principal,
            source_arn=source_arn,
            opts=self._opts(),
            **extra,
        )

    # -- models with nothing of their own to create ------------------------------------------

    def _generate_deploymentpackage(self, resource: models.DeploymentPackage) -> None:
        """Its zip is the function's code."""

    def _generate_autogeniampolicy(self, resource: models.AutoGenIAMPolicy) -> None:
        """Its document is the role's inline policy."""

    def _generate_filebasediampolicy(self, resource: models.FileBasedIAMPolicy) -> None:
        """Its document is the role's inline policy."""

    def _generate_iampolicy(self, resource: models.IAMPolicy) -> None:
        """A private API's resource policy: part of the REST API."""

    def _generate_precreatediamrole(self, resource: models.PreCreatedIAMRole) -> None:
        """The function uses its ARN; a role ChaliceApp does not own takes no extra grants
        (refused in checks.py before anything registers)."""

    def _generate_domainname(self, resource: models.DomainName) -> None:
        """Created with its API, as Chalice's Terraform generator does."""

    def _generate_apimapping(self, resource: models.APIMapping) -> None:
        """Created with its API's domain name."""

    # -- IAM, layers, logs, functions --------------------------------------------------------

    def _generate_managediamrole(self, resource: models.ManagedIAMRole) -> None:
        role = aws.iam.Role(
            self._name(resource.resource_name),
            assume_role_policy=json.dumps(resource.trust_policy),
            permissions_boundary=self._options.permissions_boundary,
            opts=self._opts(),
        )
        statements: list[pulumi.Input[Mapping[str, Any]]] = [
            *built(resource.policy.document)["Statement"],
            *self._options.policy_statements,
        ]
        self.role_grants[id(resource)] = aws.iam.RolePolicy(
            self._name(resource.resource_name),
            role=role.id,
            policy=policy_document(*statements),
            opts=self._opts(),
        )
        self.roles[id(resource)] = role

    def _generate_lambdalayer(self, resource: models.LambdaLayer) -> None:
        if resource.is_empty:
            return  # Chalice drops a layer with nothing in it: Lambda refuses empty layers
        self.layers[id(resource)] = aws.lambda_.LayerVersion(
            self._name(resource.resource_name),
            layer_name=self._name(resource.resource_name),
            compatible_runtimes=[resource.runtime],
            compatible_architectures=[resource.architecture],
            code=pulumi.FileArchive(os.path.relpath(built(resource.deployment_package.filename))),
            opts=self._opts(),
        )

    def _generate_loggroup(self, resource: models.LogGroup) -> None:
        self.log_groups[resource.resource_name] = aws.cloudwatch.LogGroup(
            self._name(resource.resource_name),
            retention_in_days=resource.retention_in_days,
            opts=self._opts(),
        )

    def _environment(self, resource: models.LambdaFunction) -> dict[str, pulumi.Input[str]]:
        # A name set in both places was refused in checks.py before anything registered.
        return {**resource.environment_variables, **self._added_environment}

    def _generate_lambdafunction(self, resource: models.LambdaFunction) -> None:
        # The REST handler gets published versions and an alias when asked: what a canary moves.
        aliased = self._options.alias_name is not None and resource.resource_name == REST_HANDLER
        if isinstance(resource.role, models.ManagedIAMRole):
            role_arn: pulumi.Input[str] = self.roles[id(resource.role)].arn
            grants: list[pulumi.Resource] = [self.role_grants[id(resource.role)]]
        else:
            # Chalice's only other kind of role: one the project names by ARN.
            assert isinstance(resource.role, models.PreCreatedIAMRole)
            role_arn, grants = resource.role.role_arn, []
        layers: list[pulumi.Input[str]] = []
        if resource.managed_layer is not None and id(resource.managed_layer) in self.layers:
            layers.append(self.layers[id(resource.managed_layer)].arn)
        layers.extend(resource.layers or [])
        log_group = (
            self.log_groups[resource.log_group.resource_name] if resource.log_group else None
        )
        environment = self._environment(resource)
        function = aws.lambda_.Function(
            self._name(resource.resource_name),
            role=role_arn,
            runtime=resource.runtime,
            handler=resource.handler,
            architectures=[resource.architecture],
            # Relative, so state does not depend on where the repository is checked out.
            code=pulumi.FileArchive(os.path.relpath(built(resource.deployment_package.filename))),
            memory_size=resource.memory_size,
            timeout=resource.timeout,
            tags=resource.tags,
            publish=aliased or None,
            reserved_concurrent_executions=resource.reserved_concurrency,
            environment={"variables": environment} if environment else None,
            tracing_config={"mode": "Active"} if resource.xray else None,
            vpc_config=(
                {
                    "subnet_ids": resource.subnet_ids,
                    "security_group_ids": resource.security_group_ids,
                }
                if resource.subnet_ids and resource.security_group_ids
                else None
            ),
            layers=layers or None,
            snap_start=(
                {"apply_on": "PublishedVersions"} if aliased and self._options.snap_start else None
            ),
            logging_config=(
                {"log_format": "Text", "log_group": log_group.name} if log_group else None
            ),
            # The role must be able to write logs and traces before the first invocation.
            opts=self._opts(depends_on=[*grants, *([log_group] if log_group else [])]),
        )
        self.functions[resource.resource_name] = function
        if log_group:
            self.function_log_groups[resource.resource_name] = log_group
        if aliased:
            self.aliases[resource.resource_name] = aws.lambda_.Alias(
                self._name(resource.resource_name),
                name=self._options.alias_name,
                function_name=function.name,
                function_version=function.version,
                # Whoever shifts traffic owns the version and, mid-canary, the routing weights
                # to the next one: a refresh or update must clear neither.
                opts=self._opts(
                    ignore_changes=(
                        ["functionVersion", "routingConfig"]
                        if self._options.traffic_shifted_externally
                        else None
                    )
                ),
            )

    # -- event sources -----------------------------------------------------------------------

    def _events_rule(self, resource: models.CloudWatchEventBase, **rule: Any) -> None:
        created = aws.cloudwatch.EventRule(
            self._name(resource.resource_name), **rule, opts=self._opts()
        )
        aws.cloudwatch.EventTarget(
            self._name(resource.resource_name),
            rule=created.name,
            target_id=resource.resource_name,
            arn=self._function(resource.lambda_function).arn,
            opts=self._opts(),
        )
        self._permission(
            resource.resource_name,
            resource.lambda_function,
            "events.amazonaws.com",
            created.arn,
        )

    def _generate_scheduledevent(self, resource: models.ScheduledEvent) -> None:
        self._events_rule(
            resource,
            schedule_expression=resource.schedule_expression,
            description=resource.rule_description,
        )

    def _generate_cloudwatchevent(self, resource: models.CloudWatchEvent) -> None:
        self._events_rule(resource, event_pattern=resource.event_pattern)

    def _generate_s3bucketnotification(self, resource: models.S3BucketNotification) -> None:
        # One BucketNotification per bucket holds all its subscribers (S3 keeps one
        # configuration per bucket), created once every function is known.
        permission = self._permission(
            resource.resource_name,
            resource.lambda_function,
            "s3.amazonaws.com",
            self._arn_parts(resource.lambda_function).format(
                "arn:{partition}:s3:::{bucket}", bucket=resource.bucket
            ),
            source_account=self._arn_parts(resource.lambda_function).account,
        )
        self._notifications.setdefault(resource.bucket, []).append((resource, permission))

    def _generate_bucket_notifications(self) -> None:
        for bucket, subscribers in self._notifications.items():
            aws.s3.BucketNotification(
                self._name(f"{bucket}_notify"),
                bucket=bucket,
                lambda_functions=[
                    {
                        "lambda_function_arn": self._function(resource.lambda_function).arn,
                        "events": resource.events,
                        "filter_prefix": resource.prefix or None,
                        "filter_suffix": resource.suffix or None,
                    }
                    for resource, _ in subscribers
                ],
                # S3 tests the destinations when the configuration is written.
                opts=self._opts(depends_on=[permission for _, permission in subscribers]),
            )

    def _generate_snslambdasubscription(self, resource: models.SNSLambdaSubscription) -> None:
        topic_arn: pulumi.Input[str] = (
            resource.topic
            if resource.topic.startswith("arn:")
            else self._arn_parts(resource.lambda_function).format(
                "arn:{partition}:sns:{region}:{account}:{topic}", topic=resource.topic
            )
        )
        aws.sns.TopicSubscription(
            self._name(resource.resource_name),
            topic=topic_arn,
            protocol="lambda",
            endpoint=self._function(resource.lambda_function).arn,
            opts=self._opts(),
        )
        self._permission(
            resource.resource_name,
            resource.lambda_function,
            "sns.amazonaws.com",
            topic_arn,
        )

    def _event_source_mapping(
        self, resource: models.FunctionEventSubscriber, **mapping: Any
    ) -> None:
        aws.lambda_.EventSourceMapping(
            self._name(resource.resource_name),
            function_name=self._function(resource.lambda_function).arn,
            opts=self._opts(),
            **mapping,
        )

    def _generate_sqseventsource(self, resource: models.SQSEventSource) -> None:
        queue = resource.queue
        self._event_source_mapping(
            resource,
            event_source_arn=(
                queue.arn
                if isinstance(queue, models.QueueARN)
                else self._arn_parts(resource.lambda_function).format(
                    "arn:{partition}:sqs:{region}:{account}:{queue}", queue=queue
                )
            ),
            batch_size=resource.batch_size,
            maximum_batching_window_in_seconds=resource.maximum_batching_window_in_seconds,
            scaling_config=(
                {"maximum_concurrency": resource.maximum_concurrency}
                if resource.maximum_concurrency
                else None
            ),
        )

    def _generate_kinesiseventsource(self, resource: models.KinesisEventSource) -> None:
        self._event_source_mapping(
            resource,
            event_source_arn=self._arn_parts(resource.lambda_function).format(
                "arn:{partition}:kinesis:{region}:{account}:stream/{stream}",
                stream=resource.stream,
            ),
            batch_size=resource.batch_size,
            starting_position=resource.starting_position,
            maximum_batching_window_in_seconds=resource.maximum_batching_window_in_seconds,
        )

    def _generate_dynamodbeventsource(self, resource: models.DynamoDBEventSource) -> None:
        self._event_source_mapping(
            resource,
            event_source_arn=resource.stream_arn,
            batch_size=resource.batch_size,
            starting_position=resource.starting_position,
            maximum_batching_window_in_seconds=resource.maximum_batching_window_in_seconds,
        )

    # -- APIs --------------------------------------------------------------------------------

    def _swagger_body(self, document: dict[str, Any]) -> pulumi.Output[str]:
        text = json.dumps(document, sort_keys=True)
        names = sorted(set(INVOKE_ARN_PLACEHOLDER.findall(text)))
        return pulumi.Output.all(*(self.invoke_arn(name) for name in names)).apply(
            lambda arns: INVOKE_ARN_PLACEHOLDER.sub(
                lambda match: dict(zip(names, arns, strict=True))[match.group(1)], text
            )
        )

    def _generate_restapi(self, resource: models.RestAPI) -> None:
        document: dict[str, Any] = built(resource.swagger_doc)
        if self._options.rest_api_name:
            # The body's title names the API on every import, so both carry the chosen name.
            document = {
                **document,
                "info": {**document["info"], "title": self._options.rest_api_name},
            }
        body = self._swagger_body(document)
        policy = document.get("x-amazon-apigateway-policy")
        rest_api = aws.apigateway.RestApi(
            self._name(resource.resource_name),
            body=body,
            name=document["info"]["title"],
            binary_media_types=document["x-amazon-apigateway-binary-media-types"],
            endpoint_configuration={
                "types": resource.endpoint_type,
                "vpc_endpoint_ids": resource.vpce_ids,
            },
            policy=json.dumps(policy) if policy else None,
            minimum_compression_size=(
                resource.minimum_compression if resource.minimum_compression.isdigit() else None
            ),
            opts=self._opts(),
        )
        deployment = aws.apigateway.Deployment(
            self._name(resource.resource_name),
            rest_api=rest_api.id,
            # A new Deployment (created before the old one goes) whenever the API changes.
            triggers={"body": body.apply(lambda text: hashlib.sha256(text.encode()).hexdigest())},
            opts=self._opts(),
        )
        stage = aws.apigateway.Stage(
            self._name(resource.resource_name),
            rest_api=rest_api.id,
            deployment=deployment.id,
            stage_name=resource.api_gateway_stage,
            xray_tracing_enabled=resource.xray,
            access_log_settings=self._access_logs(resource),
            opts=self._opts(depends_on=list(self._options.stage_depends_on)),
        )
        if self._options.throttling:
            rate, burst = self._options.throttling
            aws.apigateway.MethodSettings(
                self._name(resource.resource_name),
                rest_api=rest_api.id,
                stage_name=stage.stage_name,
                method_path="*/*",
                settings={"throttling_rate_limit": rate, "throttling_burst_limit": burst},
                opts=self._opts(),
            )
        self._permission(
            f"{resource.resource_name}_invoke",
            resource.lambda_function,
            "apigateway.amazonaws.com",
            pulumi.Output.format("{0}/{1}/*/*", rest_api.execution_arn, resource.api_gateway_stage),
        )
        for authorizer in resource.authorizers:
            self._permission(
                f"{authorizer.resource_name}_invoke",
                authorizer,
                "apigateway.amazonaws.com",
                pulumi.Output.format("{0}/*", rest_api.execution_arn),
            )
        if resource.domain_name is not None:
            self._rest_domain_name(resource, resource.domain_name, rest_api, stage)
        self.rest_api, self.rest_stage = rest_api, stage

    def _access_logs(
        self, resource: models.RestAPI
    ) -> aws.apigateway.StageAccessLogSettingsArgsDict | None:
        if self._options.access_log_format is None:
            return None
        log_group = aws.cloudwatch.LogGroup(
            self._name(f"{resource.resource_name}-access-logs"),
            retention_in_days=self._options.access_log_retention_days,
            opts=self._opts(),
        )
        self.rest_access_log_group = log_group
        return {"destination_arn": log_group.arn, "format": self._options.access_log_format}

    def _rest_domain_name(
        self,
        resource: models.RestAPI,
        domain: models.DomainName,
        rest_api: aws.apigateway.RestApi,
        stage: aws.apigateway.Stage,
    ) -> None:
        edge = resource.endpoint_type == "EDGE"
        created = aws.apigateway.DomainName(
            self._name(domain.resource_name),
            domain_name=domain.domain_name,
            endpoint_configuration={"types": resource.endpoint_type},
            certificate_arn=domain.certificate_arn if edge else None,
            regional_certificate_arn=None if edge else domain.certificate_arn,
            security_policy=domain.tls_version.value if domain.tls_version else None,
            tags=domain.tags,
            opts=self._opts(),
        )
        self.domain_target = (
            (created.cloudfront_domain_name, created.cloudfront_zone_id)
            if edge
            else (created.regional_domain_name, created.regional_zone_id)
        )
        mount = domain.api_mapping.mount_path
        aws.apigateway.BasePathMapping(
            self._name(f"{domain.resource_name}_mapping"),
            domain_name=created.domain_name,
            rest_api=rest_api.id,
            stage_name=stage.stage_name,
            base_path=None if mount == "(none)" else mount,
            opts=self._opts(),
        )

    def _generate_websocketapi(self, resource: models.WebsocketAPI) -> None:
        api = aws.apigatewayv2.Api(
            self._name(resource.resource_name),
            name=resource.name,
            protocol_type="WEBSOCKET",
            route_selection_expression="$request.body.action",
            opts=self._opts(),
        )
        integrations: dict[str, aws.apigatewayv2.Integration] = {}
        for handler in WEBSOCKET_HANDLERS:
            function = getattr(resource, f"{handler}_function")
            if function is None:
                continue
            integrations[handler] = aws.apigatewayv2.Integration(
                self._name(f"{function.resource_name}_api_integration"),
                api_id=api.id,
                connection_type="INTERNET",
                content_handling_strategy="CONVERT_TO_TEXT",
                integration_type="AWS_PROXY",
                integration_uri=self.invoke_arn(function.resource_name),
                opts=self._opts(),
            )
            self._permission(
                f"{function.resource_name}_invoke_permission",
                function,
                "apigateway.amazonaws.com",
                pulumi.Output.format("{0}/*", api.execution_arn),
            )
        routes = [
            aws.apigatewayv2.Route(
                self._name(f"websocket_{WEBSOCKET_ROUTES.get(key, 'message')}_route"),
                api_id=api.id,
                route_key=key,
                target=pulumi.Output.format(
                    "integrations/{0}", integrations[WEBSOCKET_ROUTES.get(key, "message")].id
                ),
                opts=self._opts(),
            )
            for key in resource.routes
        ]
        deployment = aws.apigatewayv2.Deployment(
            self._name(f"{resource.resource_name}_deployment"),
            api_id=api.id,
            triggers={"routes": ",".join(sorted(resource.routes))},
            opts=self._opts(depends_on=routes),
        )
        stage = aws.apigatewayv2.Stage(
            self._name(f"{resource.resource_name}_stage"),
            api_id=api.id,
            deployment_id=deployment.id,
            name=resource.api_gateway_stage,
            opts=self._opts(),
        )
        if resource.domain_name is not None:
            domain = resource.domain_name
            # Chalice's InjectDefaults build step set it (TLS_1_2 when the stage names none).
            assert domain.tls_version is not None
            created = aws.apigatewayv2.DomainName(
                self._name(domain.resource_name),
                domain_name=domain.domain_name,
                domain_name_configuration={
                    "certificate_arn": domain.certificate_arn,
                    "endpoint_type": "REGIONAL",
                    "security_policy": domain.tls_version.value,
                },
                tags=domain.tags,
                opts=self._opts(),
            )
            aws.apigatewayv2.ApiMapping(
                self._name(f"{domain.resource_name}_mapping"),
                api_id=api.id,
                domain_name=created.id,
                stage=stage.id,
                opts=self._opts(),
            )
        self.websocket_api, self.websocket_stage = api, stage
