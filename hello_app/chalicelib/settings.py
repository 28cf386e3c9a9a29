"""The one place that reads the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

DEFAULT_TABLE_NAME = "hello-birthdays"
ORIGIN_HEADER = "X-Origin-Verify"


class Settings(NamedTuple):
    """Immutable. A NamedTuple, not a dataclass: `dataclasses` would add to every cold start."""

    table_name: str
    # When set, only requests carrying this value in ORIGIN_HEADER (added by CloudFront) are served.
    origin_secret: str | None
    # Usernames are personal data: they appear in logs only when the operator opts in.
    log_usernames: bool

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            table_name=environ.get("HELLO_TABLE_NAME") or DEFAULT_TABLE_NAME,
            origin_secret=environ.get("HELLO_ORIGIN_SECRET") or None,
            log_usernames=environ.get("HELLO_LOG_USERNAMES", "").lower() in {"1", "true", "yes"},
        )
