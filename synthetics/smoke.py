"""Smoke test of a deployed (or local) hello API: PUT, GET and DELETE one synthetic user.

Usage: python synthetics/smoke.py BASE_URL   (exit 0 when every answer is exactly as specified)
Standard library only, so it runs anywhere Python does.
"""

from __future__ import annotations

import json
import secrets
import string
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

# 1992 is a leap year, so every month/day, 29 February included, is a valid date in it.
LEAP_YEAR = 1992


class SmokeFailure(Exception):
    pass


def synthetic_username(prefix: str = "Smoketest", letters: int = 10) -> str:
    suffix = "".join(secrets.choice(string.ascii_lowercase) for _ in range(letters))
    return f"{prefix}{suffix}"  # letters only, as usernames must be


def call(
    base_url: str,
    method: str,
    path: str,
    body: dict | None = None,
    timeout: float = 15,
    headers: dict[str, str] | None = None,
    *,
    sent_headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """One request; answers of every status come back as (status, body). `headers`, when given,
    receives the response's headers; `sent_headers` are added to the request (a region's probe
    sends the origin secret)."""
    if not base_url.startswith(("https://", "http://")):
        raise ValueError(f"BASE_URL must be an http(s) URL, got {base_url!r}")
    data = json.dumps(body).encode() if body is not None else None
    url = f"{base_url.rstrip('/')}{path}"
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - scheme checked
    if data is not None:
        request.add_header("Content-Type", "application/json")
    request.add_header("User-Agent", "hello-smoke-test")
    for name, value in (sent_headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - our URL
            if headers is not None:
                headers.update(response.headers)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        if headers is not None:
            headers.update(error.headers)
        return error.code, error.read()


# `call`'s shape: (base_url, method, path, body, timeout, headers) -> (status, body).
Send = Callable[[str, str, str, dict | None, float, dict[str, str] | None], tuple[int, bytes]]


def expect(what: str, actual: object, expected: object) -> None:
    if actual != expected:
        raise SmokeFailure(f"{what}: expected {expected!r}, got {actual!r}")


def run(base_url: str, today: date | None = None, send: Send = call) -> list[str]:
    """Every check, in order; raises SmokeFailure on the first difference. Sends at most
    hello_stack.release_traffic.SMOKE_REQUESTS requests (a test counts them)."""

    def request(
        base_url: str, method: str, path: str, body: dict | None = None
    ) -> tuple[int, bytes]:
        return send(base_url, method, path, body, 15, None)

    today = today or datetime.now(UTC).date()
    tomorrow = today + timedelta(days=1)
    user = synthetic_username()
    path = f"/hello/{user}"
    done = []
    try:
        status, _ = request(base_url, "PUT", path, {"dateOfBirth": f"{LEAP_YEAR}-{today:%m-%d}"})
        expect("PUT birthday today", status, 204)
        status, body = request(base_url, "GET", path)
        expect("GET status", status, 200)
        expect(
            "GET on the birthday", json.loads(body), {"message": f"Hello, {user}! Happy birthday!"}
        )
        done.append("birthday today")

        status, _ = request(base_url, "PUT", path, {"dateOfBirth": f"{LEAP_YEAR}-{tomorrow:%m-%d}"})
        expect("PUT birthday tomorrow", status, 204)
        status, body = request(base_url, "GET", path)
        expected = {"message": f"Hello, {user}! Your birthday is in 1 day(s)"}
        expect("GET the day before", json.loads(body), expected)
        done.append("birthday tomorrow")

        status, _ = request(base_url, "PUT", path, {"dateOfBirth": f"{today:%Y-%m-%d}"})
        expect("PUT today's date is refused", status, 400)
        done.append("bad input refused")
    finally:
        status, _ = request(base_url, "DELETE", path)  # never leave the synthetic user behind
    expect("DELETE", status, 204)
    status, _ = request(base_url, "GET", path)
    expect("GET after DELETE", status, 404)
    done.append("erased")
    return done


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        checks = run(argv[0])
    except SmokeFailure as failure:
        print(f"smoke test FAILED against {argv[0]}: {failure}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"smoke test FAILED against {argv[0]}: {error}", file=sys.stderr)
        return 1
    print(f"smoke test passed against {argv[0]}: {', '.join(checks)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
