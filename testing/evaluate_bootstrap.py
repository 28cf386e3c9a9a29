"""Evaluates bootstrap/__main__.py under Pulumi's mocks with a real bootstrap stack file.

Run as `python -m testing.evaluate_bootstrap STACK [OVERRIDES_JSON]`; prints the same JSON as
testing.evaluate_stack (resources, outputs, config).
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from typing import Any

from testing.evaluate_stack import ROOT, record, stack_config

BOOTSTRAP = ROOT / "bootstrap"


def evaluate(stack: str, overrides: dict[str, str] | None = None) -> dict[str, Any]:
    config = stack_config(stack, overrides, BOOTSTRAP)
    os.chdir(BOOTSTRAP)  # as `pulumi -C bootstrap up` runs it
    recorded = record(
        lambda: runpy.run_path(str(BOOTSTRAP / "__main__.py"), run_name="__main__"),
        "hello-bootstrap",
        stack,
        config,
    )
    return {**recorded, "config": config}


if __name__ == "__main__":
    overrides = json.loads(sys.argv[2]) if len(sys.argv) > 2 else None
    json.dump(evaluate(sys.argv[1], overrides), sys.stdout, default=str, sort_keys=True)
