import json
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.validation import (
    BodyTooLarge,
    InvalidInput,
    parse_date,
    parse_date_of_birth_body,
    parse_username,
)

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize("name", ["a", "Alice", "alice", "ZZ", "x" * 64])
def test_usernames_accepted(name: str) -> None:
    assert parse_username(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "x" * 65, "al1ce", "al_ice", "al-ice", "al ice", "élodie", "ａｌｉｃｅ", "alice\n", "ǅ"],
)
def test_usernames_rejected(name: str) -> None:
    with pytest.raises(InvalidInput):
        parse_username(name)


def test_dates_accepted() -> None:
    assert parse_date("2000-02-29", TODAY) == date(2000, 2, 29)
    assert parse_date("2026-11-27", TODAY) == date(2026, 11, 27)
    assert parse_date("0001-01-01", TODAY) == date(1, 1, 1)


@pytest.mark.parametrize(
    "raw",
    [
        "2026-11-28",  # today
        "2026-11-29",
        "9999-12-31",
        "2021-02-30",
        "2019-02-29",
        "2000-13-01",
        "0000-01-01",
        "2000-1-1",
        "20000101",
        "2000-01-01T00:00:00",
        "2000/01/01",
        " 2000-01-01",
        "2000-01-01 ",
        "2000-01-01\n",
        "٢٠٠٠-٠١-٠١",  # Arabic-Indic digits
        "",
        20000101,
        None,
        ["2000-01-01"],
        {"date": "2000-01-01"},
        True,
    ],
)
def test_dates_rejected(raw: object) -> None:
    with pytest.raises(InvalidInput):
        parse_date(raw, TODAY)


def test_body_parsed() -> None:
    body = json.dumps({"dateOfBirth": "1990-05-17"}).encode()
    assert parse_date_of_birth_body(body, TODAY) == date(1990, 5, 17)


@pytest.mark.parametrize(
    "body",
    [
        None,
        b"",
        b"not json",
        b"{",
        b"[]",
        b'"1990-05-17"',
        b"{}",
        b'{"dob": "1990-05-17"}',
        b'{"dateOfBirth": "1990-05-17", "name": "x"}',
        b'{"dateOfBirth": null}',
        b"\xff\xfe",
    ],
)
def test_bodies_rejected(body: bytes | None) -> None:
    with pytest.raises(InvalidInput):
        parse_date_of_birth_body(body, TODAY)


def test_body_over_one_kib_is_too_large() -> None:
    padded = b'{"dateOfBirth": "1990-05-17"' + b" " * 1024 + b"}"
    with pytest.raises(BodyTooLarge):
        parse_date_of_birth_body(padded, TODAY)
    exactly_limit = b'{"dateOfBirth": "1990-05-17"}'.ljust(1024)
    assert parse_date_of_birth_body(exactly_limit, TODAY) == date(1990, 5, 17)


past = st.dates(min_value=date(1, 1, 1), max_value=TODAY - timedelta(days=1))
not_past = st.dates(min_value=TODAY, max_value=date(9999, 12, 31))


@given(past)
def test_every_real_date_before_today_round_trips(day: date) -> None:
    assert parse_date(day.isoformat(), TODAY) == day


@given(not_past)
def test_no_date_from_today_on_is_accepted(day: date) -> None:
    with pytest.raises(InvalidInput):
        parse_date(day.isoformat(), TODAY)


@given(st.text(max_size=12))
def test_arbitrary_text_is_a_date_only_in_the_exact_form(text: str) -> None:
    try:
        parsed = parse_date(text, TODAY)
    except InvalidInput:
        return
    assert parsed.isoformat() == text
