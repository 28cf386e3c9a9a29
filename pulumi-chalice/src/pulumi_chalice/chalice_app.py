"""ChaliceApp: any Chalice project deployed by Pulumi, from Chalice's own application graph.

Chalice builds the graph (models for functions, roles, layers, event sources, APIs, domains)
from the project and its `.chalice/config.json` stage, packages the code and writes the
policies; PulumiGenerator turns every model into resources. On top, as Pulumi inputs: extra
environment variables and IAM statements, an alias over published versions for the REST
handler (what a canary moves), API access logs and throttling. See the package's README.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from pulumi_chalice.chalice_graph import build_graph
from pulumi_chalice.chalice_package import building_runtime
from pulumi_chalice.chalice_resources import REST_HANDLER, PulumiGenerator
from pulumi_chalice.checks import ChaliceProjectError

TYPE_TOKEN = "pulumi-chalice:index:ChaliceApp"  # noqa: S105 - a type, not a secret


@dataclass
class ChaliceAppArgs:
    project_dir: str
    # The Chalice stage whose settings apply (`.chalice/config.json` "stages").
    chalice_stage: str = "dev"
    # Chalice takes the building interpreter's version; a stack names its runtime.
    runtime: str = field(default_factory=building_runtime)
    # Chalice settings ranked as CLI options are: above the stage's and the file's settings,
    # below what a function sets for itself in the stage (e.g. lambda_memory_size,
    # lambda_timeout, reserved_concurrency, log_retention_in_days, xray, api_gateway_stage,
    # api_gateway_endpoint_type, lambda_architecture): how a stack's config reaches Chalice.
    config_overrides: Mapping[str, Any] = field(default_factory=dict[str, Any])
    # Added to every function's environment; a name also set by Chalice's config is an error.
    environment: Mapping[str, pulumi.Input[str]] = field(
        default_factory=dict[str, pulumi.Input[str]]
    )
    # Added to every role ChaliceApp manages (e.g. a table's ARN as a Pulumi output).
    policy_statements: Sequence[pulumi.Input[Mapping[str, Any]]] = ()
    # When set, the REST handler publishes versions and API Gateway invokes this alias.
    alias_name: str | None = None
    # True when something else (CodeDeploy) moves the alias: Pulumi never shifts traffic.
    traffic_shifted_externally: bool = False
    # SnapStart on the REST handler's published versions (needs alias_name).
    snap_start: bool = False
    # The REST API's endpoint type (EDGE, REGIONAL or PRIVATE), above Chalice's setting.
    endpoint_type: str | None = None
    # The REST API's name (and its OpenAPI title). Chalice names it after `app_name` alone, so
    # two stages of one app in one account share the name, and API Gateway's metrics, keyed by
    # ApiName and Stage only, mix their traffic. None: Chalice's name.
    rest_api_name: str | None = None
    # REST API access logs: the format, and its log group's retention.
    access_log_format: str | None = None
    access_log_retention_days: int | None = None
    # REST API stage throttling: (requests per second, burst).
    throttling: tuple[float, int] | None = None
    # The permissions boundary every role ChaliceApp manages carries.
    permissions_boundary: pulumi.Input[str] | None = None
    # Resources the REST stage needs first (e.g. the account's API Gateway logging role).
    stage_depends_on: Sequence[pulumi.Resource] = ()
    # A stage `.chalice/config.json` does not define is refused (its functions would silently
    # get Chalice's defaults) unless this says it is intended.
    allow_undefined_stage: bool = False


class ChaliceApp(pulumi.ComponentResource):
    function_names: pulumi.Output[dict[str, str]]
    function_arns: pulumi.Output[dict[str, str]]
    # The REST handler's (None when the app has no routes).
    function_name: pulumi.Output[str] | None
    function_arn: pulumi.Output[str] | None
    function_version: pulumi.Output[str] | None
    function_qualified_arn: pulumi.Output[str] | None
    alias_name: pulumi.Output[str] | None
    alias_arn: pulumi.Output[str] | None
    log_group_name: pulumi.Output[str] | None
    rest_api_id: pulumi.Output[str] | None
    rest_api_name: pulumi.Output[str] | None
    stage_name: pulumi.Output[str] | None
    # The REST stage's access log group (None without access_log_format): what a metric
    # filter on the access log lines (e.g. counting 429s) attaches to.
    access_log_group_name: pulumi.Output[str] | None
    api_url: pulumi.Output[str] | None
    # The REST API's custom domain: the name and zone a DNS alias record points at.
    domain_alias_name: pulumi.Output[str] | None
    domain_zone_id: pulumi.Output[str] | None
    websocket_api_id: pulumi.Output[str] | None
    websocket_url: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: ChaliceAppArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        if args.snap_start and not args.alias_name:
            raise ChaliceProjectError("snap_start applies to published versions: set alias_name")
        # Built at evaluation time, locally: the zip's bytes decide whether Lambda gets new code.
        # Everything Chalice or Lambda would refuse is refused here, before anything registers.
        overrides = dict(args.config_overrides)
        if args.endpoint_type:
            overrides["api_gateway_endpoint_type"] = args.endpoint_type
        graph = build_graph(
            args.project_dir,
            args.chalice_stage,
            args.runtime,
            overrides,
            allow_undefined_stage=args.allow_undefined_stage,
            added_environment=tuple(args.environment),
            adds_grants=bool(args.policy_statements),
            supported=PulumiGenerator.handles,
        )
        super().__init__(TYPE_TOKEN, name, None, opts)
        if args.runtime != building_runtime():
            pulumi.log.warn(
                f"{name}: this is {building_runtime()}, not {args.runtime}: the zip ships sources "
                "only and every cold start compiles them (build with the runtime's Python)",
                resource=self,
            )

        generator = PulumiGenerator(name, self, args, dict(args.environment))
        generator.generate(graph.resources)

        functions = generator.functions
        self.function_names = pulumi.Output.all(
            **{key: function.name for key, function in functions.items()}
        )
        self.function_arns = pulumi.Output.all(
            **{key: function.arn for key, function in functions.items()}
        )
        handler = functions.get(REST_HANDLER)
        alias = generator.aliases.get(REST_HANDLER)
        log_group = generator.function_log_groups.get(REST_HANDLER)
        self.function_name = handler.name if handler else None
        self.function_arn = handler.arn if handler else None
        self.function_version = handler.version if handler else None
        self.function_qualified_arn = handler.qualified_arn if handler else None
        self.alias_name = alias.name if alias else None
        self.alias_arn = alias.arn if alias else None
        self.log_group_name = log_group.name if log_group else None

        rest_api, stage = generator.rest_api, generator.rest_stage
        self.rest_api_id = rest_api.id if rest_api else None
        self.rest_api_name = rest_api.name if rest_api else None
        self.stage_name = stage.stage_name if stage else None
        self.api_url = stage.invoke_url if stage else None
        access_logs = generator.rest_access_log_group
        self.access_log_group_name = access_logs.name if access_logs else None
        self.domain_alias_name, self.domain_zone_id = generator.domain_target or (None, None)
        websocket, websocket_stage = generator.websocket_api, generator.websocket_stage
        self.websocket_api_id = websocket.id if websocket else None
        self.websocket_url = websocket_stage.invoke_url if websocket_stage else None
        self.register_outputs(
            {
                "function_names": self.function_names,
                "function_arns": self.function_arns,
                "api_url": self.api_url,
                "rest_api_id": self.rest_api_id,
                "stage_name": self.stage_name,
                "access_log_group_name": self.access_log_group_name,
                "alias_arn": self.alias_arn,
                "websocket_url": self.websocket_url,
                "domain_alias_name": self.domain_alias_name,
            }
        )
