"""Lambda events sent straight to the handler: every malformed one is a JSON 400, and no event
at all makes the handler raise or answer 5xx."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from testing.fakes import InMemoryBirthdayStore
from testing.lambda_sandbox import api_gateway_event
from tests.app.conftest import SETTINGS, TODAY

CONTEXT = None


def handler() -> tuple[Any, InMemoryBirthdayStore]:
    store = InMemoryBirthdayStore()
    return create_app(SETTINGS, store, lambda: TODAY), store


def invoke(event: Any) -> dict[str, Any]:
    app, _ = handler()
    return app(event, CONTEXT)


def put_event() -> dict[str, Any]:
    return api_gateway_event(
        "PUT", "Alice", '{"dateOfBirth": "1990-05-17"}', {"Content-Type": "application/json"}
    )


def without(key: str) -> dict[str, Any]:
    event = put_event()
    del event[key]
    return event


def with_(path: str, value: Any) -> dict[str, Any]:
    event = put_event()
    *parents, last = path.split(".")
    target = event
    for parent in parents:
        target = target[parent]
    target[last] = value
    return event


MALFORMED = [
    (None, "the event must be an object"),
    ({**with_("body", "QUJD!"), "isBase64Encoded": True}, "body is not valid base64"),
    ([], "the event must be an object"),
    ("GET /hello/Alice", "the event must be an object"),
    (without("requestContext"), "requestContext must be an object"),
    (with_("requestContext", None), "requestContext must be an object"),
    (
        with_("requestContext.httpMethod", None),
        "requestContext must name httpMethod and resourcePath",
    ),
    (
        with_("requestContext.resourcePath", 7),
        "requestContext must name httpMethod and resourcePath",
    ),
    (with_("requestContext.resourcePath", "/nowhere"), "resourcePath names no route of this API"),
    (with_("pathParameters", None), "pathParameters must hold username"),
    (with_("pathParameters", {}), "pathParameters must hold username"),
    (with_("pathParameters", {"username": 7}), "pathParameters must be an object of strings"),
    (with_("pathParameters", ["Alice"]), "pathParameters must be an object of strings"),
    (
        with_("headers", {"content-type": ["application/json"]}),
        "headers must be an object of strings",
    ),
    (with_("headers", "content-type: application/json"), "headers must be an object of strings"),
    (with_("stageVariables", []), "stageVariables must be an object of strings"),
    (
        with_("multiValueQueryStringParameters", {"a": "b"}),
        "multiValueQueryStringParameters must be an object of string lists",
    ),
    (with_("body", {"dateOfBirth": "1990-05-17"}), "body must be a string or null"),
    (with_("body", 19900517), "body must be a string or null"),
    (with_("isBase64Encoded", "true"), "isBase64Encoded must be true or false"),
    ({**with_("body", "not base64!"), "isBase64Encoded": True}, "body is not valid base64"),
]


@pytest.mark.parametrize(("event", "reason"), MALFORMED)
def test_malformed_events_are_a_json_400(
    event: Any, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app, store = handler()
    response = app(copy.deepcopy(event), CONTEXT)
    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {
        "Code": "BadRequestError",
        "Message": f"malformed event: {reason}",
    }
    assert store.items == {}
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert line == {"level": "WARNING", "event": "malformed_event", "reason": reason}


def test_query_strings_are_lists_of_strings() -> None:
    good = {**put_event(), "multiValueQueryStringParameters": {"a": ["b", "c"]}}
    assert invoke(good)["statusCode"] == 204
    bad = {**put_event(), "multiValueQueryStringParameters": {"a": ["b", 1]}}
    assert invoke(bad)["statusCode"] == 400


def test_null_headers_are_no_headers() -> None:
    assert invoke({**put_event(), "headers": None})["statusCode"] == 204


def test_optional_keys_may_be_left_out() -> None:
    event = put_event()
    for key in ("headers", "multiValueQueryStringParameters", "stageVariables", "isBase64Encoded"):
        del event[key]
    assert invoke(event)["statusCode"] == 204


def test_a_base64_body_is_decoded() -> None:
    body = base64.b64encode(b'{"dateOfBirth": "1990-05-17"}').decode()
    app, store = handler()
    assert app({**put_event(), "body": body, "isBase64Encoded": True}, CONTEXT)["statusCode"] == 204
    assert store.items and str(store.items["Alice"]) == "1990-05-17"


@pytest.mark.parametrize("username", ["%41lice", "Alice"])
def test_encoded_and_decoded_path_parameters_name_the_same_user(username: str) -> None:
    """API Gateway may hand the parameter over decoded or not: the answer is the same."""
    app, store = handler()
    event = api_gateway_event("PUT", username, '{"dateOfBirth": "1990-05-17"}')
    assert app(event, CONTEXT)["statusCode"] == 204
    assert list(store.items) == ["Alice"]


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.binary(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
KEYS = [
    "resource",
    "path",
    "httpMethod",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext",
    "body",
    "isBase64Encoded",
]


@st.composite
def events(draw: st.DrawFn) -> Any:
    """Real events with some keys replaced by anything, or anything at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(values)
    method = draw(st.sampled_from(["GET", "PUT", "DELETE", "POST", "OPTIONS"]))
    username = draw(st.text(max_size=10) | st.sampled_from(["Alice", "%41lice"]))
    body = draw(st.none() | st.text(max_size=40) | st.just('{"dateOfBirth": "1990-05-17"}'))
    event: dict[str, Any] = api_gateway_event(method, "x", body)
    event["pathParameters"] = {"username": username}
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=3)):
        event[key] = draw(values)
    for key in draw(st.lists(st.sampled_from(["httpMethod", "resourcePath"]), max_size=2)):
        if isinstance(event.get("requestContext"), dict):
            event["requestContext"][key] = draw(values)
    return event


@settings(max_examples=250, suppress_health_check=[HealthCheck.too_slow])
@given(events())
def test_any_event_gets_a_json_answer_below_500(event: Any) -> None:
    response = invoke(event)
    assert 200 <= response["statusCode"] < 500, response
    if response["statusCode"] != 204:
        assert isinstance(json.loads(response["body"]), dict)
