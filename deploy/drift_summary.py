"""Markdown for the drift workflow's job summary, from `pulumi preview --json`'s output: one row
per resource whose refreshed state no longer matches the program, or a line saying none does.

Usage: python -m deploy.drift_summary STACK PREVIEW_JSON
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# Step operations that mean nothing would change.
UNCHANGED = ("same", "read", "refresh")


def drifted(preview: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in preview.get("steps", []) if step.get("op") not in UNCHANGED]


def describe(step: dict[str, Any]) -> tuple[str, str, str, str]:
    urn = step["urn"]
    kind, name = urn.split("::")[-2].split("$")[-1], urn.split("::")[-1]
    properties = sorted(step.get("diffReasons") or (step.get("detailedDiff") or {}))
    return name, kind, step["op"], ", ".join(properties) or "-"


def summary(stack: str, preview: dict[str, Any]) -> str:
    steps = drifted(preview)
    if not steps:
        return f"### {stack}: no drift\n\nEvery resource matches the program on main.\n"
    rows = "\n".join("| {} | `{}` | {} | {} |".format(*describe(step)) for step in steps)
    return (
        f"### {stack}: {len(steps)} resource(s) drifted\n\n"
        "Changed outside Pulumi, or main no longer matches what was deployed:\n\n"
        "| resource | type | would | properties |\n| --- | --- | --- | --- |\n"
        f"{rows}\n"
    )


def main(argv: list[str]) -> int:
    stack, path = argv
    text = Path(path).read_text()
    try:
        preview = json.loads(text)
    except ValueError:
        print(f"### {stack}: the preview failed\n\nSee the step's log; no JSON was written.")
        return 0
    print(summary(stack, preview))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
