"""Moves the `live` alias to the version `pulumi up` just published, through CodeDeploy.

Usage: python deploy/shift_traffic.py --outputs outputs.json [--timeout 1800] [--force]
       [--ignore-alarms]

`outputs.json` holds the stack outputs (`pulumi stack output --json`, or the outputs of the
pulumi/actions step). CodeDeploy shifts traffic as the stack's deployment config says (canary in
prod, all at once in dev) and rolls back by itself when an alarm fires. Exits 0 when the new
version serves all traffic or there was nothing to do, 1 when CodeDeploy rolled back or failed,
2 when it did not finish in time (the deployment is then stopped and rolled back), 3 when the
version is one an earlier deployment of this group rolled back (CodeDeploy's own history says
so): shifting to it again would hurt users again. `--force` shifts anyway; `--ignore-alarms`
tells CodeDeploy to ignore the group's alarms for this deployment only, to fix forward while an
alarm is still firing (a failing deployment still rolls back).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

FINISHED = {"Succeeded", "Failed", "Stopped"}
ENDED_BADLY = ["Failed", "Stopped"]
BATCH = 25  # BatchGetDeployments takes at most 25 ids


@dataclass(frozen=True)
class Release:
    function_name: str
    alias_name: str
    target_version: str
    application: str
    deployment_group: str
    # Lambda functions CodeDeploy runs before and after moving traffic (hooks/release_hook.py).
    before_traffic_hook: str
    after_traffic_hook: str

    @classmethod
    def from_outputs(cls, outputs: dict[str, Any]) -> Release:
        return cls(
            function_name=outputs["function_name"],
            alias_name=outputs["alias_name"],
            target_version=str(outputs["function_version"]),
            application=outputs["codedeploy_application"],
            deployment_group=outputs["codedeploy_deployment_group"],
            before_traffic_hook=outputs["before_traffic_hook"],
            after_traffic_hook=outputs["after_traffic_hook"],
        )


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    message: str


def appspec(release: Release, current_version: str) -> str:
    return json.dumps(
        {
            "version": 0.0,
            "Resources": [
                {
                    release.alias_name: {
                        "Type": "AWS::Lambda::Function",
                        "Properties": {
                            "Name": release.function_name,
                            "Alias": release.alias_name,
                            "CurrentVersion": current_version,
                            "TargetVersion": release.target_version,
                        },
                    }
                }
            ],
            # A failing check fails the deployment: before any user request reaches the new
            # version, and again through the public URL once it serves everyone.
            "Hooks": [
                {"BeforeAllowTraffic": release.before_traffic_hook},
                {"AfterAllowTraffic": release.after_traffic_hook},
            ],
        }
    )


def target_version_of(info: dict[str, Any]) -> str | None:
    """The Lambda version a deployment moved (or tried to move) the alias to, from its AppSpec."""
    content = info.get("revision", {}).get("appSpecContent", {}).get("content")
    if not content:
        return None
    (resource,) = json.loads(content)["Resources"]
    (spec,) = resource.values()
    return str(spec["Properties"]["TargetVersion"])


def rollbacks(release: Release, codedeploy: Any) -> dict[str, str]:
    """{target version: deployment id} for this group's deployments that were rolled back."""
    ids = [
        deployment_id
        for page in codedeploy.get_paginator("list_deployments").paginate(
            applicationName=release.application,
            deploymentGroupName=release.deployment_group,
            includeOnlyStatuses=ENDED_BADLY,
        )
        for deployment_id in page["deployments"]
    ]
    rolled_back: dict[str, str] = {}
    for start in range(0, len(ids), BATCH):
        infos = codedeploy.batch_get_deployments(deploymentIds=ids[start : start + BATCH])
        for info in infos["deploymentsInfo"]:
            version = target_version_of(info)
            if "rollbackInfo" in info and version is not None:
                rolled_back[version] = info["deploymentId"]
    return rolled_back


def shift_traffic(
    release: Release,
    lambda_client: Any,
    codedeploy: Any,
    timeout_s: float = 1800,
    poll_s: float = 15,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    force: bool = False,
    ignore_alarms: bool = False,
) -> Outcome:
    alias = lambda_client.get_alias(FunctionName=release.function_name, Name=release.alias_name)
    current = alias["FunctionVersion"]
    if current == release.target_version:
        return Outcome(0, f"nothing to do: {release.alias_name} already serves {current}")
    if not force:
        earlier = rollbacks(release, codedeploy).get(release.target_version)
        if earlier:
            return Outcome(
                3,
                f"version {release.target_version} was rolled back by CodeDeploy {earlier}: "
                f"not shifting to it again. Publish a fix (pulumi up), or pass --force. "
                f"{release.alias_name} still serves version {current}.",
            )

    content = appspec(release, current)
    options: dict[str, Any] = {}
    if ignore_alarms:
        # This deployment only: the group keeps its alarms for the next one.
        options["overrideAlarmConfiguration"] = {"enabled": False}
    deployment_id = codedeploy.create_deployment(
        applicationName=release.application,
        deploymentGroupName=release.deployment_group,
        revision={
            "revisionType": "AppSpecContent",
            "appSpecContent": {
                "content": content,
                "sha256": hashlib.sha256(content.encode()).hexdigest(),
            },
        },
        description=f"{release.function_name}: {current} -> {release.target_version}",
        **options,
    )["deploymentId"]
    print(f"CodeDeploy {deployment_id}: shifting {current} -> {release.target_version}", flush=True)

    deadline = clock() + timeout_s
    while True:
        info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        status = info["status"]
        if status == "Succeeded":
            return Outcome(0, f"{release.alias_name} now serves version {release.target_version}")
        if status in FINISHED:
            error = info.get("errorInformation", {}).get("message", "no reason given")
            rolled_back = "rollbackInfo" in info
            what = "rolled back" if rolled_back else status.lower()
            return Outcome(
                1,
                f"CodeDeploy {deployment_id} {what}: {error}. "
                f"{release.alias_name} still serves version {current}.",
            )
        if clock() >= deadline:
            codedeploy.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
            return Outcome(
                2,
                f"CodeDeploy {deployment_id} did not finish in {timeout_s:.0f} s "
                f"(last status {status}); stopped it and rolled back.",
            )
        sleep(poll_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", required=True, help="stack outputs as JSON")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--poll", type=float, default=15)
    parser.add_argument(
        "--force", action="store_true", help="shift even to a version CodeDeploy rolled back"
    )
    parser.add_argument(
        "--ignore-alarms",
        action="store_true",
        help="CodeDeploy ignores the group's alarms for this deployment (fix forward)",
    )
    args = parser.parse_args(argv)
    with open(args.outputs) as file:
        release = Release.from_outputs(json.load(file))

    import boto3

    outcome = shift_traffic(
        release,
        boto3.client("lambda"),
        boto3.client("codedeploy"),
        timeout_s=args.timeout,
        poll_s=args.poll,
        force=args.force,
        ignore_alarms=args.ignore_alarms,
    )
    print(outcome.message, file=sys.stderr if outcome.exit_code else sys.stdout)
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
