from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.birthdays import birthday_in_year, days_until_birthday, greeting


@pytest.mark.parametrize(
    ("born", "today", "days"),
    [
        (date(1990, 5, 17), date(2026, 5, 17), 0),
        (date(1990, 5, 17), date(2026, 5, 16), 1),
        (date(1990, 5, 17), date(2026, 5, 18), 364),
        (date(1990, 12, 31), date(2026, 1, 1), 364),
        (date(1990, 1, 1), date(2026, 12, 31), 1),
        # The day after a birthday in a year before a leap year waits 365 days.
        (date(1990, 3, 1), date(2027, 3, 2), 365),
        (date(1990, 2, 28), date(2024, 2, 29), 365),
    ],
)
def test_days_until_birthday(born: date, today: date, days: int) -> None:
    assert days_until_birthday(born, today) == days


@pytest.mark.parametrize(
    ("today", "days"),
    [
        (date(2025, 2, 28), 0),  # non-leap year: celebrated on 28 February
        (date(2025, 2, 27), 1),
        (date(2025, 3, 1), 364),  # next is 2026-02-28
        (date(2024, 2, 29), 0),  # leap year: the real day
        (date(2024, 2, 28), 1),
        (date(2024, 3, 1), 364),  # next is 2025-02-28
        (date(2027, 3, 1), 365),  # next is 2028-02-29
    ],
)
def test_born_on_29_february(today: date, days: int) -> None:
    assert days_until_birthday(date(2000, 2, 29), today) == days


def test_birthday_in_year_moves_29_february_only_in_non_leap_years() -> None:
    assert birthday_in_year(date(2000, 2, 29), 2023) == date(2023, 2, 28)
    assert birthday_in_year(date(2000, 2, 29), 2024) == date(2024, 2, 29)
    assert birthday_in_year(date(2000, 2, 29), 2100) == date(2100, 2, 28)
    assert birthday_in_year(date(2000, 3, 1), 2023) == date(2023, 3, 1)


def test_greeting_messages() -> None:
    born = date(1990, 5, 17)
    assert greeting("Alice", born, date(2026, 5, 17)) == "Hello, Alice! Happy birthday!"
    assert (
        greeting("Alice", born, date(2026, 5, 16)) == "Hello, Alice! Your birthday is in 1 day(s)"
    )
    assert greeting("bOB", born, date(2026, 5, 7)) == "Hello, bOB! Your birthday is in 10 day(s)"


def reference_days(born: date, today: date) -> int:
    """Walk forward one day at a time until a day that is the birthday."""
    day, steps = today, 0
    while True:
        is_birthday = (day.month, day.day) == (born.month, born.day)
        celebrates_on_28th = (
            (born.month, born.day) == (2, 29)
            and (day.month, day.day) == (2, 28)
            and (day + timedelta(days=1)).month == 3
        )
        if is_birthday or celebrates_on_28th:
            return steps
        day += timedelta(days=1)
        steps += 1


dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@given(born=dates, today=dates)
def test_days_are_within_a_year_and_match_the_day_by_day_reference(born: date, today: date) -> None:
    days = days_until_birthday(born, today)
    assert 0 <= days <= 365
    assert days == reference_days(born, today)


@given(born=dates, today=dates)
def test_zero_exactly_on_the_birthday(born: date, today: date) -> None:
    celebrated = birthday_in_year(born, today.year)
    assert (days_until_birthday(born, today) == 0) == (today == celebrated)
