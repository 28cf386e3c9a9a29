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


def test_a_failed_seed_is_tried_again_and_not_counted() -> None:
    seeded: set[str] = set()
    fake = FakeUrl({("PUT", KNOWN): (503, b"", API_GATEWAY)})
    outcomes = run(fake, seeded)
    assert seeded == set() and len(outcomes) == 4
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
    ]
    assert [o.server_error for o in outcomes] == [False, False, True, False]
    # The DELETE failed: the own user is deleted once more, uncounted.
    assert fake.sent[-2:] == [("DELETE", OWN), ("DELETE", OWN)]


def test_a_greeting_for_someone_else_is_a_failure() -> None:
    fake = FakeUrl({("GET", OWN): (200, GREETING % b"Someoneelse", API_GATEWAY)})
    (problem,) = [o.problem for o in run(fake) if o.problem]
    assert problem.startswith("message 'Hello, Someoneelse!")


def test_metric_data_per_location() -> None:
    outcomes = [
        check.Outcome("GET known", 40.0),
        check.Outcome("PUT own", 61.26, "status 500", server_error=True),
        check.Outcome("GET own", 30.0, "status 404"),
        check.Outcome("DELETE own", 20.0),
    ]
    where = [{"Name": "Location", "Value": "us-west-2"}]
    assert check.metric_data("us-west-2", outcomes) == [
        {"MetricName": "CheckRequests", "Dimensions": where, "Value": 4, "Unit": "Count"},
        {"MetricName": "CheckFailures", "Dimensions": where, "Value": 2, "Unit": "Count"},
        {"MetricName": "CheckServerErrors", "Dimensions": where, "Value": 1, "Unit": "Count"},
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
    expected = check.metric_data(
        "us-east-1",
        [
            check.Outcome("GET known", 0.0),
            check.Outcome("PUT own", 0.0),
            check.Outcome("GET own", 0.0, "status 500", server_error=True),
            check.Outcome("DELETE own", 0.0),
        ],
    )
    expected[3]["Values"] = ANY  # real latencies
    with Stubber(client) as stub:
        stub.add_response(
            "put_metric_data", {}, {"Namespace": "hello/prod", "MetricData": expected}
        )
        summary = check.handler({}, None)
        stub.assert_no_pending_responses()
    assert regions == [("cloudwatch", "eu-west-1")]
    assert summary["failures"] == ["GET own: status 500"]
    assert json.loads(capsys.readouterr().out)["event"] == "synthetic_check"


def test_the_metric_names_are_the_slos() -> None:
    from hello_stack import slo

    sli = slo.client_sli("hello/prod", ["us-east-1"])
    assert {m.metric for m in sli.metrics} == {check.CHECK_REQUESTS, check.CHECK_FAILURES}
