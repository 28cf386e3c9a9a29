"""Evaluates ChaliceApps over any Chalice projects under Pulumi's mocks and prints what they built.

Run as `python -m tools.evaluate_chalice_app PROJECT_DIR CHALICE_STAGE [ARGS_JSON]`, or with
`--apps APPS_JSON` for several apps in one program (a list of objects: `name` plus any
ChaliceAppArgs fields as plain JSON). One process per program, because Pulumi's runtime state
is per process. Prints the same JSON as tools.evaluate_stack. The single app is named `app`,
so each resource's logical name is `app-<Terraform key>`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pulumi

from pulumi_chalice import ChaliceApp, ChaliceAppArgs
from tools.evaluate_stack import record

REGION = "eu-west-1"
# Every output the component declares (its annotated attributes).
OUTPUTS = tuple(ChaliceApp.__annotations__)
COMPONENT_NAME = "app"


def create(apps: list[dict[str, Any]]) -> None:
    for app in apps:
        fields = dict(app)
        name = fields.pop("name")
        if "throttling" in fields:
            fields["throttling"] = tuple(fields["throttling"])
        app_ = ChaliceApp(name, ChaliceAppArgs(**fields))
        # Every output the component offers, exported under the app's name for the tests.
        pulumi.export(name, {key: getattr(app_, key) for key in OUTPUTS})


def evaluate(apps: list[dict[str, Any]]) -> dict[str, Any]:
    return record(lambda: create(apps), "chalice-app", "test", {"aws:region": REGION})


def main(argv: list[str]) -> None:
    if argv[0] == "--apps":
        apps = json.loads(argv[1])
    else:
        extra = json.loads(argv[2]) if len(argv) > 2 else {}
        apps = [{"name": COMPONENT_NAME, "project_dir": argv[0], "chalice_stage": argv[1], **extra}]
    json.dump(evaluate(apps), sys.stdout, default=str, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
