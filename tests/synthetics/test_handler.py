"""synthetics/handler.py against a fake public URL: the cycle (the probe's checks), what
counts as a failure and as a server error, the location's own users and their cleanup, and the
metrics it publishes (botocore's Stubber)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from synthetics import handler as check

URL = "https://d111.cloudfront.net"
KNOWN, OWN = "Syntheticknownuseastone", "Syntheticownuseastone"
GREETING = b'{"message": "Hello, %s! Your birthday is in 5 day(s)"}'
API_GATEWAY = {"x-amzn-RequestId": "abc"}


class FakeUrl:
    """Answers like hello behind CloudFront unless told otherwise; records every request."""

    def __init__(self, broken: dict[tuple[str, str], Any] | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.broken = broken or {}

    def __call__(self, base_url, method, path, body=None, timeout=15, headers=None):
        assert base_url == URL and timeout == 5
        user = path.removeprefix("/hello/")
        self.sent.append((method, user))
        answer = self.broken.get((method, user))
        if isinstance(answer, Exception):
            raise answer
        if headers is not None:
            headers.update(answer[2] if answer else API_GATEWAY)
        if answer:
            return answer[0], answer[1]
        if method == "GET":
            return 200, GREETING % user.encode()
        return 204, b""


def clock() -> Iterator[float]:
    now = 0.0
    while True:
        yield now
        now += 0.05  # 50 ms per request


def run(fake: FakeUrl, seeded: set[str] | None = None) -> list[check.Outcome]:
    ticks = clock()
    return check.run_checks(URL, "us-east-1", send=fake, clock=lambda: next(ticks), seeded=seeded)


def test_usernames_are_letters_only_and_one_pair_per_location() -> None:
    assert check.usernames("us-east-1") == (KNOWN, OWN)
    assert check.usernames("ap-southeast-2") == ("Syntheticknownapsoutheasttwo",
                                                 "Syntheticownapsoutheasttwo")  # fmt: skip
    names = {
        name for loc in ("us-east-1", "us-east-2", "us-west-1") for name in check.usernames(loc)
    }
    assert len(names) == 6
    assert all(name.isalpha() and len(name) <= 64 for name in names)  # hello's username rule


def test_a_healthy_cycle_is_the_probes_and_counts_no_failure() -> None:
    fake = FakeUrl()
    outcomes = run(fake)
    assert fake.sent == [("GET", KNOWN), ("PUT", OWN), ("GET", OWN), ("DELETE", OWN)]
    assert [o.label for o in outcomes] == ["GET known", "PUT own", "GET own", "DELETE own"]
    assert [o.problem for o in outcomes] == [None] * 4
    assert [o.latency_ms for o in outcomes] == pytest.approx([50.0] * 4)


def test_the_known_user_is_stored_once_per_environment() -> None:
    seeded: set[str] = set()
    fake = FakeUrl()
    run(fake, seeded)
    run(fake, seeded)
    assert fake.sent.count(("PUT", KNOWN)) == 1
    assert fake.sent[0] == ("PUT", KNOWN) and seeded == {URL}


def test_a_failed_seed_is_tried_again_and_not_counted_in_the_cycle() -> None:
    seeded: set[str] = set()
    fake = FakeUrl({("PUT", KNOWN): (503, b"", API_GATEWAY)})
    outcomes = run(fake, seeded)
    assert seeded == set()
    # Returned, for API Gateway's count, but outside the cycle (the client-side SLI's).
    assert [(o.label, o.counted) for o in outcomes] == [
        ("PUT known", False),
        ("GET known", True),
        ("PUT own", True),
        ("GET own", True),
        ("DELETE own", True),
    ]
    assert (outcomes[0].answered_by_api, outcomes[0].server_error) == (True, True)
    run(fake, seeded)
    assert fake.sent.count(("PUT", KNOWN)) == 2


def test_wrong_answers_5xx_and_no_answer_are_failures_and_only_api_5xx_are_server_errors() -> None:
    fake = FakeUrl(
        {
            ("GET", KNOWN): (404, b'{"message": "not found"}', API_GATEWAY),  # data lost
            ("PUT", OWN): (502, b"", {"X-Cache": "Error from cloudfront"}),  # CloudFront's own
            ("GET", OWN): (500, b"", API_GATEWAY),  # API Gateway answered 5xx
            ("DELETE", OWN): TimeoutError("timed out"),
        }
    )
    outcomes = run(fake)
    assert [o.problem for o in outcomes] == [
        "status 404",
        "status 502",
        "status 500",
        "TimeoutError: timed out",
        "TimeoutError: timed out",  # the second DELETE
    ]
    assert [o.server_error for o in outcomes] == [False, False, True, False, False]
    # Only answers with API Gateway's request id reached its Count.
    assert [o.answered_by_api for o in outcomes] == [True, False, True, False, False]
    # The DELETE failed: the own user is deleted once more, outside the cycle.
    assert fake.sent[-2:] == [("DELETE", OWN), ("DELETE", OWN)]
    assert [o.counted for o in outcomes] == [True, True, True, True, False]


def test_a_waf_block_or_dns_failure_never_counts_as_an_api_request() -> None:
    fake = FakeUrl(
        {
            ("GET", KNOWN): (403, b"blocked", {"X-Cache": "Error from cloudfront"}),  # the WAF
            ("PUT", OWN): OSError("Name or service not known"),  # DNS
        }
    )
    outcomes = run(fake)
    assert [o.answered_by_api for o in outcomes] == [False, False, True, True]
    data = {d["MetricName"]: d.get("Value") for d in check.metric_data("us-east-1", outcomes)}
    assert (data["CheckRequests"], data["CheckFailures"], data["CheckApiRequests"]) == (4, 2, 2)


def test_a_greeting_for_someone_else_is_a_failure() -> None:
    fake = FakeUrl({("GET", OWN): (200, GREETING % b"Someoneelse", API_GATEWAY)})
    (problem,) = [o.problem for o in run(fake) if o.problem]
    assert problem.startswith("message 'Hello, Someoneelse!")


def test_metric_data_per_location() -> None:
    outcomes = [
        # A seed API Gateway answered 5xx: its Count and 5XXError hold it, the cycle does not.
        check.Outcome("PUT known", 90.0, "status 503", True, True, counted=False),
        check.Outcome("GET known", 40.0, answered_by_api=True),
        check.Outcome("PUT own", 61.26, "status 500", server_error=True, answered_by_api=True),
        check.Outcome("GET own", 30.0, "status 502"),  # CloudFront's own: never reached it
        check.Outcome("DELETE own", 20.0, "TimeoutError: timed out"),
        check.Outcome("DELETE own", 25.0, answered_by_api=True, counted=False),  # the retry
    ]
    where = [{"Name": "Location", "Value": "us-west-2"}]
    assert check.metric_data("us-west-2", outcomes) == [
        {"MetricName": "CheckRequests", "Dimensions": where, "Value": 4, "Unit": "Count"},
        {"MetricName": "CheckFailures", "Dimensions": where, "Value": 3, "Unit": "Count"},
        {"MetricName": "CheckApiRequests", "Dimensions": where, "Value": 4, "Unit": "Count"},
        {"MetricName": "CheckServerErrors", "Dimensions": where, "Value": 2, "Unit": "Count"},
        {
            "MetricName": "CheckLatency",
            "Dimensions": where,
            "Values": [40.0, 61.3, 30.0, 20.0],
            "Counts": [1.0, 1.0, 1.0, 1.0],
            "Unit": "Milliseconds",
        },
    ]


def test_the_handler_publishes_into_the_serving_regions_namespace(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(check.PUBLIC_URL_ENV, URL)
    monkeypatch.setenv(check.LOCATION_ENV, "us-east-1")
    monkeypatch.setenv(check.NAMESPACE_ENV, "hello/prod")
    monkeypatch.setenv(check.METRIC_REGION_ENV, "eu-west-1")
    monkeypatch.setattr(check, "call", FakeUrl({("GET", OWN): (500, b"", API_GATEWAY)}))
    monkeypatch.setattr(check, "_seeded", {URL})
    client = boto3.client("cloudwatch", region_name="eu-west-1")
    regions = []

    def fake_client(service: str, region_name: str) -> Any:
        regions.append((service, region_name))
        return client

    monkeypatch.setattr(boto3, "client", fake_client)
    # Written out, not built by check.metric_data: a cycle of four, one 500 from API Gateway.
    where = [{"Name": "Location", "Value": "us-east-1"}]
    expected = [
        {"MetricName": "CheckRequests", "Dimensions": where, "Value": 4, "Unit": "Count"},
        {"MetricName": "CheckFailures", "Dimensions": where, "Value": 1, "Unit": "Count"},
        {"MetricName": "CheckApiRequests", "Dimensions": where, "Value": 4, "Unit": "Count"},
        {"MetricName": "CheckServerErrors", "Dimensions": where, "Value": 1, "Unit": "Count"},
        {
            "MetricName": "CheckLatency",
            "Dimensions": where,
            "Values": ANY,  # real latencies
            "Counts": [1.0, 1.0, 1.0, 1.0],
            "Unit": "Milliseconds",
        },
    ]
    with Stubber(client) as stub:
        stub.add_response(
            "put_metric_data", {}, {"Namespace": "hello/prod", "MetricData": expected}
        )
        summary = check.handler({}, None)
        stub.assert_no_pending_responses()
    assert regions == [("cloudwatch", "eu-west-1")]
    assert summary["failures"] == ["GET own: status 500"]
    assert json.loads(capsys.readouterr().out)["event"] == "synthetic_check"


def test_a_failed_publish_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No retries (components/synthetic_checks.py): an uncaught error would end the run all the
    same, without a log line saying why; the silence alarm pages on the missing datapoints."""
    monkeypatch.setenv(check.PUBLIC_URL_ENV, URL)
    monkeypatch.setenv(check.LOCATION_ENV, "us-east-1")
    monkeypatch.setenv(check.NAMESPACE_ENV, "hello/prod")
    monkeypatch.setenv(check.METRIC_REGION_ENV, "eu-west-1")
    monkeypatch.setattr(check, "call", FakeUrl())
    monkeypatch.setattr(check, "_seeded", {URL})
    client = boto3.client("cloudwatch", region_name="eu-west-1")
    monkeypatch.setattr(boto3, "client", lambda service, region_name: client)
    with Stubber(client) as stub:
        stub.add_client_error("put_metric_data", "AccessDenied", "not allowed", 403)
        summary = check.handler({}, None)
    assert summary["published"] is False
    assert summary["publishError"].startswith("ClientError: An error occurred (AccessDenied)")
    logged = json.loads(capsys.readouterr().out)
    assert logged["published"] is False and "AccessDenied" in logged["publishError"]


def test_the_slis_read_the_metric_names_the_handler_publishes() -> None:
    """Both sides against the names docs/slo.md gives, not against each other's constants."""
    from hello_stack import slo

    published = {d["MetricName"] for d in check.metric_data("us-east-1", [])}
    assert published == {
        "CheckRequests", "CheckFailures", "CheckApiRequests", "CheckServerErrors", "CheckLatency"
    }  # fmt: skip
    client = slo.client_sli("hello/prod", ["us-east-1"])
    assert {m.metric for m in client.metrics} == {"CheckRequests", "CheckFailures"}
    server = slo.server_sli({"ApiName": "a", "Stage": "api"}, "hello/prod", ["us-east-1"])
    assert {m.metric for m in server.metrics} == {
        "Count", "5XXError", "CheckApiRequests", "CheckServerErrors"
    }  # fmt: skip
