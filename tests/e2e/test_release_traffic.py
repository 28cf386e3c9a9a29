"""Release traffic stays under the WAF's per-IP rate rule, for every stack file.

AWS WAF's rate-based rule blocks an IP whose requests over the evaluation window exceed the
limit (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html).
A release sends from two places: the runner (probe during the shift, then the smoke test) and
Lambda (the after-traffic hook). Each sender is run here and its requests counted, and each
stack's limit and window are read from the WebAcl the program builds, so neither side of the
comparison comes from hello_stack/release_traffic.py's arithmetic alone.
"""

from __future__ import annotations

import bisect
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest

from deploy.probe import Probe
from hello_stack import release_traffic
from hello_stack.config import ConfigError, StackConfig
from hooks import release_hook
from synthetics import smoke
from tests.e2e.conftest import LocalServer
from tests.infra.conftest import STACKS, Stack, cached

WEB_ACL = "aws:wafv2/webAcl:WebAcl"


class FakeClock:
    """Virtual time: a wait moves it forward, so a 20-minute probe runs in milliseconds."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> bool:
        self.now += seconds
        return False


class FakeApi:
    """Answers as the API does (PUT 204, GET 200 greeting or 404, DELETE 204), taking
    `latency(n)` seconds of virtual time for the n-th request, and notes when each was sent."""

    def __init__(self, clock: FakeClock, latency: Callable[[int], float] = lambda _: 0.05) -> None:
        self.clock = clock
        self.latency = latency
        self.sent: list[float] = []
        self.users: set[str] = set()

    def send(
        self, base_url: str, method: str, path: str, body: Any, timeout: float, headers: Any
    ) -> tuple[int, bytes]:
        self.sent.append(self.clock())
        self.clock.now += self.latency(len(self.sent))
        user = path.rsplit("/", 1)[-1]
        if method == "PUT":
            self.users.add(user)
            return 204, b""
        if method == "DELETE":
            self.users.discard(user)
            return 204, b""
        if user not in self.users:
            return 404, b'{"message": "not found"}'
        return 200, json.dumps({"message": f"Hello, {user}! Your birthday is in 3 day(s)"}).encode()


def most_in_any_window(times: list[float], window_s: float) -> int:
    """The largest number of requests inside any window [t, t + window_s) that starts at one."""
    ordered = sorted(times)
    # From each request on, those before its window's end (found by bisection: a release's
    # thousands of requests, counted pairwise, took seconds).
    return max(
        bisect.bisect_left(ordered, start + window_s, lo=index) - index
        for index, start in enumerate(ordered)
    )


@pytest.mark.parametrize(
    ("times", "window_s", "most"),
    [
        ([0.0], 1.0, 1),
        ([0.0, 0.5, 0.99, 1.0], 1.0, 3),  # [0, 1) leaves 1.0 out
        ([3.0, 0.0, 1.0, 1.5, 2.0, 2.5], 1.0, 2),  # unordered
        ([0.0, 0.0, 0.0, 5.0], 1.0, 3),  # the same instant counts each time
        ([0.0, 10.0, 10.1, 10.2, 20.0], 0.5, 3),
    ],
)
def test_the_busiest_window_is_counted_from_each_request(
    times: list[float], window_s: float, most: int
) -> None:
    assert most_in_any_window(times, window_s) == most


def rate_rule(stack: Stack) -> dict[str, Any] | None:
    if not stack.settings["waf_enabled"]:
        assert stack.all(WEB_ACL) == []
        return None
    (rule,) = [  # the blocking one (a count-mode twin only watches)
        r
        for r in stack.state(WEB_ACL)["rules"]
        if "rateBasedStatement" in r["statement"] and r.get("action") == {"block": {}}
    ]
    return rule["statement"]["rateBasedStatement"]


def probe_requests_in_worst_window(
    rate: float, window_s: float, duration_s: float, latency: Callable[[int], float] | None = None
) -> int:
    """The probe's busiest window; by default its answers are quick, and with `latency` the
    first ones are slow (timeouts), after which a probe that caught up would burst."""
    clock = FakeClock()
    api = FakeApi(clock, latency) if latency else FakeApi(clock)
    Probe("https://cdn.example", rate, send=api.send, clock=clock).run(
        duration_s, threading.Event(), wait=clock.wait
    )
    return most_in_any_window(api.sent, window_s)


def timeouts_then_quick(slow_requests: int) -> Callable[[int], float]:
    return lambda n: 5.0 if n <= slow_requests else 0.05


@pytest.fixture(scope="module")
def smoke_requests(local_server: LocalServer) -> int:
    """What one smoke test sends, counted against the real local API."""
    count = 0

    def counting(*args: Any) -> tuple[int, bytes]:
        nonlocal count
        count += 1
        return smoke.call(*args)

    smoke.run(local_server.url, send=counting)
    return count


def hook_requests() -> int:
    """What the after-traffic hook's round trip sends, answered as the API would."""
    users: set[str] = set()
    sent: list[str] = []

    def send(method: str, user: str, body: str | None) -> tuple[int, dict[str, Any] | None]:
        sent.append(method)
        if method == "PUT":
            if body and "02-30" in body:
                return 400, None
            users.add(user)
            return 204, None
        if method == "DELETE":
            users.discard(user)
            return 204, None
        return (
            (200, {"message": f"Hello, {user}! Happy birthday!"}) if user in users else (404, None)
        )

    release_hook.round_trip(send)
    return len(sent)


@pytest.mark.parametrize("stack_name", STACKS)
def test_the_runners_release_traffic_fits_the_stacks_rate_rule(
    stack_name: str, smoke_requests: int
) -> None:
    stack = cached(stack_name)
    rule = rate_rule(stack)
    rate = stack.outputs["release_probe_rate_per_s"]
    if rule is None:  # no WAF: the probe runs at its ceiling
        assert rate == release_traffic.MAX_PROBE_RATE
        return
    limit, window = rule["limit"], rule["evaluationWindowSec"]
    assert window == release_traffic.WAF_WINDOW_S
    # A shift longer than any window: the probe's busiest window, plus the smoke test that
    # follows inside one window, each request possibly sent twice, within 90 % of the limit
    # (WAF's counts are estimates).
    for latency in (None, timeouts_then_quick(40), timeouts_then_quick(80)):
        probe = probe_requests_in_worst_window(rate, window, 4 * window, latency)
        worst = 2 * (probe + smoke_requests)
        assert worst <= 0.9 * limit, f"{stack_name}: {worst} requests per {window} s, limit {limit}"
    assert rate >= release_traffic.MIN_PROBE_RATE  # still observes a canary


def test_each_sender_keeps_within_its_budget(smoke_requests: int) -> None:
    """The budgets the probe's rate is derived from hold for what each sender really sends."""
    assert smoke_requests <= release_traffic.SMOKE_REQUESTS
    assert hook_requests() <= release_traffic.HOOK_REQUESTS
    # At 2 requests a second for 60 s: one every 0.5 s is 121 starts, the seed PUT and the
    # two clean-up DELETEs besides, however slow the first answers were.
    for latency in (None, timeouts_then_quick(5)):
        clock = FakeClock()
        api = FakeApi(clock, latency) if latency else FakeApi(clock)
        Probe("https://cdn.example", 2.0, send=api.send, clock=clock).run(
            60, threading.Event(), wait=clock.wait
        )
        assert len(api.sent) <= 121 + 3
        assert most_in_any_window(api.sent[1:-2], 0.5) == 1  # never two starts in one interval


@pytest.mark.parametrize("limit", [698, 1000, 2000, 10_000, 2_000_000])
def test_any_accepted_limit_gives_a_release_that_fits_it(limit: int, smoke_requests: int) -> None:
    """Not only the committed stack files: every limit the settings accept, for both senders."""
    rate = release_traffic.probe_rate(limit)
    assert release_traffic.MIN_PROBE_RATE <= rate <= release_traffic.MAX_PROBE_RATE
    window = release_traffic.WAF_WINDOW_S
    for latency in (None, timeouts_then_quick(60)):
        probe = probe_requests_in_worst_window(rate, window, 2 * window, latency)
        assert 2 * (probe + smoke_requests) <= 0.9 * limit
    assert 2 * hook_requests() <= 0.9 * limit


def test_a_limit_too_low_to_observe_a_release_is_refused() -> None:
    lowest = release_traffic.minimum_rate_limit()
    StackConfig(region="eu-west-1", waf_rate_limit_per_ip=lowest, require_alarm_subscriber=False)
    with pytest.raises(ConfigError, match=r"hello:wafRateLimitPerIp must be 698 to 2000000000"):
        StackConfig(
            region="eu-west-1", waf_rate_limit_per_ip=lowest - 1, require_alarm_subscriber=False
        )
    # At the lowest accepted limit the probe still sends MIN_PROBE_RATE; one below, it would not.
    assert release_traffic.probe_rate(lowest) == release_traffic.MIN_PROBE_RATE
    assert release_traffic.probe_rate(lowest - 2) < release_traffic.MIN_PROBE_RATE
