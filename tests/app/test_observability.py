"""The per-request log line: its shape, and what it must never contain."""

from __future__ import annotations

import io
import json
import traceback
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from chalicelib.observability import log_exception, request_logger, write_log
from tests.app.conftest import SETTINGS, put, serve


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
    assert all("username" not in json.loads(line) for line in out.splitlines())


@pytest.fixture
def opted_in(store: Any) -> Iterator[Any]:
    yield from serve(SETTINGS._replace(log_usernames=True), store)


def test_usernames_are_logged_only_when_the_operator_opts_in(
    opted_in: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    opted_in.get("/hello/Alice")
    assert log_lines(capsys)[0]["username"] == "Alice"


class Request:
    """What the middleware reads of a Chalice request."""

    method = "GET"

    def __init__(self, context: dict[str, Any], lambda_request_id: str | None) -> None:
        self.uri_params = {"username": "Alice"}
        self.context = context
        self.lambda_context: Any = type("Context", (), {"aws_request_id": lambda_request_id})()


class Answer:
    status_code = 200

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}


def logged(request: Request, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    ticks = iter([10.0, 10.25])  # the request takes 250 ms
    middleware = request_logger(log_usernames=False, timer=lambda: next(ticks))
    assert isinstance(middleware(request, lambda _: Answer()), Answer)
    (line,) = log_lines(capsys)
    return line


def test_latency_is_the_time_the_request_took_in_ms(capsys: pytest.CaptureFixture[str]) -> None:
    line = logged(Request({"requestId": "api-1", "resourcePath": "/r"}, "lambda-1"), capsys)
    assert line["latencyMs"] == 250.0
    assert line["status"] == 200 and line["route"] == "/r"


def test_latency_is_rounded_to_microseconds(capsys: pytest.CaptureFixture[str]) -> None:
    ticks = iter([10.0, 10.0001234])
    middleware = request_logger(log_usernames=False, timer=lambda: next(ticks))
    middleware(Request({}, None), lambda _: Answer())
    assert log_lines(capsys)[0]["latencyMs"] == 0.123


def test_every_answer_names_the_function_version_that_made_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    request = Request({"requestId": "api-1"}, "lambda-1")
    request.lambda_context.function_version = "8"
    answer = request_logger(log_usernames=False)(request, lambda _: Answer())
    assert answer.headers == {"X-Function-Version": "8"}
    assert log_lines(capsys)[0]["version"] == "8"


def test_no_version_no_header(capsys: pytest.CaptureFixture[str]) -> None:
    answer = request_logger(log_usernames=False)(Request({}, "lambda-1"), lambda _: Answer())
    assert answer.headers == {}
    assert log_lines(capsys)[0]["version"] is None


def test_no_request_id_at_all_is_logged_as_null(capsys: pytest.CaptureFixture[str]) -> None:
    request = Request({}, None)
    request.lambda_context = object()  # e.g. a direct invocation's context without an id
    assert logged(request, capsys)["requestId"] is None


def test_a_log_line_is_compact_json_with_anything_printable(io_stream: io.StringIO) -> None:
    write_log({"event": "x", "day": date(2026, 1, 2), "n": 1}, io_stream)
    assert io_stream.getvalue() == '{"event":"x","day":"2026-01-02","n":1}\n'


def test_an_exception_line_carries_the_whole_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        raise ValueError("boom")
    except ValueError as error:
        log_exception("unhandled_error", error)
        expected = "".join(traceback.format_exception(error))
    (line,) = log_lines(capsys)
    assert line == {
        "level": "ERROR",
        "event": "unhandled_error",
        "requestId": None,
        "error": "ValueError: boom",
        "traceback": expected,
    }


@pytest.fixture
def io_stream() -> io.StringIO:
    return io.StringIO()


def test_the_api_gateway_request_id_wins_over_lambdas(capsys: pytest.CaptureFixture[str]) -> None:
    # API Gateway's id ties the line to the access log.
    assert logged(Request({"requestId": "api-1"}, "lambda-1"), capsys)["requestId"] == "api-1"
    assert logged(Request({}, "lambda-1"), capsys)["requestId"] == "lambda-1"
