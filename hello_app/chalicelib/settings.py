"""The one place that reads the environment. A deployed function refuses to start without its
table or its origin secret, rather than falling back to a default that would be wrong there."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

from chalicelib.contract import (
    LAMBDA_FUNCTION_NAME_ENV,
    LOCAL_TABLE_NAME,
    LOG_USERNAMES_ENV,
    ORIGIN_SECRET_ENV,
    TABLE_NAME_ENV,
)
from chalicelib.observability import log_exception

_TRUE = frozenset({"1", "true", "yes"})
_FALSE = frozenset({"", "0", "false", "no"})


class ConfigurationError(RuntimeError):
    """The function's environment is incomplete or wrong; the message names the variable."""


class Settings(NamedTuple):
    """Immutable. A NamedTuple, not a dataclass: `dataclasses` would add to every cold start."""

    table_name: str
    # When set, only requests carrying this value in ORIGIN_HEADER (added by CloudFront) are served.
    origin_secret: str | None
    # Usernames are personal data: they appear in logs only when the operator opts in.
    log_usernames: bool
    # True in a deployed function (the Lambda runtime names it): init then does the work.
    in_lambda: bool = False

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        deployed = bool(environ.get(LAMBDA_FUNCTION_NAME_ENV))
        table_name = environ.get(TABLE_NAME_ENV)
        origin_secret = environ.get(ORIGIN_SECRET_ENV)
        if deployed:
            for variable, value in (
                (TABLE_NAME_ENV, table_name),
                (ORIGIN_SECRET_ENV, origin_secret),
            ):
                if not value:
                    raise ConfigurationError(f"{variable} is not set: the function cannot start")
        return cls(
            table_name=table_name or LOCAL_TABLE_NAME,
            origin_secret=origin_secret or None,
            log_usernames=_flag(environ, LOG_USERNAMES_ENV),
            in_lambda=deployed,
        )


def _flag(environ: Mapping[str, str], variable: str) -> bool:
    value = environ.get(variable, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{variable} must be true or false, not {value!r}")


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """The environment's settings; a deployed function missing one logs it and does not start."""
    try:
        return Settings.from_environ(environ)
    except ConfigurationError as error:
        log_exception("configuration_error", error)
        raise
