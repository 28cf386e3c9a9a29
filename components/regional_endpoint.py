"""One region's place behind the failover name: its API under a regional custom domain, a
Route 53 health check on its health route, and its failover record.

Route 53 answers the failover name with the primary region's record while its health check
passes, else with the secondary's (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/
dns-failover-types.html). The record is a CNAME, not an alias, so that its TTL is ours
(hello_stack/failover.py owns the timings). CloudFront resolves the name and sends every method
there: unlike an origin group (GET, HEAD and OPTIONS only), this fails writes over too.

The health check watches the path users take in this region alone: it calls the region's health
name (hello_stack.failover.health_domain), a second custom domain of this region with the same
certificate and a mapping of the whole domain to the same stage, so a failure of the region's
custom domains (or a certificate that breaks the handshake) fails the check as it fails
CloudFront's requests (the region's execute-api host would stay healthy). A twin, not the same
resource: the failover name's own domain or mapping deleted by hand is drift, not a failover.
Not the failover name, which answers with whichever region is active; not the custom domain's
`d-….execute-api` target: Route 53 sends the check's own domain name as SNI
(EnableSni) and no Host header of ours
(https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html), and API
Gateway answers a name none of its custom domains serves with 403. Route 53 does not judge the
certificate itself (one without the name: it retries without SNI), so only a certificate that
breaks the handshake or the domain fails the check. The check sends no header, which is why the
app exempts HEALTH_PATH alone from the origin check (chalicelib.contract): every other route of
the health name is refused without CloudFront's secret.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from hello_stack import failover


@dataclass
class RegionalEndpointArgs:
    region: str
    rest_api_id: pulumi.Input[str]
    stage_name: pulumi.Input[str]
    health_path: str  # the route the health check calls, below the stage
    hosted_zone_id: str
    failover_domain: str
    # ACM, in `region`, covering failover_domain and its health name (failover.health_domain).
    certificate_arn: str
    role: str  # PRIMARY or SECONDARY
    # The stage's (rate, burst): a method's own settings replace the stage's for that method.
    throttling: tuple[float, int]


class RegionalEndpoint(pulumi.ComponentResource):
    health_check_id: pulumi.Output[str]
    regional_domain_name: pulumi.Output[str]
    role: str  # PRIMARY or SECONDARY: its failover record's, which the health alarms name

    def __init__(
        self, name: str, args: RegionalEndpointArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:RegionalEndpoint", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        health_name = failover.health_domain(args.failover_domain, args.region)
        # The whole domain maps to the stage: CloudFront's origin path is then empty.
        domain, _ = mapped_domain(f"{name}-", args.failover_domain, args, child)
        # The health check's own way in, built as the failover name's is (same certificate, the
        # whole domain on the same stage, so the same routes, without the stage in the path): a
        # region whose custom domains or certificate fail fails its check too.
        health_domain, health_mapping = mapped_domain(f"{name}-health-", health_name, args, child)
        # A simple record, not a failover one: the name must always answer with this region.
        health_record = aws.route53.Record(
            f"{name}-health-record",
            zone_id=args.hosted_zone_id,
            name=health_domain.domain_name,
            type=failover.RECORD_TYPE,
            ttl=failover.DNS_TTL_S,
            records=[health_domain.regional_domain_name],
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
        # By name (Route 53 resolves it at each check, and sends it as Host header and SNI), once
        # the name resolves and is mapped: a check created earlier would fail on DNS or 403 and
        # count against the region from its first interval.
        health_check = aws.route53.HealthCheck(
            f"{name}-health",
            type="HTTPS",
            fqdn=health_name,
            port=443,
            resource_path=args.health_path,  # the mapping holds the stage
            enable_sni=True,
            request_interval=failover.CHECK_INTERVAL_S,
            failure_threshold=failover.FAILURE_THRESHOLD,
            tags={"Name": f"{name} {args.health_path}"},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[health_record, health_mapping]),
        )
        aws.route53.Record(
            f"{name}-failover",
            zone_id=args.hosted_zone_id,
            name=args.failover_domain,
            type=failover.RECORD_TYPE,
            ttl=failover.DNS_TTL_S,
            records=[domain.regional_domain_name],
            set_identifier=args.region,
            failover_routing_policies=[{"type": args.role}],
            health_check_id=health_check.id,
            opts=child,
        )
        self.health_check_id = health_check.id
        self.regional_domain_name = domain.regional_domain_name
        self.role = args.role
        self.register_outputs(
            {
                "health_check_id": self.health_check_id,
                "regional_domain_name": self.regional_domain_name,
            }
        )


def mapped_domain(
    prefix: str, domain_name: str, args: RegionalEndpointArgs, opts: pulumi.ResourceOptions
) -> tuple[aws.apigateway.DomainName, aws.apigateway.BasePathMapping]:
    """`<prefix>domain`: a regional custom domain on the region's certificate, and
    `<prefix>mapping`: the whole domain mapped to the region's stage."""
    domain = aws.apigateway.DomainName(
        f"{prefix}domain",
        domain_name=domain_name,
        regional_certificate_arn=args.certificate_arn,
        endpoint_configuration={"types": "REGIONAL"},
        security_policy="TLS_1_2",
        opts=opts,
    )
    mapping = aws.apigateway.BasePathMapping(
        f"{prefix}mapping",
        rest_api=args.rest_api_id,
        stage_name=args.stage_name,
        domain_name=domain.domain_name,
        opts=opts,
    )
    return domain, mapping
