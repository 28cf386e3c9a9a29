"""The drill's router decides as Route 53 failover records do: a region changes state only after
`threshold` consecutive checks that disagree with it, and traffic goes to the first healthy one."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from bench.failover_drill import Outcome, recovery, username
from bench.failover_router import HealthCheckingRouter, RegionHealth, answers_healthy


def test_a_region_goes_unhealthy_only_after_threshold_consecutive_failures() -> None:
    region = RegionHealth("primary", "http://127.0.0.1:1")
    for now, ok in enumerate([False, False, True, False, False]):
        region.record(ok, threshold=3, now=now)
    assert region.healthy  # a success in between restarts the count
    region.record(False, threshold=3, now=5)
    assert not region.healthy
    assert region.changed_at == [(5, False)]


def test_it_comes_back_only_after_threshold_consecutive_successes() -> None:
    region = RegionHealth("primary", "http://127.0.0.1:1", healthy=False)
    for now, ok in enumerate([True, True, False, True, True]):
        region.record(ok, threshold=3, now=now)
    assert not region.healthy
    region.record(True, threshold=3, now=5)
    assert region.healthy and region.changed_at == [(5, True)]


def router(primary_healthy: bool, secondary_healthy: bool) -> HealthCheckingRouter:
    made = HealthCheckingRouter(
        [("primary", "http://127.0.0.1:1"), ("secondary", "http://127.0.0.1:2")], 1, 3, 1
    )
    made.regions[0].healthy, made.regions[1].healthy = primary_healthy, secondary_healthy
    made.stop()
    return made


@pytest.mark.parametrize(
    ("primary", "secondary", "chosen"),
    [
        (True, True, "primary"),
        (True, False, "primary"),
        (False, True, "secondary"),
        (False, False, "primary"),  # none healthy: Route 53 answers as if all were
    ],
)
def test_traffic_goes_to_the_first_healthy_region(
    primary: bool, secondary: bool, chosen: str
) -> None:
    assert router(primary, secondary).chosen().name == chosen


@pytest.fixture
def backend() -> Iterator[dict[str, int]]:
    """A server whose /health answers the status the test sets."""
    state = {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(state["status"] if self.path == "/health" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    state["port"] = server.server_address[1]
    yield state
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("status", "healthy"), [(200, True), (302, True), (404, False), (503, False), (500, False)]
)
def test_only_2xx_and_3xx_count_as_healthy(
    backend: dict[str, int], status: int, healthy: bool
) -> None:
    backend["status"] = status
    assert answers_healthy(f"http://127.0.0.1:{backend['port']}", 1) is healthy


def test_no_answer_is_unhealthy() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: refused
        assert answers_healthy(f"http://127.0.0.1:{port}", 1) is False


def test_usernames_are_letters_only_and_distinct() -> None:
    names = [username(index) for index in range(2000)]
    assert all(name.isalpha() and name.isascii() for name in names)
    assert len(set(names)) == len(names)


def test_recovery_runs_from_the_failure_to_the_first_success_after_the_last_failure() -> None:
    outcomes = [
        Outcome(9.0, 9.1, True),
        Outcome(10.2, 10.3, False),
        Outcome(10.4, 10.5, True),  # a success in between does not end the outage
        Outcome(10.6, 10.7, False),
        Outcome(11.5, 11.6, True),
    ]
    assert recovery(outcomes, failed_at=10.0) == pytest.approx(1.5)
    assert recovery(outcomes[:1], failed_at=10.0) == 0.0


@pytest.fixture
def echo() -> Iterator[str]:
    """A region that answers every method with what it received, and 200 on /health."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.dumps(
                {
                    "method": self.command,
                    "path": self.path,
                    "body": self.rfile.read(length).decode(),
                    "type": self.headers.get("Content-Type"),
                }
            ).encode()
            self.send_response(201)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Function-Version", "7")
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_DELETE = do_POST = do_PATCH = answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def through(router: HealthCheckingRouter, method: str, body: bytes | None) -> Any:
    parts = urlsplit(router.url)
    assert parts.hostname
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        connection.request(method, "/hello/Alice", body=body, headers={"Content-Type": "x/y"})
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "POST", "PATCH"])
def test_every_method_is_forwarded_whole_to_the_chosen_region(echo: str, method: str) -> None:
    regions = [("primary", echo), ("secondary", "http://127.0.0.1:1")]
    started = HealthCheckingRouter(regions, 1, 3, 1)
    started.start()
    try:
        body = b'{"dateOfBirth": "1990-05-17"}' if method in {"PUT", "POST", "PATCH"} else None
        status, headers, payload = through(started, method, body)
    finally:
        started.stop()
    assert status == 201
    assert headers["X-Drill-Region"] == "primary"
    assert headers["X-Function-Version"] == "7"
    assert json.loads(payload) == {
        "method": method,
        "path": "/hello/Alice",
        "body": (body or b"").decode(),
        "type": "x/y",
    }


def test_a_region_that_does_not_answer_is_a_502_never_a_retry_elsewhere(echo: str) -> None:
    regions = [("primary", "http://127.0.0.1:1"), ("secondary", echo)]
    started = HealthCheckingRouter(regions, 60, 3, 1)
    started.start()  # the first checks fail once: below the threshold, the primary is still chosen
    try:
        status, headers, payload = through(started, "PUT", b"{}")
    finally:
        started.stop()
    assert status == 502
    assert headers["X-Drill-Region"] == "primary"
    assert json.loads(payload)["Code"] == "BadGateway"
