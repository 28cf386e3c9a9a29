"""Evaluates __main__.py under Pulumi's mocks with a real stack file and prints what it built.

Run as `python -m testing.evaluate_stack STACK [OVERRIDES_JSON]`: one process per stack, because
Pulumi's runtime state is per process. Prints JSON: every registered resource (type, name, URN,
parent, state, resource options) and the resolved stack outputs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import runpy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf.json_format import MessageToDict
from pulumi.runtime import mocks
from pulumi.runtime.config import set_all_config
from pulumi.runtime.settings import get_root_resource
from pulumi.runtime.stack import Stack, run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from hello_stack.pulumi_config import load as load_stack_config
from testing.paths import ROOT
from testing.shared_results import SHARED_EVALUATIONS, computed_once

ACCOUNT = "123456789012"
# What an operator adds to a committed stack file before that stack may deploy (docs/bootstrap.md,
# step 5): prod must name who hears its alarms and who gets its SLO tickets. Tests and the
# bench evaluate with it.
OPERATOR_SETTINGS = {
    "prod": {"hello:alarmEmail": "oncall@example.com", "hello:ticketEmail": "tickets@example.com"}
}
# pulumi-aws v7's invoke tokens for the two things the program asks AWS.
CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
PARTITION = "aws:index/getPartition:getPartition"


def stack_config(
    stack: str, overrides: dict[str, str] | None = None, project_dir: Path = ROOT
) -> dict[str, str]:
    """The stack file's config as Pulumi hands it to a program: every value a string."""
    raw = yaml.safe_load((project_dir / f"Pulumi.{stack}.yaml").read_text())["config"]
    raw.update(overrides or {})
    return {key: v if isinstance(v, str) else json.dumps(v) for key, v in raw.items()}


SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"  # noqa: S105 - Pulumi's secret marker


def plain(value: Any, secrets: set[str], path: str = "") -> Any:
    """State as JSON: secrets unwrapped (their paths noted), archives as their paths."""
    if isinstance(value, dict):
        if value.get(SECRET_SIGNATURE) == "1b47061264138c4ac30d75fd1eb44270":
            secrets.add(path)
            return plain(value["value"], secrets, path)
        return {
            key: plain(item, secrets, f"{path}.{key}".lstrip(".")) for key, item in value.items()
        }
    if isinstance(value, list):
        return [plain(item, secrets, path) for item in value]
    if isinstance(value, pulumi.FileArchive):
        return {"archive": value.path}
    return value


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:7]


class HelloMocks(pulumi.runtime.Mocks):
    """Returns inputs as state plus what AWS would compute, for every resource type we use.

    Names follow Pulumi's auto-naming (logical name + random suffix), ARNs AWS's formats, so that
    the wiring between resources can be checked by value.
    """

    def __init__(self, region: str) -> None:
        self.default_region = region
        self.region = region
        self.provider_regions: dict[str, str] = {}  # {provider id: its region}

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        state = dict(args.inputs)
        resource_type, name = args.typ, args.name
        # A resource is created in its provider's region (a reference is `urn::id`).
        provider_id = (args.provider or "").rsplit("::", 1)[-1]
        self.region = self.provider_regions.get(provider_id, self.default_region)
        service = resource_type.split(":")[1].split("/")[0]
        state.setdefault("name", f"{name}-{short_hash(name)}")
        physical = state["name"]
        resource_id = physical
        if resource_type == "pulumi:providers:aws" and "region" in state:
            self.provider_regions[resource_id] = state["region"]
        arn = f"arn:aws:{service}:{self.region}:{ACCOUNT}:{physical}"
        if resource_type == "aws:lambda/function:Function":
            arn = f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{physical}"
            state.update(version="1", qualifiedArn=f"{arn}:1", invokeArn=self.invoke_arn(arn))
        elif resource_type == "aws:lambda/alias:Alias":
            function_name = state["functionName"]
            arn = f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{function_name}:{physical}"
            state["invokeArn"] = self.invoke_arn(arn)
        elif resource_type == "aws:apigateway/restApi:RestApi":
            resource_id = short_hash(physical) + "abc"
            state["executionArn"] = f"arn:aws:execute-api:{self.region}:{ACCOUNT}:{resource_id}"
            state["rootResourceId"] = "root"
        elif resource_type == "aws:apigateway/stage:Stage":
            rest_api = state["restApi"]
            state["invokeUrl"] = (
                f"https://{rest_api}.execute-api.{self.region}.amazonaws.com/{state['stageName']}"
            )
        elif resource_type == "aws:apigatewayv2/api:Api":
            resource_id = short_hash(physical) + "ws"
            state["executionArn"] = f"arn:aws:execute-api:{self.region}:{ACCOUNT}:{resource_id}"
        elif resource_type == "aws:apigatewayv2/stage:Stage":
            state["invokeUrl"] = (
                f"wss://{state['apiId']}.execute-api.{self.region}.amazonaws.com/{state['name']}"
            )
        elif resource_type == "aws:apigateway/domainName:DomainName":
            state["regionalDomainName"] = f"d-{short_hash(physical)}.execute-api.{self.region}"
            state["regionalZoneId"] = "Z" + short_hash(self.region).upper()
        elif resource_type == "aws:lambda/layerVersion:LayerVersion":
            arn = f"arn:aws:lambda:{self.region}:{ACCOUNT}:layer:{state['layerName']}:1"
        elif resource_type == "aws:cloudfront/distribution:Distribution":
            resource_id = "E" + short_hash(physical).upper()
            state["domainName"] = f"d{short_hash(physical)}.cloudfront.net"
        elif resource_type == "aws:dynamodb/table:Table":
            arn = f"arn:aws:dynamodb:{self.region}:{ACCOUNT}:table/{physical}"
        elif resource_type == "aws:iam/role:Role":
            arn = f"arn:aws:iam::{ACCOUNT}:role/{physical}"
        elif resource_type == "aws:iam/policy:Policy":
            arn = f"arn:aws:iam::{ACCOUNT}:policy/{physical}"
        elif resource_type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{state['url'].removeprefix('https://')}"
        elif resource_type == "aws:cloudwatch/logGroup:LogGroup":
            arn = f"arn:aws:logs:{self.region}:{ACCOUNT}:log-group:{physical}"
        elif resource_type == "random:index/randomPassword:RandomPassword":
            state["result"] = "m0ck" + short_hash(name) * 5
        state.setdefault("arn", arn)
        return resource_id, state

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list]:
        """Only the account's identity and partition: the program reads nothing else from AWS."""
        invoked = args.token
        if invoked == CALLER_IDENTITY:
            arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/session"
            return {"accountId": ACCOUNT, "arn": arn, "userId": "AROAEXAMPLE", "id": ACCOUNT}, []
        if invoked == PARTITION:
            return {
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
                "id": "aws",
                "reverseDnsPrefix": "com.amazonaws",
            }, []
        raise NotImplementedError(f"the program should make no other invokes, made {args.token}")

    def invoke_arn(self, function_arn: str) -> str:
        return (
            f"arn:aws:apigateway:{self.region}:lambda:path/2015-03-31/functions/"
            f"{function_arn}/invocations"
        )


class RecordingMonitor(mocks.MockMonitor):
    """Also keeps the resource options the plain mock monitor drops."""

    def __init__(self, mocks_: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks_)
        self.options: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        self.options[response.urn] = {
            "type": request.type,
            "name": request.name,
            "parent": request.parent,
            "custom": request.custom,
            "protect": request.protect,
            "retainOnDelete": request.retainOnDelete,
            "ignoreChanges": list(request.ignoreChanges),
            "dependencies": list(request.dependencies),
            "provider": request.provider,
            "deleteBeforeReplace": request.deleteBeforeReplace,
            "deleteBeforeReplaceDefined": request.deleteBeforeReplaceDefined,
            "replaceOnChanges": list(request.replaceOnChanges),
            "replaceWith": list(request.replace_with),
            "replacementTrigger": MessageToDict(request.replacement_trigger),
            "additionalSecretOutputs": list(request.additionalSecretOutputs),
            "hideDiffs": list(request.hideDiffs),
            "customTimeouts": MessageToDict(request.customTimeouts),
            "deletedWith": request.deletedWith,
            "importId": request.importId,
            "hooks": MessageToDict(request.hooks),
            # Pulumi's engine resolves aliases, not the mocks: kept for tests to apply.
            "aliases": [MessageToDict(alias) for alias in request.aliases],
        }
        return response


def record(
    program: Callable[[], object], project: str, stack: str, config: dict[str, str]
) -> dict[str, Any]:
    """Runs a Pulumi program under HelloMocks; returns every resource and the stack outputs."""
    monitor = RecordingMonitor(HelloMocks(config["aws:region"]))
    pulumi.runtime.set_mocks(
        monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor
    )
    set_all_config(config)
    outputs: dict[str, Any] = {}

    def with_outputs() -> None:
        program()
        root = get_root_resource()
        assert isinstance(root, Stack)  # run_pulumi_func made the stack the program ran in
        exported = pulumi.Output.from_input(dict(root.outputs))
        values = _sync_await(exported.future())
        assert values is not None  # every output is known in a run (not a preview) under mocks
        outputs.update(values)

    _sync_await(run_pulumi_func(with_outputs))
    resources = []
    for urn, registration in monitor.resources.items():
        secrets: set[str] = set()
        state = plain(registration.state, secrets)
        resources.append({"urn": urn, "id": registration.id, "state": state})
        resources[-1].update(monitor.options.get(urn, {}), secrets=sorted(secrets))
    for urn, options in monitor.options.items():  # components have no mock registration
        if urn not in monitor.resources:
            resources.append({"urn": urn, "id": None, "state": {}, "secrets": [], **options})
    return {"resources": resources, "outputs": plain(outputs, set())}


def evaluate(stack: str, overrides: dict[str, str] | None = None) -> dict[str, Any]:
    config = stack_config(stack, overrides)
    os.chdir(ROOT)  # `pulumi up` runs the program from the project directory
    recorded = record(
        lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__"),
        "hello",
        stack,
        config,
    )
    return {
        **recorded,
        "config": config,
        # What the program resolved from that config (defaults filled in): what tests compare to.
        "settings": dataclasses.asdict(load_stack_config()),
    }


# What an evaluation's process reads from its environment besides its arguments: part of the key.
ENVIRONMENT = ("AWS_", "PULUMI_", "HELLO_")


def run_evaluation(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m MODULE ARGS` from the project directory (one process per program: Pulumi's
    runtime state is per process); within a test run, once per run for the same command and
    environment, whichever process asks first (the program and stack files do not change
    while the tests run)."""
    command = [sys.executable, "-m", module, *args]

    def run(_: Path | None = None) -> dict[str, Any]:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        return {"returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr}

    shared = os.environ.get(SHARED_EVALUATIONS)
    if shared:
        environment = sorted(
            (name, value) for name, value in os.environ.items() if name.startswith(ENVIRONMENT)
        )
        key = hashlib.sha256(json.dumps([command[2:], environment]).encode()).hexdigest()[:16]
        found = computed_once(f"{module}-{key}", run, Path(shared))
    else:
        found = run()
    returncode, stdout, stderr = found["returncode"], found["stdout"], found["stderr"]
    return subprocess.CompletedProcess(command, returncode, stdout, stderr)


# The exit status when the program refuses its configuration (a pulumi.RunError, as `pulumi up`
# reports it): distinct from a crash, so a test can tell a refusal from a broken harness.
REFUSED = 3


def main(argv: list[str]) -> int:
    overrides = json.loads(argv[1]) if len(argv) > 1 else None
    try:
        result = evaluate(argv[0], overrides)
    except pulumi.RunError as refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return REFUSED
    json.dump(result, sys.stdout, default=str, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
