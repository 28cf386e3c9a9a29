"""Pure birthday rules: no I/O, no clock. Callers pass ``today``."""

from __future__ import annotations

from datetime import date


def birthday_in_year(date_of_birth: date, year: int) -> date:
    """The day someone born on ``date_of_birth`` celebrates in ``year``.

    People born on 29 February celebrate on 28 February in non-leap years.
    """
    try:
        return date_of_birth.replace(year=year)
    except ValueError:  # 29 February in a non-leap year (the only day that can fail)
        return date(year, 2, 28)


def days_until_birthday(date_of_birth: date, today: date) -> int:
    """Days from ``today`` to the next birthday; 0 on the birthday itself."""
    this_year = birthday_in_year(date_of_birth, today.year)
    if this_year >= today:
        return (this_year - today).days
    return (birthday_in_year(date_of_birth, today.year + 1) - today).days


def greeting(username: str, date_of_birth: date, today: date) -> str:
    days = days_until_birthday(date_of_birth, today)
    if days == 0:
        return f"Hello, {username}! Happy birthday!"
    return f"Hello, {username}! Your birthday is in {days} day(s)"
