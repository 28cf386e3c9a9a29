"""The environment, read once: defaults outside Lambda, refusal to start inside it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

import pytest

from chalicelib.clock import utc_today
from chalicelib.contract import (
    LAMBDA_FUNCTION_NAME_ENV,
    LOCAL_TABLE_NAME,
    LOG_USERNAMES_ENV,
    ORIGIN_SECRET_ENV,
    TABLE_NAME_ENV,
)
from chalicelib.settings import ConfigurationError, Settings, load_settings

DEPLOYED = {LAMBDA_FUNCTION_NAME_ENV: "hello-prod-function", TABLE_NAME_ENV: "t"}


def test_settings_read_from_the_environment() -> None:
    settings = Settings.from_environ(
        {TABLE_NAME_ENV: "t", ORIGIN_SECRET_ENV: "x", LOG_USERNAMES_ENV: "true"}
    )
    assert settings == Settings(table_name="t", origin_secret="x", log_usernames=True)


def test_outside_lambda_the_local_table_and_no_origin_check() -> None:
    assert Settings.from_environ({}) == Settings(LOCAL_TABLE_NAME, None, False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[("1", True), ("true", True), ("TRUE", True), ("yes", True), (" yes ", True)],
        *[("", False), ("0", False), ("false", False), ("False", False), ("no", False)],
    ],
)
def test_log_usernames_flag(value: str, expected: bool) -> None:
    assert Settings.from_environ({LOG_USERNAMES_ENV: value}).log_usernames is expected


def test_an_unknown_flag_value_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigurationError, match=f"{LOG_USERNAMES_ENV} must be true or false"):
        Settings.from_environ({LOG_USERNAMES_ENV: "maybe"})


def test_deployed_function_with_both_variables_starts() -> None:
    settings = Settings.from_environ({**DEPLOYED, ORIGIN_SECRET_ENV: "s"})
    assert settings == Settings("t", "s", log_usernames=False, in_lambda=True)


@pytest.mark.parametrize("missing", [TABLE_NAME_ENV, ORIGIN_SECRET_ENV])
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_deployed_function_without_table_or_secret_refuses_to_start(
    missing: str, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {**DEPLOYED, ORIGIN_SECRET_ENV: "s"}
    if how == "unset":
        del environ[missing]
    else:
        environ[missing] = ""
    with pytest.raises(ConfigurationError, match=f"^{missing} is not set"):
        load_settings(environ)
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert line["level"] == "ERROR" and line["event"] == "configuration_error"
    assert missing in line["error"]


def test_load_settings_logs_nothing_when_all_is_well(capsys: pytest.CaptureFixture[str]) -> None:
    assert load_settings({**DEPLOYED, ORIGIN_SECRET_ENV: "s"}).table_name == "t"
    assert capsys.readouterr().out == ""


def test_today_is_the_date_in_utc_whatever_the_local_zone() -> None:
    asked: list[tzinfo] = []
    # 23:30 on 31 December in UTC is already 1 January in UTC+2.
    instant = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)

    def now(zone: tzinfo) -> datetime:
        asked.append(zone)
        return instant.astimezone(zone)

    assert utc_today(now) == date(2026, 12, 31)
    assert asked == [UTC]
    assert instant.astimezone(timezone(timedelta(hours=2))).date() == date(2027, 1, 1)
