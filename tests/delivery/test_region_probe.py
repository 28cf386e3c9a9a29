"""A region's probe (deploy/probe.py --region): that region's own API URL, with the one origin
secret every region shares, sent as the header the app checks."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from chalicelib.contract import ORIGIN_HEADER
from deploy import probe
from synthetics.smoke import call

OUTPUTS = {
    "url": "https://d111.cloudfront.net",
    "release_probe_rate_per_s": 2.0,
    "regions": [
        {"region": "eu-west-1", "api_url": "https://aaa.execute-api.eu-west-1.amazonaws.com/api"},
        {"region": "eu-west-2", "api_url": "https://bbb.execute-api.eu-west-2.amazonaws.com/api"},
    ],
}


@pytest.fixture
def recording_server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()


def test_a_region_is_probed_at_its_own_api_with_the_shared_secret(
    monkeypatch: pytest.MonkeyPatch, recording_server: tuple[str, list[dict[str, str]]]
) -> None:
    monkeypatch.setenv(probe.ORIGIN_SECRET_ENV, "s3cret")
    url, send = probe.region_target(OUTPUTS, "eu-west-2")
    assert url == "https://bbb.execute-api.eu-west-2.amazonaws.com/api"
    base, seen = recording_server
    assert send(base, "GET", "/hello/Alice", None, 5, None)[0] == 200
    assert seen[-1][ORIGIN_HEADER] == "s3cret"
    # the plain sender adds nothing
    assert call(base, "GET", "/hello/Alice", None, 5, None)[0] == 200
    assert ORIGIN_HEADER not in seen[-1]


def test_no_secret_no_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(probe.ORIGIN_SECRET_ENV, raising=False)
    with pytest.raises(SystemExit, match=probe.ORIGIN_SECRET_ENV):
        probe.region_target(OUTPUTS, "eu-west-1")


def test_region_needs_the_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        probe.main(["https://x.example", "--rate", "1", "--region", "eu-west-1"])
    assert "--region needs --outputs" in capsys.readouterr().err
    with pytest.raises(ValueError):  # no such region in the outputs
        probe.region_target(OUTPUTS, "us-east-1")
