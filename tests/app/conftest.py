"""The app composed with an in-memory store and a fixed clock, through Chalice's test client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from chalice.test import Client

from app import create_app
from chalicelib.settings import Settings
from testing.fakes import InMemoryBirthdayStore

TODAY = date(2026, 11, 28)
SETTINGS = Settings(table_name="hello-test", origin_secret=None, log_usernames=False)


@pytest.fixture
def store() -> InMemoryBirthdayStore:
    return InMemoryBirthdayStore()


def serve(settings: Settings, store: InMemoryBirthdayStore) -> Iterator[Any]:
    with Client(create_app(settings, store, lambda: TODAY)) as test_client:
        yield test_client.http


@pytest.fixture
def client(store: InMemoryBirthdayStore) -> Iterator[Any]:
    yield from serve(SETTINGS, store)


def put(http: Any, username: str, body: Any, content_type: str = "application/json") -> Any:
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return http.put(f"/hello/{username}", body=raw, headers={"Content-Type": content_type})


def body_of(response: Any) -> Any:
    return json.loads(response.body)


def stored(store: InMemoryBirthdayStore) -> dict[str, str]:
    return {name: born.isoformat() for name, born in store.items.items()}
