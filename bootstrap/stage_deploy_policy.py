"""The deploy role's policies, written from the table in bootstrap/stage_access.py: each grant
held to the stage by name or by tag, and the denials that keep a stage's tag its own."""

from __future__ import annotations

import json
from typing import Any

from bootstrap.stage_access import API_TAGS, grants
from components.iam import POLICY_VERSION
from hello_stack import naming


def _tag_condition(key: str, stage: str) -> dict[str, dict[str, str | list[str]]]:
    return {"StringEquals": {f"aws:{key}/{naming.STAGE_TAG}": stage}}


def deploy_statements(stage: str, backs_up: bool, fails_over: bool = False) -> list[dict[str, Any]]:
    """The deploy role's non-IAM grants, each held to the stage; grants that share a resource
    pattern and a condition merged into one statement (a managed policy holds 6,144 characters).
    AWS Backup's only for a stage that backs up. retag_denials go with them, in the role's
    inline policy."""
    prefix = naming.stage_prefix(stage)
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for row in grants(backs_up, fails_over).values():
        for grant in row:
            if grant.scope in ("iam", "withheld"):
                continue
            condition = dict(grant.condition)
            if grant.scope == "tag":
                condition = _tag_condition("ResourceTag", stage)
            elif grant.scope == "create":
                # Tagged with the stage, and not already any stage's.
                condition = {
                    **_tag_condition("RequestTag", stage),
                    "Null": {f"aws:ResourceTag/{naming.STAGE_TAG}": "true"},
                }
            resource = grant.pattern.format(prefix=prefix)
            key = (resource, json.dumps(condition, sort_keys=True))
            statement = merged.setdefault(
                key, {"Effect": "Allow", "Action": [], "Resource": resource}
            )
            if condition:
                statement["Condition"] = condition
            statement["Action"] = sorted({*statement["Action"], *grant.actions})
    return [{"Sid": f"Stage{scope_name(s)}{index}", **s} for index, s in enumerate(merged.values())]


def scope_name(statement: dict[str, Any]) -> str:
    condition = json.dumps(statement.get("Condition", {}))
    if "RequestTag" in condition:
        return "CreateTagged"
    if "ResourceTag" in condition:
        return "Tagged"
    return "Named" if statement["Resource"] != "*" else "Unscoped"


# The tagging actions of the services whose resources the deploy role reaches by their tag.
RETAGGING = (
    "cloudfront:TagResource",
    "cloudfront:UntagResource",
    "backup:TagResource",
    "backup:UntagResource",
    "fis:TagResource",
    "fis:UntagResource",
)


def retag_denials(stage: str) -> list[dict[str, Any]]:
    """No request sets another stage's tag, nor removes the stage's (an untag request lists the
    key in aws:TagKeys, with no value). API Gateway's tag edits, held by no resource tag, may
    not touch the stage tag at all: it is set when an API is created."""
    # Tag keys are case-sensitive in AWS, but condition key names, the tag key in
    # aws:ResourceTag/<key> included, are not
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html):
    # a `Stage` tag would stand beside `stage` and answer for it, so any spelling is denied.
    touches_the_tag = {"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": naming.STAGE_TAG}}
    return [
        {
            "Sid": "NeverAnotherStagesTag",
            "Effect": "Deny",
            "Action": list(RETAGGING),
            "Resource": "*",
            "Condition": {
                **touches_the_tag,
                "StringNotEquals": {f"aws:RequestTag/{naming.STAGE_TAG}": stage},
            },
        },
        {
            "Sid": "NeverTheStageTagOfAnApi",
            "Effect": "Deny",
            "Action": ["apigateway:PUT", "apigateway:DELETE"],
            "Resource": API_TAGS,
            "Condition": touches_the_tag,
        },
    ]


# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html: a managed policy
# holds 6,144 characters, white space not counted.
MANAGED_POLICY_LIMIT = 6144


def policy_documents(stage: str, backs_up: bool, fails_over: bool = False) -> list[str]:
    """The deploy role's stage grants as few managed policies as fit IAM's quota."""
    documents: list[list[dict[str, Any]]] = [[]]
    for statement in deploy_statements(stage, backs_up, fails_over):
        if _size([*documents[-1], statement]) > MANAGED_POLICY_LIMIT:
            documents.append([])
        documents[-1].append(statement)
    return [_document(statements) for statements in documents]


def _document(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": POLICY_VERSION, "Statement": statements}, separators=(",", ":"))


def _size(statements: list[dict[str, Any]]) -> int:
    return len(_document(statements))  # compact JSON: no white space outside the strings
