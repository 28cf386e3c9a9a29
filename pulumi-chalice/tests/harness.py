"""Evaluates ChaliceApps over any Chalice projects under Pulumi's mocks and prints what they built.

The package's own test harness: it needs pulumi-chalice and its dependencies only, nothing of
the repository it lives in. Run as `python harness.py PROJECT_DIR CHALICE_STAGE [ARGS_JSON]`, or
with `--apps APPS_JSON` for several apps in one program (a list of objects: `name` plus any
ChaliceAppArgs fields as plain JSON), from this directory (RUN_DIR: the archives' relative paths
start there). One process per program, because Pulumi's runtime state is per process. Prints
JSON: every registered resource (type, name, URN, parent, state, resource options) and the
resolved stack outputs; when ChaliceApp refuses, the error and what was registered before it.
The single app is named `app`, so each resource's logical name is `app-<Terraform key>`.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf.json_format import MessageToDict
from pulumi.runtime import mocks
from pulumi.runtime.settings import get_root_resource
from pulumi.runtime.stack import Stack, run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from pulumi_chalice import ChaliceApp, ChaliceAppArgs, ChaliceProjectError

RUN_DIR = Path(__file__).resolve().parent
REGION = "eu-west-1"
ACCOUNT = "123456789012"
COMPONENT_NAME = "app"
# Every output the component declares (its annotated attributes).
OUTPUTS = tuple(ChaliceApp.__annotations__)
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:7]


def plain(value: Any) -> Any:
    """State as JSON: secrets unwrapped, archives as their paths."""
    if isinstance(value, dict):
        if value.get(SECRET_SIGNATURE) == "1b47061264138c4ac30d75fd1eb44270":
            return plain(value["value"])
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, pulumi.FileArchive):
        return {"archive": value.path}
    return value


class ChaliceMocks(pulumi.runtime.Mocks):
    """Returns inputs as state plus what AWS would compute, for every type ChaliceApp creates.

    Names follow Pulumi's auto-naming (logical name + suffix), ARNs AWS's formats, so that the
    wiring between resources can be checked by value. ChaliceApp makes no invokes.
    """

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        state = dict(args.inputs)
        resource_type, name = args.typ, args.name
        service = resource_type.split(":")[1].split("/")[0]
        state.setdefault("name", f"{name}-{short_hash(name)}")
        physical = resource_id = state["name"]
        arn = f"arn:aws:{service}:{REGION}:{ACCOUNT}:{physical}"
        if resource_type == "aws:lambda/function:Function":
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{physical}"
            state.update(version="1", qualifiedArn=f"{arn}:1", invokeArn=invoke_arn(arn))
        elif resource_type == "aws:lambda/alias:Alias":
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{state['functionName']}:{physical}"
            state["invokeArn"] = invoke_arn(arn)
        elif resource_type == "aws:apigateway/restApi:RestApi":
            resource_id = short_hash(physical) + "abc"
            state["executionArn"] = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{resource_id}"
            state["rootResourceId"] = "root"
        elif resource_type == "aws:apigateway/stage:Stage":
            state["invokeUrl"] = (
                f"https://{state['restApi']}.execute-api.{REGION}.amazonaws.com/"
                f"{state['stageName']}"
            )
        elif resource_type == "aws:apigatewayv2/api:Api":
            resource_id = short_hash(physical) + "ws"
            state["executionArn"] = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{resource_id}"
        elif resource_type == "aws:apigatewayv2/stage:Stage":
            state["invokeUrl"] = (
                f"wss://{state['apiId']}.execute-api.{REGION}.amazonaws.com/{state['name']}"
            )
        elif resource_type == "aws:apigateway/domainName:DomainName":
            state["regionalDomainName"] = f"d-{short_hash(physical)}.execute-api.{REGION}"
            state["regionalZoneId"] = "Z" + short_hash(REGION).upper()
        elif resource_type == "aws:lambda/layerVersion:LayerVersion":
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{state['layerName']}:1"
        elif resource_type == "aws:iam/role:Role":
            arn = f"arn:aws:iam::{ACCOUNT}:role/{physical}"
        elif resource_type == "aws:cloudwatch/logGroup:LogGroup":
            arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{physical}"
        state.setdefault("arn", arn)
        return resource_id, state

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list]:
        raise NotImplementedError(f"ChaliceApp should make no invokes, made {args.token}")


def invoke_arn(function_arn: str) -> str:
    return (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )


class RecordingMonitor(mocks.MockMonitor):
    """Also keeps every registration's resource options (the plain mock monitor drops them),
    components included, in the order they were registered."""

    def __init__(self, mocks_: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks_)
        self.options: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        self.options[response.urn] = {
            "type": request.type,
            "name": request.name,
            "parent": request.parent,
            "ignoreChanges": list(request.ignoreChanges),
            "dependencies": list(request.dependencies),
            # Pulumi's engine resolves aliases, not the mocks: kept for tests to apply.
            "aliases": [MessageToDict(alias) for alias in request.aliases],
        }
        return response


def record(program: Callable[[], None]) -> dict[str, Any]:
    """Runs a Pulumi program under the mocks; every resource and the stack outputs, or, when
    ChaliceApp refuses, its message and what was registered before it."""
    monitor = RecordingMonitor(ChaliceMocks())
    pulumi.runtime.set_mocks(
        monitor.mocks, project="chalice-app", stack="test", preview=False, monitor=monitor
    )
    outputs: dict[str, Any] = {}

    def with_outputs() -> None:
        program()
        root = get_root_resource()
        assert isinstance(root, Stack)  # run_pulumi_func made the stack the program ran in
        exported = pulumi.Output.from_input(dict(root.outputs))
        values = _sync_await(exported.future())
        assert values is not None  # every output is known in a run (not a preview) under mocks
        outputs.update(values)

    try:
        _sync_await(run_pulumi_func(with_outputs))
    except ChaliceProjectError as error:
        return {"error": str(error), "registered": list(monitor.options.values())}
    resources = []
    for urn, options in monitor.options.items():
        registration = monitor.resources.get(urn)  # components have no mock registration
        resources.append(
            {
                "urn": urn,
                "id": registration.id if registration else None,
                "state": plain(registration.state) if registration else {},
                **options,
            }
        )
    return {"resources": resources, "outputs": plain(outputs)}


def create(apps: list[dict[str, Any]]) -> None:
    for app in apps:
        fields = dict(app)
        name = fields.pop("name")
        if "throttling" in fields:
            fields["throttling"] = tuple(fields["throttling"])
        created = ChaliceApp(name, ChaliceAppArgs(**fields))
        # Every output the component offers, exported under the app's name for the tests.
        pulumi.export(name, {key: getattr(created, key) for key in OUTPUTS})


def evaluate(apps: list[dict[str, Any]]) -> dict[str, Any]:
    return record(lambda: create(apps))


def main(argv: list[str]) -> None:
    if argv[0] == "--apps":
        apps = json.loads(argv[1])
    else:
        extra = json.loads(argv[2]) if len(argv) > 2 else {}
        apps = [{"name": COMPONENT_NAME, "project_dir": argv[0], "chalice_stage": argv[1], **extra}]
    json.dump(evaluate(apps), sys.stdout, default=str, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
