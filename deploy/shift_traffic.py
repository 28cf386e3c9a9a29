"""Moves the `live` alias to the version `pulumi up` just published, through CodeDeploy.

Usage: python deploy/shift_traffic.py --outputs outputs.json [--region REGION] [--timeout 1800]
       [--ready-timeout 900] [--force] [--ignore-alarms]
       python deploy/shift_traffic.py --outputs outputs.json [--region REGION] --print-live-version
       python deploy/shift_traffic.py --outputs outputs.json [--region REGION] --restore-to VERSION
       [--code-not-judged]

With --region it releases that region of a multi-region stack (the outputs' `regions` list), and
refuses (3) code that any region's group rolled back or took out: version numbers differ per
region, so the memory is keyed on the code's hash (Lambda's CodeSha256 of each rejected version).

`outputs.json` holds the stack outputs (`pulumi stack output --json`, or the outputs of the
pulumi/actions step). CodeDeploy shifts traffic as the stack's deployment config says (a canary
in both committed stacks) and rolls back by itself when an alarm fires. First the target version
must be `Active`: a SnapStart version stays `Pending` while its snapshot is made and cannot be
invoked until then (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html), so the
script waits with botocore's `published_version_active` waiter before it creates a deployment.

Exits 0 when the new version serves all traffic or there was nothing to do, 1 when CodeDeploy
rolled back or failed, 2 when it did not finish in time (the deployment is then stopped and
rolled back), 3 when the version is one an earlier deployment of this group rolled back, or one
a judged restore took out (CodeDeploy's own history says so, see below): shifting to it again
would hurt users again; 4 when the version never became ready (its snapshot failed, or it was
still Pending at --ready-timeout): no deployment was created, so nothing remembers the version as
bad; a Failed version needs a new one (`hello:republish`, then `pulumi up`); 5 when an AWS call
failed (throttled, denied, unreachable: AWS_ERROR), which says nothing of the code either, where
a traceback would exit 1 as a rollback does; 6 when the command or the stack outputs are wrong
(USAGE_ERROR: an unknown option, outputs that cannot be read or name no such region), which
says nothing of the code either. `--force` shifts anyway; `--ignore-alarms` tells
CodeDeploy to ignore the group's alarms for this deployment only, to fix forward while an alarm
is still firing (a failing deployment still rolls back).

`--print-live-version` prints the version the `live` alias serves (the deploy job records each
region's before it releases any). `--restore-to VERSION` moves the alias back to a recorded
version after a release failed (another region's, or this region's live probe after CodeDeploy
succeeded), so that no region keeps code the release was stopped for: one CodeDeploy deployment,
all at once, with no hooks (the version served everyone minutes ago), the group's alarms ignored
(they may be firing on the very code being taken out; AWS's CreateDeployment reference describes
this override for "a previous application revision that is known to work") and no automatic
rollback. It is never refused by the memory. Its deployment's description starts with
RESTORE_MARK, so the version it moves back TO never counts as rejected; the version it moves the
alias AWAY from (its AppSpec's CurrentVersion) counts, whatever the restore's own status, since
CodeDeploy records no rollback for code taken out this way. Only the caller knows why the
release stopped: a rollback (1), a timeout (2), a refusal (3) or a failed probe judge the code
bad, and that is the default; a version that never became ready (4), an AWS call that failed (5)
or a wrong command (6) says nothing of it, and the workflow then passes `--code-not-judged`,
which adds NOT_JUDGED_MARK after RESTORE_MARK and the restore counts nothing. A restore whose
description lacks that mark (every restore made before the mark existed too) counts: the safe
side. Exits 0 when the alias serves VERSION, 1 when the deployment failed, 2 when it did not
finish in time (stopped, without a rollback), 5 when an AWS call failed, 6 when the command or
the outputs are wrong.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NoReturn

ENDED_BADLY = ["Failed", "Stopped"]
FINISHED = [*ENDED_BADLY, "Succeeded"]
BATCH = 25  # BatchGetDeployments takes at most 25 ids
READY_POLL_S = 5  # the published_version_active waiter's own delay
NOT_READY = 4
# An AWS call failed: not a verdict on the code (an uncaught exception would exit 1, a rollback's).
AWS_ERROR = 5
# The command or its stack outputs are wrong (argparse's own exit for a usage error is 2, a
# timeout's): nothing was shifted and nothing says anything of the code.
USAGE_ERROR = 6
# AWS's predefined Lambda configuration that moves all traffic at once (one of
# hello_stack.config.DEPLOYMENT_CONFIGS, which a test keeps it in): a restore has nothing to canary.
ALL_AT_ONCE = "CodeDeployDefault.LambdaAllAtOnce"
# Starts the description of every restore deployment: `rejected_versions` never counts the version
# it moves back to, and counts the one it takes out unless NOT_JUDGED_MARK follows.
RESTORE_MARK = "restore "
# Follows RESTORE_MARK when the release stopped for a reason that says nothing of its code.
NOT_JUDGED_MARK = "(code not judged) "


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
    region: str | None = None  # None: the stack's one region (the default client's)

    @classmethod
    def from_outputs(cls, outputs: dict[str, Any], region: str | None = None) -> Release:
        if region is not None:
            (entry,) = [e for e in outputs["regions"] if e["region"] == region]
            outputs = {**entry, "region": region}
        return cls(
            function_name=outputs["function_name"],
            alias_name=outputs["alias_name"],
            target_version=str(outputs["function_version"]),
            application=outputs["codedeploy_application"],
            deployment_group=outputs["codedeploy_deployment_group"],
            before_traffic_hook=outputs["before_traffic_hook"],
            after_traffic_hook=outputs["after_traffic_hook"],
            region=outputs.get("region"),
        )


@dataclass(frozen=True)
class Region:
    """A region's release and the clients that reach it."""

    release: Release
    lambda_client: Any
    codedeploy: Any


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    message: str


def appspec(release: Release, current_version: str, hooks: bool = True) -> str:
    spec: dict[str, Any] = {
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
    }
    if hooks:
        # A failing check fails the deployment: before any user request reaches the new
        # version, and again through the public URL once it serves everyone.
        spec["Hooks"] = [
            {"BeforeAllowTraffic": release.before_traffic_hook},
            {"AfterAllowTraffic": release.after_traffic_hook},
        ]
    return json.dumps(spec)


def appspec_version(info: dict[str, Any], which: str) -> str | None:
    """A version (`TargetVersion` or `CurrentVersion`) of a deployment's AppSpec, if it has one.

    Every finished deployment of the group is read, those made by hand too: CodeDeploy takes a
    Lambda AppSpec as JSON or YAML, in `appSpecContent` or the older `string` revision
    (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_RevisionLocation.html), so
    both are read, and one this script cannot read counts as none rather than stopping every
    later release with a traceback (which the workflow would take for a rollback)."""
    import yaml  # JSON is YAML too

    revision = info.get("revision", {})
    content = (revision.get("appSpecContent") or revision.get("string") or {}).get("content")
    if not content:
        return None
    try:
        (resource,) = yaml.safe_load(content)["Resources"]
        (spec,) = resource.values()
        return str(spec["Properties"][which])
    except (yaml.YAMLError, TypeError, KeyError, ValueError, AttributeError):
        return None


def target_version_of(info: dict[str, Any]) -> str | None:
    """The Lambda version a deployment moved (or tried to move) the alias to, from its AppSpec."""
    return appspec_version(info, "TargetVersion")


def current_version_of(info: dict[str, Any]) -> str | None:
    """The Lambda version a deployment moved (or tried to move) the alias away from."""
    return appspec_version(info, "CurrentVersion")


def rejected_version(info: dict[str, Any]) -> str | None:
    """The version a finished deployment rejected: the target of a release CodeDeploy rolled
    back, or the version a judged restore took out (whatever the restore's own status)."""
    triggered_by = info.get("rollbackInfo", {}).get("rollbackTriggeringDeploymentId")
    if info.get("creator") == "codeDeployRollback" or triggered_by:
        # CodeDeploy rolls back "by redeploying a previously deployed revision ... as a new
        # deployment" (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html):
        # its AppSpec's target is the code it went back to, and the release that triggered it
        # counts on its own. Even when this redeployment fails, it judged nothing.
        return None
    description = info.get("description", "")
    if description.startswith(RESTORE_MARK):
        if description.removeprefix(RESTORE_MARK).startswith(NOT_JUDGED_MARK):
            return None  # the release stopped for a reason that says nothing of the code
        return current_version_of(info)
    if info.get("status") in ENDED_BADLY and "rollbackInfo" in info:
        return target_version_of(info)
    return None  # a release that succeeded, or ended badly without a rollback


def rejected_versions(release: Release, codedeploy: Any) -> dict[str, str]:
    """{version: deployment id} for this group's versions rolled back or taken out (above)."""
    # Succeeded too: a restore that took code out usually succeeds.
    ids = [
        deployment_id
        for page in codedeploy.get_paginator("list_deployments").paginate(
            applicationName=release.application,
            deploymentGroupName=release.deployment_group,
            includeOnlyStatuses=FINISHED,
        )
        for deployment_id in page["deployments"]
    ]
    rejected: dict[str, str] = {}
    for start in range(0, len(ids), BATCH):
        infos = codedeploy.batch_get_deployments(deploymentIds=ids[start : start + BATCH])
        for info in infos["deploymentsInfo"]:
            version = rejected_version(info)
            if version is not None:
                rejected[version] = info["deploymentId"]
    return rejected


def live_version(release: Release, lambda_client: Any) -> str:
    """The version the alias serves now (CodeDeploy moves it; Pulumi ignores it)."""
    alias = lambda_client.get_alias(FunctionName=release.function_name, Name=release.alias_name)
    return alias["FunctionVersion"]


def code_hash(release: Release, version: str, lambda_client: Any) -> str | None:
    """The code's hash of a version (None when the version no longer exists)."""
    try:
        return lambda_client.get_function_configuration(
            FunctionName=release.function_name, Qualifier=version
        )["CodeSha256"]
    except lambda_client.exceptions.ResourceNotFoundException:
        return None


def rolled_back_code(regions: list[Region]) -> dict[str, str]:
    """{code hash: "<deployment id> in <region>"} of every region's rejected versions."""
    found: dict[str, str] = {}
    for each in regions:
        for version, deployment_id in rejected_versions(each.release, each.codedeploy).items():
            digest = code_hash(each.release, version, each.lambda_client)
            if digest is not None:
                found[digest] = f"{deployment_id} in {each.release.region}"
    return found


def wait_until_ready(
    release: Release, lambda_client: Any, timeout_s: float, poll_s: float = READY_POLL_S
) -> Outcome | None:
    """None once the target version is Active; else why it is not ready (exit NOT_READY)."""
    from botocore.exceptions import WaiterError

    version = release.target_version
    try:
        lambda_client.get_waiter("published_version_active").wait(
            FunctionName=release.function_name,
            Qualifier=version,
            WaiterConfig={"Delay": poll_s, "MaxAttempts": max(1, math.ceil(timeout_s / poll_s))},
        )
    except WaiterError as error:
        last = error.last_response or {}
        state = last.get("State", "unknown")
        if state == "Failed":
            reason = f"{last.get('StateReasonCode', '?')}: {last.get('StateReason', '')}"
            what = f"failed to become ready ({reason})"
        elif "Error" in last:
            what = (
                f"could not be read ({last['Error'].get('Code')}: {last['Error'].get('Message')})"
            )
        else:
            what = f"is still {state} after {timeout_s:.0f} s"
        return Outcome(
            NOT_READY,
            f"version {version} {what}: not ready, which says nothing of its code. No "
            f"deployment was created and nothing remembers it as bad. A Failed version stays "
            f"Failed and Lambda publishes a new one only for changed code or configuration: "
            f"set hello:republish to a new value and run pulumi up (a Pending one: rerun). "
            f"{release.alias_name} is unchanged.",
        )
    return None


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
    ready_timeout_s: float = 900,
    ready_poll_s: float = READY_POLL_S,
    regions: list[Region] | None = None,
) -> Outcome:
    """Shifts the alias to the release's version. `regions`: every region of a multi-region
    stack (this one included), whose rolled-back code this region must never run."""
    current = live_version(release, lambda_client)
    if current == release.target_version:
        return Outcome(0, f"nothing to do: {release.alias_name} already serves {current}")
    if not force:
        earlier = rejected_versions(release, codedeploy).get(release.target_version)
        if earlier:
            return Outcome(
                3,
                f"version {release.target_version} was rolled back or taken out by CodeDeploy "
                f"{earlier}: not shifting to it again. Publish a fix (pulumi up), or pass --force "
                f"(e.g. when the before-traffic hook's log line for {earlier} says not_ready: "
                f"the version could not run yet, which says nothing of its code). "
                f"{release.alias_name} still serves version {current}.",
            )
        if regions:
            target_code = code_hash(release, release.target_version, lambda_client)
            rolled_back_elsewhere = rolled_back_code(regions).get(target_code or "")
            if rolled_back_elsewhere:
                return Outcome(
                    3,
                    f"the code of version {release.target_version} (CodeSha256 {target_code}) "
                    f"was rolled back or taken out by CodeDeploy {rolled_back_elsewhere}: no "
                    f"region runs code another rolled back or took out. Publish a fix (pulumi "
                    f"up), or pass --force. "
                    f"{release.alias_name} still serves version {current}.",
                )

    not_ready = wait_until_ready(release, lambda_client, ready_timeout_s, ready_poll_s)
    if not_ready:
        return not_ready

    options: dict[str, Any] = {}
    if ignore_alarms:
        # This deployment only: the group keeps its alarms for the next one.
        options["overrideAlarmConfiguration"] = {"enabled": False}
    deployment_id = create_deployment(
        release,
        current,
        codedeploy,
        f"{release.function_name}: {current} -> {release.target_version}",
        **options,
    )
    print(f"CodeDeploy {deployment_id}: shifting {current} -> {release.target_version}", flush=True)

    info, timed_out = follow(deployment_id, codedeploy, timeout_s, poll_s, sleep, clock)
    if timed_out:
        codedeploy.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
        return Outcome(
            2,
            f"CodeDeploy {deployment_id} did not finish in {timeout_s:.0f} s "
            f"(last status {info['status']}); stopped it and rolled back.",
        )
    if info["status"] == "Succeeded":
        return Outcome(0, f"{release.alias_name} now serves version {release.target_version}")
    what = "rolled back" if "rollbackInfo" in info else info["status"].lower()
    return Outcome(
        1,
        f"CodeDeploy {deployment_id} {what}: {failure_reason(info)}. "
        f"{release.alias_name} still serves version {current}.",
    )


def restore(
    release: Release,
    version: str,
    lambda_client: Any,
    codedeploy: Any,
    timeout_s: float = 600,
    poll_s: float = 15,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    code_judged: bool = True,
) -> Outcome:
    """Moves the alias back to `version`, the one it served before this run released the region
    (see the module's docstring for why all at once, without hooks, alarms or rollback).
    `code_judged`: the release stopped for a reason that judges its code bad, so the version
    taken out is remembered (False only when it says nothing of the code: exit 4, 5 or 6)."""
    current = live_version(release, lambda_client)
    if current == version:
        return Outcome(0, f"nothing to restore: {release.alias_name} already serves {version}")
    back = replace(release, target_version=version)
    deployment_id = create_deployment(
        back,
        current,
        codedeploy,
        f"{RESTORE_MARK}{'' if code_judged else NOT_JUDGED_MARK}"
        f"{release.function_name}: {current} -> {version}",
        hooks=False,
        deploymentConfigName=ALL_AT_ONCE,
        overrideAlarmConfiguration={"enabled": False},
        autoRollbackConfiguration={"enabled": False},
    )
    print(f"CodeDeploy {deployment_id}: restoring {current} -> {version}", flush=True)

    info, timed_out = follow(deployment_id, codedeploy, timeout_s, poll_s, sleep, clock)
    if timed_out:
        # No rollback: it would move the alias back to the code being taken out.
        codedeploy.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=False)
        what = f"did not finish in {timeout_s:.0f} s (last status {info['status']}); stopped it"
        return Outcome(
            2,
            f"restore CodeDeploy {deployment_id} {what}. "
            f"{release.alias_name} serves version {live_version(release, lambda_client)}.",
        )
    if info["status"] == "Succeeded":
        return Outcome(0, f"restored: {release.alias_name} serves version {version} again")
    # Without a rollback the alias may be on either side: say what it serves, read afresh.
    return Outcome(
        1,
        f"restore CodeDeploy {deployment_id} {info['status'].lower()}: {failure_reason(info)}. "
        f"{release.alias_name} serves version {live_version(release, lambda_client)}.",
    )


def create_deployment(
    release: Release,
    current: str,
    codedeploy: Any,
    description: str,
    hooks: bool = True,
    **options: Any,
) -> str:
    """Asks CodeDeploy to move the alias from `current` to the release's version; its id."""
    content = appspec(release, current, hooks)
    return codedeploy.create_deployment(
        applicationName=release.application,
        deploymentGroupName=release.deployment_group,
        revision={
            "revisionType": "AppSpecContent",
            "appSpecContent": {
                "content": content,
                "sha256": hashlib.sha256(content.encode()).hexdigest(),
            },
        },
        description=description,
        **options,
    )["deploymentId"]


def follow(
    deployment_id: str,
    codedeploy: Any,
    timeout_s: float,
    poll_s: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> tuple[dict[str, Any], bool]:
    """The deployment's last info, and whether the deadline passed before it finished."""
    deadline = clock() + timeout_s
    while True:
        info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        if info["status"] in FINISHED:
            return info, False
        if clock() >= deadline:
            return info, True
        sleep(poll_s)


def failure_reason(info: dict[str, Any]) -> str:
    return info.get("errorInformation", {}).get("message", "no reason given")


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits USAGE_ERROR: argparse's own 2 is a timeout's code."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    parser = Parser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--outputs", required=True, help="stack outputs as JSON")
    parser.add_argument(
        "--region", help="the region to release, of the outputs' `regions` (multi-region stacks)"
    )
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--poll", type=float, default=15)
    parser.add_argument(
        "--ready-timeout", type=float, default=900, help="seconds to wait for the version"
    )
    parser.add_argument(
        "--force", action="store_true", help="shift even to a version CodeDeploy rolled back"
    )
    parser.add_argument(
        "--ignore-alarms",
        action="store_true",
        help="CodeDeploy ignores the group's alarms for this deployment (fix forward)",
    )
    other_task = parser.add_mutually_exclusive_group()
    other_task.add_argument(
        "--print-live-version",
        action="store_true",
        help="print the version the alias serves, change nothing",
    )
    other_task.add_argument(
        "--restore-to",
        metavar="VERSION",
        help="move the alias back to this recorded version, all at once (after a failed release); "
        "the version taken out is remembered as bad unless --code-not-judged",
    )
    parser.add_argument(
        "--code-not-judged",
        action="store_true",
        help="with --restore-to: the release stopped for a reason that says nothing of its code "
        "(its version never became ready, exit 4, an AWS call failed, 5, or the command was "
        "wrong, 6), so the version taken out is not remembered",
    )
    args = parser.parse_args(argv)
    if (args.print_live_version or args.restore_to) and (args.force or args.ignore_alarms):
        parser.error("--force and --ignore-alarms only apply to a release")
    if args.code_not_judged and args.restore_to is None:
        parser.error("--code-not-judged only applies to --restore-to")
    try:
        with open(args.outputs) as file:
            outputs = json.load(file)
        release = Release.from_outputs(outputs, args.region)
        every_region = (
            [Release.from_outputs(outputs, entry["region"]) for entry in outputs["regions"]]
            if args.region is not None
            else []
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(
            f"no release read from {args.outputs} (region {args.region}): {error!r}; nothing "
            "shifted, nothing judged",
            file=sys.stderr,
        )
        return USAGE_ERROR

    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return run_task(args, release, every_region)
    except (BotoCoreError, ClientError) as error:
        print(f"an AWS call failed, nothing judged: {error}", file=sys.stderr)
        return AWS_ERROR


def run_task(args: argparse.Namespace, release: Release, every_region: list[Release]) -> int:
    """The task the arguments ask for, with the clients of the region(s) they name
    (`every_region`: each region's release, with --region only)."""
    import boto3

    regions = None
    if args.region is not None:
        regions = [
            Region(
                each,
                boto3.client("lambda", region_name=each.region),
                boto3.client("codedeploy", region_name=each.region),
            )
            for each in every_region
        ]
    (own,) = [r for r in regions or [] if r.release.region == args.region] or [None]
    lambda_client = own.lambda_client if own else boto3.client("lambda")
    codedeploy = own.codedeploy if own else boto3.client("codedeploy")
    if args.print_live_version:
        print(live_version(release, lambda_client))
        return 0
    if args.restore_to is not None:
        outcome = restore(
            release,
            args.restore_to,
            lambda_client,
            codedeploy,
            args.timeout,
            args.poll,
            code_judged=not args.code_not_judged,
        )
    else:
        outcome = shift_traffic(
            release,
            lambda_client,
            codedeploy,
            regions=regions,
            timeout_s=args.timeout,
            poll_s=args.poll,
            force=args.force,
            ignore_alarms=args.ignore_alarms,
            ready_timeout_s=args.ready_timeout,
        )
    print(outcome.message, file=sys.stderr if outcome.exit_code else sys.stdout)
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
