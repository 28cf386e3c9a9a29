"""The local failover drill: two "regions" on loopback behind a health-checking router, one of them
failed while a probe writes and reads through the router.

Each region is the local server exactly as `make run` starts it (`python -m local.server`),
reaching the table through its own TCP relay (its network path to its replica). Both relays lead
to ONE DynamoDB emulator (moto), which stands in for the multi-Region strongly consistent table:
that acknowledged writes survive the loss of a region is MRSC's documented guarantee (a write
returns after it reached a second Region), NOT something this drill proves; the drill shows the
app's and the routing's part: how many requests fail, how fast traffic moves, that every answer
is right (a region that cannot read its table answers 503, never stale data) and that the other
region serves what the first acknowledged.

Scenarios: "api" kills the primary's server (SIGKILL: the region's compute is gone); "table" cuts
the primary's path to its table (the API runs on, its health route answers 503).

The router (bench/failover_router.py) stands in for Route 53 failover records with health checks
and has no resolver cache, so the bound is failover_bound_s(interval, threshold, ttl=0) plus one
health check's timeout (a check that hangs fails only when it times out; Route 53's checker waits
4 s to connect and 2 s for the answer, not in hello_stack/failover.py's formula).
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from moto.server import ThreadedMotoServer

from bench.failover_router import REGION_HEADER, HealthCheckingRouter
from bench.report import AtMost, figure
from bench.tcp_relay import TcpRelay
from chalicelib.contract import create_table_request
from hello_stack.failover import FAILURE_THRESHOLD, failover_bound_s

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
REGIONS = ("primary", "secondary")
SCENARIOS = ("api", "table")
# The drill's timings: Route 53's threshold, a 0.5 s interval instead of 10 s so that it runs in
# seconds. A probe request gives up after PROBE_TIMEOUT_S, as an impatient client would.
INTERVAL_S = 0.5
CHECK_TIMEOUT_S = 0.25
PROBE_PERIOD_S = 0.05
PROBE_TIMEOUT_S = 0.5
SERVER_START_TIMEOUT_S = 60
SERVING = re.compile(r"Serving the hello API on (\S+)")


@dataclass
class Region:
    name: str
    relay: TcpRelay
    process: subprocess.Popen[str]
    url: str = ""


@dataclass
class Outcome:
    """One probe request: when it started and ended (monotonic), whether it got the right answer."""

    started: float
    ended: float
    ok: bool
    wrong: bool = False  # an answer that was not what was written: never acceptable
    status: int = 0  # 0: no answer within the probe's timeout
    region: str = ""  # the region the router chose


@dataclass
class DrillResult:
    scenario: str
    bound_s: float
    requests: int
    failed: int
    wrong_answers: int
    recover_s: float  # failure -> start of the first request of the unbroken run of successes
    switch_s: float | None  # failure -> the router took the failed region out
    acknowledged_writes: int
    lost_writes: int  # acknowledged, then not readable through the surviving region
    outcomes: list[Outcome] = field(repr=False, default_factory=list)


def drill_bound_s(interval_s: float, threshold: int, check_timeout_s: float) -> float:
    return failover_bound_s(interval_s, threshold, 0) + check_timeout_s


def start_region(name: str, emulator_port: int, table: str) -> Region:
    """`python -m local.server` on a free port, its table behind its own relay."""
    relay = TcpRelay(emulator_port)
    env = {**os.environ, "PORT": "0"}
    env.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "local.server", "--emulator", relay.url, "--table", table],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return Region(name, relay, process)


def wait_until_serving(region: Region) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    output = region.process.stdout
    assert output is not None  # started with stdout=PIPE
    for line in output:
        if found := SERVING.search(line):
            region.url = found.group(1)
            # Drain the rest, so that the server never blocks on a full pipe.
            threading.Thread(target=output.read, daemon=True).start()
            return
        if time.monotonic() > deadline:
            break
    region.process.kill()
    raise RuntimeError(f"region {region.name} did not start (exit {region.process.poll()})")


def call(url: str, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, str]:
    """Status, body and the region the router chose (its X-Drill-Region header)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname or "", parts.port, timeout=PROBE_TIMEOUT_S
    )
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read(), answer.getheader(REGION_HEADER, "")
    finally:
        connection.close()


def username(index: int) -> str:
    """Usernames are letters only: the index in base 26."""
    letters = ""
    while True:
        index, digit = divmod(index, 26)
        letters = chr(ord("a") + digit) + letters
        if index == 0:
            return "Drill" + letters


def birthday(index: int) -> str:
    return f"19{50 + index % 50}-0{index % 9 + 1}-1{index % 9}"


class Probe:
    """PUTs a new user then GETs it, back to back through the router, until stopped."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.outcomes: list[Outcome] = []
        self.acknowledged: dict[str, str] = {}
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        index = 0
        while not self._stopped.is_set():
            name, born = username(index), birthday(index)
            if self._request("PUT", name, born):  # a GET only of what was acknowledged
                self._request("GET", name, born)
            index += 1
            self._stopped.wait(PROBE_PERIOD_S)

    def _request(self, method: str, name: str, born: str) -> bool:
        body = json.dumps({"dateOfBirth": born}).encode() if method == "PUT" else None
        started = time.monotonic()
        try:
            status, payload, region = call(self.url, method, f"/hello/{name}", body)
        except OSError:
            status, payload, region = 0, b"", ""
        ok = status == (204 if method == "PUT" else 200)
        wrong = False
        if ok and method == "PUT":
            self.acknowledged[name] = born
        if ok and method == "GET":
            message = json.loads(payload)["message"]
            wrong = not message.startswith(f"Hello, {name}!")
        elif method == "GET" and status == 404:
            wrong = True  # acknowledged, then not found: a stale or lost read
        self.outcomes.append(
            Outcome(started, time.monotonic(), ok and not wrong, wrong, status, region)
        )
        return ok


def recovery(outcomes: list[Outcome], failed_at: float) -> float:
    """From the failure to the start of the first request after the last failed one."""
    last_failure = max((i for i, o in enumerate(outcomes) if not o.ok), default=None)
    if last_failure is None:
        return 0.0
    after = outcomes[last_failure + 1 : last_failure + 2]
    return (after[0].started if after else outcomes[last_failure].ended) - failed_at


def lost_writes(url: str, acknowledged: dict[str, str]) -> int:
    """Acknowledged writes the surviving region cannot read back (a fresh request each)."""
    lost = 0
    for name in acknowledged:
        status, payload, _ = call(url, "GET", f"/hello/{name}")
        if status != 200 or not json.loads(payload)["message"].startswith(f"Hello, {name}!"):
            lost += 1
    return lost


@contextmanager
def emulator_with_table(table: str) -> Iterator[int]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    emulator = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
    emulator.start()
    try:
        host, port = emulator.get_host_and_port()
        boto3.client(
            "dynamodb",
            endpoint_url=f"http://{host}:{port}",
            region_name="us-east-1",
            aws_access_key_id="local",  # fake on purpose: nothing reaches AWS
            aws_secret_access_key="local",  # noqa: S106
        ).create_table(**create_table_request(table))
        yield port
    finally:
        emulator.stop()


def fail(region: Region, scenario: str) -> None:
    if scenario == "api":
        region.process.send_signal(signal.SIGKILL)
    else:
        region.relay.cut()


def run(
    scenario: str = "api",
    interval_s: float = INTERVAL_S,
    threshold: int = FAILURE_THRESHOLD,
    check_timeout_s: float = CHECK_TIMEOUT_S,
    before_s: float = 1.0,
    after_s: float = 1.0,
) -> DrillResult:
    """Both regions up, the router healthy on both, the probe running `before_s`; then the
    primary fails and the probe runs on for the bound plus `after_s`."""
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {SCENARIOS}, not {scenario!r}")
    bound = drill_bound_s(interval_s, threshold, check_timeout_s)
    # moto keeps its tables per process: one table per run.
    table = f"hello-drill-{scenario}-{time.monotonic_ns()}"
    with emulator_with_table(table) as emulator_port:
        regions = [start_region(name, emulator_port, table) for name in REGIONS]
        try:
            for region in regions:
                wait_until_serving(region)
            router = HealthCheckingRouter(
                [(r.name, r.url) for r in regions], interval_s, threshold, check_timeout_s
            )
            router.start()
            probe = Probe(router.url)
            try:
                probe.start()
                time.sleep(before_s)
                failed_at = time.monotonic()
                fail(regions[0], scenario)
                time.sleep(bound + after_s)
                probe.stop()
                lost = lost_writes(router.url, probe.acknowledged)
            finally:
                probe.stop()
                router.stop()
        finally:
            for region in regions:
                if region.process.poll() is None:
                    region.process.send_signal(signal.SIGINT)
                    try:
                        region.process.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        region.process.kill()
                region.relay.cut()
    changes = [at for at, healthy in router.regions[0].changed_at if not healthy]
    outcomes = probe.outcomes
    return DrillResult(
        scenario=scenario,
        bound_s=bound,
        requests=len(outcomes),
        failed=sum(not o.ok for o in outcomes),
        wrong_answers=sum(o.wrong for o in outcomes),
        recover_s=recovery(outcomes, failed_at),
        switch_s=changes[0] - failed_at if changes else None,
        acknowledged_writes=len(probe.acknowledged),
        lost_writes=lost,
        outcomes=outcomes,
    )


def report(result: DrillResult) -> None:
    name = f"failover_drill_{result.scenario}"
    what = {"api": "primary's server killed", "table": "primary's path to its table cut"}
    bound = AtMost(result.bound_s)
    timings = f"interval {INTERVAL_S:g} s x threshold {FAILURE_THRESHOLD} + TTL 0"
    timings += f" + check timeout {CHECK_TIMEOUT_S:g} s"
    figure(f"{name}_bound_s", result.bound_s, "s", timings)
    figure(
        f"{name}_switch_s",
        result.switch_s if result.switch_s is not None else float("inf"),
        "s",
        f"{what[result.scenario]} -> the router took it out",
        bound,
    )
    figure(
        f"{name}_recover_s",
        result.recover_s,
        "s",
        f"-> first request of the unbroken run of successes (bound + one probe timeout,"
        f" {PROBE_TIMEOUT_S:g} s)",
        AtMost(result.bound_s + PROBE_TIMEOUT_S),
    )
    figure(f"{name}_failed_requests", result.failed, "requests", f"of {result.requests}")
    figure(f"{name}_wrong_answers", result.wrong_answers, "answers", "", AtMost(0))
    figure(
        f"{name}_lost_writes",
        result.lost_writes,
        "writes",
        f"of {result.acknowledged_writes} acknowledged; one shared emulator: durability across"
        " regions is MRSC's documented guarantee, not proved here",
        AtMost(0),
    )


def main() -> None:
    print(
        "failover drill: two local regions behind a health-checking router (Route 53's stand-in,"
        " no resolver cache: TTL 0), sharing one DynamoDB emulator that stands in for the MRSC"
        " table; data durability across regions is MRSC's documented guarantee, not proved here"
    )
    for scenario in SCENARIOS:
        report(run(scenario))


if __name__ == "__main__":
    main()
