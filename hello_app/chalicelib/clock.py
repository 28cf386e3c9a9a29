"""Today's date, the only clock the rules use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo

Clock = Callable[[], date]


def utc_today(now: Callable[[tzinfo], datetime] = datetime.now) -> date:
    """The current date in UTC, whatever the machine's time zone."""
    return now(UTC).date()
