"""A steady stream of real requests through the public URL while a release shifts traffic.

Usage: python deploy/probe.py BASE_URL [--rate 5] [--duration 1800]
Runs until --duration ends or it is interrupted (SIGINT/SIGTERM: the deploy job starts it before
the shift and stops it after). Each cycle GETs a known user and makes a PUT, GET, DELETE round
trip on the probe's own user (both random 24-letter names, removed at the end). A failure is any
5xx, timeout, refused connection or wrong answer. Prints requests, failures, p50/p99 latency and
which function versions answered (the X-Function-Version header), also to $GITHUB_STEP_SUMMARY
when set; exits 1 when anything failed.
"""

from __future__ import annotations

import argparse
import contextlib
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

from chalicelib.contract import VERSION_HEADER
from deploy.smoke import call, synthetic_username

TIMEOUT_S = 5
BIRTHDAY = {"dateOfBirth": "1990-05-17"}


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


Check = Callable[[int, bytes], str | None]  # None when the answer is right, else what is wrong


def status_is(expected: int) -> Check:
    return lambda status, _: None if status == expected else f"status {status}"


def greets(user: str) -> Check:
    def check(status: int, body: bytes) -> str | None:
        if status != 200:
            return f"status {status}"
        try:
            message = json.loads(body)["message"]
        except (ValueError, KeyError, TypeError):
            return f"not a greeting: {body[:80]!r}"
        return None if message.startswith(f"Hello, {user}! ") else f"message {message!r}"

    return check


class Probe:
    def __init__(self, base_url: str, rate: float) -> None:
        self.base_url = base_url
        self.interval_s = 1 / rate
        self.known = synthetic_username("Probeknown", 14)
        self.own = synthetic_username("Probeown", 16)
        self.report = Report()

    def request(
        self, label: str, method: str, user: str, check: Check, body: dict | None = None
    ) -> None:
        headers: dict[str, str] = {}
        started = time.perf_counter()
        try:
            status, answer = call(self.base_url, method, f"/hello/{user}", body, TIMEOUT_S, headers)
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
            lambda: self.request("GET known", "GET", self.known, greets(self.known)),
            lambda: self.request("PUT own", "PUT", self.own, status_is(204), BIRTHDAY),
            lambda: self.request("GET own", "GET", self.own, greets(self.own)),
            lambda: self.request("DELETE own", "DELETE", self.own, status_is(204)),
        ]

    def run(self, duration_s: float, stop: threading.Event) -> Report:
        started = time.monotonic()
        self.request("PUT known", "PUT", self.known, status_is(204), BIRTHDAY)
        steps = self.cycle()
        sent = 1
        while not stop.is_set() and time.monotonic() - started < duration_s:
            steps[(sent - 1) % len(steps)]()
            sent += 1
            # A steady rate: the next request starts at its slot, not after a fixed pause.
            stop.wait(max(0.0, started + sent * self.interval_s - time.monotonic()))
        self.report.seconds = time.monotonic() - started
        for user in (self.known, self.own):  # never leave the probe's users behind
            with contextlib.suppress(OSError):
                call(self.base_url, "DELETE", f"/hello/{user}", timeout=TIMEOUT_S)
        return self.report


def write_summary(report: Report) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    with open(path, "a") as summary:
        summary.write("### Live probe during the release\n\n```\n")
        summary.write("\n".join(report.lines()) + "\n```\n")


def main(argv: list[str] | None = None, stop: threading.Event | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--rate", type=float, default=5.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=1800.0, help="seconds at most")
    args = parser.parse_args(argv)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
    report = Probe(args.base_url, args.rate).run(args.duration, stop)
    print("\n".join(report.lines()), flush=True)
    write_summary(report)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
