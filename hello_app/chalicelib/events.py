"""The Lambda event, checked before Chalice reads it: a malformed event is a JSON 400.

API Gateway never sends one, but the handler is also invoked directly (a pre-traffic hook, a
console test, another service), and Chalice indexes events without checking them.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Mapping
from typing import Any, TypeGuard

from chalice.app import Chalice, error_response

from chalicelib.observability import write_log

_PLACEHOLDER = re.compile(r"{(\w+)\+?}")
# Keys Chalice reads without a default; a direct invocation may leave them out.
_OPTIONAL = {
    "headers": None,
    "multiValueQueryStringParameters": None,
    "pathParameters": None,
    "stageVariables": None,
    "body": None,
    "isBase64Encoded": False,
}


@functools.lru_cache(maxsize=64)
def _placeholders(resource: str) -> tuple[str, ...]:
    """The path parameters a route needs: parsed once per route, not once per request."""
    return tuple(_PLACEHOLDER.findall(resource))


class MalformedEvent(ValueError):
    """The event is not a REST API proxy event this app can serve; the message says why."""


def _is_object(value: Any) -> TypeGuard[dict[Any, Any]]:
    return isinstance(value, dict)


def _is_list(value: Any) -> TypeGuard[list[Any]]:
    return isinstance(value, list)


def _strings(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not _is_object(value) or not all(
        isinstance(key, str) and isinstance(item, str) for key, item in value.items()
    ):
        raise MalformedEvent(f"{what} must be an object of strings")
    return value


def _string_lists(value: Any, what: str) -> None:
    if value is not None and not (
        _is_object(value)
        and all(
            isinstance(key, str)
            and _is_list(items)
            and all(isinstance(item, str) for item in items)
            for key, items in value.items()
        )
    ):
        raise MalformedEvent(f"{what} must be an object of string lists")


def checked_rest_event(event: Any, routes: Mapping[str, Any]) -> dict[str, Any]:
    """The event with Chalice's optional keys filled in, or MalformedEvent."""
    if not _is_object(event):
        raise MalformedEvent("the event must be an object")
    context = event.get("requestContext")
    if not _is_object(context):
        raise MalformedEvent("requestContext must be an object")
    method, resource = context.get("httpMethod"), context.get("resourcePath")
    if not isinstance(method, str) or not isinstance(resource, str):
        raise MalformedEvent("requestContext must name httpMethod and resourcePath")
    if resource not in routes:
        raise MalformedEvent("resourcePath names no route of this API")
    checked: dict[str, Any] = {**_OPTIONAL, **event}
    _strings(checked["headers"], "headers")
    _strings(checked["stageVariables"], "stageVariables")
    _string_lists(checked["multiValueQueryStringParameters"], "multiValueQueryStringParameters")
    parameters = _strings(checked["pathParameters"], "pathParameters")
    missing = [name for name in _placeholders(resource) if name not in parameters]
    if missing:
        raise MalformedEvent(f"pathParameters must hold {', '.join(missing)}")
    body, encoded = checked["body"], checked["isBase64Encoded"]
    if not isinstance(encoded, bool):
        raise MalformedEvent("isBase64Encoded must be true or false")
    # chalice local hands the body over as bytes; API Gateway as a string.
    if body is not None and not isinstance(body, (str, bytes)):
        raise MalformedEvent("body must be a string or null")
    if encoded and body is not None:
        try:
            base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedEvent("body is not valid base64") from None
    return checked


class StrictChalice(Chalice):
    """Chalice whose REST handler answers a malformed event with a JSON 400, never an
    exception or a 500."""

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        try:
            checked = checked_rest_event(event, self.routes)
        except MalformedEvent as error:
            write_log({"level": "WARNING", "event": "malformed_event", "reason": str(error)})
            response = error_response(f"malformed event: {error}", "BadRequestError", 400)
            return response.to_dict()
        return super().__call__(checked, context)
