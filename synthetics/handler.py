"""One synthetic check cycle through hello's public URL, run every minute from a check location
(a region other than the serving one), its outcome published as metrics in the serving region.

The cycle is the release probe's (deploy/checks.py): GET the location's known user, then a PUT,
GET, DELETE round trip on the location's own user. Both users are named after the location
(`usernames`), so two locations never write the same item; the own user is deleted after every
cycle, even a failed one. Metrics, per location (dimension `Location`), in the stack's
namespace: CheckRequests, CheckFailures (wrong answer, 5xx, timeout, refused), CheckServerErrors
(5xx that API Gateway answered: the server-side SLI leaves them out) and CheckLatency (ms).
Standard library and boto3 only (the Lambda runtime provides boto3).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deploy.checks import TIMEOUT_S, Step, cycle, seed
from deploy.smoke import call
from synthetics.metrics import (
    CHECK_FAILURES,
    CHECK_LATENCY,
    CHECK_REQUESTS,
    CHECK_SERVER_ERRORS,
    LOCATION,
)

PUBLIC_URL_ENV = "CHECK_PUBLIC_URL"
LOCATION_ENV = "CHECK_LOCATION"
NAMESPACE_ENV = "CHECK_METRIC_NAMESPACE"
METRIC_REGION_ENV = "CHECK_METRIC_REGION"
# API Gateway puts its request id on every answer it gives, 5xx included; CloudFront's own
# errors (origin unreachable) do not carry it.
API_GATEWAY_HEADER = "x-amzn-requestid"
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

Send = Callable[..., tuple[int, bytes]]  # deploy.smoke.call's signature


@dataclass(frozen=True)
class Outcome:
    label: str
    latency_ms: float
    problem: str | None = None
    server_error: bool = False


def usernames(location: str) -> tuple[str, str]:
    """(known, own) for a location, letters only as usernames must be: us-east-1 gives
    Syntheticknownuseastone and Syntheticownuseastone."""
    letters = "".join(DIGITS[int(c)] if c.isdigit() else c for c in location.lower() if c.isalnum())
    return f"Syntheticknown{letters}", f"Syntheticown{letters}"


def request(base_url: str, step: Step, send: Send, clock: Callable[[], float]) -> Outcome:
    label, method, user, check, body = step
    headers: dict[str, str] = {}
    started = clock()
    server_error = False
    try:
        status, answer = send(base_url, method, f"/hello/{user}", body, TIMEOUT_S, headers)
        problem = check(status, answer)
        answered_by_api = API_GATEWAY_HEADER in {key.lower() for key in headers}
        server_error = status >= 500 and answered_by_api
    except OSError as error:  # timeouts, refused connections, DNS and TLS failures
        problem = f"{type(error).__name__}: {error}"
    return Outcome(label, (clock() - started) * 1000, problem, server_error)


def run_checks(
    base_url: str,
    location: str,
    send: Send = call,
    clock: Callable[[], float] = time.perf_counter,
    seeded: set[str] | None = None,
) -> list[Outcome]:
    """One cycle; every step runs even after a failure; the own user is deleted every cycle
    (once more, uncounted, when that DELETE failed)."""
    known, own = usernames(location)
    # Uncounted: a failed seed shows as a failed GET known, and is tried again next minute.
    if seeded is not None and base_url not in seeded:
        stored = request(base_url, seed(known), send, clock).problem is None
        seeded.update([base_url] if stored else [])
    outcomes = [request(base_url, step, send, clock) for step in cycle(known, own)]
    if outcomes[-1].problem:  # the DELETE failed: try once more, uncounted
        with contextlib.suppress(OSError):
            send(base_url, "DELETE", f"/hello/{own}", None, TIMEOUT_S)
    return outcomes


def metric_data(location: str, outcomes: list[Outcome]) -> list[dict[str, Any]]:
    where = [{"Name": LOCATION, "Value": location}]
    counts = {
        CHECK_REQUESTS: len(outcomes),
        CHECK_FAILURES: sum(1 for o in outcomes if o.problem),
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
            "Values": [round(o.latency_ms, 1) for o in outcomes],
            "Counts": [1.0] * len(outcomes),
            "Unit": "Milliseconds",
        }
    )
    return data


_seeded: set[str] = set()  # per execution environment: the known user is stored once


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    import boto3

    location = os.environ[LOCATION_ENV]
    outcomes = run_checks(os.environ[PUBLIC_URL_ENV], location, send=call, seeded=_seeded)
    cloudwatch = boto3.client("cloudwatch", region_name=os.environ[METRIC_REGION_ENV])
    cloudwatch.put_metric_data(
        Namespace=os.environ[NAMESPACE_ENV], MetricData=metric_data(location, outcomes)
    )
    summary = {
        "event": "synthetic_check",
        "location": location,
        "requests": len(outcomes),
        "failures": [f"{o.label}: {o.problem}" for o in outcomes if o.problem],
        "latencyMs": [round(o.latency_ms, 1) for o in outcomes],
    }
    print(json.dumps(summary))
    return summary
