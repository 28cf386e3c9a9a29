"""One synthetic check cycle through hello's public URL, run every minute from a check location
(a region other than the serving one), its outcome published as metrics in the serving region.

The cycle is the release probe's (synthetics/checks.py): GET the location's known user, then a PUT,
GET, DELETE round trip on the location's own user. Both users are named after the location
(`usernames`), so two locations never write the same item; the own user is deleted after every
cycle, even a failed one. Metrics, per location (dimension `Location`), in the stack's
namespace: CheckRequests and CheckFailures (the cycle's requests, and those answered wrong, 5xx,
timed out or refused: the client-side SLI), CheckApiRequests and CheckServerErrors (every
request API Gateway answered, the seed and a second DELETE included, and those it answered 5xx:
what the server-side SLI leaves out) and CheckLatency (ms, the cycle's). Standard library and
boto3 only (the Lambda runtime provides boto3).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from synthetics.checks import TIMEOUT_S, Step, cycle, seed
from synthetics.metrics import (
    CHECK_API_REQUESTS,
    CHECK_FAILURES,
    CHECK_LATENCY,
    CHECK_REQUESTS,
    CHECK_SERVER_ERRORS,
    LOCATION,
)
from synthetics.smoke import call

PUBLIC_URL_ENV = "CHECK_PUBLIC_URL"
LOCATION_ENV = "CHECK_LOCATION"
NAMESPACE_ENV = "CHECK_METRIC_NAMESPACE"
METRIC_REGION_ENV = "CHECK_METRIC_REGION"
# API Gateway's REST APIs answer with their request id ($context.requestId) in the
# `x-amzn-RequestId` header, 5xx included (https://docs.aws.amazon.com/apigateway/latest/
# developerguide/api-gateway-mapping-template-reference.html, $context.requestId); CloudFront
# passes origin headers through. CloudFront's own errors, WAF blocks and DNS or TLS failures do
# not carry it: those requests never reached API Gateway's Count (docs/slo.md, "What only AWS
# can show": the header on every API Gateway answer is confirmed by a real run only).
API_GATEWAY_HEADER = "x-amzn-requestid"
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

Send = Callable[..., tuple[int, bytes]]  # synthetics.smoke.call's signature


@dataclass(frozen=True)
class Outcome:
    label: str
    latency_ms: float
    problem: str | None = None
    server_error: bool = False
    answered_by_api: bool = False
    counted: bool = True  # a step of the cycle (the client-side SLI); else a seed or a retry


def usernames(location: str) -> tuple[str, str]:
    """(known, own) for a location, letters only as usernames must be: us-east-1 gives
    Syntheticknownuseastone and Syntheticownuseastone."""
    letters = "".join(DIGITS[int(c)] if c.isdigit() else c for c in location.lower() if c.isalnum())
    return f"Syntheticknown{letters}", f"Syntheticown{letters}"


def request(
    base_url: str, step: Step, send: Send, clock: Callable[[], float], counted: bool = True
) -> Outcome:
    label, method, user, check, body = step
    headers: dict[str, str] = {}
    started = clock()
    server_error = answered_by_api = False
    try:
        status, answer = send(base_url, method, f"/hello/{user}", body, TIMEOUT_S, headers)
        problem = check(status, answer)
        answered_by_api = API_GATEWAY_HEADER in {key.lower() for key in headers}
        server_error = status >= 500 and answered_by_api
    except OSError as error:  # timeouts, refused connections, DNS and TLS failures
        problem = f"{type(error).__name__}: {error}"
    latency_ms = (clock() - started) * 1000
    return Outcome(label, latency_ms, problem, server_error, answered_by_api, counted)


def run_checks(
    base_url: str,
    location: str,
    send: Send = call,
    clock: Callable[[], float] = time.perf_counter,
    seeded: set[str] | None = None,
) -> list[Outcome]:
    """One cycle; every step runs even after a failure; the own user is deleted every cycle
    (once more, outside the cycle, when that DELETE failed). The seed and that second DELETE
    are returned with `counted` false: not the client-side SLI's (a failed seed shows as a
    failed GET known, and is tried again next minute), but API Gateway counts them."""
    known, own = usernames(location)
    seeding: list[Outcome] = []
    if seeded is not None and base_url not in seeded:
        seeding.append(request(base_url, seed(known), send, clock, counted=False))
        seeded.update([base_url] if seeding[0].problem is None else [])
    steps = cycle(known, own)
    outcomes = [request(base_url, step, send, clock) for step in steps]
    if outcomes[-1].problem:  # the DELETE failed: try once more
        outcomes.append(request(base_url, steps[-1], send, clock, counted=False))
    return [*seeding, *outcomes]


def metric_data(location: str, outcomes: list[Outcome]) -> list[dict[str, Any]]:
    where = [{"Name": LOCATION, "Value": location}]
    cycle_outcomes = [o for o in outcomes if o.counted]
    counts = {
        CHECK_REQUESTS: len(cycle_outcomes),
        CHECK_FAILURES: sum(1 for o in cycle_outcomes if o.problem),
        CHECK_API_REQUESTS: sum(1 for o in outcomes if o.answered_by_api),
        CHECK_SERVER_ERRORS: sum(1 for o in outcomes if o.server_error),
    }
    data: list[dict[str, Any]] = [
        {"MetricName": name, "Dimensions": where, "Value": value, "Unit": "Count"}
        for name, value in counts.items()
    ]
    data.append(
        {
            "MetricName": CHECK_LATENCY,
            "Dimensions": where,
            "Values": [round(o.latency_ms, 1) for o in cycle_outcomes],
            "Counts": [1.0] * len(cycle_outcomes),
            "Unit": "Milliseconds",
        }
    )
    return data


_seeded: set[str] = set()  # per execution environment: the known user is stored once


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    import boto3

    location = os.environ[LOCATION_ENV]
    outcomes = run_checks(os.environ[PUBLIC_URL_ENV], location, send=call, seeded=_seeded)
    cycle_outcomes = [o for o in outcomes if o.counted]
    summary: dict[str, Any] = {
        "event": "synthetic_check",
        "location": location,
        "requests": len(cycle_outcomes),
        "failures": [f"{o.label}: {o.problem}" for o in cycle_outcomes if o.problem],
        "latencyMs": [round(o.latency_ms, 1) for o in cycle_outcomes],
        "published": True,
    }
    # A publish that fails is logged, not raised: the run is over either way (no retries, see
    # components/synthetic_checks.py), and the missing datapoints page through the silence
    # alarm in the serving region (hello_stack/slo.py).
    try:
        cloudwatch = boto3.client("cloudwatch", region_name=os.environ[METRIC_REGION_ENV])
        cloudwatch.put_metric_data(
            Namespace=os.environ[NAMESPACE_ENV], MetricData=metric_data(location, outcomes)
        )
    except Exception as error:  # botocore's ClientError, BotoCoreError, anything else
        summary["published"] = False
        summary["publishError"] = f"{type(error).__name__}: {error}"
    print(json.dumps(summary))
    return summary
