"""An AWS WAF web ACL for CloudFront: a per-IP rate limit and AWS's common managed rules.

CloudFront web ACLs must live in us-east-1: pass that region's provider in the options.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass
class EdgeFirewallArgs:
    rate_limit_per_ip: int  # requests per IP in any evaluation window
    evaluation_window_s: int  # 60, 120, 300 or 600 seconds


def visibility(metric_name: str) -> dict:
    return {
        "cloudwatch_metrics_enabled": True,
        "metric_name": metric_name,
        "sampled_requests_enabled": True,
    }


class EdgeFirewall(pulumi.ComponentResource):
    web_acl_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: EdgeFirewallArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:EdgeFirewall", name, None, opts)
        acl = aws.wafv2.WebAcl(
            f"{name}-web-acl",
            scope="CLOUDFRONT",
            default_action={"allow": {}},
            rules=[
                {
                    "name": "rate-limit-per-ip",
                    "priority": 0,
                    "action": {"block": {}},
                    "statement": {
                        "rate_based_statement": {
                            "limit": args.rate_limit_per_ip,
                            "evaluation_window_sec": args.evaluation_window_s,
                            "aggregate_key_type": "IP",
                        }
                    },
                    "visibility_config": visibility(f"{name}-rate-limit"),
                },
                {
                    "name": "aws-common-rules",
                    "priority": 1,
                    "override_action": {"none": {}},
                    "statement": {
                        "managed_rule_group_statement": {
                            "vendor_name": "AWS",
                            "name": "AWSManagedRulesCommonRuleSet",
                        }
                    },
                    "visibility_config": visibility(f"{name}-common-rules"),
                },
            ],
            visibility_config=visibility(f"{name}-web-acl"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.web_acl_arn = acl.arn
        self.register_outputs({"web_acl_arn": self.web_acl_arn})
