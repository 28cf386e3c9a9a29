"""What a live check of hello asks and what answer is right: one owner for the release probe
(deploy/probe.py) and the synthetic checks (synthetics/handler.py).

A check cycle: GET a known user (it must greet them), then a PUT, GET, DELETE round trip on the
checker's own user. Standard library only: the synthetic checks' function is zipped with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

TIMEOUT_S = 5
BIRTHDAY = {"dateOfBirth": "1990-05-17"}

Check = Callable[[int, bytes], str | None]  # None when the answer is right, else what is wrong
# (label, method, username, check, body)
Step = tuple[str, str, str, Check, dict | None]


def status_is(expected: int) -> Check:
    return lambda status, _: None if status == expected else f"status {status}"


def greets(user: str) -> Check:
    def check(status: int, body: bytes) -> str | None:
        if status != 200:
            return f"status {status}"
        try:
            message = json.loads(body)["message"]
        except (ValueError, KeyError, TypeError):
            return f"not a greeting: {body[:80]!r}"
        return None if message.startswith(f"Hello, {user}! ") else f"message {message!r}"

    return check


def seed(known: str) -> Step:
    """Stores the known user, before its first GET."""
    return ("PUT known", "PUT", known, status_is(204), BIRTHDAY)


def cycle(known: str, own: str) -> list[Step]:
    return [
        ("GET known", "GET", known, greets(known), None),
        ("PUT own", "PUT", own, status_is(204), BIRTHDAY),
        ("GET own", "GET", own, greets(own), None),
        ("DELETE own", "DELETE", own, status_is(204), None),
    ]
