"""Prints docs/data-retention.md's table: how long an erased date of birth survives, per stack.

Computed by hello_stack/retention.py from each stack file's settings (defaults filled in, as
`pulumi up` resolves them). Run as `python -m tools.erasure_table`; a test keeps the doc's copy
identical.
"""

from __future__ import annotations

from pulumi.runtime.config import set_all_config

from hello_stack.config import StackConfig
from hello_stack.pulumi_config import load
from hello_stack.retention import HOURS_PER_DAY, erasure_window
from testing.evaluate_stack import OPERATOR_SETTINGS, stack_config
from tools.config_table import STACKS


def stack_settings(stack: str) -> StackConfig:
    set_all_config(stack_config(stack, OPERATOR_SETTINGS.get(stack)))
    try:
        return load()
    finally:
        set_all_config({})


def hours(value: int) -> str:
    if value == 0:
        return "none"
    days = value / HOURS_PER_DAY
    return f"{value} h ({days:.1f} days)" if value % HOURS_PER_DAY else f"{days:g} days"


def table() -> str:
    rows = [
        "| stack | PITR | AWS Backup recovery points | restore-test copies | window | maximum |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for stack in STACKS:
        settings = stack_settings(stack)
        window = erasure_window(settings)
        rows.append(
            f"| {stack} | {hours(window.pitr_hours)} | {hours(window.recovery_point_hours)} | "
            f"{hours(window.restore_test_hours)} | **{window.days} days** | "
            f"{settings.erasure_window_max_days} days |"
        )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(table(), end="")
