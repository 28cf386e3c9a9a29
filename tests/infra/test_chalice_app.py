"""ChaliceApp for hello: Lambda, alias, IAM, logs, REST API, stage, permission, all wired."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest
from chalice.constants import CLOUDWATCH_LOGS, XRAY_POLICY
from openapi_spec_validator import validate

from chalicelib.contract import HEALTH_PATH
from pulumi_chalice.chalice_package import building_runtime
from tests.conftest import ROOT
from tests.infra.conftest import Refused, Stack, evaluate, statements

FUNCTION = "aws:lambda/function:Function"
ALIAS = "aws:lambda/alias:Alias"
# How the program refuses a stack file, as `pulumi up` prints it (hello_stack/config.py's
# ConfigError, raised by hello_stack/pulumi_config.py as a pulumi.RunError).
REFUSAL = r"^refused: invalid stack config:\n  "
REST_API = "aws:apigateway/restApi:RestApi"
STAGE = "aws:apigateway/stage:Stage"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def test_function_properties(stack: Stack) -> None:
    function = stack.state(FUNCTION, "-api_handler")
    assert function["runtime"] in {"python3.12", "python3.13"}
    assert function["architectures"] == ["arm64"]
    assert function["handler"] == "app.app"
    assert function["publish"] is True
    assert function["tracingConfig"] == {"mode": "Active"}
    assert function["memorySize"] == stack.expected["lambda_memory_mb"]
    assert function["timeout"] == stack.expected["lambda_timeout_seconds"]
    assert function["reservedConcurrentExecutions"] == stack.expected["reserved_concurrency"]


def test_snap_start_on_published_versions_in_prod_only(dev: Stack, prod: Stack) -> None:
    assert prod.state(FUNCTION, "-api_handler")["snapStart"] == {"applyOn": "PublishedVersions"}
    assert "snapStart" not in dev.state(FUNCTION, "-api_handler")


def test_function_code_is_the_chalice_package(stack: Stack) -> None:
    archive = stack.state(FUNCTION, "-api_handler")["code"]["archive"]
    assert not Path(archive).is_absolute()
    assert archive.startswith("hello_app/.chalice/deployments/")
    # Bytecode only where the program runs on the runtime's own Python (the workflows do).
    compiled = building_runtime() == "python3.12"
    bytecode = r"-bytecode-[0-9a-f]{8}-py3\.12\.\d+" if compiled else ""
    assert re.search(rf"-python3\.12-arm64{bytecode}\.zip$", archive)
    names = zipfile.ZipFile(ROOT / archive).namelist()
    suffix = ".pyc" if compiled else ".py"
    assert f"app{suffix}" in names and f"chalicelib/birthdays{suffix}" in names


def test_runtime_python313_is_packaged_for_it() -> None:
    stack = evaluate("dev", {"hello:lambdaRuntime": "python3.13"})
    function = stack.state(FUNCTION, "-api_handler")
    assert function["runtime"] == "python3.13"
    assert function["code"]["archive"].endswith("-python3.13-arm64.zip")


def test_unsupported_runtime_is_refused() -> None:
    with pytest.raises(Refused, match=REFUSAL + r"hello:lambdaRuntime must be one of python3\.12"):
        evaluate("dev", {"hello:lambdaRuntime": "python3.9"})


def test_function_environment_names_this_table(stack: Stack) -> None:
    function = stack.one(FUNCTION, "-api_handler")
    variables = function["state"]["environment"]["variables"]
    assert variables["HELLO_TABLE_NAME"] == stack.state("aws:dynamodb/table:Table")["name"]
    assert variables["HELLO_LOG_USERNAMES"] == "false"
    assert "environment" in function["secrets"]  # the origin secret keeps it secret
    assert "HELLO_REPUBLISH" not in variables


def test_republish_changes_the_functions_configuration_and_nothing_else() -> None:
    """Lambda publishes a version only for changed code or configuration (PublishVersion): a new
    `hello:republish` is such a change, for a version whose SnapStart snapshot failed."""
    plain, republished = evaluate("dev"), evaluate("dev", {"hello:republish": "2026-12-02"})
    before = plain.state(FUNCTION, "-api_handler")["environment"]["variables"]
    after = republished.state(FUNCTION, "-api_handler")["environment"]["variables"]
    assert after == {**before, "HELLO_REPUBLISH": "2026-12-02"}


def test_a_republish_value_that_is_no_token_is_refused() -> None:
    with pytest.raises(Refused, match=REFUSAL + "hello:republish must be like 2026-12-02"):
        evaluate("dev", {"hello:republish": "two words"})


def test_function_logs_to_its_own_group_created_first(stack: Stack) -> None:
    function = stack.one(FUNCTION, "-api_handler")
    logs = stack.one(LOG_GROUP, "-api_handler-log-group")
    assert function["state"]["loggingConfig"]["logGroup"] == logs["state"]["name"]
    assert logs["urn"] in function["dependencies"]
    assert logs["state"]["retentionInDays"] == stack.expected["log_retention_days"]


def test_alias_live_points_at_the_published_version_and_is_left_to_codedeploy(
    stack: Stack,
) -> None:
    alias = stack.one(ALIAS)
    function = stack.state(FUNCTION, "-api_handler")
    assert alias["state"]["name"] == "live"
    assert alias["state"]["functionName"] == function["name"]
    assert alias["state"]["functionVersion"] == function["version"]
    # CodeDeploy sets both mid-canary; Pulumi clearing the weights would end a canary early.
    assert sorted(alias["ignoreChanges"]) == ["functionVersion", "routingConfig"]


def test_role_is_for_lambda_with_chalices_policy_and_the_table(stack: Stack) -> None:
    role_resource = stack.one("aws:iam/role:Role", "-default-role")
    role = role_resource["state"]
    trust = statements(role["assumeRolePolicy"])
    assert trust == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Sid": "",
        }
    ]
    assert stack.state(FUNCTION, "-api_handler")["role"] == role["arn"]
    # No managed policies: Chalice's generated policy (logs, X-Ray) plus the table, inline.
    assert not stack.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment") or all(
        a["state"]["role"] != role["name"]
        for a in stack.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    )
    policy = stack.state("aws:iam/rolePolicy:RolePolicy", "-default-role")
    assert policy["role"] == role_resource["id"]
    table_statement = {
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
        "Resource": stack.state("aws:dynamodb/table:Table")["arn"],
    }
    assert statements(policy["policy"]) == [CLOUDWATCH_LOGS, XRAY_POLICY, table_statement]
    # Logs, traces and table access are all granted, and the log group made, before the
    # function exists.
    dependencies = stack.one(FUNCTION, "-api_handler")["dependencies"]
    assert stack.one("aws:iam/rolePolicy:RolePolicy", "-default-role")["urn"] in dependencies
    assert stack.one(LOG_GROUP, "-api_handler-log-group")["urn"] in dependencies


def test_only_the_table_statement_names_data(stack: Stack) -> None:
    policy = stack.state("aws:iam/rolePolicy:RolePolicy", "-default-role")
    table_arn = stack.state("aws:dynamodb/table:Table")["arn"]
    data = [s for s in statements(policy["policy"]) if "dynamodb" in json.dumps(s)]
    assert data == [
        {
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
            "Resource": table_arn,
        }
    ]


def swagger(stack: Stack) -> dict:
    return json.loads(stack.state(REST_API)["body"])


def test_rest_api_is_regional_with_chalice_swagger(stack: Stack) -> None:
    assert stack.state(REST_API)["endpointConfiguration"] == {"types": "REGIONAL"}
    validate(swagger(stack))


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_integrations_invoke_the_alias(stack: Stack, method: str) -> None:
    integration = swagger(stack)["paths"]["/hello/{username}"][method][
        "x-amazon-apigateway-integration"
    ]
    assert integration["type"] == "aws_proxy"
    assert integration["httpMethod"] == "POST"
    assert integration["uri"] == stack.state(ALIAS)["invokeArn"]


def test_swagger_has_exactly_the_apps_operations(stack: Stack) -> None:
    paths = swagger(stack)["paths"]
    assert {path: sorted(ops) for path, ops in paths.items()} == {
        "/hello/{username}": ["delete", "get", "put"],
        HEALTH_PATH: ["get"],
    }


def test_deployment_is_triggered_by_the_body_hash(stack: Stack) -> None:
    deployment = stack.state("aws:apigateway/deployment:Deployment")
    rest_api = stack.one(REST_API)
    assert deployment["restApi"] == rest_api["id"]
    body = rest_api["state"]["body"]
    assert deployment["triggers"] == {"body": hashlib.sha256(body.encode()).hexdigest()}


def test_stage_serves_the_deployment_with_tracing_and_json_access_logs(stack: Stack) -> None:
    stage = stack.one(STAGE)
    state = stage["state"]
    assert state["stageName"] == "api"
    assert state["restApi"] == stack.one(REST_API)["id"]
    assert state["deployment"] == stack.one("aws:apigateway/deployment:Deployment")["id"]
    assert state["xrayTracingEnabled"] is True
    access_logs = stack.state(LOG_GROUP, "-rest_api-access-logs")
    assert state["accessLogSettings"]["destinationArn"] == access_logs["arn"]
    log_format = json.loads(state["accessLogSettings"]["format"])
    assert log_format["requestId"] == "$context.requestId"
    assert log_format["status"] == "$context.status"


def test_stage_throttling_from_config(stack: Stack) -> None:
    settings = stack.state("aws:apigateway/methodSettings:MethodSettings", "-rest_api")
    assert settings["methodPath"] == "*/*"
    assert settings["stageName"] == "api"
    assert settings["restApi"] == stack.one(REST_API)["id"]
    assert settings["settings"]["throttlingRateLimit"] == stack.expected["throttle_rate_limit"]
    assert settings["settings"]["throttlingBurstLimit"] == stack.expected["throttle_burst_limit"]


def test_permission_is_scoped_to_the_alias_and_this_api_stage(stack: Stack) -> None:
    (permission,) = [  # the others: EventBridge (checks, restore tests)
        p["state"]
        for p in stack.all("aws:lambda/permission:Permission")
        if p["state"]["principal"] == "apigateway.amazonaws.com"
    ]
    rest_api = stack.state(REST_API)
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["function"] == stack.state(FUNCTION, "-api_handler")["name"]
    assert permission["qualifier"] == "live"
    assert permission["sourceArn"] == f"{rest_api['executionArn']}/api/*/*"


def test_a_harness_crash_is_no_refusal() -> None:
    """evaluate() reports a refusal only for the program's own pulumi.RunError: a stack file
    that is missing crashes the harness, which no refusal test may take as its proof."""
    with pytest.raises(AssertionError, match="FileNotFoundError"):
        evaluate("no-such-stack")
