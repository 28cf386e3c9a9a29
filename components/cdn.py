"""CloudFront in front of an API Gateway stage: HTTPS everywhere, nothing cached."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

# AWS managed policies, ids as published in the CloudFront developer guide.
CACHING_DISABLED_POLICY_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER_POLICY_ID = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
ORIGIN_ID = "api"


@dataclass(frozen=True)
class CustomDomain:
    name: str
    certificate_arn: str  # an ACM certificate in us-east-1 that covers name


@dataclass
class CdnArgs:
    rest_api_id: pulumi.Input[str]
    stage_name: pulumi.Input[str]
    region: str
    price_class: str
    # Sent to the origin on every request; the app refuses requests without it.
    origin_header_name: str | None = None
    origin_header_value: pulumi.Input[str] | None = None
    custom_domain: CustomDomain | None = None
    web_acl_arn: pulumi.Input[str] | None = None
    # A name resolving to the healthy region's API (its custom domain maps the whole domain to
    # the stage): set, the origin is that name, not one region's stage URL.
    failover_domain: str | None = None
    # What must exist before the distribution sends requests to its origin (the failover name's
    # records, custom domains and mappings): an update switches the origin at once.
    origin_ready: Sequence[pulumi.Resource] = ()


class Cdn(pulumi.ComponentResource):
    url: pulumi.Output[str]
    distribution_id: pulumi.Output[str]
    domain_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: CdnArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:Cdn", name, None, opts)
        custom_headers: list[aws.cloudfront.DistributionOriginCustomHeaderArgsDict] = []
        if args.origin_header_name and args.origin_header_value is not None:
            custom_headers.append(
                {"name": args.origin_header_name, "value": args.origin_header_value}
            )
        domain = args.custom_domain
        certificate: aws.cloudfront.DistributionViewerCertificateArgsDict
        if domain:
            certificate = {
                "acm_certificate_arn": domain.certificate_arn,
                "ssl_support_method": "sni-only",
                "minimum_protocol_version": "TLSv1.2_2021",
            }
        else:
            certificate = {"cloudfront_default_certificate": True}

        distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            enabled=True,
            comment=f"{name}: API Gateway stage behind CloudFront",
            http_version="http2and3",
            is_ipv6_enabled=True,
            price_class=args.price_class,
            aliases=[domain.name] if domain else None,
            origins=[
                {
                    "origin_id": ORIGIN_ID,
                    "domain_name": args.failover_domain
                    or pulumi.Output.format(
                        "{0}.execute-api.{1}.amazonaws.com", args.rest_api_id, args.region
                    ),
                    "origin_path": (
                        None
                        if args.failover_domain
                        else pulumi.Output.format("/{0}", args.stage_name)
                    ),
                    "custom_origin_config": {
                        "http_port": 80,
                        "https_port": 443,
                        "origin_protocol_policy": "https-only",
                        "origin_ssl_protocols": ["TLSv1.2"],
                    },
                    "custom_headers": custom_headers,
                }
            ],
            default_cache_behavior={
                "target_origin_id": ORIGIN_ID,
                "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": ALL_METHODS,
                "cached_methods": ["GET", "HEAD"],
                "cache_policy_id": CACHING_DISABLED_POLICY_ID,
                "origin_request_policy_id": ALL_VIEWER_EXCEPT_HOST_HEADER_POLICY_ID,
                "compress": True,
            },
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate=certificate,
            web_acl_id=args.web_acl_arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.origin_ready)),
        )
        self.distribution_id = distribution.id
        self.domain_name = distribution.domain_name
        self.url = pulumi.Output.format(
            "https://{0}", domain.name if domain else distribution.domain_name
        )
        self.register_outputs(
            {
                "url": self.url,
                "distribution_id": self.distribution_id,
                "domain_name": self.domain_name,
            }
        )
