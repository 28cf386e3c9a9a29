"""The per-request log line: its shape, and what it must never contain."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

import app as app_module
from chalicelib.observability import request_logger
from tests.app.conftest import put


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_one_json_line_per_request_with_id_route_method_status_latency(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    put(client, "Alice", {"dateOfBirth": "1990-05-17"})
    client.get("/hello/Alice")
    client.get("/hello/b4d")
    lines = log_lines(capsys)
    assert [(line["method"], line["status"]) for line in lines] == [
        ("PUT", 204),
        ("GET", 200),
        ("GET", 400),
    ]
    for line in lines:
        assert line["event"] == "request" and line["level"] == "INFO"
        assert line["route"] == "/hello/{username}"
        assert isinstance(line["requestId"], str) and line["requestId"]
        assert isinstance(line["latencyMs"], float) and line["latencyMs"] >= 0
    assert len({line["requestId"] for line in lines}) == 3


def test_log_never_holds_the_date_of_birth_nor_by_default_the_username(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    put(client, "Alice", {"dateOfBirth": "1990-05-17"})
    client.get("/hello/Alice")
    out = capsys.readouterr().out
    assert "1990" not in out and "05-17" not in out
    assert "Alice" not in out


def test_usernames_are_logged_only_when_the_operator_opts_in(
    store: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalice import Chalice

    opted_in = Chalice(app_name="opted-in")
    opted_in.register_middleware(request_logger(log_usernames=True), "http")
    opted_in.route("/hello/{username}")(lambda username: {"ok": True})
    with Client(opted_in) as test_client:
        test_client.http.get("/hello/Alice")
    assert log_lines(capsys)[0]["username"] == "Alice"


def test_app_defaults_to_not_logging_usernames() -> None:
    assert app_module.settings.log_usernames is False
