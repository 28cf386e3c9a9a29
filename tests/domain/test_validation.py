import codecs
import json
import re
from datetime import date, timedelta
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.validation import (
    BodyTooLarge,
    InvalidInput,
    UnsupportedMediaType,
    check_json_content_type,
    nesting_depth,
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


FORM = "dateOfBirth must be of the form YYYY-MM-DD"
NOT_A_STRING = "dateOfBirth must be a string of the form YYYY-MM-DD"
NOT_REAL = "dateOfBirth is not a real calendar date"
NOT_PAST = "dateOfBirth must be a date before today"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("2026-11-28", NOT_PAST),  # today
        ("2026-11-29", NOT_PAST),
        ("9999-12-31", NOT_PAST),
        ("2021-02-30", NOT_REAL),
        ("2019-02-29", NOT_REAL),
        ("2000-13-01", NOT_REAL),
        ("0000-01-01", NOT_REAL),
        ("2000-1-1", FORM),
        ("20000101", FORM),
        ("2000-01-01T00:00:00", FORM),
        ("2000/01/01", FORM),
        (" 2000-01-01", FORM),
        ("2000-01-01 ", FORM),
        ("2000-01-01\n", FORM),
        ("٢٠٠٠-٠١-٠١", FORM),  # Arabic-Indic digits
        ("", FORM),
        (20000101, NOT_A_STRING),
        (None, NOT_A_STRING),
        (["2000-01-01"], NOT_A_STRING),
        ({"date": "2000-01-01"}, NOT_A_STRING),
        (True, NOT_A_STRING),
    ],
)
def test_dates_rejected(raw: object, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_date(raw, TODAY)
    assert str(raised.value) == message


def test_body_parsed() -> None:
    body = json.dumps({"dateOfBirth": "1990-05-17"}).encode()
    assert parse_date_of_birth_body(body, TODAY) == date(1990, 5, 17)


BAD_BODIES = [
    (None, "request body must be a JSON object with dateOfBirth"),
    (b"", "request body must be a JSON object with dateOfBirth"),
    (b"not json", "request body is not valid JSON"),
    (b"{", "request body is not valid JSON"),
    (b"[]", "request body must be a JSON object"),
    (b'"1990-05-17"', "request body must be a JSON object"),
    (b"{}", "request body is missing dateOfBirth"),
    (b'{"dob": "1990-05-17"}', "request body is missing dateOfBirth"),
    (
        b'{"dateOfBirth": "1990-05-17", "name": "x", "a": 1}',
        "unknown fields in request body: a, name",
    ),
    (b'{"dateOfBirth": null}', "dateOfBirth must be a string of the form YYYY-MM-DD"),
    (b"\xff\xfe", "request body must be UTF-8 JSON"),
    (b"X" * 20, "request body is not valid JSON"),
    # Duplicate keys: no "last one wins".
    (
        b'{"dateOfBirth":"2099-01-01","dateOfBirth":"1990-05-17"}',
        "request body repeats the key dateOfBirth",
    ),
    (
        b'{"dateOfBirth":"1990-05-17","dateOfBirth":"1990-05-17"}',
        "request body repeats the key dateOfBirth",
    ),
    (b'{"dateOfBirth": "1990-05-17", "x": {"y": 1, "y": 2}}', "request body repeats the key y"),
    # Not UTF-8 (RFC 8259 8.1): UTF-16 and UTF-32, with or without a byte order mark.
    ('{"dateOfBirth": "1990-05-17"}'.encode("utf-16"), "request body must be UTF-8 JSON"),
    # Without a byte order mark, UTF-16 of ASCII is valid UTF-8 with NULs: still not JSON.
    ('{"dateOfBirth": "1990-05-17"}'.encode("utf-16-le"), "request body is not valid JSON"),
    ('{"dateOfBirth": "1990-05-17"}'.encode("utf-32"), "request body must be UTF-8 JSON"),
    # JSON has no NaN or Infinity.
    (b'{"dateOfBirth": NaN}', "request body is not valid JSON: NaN is not a JSON number"),
    (
        b'{"dateOfBirth": "1990-05-17", "x": -Infinity}',
        "request body is not valid JSON: -Infinity is not a JSON number",
    ),
    # Nesting is bounded before parsing: no RecursionError, on any Python.
    (b"[" * 1000, "request body nests deeper than 8 levels"),
    (b'{"a":' * 200, "request body nests deeper than 8 levels"),
    (b"[[[[[[[[[]]]]]]]]]", "request body nests deeper than 8 levels"),
]


@pytest.mark.parametrize(("body", "message"), BAD_BODIES)
def test_bodies_rejected(body: bytes | None, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_date_of_birth_body(body, TODAY)
    assert str(raised.value) == message


def test_a_utf8_byte_order_mark_is_ignored() -> None:
    body = codecs.BOM_UTF8 + b'{"dateOfBirth": "1990-05-17"}'
    assert parse_date_of_birth_body(body, TODAY) == date(1990, 5, 17)


def test_nesting_up_to_the_bound_parses_to_the_usual_errors() -> None:
    eight_deep = b'{"dateOfBirth": [[[[[[["x"]]]]]]]}'
    with pytest.raises(InvalidInput, match="must be a string"):
        parse_date_of_birth_body(eight_deep, TODAY)


def test_only_brackets_and_braces_nest() -> None:
    assert nesting_depth("X" * 20) == 0
    assert nesting_depth("[{X}]") == 2
    assert nesting_depth("[X[X[") == 3


def test_brackets_inside_strings_are_not_nesting() -> None:
    text = json.dumps({"dateOfBirth": '[[[[[[[[[[{{{{{{{{{{\\"['})
    assert nesting_depth(text) == 1
    with pytest.raises(InvalidInput, match="must be of the form YYYY-MM-DD"):
        parse_date_of_birth_body(text.encode(), TODAY)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab', max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=20,
)


def depth_of(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    return 0


@given(json_values)
def test_nesting_depth_is_the_documents_depth(value: object) -> None:
    assert nesting_depth(json.dumps(value)) == depth_of(value)


@given(st.binary(max_size=64))
def test_any_bytes_are_a_date_or_invalid_input(body: bytes) -> None:
    try:
        parse_date_of_birth_body(body, TODAY)
    except InvalidInput as error:
        assert str(error)


ACCEPTED_CONTENT_TYPES = [
    None,
    "application/json",
    "APPLICATION/JSON",
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",
    "application/json; charset=utf-8; profile=x",
    " application/json ",
]
REJECTED_CONTENT_TYPES = [
    "",
    "*/*",
    "text/plain",
    "text/plain, application/json",
    "application/json, text/plain",
    "text/plain;application/json",
    "application/jsonx",
    "application/json-patch+json",
    "application/x-www-form-urlencoded",
]


@pytest.mark.parametrize("header", ACCEPTED_CONTENT_TYPES)
def test_json_content_types_accepted(header: str | None) -> None:
    assert check_json_content_type(header) is None


@pytest.mark.parametrize("header", REJECTED_CONTENT_TYPES)
def test_other_content_types_rejected(header: str) -> None:
    with pytest.raises(
        UnsupportedMediaType,
        match=re.escape(f"Content-Type must be application/json, not {header!r}"),
    ):
        check_json_content_type(header)


@pytest.mark.parametrize(
    ("raw", "name"),
    [("Alice", "Alice"), ("%41lice", "Alice"), ("%2541lice", "Alice"), ("%252541lice", "Alice")],
)
def test_percent_encoded_letters_are_the_letters(raw: str, name: str) -> None:
    assert parse_username(raw) == name


@pytest.mark.parametrize(
    "raw", ["%", "%4", "%ZZlice", "al%20ice", "%C3%A9lodie", "%C3lice", "%FF", "a%2Fb", "%25"]
)
def test_percent_encoded_non_letters_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidInput, match="username must be 1 to 64 ASCII letters"):
        parse_username(raw)


@given(st.text(max_size=20))
def test_decoding_once_more_never_changes_the_answer(raw: str) -> None:
    """Whether a proxy decoded the path parameter once or not at all, the answer is the same."""

    def answer(text: str) -> str:
        try:
            return parse_username(text)
        except InvalidInput as error:
            return f"invalid: {error}"

    try:
        once = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return
    assert answer(once) == answer(raw)


def test_body_over_one_kib_is_too_large() -> None:
    padded = b'{"dateOfBirth": "1990-05-17"' + b" " * 1024 + b"}"
    with pytest.raises(BodyTooLarge) as raised:
        parse_date_of_birth_body(padded, TODAY)
    assert str(raised.value) == "request body must be at most 1024 bytes"
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
