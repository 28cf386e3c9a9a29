"""Fakes the app is composed with in tests: no AWS emulator, no patching."""

from __future__ import annotations

from datetime import date

from chalicelib.storage import StorageUnavailable


class InMemoryBirthdayStore:
    """The BirthdayStore protocol over a dict; `failure` makes every call fail like DynamoDB."""

    def __init__(self) -> None:
        self.items: dict[str, date] = {}
        self.failure: Exception | None = None
        self.pings = 0  # health checks served

    def get(self, username: str) -> date | None:
        self._maybe_fail()
        return self.items.get(username)

    def put(self, username: str, date_of_birth: date) -> None:
        self._maybe_fail()
        self.items[username] = date_of_birth

    def delete(self, username: str) -> None:
        self._maybe_fail()
        self.items.pop(username, None)

    def ping(self) -> None:
        self._maybe_fail()
        self.pings += 1

    def _maybe_fail(self) -> None:
        if self.failure is not None:
            raise self.failure


def unavailable() -> StorageUnavailable:
    return StorageUnavailable("DynamoDB GetItem failed: throttled")
