"""Cdn, the origin secret on both sides, and the WAF web ACL."""

from __future__ import annotations

from tests.infra.conftest import Stack

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"


def test_origin_is_this_api_and_stage_over_tls12(stack: Stack) -> None:
    """One region: its stage URL. Two: the failover name, whose custom domains map the whole
    domain to each region's stage (so no origin path)."""
    (origin,) = stack.state(DISTRIBUTION)["origins"]
    if len(stack.expected["regions"]) > 1:
        assert origin["domainName"] == stack.config["hello:failoverDomain"]
        assert "originPath" not in origin
    else:
        rest_api_id = stack.one("aws:apigateway/restApi:RestApi")["id"]
        region = stack.config["aws:region"]
        assert origin["domainName"] == f"{rest_api_id}.execute-api.{region}.amazonaws.com"
        assert origin["originPath"] == "/api"
    assert origin["customOriginConfig"] == {
        "httpPort": 80,
        "httpsPort": 443,
        "originProtocolPolicy": "https-only",
        "originSslProtocols": ["TLSv1.2"],
    }


def test_viewer_behaviour(stack: Stack) -> None:
    distribution = stack.state(DISTRIBUTION)
    behaviour = distribution["defaultCacheBehavior"]
    assert behaviour["targetOriginId"] == distribution["origins"][0]["originId"]
    assert behaviour["viewerProtocolPolicy"] == "redirect-to-https"
    assert sorted(behaviour["allowedMethods"]) == sorted(
        ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
    )
    assert sorted(behaviour["cachedMethods"]) == ["GET", "HEAD"]
    assert behaviour["cachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    # AllViewerExceptHostHeader: API Gateway needs its own Host header.
    assert behaviour["originRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    assert distribution["httpVersion"] == "http2and3"
    assert distribution["enabled"] is True
    assert distribution["priceClass"] == stack.expected["price_class"]


def test_default_certificate_without_a_custom_domain(stack: Stack) -> None:
    distribution = stack.state(DISTRIBUTION)
    assert distribution["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    assert not distribution.get("aliases")


def test_custom_domain_uses_the_acm_certificate(stack_with_extras: Stack) -> None:
    distribution = stack_with_extras.state(DISTRIBUTION)
    assert distribution["aliases"] == ["hello.example.com"]
    assert distribution["viewerCertificate"] == {
        "acmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
        "sslSupportMethod": "sni-only",
        "minimumProtocolVersion": "TLSv1.2_2021",
    }


def test_origin_secret_is_identical_in_cloudfront_and_the_function(stack: Stack) -> None:
    distribution = stack.one(DISTRIBUTION)
    (header,) = distribution["state"]["origins"][0]["customHeaders"]
    function = stack.state("aws:lambda/function:Function", "-api_handler")
    variables = function["environment"]["variables"]
    password = stack.state("random:index/randomPassword:RandomPassword")
    assert header["name"] == "X-Origin-Verify"
    assert header["value"] == variables["HELLO_ORIGIN_SECRET"] == password["result"]
    assert len(header["value"]) >= 32
    assert "origins" in distribution["secrets"]
    assert password["length"] == 40 and password["special"] is False


def test_prod_distribution_is_behind_waf_in_us_east_1(prod: Stack) -> None:
    acl = prod.one("aws:wafv2/webAcl:WebAcl")
    assert prod.provider_region(acl) == "us-east-1"
    assert acl["state"]["scope"] == "CLOUDFRONT"
    assert acl["state"]["defaultAction"] == {"allow": {}}
    assert prod.state(DISTRIBUTION)["webAclId"] == acl["state"]["arn"]
    rules = {rule["name"]: rule for rule in acl["state"]["rules"]}
    rate = rules["rate-limit-per-ip"]
    assert rate["action"] == {"block": {}}
    assert rate["statement"]["rateBasedStatement"] == {
        "limit": prod.settings["waf_rate_limit_per_ip"],
        "aggregateKeyType": "IP",
        # Explicit, at WAF's default of five minutes: the window the release's traffic fits.
        "evaluationWindowSec": 300,
    }
    managed = rules["aws-common-rules"]["statement"]["managedRuleGroupStatement"]
    assert managed == {"vendorName": "AWS", "name": "AWSManagedRulesCommonRuleSet"}


def test_dev_has_no_waf(dev: Stack) -> None:
    assert "webAclId" not in dev.state(DISTRIBUTION)
    assert dev.all("aws:wafv2/webAcl:WebAcl") == []
