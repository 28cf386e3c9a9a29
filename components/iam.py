"""IAM policy documents shared by the components."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def trust_policy(
    principal: Mapping[str, str],
    action: str = "sts:AssumeRole",
    condition: Mapping[str, Any] | None = None,
) -> str:
    """A role's trust policy: one principal, one action, an optional condition."""
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": dict(principal), "Action": action}
    if condition:
        statement["Condition"] = dict(condition)
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def assume_role_policy(service: str) -> str:
    """Trust policy letting one AWS service (e.g. lambda.amazonaws.com) assume a role."""
    return trust_policy({"Service": service})
