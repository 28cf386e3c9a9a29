"""deploy/shift_traffic.py against stubbed Lambda and CodeDeploy clients: a release, the
restore that moves a region back to its recorded version after a release failed, and the memory
of versions rolled back or taken out by a restore that judged their code bad."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from deploy import shift_traffic as shift_traffic_module
from deploy.shift_traffic import (
    Release,
    appspec,
    main,
    rejected_versions,
    restore,
    shift_traffic,
)
from hello_stack.config import DEPLOYMENT_CONFIGS
from tests.conftest import ROOT

RELEASE = Release(
    function_name="hello-prod-function-abc",
    alias_name="live",
    target_version="8",
    application="hello-prod-codedeploy-abc",
    deployment_group="hello-prod-live",
    before_traffic_hook="hello-prod-before-traffic-abc",
    after_traffic_hook="hello-prod-after-traffic-abc",
)


@pytest.fixture
def clients() -> Iterator[tuple[Any, Stubber, Any, Stubber]]:
    lambda_client = boto3.client("lambda", region_name="eu-west-1")
    codedeploy = boto3.client("codedeploy", region_name="eu-west-1")
    with Stubber(lambda_client) as lambda_stub, Stubber(codedeploy) as deploy_stub:
        yield lambda_client, lambda_stub, codedeploy, deploy_stub
        lambda_stub.assert_no_pending_responses()
        deploy_stub.assert_no_pending_responses()


def alias_serves(stub: Stubber, version: str) -> None:
    stub.add_response(
        "get_alias",
        {"Name": "live", "FunctionVersion": version},
        {"FunctionName": RELEASE.function_name, "Name": "live"},
    )


def version_states(stub: Stubber, *states: str, **last: str) -> None:
    """What GetFunctionConfiguration says of the target version, poll after poll: SnapStart
    keeps a new version Pending until its snapshot is made (moto reports Active at once)."""
    for index, state in enumerate(states):
        extra = last if index == len(states) - 1 else {}
        stub.add_response(
            "get_function_configuration",
            {"FunctionName": RELEASE.function_name, "Version": "8", "State": state, **extra},
            {"FunctionName": RELEASE.function_name, "Qualifier": "8"},
        )


# Every finished deployment: a rolled-back release ended Failed or Stopped, and a restore that
# took code out usually Succeeded.
HISTORY_QUERY = {
    "applicationName": RELEASE.application,
    "deploymentGroupName": RELEASE.deployment_group,
    "includeOnlyStatuses": ["Failed", "Stopped", "Succeeded"],
}


def history(stub: Stubber, *deployments: dict[str, Any]) -> None:
    """This group's earlier deployments that finished."""
    stub.add_response(
        "list_deployments",
        {"deployments": [d["deploymentId"] for d in deployments]},
        HISTORY_QUERY,
    )
    if deployments:
        stub.add_response(
            "batch_get_deployments",
            {"deploymentsInfo": list(deployments)},
            {"deploymentIds": [d["deploymentId"] for d in deployments]},
        )


def earlier(deployment_id: str, target: str, rolled_back: bool) -> dict[str, Any]:
    content = appspec(Release(**{**RELEASE.__dict__, "target_version": target}), "6")
    info: dict[str, Any] = {
        "deploymentId": deployment_id,
        "status": "Stopped",
        "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"content": content}},
    }
    if rolled_back:
        info["rollbackInfo"] = {"rollbackDeploymentId": f"{deployment_id}-rollback"}
    return info


def deployment_created(stub: Stubber, **extra: Any) -> None:
    history(stub)  # no earlier rollback
    stub.add_response(
        "create_deployment",
        {"deploymentId": "d-123"},
        {
            "applicationName": RELEASE.application,
            "deploymentGroupName": RELEASE.deployment_group,
            "revision": ANY,
            "description": ANY,
            **extra,
        },
    )


def status(stub: Stubber, value: str, deployment_id: str = "d-123", **extra: Any) -> None:
    stub.add_response(
        "get_deployment",
        {"deploymentInfo": {"deploymentId": deployment_id, "status": value, **extra}},
        {"deploymentId": deployment_id},
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def run(clients: tuple, timeout_s: float = 100, **options: Any) -> tuple[Any, FakeClock]:
    lambda_client, _, codedeploy, _ = clients
    clock = FakeClock()
    outcome = shift_traffic(
        RELEASE,
        lambda_client,
        codedeploy,
        timeout_s,
        poll_s=10,
        sleep=clock.sleep,
        clock=clock,
        **{"ready_poll_s": 0.001, **options},
    )
    return outcome, clock


def test_a_version_codedeploy_rolled_back_is_refused(clients: tuple) -> None:
    _, lambda_stub, _, deploy_stub = clients
    alias_serves(lambda_stub, "7")
    history(deploy_stub, earlier("d-1", "5", True), earlier("d-2", "8", True))
    outcome, _ = run(clients)  # no create_deployment is stubbed: making one would fail
    assert outcome.exit_code == 3
    assert outcome.message == (
        "version 8 was rolled back or taken out by CodeDeploy d-2: not shifting to it again. "
        "Publish a fix (pulumi up), or pass --force (e.g. when the before-traffic hook's log "
        "line for d-2 says not_ready: the version could not run yet, which says nothing of its "
        "code). live still serves version 7."
    )


def test_a_stopped_deployment_without_rollback_does_not_block(clients: tuple) -> None:
    _, lambda_stub, _, deploy_stub = clients
    alias_serves(lambda_stub, "7")
    version_states(lambda_stub, "Active")
    history(deploy_stub, earlier("d-2", "8", False))
    deploy_stub.add_response("create_deployment", {"deploymentId": "d-123"})
    status(deploy_stub, "Succeeded")
    assert run(clients)[0].exit_code == 0


def test_force_shifts_without_asking_the_history(clients: tuple) -> None:
    _, lambda_stub, _, deploy_stub = clients
    alias_serves(lambda_stub, "7")
    version_states(lambda_stub, "Active")
    deploy_stub.add_response("create_deployment", {"deploymentId": "d-123"})
    status(deploy_stub, "Succeeded")
    assert run(clients, force=True)[0].exit_code == 0


def test_ignore_alarms_overrides_them_for_this_deployment_only(clients: tuple) -> None:
    _, lambda_stub, _, deploy_stub = clients
    alias_serves(lambda_stub, "7")
    version_states(lambda_stub, "Active")
    deployment_created(deploy_stub, overrideAlarmConfiguration={"enabled": False})
    status(deploy_stub, "Succeeded")
    assert run(clients, ignore_alarms=True)[0].exit_code == 0


def test_history_is_read_page_by_page_in_batches_of_25(clients: tuple) -> None:
    """ListDeployments pages with nextToken; BatchGetDeployments takes at most 25 ids."""
    _, _, codedeploy, deploy_stub = clients
    ids = [f"d-{n}" for n in range(30)]
    deploy_stub.add_response(
        "list_deployments", {"deployments": ids[:20], "nextToken": "page-2"}, HISTORY_QUERY
    )
    deploy_stub.add_response(
        "list_deployments", {"deployments": ids[20:]}, {**HISTORY_QUERY, "nextToken": "page-2"}
    )
    deploy_stub.add_response(
        "batch_get_deployments",
        {"deploymentsInfo": [earlier(i, "3", True) for i in ids[:25]]},
        {"deploymentIds": ids[:25]},
    )
    deploy_stub.add_response(
        "batch_get_deployments",
        {"deploymentsInfo": [earlier(i, "4", True) for i in ids[25:]]},
        {"deploymentIds": ids[25:]},
    )
    assert rejected_versions(RELEASE, codedeploy) == {"3": "d-24", "4": "d-29"}


def test_success_waits_until_codedeploy_is_done(clients: tuple) -> None:
    _, lambda_stub, _, deploy_stub = clients
    alias_serves(lambda_stub, "7")
    version_states(lambda_stub, "Active")
    deployment_created(deploy_stub)
    for value in ("Created", "InProgress", "InProgress", "Succeeded"):
        status(deploy_stub, value)
    outcome, clock = run(clients)
    assert outcome.exit_code == 0
    assert "now serves version 8" in outcome.message
    assert clock.sleeps == [10, 10, 10]


def test_rollback_fails_with_a_clear_message(clients: tuple) -> None:
    _, lambda_stub, _, deploy_stub = clients
    alias_serves(lambda_stub, "7")
    version_states(lambda_stub, "Active")
    deployment_created(deploy_stub)
    status(deploy_stub, "InProgress")
    status(
        deploy_stub,
        "Stopped",
        errorInformation={"code": "ALARM_ACTIVE", "message": "alarm hello-prod-lambda-errors"},
        rollbackInfo={"rollbackDeploymentId": "d-456"},
    )
    outcome, _ = run(clients)
    assert outcome.exit_code == 1
    assert "rolled back" in outcome.message
    assert "hello-prod-lambda-errors" in outcome.message
    assert "still serves version 7" in outcome.message


def test_failure_without_rollback_is_reported_too(clients: tuple) -> None:
    _, lambda_stub, _, deploy_stub = clients
    alias_serves(lambda_stub, "7")
    version_states(lambda_stub, "Active")
    deployment_created(deploy_stub)
    status(deploy_stub, "Failed", errorInformation={"message": "permission denied"})
    outcome, _ = run(clients)
    assert outcome.exit_code == 1
    assert "failed: permission denied" in outcome.message


def test_nothing_to_do_when_the_version_did_not_change(clients: tuple) -> None:
    _, lambda_stub, _, _ = clients
    alias_serves(lambda_stub, "8")  # no CodeDeploy call is stubbed: making one would fail
    outcome, _ = run(clients)
    assert outcome.exit_code == 0
    assert outcome.message.startswith("nothing to do")


def test_timeout_stops_the_deployment_with_rollback(clients: tuple) -> None:
    _, lambda_stub, _, deploy_stub = clients
    alias_serves(lambda_stub, "7")
    version_states(lambda_stub, "Active")
    deployment_created(deploy_stub)
    for _ in range(4):
        status(deploy_stub, "InProgress")
    deploy_stub.add_response(
        "stop_deployment",
        {"status": "Pending"},
        {"deploymentId": "d-123", "autoRollbackEnabled": True},
    )
    outcome, clock = run(clients, timeout_s=30)
    assert outcome.exit_code == 2
    assert "did not finish in 30 s" in outcome.message
    assert clock.now == 30


def test_a_pending_version_is_waited_for_before_codedeploy_starts(clients: tuple) -> None:
    _, lambda_stub, _, deploy_stub = clients
    alias_serves(lambda_stub, "7")
    version_states(lambda_stub, "Pending", "Pending", "Active")
    deployment_created(deploy_stub)
    status(deploy_stub, "Succeeded")
    assert run(clients)[0].exit_code == 0


def test_a_version_whose_snapshot_failed_is_not_ready_and_not_remembered_as_bad(
    clients: tuple,
) -> None:
    _, lambda_stub, _, deploy_stub = clients
    alias_serves(lambda_stub, "7")
    history(deploy_stub)  # no create_deployment is stubbed: making one would fail
    version_states(
        lambda_stub,
        "Pending",
        "Failed",
        StateReasonCode="InternalError",
        StateReason="SnapStart could not create the snapshot",
    )
    outcome, _ = run(clients)
    assert outcome.exit_code == 4
    assert outcome.message == (
        "version 8 failed to become ready (InternalError: SnapStart could not create the "
        "snapshot): not ready, which says nothing of its code. No deployment was created and "
        "nothing remembers it as bad. A Failed version stays Failed and Lambda publishes a new "
        "one only for changed code or configuration: set hello:republish to a new value and "
        "run pulumi up (a Pending one: rerun). live is unchanged."
    )


def test_a_version_still_pending_at_the_ready_timeout_is_not_ready(clients: tuple) -> None:
    _, lambda_stub, _, deploy_stub = clients
    alias_serves(lambda_stub, "7")
    history(deploy_stub)
    version_states(lambda_stub, "Pending", "Pending", "Pending")
    # Three polls fit the timeout: the waiter's attempts are derived from it.
    outcome, _ = run(clients, ready_timeout_s=0.003, ready_poll_s=0.001)
    assert outcome.exit_code == 4
    assert "version 8 is still Pending after 0 s: not ready" in outcome.message


def test_appspec_moves_the_alias_between_versions() -> None:
    spec = json.loads(appspec(RELEASE, "7"))
    assert spec["Hooks"] == [
        {"BeforeAllowTraffic": "hello-prod-before-traffic-abc"},
        {"AfterAllowTraffic": "hello-prod-after-traffic-abc"},
    ]
    (resource,) = spec["Resources"]
    assert resource["live"] == {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Name": RELEASE.function_name,
            "Alias": "live",
            "CurrentVersion": "7",
            "TargetVersion": "8",
        },
    }


def test_release_is_read_from_stack_outputs() -> None:
    outputs = {
        "function_name": RELEASE.function_name,
        "alias_name": "live",
        "function_version": 8,
        "codedeploy_application": RELEASE.application,
        "codedeploy_deployment_group": RELEASE.deployment_group,
        "before_traffic_hook": RELEASE.before_traffic_hook,
        "after_traffic_hook": RELEASE.after_traffic_hook,
        "url": "https://example.cloudfront.net",
    }
    assert Release.from_outputs(outputs) == RELEASE


@pytest.fixture
def emulated_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region for moto: nothing can reach AWS."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(key, value)


@pytest.mark.usefixtures("emulated_aws")
def test_main_reads_the_stack_outputs_and_asks_lambda_for_the_alias(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def app(event, context): return {}")
    with mock_aws():
        role = boto3.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")
        functions = boto3.client("lambda")
        functions.create_function(
            FunctionName=RELEASE.function_name,
            Runtime="python3.12",
            Role=role["Role"]["Arn"],
            Handler="app.app",
            Code={"ZipFile": code.getvalue()},
            Publish=True,
        )
        functions.create_alias(FunctionName=RELEASE.function_name, Name="live", FunctionVersion="1")
        outputs = tmp_path / "outputs.json"
        outputs.write_text(
            json.dumps(
                {
                    "function_name": RELEASE.function_name,
                    "alias_name": "live",
                    "function_version": "1",
                    "codedeploy_application": RELEASE.application,
                    "codedeploy_deployment_group": RELEASE.deployment_group,
                    "before_traffic_hook": RELEASE.before_traffic_hook,
                    "after_traffic_hook": RELEASE.after_traffic_hook,
                }
            )
        )
        assert main(["--outputs", str(outputs)]) == 0
    assert capsys.readouterr().out == "nothing to do: live already serves 1\n"


@pytest.mark.usefixtures("emulated_aws")
@pytest.mark.parametrize(
    "task",
    [
        [],
        ["--print-live-version"],
        ["--restore-to", "7"],
        ["--restore-to", "7", "--code-not-judged"],
    ],
)
def test_a_failed_aws_call_exits_5_not_1_like_a_rollback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], task: list[str]
) -> None:
    """The workflow restores other regions without judging the code after exit 5; a traceback
    would exit 1, a rollback's code, and make them remember code nothing judged. Here Lambda
    knows no such function (ResourceNotFoundException, a botocore ClientError)."""
    outputs = single_region_outputs(tmp_path / "outputs.json")
    with mock_aws():
        assert main(["--outputs", str(outputs), *task]) == 5
    err = capsys.readouterr().err
    assert err.startswith("an AWS call failed, nothing judged: ")
    assert "ResourceNotFoundException" in err


def test_the_workflow_restores_unjudged_on_exactly_the_script_s_unjudged_exits() -> None:
    """One owner per exit code: the workflow's verdict line uses the script's values."""
    workflow = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    (line,) = [each for each in workflow.splitlines() if "verdict=(--code-not-judged)" in each]
    exits = (
        shift_traffic_module.NOT_READY,
        shift_traffic_module.AWS_ERROR,
        shift_traffic_module.USAGE_ERROR,
    )
    assert sorted(int(n) for n in re.findall(r'"\$shifted" -eq (\d+)', line)) == sorted(exits)
    assert len(set(exits)) == 3 and not set(exits) & {0, 1, 2, 3}


@pytest.mark.usefixtures("emulated_aws")
def test_the_history_query_is_one_codedeploy_accepts() -> None:
    with mock_aws():
        codedeploy = boto3.client("codedeploy")
        codedeploy.create_application(applicationName=RELEASE.application, computePlatform="Lambda")
        codedeploy.create_deployment_group(
            applicationName=RELEASE.application,
            deploymentGroupName=RELEASE.deployment_group,
            serviceRoleArn="arn:aws:iam::123456789012:role/codedeploy",
        )
        assert rejected_versions(RELEASE, codedeploy) == {}


# Restoring a region after another region's release failed (`--restore-to`): AWS's
# CreateDeployment reference (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html)
# names the overrides: `deploymentConfigName` replaces the group's configuration for this
# deployment, `overrideAlarmConfiguration` turns off alarm polling "to create a new deployment
# that uses a previous application revision that is known to work", `autoRollbackConfiguration`
# replaces the group's automatic rollback. The AppSpec's Hooks section is optional
# (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html).
ALL_AT_ONCE = "CodeDeployDefault.LambdaAllAtOnce"


def capture_create_deployment(codedeploy: Any) -> list[dict[str, Any]]:
    """The parameters of every CreateDeployment call, as sent."""
    sent: list[dict[str, Any]] = []

    def keep(params: dict[str, Any], **_: Any) -> None:
        sent.append(dict(params))

    codedeploy.meta.events.register("provide-client-params.codedeploy.CreateDeployment", keep)
    return sent


def restore_created(stub: Stubber, deployment_id: str = "d-123") -> None:
    stub.add_response(
        "create_deployment",
        {"deploymentId": deployment_id},
        {
            "applicationName": RELEASE.application,
            "deploymentGroupName": RELEASE.deployment_group,
            "revision": ANY,
            "description": ANY,
            "deploymentConfigName": ALL_AT_ONCE,
            "overrideAlarmConfiguration": {"enabled": False},
            "autoRollbackConfiguration": {"enabled": False},
        },
    )


def run_restore(clients: tuple, version: str = "7", timeout_s: float = 100, **options: Any) -> Any:
    lambda_client, _, codedeploy, _ = clients
    clock = FakeClock()
    return restore(
        RELEASE, version, lambda_client, codedeploy, timeout_s, 10, clock.sleep, clock, **options
    )


def test_restore_moves_the_alias_back_all_at_once_without_hooks_or_history(
    clients: tuple,
) -> None:
    _, lambda_stub, codedeploy, deploy_stub = clients
    sent = capture_create_deployment(codedeploy)
    alias_serves(lambda_stub, "8")  # this run released 8; 7 served before
    # No list_deployments and no readiness poll stubbed: a restore asks neither the rolled-back
    # memory (it is never refused) nor waits (7 served everyone minutes ago).
    restore_created(deploy_stub)
    status(deploy_stub, "InProgress")
    status(deploy_stub, "Succeeded")
    outcome = run_restore(clients)
    assert (outcome.exit_code, outcome.message) == (0, "restored: live serves version 7 again")
    (params,) = sent
    content = params["revision"]["appSpecContent"]["content"]
    assert (
        params["revision"]["appSpecContent"]["sha256"]
        == hashlib.sha256(content.encode()).hexdigest()
    )
    assert json.loads(content) == {
        "version": 0.0,
        "Resources": [
            {
                "live": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": RELEASE.function_name,
                        "Alias": "live",
                        "CurrentVersion": "8",
                        "TargetVersion": "7",
                    },
                }
            }
        ],
    }


# The memory of code a restore took out: CodeDeploy records no rollback when a release whose
# deployment Succeeded is moved back (its live probe failed, or a later region failed), so the
# restore's own deployment carries the judgement. A rollback, a timeout, a refusal or a failed
# probe judge the code bad (the default); a version that never became ready says nothing of it.


def as_listed(params: dict[str, Any], deployment_id: str, status: str, **extra: Any) -> dict:
    """The deployment created with `params`, as BatchGetDeployments returns it later."""
    return {
        "deploymentId": deployment_id,
        "status": status,
        "description": params["description"],
        "revision": params["revision"],
        **extra,
    }


def restored_8_to_7(clients: tuple, **options: Any) -> dict[str, Any]:
    """Moves the alias from 8 back to 7 (CodeDeploy Succeeded); the CreateDeployment sent."""
    _, lambda_stub, codedeploy, deploy_stub = clients
    sent = capture_create_deployment(codedeploy)
    alias_serves(lambda_stub, "8")
    restore_created(deploy_stub, "d-restore")
    status(deploy_stub, "Succeeded", "d-restore")
    assert run_restore(clients, **options).exit_code == 0
    (params,) = sent
    return params


def test_a_release_the_probe_caught_is_refused_after_its_restore(clients: tuple) -> None:
    """One region (dev): CodeDeploy shifted to 8 and succeeded, the live probe failed, the job
    restored 7. Rerunning the release must not shift users to 8 again."""
    _, lambda_stub, _, deploy_stub = clients
    alias_serves(lambda_stub, "7")
    version_states(lambda_stub, "Active")
    deployment_created(deploy_stub)
    status(deploy_stub, "Succeeded")
    assert run(clients)[0].exit_code == 0  # no rollback: CodeDeploy saw nothing wrong
    params = restored_8_to_7(clients)  # the probe failed: the job's restore, judged

    released = {**earlier("d-123", "8", rolled_back=False), "status": "Succeeded"}
    alias_serves(lambda_stub, "7")
    history(deploy_stub, released, as_listed(params, "d-restore", "Succeeded"))
    outcome, _ = run(clients)  # no create_deployment is stubbed: making one would fail
    assert outcome.exit_code == 3
    assert outcome.message.startswith(
        "version 8 was rolled back or taken out by CodeDeploy d-restore: not shifting to it again."
    )
    assert outcome.message.endswith("live still serves version 7.")

    alias_serves(lambda_stub, "7")  # --force: the memory is not even read
    version_states(lambda_stub, "Active")
    deploy_stub.add_response("create_deployment", {"deploymentId": "d-123"})
    status(deploy_stub, "Succeeded")
    assert run(clients, force=True)[0].exit_code == 0


@pytest.mark.parametrize("listed_status", ["Succeeded", "Failed", "Stopped"])
def test_a_judged_restore_counts_the_version_it_took_out_whatever_its_status(
    clients: tuple, listed_status: str
) -> None:
    _, _, codedeploy, deploy_stub = clients
    params = restored_8_to_7(clients)
    history(deploy_stub, as_listed(params, "d-restore", listed_status))
    assert rejected_versions(RELEASE, codedeploy) == {"8": "d-restore"}


def test_a_judged_restore_that_failed_still_counts(clients: tuple) -> None:
    _, lambda_stub, codedeploy, deploy_stub = clients
    sent = capture_create_deployment(codedeploy)
    alias_serves(lambda_stub, "8")
    restore_created(deploy_stub, "d-restore")
    status(deploy_stub, "Failed", "d-restore", errorInformation={"message": "throttled"})
    alias_serves(lambda_stub, "8")
    assert run_restore(clients).exit_code == 1
    (params,) = sent
    failed = as_listed(params, "d-restore", "Failed", errorInformation={"message": "throttled"})
    history(deploy_stub, failed)
    assert rejected_versions(RELEASE, codedeploy) == {"8": "d-restore"}


@pytest.mark.parametrize("listed_status", ["Succeeded", "Failed", "Stopped"])
def test_a_restore_after_a_version_that_was_not_ready_counts_nothing(
    clients: tuple, listed_status: str
) -> None:
    """Exit 4 (never ready) says nothing of the code: the workflow passes --code-not-judged."""
    _, lambda_stub, codedeploy, deploy_stub = clients
    params = restored_8_to_7(clients, code_judged=False)
    assert params["description"].startswith(shift_traffic_module.RESTORE_MARK)
    listed = as_listed(params, "d-restore", listed_status)
    history(deploy_stub, listed)
    assert rejected_versions(RELEASE, codedeploy) == {}

    alias_serves(lambda_stub, "7")  # and a rerun shifts to 8
    history(deploy_stub, listed)
    version_states(lambda_stub, "Active")
    deploy_stub.add_response("create_deployment", {"deploymentId": "d-123"})
    status(deploy_stub, "Succeeded")
    assert run(clients)[0] == shift_traffic_module.Outcome(0, "live now serves version 8")


def test_the_version_a_restore_moves_back_to_is_never_remembered(clients: tuple) -> None:
    """Even if CodeDeploy reported rollback information on the restore's own deployment, its
    target (7, the version to go back to) never counts; a release's rollback still does."""
    _, _, codedeploy, deploy_stub = clients
    params = restored_8_to_7(clients)
    at_its_worst = {"rollbackDeploymentId": "d-restore-rollback"}
    history(
        deploy_stub,
        as_listed(params, "d-restore", "Stopped", rollbackInfo=at_its_worst),
        earlier("d-9", "5", rolled_back=True),
    )
    assert rejected_versions(RELEASE, codedeploy) == {"8": "d-restore", "5": "d-9"}


def test_deployments_that_succeeded_count_only_as_restores(clients: tuple) -> None:
    """Listing Succeeded deployments too must not remember a release that succeeded, nor the
    deployment CodeDeploy makes to roll one back (its rollbackInfo names the triggering one)."""
    _, _, codedeploy, deploy_stub = clients
    succeeded = {**earlier("d-1", "8", rolled_back=False), "status": "Succeeded"}
    rollback_of_d2 = {
        **earlier("d-2-rollback", "7", rolled_back=False),
        "status": "Succeeded",
        "creator": "codeDeployRollback",
        "rollbackInfo": {"rollbackTriggeringDeploymentId": "d-2"},
    }
    stopped_without_rollback = earlier("d-3", "6", rolled_back=False)
    history(deploy_stub, succeeded, rollback_of_d2, stopped_without_rollback)
    assert rejected_versions(RELEASE, codedeploy) == {}


@pytest.mark.parametrize("listed_status", ["Failed", "Stopped"])
@pytest.mark.parametrize(
    "marks",
    [
        {
            "creator": "codeDeployRollback",
            "rollbackInfo": {"rollbackTriggeringDeploymentId": "d-2"},
        },
        # rollbackInfo with a message alone: the creator says what it is
        {"creator": "codeDeployRollback", "rollbackInfo": {"rollbackMessage": "rollback"}},
        {"rollbackInfo": {"rollbackTriggeringDeploymentId": "d-2"}},
    ],
    ids=["creator-and-trigger", "creator", "trigger"],
)
def test_codedeploys_own_rollback_never_counts_even_when_it_ends_badly(
    clients: tuple, listed_status: str, marks: dict[str, Any]
) -> None:
    """CodeDeploy rolls back by redeploying the previous revision as a new deployment (its
    creator `codeDeployRollback`, its rollbackInfo naming the triggering deployment:
    https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_RollbackInfo.html). That
    redeployment targets the code it went back to (7 here): were it to fail, 7 must not become
    rejected. The release it rolled back (d-2, to 8) counts."""
    _, _, codedeploy, deploy_stub = clients
    rollback = {**earlier("d-2-rollback", "7", rolled_back=False), "status": listed_status, **marks}
    history(deploy_stub, rollback, earlier("d-2", "8", rolled_back=True))
    assert rejected_versions(RELEASE, codedeploy) == {"8": "d-2"}


# Lambda AppSpecs as a person may give them in the console or CLI: YAML, or the older `string`
# revision type (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_RevisionLocation.html).
YAML_APPSPEC = """version: 0.0
Resources:
  - live:
      Type: AWS::Lambda::Function
      Properties:
        Name: hello-dev
        Alias: live
        CurrentVersion: 6
        TargetVersion: 9
"""


def rolled_back_with(deployment_id: str, revision: dict[str, Any]) -> dict[str, Any]:
    return {
        "deploymentId": deployment_id,
        "status": "Stopped",
        "revision": revision,
        "rollbackInfo": {"rollbackDeploymentId": f"{deployment_id}-rollback"},
    }


def test_appspecs_in_yaml_or_as_a_string_revision_count_too(clients: tuple) -> None:
    _, _, codedeploy, deploy_stub = clients
    yaml_one = rolled_back_with(
        "d-yaml", {"revisionType": "AppSpecContent", "appSpecContent": {"content": YAML_APPSPEC}}
    )
    string_one = rolled_back_with(
        "d-string",
        {"revisionType": "String", "string": {"content": YAML_APPSPEC.replace("9", "10")}},
    )
    history(deploy_stub, yaml_one, string_one)
    assert rejected_versions(RELEASE, codedeploy) == {"9": "d-yaml", "10": "d-string"}


@pytest.mark.parametrize(
    "content",
    [
        "{not: [valid",  # neither JSON nor YAML
        "just text",
        json.dumps({"version": 0.0}),  # no Resources
        json.dumps({"Resources": [{"a": {}}, {"b": {}}]}),  # two resources
        json.dumps({"Resources": [{"live": {"Properties": {"CurrentVersion": "6"}}}]}),
    ],
    ids=["broken", "scalar", "no-resources", "two-resources", "no-target"],
)
def test_an_appspec_it_cannot_read_is_skipped_and_the_rest_still_counts(
    clients: tuple, content: str
) -> None:
    """A deployment made by hand whose AppSpec this script cannot read must not stop every later
    release with a traceback (exit 1, which the workflow takes for a rollback)."""
    _, _, codedeploy, deploy_stub = clients
    unreadable = rolled_back_with(
        "d-odd", {"revisionType": "AppSpecContent", "appSpecContent": {"content": content}}
    )
    history(deploy_stub, unreadable, earlier("d-9", "5", rolled_back=True))
    assert rejected_versions(RELEASE, codedeploy) == {"5": "d-9"}


def single_region_outputs(path: Path) -> Path:
    path.write_text(
        json.dumps(
            {
                "function_name": RELEASE.function_name,
                "alias_name": "live",
                "function_version": "8",
                "codedeploy_application": RELEASE.application,
                "codedeploy_deployment_group": RELEASE.deployment_group,
                "before_traffic_hook": RELEASE.before_traffic_hook,
                "after_traffic_hook": RELEASE.after_traffic_hook,
            }
        )
    )
    return path


@pytest.mark.usefixtures("emulated_aws")
@pytest.mark.parametrize(("flag", "judged"), [([], True), (["--code-not-judged"], False)])
def test_main_judges_the_code_a_restore_takes_out_unless_told_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: list[str], judged: bool
) -> None:
    calls: list[tuple[str, bool]] = []

    def fake_restore(release: Release, version: str, *_: Any, code_judged: bool) -> Any:
        calls.append((version, code_judged))
        return shift_traffic_module.Outcome(0, "restored")

    monkeypatch.setattr(shift_traffic_module, "restore", fake_restore)
    outputs = single_region_outputs(tmp_path / "outputs.json")
    assert main(["--outputs", str(outputs), "--restore-to", "7", *flag]) == 0
    assert calls == [("7", judged)]


@pytest.mark.parametrize("task", [[], ["--print-live-version"]])
def test_code_not_judged_is_refused_outside_a_restore(
    task: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--outputs", "unread.json", *task, "--code-not-judged"])
    assert exit_.value.code == 6  # a wrong command judges nothing (argparse's 2 is a timeout's)
    assert "--code-not-judged only applies to --restore-to" in capsys.readouterr().err


def test_nothing_to_restore_when_the_alias_already_serves_the_version(clients: tuple) -> None:
    _, lambda_stub, _, _ = clients
    alias_serves(lambda_stub, "7")  # no CodeDeploy call stubbed: making one would fail
    outcome = run_restore(clients)
    assert (outcome.exit_code, outcome.message) == (0, "nothing to restore: live already serves 7")


def test_a_failed_restore_says_what_the_alias_serves_now(clients: tuple) -> None:
    _, lambda_stub, _, deploy_stub = clients
    alias_serves(lambda_stub, "8")
    restore_created(deploy_stub)
    status(deploy_stub, "Failed", errorInformation={"message": "throttled"})
    alias_serves(lambda_stub, "8")  # read again: no rollback, so it could be either
    outcome = run_restore(clients)
    assert outcome.exit_code == 1
    assert outcome.message == ("restore CodeDeploy d-123 failed: throttled. live serves version 8.")


def test_a_restore_that_times_out_is_stopped_without_rolling_back(clients: tuple) -> None:
    _, lambda_stub, _, deploy_stub = clients
    alias_serves(lambda_stub, "8")
    restore_created(deploy_stub)
    for _ in range(4):
        status(deploy_stub, "InProgress")
    deploy_stub.add_response(
        "stop_deployment",
        {"status": "Pending"},
        {"deploymentId": "d-123", "autoRollbackEnabled": False},  # back would be the bad code
    )
    alias_serves(lambda_stub, "8")
    outcome = run_restore(clients, timeout_s=30)
    assert outcome.exit_code == 2
    assert outcome.message == (
        "restore CodeDeploy d-123 did not finish in 30 s (last status InProgress); stopped it. "
        "live serves version 8."
    )


def test_all_at_once_is_one_of_the_configurations_the_settings_know() -> None:
    assert shift_traffic_module.ALL_AT_ONCE == ALL_AT_ONCE
    assert ALL_AT_ONCE in DEPLOYMENT_CONFIGS


@pytest.mark.parametrize("task", [["--print-live-version"], ["--restore-to", "7"]])
@pytest.mark.parametrize("release_option", ["--force", "--ignore-alarms"])
def test_release_options_are_refused_outside_a_release(
    task: list[str], release_option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--outputs", "unread.json", *task, release_option])
    assert exit_.value.code == 6
    assert "--force and --ignore-alarms only apply to a release" in capsys.readouterr().err


def test_print_and_restore_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--outputs", "unread.json", "--print-live-version", "--restore-to", "7"])
    assert exit_.value.code == 6
    assert "not allowed with argument" in capsys.readouterr().err


def test_an_unknown_option_exits_6_never_a_timeouts_2() -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--outputs", "unread.json", "--restore-to", "7", "--no-such-option"])
    assert exit_.value.code == 6


@pytest.mark.parametrize(
    "problem", ["missing", "not-json", "no-such-region", "no-alias", "another-region-malformed"]
)
def test_outputs_that_name_no_release_exit_6_and_touch_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], problem: str
) -> None:
    """No AWS client is made (none is mocked here): the outputs are read first."""
    outputs = tmp_path / "outputs.json"
    region: list[str] = []
    if problem == "not-json":
        outputs.write_text("{")
    elif problem == "no-such-region":
        outputs.write_text(json.dumps({"regions": [{"region": "eu-west-1"}]}))
        region = ["--region", "eu-west-2"]
    elif problem == "another-region-malformed":
        single_region_outputs(outputs)
        own = {**json.loads(outputs.read_text()), "region": "eu-west-1"}
        outputs.write_text(json.dumps({"regions": [own, {"region": "eu-west-2"}]}))
        region = ["--region", "eu-west-1"]
    elif problem == "no-alias":
        single_region_outputs(outputs)
        entries = json.loads(outputs.read_text())
        del entries["alias_name"]
        outputs.write_text(json.dumps(entries))
    assert main(["--outputs", str(outputs), *region, "--restore-to", "7"]) == 6
    assert "nothing shifted, nothing judged" in capsys.readouterr().err


def two_region_outputs(versions: dict[str, str]) -> dict[str, Any]:
    entries = [
        {
            "region": region,
            "function_name": f"hello-prod-{region}-fn",
            "alias_name": "live",
            "function_version": version,
            "codedeploy_application": RELEASE.application,
            "codedeploy_deployment_group": RELEASE.deployment_group,
            "before_traffic_hook": RELEASE.before_traffic_hook,
            "after_traffic_hook": RELEASE.after_traffic_hook,
        }
        for region, version in versions.items()
    ]
    return {**entries[0], "regions": entries}


def published(region: str, name: str, versions: int, live: str) -> None:
    """A function with `versions` published versions and `live` on the given one, in `region`."""
    iam = boto3.client("iam")
    role = iam.create_role(RoleName=f"fn-{region}", AssumeRolePolicyDocument="{}")
    functions = boto3.client("lambda", region_name=region)
    for number in range(versions):
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("app.py", f"def app(event, context): return {number}")
        if number == 0:
            functions.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=role["Role"]["Arn"],
                Handler="app.app",
                Code={"ZipFile": code.getvalue()},
                Publish=True,
            )
        else:
            functions.update_function_code(FunctionName=name, ZipFile=code.getvalue(), Publish=True)
    functions.create_alias(FunctionName=name, Name="live", FunctionVersion=live)


@pytest.mark.usefixtures("emulated_aws")
def test_main_prints_the_live_version_of_the_region_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with mock_aws():
        published("eu-west-1", "hello-prod-eu-west-1-fn", versions=3, live="2")
        published("eu-west-2", "hello-prod-eu-west-2-fn", versions=2, live="1")
        outputs = tmp_path / "outputs.json"
        outputs.write_text(json.dumps(two_region_outputs({"eu-west-1": "3", "eu-west-2": "2"})))
        for region, live in (("eu-west-1", "2"), ("eu-west-2", "1")):
            assert (
                main(["--outputs", str(outputs), "--region", region, "--print-live-version"]) == 0
            )
            assert capsys.readouterr().out == f"{live}\n"
        # Restoring a region already on its recorded version changes nothing.
        args = ["--outputs", str(outputs), "--region", "eu-west-2", "--restore-to", "1"]
        assert main(args) == 0
        assert capsys.readouterr().out == "nothing to restore: live already serves 1\n"


def test_the_docs_quote_the_marks_as_the_script_writes_them() -> None:
    """An operator reads a restore's judgement in the CodeDeploy console by these words."""
    root = Path(__file__).parents[2]
    marks = shift_traffic_module.RESTORE_MARK, shift_traffic_module.NOT_JUDGED_MARK
    for doc in ("delivery.md", "failover.md"):
        text = (root / "docs" / doc).read_text()
        assert f"`{marks[0]}`" in text, doc
        assert f"`{marks[0]}{marks[1]}`" in text, doc
