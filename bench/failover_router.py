"""The local drill's stand-in for Route 53 failover records + DNS: a health-checking HTTP router on
loopback.

It checks each region's HEALTH_PATH every `interval_s` (a check that does not answer 2xx/3xx
within `check_timeout_s` fails, as Route 53 counts only 2xx and 3xx as healthy), flips a region's
state after `threshold` consecutive results that disagree with it (Route 53's failure threshold,
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html),
and sends every request, whatever its method, to the first healthy region in order (primary,
then secondary); with none healthy, to the primary (Route 53 answers as if all were healthy).
It forwards each request once and never retries: a client whose DNS answer names a dead region
sees that failure. It has no resolver cache, so the TTL term of the bound is 0.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from chalicelib.contract import HEALTH_PATH

LOOPBACK = "127.0.0.1"
# Hop-by-hop headers (RFC 9110 section 7.6.1) are not forwarded.
REGION_HEADER = "X-Drill-Region"  # which region the router chose, for the drill's report
HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "upgrade", "host"})


@dataclass
class RegionHealth:
    name: str
    url: str
    healthy: bool = True
    streak: int = 0  # consecutive results that disagree with `healthy`
    changed_at: list[tuple[float, bool]] = field(default_factory=list)  # (monotonic, healthy)

    def record(self, ok: bool, threshold: int, now: float) -> None:
        if ok == self.healthy:
            self.streak = 0
            return
        self.streak += 1
        if self.streak >= threshold:
            self.healthy, self.streak = ok, 0
            self.changed_at.append((now, ok))


def answers_healthy(url: str, timeout_s: float) -> bool:
    """One health check: GET HEALTH_PATH, 2xx or 3xx within the timeout."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout_s)
    try:
        connection.request("GET", HEALTH_PATH)
        return 200 <= connection.getresponse().status < 400
    except OSError:
        return False
    finally:
        connection.close()


class HealthCheckingRouter:
    """Routes to `regions[0]` while healthy, else the next healthy one. `start()` binds a free
    loopback port (`url`) and starts one checker thread per region; `stop()` ends both."""

    def __init__(
        self,
        regions: list[tuple[str, str]],
        interval_s: float,
        threshold: int,
        check_timeout_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.regions = [RegionHealth(name, url) for name, url in regions]
        self.interval_s = interval_s
        self.threshold = threshold
        self.check_timeout_s = min(check_timeout_s, interval_s)
        self.clock = clock
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server = ThreadingHTTPServer((LOOPBACK, 0), self._handler_class())
        self._server.daemon_threads = True
        self.url = f"http://{LOOPBACK}:{self._server.server_address[1]}"

    def chosen(self) -> RegionHealth:
        return next((region for region in self.regions if region.healthy), self.regions[0])

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._check_forever, args=(region,), daemon=True)
            for region in self.regions
        ]
        self._threads.append(
            threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
        )
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._threads:  # shutdown() waits for serve_forever, which only start() runs
            self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _check_forever(self, region: RegionHealth) -> None:
        # On a fixed schedule, as Route 53's checkers: a slow check does not delay the next.
        next_check = self.clock()
        while not self._stopped.is_set():
            ok = answers_healthy(region.url, self.check_timeout_s)
            region.record(ok, self.threshold, self.clock())
            next_check += self.interval_s
            self._stopped.wait(max(0.0, next_check - self.clock()))

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        router = self

        class Forward(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass  # the drill reports its own figures

            def forward(self) -> None:
                region = router.chosen()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                parts = urlsplit(region.url)
                upstream = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    status, payload = answer.status, answer.read()
                    answer_headers = [
                        (k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP
                    ]
                except OSError as error:
                    status = 502
                    payload = json.dumps(
                        {"Code": "BadGateway", "Message": f"{region.name}: {error}"}
                    ).encode()
                    answer_headers = [("Content-Type", "application/json")]
                finally:
                    upstream.close()
                self.send_response(status)
                for key, value in answer_headers:
                    if key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header(REGION_HEADER, region.name)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_PUT = do_DELETE = do_POST = do_PATCH = forward

        return Forward
