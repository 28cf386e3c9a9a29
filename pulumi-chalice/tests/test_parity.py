"""ChaliceApp against Chalice itself: for every bundled template and our every-decorator app,
the same kinds and counts of AWS resources as `chalice package --pkg-format terraform`, and
every property Terraform sets, reproduced with the same wiring (each reference to another
resource resolved to ours), except the differences listed in DELIBERATE, each with its reason.
"""

from __future__ import annotations

import collections
import fnmatch
import json
import re
from typing import Any

import pytest

from chalice_projects import CASES, Packaged
from harness import ACCOUNT, REGION

# Terraform's resource type -> the Pulumi type ChaliceApp creates for it.
TOKENS = {
    "aws_iam_role": "aws:iam/role:Role",
    "aws_iam_role_policy": "aws:iam/rolePolicy:RolePolicy",
    "aws_lambda_function": "aws:lambda/function:Function",
    "aws_lambda_layer_version": "aws:lambda/layerVersion:LayerVersion",
    "aws_cloudwatch_log_group": "aws:cloudwatch/logGroup:LogGroup",
    "aws_cloudwatch_event_rule": "aws:cloudwatch/eventRule:EventRule",
    "aws_cloudwatch_event_target": "aws:cloudwatch/eventTarget:EventTarget",
    "aws_lambda_permission": "aws:lambda/permission:Permission",
    "aws_s3_bucket_notification": "aws:s3/bucketNotification:BucketNotification",
    "aws_sns_topic_subscription": "aws:sns/topicSubscription:TopicSubscription",
    "aws_lambda_event_source_mapping": "aws:lambda/eventSourceMapping:EventSourceMapping",
    "aws_api_gateway_rest_api": "aws:apigateway/restApi:RestApi",
    "aws_api_gateway_deployment": "aws:apigateway/deployment:Deployment",
    "aws_api_gateway_domain_name": "aws:apigateway/domainName:DomainName",
    "aws_api_gateway_base_path_mapping": "aws:apigateway/basePathMapping:BasePathMapping",
    "aws_apigatewayv2_api": "aws:apigatewayv2/api:Api",
    "aws_apigatewayv2_integration": "aws:apigatewayv2/integration:Integration",
    "aws_apigatewayv2_route": "aws:apigatewayv2/route:Route",
    "aws_apigatewayv2_deployment": "aws:apigatewayv2/deployment:Deployment",
    "aws_apigatewayv2_stage": "aws:apigatewayv2/stage:Stage",
    "aws_apigatewayv2_domain_name": "aws:apigatewayv2/domainName:DomainName",
    "aws_apigatewayv2_api_mapping": "aws:apigatewayv2/apiMapping:ApiMapping",
}
STAGE = "aws:apigateway/stage:Stage"
# Properties ChaliceApp sets differently on purpose (type, property): why.
DELIBERATE = {
    ("aws_lambda_function", "function_name"): "auto-named: Chalice's names collide across stacks",
    ("aws_iam_role", "name"): "auto-named, as functions",
    ("aws_iam_role_policy", "name"): "auto-named, as functions",
    ("aws_cloudwatch_event_rule", "name"): "auto-named, as functions",
    ("aws_lambda_layer_version", "layer_name"): "<component>-managed-layer: one per stack",
    ("aws_lambda_function", "filename"): "a FileArchive of the same zip (see test_code_*)",
    ("aws_lambda_function", "source_code_hash"): "Pulumi hashes a FileArchive itself",
    ("aws_lambda_layer_version", "filename"): "a FileArchive of the same zip",
    ("aws_lambda_layer_version", "source_code_hash"): "Pulumi hashes a FileArchive itself",
    ("aws_lambda_permission", "statement_id"): "auto-named; S3 needs no fixed statement id",
    ("aws_api_gateway_deployment", "stage_description"): "redeploys on a body hash trigger",
    ("aws_api_gateway_deployment", "lifecycle"): "Pulumi replaces create-before-delete already",
    ("aws_apigatewayv2_deployment", "depends_on"): "a resource option (test_websocket_*)",
}
# Keys ChaliceApp adds inside a Terraform property (type, property) -> keys: why.
ADDED = {
    ("aws_apigatewayv2_domain_name", "domain_name_configuration"): {"securityPolicy"},
    # Chalice's tls_version (TLS_1_2 by default): `chalice deploy` applies it, Terraform drops it.
    ("aws_api_gateway_rest_api", "endpoint_configuration"): {"vpcEndpointIds"},
    # The body's x-amazon-apigateway-endpoint-configuration, repeated as the provider needs
    # (an attribute left unset is reset to empty: Chalice's own comment on its generator).
}
# Where Terraform's property has another name in Pulumi (type, property) -> Pulumi's.
RENAMED = {
    ("aws_sns_topic_subscription", "topic_arn"): "topic",
    ("aws_lambda_permission", "function_name"): "function",
    ("aws_s3_bucket_notification", "lambda_function"): "lambdaFunctions",
    ("aws_api_gateway_deployment", "rest_api_id"): "restApi",
    ("aws_api_gateway_base_path_mapping", "api_id"): "restApi",
}
DATA = {
    "data.aws_partition.chalice.partition": "aws",
    "data.aws_region.chalice.name": REGION,
    "data.aws_caller_identity.chalice.account_id": ACCOUNT,
}
REFERENCE = re.compile(r"\$\{([^}]+)\}")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def camel_keys(value: Any, inside: str = "") -> Any:
    """Terraform's snake_case keys as Pulumi's; maps of names (variables, tags) untouched."""
    if isinstance(value, dict) and inside not in {"variables", "tags"}:
        return {camel(key): camel_keys(item, key) for key, item in value.items()}
    if isinstance(value, list):
        return [camel_keys(item) for item in value]
    return value


class Resolver:
    """Terraform's interpolations, resolved to the values of ChaliceApp's resources."""

    def __init__(self, packaged: Packaged) -> None:
        self.packaged = packaged

    def reference(self, reference: str) -> Any:
        if reference in DATA:
            return DATA[reference]
        if reference.startswith("local."):
            return self(self.packaged.terraform["locals"][reference.removeprefix("local.")])
        tf_type, key, attribute = reference.split(".")
        resource = self.packaged.ours(TOKENS[tf_type], key)
        if attribute == "id":
            return resource["id"]
        if attribute == "function_name":
            return resource["state"]["name"]
        return resource["state"][camel(attribute)]

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            whole = REFERENCE.fullmatch(value)
            if whole:
                return self.reference(whole.group(1))
            return REFERENCE.sub(lambda match: str(self.reference(match.group(1))), value)
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self(item) for item in value]
        return value


def same(expected: Any, actual: Any) -> bool:
    """Equal, reading Terraform's JSON strings as JSON, a one-item list as its item (Pulumi's
    endpoint types are one string), numbers as strings where Pulumi types them so, and an
    empty string as absent."""
    if isinstance(expected, str) and isinstance(actual, str) and expected[:1] in "{[":
        try:
            return json.loads(expected) == json.loads(actual)
        except ValueError:
            return expected == actual
    if expected in ("", None) and actual in ("", None):
        return True
    if isinstance(expected, list) and len(expected) == 1 and isinstance(actual, str):
        return same(expected[0], actual)
    if isinstance(expected, int) and isinstance(actual, str):
        return str(expected) == actual
    if isinstance(expected, dict) and isinstance(actual, dict):
        keys = set(expected) | {k for k, v in actual.items() if v is not None}
        return all(same(expected.get(key), actual.get(key)) for key in keys)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(map(same, expected, actual))
    return expected == actual


def counts(packaged: Packaged) -> tuple[collections.Counter, collections.Counter]:
    terraform: collections.Counter[str] = collections.Counter()
    for tf_type, entries in packaged.terraform["resource"].items():
        terraform[TOKENS[tf_type]] += len(entries)
        if tf_type == "aws_api_gateway_deployment":  # Terraform's deployment makes its stage
            terraform[STAGE] += len(entries)
    ours = collections.Counter(
        r["type"] for r in packaged.resources if r["type"].startswith("aws:")
    )
    return terraform, ours


@pytest.mark.parametrize("packaged", CASES, indirect=True, ids=[f"{p}-{s}" for p, s in CASES])
def test_same_kinds_and_counts_as_terraform(packaged: Packaged) -> None:
    terraform, ours = counts(packaged)
    assert ours == terraform


@pytest.mark.parametrize("packaged", CASES, indirect=True, ids=[f"{p}-{s}" for p, s in CASES])
def test_every_terraform_property_is_reproduced(packaged: Packaged) -> None:
    resolve = Resolver(packaged)
    differences = []
    for tf_type, entries in packaged.terraform["resource"].items():
        for key, properties in entries.items():
            mine = packaged.ours(TOKENS[tf_type], key)
            for name, value in properties.items():
                if (tf_type, name) in DELIBERATE:
                    continue
                state = mine["state"]
                if tf_type == "aws_api_gateway_deployment" and name == "stage_name":
                    state = packaged.ours(STAGE, key)["state"]
                actual = state.get(RENAMED.get((tf_type, name), camel(name)))
                if (tf_type, name) in ADDED:
                    actual = {k: v for k, v in actual.items() if k not in ADDED[tf_type, name]}
                expected = camel_keys(resolve(value), name)
                if tf_type == "aws_lambda_permission" and name == "function_name":
                    # Terraform names the function by ARN or name; ChaliceApp by name.
                    function = next(
                        r
                        for r in packaged.resources
                        if r["type"] == TOKENS["aws_lambda_function"]
                        and r["state"]["name"] == actual
                    )
                    actual = expected if expected in (actual, function["state"]["arn"]) else actual
                if (
                    tf_type == "aws_lambda_permission"
                    and name == "source_arn"
                    and isinstance(actual, str)
                    and isinstance(expected, str)
                ):
                    # A narrower grant is allowed (see test_rest_api_grant_is_stage_scoped).
                    actual = expected if fnmatch.fnmatchcase(actual, expected) else actual
                if not same(expected, actual):
                    differences.append((tf_type, key, name, expected, actual))
    assert differences == []
