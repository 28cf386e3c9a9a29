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
    # A count-mode twin of the rate rule at a lower limit: its CountedRequests metric shows IPs
    # nearing the block before they reach it (None: no twin).
    warning_limit_per_ip: int | None = None


def visibility(metric_name: str) -> aws.wafv2.WebAclVisibilityConfigArgsDict:
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
            rules=rules(name, args),
            visibility_config=visibility(f"{name}-web-acl"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.web_acl_arn = acl.arn
        self.register_outputs({"web_acl_arn": self.web_acl_arn})


def rate_rule(
    name: str,
    limit: int,
    window_s: int,
    action: aws.wafv2.WebAclRuleActionArgsDict,
    priority: int,
    metric: str,
) -> aws.wafv2.WebAclRuleArgsDict:
    return {
        "name": name,
        "priority": priority,
        "action": action,
        "statement": {
            "rate_based_statement": {
                "limit": limit,
                "evaluation_window_sec": window_s,
                "aggregate_key_type": "IP",
            }
        },
        "visibility_config": visibility(metric),
    }


def rules(name: str, args: EdgeFirewallArgs) -> list[aws.wafv2.WebAclRuleArgsDict]:
    """The web ACL's rules, in priority order (the cost model counts them: WAF bills per rule)."""
    found: list[aws.wafv2.WebAclRuleArgsDict] = [
        rate_rule(
            "rate-limit-per-ip",
            args.rate_limit_per_ip,
            args.evaluation_window_s,
            {"block": {}},
            0,
            f"{name}-rate-limit",
        ),
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
    ]
    if args.warning_limit_per_ip is not None:
        # After the blocking rules: a count action never ends evaluation, so it sees every IP
        # that is not blocked yet.
        found.append(
            rate_rule(
                "rate-warning-per-ip",
                args.warning_limit_per_ip,
                args.evaluation_window_s,
                {"count": {}},
                2,
                f"{name}-rate-warning",
            )
        )
    return found
