"""One region's place behind the failover name: its API under a regional custom domain, a
Route 53 health check on its health route, and its failover record.

Route 53 answers the failover name with the primary region's record while its health check
passes, else with the secondary's (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/
dns-failover-types.html). The record is a CNAME, not an alias, so that its TTL is ours
(hello_stack/failover.py owns the timings). CloudFront resolves the name and sends every method
there: unlike an origin group (GET, HEAD and OPTIONS only), this fails writes over too.
The health check calls the region's own execute-api host, never the failover name, so each
check watches one region; it sends no headers, which is why the app exempts HEALTH_PATH alone
from the origin check (chalicelib.contract).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from hello_stack import failover

PRIMARY, SECONDARY = "PRIMARY", "SECONDARY"


@dataclass
class RegionalEndpointArgs:
    region: str
    rest_api_id: pulumi.Input[str]
    stage_name: pulumi.Input[str]
    health_path: str  # the route the health check calls, below the stage
    hosted_zone_id: str
    failover_domain: str
    certificate_arn: str  # ACM, in `region`, covering failover_domain
    role: str  # PRIMARY or SECONDARY
    # The stage's (rate, burst): a method's own settings replace the stage's for that method.
    throttling: tuple[float, int]


class RegionalEndpoint(pulumi.ComponentResource):
    health_check_id: pulumi.Output[str]
    regional_domain_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: RegionalEndpointArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:RegionalEndpoint", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        domain = aws.apigateway.DomainName(
            f"{name}-domain",
            domain_name=args.failover_domain,
            regional_certificate_arn=args.certificate_arn,
            endpoint_configuration={"types": "REGIONAL"},
            security_policy="TLS_1_2",
            opts=child,
        )
        # The whole domain maps to the stage: CloudFront's origin path is then empty.
        aws.apigateway.BasePathMapping(
            f"{name}-mapping",
            rest_api=args.rest_api_id,
            stage_name=args.stage_name,
            domain_name=domain.domain_name,
            opts=child,
        )
        # The health route's own metrics (API Gateway's per-method metrics, for this method
        # only): the server SLI subtracts them, since health checks are not users.
        aws.apigateway.MethodSettings(
            f"{name}-health-metrics",
            rest_api=args.rest_api_id,
            stage_name=args.stage_name,
            method_path=f"{args.health_path.strip('/')}/GET",
            settings={
                "metrics_enabled": True,
                "throttling_rate_limit": args.throttling[0],
                "throttling_burst_limit": args.throttling[1],
            },
            opts=child,
        )
        health_check = aws.route53.HealthCheck(
            f"{name}-health",
            type="HTTPS",
            fqdn=pulumi.Output.format(
                "{0}.execute-api.{1}.amazonaws.com", args.rest_api_id, args.region
            ),
            port=443,
            resource_path=pulumi.Output.format("/{0}{1}", args.stage_name, args.health_path),
            enable_sni=True,
            request_interval=failover.CHECK_INTERVAL_S,
            failure_threshold=failover.FAILURE_THRESHOLD,
            tags={"Name": f"{name} {args.health_path}"},
            opts=child,
        )
        aws.route53.Record(
            f"{name}-failover",
            zone_id=args.hosted_zone_id,
            name=args.failover_domain,
            type="CNAME",
            ttl=failover.DNS_TTL_S,
            records=[domain.regional_domain_name],
            set_identifier=args.region,
            failover_routing_policies=[{"type": args.role}],
            health_check_id=health_check.id,
            opts=child,
        )
        self.health_check_id = health_check.id
        self.regional_domain_name = domain.regional_domain_name
        self.register_outputs(
            {
                "health_check_id": self.health_check_id,
                "regional_domain_name": self.regional_domain_name,
            }
        )
