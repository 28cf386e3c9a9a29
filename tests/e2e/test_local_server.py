"""`make run`'s server over real HTTP: the rules that only show on the wire."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import LocalServer, start_local_server, stop


def request(
    server: LocalServer,
    method: str,
    path: str,
    body: str | None = None,
    headers: dict | None = None,
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(server.url)
    assert parts.hostname
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


JSON = {"Content-Type": "application/json"}
BIRTHDAY = '{"dateOfBirth":"1990-05-17"}'


def test_put_get_delete_over_http(local_server: LocalServer) -> None:
    status, _, body = request(local_server, "PUT", "/hello/Ewan", BIRTHDAY, JSON)
    assert (status, body) == (204, b"")
    status, headers, body = request(local_server, "GET", "/hello/Ewan")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["message"].startswith("Hello, Ewan! ")
    assert request(local_server, "DELETE", "/hello/Ewan")[0] == 204
    assert request(local_server, "GET", "/hello/Ewan")[0] == 404


def test_the_health_route_answers_ok_and_only_to_get(local_server: LocalServer) -> None:
    status, headers, body = request(local_server, "GET", "/health")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert headers["Content-Type"] == "application/json"
    assert request(local_server, "PUT", "/health", "{}", JSON)[0] == 405


def test_unknown_routes_and_methods_are_4xx_json(local_server: LocalServer) -> None:
    for method, path in [("GET", "/"), ("GET", "/hello"), ("GET", "/nope"), ("POST", "/hello/Al")]:
        status, _, body = request(local_server, method, path)
        assert status in (403, 404, 405), (method, path, status)
        assert isinstance(json.loads(body), dict)


def test_bad_input_over_http(local_server: LocalServer) -> None:
    assert request(local_server, "GET", "/hello/%C3%A9lodie")[0] == 400
    assert request(local_server, "PUT", "/hello/Ewan", "x" * 2048, JSON)[0] == 413
    plain = {"Content-Type": "text/plain"}
    assert request(local_server, "PUT", "/hello/Ewan", BIRTHDAY, plain)[0] == 415
    assert request(local_server, "PUT", "/hello/Ewan", "", JSON)[0] == 400
    assert request(local_server, "GET", "/hello/Ewan")[0] == 404


def test_percent_encoded_letters_are_the_same_user_over_http(local_server: LocalServer) -> None:
    assert request(local_server, "PUT", "/hello/%46iona", BIRTHDAY, JSON)[0] == 204
    status, _, body = request(local_server, "GET", "/hello/Fiona")
    assert status == 200 and json.loads(body)["message"].startswith("Hello, Fiona! ")
    assert request(local_server, "DELETE", "/hello/%2546iona")[0] == 204
    assert request(local_server, "GET", "/hello/Fiona")[0] == 404


def test_get_and_delete_ignore_the_content_type_over_http(local_server: LocalServer) -> None:
    plain = {"Content-Type": "text/plain"}
    assert request(local_server, "GET", "/hello/Nobody", headers=plain)[0] == 404
    assert request(local_server, "DELETE", "/hello/Nobody", headers=plain)[0] == 204


@pytest.mark.e2e
def test_ctrl_c_stops_server_and_emulator_cleanly() -> None:
    server = start_local_server()
    status, _, _ = request(server, "GET", "/hello/Nobody")
    assert status == 404
    code, output = stop(server)
    assert code == 0
    assert "Serving the hello API on http://127.0.0.1:" in output
    assert "curl" in output
    assert "Stopped." in output
    assert "Traceback" not in output
