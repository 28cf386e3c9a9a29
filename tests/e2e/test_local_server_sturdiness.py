"""`make run`'s server cannot be tripped: bad PORT values, protocol errors, truncated bodies and
vanishing clients all get a one-line message or a JSON answer, never a traceback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest

from local import server as local
from tests.conftest import ROOT
from tests.e2e.conftest import READ_TIMEOUT_S, LocalServer, start_local_server, stop


def run_local(port: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PORT": port}
    return subprocess.run(
        [sys.executable, "-m", "local.server"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.e2e
@pytest.mark.parametrize("port", ["abc", "", "-1", "70000", "²"])
def test_a_bad_port_is_one_line_and_exit_2(port: str) -> None:
    result = run_local(port)
    assert result.returncode == 2
    assert result.stderr == (
        f"PORT must be a whole number from 0 to 65535 (0: any free port), not {port!r}\n"
    )
    assert result.stdout == ""


@pytest.mark.e2e
def test_a_busy_port_says_so_before_claiming_to_serve() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_local(str(taken.getsockname()[1]))
    assert result.returncode == 1
    assert "Serving" not in result.stdout
    assert "Address already in use" in result.stderr and "Try PORT=" in result.stderr
    assert "Traceback" not in result.stderr


def exchange(server: LocalServer, raw: bytes, close_early: bool = False) -> bytes:
    """Sends raw bytes, returns every byte the server answers until it closes."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as connection:
        connection.sendall(raw)
        if close_early:
            return b""
        if raw.endswith(b"\r\n\r\n"):
            connection.shutdown(socket.SHUT_WR)  # the whole request is sent
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_and_json(answer: bytes) -> tuple[int, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    headers = head.decode().lower()
    assert "content-type: application/json" in headers, head
    return status, json.loads(body)


PROTOCOL_ERRORS = [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /hello/Alice HTTP/9.9\r\n\r\n", 505),
    (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
    (b"GET /hello/Alice HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431),
    (b"PUT /hello/Alice HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400),
    (b"PUT /hello/Alice HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 400),
    ("PUT /hello/Alice HTTP/1.1\r\nContent-Length: ²\r\n\r\n".encode(), 400),
    (b"PUT /hello/Alice HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", 413),
]


@pytest.mark.parametrize(("raw", "expected"), PROTOCOL_ERRORS)
def test_protocol_errors_are_json(local_server: LocalServer, raw: bytes, expected: int) -> None:
    status, body = status_and_json(exchange(local_server, raw))
    assert status == expected
    assert set(body) == {"Code", "Message"} and body["Message"]


def test_a_body_shorter_than_its_length_is_a_400_after_the_read_timeout(
    local_server: LocalServer,
) -> None:
    started = time.monotonic()
    raw = (
        b"PUT /hello/Alice HTTP/1.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"dateOfBirth"'
    )
    parts = urlsplit(local_server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as connection:
        connection.sendall(raw)  # and then nothing: the client hangs
        chunks = []
        while chunk := connection.recv(65536):  # the server closes after its answer
            chunks.append(chunk)
        answer = b"".join(chunks)
    elapsed = time.monotonic() - started
    status, body = status_and_json(answer)
    assert status == 400
    assert body == {
        "Code": "BadRequestError",
        "Message": "request body ended after 14 of its 100 bytes",
    }
    assert READ_TIMEOUT_S <= elapsed < READ_TIMEOUT_S + 10


def test_clients_that_hang_up_are_not_an_error(local_server: LocalServer) -> None:
    for _ in range(5):
        exchange(local_server, b"GET /hello/Alice HTTP/1.1\r\nHost: x\r\n\r\n", close_early=True)
        exchange(local_server, b"PUT /hello/Alice HTTP/1.1\r\nContent-Length: 10\r\n\r\n", True)
    status, _ = status_and_json(exchange(local_server, b"GET /hello/Nobody HTTP/1.0\r\n\r\n"))
    assert status == 404  # still serving


@pytest.mark.e2e
def test_port_zero_serves_on_the_port_it_prints() -> None:
    started = start_local_server(port=0)
    try:
        assert not started.url.endswith(":0")
        status, _ = status_and_json(exchange(started, b"GET /hello/Nobody HTTP/1.0\r\n\r\n"))
        assert status == 404
    finally:
        code, output = stop(started)
    assert code == 0
    assert f"Serving the hello API on {started.url} " in output


@pytest.mark.parametrize("seconds", ["0", "-1", "inf", "nan", "abc", ""])
def test_a_read_timeout_that_is_no_positive_number_is_refused(
    seconds: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        local.main(["--read-timeout", seconds])
    assert exit_.value.code == 2
    assert "--read-timeout" in capsys.readouterr().err


def test_make_runs_server_gives_a_client_five_seconds_a_read_and_the_tests_less() -> None:
    assert local.READ_TIMEOUT_SECONDS == 5  # README: a hanging client's 400 after 5 s
    assert local.handler_class().timeout == local.READ_TIMEOUT_SECONDS
    assert local.handler_class(READ_TIMEOUT_S).timeout == READ_TIMEOUT_S
    assert issubclass(local.handler_class(), local.SturdyRequestHandler)
    assert READ_TIMEOUT_S < local.READ_TIMEOUT_SECONDS
