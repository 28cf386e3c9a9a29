"""The synthetic checks as each stack file builds them: one function per check location, in
that region, run every minute by EventBridge, publishing to the serving region; a zip that
holds what the handler imports and nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from components.synthetic_checks import HANDLER, SOURCES
from tests.infra.conftest import Stack, cached, statements

FUNCTION = "aws:lambda/function:Function"
LOCATIONS = {"prod": ["us-east-1", "us-west-2"], "dev": ["us-east-1"]}


def located(stack: Stack, token: str, location: str, suffix: str = "") -> dict:
    return stack.one(token, f"-checks-{location}{suffix}")


def test_one_check_per_location_outside_the_serving_region(stack: Stack) -> None:
    checks = [f for f in stack.all(FUNCTION) if "-checks-" in f["name"]]
    assert sorted(stack.provider_region(f) for f in checks) == LOCATIONS[stack.name]
    assert stack.expected["region"] not in LOCATIONS[stack.name]


@pytest.mark.parametrize(
    ("stage", "location"), [(stage, loc) for stage, locs in LOCATIONS.items() for loc in locs]
)
def test_each_location_runs_the_checks_every_minute_against_the_public_url(
    stage: str, location: str
) -> None:
    stack = cached(stage)
    function = located(stack, FUNCTION, location)
    state = function["state"]
    assert state["handler"] == "synthetics.handler.handler"
    assert state["runtime"] == stack.settings["lambda_runtime"]
    assert (state["memorySize"], state["timeout"], state["architectures"]) == (128, 40, ["arm64"])
    assert state["environment"]["variables"] == {
        "CHECK_PUBLIC_URL": stack.outputs["url"],
        "CHECK_LOCATION": location,
        "CHECK_METRIC_NAMESPACE": f"hello/{stack.name}",
        "CHECK_METRIC_REGION": stack.expected["region"],  # where the SLO's alarms read them
    }
    logs = located(stack, "aws:cloudwatch/logGroup:LogGroup", location, "-logs")
    assert state["loggingConfig"] == {"logFormat": "Text", "logGroup": logs["state"]["name"]}
    assert logs["state"]["retentionInDays"] == stack.expected["log_retention_days"]
    rule = located(stack, "aws:cloudwatch/eventRule:EventRule", location, "-schedule")
    assert rule["state"]["scheduleExpression"] == "rate(1 minute)"
    target = located(stack, "aws:cloudwatch/eventTarget:EventTarget", location, "-target")
    assert (target["state"]["rule"], target["state"]["arn"]) == (
        rule["state"]["name"],
        state["arn"],
    )
    grant = located(stack, "aws:lambda/permission:Permission", location, "-invoke")
    assert grant["state"] == {
        **grant["state"],
        "action": "lambda:InvokeFunction",
        "function": state["name"],
        "principal": "events.amazonaws.com",
        "sourceArn": rule["state"]["arn"],
    }
    for each in (function, logs, rule, target, grant):
        assert stack.provider_region(each) == location


@pytest.mark.parametrize(
    ("stage", "location"), [(stage, loc) for stage, locs in LOCATIONS.items() for loc in locs]
)
def test_runs_never_overlap_nor_replay(stage: str, location: str) -> None:
    """Every run writes the location's own user: a retry or a second delivery running beside
    the next minute's run fails both with false 404s and counts twice (review 23, HIGH 3).
    Lambda retries a failed asynchronous invocation twice by default, EventBridge delivers at
    least once (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html,
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html); 60 s is the
    least maximum event age either accepts."""
    stack = cached(stage)
    function = located(stack, FUNCTION, location)["state"]
    assert function["reservedConcurrentExecutions"] == 1  # one run at a time
    invoke = located(
        stack, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", location, "-async"
    )
    assert invoke["state"]["functionName"] == function["name"]
    assert invoke["state"]["maximumRetryAttempts"] == 0
    assert invoke["state"]["maximumEventAgeInSeconds"] == 60
    assert "qualifier" not in invoke["state"]  # the function EventBridge invokes, unqualified
    assert stack.provider_region(invoke) == location
    target = located(stack, "aws:cloudwatch/eventTarget:EventTarget", location, "-target")
    assert target["state"]["retryPolicy"] == {
        "maximumRetryAttempts": 0,
        "maximumEventAgeInSeconds": 60,
    }


def test_the_checks_role_publishes_into_the_stacks_namespace_only(stack: Stack) -> None:
    role = stack.one("aws:iam/role:Role", "-checks-role")
    assert role["state"]["permissionsBoundary"].endswith(f":policy/hello-boundary-{stack.name}")
    (policy,) = [
        p for p in stack.all("aws:iam/rolePolicy:RolePolicy") if p["state"]["role"] == role["id"]
    ]
    assert statements(policy["state"]["policy"]) == [
        {
            "Sid": "PublishTheChecksMetrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": f"hello/{stack.name}"}},
        }
    ]
    attached = [
        a["state"]["policyArn"]
        for a in stack.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a["state"]["role"] == role["state"]["name"]
    ]
    assert attached == ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    for function in stack.all(FUNCTION):
        if "-checks-" in function["name"]:
            assert function["state"]["role"] == role["state"]["arn"]


def test_the_zip_holds_everything_the_handler_imports(tmp_path: Path) -> None:
    """The sources alone, in a fresh interpreter that sees nothing of the repository (-E: no
    PYTHONPATH; -S: no site-packages, where hello itself is installed editable; the working
    directory is the copy), import the handler: the zip is self-contained (the Lambda runtime
    adds boto3 only)."""
    for packaged, source in SOURCES.items():
        (tmp_path / packaged).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / packaged).write_text(source.read_text())
    module, _, function = HANDLER.rpartition(".")
    script = f"import {module} as m, json; print(json.dumps(callable(m.{function})))"
    result = subprocess.run(
        [sys.executable, "-E", "-S", "-c", script], cwd=tmp_path, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) is True
    # Without the probe's checks, the same import fails: the test can tell.
    (tmp_path / "synthetics" / "checks.py").unlink()
    again = subprocess.run(
        [sys.executable, "-E", "-S", "-c", script], cwd=tmp_path, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert again.returncode == 1 and "synthetics.checks" in again.stderr
