"""synthetics/smoke.py passes against the real local server and fails against a wrong one."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from synthetics import smoke
from tests.e2e.conftest import LocalServer


def test_smoke_passes_against_the_local_server(
    local_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert smoke.main([local_server.url]) == 0
    assert "smoke test passed" in capsys.readouterr().out


class WrongGreeting(BaseHTTPRequestHandler):
    """Accepts everything, but greets with the wrong number of days."""

    def _answer(self, status: int, body: dict | None = None) -> None:
        payload = json.dumps(body).encode() if body else b""
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer(204)

    def do_GET(self) -> None:
        name = self.path.rsplit("/", 1)[-1]
        self._answer(200, {"message": f"Hello, {name}! Your birthday is in 2 day(s)"})

    def do_DELETE(self) -> None:
        self._answer(204)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def wrong_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), WrongGreeting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_smoke_fails_on_a_wrong_message(
    wrong_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert smoke.main([wrong_server]) == 1
    assert "GET on the birthday" in capsys.readouterr().err


def test_smoke_fails_when_nothing_answers(capsys: pytest.CaptureFixture[str]) -> None:
    assert smoke.main(["http://127.0.0.1:9"]) == 1
    assert "FAILED" in capsys.readouterr().err


def test_synthetic_usernames_are_valid_and_obviously_synthetic() -> None:
    name = smoke.synthetic_username()
    assert name.startswith("Smoketest") and name.isascii() and name.isalpha()
    assert len(name) <= 64


def test_the_dates_it_sends_are_valid_even_on_29_february() -> None:
    sent: list[str] = []

    def record(
        base_url: str,
        method: str,
        path: str,
        body: dict | None,
        timeout: float,
        headers: dict[str, str] | None,
    ) -> tuple[int, bytes]:
        if body:
            sent.append(body["dateOfBirth"])
        return (400, b"") if len(sent) == 3 else (204, b"")

    with pytest.raises(smoke.SmokeFailure):  # the recorded GETs have no greeting to check
        smoke.run("http://unused", today=date(2028, 2, 29), send=record)
    assert sent[0] == "1992-02-29"
    date.fromisoformat(sent[0])  # a real date: 1992 is a leap year
