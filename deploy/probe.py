"""A steady stream of real requests through the public URL while a release shifts traffic.

Usage: python -m deploy.probe --outputs stack-outputs.json [--region R] [--duration 1800]
       [--ready-file F]
       python -m deploy.probe BASE_URL --rate R [--duration 1800]
With --region (a multi-region stack) it calls that region's own API URL (the outputs' `regions`)
instead of the public URL, sending the origin secret all regions share, read from the
environment variable PROBE_ORIGIN_SECRET (the deploy job reads it from the stack, masked), so
that the probe watches the region being released whichever region the public name serves.
With --outputs it reads the stack's `url` and `release_probe_rate_per_s`: the rate the stack
derived from its WAF per-IP limit (hello_stack/release_traffic.py), so the probe and the smoke
test after it stay under that limit. Runs until --duration ends or it is interrupted
(SIGINT/SIGTERM: the deploy job starts it before the shift and stops it after). Each cycle GETs
a known user and makes a PUT, GET, DELETE round trip on the probe's own user (both random
letter-only names, removed at the end). A failure is any 5xx, timeout, refused connection or
wrong answer. Prints requests, failures, p50/p99 latency and which function versions answered
(the X-Function-Version header), also to $GITHUB_STEP_SUMMARY when set; exits 1 when anything
failed.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chalicelib.contract import ORIGIN_HEADER, VERSION_HEADER
from synthetics import checks
from synthetics.checks import TIMEOUT_S, Check
from synthetics.smoke import Send, call, synthetic_username


@dataclass
class Report:
    requests: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    versions: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def percentile(self, share: float) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else 0.0
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[
            round(share * 100) - 1
        ]

    def lines(self) -> list[str]:
        rate = self.requests / self.seconds if self.seconds else 0.0
        versions = ", ".join(f"{v} ({n})" for v, n in sorted(self.versions.items())) or "none"
        lines = [
            f"probe: {self.requests} requests in {self.seconds:.1f} s ({rate:.1f} req/s), "
            f"{len(self.failures)} failures; p50 {self.percentile(0.5):.1f} ms, "
            f"p99 {self.percentile(0.99):.1f} ms; versions: {versions}"
        ]
        lines += [f"  failure: {failure}" for failure in self.failures[:20]]
        return lines


class Probe:
    def __init__(
        self,
        base_url: str,
        rate: float,
        send: Send = call,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url
        self.interval_s = 1 / rate
        self.send = send
        self.clock = clock
        self.known = synthetic_username("Probeknown", 14)
        self.own = synthetic_username("Probeown", 16)
        self.report = Report()

    def request(
        self, label: str, method: str, user: str, check: Check, body: dict | None = None
    ) -> None:
        headers: dict[str, str] = {}
        started = time.perf_counter()
        try:
            status, answer = self.send(
                self.base_url, method, f"/hello/{user}", body, TIMEOUT_S, headers
            )
            problem = check(status, answer)
        except OSError as error:  # timeouts and refused connections
            problem = f"{type(error).__name__}: {error}"
        self.report.requests += 1
        self.report.latencies_ms.append((time.perf_counter() - started) * 1000)
        if version := headers.get(VERSION_HEADER):
            self.report.versions[version] += 1
        if problem:
            self.report.failures.append(f"{label}: {problem}")

    def cycle(self) -> list[Callable[[], None]]:
        return [
            functools.partial(self.request, *step) for step in checks.cycle(self.known, self.own)
        ]

    def run(
        self,
        duration_s: float,
        stop: threading.Event,
        wait: Callable[[float], object] | None = None,
    ) -> Report:
        """`wait(seconds)` pauses until the next slot or a stop (default: `stop.wait`)."""
        wait = wait or stop.wait
        started = self.clock()
        self.request(*checks.seed(self.known))
        steps = self.cycle()
        sent = 0
        last_start = started
        while not stop.is_set() and self.clock() - started < duration_s:
            # Never sooner than one interval after the last request started, and never catching
            # up after slow answers: two starts are always an interval apart, so any window
            # holds at most rate x window + 1 of them (the WAF's per-IP limit counts them).
            wait(max(0.0, last_start + self.interval_s - self.clock()))
            if stop.is_set():
                break
            last_start = self.clock()
            steps[sent % len(steps)]()
            sent += 1
        self.report.seconds = self.clock() - started
        for user in (self.known, self.own):  # never leave the probe's users behind
            with contextlib.suppress(OSError):
                self.send(self.base_url, "DELETE", f"/hello/{user}", None, TIMEOUT_S, None)
        return self.report


def write_summary(report: Report) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    with open(path, "a") as summary:
        summary.write("### Live probe during the release\n\n```\n")
        summary.write("\n".join(report.lines()) + "\n```\n")


# Where a region's probe finds the shared origin secret (never on the command line).
ORIGIN_SECRET_ENV = "PROBE_ORIGIN_SECRET"  # noqa: S105 - a variable's name, not a secret


def region_target(outputs: dict, region: str) -> tuple[str, Send]:
    """A region's own API URL, and a sender adding the origin secret the app checks."""
    (entry,) = [e for e in outputs["regions"] if e["region"] == region]
    secret = os.environ.get(ORIGIN_SECRET_ENV)
    if not secret:
        raise SystemExit(
            f"{ORIGIN_SECRET_ENV} is unset: a region's API refuses requests without it"
        )
    return entry["api_url"], functools.partial(call, sent_headers={ORIGIN_HEADER: secret})


def main(argv: list[str] | None = None, stop: threading.Event | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("base_url", nargs="?", help="the API's URL (with --rate)")
    target.add_argument("--outputs", help="stack outputs as JSON: the URL and the stack's rate")
    parser.add_argument("--rate", type=float, help="requests per second, with a URL")
    parser.add_argument(
        "--ready-file", help="created once the probe stops cleanly on SIGINT/SIGTERM"
    )
    parser.add_argument("--duration", type=float, default=1800.0, help="seconds at most")
    parser.add_argument("--region", help="with --outputs: probe this region's own API")
    args = parser.parse_args(argv)
    send: Send = call
    if args.outputs:
        if args.rate is not None:
            parser.error("--rate comes from the stack's outputs with --outputs")
        with open(args.outputs) as file:
            outputs = json.load(file)
        base_url, rate = outputs["url"], float(outputs["release_probe_rate_per_s"])
        if args.region:
            base_url, send = region_target(outputs, args.region)
    elif args.region:
        parser.error("--region needs --outputs")
    elif args.rate is None:
        parser.error("a URL needs --rate: the WAF's per-IP limit decides it (use --outputs)")
    else:
        base_url, rate = args.base_url, args.rate
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
    if args.ready_file:  # the deploy job waits for it before it starts the shift
        Path(args.ready_file).touch()
    report = Probe(base_url, rate, send).run(args.duration, stop)
    print("\n".join(report.lines()), flush=True)
    write_summary(report)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
