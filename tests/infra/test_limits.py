"""An alarm (or a count-mode rule, or a tested reason) before each limit, for every stack file,
under mocks; and the invariants that make the limits without a metric unreachable, written over
the real stack files because mocks cannot model AWS's quotas."""

from __future__ import annotations

import math
from typing import Any

import pytest

from cost.usage import load_settings
from hello_stack import limits, workload
from hello_stack.config import ConfigError, StackConfig
from tests.conftest import ROOT
from tests.infra.conftest import Stack

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
STACK_FILES = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))


def alarm(stack: Stack, suffix: str) -> dict:
    return stack.one(ALARM, suffix)["state"]


def function_name(stack: Stack) -> str:
    return stack.state("aws:lambda/function:Function", "-api_handler")["name"]


# The stage throttle applies to each method: "per-API, per-stage throttling limits are applied
# at the API method level for a stage" (pulumi-chalice sets it on `*/*`). With half GET, half
# PUT, the stage takes rate / 0.5 before either method is throttled: dev 20 / 0.5 = 40 req/s,
# prod 200 / 0.5 = 400 req/s; a minute at 80 %: dev 40 x 60 x 0.8 = 1,920, prod 19,200.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
STAGE_BINDS_AT = {"dev": 40.0, "prod": 400.0}
STAGE_ALARM_PER_MINUTE = {"dev": 1920.0, "prod": 19_200.0}


def test_stage_throttle_alarm_at_80_percent_of_the_per_method_rate_a_minute(stack: Stack) -> None:
    state = alarm(stack, "-limit-api-stage-throttle")
    assert (state["namespace"], state["metricName"], state["statistic"]) == (
        "AWS/ApiGateway",
        "Count",
        "Sum",
    )
    api = stack.state("aws:apigateway/restApi:RestApi")["name"]
    assert state["dimensions"] == {"ApiName": api, "Stage": "api"}
    assert state["period"] == 60
    assert state["threshold"] == pytest.approx(STAGE_ALARM_PER_MINUTE[stack.name])


@pytest.mark.parametrize("stack_name", STACK_FILES)
def test_the_stage_binds_when_its_busiest_method_reaches_the_throttle(stack_name: str) -> None:
    found = {x.key: x for x in limits.limits(load_settings(stack_name))}
    assert found["api-stage-throttle"].binds_at_rps == pytest.approx(STAGE_BINDS_AT[stack_name])
    assert "per method" in found["api-stage-throttle"].value


def test_a_429_in_the_access_log_pages(stack: Stack) -> None:
    """API Gateway publishes no throttle count for a REST stage; the access log's status is the
    throttle itself, a one-second burst included (the Count alarm is a per-minute sum)."""
    access_logs = stack.state("aws:cloudwatch/logGroup:LogGroup", "-rest_api-access-logs")
    metric_filter = stack.state(
        "aws:cloudwatch/logMetricFilter:LogMetricFilter", "-limit-api-throttled"
    )
    assert metric_filter["logGroupName"] == access_logs["name"]
    # hello_stack/access_log.py writes the status as a JSON string.
    assert (
        '"status": "$context.status"'
        in stack.state("aws:apigateway/stage:Stage")["accessLogSettings"]["format"]
    )
    assert metric_filter["pattern"] == '{ $.status = "429" }'
    transformation = metric_filter["metricTransformation"]
    state = alarm(stack, "-limit-api-throttled")
    assert (state["namespace"], state["metricName"]) == (
        transformation["namespace"],
        transformation["name"],
    )
    assert (state["statistic"], state["threshold"]) == ("Sum", 0)
    assert state["comparisonOperator"] == "GreaterThanThreshold"
    assert state["alarmActions"]


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
    assert state["threshold"] == pytest.approx(stack.expected["reserved_concurrency"] * 0.8)


def test_account_concurrency_alarm_at_80_percent_of_the_default_quota(prod: Stack) -> None:
    # ClaimedAccountConcurrency: unreserved executions plus all reserved and provisioned
    # concurrency, against hello:lambdaAccountConcurrency (default 1,000, AWS's default).
    # https://docs.aws.amazon.com/lambda/latest/dg/monitoring-concurrency.html
    state = alarm(prod, "-limit-lambda-account-concurrency")
    assert (state["metricName"], state["statistic"]) == ("ClaimedAccountConcurrency", "Maximum")
    assert state.get("dimensions") in (None, {})
    assert state["threshold"] == pytest.approx(1000 * 0.8)


def test_a_smaller_account_quota_moves_the_limit_and_its_alarm() -> None:
    # New accounts may have less than 1,000 ("New AWS accounts have reduced concurrency ...
    # quotas"): at 400, 80 % is 320; at 256 MB a request bills 16 ms, so 400 / 0.016 = 25,000.
    # https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
    settings = config(lambda_account_concurrency=400, reserved_concurrency=300)
    found = {x.key: x for x in limits.limits(settings)}
    assert found["lambda-account-concurrency"].binds_at_rps == pytest.approx(25_000)
    assert found["lambda-account-concurrency"].value.startswith("400 ")
    alarms = {a.key: a for a in limits.limit_alarms(settings, FakeApi(), "ns")}
    assert alarms["limit-lambda-account-concurrency"].threshold == pytest.approx(320)


@pytest.mark.parametrize(
    ("quota", "reserved", "refused"), [(1000, 900, False), (1000, 901, True), (200, 101, True)]
)
def test_reserved_concurrency_must_leave_the_account_100_unreserved(
    quota: int, reserved: int, refused: bool
) -> None:
    # "You can reserve up to the Unreserved account concurrency value ... minus 100":
    # https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
    if not refused:
        config(lambda_account_concurrency=quota, reserved_concurrency=reserved)
        return
    with pytest.raises(ConfigError) as error:
        config(lambda_account_concurrency=quota, reserved_concurrency=reserved)
    message = str(error.value)
    assert "hello:reservedConcurrency" in message
    assert "hello:lambdaAccountConcurrency" in message


def test_only_one_stack_of_the_account_watches_its_shared_limits(dev: Stack) -> None:
    """dev shares prod's account (docs/bootstrap.md's layout): the account-wide metric has no
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
    doc = (ROOT / "docs" / "runbook.md").read_text()
    found = [a for a in stack.all(ALARM) if "-limit-" in a["name"]]
    # stage throttle, 429s, reserved and account concurrency, CloudFront (dev: not the account's)
    assert len(found) == (5 if stack.settings["account_alarms"] else 4)
    for each in found:
        assert each["state"]["alarmActions"], each["name"]
        key = each["name"].split("-limit-", 1)[1]
        assert f"docs/runbook.md#alarm-limit-{key}" in each["state"]["alarmDescription"]
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
    # The throttle is per method: each of GET, PUT and DELETE (hello_app/app.py) has its own.
    methods = 3
    stages = [load_settings(name) for name in STACK_FILES]
    assert sum(s.throttle_rate_limit * methods for s in stages) < 10_000 * 0.8
    assert sum(s.throttle_burst_limit * methods for s in stages) < 5_000


def test_reserved_concurrency_leaves_the_account_its_unreserved_100() -> None:
    # Lambda keeps 100 of the account's quota unreserved: stages sharing an account (as
    # docs/bootstrap.md's default) must reserve at most the smallest quota they state, less 100.
    # https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
    stages = [load_settings(name) for name in STACK_FILES]
    reserved = sum(s.reserved_concurrency or 0 for s in stages)
    assert reserved <= min(s.lambda_account_concurrency for s in stages) - 100


def test_cloudfront_bandwidth_cannot_bind_before_its_request_quota() -> None:
    # 150 Gbps at hello's response size is far more requests than 250,000 a second.
    by_key = {x.key: x for x in limits.limits(load_settings("prod"))}
    assert by_key["cloudfront-bandwidth"].binds_at_rps == pytest.approx(150e9 / 8 / 500)
    assert by_key["cloudfront-bandwidth"].binds_at_rps > by_key["cloudfront-requests"].binds_at_rps


# --- The order and the branches of limits() itself. ---


def config(**overrides: Any) -> StackConfig:
    return StackConfig(region="eu-west-1", require_alarm_subscriber=False, **overrides)


class FakeApi:
    rest_api_name, stage_name, function_name = "api", "stage", "fn"
    access_log_group_name = "access-logs"


@pytest.mark.parametrize(
    ("memory_mb", "billed_ms"),
    # 1 ms of CPU at one vCPU (1,769 MB), slowed by 1769 / memory below it, + 9 ms waiting,
    # rounded up to the millisecond: 1769 MB 10; 3008 MB 10; 1024 MB 10.73 -> 11;
    # 256 MB 15.91 -> 16; 128 MB 22.82 -> 23.
    [(1769, 10), (3008, 10), (1024, 11), (256, 16), (128, 23)],
)
def test_warm_duration_slows_with_the_cpu_below_one_vcpu(memory_mb: int, billed_ms: int) -> None:
    # https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
    assert workload.warm_billed_ms(memory_mb) == billed_ms


def test_limits_are_in_the_order_they_bind() -> None:
    found = limits.limits(config(waf_enabled=True, reserved_concurrency=100))
    rates = [x.binds_at_rps for x in found]
    assert rates == sorted(rates)
    # One client is stopped by the WAF first (1,000 per 5 minutes = 3.3 req/s); all clients
    # together by the stage throttle (100 req/s a method by default: 200 req/s half and half).
    assert [x.key for x in found[:2]] == ["waf-per-ip", "api-stage-throttle"]
    assert found[0].binds_at_rps == pytest.approx(1000 / 300)
    assert found[1].binds_at_rps == 200


def test_reserved_concurrency_binds_at_concurrency_over_duration() -> None:
    # Little's law: 100 executions at 16 ms each (256 MB, the default) serve 6,250 req/s; the
    # account's 1,000, 62,500; at 1,024 MB (11 ms) 100 serve 9,090.9.
    found = {x.key: x for x in limits.limits(config(reserved_concurrency=100))}
    assert found["lambda-reserved-concurrency"].binds_at_rps == pytest.approx(6_250)
    assert found["lambda-account-concurrency"].binds_at_rps == pytest.approx(62_500)
    bigger = {
        x.key: x for x in limits.limits(config(reserved_concurrency=100, lambda_memory_mb=1024))
    }
    assert bigger["lambda-reserved-concurrency"].binds_at_rps == pytest.approx(100 / 0.011)


def test_lambdas_scaling_rate_and_the_tables_quota_are_listed_and_out_of_reach() -> None:
    # Lambda adds at most 1,000 environments every 10 s per function: at 16 ms a request, a
    # rise of 62,500 req/s within 10 s. An on-demand table takes 40,000 read and 40,000 write
    # units a second by default: half the requests write, so 80,000 req/s.
    # https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode-max-throughput.html
    found = {x.key: x for x in limits.limits(config())}
    assert found["lambda-scaling-rate"].binds_at_rps == pytest.approx(62_500)
    assert found["dynamodb-table-throughput"].binds_at_rps == pytest.approx(80_000)
    for key in ("lambda-scaling-rate", "dynamodb-table-throughput"):
        assert found[key].warning.startswith("cannot bind: the stage throttle (200 req/s)")
    near = {x.key: x for x in limits.limits(config(throttle_rate_limit=40_000))}
    assert near["lambda-scaling-rate"].warning.startswith("REACHABLE")
    assert near["dynamodb-table-throughput"].warning.startswith("REACHABLE")


def test_without_reserved_concurrency_or_waf_those_limits_and_alarms_are_absent() -> None:
    settings = config()
    keys = {x.key for x in limits.limits(settings)}
    assert "lambda-reserved-concurrency" not in keys
    assert "waf-per-ip" not in keys

    alarms = {a.key for a in limits.limit_alarms(settings, FakeApi(), "ns")}
    assert alarms == {
        "limit-api-stage-throttle",
        "limit-api-throttled",
        "limit-lambda-account-concurrency",
    }


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
