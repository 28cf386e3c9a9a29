"""deploy/shift_traffic.py in a multi-region stack: a region never runs code another region's
CodeDeploy group rolled back or a judged restore took out, matched by the code's hash since
version numbers differ per region, and a region restored after another rolled its new code back
keeps refusing that code, as does every other region (stubbed Lambda and CodeDeploy clients, one
pair per region)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from deploy.shift_traffic import (
    Region,
    Release,
    appspec,
    rejected_versions,
    restore,
    shift_traffic,
)

FIRST = Release(
    function_name="hello-prod-api_handler-abc",
    alias_name="live",
    target_version="8",
    application="hello-prod-codedeploy-abc",
    deployment_group="hello-prod-live",
    before_traffic_hook="hello-prod-before-traffic-abc",
    after_traffic_hook="hello-prod-after-traffic-abc",
    region="eu-west-1",
)
# The same code published in eu-west-2 got another version number there.
SECOND = Release(
    function_name="hello-prod-eu-west-2-api_handler-def",
    alias_name="live",
    target_version="3",
    application="hello-prod-eu-west-2-codedeploy-def",
    deployment_group="hello-prod-eu-west-2-live",
    before_traffic_hook="hello-prod-eu-west-2-before-traffic-def",
    after_traffic_hook="hello-prod-eu-west-2-after-traffic-def",
    region="eu-west-2",
)
CODE = "c0de" * 11  # a CodeSha256


@pytest.fixture
def stubs() -> Iterator[dict[str, tuple[Any, Stubber, Any, Stubber]]]:
    made = {}
    for release in (FIRST, SECOND):
        lambda_client = boto3.client("lambda", region_name=release.region)
        codedeploy = boto3.client("codedeploy", region_name=release.region)
        made[release.region] = (
            lambda_client,
            Stubber(lambda_client),
            codedeploy,
            Stubber(codedeploy),
        )
    for _, lambda_stub, _, deploy_stub in made.values():
        lambda_stub.activate()
        deploy_stub.activate()
    yield made
    for _, lambda_stub, _, deploy_stub in made.values():
        lambda_stub.assert_no_pending_responses()
        deploy_stub.assert_no_pending_responses()


def history_query(release: Release) -> dict[str, Any]:
    return {
        "applicationName": release.application,
        "deploymentGroupName": release.deployment_group,
        "includeOnlyStatuses": ["Failed", "Stopped", "Succeeded"],
    }


def history(stub: Stubber, release: Release, rolled_back: dict[str, str]) -> None:
    """The group's finished deployments: {deployment id: target version} rolled back."""
    stub.add_response(
        "list_deployments",
        {"deployments": list(rolled_back)},
        history_query(release),
    )
    if rolled_back:
        infos = [
            {
                "deploymentId": deployment_id,
                "status": "Stopped",
                "revision": {
                    "revisionType": "AppSpecContent",
                    "appSpecContent": {
                        "content": appspec(
                            Release(**{**release.__dict__, "target_version": version}), "1"
                        )
                    },
                },
                "rollbackInfo": {"rollbackDeploymentId": f"{deployment_id}-rollback"},
            }
            for deployment_id, version in rolled_back.items()
        ]
        stub.add_response(
            "batch_get_deployments",
            {"deploymentsInfo": infos},
            {"deploymentIds": list(rolled_back)},
        )


def code_of(stub: Stubber, release: Release, version: str, code: str | None) -> None:
    if code is None:
        stub.add_client_error(
            "get_function_configuration",
            "ResourceNotFoundException",
            expected_params={"FunctionName": release.function_name, "Qualifier": version},
        )
        return
    stub.add_response(
        "get_function_configuration",
        {"FunctionName": release.function_name, "Version": version, "CodeSha256": code},
        {"FunctionName": release.function_name, "Qualifier": version},
    )


def release_second(stubs: dict, **options: Any) -> Any:
    regions = [Region(FIRST, stubs["eu-west-1"][0], stubs["eu-west-1"][2])]
    regions.append(Region(SECOND, stubs["eu-west-2"][0], stubs["eu-west-2"][2]))
    return shift_traffic(
        SECOND,
        stubs["eu-west-2"][0],
        stubs["eu-west-2"][2],
        timeout_s=100,
        poll_s=1,
        sleep=lambda _: None,
        ready_poll_s=0.001,
        regions=regions,
        **options,
    )


def second_serves(stub: Stubber, version: str) -> None:
    stub.add_response(
        "get_alias",
        {"Name": "live", "FunctionVersion": version},
        {"FunctionName": SECOND.function_name, "Name": "live"},
    )


def second_refuses_the_first_regions_code(
    stubs: dict, first_regions_history: Callable[[], None], by: str
) -> None:
    """eu-west-2 is asked to shift to version 3, whose code is eu-west-1's version 8, and
    refuses: `first_regions_history` stubs what eu-west-1's group remembers, `by` the deployment
    that took 8 out."""
    first_lambda, second_lambda = stubs["eu-west-1"][1], stubs["eu-west-2"][1]
    second_deploy = stubs["eu-west-2"][3]
    second_serves(second_lambda, "2")
    history(second_deploy, SECOND, {})  # its own group never rolled version 3 back
    code_of(second_lambda, SECOND, "3", CODE)
    first_regions_history()
    code_of(first_lambda, FIRST, "8", CODE)  # version 8 there is version 3 here
    history(second_deploy, SECOND, {})
    outcome = release_second(stubs)  # no create_deployment stubbed: making one would fail
    assert outcome.exit_code == 3
    assert outcome.message == (
        f"the code of version 3 (CodeSha256 {CODE}) was rolled back or taken out by CodeDeploy "
        f"{by} in eu-west-1: no region runs code another rolled back or took out. Publish a fix "
        "(pulumi up), or pass --force. live still serves version 2."
    )


def test_code_the_first_region_rolled_back_is_refused_in_the_second(stubs: dict) -> None:
    first_deploy = stubs["eu-west-1"][3]
    second_refuses_the_first_regions_code(
        stubs, lambda: history(first_deploy, FIRST, {"d-east": "8"}), "d-east"
    )


def test_other_code_rolled_back_elsewhere_does_not_block(stubs: dict) -> None:
    first_lambda, second_lambda = stubs["eu-west-1"][1], stubs["eu-west-2"][1]
    first_deploy, second_deploy = stubs["eu-west-1"][3], stubs["eu-west-2"][3]
    second_serves(second_lambda, "2")
    history(second_deploy, SECOND, {})
    code_of(second_lambda, SECOND, "3", CODE)
    history(first_deploy, FIRST, {"d-east": "7", "d-gone": "6"})
    code_of(first_lambda, FIRST, "7", "0ther" * 8)
    code_of(first_lambda, FIRST, "6", None)  # deleted since: nothing to compare
    history(second_deploy, SECOND, {})
    second_lambda.add_response(
        "get_function_configuration",
        {"FunctionName": SECOND.function_name, "Version": "3", "State": "Active"},
        {"FunctionName": SECOND.function_name, "Qualifier": "3"},
    )
    second_deploy.add_response(
        "create_deployment",
        {"deploymentId": "d-west"},
        {
            "applicationName": SECOND.application,
            "deploymentGroupName": SECOND.deployment_group,
            "revision": ANY,
            "description": ANY,
        },
    )
    second_deploy.add_response(
        "get_deployment",
        {"deploymentInfo": {"deploymentId": "d-west", "status": "Succeeded"}},
        {"deploymentId": "d-west"},
    )
    outcome = release_second(stubs)
    assert (outcome.exit_code, outcome.message) == (0, "live now serves version 3")


def test_force_skips_every_regions_history(stubs: dict) -> None:
    second_lambda, second_deploy = stubs["eu-west-2"][1], stubs["eu-west-2"][3]
    second_serves(second_lambda, "2")
    second_lambda.add_response(
        "get_function_configuration",
        {"FunctionName": SECOND.function_name, "Version": "3", "State": "Active"},
        {"FunctionName": SECOND.function_name, "Qualifier": "3"},
    )
    second_deploy.add_response("create_deployment", {"deploymentId": "d-west"})
    second_deploy.add_response(
        "get_deployment", {"deploymentInfo": {"deploymentId": "d-west", "status": "Succeeded"}}
    )
    assert release_second(stubs, force=True).exit_code == 0


def test_a_region_is_read_from_the_outputs_regions_list() -> None:
    entry = {key: value for key, value in SECOND.__dict__.items() if key != "region"}
    outputs = {
        "function_name": FIRST.function_name,  # the first region's, at the top level
        "regions": [
            {**{k: v for k, v in FIRST.__dict__.items() if k != "region"}, "region": "eu-west-1"},
            {
                **{k: v for k, v in entry.items() if k != "target_version"},
                "function_version": "3",
                "codedeploy_application": SECOND.application,
                "codedeploy_deployment_group": SECOND.deployment_group,
                "region": "eu-west-2",
            },
        ],
    }
    outputs["regions"][0].update(
        function_version="8",
        codedeploy_application=FIRST.application,
        codedeploy_deployment_group=FIRST.deployment_group,
    )
    assert Release.from_outputs(outputs, "eu-west-2") == SECOND
    assert Release.from_outputs(outputs, "eu-west-1") == FIRST


def restore_first_from_8_to_7(stubs: dict, code_judged: bool = True) -> dict[str, Any]:
    """The job moves eu-west-1 back to 7 after eu-west-2's release failed; eu-west-1's restore
    deployment as CodeDeploy would list it afterwards, with rollback information at its worst."""
    first_lambda, first_deploy = stubs["eu-west-1"][1], stubs["eu-west-1"][3]
    first_lambda.add_response(
        "get_alias",
        {"Name": "live", "FunctionVersion": "8"},
        {"FunctionName": FIRST.function_name, "Name": "live"},
    )
    first_deploy.add_response("create_deployment", {"deploymentId": "d-restore"})
    first_deploy.add_response(
        "get_deployment",
        {"deploymentInfo": {"deploymentId": "d-restore", "status": "Succeeded"}},
        {"deploymentId": "d-restore"},
    )
    sent: list[dict[str, Any]] = []
    stubs["eu-west-1"][2].meta.events.register(
        "provide-client-params.codedeploy.CreateDeployment",
        lambda params, **_: sent.append(dict(params)),
    )
    outcome = restore(
        FIRST,
        "7",
        stubs["eu-west-1"][0],
        stubs["eu-west-1"][2],
        100,
        1,
        lambda _: None,
        code_judged=code_judged,
    )
    assert outcome.exit_code == 0
    (created,) = sent
    return {
        "deploymentId": "d-restore",
        "status": "Stopped",
        "description": created["description"],
        "revision": created["revision"],
        "rollbackInfo": {"rollbackMessage": "automatic rollback is not enabled"},
    }


def first_history(stubs: dict, *infos: dict[str, Any]) -> None:
    first_deploy = stubs["eu-west-1"][3]
    ids = [info["deploymentId"] for info in infos]
    first_deploy.add_response("list_deployments", {"deployments": ids}, history_query(FIRST))
    first_deploy.add_response(
        "batch_get_deployments", {"deploymentsInfo": list(infos)}, {"deploymentIds": ids}
    )


def both_regions(stubs: dict) -> list[Region]:
    return [
        Region(FIRST, stubs["eu-west-1"][0], stubs["eu-west-1"][2]),
        Region(SECOND, stubs["eu-west-2"][0], stubs["eu-west-2"][2]),
    ]


def test_after_a_judged_restore_the_code_is_refused_in_both_regions(stubs: dict) -> None:
    """eu-west-2 stopped the release after eu-west-1 had taken its code: eu-west-1 is restored to
    7 (judged: the code was bad). A rerun in eu-west-1 is refused by its own restore, which took
    8 out; eu-west-2 refuses the same code by its hash, whatever its own history holds (here
    nothing: say the failure was its probe and its own restore never reached CodeDeploy). The
    restore's target, 7, never counts."""
    first_lambda = stubs["eu-west-1"][1]
    restored = restore_first_from_8_to_7(stubs)

    first_lambda.add_response(
        "get_alias",
        {"Name": "live", "FunctionVersion": "7"},
        {"FunctionName": FIRST.function_name, "Name": "live"},
    )
    first_history(stubs, restored)
    rerun = shift_traffic(
        FIRST,
        stubs["eu-west-1"][0],
        stubs["eu-west-1"][2],
        regions=both_regions(stubs),
        sleep=lambda _: None,
    )
    assert rerun.exit_code == 3
    assert "version 8 was rolled back or taken out by CodeDeploy d-restore" in rerun.message

    second_refuses_the_first_regions_code(
        stubs, lambda: first_history(stubs, restored), "d-restore"
    )

    first_history(stubs, restored)
    assert rejected_versions(FIRST, stubs["eu-west-1"][2]) == {"8": "d-restore"}  # 7 never


def test_after_a_restore_not_judged_the_code_is_refused_nowhere(stubs: dict) -> None:
    """eu-west-2's version never became ready (exit 4): eu-west-1 is restored to 7 with
    --code-not-judged, and the code stays one any region may shift to."""
    second_lambda, second_deploy = stubs["eu-west-2"][1], stubs["eu-west-2"][3]
    restored = restore_first_from_8_to_7(stubs, code_judged=False)

    first_history(stubs, restored)
    assert rejected_versions(FIRST, stubs["eu-west-1"][2]) == {}

    second_serves(second_lambda, "2")
    history(second_deploy, SECOND, {})
    code_of(second_lambda, SECOND, "3", CODE)
    first_history(stubs, restored)  # no version to compare: no hash is asked for
    history(second_deploy, SECOND, {})
    second_lambda.add_response(
        "get_function_configuration",
        {"FunctionName": SECOND.function_name, "Version": "3", "State": "Active"},
        {"FunctionName": SECOND.function_name, "Qualifier": "3"},
    )
    second_deploy.add_response("create_deployment", {"deploymentId": "d-west"})
    second_deploy.add_response(
        "get_deployment", {"deploymentInfo": {"deploymentId": "d-west", "status": "Succeeded"}}
    )
    assert release_second(stubs).exit_code == 0


def test_republishing_does_not_clear_a_judged_restore_in_a_multi_region_stack(
    stubs: dict,
) -> None:
    """hello:republish changes only the function's environment: Lambda publishes a new version
    (9) whose CodeSha256 is the code a judged restore took out, so every region still refuses
    it by its hash. Only changed code or --force ships it (docs/delivery.md says so)."""
    first_lambda, second_deploy = stubs["eu-west-1"][1], stubs["eu-west-2"][3]
    restored = restore_first_from_8_to_7(stubs)
    republished = replace(FIRST, target_version="9")

    first_lambda.add_response(
        "get_alias",
        {"Name": "live", "FunctionVersion": "7"},
        {"FunctionName": FIRST.function_name, "Name": "live"},
    )
    first_history(stubs, restored)  # its own group never rejected version 9 itself
    code_of(first_lambda, FIRST, "9", CODE)  # the republished version: the same code as 8
    first_history(stubs, restored)
    code_of(first_lambda, FIRST, "8", CODE)
    history(second_deploy, SECOND, {})
    outcome = shift_traffic(
        republished,
        stubs["eu-west-1"][0],
        stubs["eu-west-1"][2],
        regions=both_regions(stubs),
        sleep=lambda _: None,
    )
    assert outcome.exit_code == 3
    assert outcome.message.startswith(
        f"the code of version 9 (CodeSha256 {CODE}) was rolled back or taken out by CodeDeploy "
        "d-restore in eu-west-1"
    )
