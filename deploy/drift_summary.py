"""Markdown for the drift workflow's job summary, from `pulumi preview --json`'s output: one row
per resource whose refreshed state no longer matches the program, or a line saying none does.

A canary in progress is not drift: CodeDeploy owns the `live` alias's version and routing weights
(the program ignores both), so an alias whose refreshed state routes a share of traffic to a
second version is reported as a release under way, and a diff of only those two properties is
not counted as drift.

Usage: python -m deploy.drift_summary STACK PREVIEW_JSON
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# Step operations that mean nothing would change.
UNCHANGED = ("same", "read", "refresh")
ALIAS = "aws:lambda/alias:Alias"
# What CodeDeploy sets on the alias while it shifts traffic.
CODEDEPLOY_OWNED = {"functionVersion", "routingConfig"}


def kind_of(step: dict[str, Any]) -> str:
    return step["urn"].split("::")[-2].split("$")[-1]


def changed_properties(step: dict[str, Any]) -> list[str]:
    return sorted(step.get("diffReasons") or (step.get("detailedDiff") or {}))


def is_codedeploys(step: dict[str, Any]) -> bool:
    """An alias update touching only what CodeDeploy owns."""
    changed = set(changed_properties(step))
    return kind_of(step) == ALIAS and bool(changed) and changed <= CODEDEPLOY_OWNED


def drifted(preview: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        step
        for step in preview.get("steps", [])
        if step.get("op") not in UNCHANGED and not is_codedeploys(step)
    ]


def refreshed_outputs(step: dict[str, Any]) -> dict[str, Any]:
    """The resource's state as the refresh read it (the step's new state, else its old one)."""
    for side in ("newState", "oldState"):
        outputs = (step.get(side) or {}).get("outputs")
        if outputs:
            return outputs
    return {}


def canaries(preview: dict[str, Any]) -> list[tuple[str, str, dict[str, float]]]:
    """(alias name, version, {other version: weight}) for each alias splitting traffic."""
    found: dict[str, tuple[str, str, dict[str, float]]] = {}  # by URN: a refresh and a same
    for step in preview.get("steps", []):  # step may both carry one alias
        if kind_of(step) != ALIAS:
            continue
        outputs = refreshed_outputs(step)
        weights = (outputs.get("routingConfig") or {}).get("additionalVersionWeights") or {}
        if weights:
            version = str(outputs.get("functionVersion"))
            found[step["urn"]] = (outputs.get("name", "?"), version, weights)
    return list(found.values())


def canary_lines(preview: dict[str, Any]) -> str:
    lines = [
        f"- `{name}` serves version {version} and "
        + ", ".join(f"version {v} ({weight:.0%})" for v, weight in sorted(weights.items()))
        + ": CodeDeploy is shifting traffic (a release is under way), not drift."
        for name, version, weights in canaries(preview)
    ]
    return "\n".join(lines) + "\n" if lines else ""


def describe(step: dict[str, Any]) -> tuple[str, str, str, str]:
    name = step["urn"].split("::")[-1]
    return name, kind_of(step), step["op"], ", ".join(changed_properties(step)) or "-"


def summary(stack: str, preview: dict[str, Any]) -> str:
    steps = drifted(preview)
    canary = canary_lines(preview)
    release = f"\nA canary is in progress:\n\n{canary}" if canary else ""
    if not steps:
        return f"### {stack}: no drift\n\nEvery resource matches the program on main.\n{release}"
    rows = "\n".join("| {} | `{}` | {} | {} |".format(*describe(step)) for step in steps)
    return (
        f"### {stack}: {len(steps)} resource(s) drifted\n\n"
        "Changed outside Pulumi, or main no longer matches what was deployed:\n\n"
        "| resource | type | would | properties |\n| --- | --- | --- | --- |\n"
        f"{rows}\n{release}"
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
