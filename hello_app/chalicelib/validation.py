"""Parsing of client input. Every rejection raises InvalidInput with a message for the client."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, cast
from urllib.parse import unquote

MAX_USERNAME_LENGTH = 64
MAX_BODY_BYTES = 1024
# The only valid body is a flat object; a little room keeps error messages precise for
# {"dateOfBirth": ["..."]}, and the bound keeps any body far from Python's recursion limit.
MAX_JSON_NESTING = 8
DATE_OF_BIRTH_FIELD = "dateOfBirth"
JSON_MEDIA_TYPE = "application/json"
BYTE_ORDER_MARK = "\ufeff"

# Explicit ASCII classes: str.isalpha() and \d would also accept other scripts' letters and digits.
_USERNAME = re.compile(rf"[A-Za-z]{{1,{MAX_USERNAME_LENGTH}}}")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class InvalidInput(ValueError):
    """The request is malformed; the message is safe to show the client."""


class BodyTooLarge(InvalidInput):
    """The request body is larger than MAX_BODY_BYTES."""


class UnsupportedMediaType(InvalidInput):
    """A PUT whose Content-Type is not JSON."""


def fully_unquoted(raw: str) -> str:
    """Percent-decoding repeated until nothing changes.

    A path parameter reaches the app decoded zero times (chalice local) or once (a proxy that
    decodes); decoding to the end gives the same name either way. Each pass shortens the text,
    so this ends.
    """
    decoded = unquote(raw)  # bytes that are not UTF-8 become U+FFFD: never a letter
    while decoded != raw:
        raw, decoded = decoded, unquote(decoded)
    return decoded


def parse_username(raw: str) -> str:
    """1 to 64 ASCII letters, after percent-decoding (`%41lice` is `Alice`)."""
    name = fully_unquoted(raw)
    if not _USERNAME.fullmatch(name):
        raise InvalidInput(f"username must be 1 to {MAX_USERNAME_LENGTH} ASCII letters (A-Z, a-z)")
    return name


def parse_date(raw: Any, today: date) -> date:
    """A JSON string of the exact form YYYY-MM-DD naming a real date strictly before today."""
    if not isinstance(raw, str):
        raise InvalidInput(f"{DATE_OF_BIRTH_FIELD} must be a string of the form YYYY-MM-DD")
    match = _ISO_DATE.fullmatch(raw)
    if not match:
        raise InvalidInput(f"{DATE_OF_BIRTH_FIELD} must be of the form YYYY-MM-DD")
    year, month, day = (int(part) for part in match.groups())
    try:
        parsed = date(year, month, day)
    except ValueError:
        raise InvalidInput(f"{DATE_OF_BIRTH_FIELD} is not a real calendar date") from None
    if parsed >= today:
        raise InvalidInput(f"{DATE_OF_BIRTH_FIELD} must be a date before today")
    return parsed


def check_json_content_type(header: str | None) -> None:
    """A PUT's Content-Type: absent, or exactly application/json with optional parameters."""
    if header is None:
        return
    media_type = header.partition(";")[0].strip().lower()
    if media_type != JSON_MEDIA_TYPE:
        raise UnsupportedMediaType(f"Content-Type must be {JSON_MEDIA_TYPE}, not {header!r}")


def nesting_depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings; computed without recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise InvalidInput(f"request body repeats the key {key}")
        document[key] = value
    return document


def _reject_constant(name: str) -> None:
    raise InvalidInput(f"request body is not valid JSON: {name} is not a JSON number")


def parse_json(raw_body: bytes) -> Any:
    """Strict JSON (RFC 8259): UTF-8 (a leading byte order mark is ignored), no duplicate keys,
    no NaN or Infinity, nesting bounded before parsing."""
    try:
        text = raw_body.decode().removeprefix(BYTE_ORDER_MARK)  # UTF-8 is decode()'s default
    except UnicodeDecodeError:
        raise InvalidInput("request body must be UTF-8 JSON") from None
    if nesting_depth(text) > MAX_JSON_NESTING:
        raise InvalidInput(f"request body nests deeper than {MAX_JSON_NESTING} levels")
    try:
        return json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_constant=_reject_constant,
        )
    except ValueError as error:
        if isinstance(error, InvalidInput):
            raise
        raise InvalidInput("request body is not valid JSON") from None


def parse_date_of_birth_body(raw_body: bytes | None, today: date) -> date:
    """The body of a PUT: exactly one JSON object with the single key dateOfBirth."""
    if raw_body is not None and len(raw_body) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"request body must be at most {MAX_BODY_BYTES} bytes")
    if not raw_body:
        raise InvalidInput("request body must be a JSON object with dateOfBirth")
    document = parse_json(raw_body)
    if not isinstance(document, dict):
        raise InvalidInput("request body must be a JSON object")
    if DATE_OF_BIRTH_FIELD not in document:
        raise InvalidInput(f"request body is missing {DATE_OF_BIRTH_FIELD}")
    unknown = sorted(set(cast(dict[str, Any], document)) - {DATE_OF_BIRTH_FIELD})
    if unknown:
        # Rejecting instead of ignoring: a client sending fields we do not store should know.
        raise InvalidInput(f"unknown fields in request body: {', '.join(unknown)}")
    return parse_date(document[DATE_OF_BIRTH_FIELD], today)
