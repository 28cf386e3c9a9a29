"""Runs __main__.py under the barest mocks: every resource's state is just its inputs, so every
computed output (ARNs, auto-names, versions, the random secret) is None. The program must still
evaluate: other harnesses mock less than testing/evaluate_stack.py does.

Run as `python -m testing.minimal_mocks STACK`; prints {resource type: count} as JSON.
"""

from __future__ import annotations

import collections
import json
import runpy
import sys
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from testing.evaluate_stack import OPERATOR_SETTINGS, ROOT, stack_config


class InputsOnly(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.types: collections.Counter[str] = collections.Counter()

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.types[args.typ] += 1
        return f"{args.name}_id", dict(args.inputs)

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, []  # pulumi iterates the failures: an empty list, not None


def main(stack: str) -> None:
    mocks = InputsOnly()
    pulumi.runtime.set_mocks(mocks, project="hello", stack=stack, preview=False)
    pulumi.runtime.set_all_config(stack_config(stack, OPERATOR_SETTINGS.get(stack)))

    def program() -> None:
        runpy.run_path(str(ROOT / "__main__.py"))

    _sync_await(run_pulumi_func(program))
    json.dump(dict(mocks.types), sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
