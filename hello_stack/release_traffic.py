"""What a release sends through CloudFront, per source IP, held under the WAF's per-IP rate rule.

AWS WAF's rate-based rule counts each IP's requests over a sliding evaluation window and blocks
the IP while the count is over the limit; it checks about every 10 s
(https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html).
A release has two sources, each counted on its own:
- the GitHub runner: the live probe for the whole shift (deploy/probe.py), then the smoke test
  (synthetics/smoke.py), inside one window at the end;
- Lambda's addresses: the after-traffic hook's round trip (hooks/release_hook.py).
Every figure below is a budget (an upper bound the tests hold each sender to); every request
is counted twice, for a client that retries, and only HEADROOM of the limit is planned for,
since WAF's counts are estimates. The probe's rate is derived from the stack's limit
(`probe_rate`), and a limit too low for a release to be observed at `MIN_PROBE_RATE` is refused
by the settings (`minimum_rate_limit`).
"""

from __future__ import annotations

import math

from hooks.release_hook import CHECKS

# The rule's evaluation window (EdgeFirewall sets it explicitly; it is also WAF's default).
WAF_WINDOW_S = 300
# Each request may be sent twice: by the sender again, or by a proxy in between.
RETRY_FACTOR = 2
# The share of the limit a release plans to use: the rest is slack for WAF's estimate.
HEADROOM = 0.9
# synthetics/smoke.py: its whole run, sent from the runner's address.
SMOKE_REQUESTS = 10
# deploy/probe.py besides its steady stream: the seed PUT and the two clean-up DELETEs.
PROBE_EXTRA_REQUESTS = 3
# hooks/release_hook.py's after-traffic round trip, sent from Lambda's addresses.
HOOK_REQUESTS = CHECKS
# The probe's rate when nothing limits it: enough for a 10 % canary to answer ~150 requests in
# the shortest canary (5 minutes).
MAX_PROBE_RATE = 5.0
# Below this a canary is not observed: at 1 request/s a 10 % canary of 5 minutes still answers
# about 30 probe requests, so a version failing even one request in ten is seen.
MIN_PROBE_RATE = 1.0


def steady_requests(rate: float, window_s: float = WAF_WINDOW_S) -> int:
    """The most requests a stream of one request per 1/rate seconds puts in any window."""
    return math.floor(rate * window_s) + 1


def runner_requests(rate: float) -> int:
    """The runner's worst window: the probe's stream, its extras and the whole smoke test,
    every request counted RETRY_FACTOR times."""
    return RETRY_FACTOR * (steady_requests(rate) + PROBE_EXTRA_REQUESTS + SMOKE_REQUESTS)


def planned(rate_limit_per_ip: int) -> int:
    """The part of a limit a release plans to use."""
    return math.floor(rate_limit_per_ip * HEADROOM)


def minimum_rate_limit() -> int:
    """The lowest per-IP limit under which a release can still be observed (the runner's
    traffic at MIN_PROBE_RATE; the hook's, from another address, is far less)."""
    return math.ceil(max(runner_requests(MIN_PROBE_RATE), RETRY_FACTOR * HOOK_REQUESTS) / HEADROOM)


def probe_rate(rate_limit_per_ip: int | None) -> float:
    """Requests per second for the live probe: the most the runner's share of the planned limit
    allows (in hundredths, rounded down), at most MAX_PROBE_RATE. None: no WAF to stay under."""
    if rate_limit_per_ip is None:
        return MAX_PROBE_RATE
    per_window = (
        planned(rate_limit_per_ip) // RETRY_FACTOR - PROBE_EXTRA_REQUESTS - SMOKE_REQUESTS - 1
    )
    return min(MAX_PROBE_RATE, math.floor(100 * per_window / WAF_WINDOW_S) / 100)
