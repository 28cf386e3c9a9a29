"""An alarm (or a count-mode rule, or a tested reason) before each limit, for every stack file,
under mocks; and the invariants that make the limits without a metric unreachable, written over
the real stack files because mocks cannot model AWS's quotas."""

from __future__ import annotations

import math

import pytest

from cost.usage import load_settings
from hello_stack import limits
from hello_stack.config import StackConfig
from tests.conftest import ROOT
from tests.infra.conftest import Stack

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
STACK_FILES = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))


def alarm(stack: Stack, suffix: str) -> dict:
    return stack.one(ALARM, suffix)["state"]


def function_name(stack: Stack) -> str:
    return stack.state("aws:lambda/function:Function", "-api_handler")["name"]


def test_stage_throttle_alarm_at_80_percent_of_the_rate_a_minute(stack: Stack) -> None:
    state = alarm(stack, "-limit-api-stage-throttle")
    assert (state["namespace"], state["metricName"], state["statistic"]) == (
        "AWS/ApiGateway",
        "Count",
        "Sum",
    )
    api = stack.state("aws:apigateway/restApi:RestApi")["name"]
    assert state["dimensions"] == {"ApiName": api, "Stage": "api"}
    assert state["period"] == 60
    # requests per minute: throttleRateLimit x 60 s x 0.8
    assert state["threshold"] == pytest.approx(stack.settings["throttle_rate_limit"] * 60 * 0.8)


def test_reserved_concurrency_alarm_at_80_percent(stack: Stack) -> None:
    # Lambda emits ConcurrentExecutions for every function; view it with Maximum.
    # https://docs.aws.amazon.com/lambda/latest/dg/monitoring-concurrency.html
    state = alarm(stack, "-limit-lambda-reserved-concurrency")
    assert (state["namespace"], state["metricName"], state["statistic"]) == (
        "AWS/Lambda",
        "ConcurrentExecutions",
        "Maximum",
    )
    assert state["dimensions"] == {"FunctionName": function_name(stack)}
    assert state["threshold"] == pytest.approx(stack.settings["reserved_concurrency"] * 0.8)


def test_account_concurrency_alarm_at_80_percent_of_the_default_quota(prod: Stack) -> None:
    # ClaimedAccountConcurrency: unreserved executions plus all reserved and provisioned
    # concurrency, against the account's 1,000 default.
    # https://docs.aws.amazon.com/lambda/latest/dg/monitoring-concurrency.html
    state = alarm(prod, "-limit-lambda-account-concurrency")
    assert (state["metricName"], state["statistic"]) == ("ClaimedAccountConcurrency", "Maximum")
    assert state.get("dimensions") in (None, {})
    assert state["threshold"] == pytest.approx(1000 * 0.8)


def test_only_one_stack_of_the_account_watches_its_shared_limits(dev: Stack) -> None:
    """dev shares prod's account (the README's layout): the account-wide metric has no
    dimensions, so a second alarm on it would page twice for one cause."""
    assert dev.settings["account_alarms"] is False
    names = [a["name"] for a in dev.all(ALARM)]
    assert not [n for n in names if "account-concurrency" in n]


def test_cloudfront_request_quota_alarm_lives_in_us_east_1(stack: Stack) -> None:
    # 250,000 requests per second per distribution; CloudFront's metrics are in us-east-1.
    # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html
    found = stack.one(ALARM, "-edge-limit-cloudfront-requests")
    state = found["state"]
    assert stack.provider_region(found) == "us-east-1"
    assert (state["namespace"], state["metricName"], state["statistic"]) == (
        "AWS/CloudFront",
        "Requests",
        "Sum",
    )
    distribution = stack.one("aws:cloudfront/distribution:Distribution")["id"]
    assert state["dimensions"] == {"DistributionId": distribution, "Region": "Global"}
    assert state["threshold"] == pytest.approx(250_000 * 60 * 0.8)
    edge_topic = stack.state("aws:sns/topic:Topic", "-edge-alarms")["arn"]
    assert state["alarmActions"] == [edge_topic]


def test_every_limit_alarm_pages_and_has_a_runbook_entry(stack: Stack) -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text()
    found = [a for a in stack.all(ALARM) if "-limit-" in a["name"]]
    assert len(found) == (4 if stack.settings["account_alarms"] else 3)
    for each in found:
        assert each["state"]["alarmActions"], each["name"]
        key = each["name"].split("-limit-", 1)[1]
        assert f"docs/architecture.md#alarm-limit-{key}" in each["state"]["alarmDescription"]
        assert f"### alarm-limit-{key}\n" in doc


def test_prod_counts_ips_nearing_the_waf_rate_rule(prod: Stack) -> None:
    rules = {rule["name"]: rule for rule in prod.state(WEB_ACL)["rules"]}
    block, warning = rules["rate-limit-per-ip"], rules["rate-warning-per-ip"]
    assert warning["action"] == {"count": {}}
    assert warning["statement"]["rateBasedStatement"] == {
        "limit": math.floor(prod.settings["waf_rate_limit_per_ip"] * 0.8),
        "aggregateKeyType": "IP",
        "evaluationWindowSec": 300,  # the blocking rule's window
    }
    # After the blocking rules (a count never ends evaluation), with its own metric.
    assert warning["priority"] > max(block["priority"], rules["aws-common-rules"]["priority"])
    assert warning["visibilityConfig"]["cloudwatchMetricsEnabled"] is True
    assert warning["visibilityConfig"]["metricName"] == "hello-prod-rate-warning"
    assert block["action"] == {"block": {}}


def test_dev_without_waf_has_no_count_rule(dev: Stack) -> None:
    assert dev.all(WEB_ACL) == []


# --- Invariants over the real stack files: limits without a metric must stay out of reach. ---


@pytest.mark.parametrize("stack_name", STACK_FILES)
def test_one_hot_username_cannot_reach_a_partitions_throughput(stack_name: str) -> None:
    # A partition serves 3,000 read units and 1,000 write units a second; one username is one
    # item, so one partition. Stage throttle + burst must stay below 1,000 PUTs a second, else
    # turn on Contributor Insights (the limit's warning then says REACHABLE).
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html
    settings = load_settings(stack_name)
    assert settings.throttle_rate_limit + settings.throttle_burst_limit < 1000
    hot = next(x for x in limits.limits(settings) if x.key == "dynamodb-hot-partition")
    assert hot.warning.endswith("refuses requests first")


def test_all_stages_together_stay_under_the_account_api_throttle() -> None:
    # 10,000 req/s per account and region across every API: the stages' throttles together,
    # burst included, stay under 80 % of it, so the account throttle cannot bind first.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
    stages = [load_settings(name) for name in STACK_FILES]
    assert sum(s.throttle_rate_limit for s in stages) < 10_000 * 0.8
    assert sum(s.throttle_burst_limit for s in stages) < 5_000


def test_reserved_concurrency_leaves_the_account_its_unreserved_100() -> None:
    # Lambda keeps 100 of the account's 1,000 unreserved: stages sharing an account must reserve
    # at most 900 between them.
    # https://docs.aws.amazon.com/lambda/latest/dg/configuring-concurrency.html
    reserved = [load_settings(name).reserved_concurrency or 0 for name in STACK_FILES]
    assert sum(reserved) <= 1000 - 100


def test_cloudfront_bandwidth_cannot_bind_before_its_request_quota() -> None:
    # 150 Gbps at hello's response size is far more requests than 250,000 a second.
    by_key = {x.key: x for x in limits.limits(load_settings("prod"))}
    assert by_key["cloudfront-bandwidth"].binds_at_rps == pytest.approx(150e9 / 8 / 500)
    assert by_key["cloudfront-bandwidth"].binds_at_rps > by_key["cloudfront-requests"].binds_at_rps


# --- The order and the branches of limits() itself. ---


def config(**overrides: object) -> StackConfig:
    return StackConfig(region="eu-west-1", require_alarm_subscriber=False, **overrides)


def test_limits_are_in_the_order_they_bind() -> None:
    found = limits.limits(config(waf_enabled=True, reserved_concurrency=100))
    rates = [x.binds_at_rps for x in found]
    assert rates == sorted(rates)
    # One client is stopped by the WAF first (1,000 per 5 minutes = 3.3 req/s); all clients
    # together by the stage throttle (100 req/s by default).
    assert [x.key for x in found[:2]] == ["waf-per-ip", "api-stage-throttle"]
    assert found[0].binds_at_rps == pytest.approx(1000 / 300)
    assert found[1].binds_at_rps == 100


def test_reserved_concurrency_binds_at_concurrency_over_duration() -> None:
    # Little's law: 100 executions at ~10 ms each serve 10,000 req/s.
    found = {x.key: x for x in limits.limits(config(reserved_concurrency=100))}
    assert found["lambda-reserved-concurrency"].binds_at_rps == pytest.approx(10_000)
    assert found["lambda-account-concurrency"].binds_at_rps == pytest.approx(100_000)


def test_without_reserved_concurrency_or_waf_those_limits_and_alarms_are_absent() -> None:
    settings = config()
    keys = {x.key for x in limits.limits(settings)}
    assert "lambda-reserved-concurrency" not in keys
    assert "waf-per-ip" not in keys

    class Api:
        rest_api_name, stage_name, function_name = "api", "stage", "fn"

    alarms = {a.key for a in limits.limit_alarms(settings, Api())}
    assert alarms == {"limit-api-stage-throttle", "limit-lambda-account-concurrency"}


def test_a_throttle_high_enough_to_reach_a_hot_partition_says_so() -> None:
    settings = config(throttle_rate_limit=900, throttle_burst_limit=200)
    hot = next(x for x in limits.limits(settings) if x.key == "dynamodb-hot-partition")
    assert "REACHABLE" in hot.warning


def test_a_stage_throttle_near_the_account_quota_says_so() -> None:
    settings = config(throttle_rate_limit=9000, throttle_burst_limit=5000)
    account = next(x for x in limits.limits(settings) if x.key == "api-account-throttle")
    assert "request a quota increase" in account.warning


@pytest.mark.parametrize(("limit", "warning"), [(1000, 800), (698, 558), (10_001, 8000)])
def test_waf_warning_twin_is_80_percent_rounded_down(limit: int, warning: int) -> None:
    # WAF's floor for a rate-based rule is 10; the settings refuse limits under 698.
    # https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html
    assert limits.waf_warning_limit(config(waf_rate_limit_per_ip=limit)) == warning
