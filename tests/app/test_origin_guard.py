"""With an origin secret, only requests carrying CloudFront's secret header are served."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.contract import ORIGIN_HEADER
from tests.app.conftest import SETTINGS, serve

SECRET = "s3cret-from-cloudfront"


@pytest.fixture
def guarded(store: Any) -> Iterator[Any]:
    yield from serve(SETTINGS._replace(origin_secret=SECRET), store)


@pytest.mark.parametrize(
    "headers", [{}, {ORIGIN_HEADER: "wrong"}, {ORIGIN_HEADER: ""}, {ORIGIN_HEADER: SECRET + "x"}]
)
def test_requests_without_the_right_header_are_403(guarded: Any, headers: dict) -> None:
    response = guarded.get("/hello/Alice", headers=headers)
    assert response.status_code == 403
    assert json.loads(response.body) == {
        "Code": "ForbiddenError",
        "Message": "requests must come through the CDN",
    }


@pytest.mark.parametrize("header", [ORIGIN_HEADER, ORIGIN_HEADER.lower()])
def test_requests_with_the_header_are_served(guarded: Any, header: str) -> None:
    assert guarded.get("/hello/Nobody", headers={header: SECRET}).status_code == 404


def test_without_a_secret_every_request_is_served(client: Any) -> None:
    assert client.get("/hello/Nobody").status_code == 404
