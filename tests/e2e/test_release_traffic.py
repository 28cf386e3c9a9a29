"""Release traffic stays under the WAF's per-IP rate rule, for every stack file.

AWS WAF's rate-based rule blocks an IP whose requests over the evaluation window exceed the
limit (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html).
A release sends from two places: the runner (probe during the shift, then the smoke test) and
Lambda (the after-traffic hook). Each sender is run here and its requests counted, and each
stack's limit and window are read from the WebAcl the program builds, so neither side of the
comparison comes from hello_stack/release_traffic.py's arithmetic alone.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from deploy import smoke
from deploy.probe import Probe
from hello_stack import release_traffic
from hello_stack.config import StackConfig
from hooks import release_hook
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
    """Answers as the API does (PUT 204, GET 200 greeting or 404, DELETE 204) and notes when
    each request was sent."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sent: list[float] = []
        self.users: set[str] = set()

    def send(
        self, base_url: str, method: str, path: str, body: Any, timeout: float, headers: Any
    ) -> tuple[int, bytes]:
        self.sent.append(self.clock())
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
    return max(
        sum(1 for later in ordered[index:] if later < start + window_s)
        for index, start in enumerate(ordered)
    )


def rate_rule(stack: Stack) -> dict[str, Any] | None:
    if not stack.settings["waf_enabled"]:
        assert stack.all(WEB_ACL) == []
        return None
    (rule,) = [r for r in stack.state(WEB_ACL)["rules"] if "rateBasedStatement" in r["statement"]]
    return rule["statement"]["rateBasedStatement"]


def probe_requests_in_worst_window(rate: float, window_s: float, duration_s: float) -> int:
    clock = FakeClock()
    api = FakeApi(clock)
    report = Probe("https://cdn.example", rate, send=api.send, clock=clock).run(
        duration_s, threading.Event(), wait=clock.wait
    )
    assert report.failures == []
    return most_in_any_window(api.sent, window_s)


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
    answers = {"PUT": (204, None), "DELETE": (204, None)}
    sent: list[tuple[str, str]] = []

    def send(method: str, user: str, body: str | None) -> tuple[int, dict[str, Any] | None]:
        sent.append((method, user))
        if method == "GET":
            known = not user.endswith("x")
            return (200, {"message": f"Hello, {user}! Happy birthday!"}) if known else (404, None)
        if method == "PUT" and body and "02-30" in body:
            return 400, None
        return answers[method]

    release_hook.round_trip(send)
    return len(sent)


def stacks() -> Iterator[Stack]:
    for name in STACKS:
        yield cached(name)


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
    # follows inside one window, each request possibly sent twice.
    probe = probe_requests_in_worst_window(rate, window, duration_s=4 * window)
    worst = 2 * (probe + smoke_requests)
    assert worst <= limit, f"{stack_name}: {worst} requests per {window} s over a limit of {limit}"
    assert rate >= release_traffic.MIN_PROBE_RATE  # still observes a canary


@pytest.mark.parametrize("stack_name", STACKS)
def test_the_hooks_release_traffic_fits_the_stacks_rate_rule(stack_name: str) -> None:
    rule = rate_rule(cached(stack_name))
    if rule is not None:
        assert 2 * hook_requests() <= rule["limit"]


def test_each_sender_keeps_within_its_budget(smoke_requests: int) -> None:
    """The budgets the probe's rate is derived from hold for what each sender really sends."""
    assert smoke_requests <= release_traffic.SMOKE_REQUESTS
    assert hook_requests() <= release_traffic.HOOK_REQUESTS
    clock = FakeClock()
    api = FakeApi(clock)
    Probe("https://cdn.example", 2.0, send=api.send, clock=clock).run(
        60, threading.Event(), wait=clock.wait
    )
    steady = release_traffic.steady_requests(2.0, 60)
    assert len(api.sent) <= steady + release_traffic.PROBE_EXTRA_REQUESTS


@pytest.mark.parametrize("limit", [628, 1000, 2000, 10_000, 2_000_000])
def test_any_accepted_limit_gives_a_probe_that_fits_it(limit: int, smoke_requests: int) -> None:
    """Not only the committed stack files: every limit the settings accept."""
    rate = release_traffic.probe_rate(limit)
    assert release_traffic.MIN_PROBE_RATE <= rate <= release_traffic.MAX_PROBE_RATE
    window = release_traffic.WAF_WINDOW_S
    probe = probe_requests_in_worst_window(rate, window, duration_s=2 * window)
    assert 2 * (probe + smoke_requests) <= limit


def test_a_limit_too_low_to_observe_a_release_is_refused() -> None:
    lowest = release_traffic.minimum_rate_limit()
    StackConfig(region="eu-west-1", waf_rate_limit_per_ip=lowest, require_alarm_subscriber=False)
    with pytest.raises(Exception, match=r"hello:wafRateLimitPerIp must be 628 to 2000000000"):
        StackConfig(
            region="eu-west-1", waf_rate_limit_per_ip=lowest - 1, require_alarm_subscriber=False
        )
    # At the lowest accepted limit the probe still sends MIN_PROBE_RATE; one below, it would not.
    assert release_traffic.probe_rate(lowest) == release_traffic.MIN_PROBE_RATE
    assert release_traffic.probe_rate(lowest - 2) < release_traffic.MIN_PROBE_RATE
