"""Every rule of the API, end to end through the app and real (emulated) DynamoDB calls."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app import create_app
from chalicelib.responses import internal_error
from testing.fakes import InMemoryBirthdayStore
from tests.app.conftest import SETTINGS, TODAY, body_of, put, stored


def greet(http: Any, username: str) -> str:
    response = http.get(f"/hello/{username}")
    assert response.status_code == 200
    return body_of(response)["message"]


def test_the_app_is_named_hello() -> None:
    # Chalice names the REST API and its swagger title after the app.
    assert create_app(SETTINGS, InMemoryBirthdayStore(), lambda: TODAY).app_name == "hello"


def test_internal_error_is_chalices_own_500() -> None:
    response = internal_error()
    assert response.status_code == 500
    assert response.body == {
        "Code": "InternalServerError",
        "Message": "An internal server error occurred.",
    }


def test_put_saves_and_answers_204_with_empty_body(client: Any, store: Any) -> None:
    response = put(client, "Alice", {"dateOfBirth": "1990-05-17"})
    assert response.status_code == 204
    assert response.body == b""
    assert stored(store) == {"Alice": "1990-05-17"}


def test_put_overwrites(client: Any, store: Any) -> None:
    put(client, "Alice", {"dateOfBirth": "1990-05-17"})
    assert put(client, "Alice", {"dateOfBirth": "1991-06-18"}).status_code == 204
    assert stored(store) == {"Alice": "1991-06-18"}


@pytest.mark.parametrize(
    ("born", "message"),
    [
        ("1990-11-28", "Hello, Alice! Happy birthday!"),
        ("1990-11-29", "Hello, Alice! Your birthday is in 1 day(s)"),
        ("1990-12-25", "Hello, Alice! Your birthday is in 27 day(s)"),
        ("1990-11-27", "Hello, Alice! Your birthday is in 364 day(s)"),
        # TODAY is 2026-11-28; 2027 is not a leap year, so 29 February becomes 28 February.
        ("2000-02-29", "Hello, Alice! Your birthday is in 92 day(s)"),
    ],
)
def test_get_greets_with_days_to_birthday(client: Any, born: str, message: str) -> None:
    put(client, "Alice", {"dateOfBirth": born})
    response = client.get("/hello/Alice")
    assert response.status_code == 200
    assert body_of(response) == {"message": message}


def test_get_unknown_user_is_404_json(client: Any) -> None:
    response = client.get("/hello/Nobody")
    assert response.status_code == 404
    assert body_of(response)["Code"] == "NotFoundError"
    assert "Nobody" in body_of(response)["Message"]


def test_usernames_are_case_sensitive_and_echoed_as_stored(client: Any) -> None:
    put(client, "Alice", {"dateOfBirth": "1990-11-29"})
    put(client, "alice", {"dateOfBirth": "1990-11-30"})
    assert greet(client, "Alice") == "Hello, Alice! Your birthday is in 1 day(s)"
    assert greet(client, "alice") == "Hello, alice! Your birthday is in 2 day(s)"
    assert client.get("/hello/ALICE").status_code == 404


def test_delete_erases_and_is_idempotent(client: Any, store: Any) -> None:
    put(client, "Alice", {"dateOfBirth": "1990-05-17"})
    put(client, "Bob", {"dateOfBirth": "1990-05-17"})
    first = client.delete("/hello/Alice")
    assert (first.status_code, first.body) == (204, b"")
    assert client.get("/hello/Alice").status_code == 404
    assert client.delete("/hello/Alice").status_code == 204
    assert client.delete("/hello/NeverExisted").status_code == 204
    assert stored(store) == {"Bob": "1990-05-17"}


BAD_USERNAMES = ["al1ce", "al_ice", "al-ice", "al%20ice", "%C3%A9lodie", "x" * 65, "123"]


@pytest.mark.parametrize("username", BAD_USERNAMES)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_bad_username_is_400_on_every_method(
    client: Any, store: Any, method: str, username: str
) -> None:
    response = client.request(
        method,
        f"/hello/{username}",
        body='{"dateOfBirth": "1990-05-17"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert body_of(response)["Code"] == "BadRequestError"
    assert "ASCII letters" in body_of(response)["Message"]
    assert stored(store) == {}


def test_longest_username_is_accepted(client: Any) -> None:
    name = "a" * 64
    assert put(client, name, {"dateOfBirth": "1990-05-17"}).status_code == 204
    assert greet(client, name).startswith(f"Hello, {name}!")


BAD_BODIES = [
    {"dateOfBirth": "2026-11-28"},  # today
    {"dateOfBirth": "2030-01-01"},
    {"dateOfBirth": "2021-02-30"},
    {"dateOfBirth": "2019-02-29"},
    {"dateOfBirth": "2000-1-1"},
    {"dateOfBirth": "20000101"},
    {"dateOfBirth": "2000-01-01T00:00:00"},
    {"dateOfBirth": "2000/01/01"},
    {"dateOfBirth": " 2000-01-01 "},
    {"dateOfBirth": 20000101},
    {"dateOfBirth": None},
    {"dateOfBirth": ["2000-01-01"]},
    {"dateOfBirth": ""},
    {"dateofbirth": "2000-01-01"},
    {"dateOfBirth": "2000-01-01", "extra": True},
    {},
    ["2000-01-01"],
    "2000-01-01",
    "{not json",
    "",
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_body_is_400_and_changes_nothing(client: Any, store: Any, body: Any) -> None:
    put(client, "Alice", {"dateOfBirth": "1990-05-17"})
    response = put(client, "Alice", body)
    assert response.status_code == 400
    assert body_of(response)["Code"] == "BadRequestError"
    assert body_of(response)["Message"]
    assert stored(store) == {"Alice": "1990-05-17"}


def test_body_over_one_kib_is_413_and_changes_nothing(client: Any, store: Any) -> None:
    response = put(client, "Alice", '{"dateOfBirth": "1990-05-17"}' + " " * 1024)
    assert response.status_code == 413
    assert body_of(response)["Code"] == "RequestEntityTooLarge"
    assert stored(store) == {}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "*/*",
        "text/plain, application/json",
        "text/plain;application/json",
    ],
)
def test_non_json_content_type_is_415(client: Any, store: Any, content_type: str) -> None:
    response = put(client, "Alice", {"dateOfBirth": "1990-05-17"}, content_type=content_type)
    assert response.status_code == 415
    assert body_of(response) == {
        "Code": "UnsupportedMediaType",
        "Message": f"Content-Type must be application/json, not {content_type!r}",
    }
    assert stored(store) == {}


def test_put_without_content_type_counts_as_json(client: Any, store: Any) -> None:
    response = client.put("/hello/Alice", body='{"dateOfBirth": "1990-05-17"}', headers={})
    assert response.status_code == 204
    assert stored(store) == {"Alice": "1990-05-17"}


@pytest.mark.parametrize("content_type", ["text/plain", "*/*", "image/png", ""])
def test_get_and_delete_ignore_content_type(client: Any, store: Any, content_type: str) -> None:
    put(client, "Alice", {"dateOfBirth": "1990-11-29"})
    headers = {"Content-Type": content_type}
    assert client.get("/hello/Alice", headers=headers).status_code == 200
    assert client.delete("/hello/Alice", headers=headers).status_code == 204
    assert stored(store) == {}


@pytest.mark.parametrize(
    "body",
    [
        "[" * 1000,
        '{"dateOfBirth":"2099-01-01","dateOfBirth":"1990-05-17"}',
        '{"dateOfBirth": NaN}',
        '{"dateOfBirth": "1990-05-17"}'.encode("utf-16"),
        '{"dateOfBirth": "1990-05-17"}'.encode("utf-32"),
    ],
)
def test_non_strict_json_is_400_and_changes_nothing(client: Any, store: Any, body: Any) -> None:
    put(client, "Alice", {"dateOfBirth": "1990-05-17"})
    response = put(client, "Alice", body)
    assert response.status_code == 400
    assert body_of(response)["Code"] == "BadRequestError"
    assert stored(store) == {"Alice": "1990-05-17"}


@pytest.mark.parametrize("path_name", ["%41lice", "%2541lice", "Al%69ce"])
def test_percent_encoded_letters_name_the_same_user(
    client: Any, store: Any, path_name: str
) -> None:
    assert put(client, path_name, {"dateOfBirth": "1990-11-29"}).status_code == 204
    assert stored(store) == {"Alice": "1990-11-29"}
    assert greet(client, path_name) == "Hello, Alice! Your birthday is in 1 day(s)"


def test_json_content_type_with_charset_is_accepted(client: Any) -> None:
    response = put(
        client, "Alice", {"dateOfBirth": "1990-05-17"}, "application/json; charset=utf-8"
    )
    assert response.status_code == 204


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_other_methods_are_405(client: Any, method: str) -> None:
    response = client.request(method, "/hello/Alice")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "PUT", "DELETE"}


def test_unexpected_failure_is_500_json_without_stack_trace(
    client: Any, store: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    store.failure = RuntimeError("secret internals")
    response = client.get("/hello/Alice")
    assert response.status_code == 500
    assert body_of(response) == {
        "Code": "InternalServerError",
        "Message": "An internal server error occurred.",
    }
    assert b"Traceback" not in response.body and b"secret" not in response.body
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (error,) = [line for line in lines if line["level"] == "ERROR"]
    assert error["event"] == "unhandled_error"
    assert "RuntimeError: secret internals" in error["error"]
    assert "Traceback" in error["traceback"]  # for the operator, in the log only
    (request,) = [line for line in lines if line["event"] == "request"]
    assert request["status"] == 500 and error["requestId"] == request["requestId"]
