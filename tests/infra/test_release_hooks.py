"""The release hooks as deployed: two functions from hooks/release_hook.py, a role that can do
exactly what they need, CodeDeploy allowed to invoke them, and their settings wired."""

from __future__ import annotations

from typing import Any

from chalicelib.contract import ORIGIN_HEADER, STAGE_NAME
from hooks import release_hook
from tests.infra.conftest import Stack, as_list, statements

FUNCTION = "aws:lambda/function:Function"


def hook(stack: Stack, phase: str) -> dict[str, Any]:
    return stack.one(FUNCTION, f"-{phase}-traffic")


def test_two_hook_functions_run_the_hook_module(stack: Stack) -> None:
    for phase, handler in (("before", "before_allow_traffic"), ("after", "after_allow_traffic")):
        state = hook(stack, phase)["state"]
        assert state["handler"] == f"release_hook.{handler}"
        assert callable(getattr(release_hook, handler))
        assert state["runtime"] == stack.settings["lambda_runtime"]
        # Five checks of at most 10 s with one retry each (100 s), after up to five 5 s waits
        # for a version that is not ready yet (25 s), and 20 s to report: 145 s.
        assert state["timeout"] == 145
        assert state["role"] == stack.state("aws:iam/role:Role", "-hook-role")["arn"]


def test_hooks_know_the_version_the_url_and_the_secret(stack: Stack) -> None:
    api = stack.state(FUNCTION, "-api_handler")
    for phase in ("before", "after"):
        function = hook(stack, phase)
        variables = function["state"]["environment"]["variables"]
        assert variables[release_hook.TARGET_ENV] == api["qualifiedArn"]  # the new version
        if len(stack.expected["regions"]) > 1:  # the region's own API, with the secret
            assert variables[release_hook.PUBLIC_URL_ENV] == stack.outputs["api_url"]
            assert variables[release_hook.DIRECT_ENV] == "true"
        else:
            assert variables[release_hook.PUBLIC_URL_ENV] == stack.outputs["url"]
            assert release_hook.DIRECT_ENV not in variables
        assert variables[release_hook.ORIGIN_HEADER_ENV] == ORIGIN_HEADER
        assert (
            variables[release_hook.ORIGIN_SECRET_ENV]
            == (api["environment"]["variables"]["HELLO_ORIGIN_SECRET"])
        )
        assert variables[release_hook.STAGE_ENV] == STAGE_NAME
        assert "environment" in function["secrets"]


def test_the_hook_role_may_invoke_the_versions_and_report_nothing_else(stack: Stack) -> None:
    api = stack.state(FUNCTION, "-api_handler")
    policy = stack.state("aws:iam/rolePolicy:RolePolicy", "-hook-policy")
    assert policy["role"] == stack.state("aws:iam/role:Role", "-hook-role")["name"]
    by_sid = {s["Sid"]: s for s in statements(policy["policy"])}
    assert by_sid == {
        "InvokeTheFunctionsVersions": {
            "Sid": "InvokeTheFunctionsVersions",
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": f"{api['arn']}:*",
        },
        # IAM knows no resource for this action: a narrower Resource would deny it.
        "ReportHookResults": {
            "Sid": "ReportHookResults",
            "Effect": "Allow",
            "Action": "codedeploy:PutLifecycleEventHookExecutionStatus",
            "Resource": "*",
        },
    }
    attached = [
        a["state"]["policyArn"]
        for a in stack.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a["name"].endswith("-hook-logs")
    ]
    assert attached == ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]


def test_codedeploy_may_invoke_both_hooks(stack: Stack) -> None:
    grant = stack.state("aws:iam/rolePolicy:RolePolicy", "-codedeploy-invokes-hooks")
    assert grant["role"] == stack.state("aws:iam/role:Role", "-codedeploy-role")["name"]
    (statement,) = statements(grant["policy"])
    assert statement["Action"] == "lambda:InvokeFunction"
    assert sorted(as_list(statement["Resource"])) == sorted(
        hook(stack, phase)["state"]["arn"] for phase in ("before", "after")
    )


def test_the_hook_names_are_outputs_for_the_appspec(stack: Stack) -> None:
    assert stack.outputs["before_traffic_hook"] == hook(stack, "before")["state"]["name"]
    assert stack.outputs["after_traffic_hook"] == hook(stack, "after")["state"]["name"]


def test_the_stack_outputs_are_what_the_traffic_shift_reads(stack: Stack) -> None:
    from deploy.shift_traffic import Release

    release = Release.from_outputs(stack.outputs)
    assert release.function_name == stack.state(FUNCTION, "-api_handler")["name"]
    assert release.before_traffic_hook == hook(stack, "before")["state"]["name"]
    assert release.after_traffic_hook == hook(stack, "after")["state"]["name"]
