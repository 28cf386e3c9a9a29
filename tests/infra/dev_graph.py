"""dev's resource graph as a digest per URN: what a one-region stack builds, kept unchanged by
work on further regions (issue 22). Written from the program at main b2dc2ec, before two
regions existed, and checked by tests/infra/test_regions.py. Dependencies and the remaining
options joined the digest later: taken with them from 9a7d2c2's program (the last regeneration,
after dev's two deliberate changes) and from main's, the two files were identical.

Regenerate only for an intended change of dev:
`python -m tests.infra.dev_graph > tests/infra/dev_graph.json`
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from typing import Any

from tests.conftest import ROOT

# What a digest covers: the state the program sets, what the resource waits for, and every
# option the engine acts on (testing.evaluate_stack's RecordingMonitor records them).
KEYS = (
    "type",
    "parent",
    "protect",
    "retainOnDelete",
    "ignoreChanges",
    "provider",
    "aliases",
    "deleteBeforeReplace",
    "deleteBeforeReplaceDefined",
    "replaceOnChanges",
    "replaceWith",
    "replacementTrigger",
    "additionalSecretOutputs",
    "hideDiffs",
    "customTimeouts",
    "deletedWith",
    "importId",
    "hooks",
)


def digest(resource: dict[str, Any], root: str) -> str:
    options = {key: resource[key] for key in KEYS}
    # The order Pulumi's SDK lists dependencies in is not a difference in the graph.
    options["dependencies"] = sorted(resource["dependencies"])
    text = json.dumps({"state": resource["state"], **options}, sort_keys=True)
    text = text.replace(root, "ROOT")
    text = re.sub(r" object at 0x[0-9a-f]+", " object", text)  # an asset's repr
    return hashlib.sha256(text.encode()).hexdigest()


def graph(resources: list[dict[str, Any]], root: str = str(ROOT)) -> dict[str, str]:
    return {r["urn"]: digest(r, root) for r in resources}


def main() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "testing.evaluate_stack", "dev"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    json.dump(graph(json.loads(result.stdout)["resources"]), sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
