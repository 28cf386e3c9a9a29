"""Parsing of client input. Every rejection raises InvalidInput with a message for the client."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

MAX_USERNAME_LENGTH = 64
MAX_BODY_BYTES = 1024
DATE_OF_BIRTH_FIELD = "dateOfBirth"

# Explicit ASCII classes: str.isalpha() and \d would also accept other scripts' letters and digits.
_USERNAME = re.compile(rf"[A-Za-z]{{1,{MAX_USERNAME_LENGTH}}}")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class InvalidInput(ValueError):
    """The request is malformed; the message is safe to show the client."""


class BodyTooLarge(InvalidInput):
    """The request body is larger than MAX_BODY_BYTES."""


def parse_username(raw: str) -> str:
    if not _USERNAME.fullmatch(raw):
        raise InvalidInput(f"username must be 1 to {MAX_USERNAME_LENGTH} ASCII letters (A-Z, a-z)")
    return raw


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


def parse_date_of_birth_body(raw_body: bytes | None, today: date) -> date:
    """The body of a PUT: exactly one JSON object with the single key dateOfBirth."""
    if raw_body is not None and len(raw_body) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"request body must be at most {MAX_BODY_BYTES} bytes")
    if not raw_body:
        raise InvalidInput("request body must be a JSON object with dateOfBirth")
    try:
        document = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("request body is not valid JSON") from None
    if not isinstance(document, dict):
        raise InvalidInput("request body must be a JSON object")
    if DATE_OF_BIRTH_FIELD not in document:
        raise InvalidInput(f"request body is missing {DATE_OF_BIRTH_FIELD}")
    unknown = sorted(set(document) - {DATE_OF_BIRTH_FIELD})
    if unknown:
        # Rejecting instead of ignoring: a client sending fields we do not store should know.
        raise InvalidInput(f"unknown fields in request body: {', '.join(unknown)}")
    return parse_date(document[DATE_OF_BIRTH_FIELD], today)
