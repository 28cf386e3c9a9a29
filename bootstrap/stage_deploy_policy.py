"""The deploy role's policies, written from the table in bootstrap/stage_access.py: each grant
held to the stage by name, by tag or by its own Route 53 zone and records, and the denials that
keep a stage's tag its own."""

from __future__ import annotations

import json
from typing import Any

from bootstrap.stage_access import API_TAGS, grants
from components.iam import POLICY_VERSION
from hello_stack import naming
from hello_stack.stage_files import FailoverRecords


def _tag_condition(key: str, stage: str) -> dict[str, dict[str, str | list[str]]]:
    return {"StringEquals": {f"aws:{key}/{naming.STAGE_TAG}": stage}}


# https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html:
# ChangeResourceRecordSets' condition keys, each holding one value per change of the request.
RECORD_NAMES = "route53:ChangeResourceRecordSetsNormalizedRecordNames"
RECORD_TYPES = "route53:ChangeResourceRecordSetsRecordTypes"
_PLAIN = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789-_.")


def normalized_record_name(name: str) -> str:
    """A record name as Route 53 gives it to RECORD_NAMES (the page above): lower case, without
    the trailing dot, and every character but a-z, 0-9, hyphen, underscore and the dots between
    labels as a backslash and its three-digit octal code (\\052 for *)."""
    text = name.lower().removesuffix(".").encode()
    return "".join(chr(b) if b in _PLAIN else f"\\{b:03o}" for b in text)


def records_condition(records: FailoverRecords) -> dict[str, dict[str, str | list[str]]]:
    """Every change of a ChangeResourceRecordSets request is to one of the stage's own names,
    of the stage's own type. ForAllValues also holds for a request without the keys
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html):
    Null refuses one."""
    return {
        "ForAllValues:StringEquals": {
            RECORD_NAMES: sorted({normalized_record_name(name) for name in records.names}),
            RECORD_TYPES: [records.record_type.upper()],
        },
        "Null": {RECORD_NAMES: "false", RECORD_TYPES: "false"},
    }


def deploy_statements(
    stage: str, backs_up: bool, failover: FailoverRecords | None = None
) -> list[dict[str, Any]]:
    """The deploy role's non-IAM grants, each held to the stage; grants that share a resource
    pattern and a condition merged into one statement (a managed policy holds 6,144 characters).
    AWS Backup's only for a stage that backs up; failover's only for a stage that serves from
    two regions (`failover`: its records, from its stack file), held to its zone and records.
    retag_denials go with them, in the role's inline policy."""
    fields = {"prefix": naming.stage_prefix(stage)}
    if failover is not None:
        fields["zone"] = failover.zone_id
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for row in grants(backs_up, failover is not None).values():
        for grant in row:
            if grant.scope in ("iam", "withheld"):
                continue
            condition = dict(grant.condition)
            if grant.scope == "records":
                assert failover is not None  # grants() holds them for a stage that fails over
                condition = records_condition(failover)
            elif grant.scope == "tag":
                condition = _tag_condition("ResourceTag", stage)
            elif grant.scope == "create":
                # Tagged with the stage, and not already any stage's.
                condition = {
                    **_tag_condition("RequestTag", stage),
                    "Null": {f"aws:ResourceTag/{naming.STAGE_TAG}": "true"},
                }
            resource = grant.pattern.format(**fields)
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
    if RECORD_NAMES in condition:
        return "OwnRecords"
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


def policy_documents(
    stage: str, backs_up: bool, failover: FailoverRecords | None = None
) -> list[str]:
    """The deploy role's stage grants as few managed policies as fit IAM's quota."""
    documents: list[list[dict[str, Any]]] = [[]]
    for statement in deploy_statements(stage, backs_up, failover):
        if _size([*documents[-1], statement]) > MANAGED_POLICY_LIMIT:
            documents.append([])
        documents[-1].append(statement)
    return [_document(statements) for statements in documents]


def _document(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": POLICY_VERSION, "Statement": statements}, separators=(",", ":"))


def _size(statements: list[dict[str, Any]]) -> int:
    return len(_document(statements))  # compact JSON: no white space outside the strings
