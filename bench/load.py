"""The local stack's own ceiling: a bounded load, on loopback only, against the server `make run`
starts (local.server: Chalice's local server on moto's DynamoDB emulator), beside the same
requests through the in-process handler alone on an emulator of its own (no HTTP layer).

Bounded: a fixed number of requests from a few client threads, then stop. Loopback only: the
server binds 127.0.0.1 and the client refuses any other address.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.report import figure
from local.server import LOOPBACK
from testing.lambda_sandbox import api_gateway_event

ROOT = Path(__file__).resolve().parent.parent
BODY = json.dumps({"dateOfBirth": "1990-05-17"})
USERNAMES = ("Alice", "Bob", "Carol", "Dave")
CONTEXT = types.SimpleNamespace(aws_request_id="bench", function_name="hello")


def request_plan(count: int) -> list[tuple[str, str]]:
    """Alternating PUT and GET (the cost model's half and half) over a few usernames."""
    return [
        ("PUT" if index % 2 == 0 else "GET", USERNAMES[(index // 2) % len(USERNAMES)])
        for index in range(count)
    ]


def p99(latencies: list[float]) -> float:
    """Nearest rank: the smallest value with at least 99 % of the values at or below it, the
    ceil(0.99 n)-th (integer arithmetic: 0.99 x n in floating point can land above an integer)."""
    ordered = sorted(latencies)
    rank = -(-99 * len(ordered) // 100)  # ceil(99 n / 100)
    return ordered[rank - 1]


@contextlib.contextmanager
def local_server() -> Iterator[str]:
    """`python -m local.server` on a free loopback port; its URL once it serves."""
    env = {**os.environ, "PORT": "0"}
    env.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "local.server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    found: list[str] = []
    ready = threading.Event()

    def drain() -> None:  # one log line per request: keep the pipe empty
        assert process.stdout is not None  # stdout=PIPE
        for line in process.stdout:
            if not found and (match := re.search(r"Serving the hello API on (\S+)", line)):
                found.append(match.group(1))
                ready.set()
        ready.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        if not ready.wait(60) or not found:
            raise RuntimeError("the local server did not start")
        yield found[0]
    finally:
        process.terminate()
        process.wait(10)


def drive_server(url: str, plan: list[tuple[str, str]], clients: int) -> tuple[float, list[float]]:
    """The plan split over `clients` threads, each on one keep-alive connection."""
    address = urlsplit(url)
    if address.hostname != LOOPBACK:
        raise ValueError(f"load goes to loopback only, not {address.hostname}")
    latencies: list[float] = []
    lock = threading.Lock()
    failures: list[str] = []

    def client(share: list[tuple[str, str]]) -> None:
        connection = http.client.HTTPConnection(LOOPBACK, address.port, timeout=10)
        mine = []
        for method, username in share:
            body = BODY if method == "PUT" else None
            headers = {"Content-Type": "application/json"} if body else {}
            started = time.perf_counter()
            try:
                connection.request(method, f"/hello/{username}", body, headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                failures.append(repr(error))
                connection.close()
                connection = http.client.HTTPConnection(LOOPBACK, address.port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
            if response.status >= 500:
                failures.append(f"{method} {username}: {response.status}")
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection(LOOPBACK, address.port, timeout=10)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(plan[i::clients],)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} failed requests, first: {failures[0]}")
    return len(latencies) / elapsed, latencies


@contextlib.contextmanager
def restored_environment() -> Iterator[None]:
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def in_process_handler() -> Generator[Callable[[str, str], dict[str, Any]], None, None]:
    """The app as Lambda runs it, on an emulator of its own, as the local server has."""
    import boto3

    from app import create_app  # the app as packaged (hello is installed editable)
    from chalicelib.clock import utc_today
    from chalicelib.contract import LOCAL_TABLE_NAME, create_table_request
    from chalicelib.settings import Settings
    from chalicelib.storage import DynamoBirthdayStore, create_dynamodb_client
    from local.server import point_at_emulator, start_emulator

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the emulator's access log
    emulator, endpoint = start_emulator()
    try:
        point_at_emulator(endpoint, LOCAL_TABLE_NAME)
        boto3.client("dynamodb").create_table(**create_table_request(LOCAL_TABLE_NAME))
        settings = Settings(table_name=LOCAL_TABLE_NAME, origin_secret=None, log_usernames=False)
        app = create_app(
            settings, DynamoBirthdayStore(LOCAL_TABLE_NAME, create_dynamodb_client), utc_today
        )
        events = {
            "PUT": {u: api_gateway_event("PUT", u, BODY, {"Content-Type": "application/json"})
                    for u in USERNAMES},
            "GET": {u: api_gateway_event("GET", u) for u in USERNAMES},
        }  # fmt: skip
        yield lambda method, username: app(events[method][username], CONTEXT)
    finally:
        emulator.stop()


def drive_handler(
    handle: Callable[[str, str], dict[str, Any]], plan: list[tuple[str, str]]
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # the log lines
        started = time.perf_counter()
        for method, username in plan:
            begun = time.perf_counter()
            response = handle(method, username)
            latencies.append(time.perf_counter() - begun)
            if response["statusCode"] >= 500:
                raise RuntimeError(f"{method} {username}: {response}")
        elapsed = time.perf_counter() - started
    return len(plan) / elapsed, latencies


def main(requests: int = 1000, clients: int = 4, warm_up: int = 50) -> None:
    plan = request_plan(requests)
    with local_server() as url:
        drive_server(url, request_plan(warm_up), clients)
        server_rps, server_latencies = drive_server(url, plan, clients)
    with restored_environment():
        handlers = in_process_handler()
        handle = next(handlers)
        try:
            drive_handler(handle, request_plan(warm_up))
            handler_rps, handler_latencies = drive_handler(handle, plan)
        finally:
            handlers.close()
    figure(
        "local_server_rps",
        server_rps,
        "req/s",
        f"{requests} requests, {clients} loopback clients, half PUT half GET, moto DynamoDB",
    )
    figure("local_server_p99_ms", p99(server_latencies) * 1000, "ms")
    figure("handler_rps", handler_rps, "req/s", "the same requests, in-process handler, 1 thread")
    figure("handler_p99_ms", p99(handler_latencies) * 1000, "ms")
    figure(
        "local_server_vs_handler",
        server_rps / handler_rps,
        "x",
        "the local server's rate over the handler's: below 1, HTTP and threads cost the rest",
    )


if __name__ == "__main__":
    main()
