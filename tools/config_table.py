"""Prints docs/configuration.md's config table from hello_stack/config.py and the stack files.

Run as `python -m tools.config_table`; a test keeps that copy identical.
"""

from __future__ import annotations

import yaml

from hello_stack.config import full_key, settings
from testing.evaluate_stack import ROOT

STACKS = ("dev", "prod")


def stack_file(stack: str) -> dict[str, str]:
    return yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]


def shown(value: object) -> str:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def table() -> str:
    files = {stack: stack_file(stack) for stack in STACKS}
    rows = [
        "| key | type | default | " + " | ".join(STACKS) + " | meaning | rule |",
        "| --- | --- | --- | " + " | ".join("---" for _ in STACKS) + " | --- | --- |",
    ]
    for each, value_type in settings():
        key = full_key(each)
        default = "(required)" if key == "aws:region" else shown(each.default) or "none"
        per_stack = " | ".join(shown(files[stack].get(key)) for stack in STACKS)
        rows.append(
            f"| `{key}` | {value_type.__name__} | {default} | {per_stack} | "
            f"{each.metadata['meaning']} | {getattr(each.metadata['check'], 'rule', '')} |"
        )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(table(), end="")
