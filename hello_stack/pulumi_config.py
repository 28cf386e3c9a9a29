"""The stack's settings read from Pulumi config: the only code that reads it.

hello_stack/config.py owns every setting (key, type, default, rule) and imports no Pulumi; this
module reads each key with pulumi.Config's getter for its type and turns a refusal into the
pulumi.RunError that `pulumi up` and `pulumi preview` print, the key named, before anything is
built.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from contextlib import contextmanager
from typing import Any

import pulumi

from hello_stack.config import ConfigError, StackConfig, full_key, settings

# pulumi.Config's getter for each value type: Pulumi refuses a value of another type itself
# (pulumi.ConfigTypeError, naming the key).
_GETTERS: dict[type[Any], Callable[[pulumi.Config, str], Any]] = {
    str: pulumi.Config.get,
    int: pulumi.Config.get_int,
    float: pulumi.Config.get_float,
    bool: pulumi.Config.get_bool,
}


@contextmanager
def refused_as_run_error() -> Generator[None, None, None]:
    """A ConfigError raised inside becomes a pulumi.RunError with the same text: Pulumi prints
    a RunError as the program's message, without a traceback, and the update fails."""
    try:
        yield
    except ConfigError as refused:
        raise pulumi.RunError(str(refused)) from refused


def load() -> StackConfig:
    """The stack's settings from Pulumi config, typed and checked, defaults filled in."""
    values: dict[str, Any] = {}
    for each, value_type in settings():
        namespace, _, key = full_key(each).partition(":")
        value = _GETTERS[value_type](pulumi.Config(namespace), key)
        if value is not None:
            values[each.name] = value
    with refused_as_run_error():
        return StackConfig(**values)
