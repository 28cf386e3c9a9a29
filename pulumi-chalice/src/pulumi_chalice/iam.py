"""IAM policy documents for the roles ChaliceApp manages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

POLICY_VERSION = "2012-10-17"  # the IAM policy language's current version


def policy_document(*statements: pulumi.Input[Mapping[str, Any]]) -> pulumi.Output[str]:
    """An IAM policy document holding these statements (outputs resolved)."""
    return pulumi.Output.json_dumps({"Version": POLICY_VERSION, "Statement": list(statements)})
