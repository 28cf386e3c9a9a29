"""With HELLO_ORIGIN_SECRET set, only requests carrying CloudFront's secret header are served."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

import app as app_module
from chalicelib.settings import ORIGIN_HEADER, Settings

SECRET = "s3cret-from-cloudfront"


@pytest.fixture
def guarded_app(store: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The real app module, imported again with the secret in its environment."""
    monkeypatch.setenv("HELLO_ORIGIN_SECRET", SECRET)
    guarded = importlib.reload(app_module)
    monkeypatch.setattr(guarded, "store", store)
    with Client(guarded.app) as test_client:
        yield test_client.http
    monkeypatch.delenv("HELLO_ORIGIN_SECRET")
    importlib.reload(app_module)


@pytest.mark.parametrize("headers", [{}, {ORIGIN_HEADER: "wrong"}, {ORIGIN_HEADER: ""}])
def test_requests_without_the_right_header_are_403(guarded_app: Any, headers: dict) -> None:
    response = guarded_app.get("/hello/Alice", headers=headers)
    assert response.status_code == 403
    assert json.loads(response.body)["Code"] == "ForbiddenError"


def test_requests_with_the_header_are_served(guarded_app: Any) -> None:
    response = guarded_app.get("/hello/Nobody", headers={ORIGIN_HEADER.lower(): SECRET})
    assert response.status_code == 404


def test_without_a_secret_every_request_is_served(client: Any) -> None:
    assert client.get("/hello/Nobody").status_code == 404


def test_settings_read_from_the_environment() -> None:
    settings = Settings.from_environ(
        {"HELLO_TABLE_NAME": "t", "HELLO_ORIGIN_SECRET": "x", "HELLO_LOG_USERNAMES": "true"}
    )
    assert settings == Settings(table_name="t", origin_secret="x", log_usernames=True)
    assert Settings.from_environ({}).origin_secret is None
