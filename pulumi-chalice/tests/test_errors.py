"""Errors a user can act on, raised before anything is registered, each naming the file or key.

Limits: Lambda's quotas, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
(memory 128 MB to 10,240 MB, timeout up to 900 seconds) and the ReservedConcurrentExecutions
parameter of PutFunctionConcurrency (minimum 0,
https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from chalice.deploy import models

from chalice_projects import ROOT
from pulumi_chalice import ChaliceProjectError
from pulumi_chalice.chalice_graph import build_graph

RUNTIME = "python3.12"
APP = """\
from chalice import Chalice

app = Chalice(app_name="tiny")


@app.route("/")
def index():
    return {}


@app.lambda_function()
def worker(event, context):
    return event
"""


def project(where: Path, config: Any = None, config_text: str | None = None) -> Path:
    """A two-function Chalice project (the REST handler and `worker`) with this config."""
    (where / ".chalice").mkdir(parents=True)
    (where / "app.py").write_text(APP)
    if config is None:
        config = {"version": "2.0", "app_name": "tiny", "stages": {"dev": {}}}
    text = config_text if config_text is not None else json.dumps(config)
    (where / ".chalice" / "config.json").write_text(text)
    return where


def with_stage(**settings: Any) -> dict[str, Any]:
    return {"version": "2.0", "app_name": "tiny", "stages": {"dev": settings}}


def refusal(project_dir: Path, **kwargs: Any) -> str:
    with pytest.raises(ChaliceProjectError) as raised:
        build_graph(str(project_dir), kwargs.pop("stage", "dev"), RUNTIME, **kwargs)
    return str(raised.value)


def settings(graph: Any) -> dict[str, tuple[int, int, int | None]]:
    return {
        f.resource_name: (f.memory_size, f.timeout, f.reserved_concurrency)
        for f in graph.of_kind(models.LambdaFunction)
    }


def test_a_missing_project_directory_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    assert refusal(missing) == f"project_dir {str(missing)!r} is not a directory"


def test_a_project_without_app_py_names_the_file(tmp_path: Path) -> None:
    (project(tmp_path / "p") / "app.py").unlink()
    message = refusal(tmp_path / "p")
    assert message.startswith(f"{tmp_path / 'p' / 'app.py'} does not exist: project_dir must be")
    assert "No module named" not in message


def test_a_project_without_its_config_file_names_it(tmp_path: Path) -> None:
    (project(tmp_path / "p") / ".chalice" / "config.json").unlink()
    assert refusal(tmp_path / "p").startswith(
        f"{tmp_path / 'p' / '.chalice' / 'config.json'} does not exist"
    )


def test_invalid_config_json_names_the_file_with_chalices_message(tmp_path: Path) -> None:
    text = '{"app_name": "tiny",}'
    path = project(tmp_path / "p", config_text=text) / ".chalice" / "config.json"
    # Chalice's CLI says "Unable to load the project config file: <the JSON parser's error>".
    with pytest.raises(ValueError) as parser_error:
        json.loads(text)
    assert refusal(tmp_path / "p") == (
        f"Unable to load the project config file {path}: {parser_error.value}"
    )
    assert "line 1 column" in str(parser_error.value)


def test_config_that_is_not_an_object_is_named(tmp_path: Path) -> None:
    project(tmp_path / "p", config_text="[]")
    assert refusal(tmp_path / "p").endswith("config.json must hold a JSON object, not list")


def test_a_stage_the_config_does_not_define_is_refused(tmp_path: Path) -> None:
    project(tmp_path / "p")
    assert refusal(tmp_path / "p", stage="prod") == (
        f"chalice_stage 'prod' is not defined in {tmp_path / 'p' / '.chalice' / 'config.json'} "
        "(its stages: ['dev']): every function would get Chalice's defaults; add the stage, or "
        "set allow_undefined_stage=True"
    )


def test_an_undefined_stage_is_built_when_the_caller_says_so(tmp_path: Path) -> None:
    project(tmp_path / "p")
    graph = build_graph(str(tmp_path / "p"), "prod", RUNTIME, allow_undefined_stage=True)
    # Chalice's defaults: 128 MB, 60 s, no reserved concurrency.
    assert settings(graph) == {"api_handler": (128, 60, None), "worker": (128, 60, None)}


@pytest.mark.parametrize(
    ("stage_settings", "problem"),
    [
        ({"lambda_memory_size": 100}, "lambda_memory_size 100 is outside Lambda's 128..10240 MB"),
        (
            {"lambda_memory_size": 10241},
            "lambda_memory_size 10241 is outside Lambda's 128..10240 MB",
        ),
        ({"lambda_timeout": 1000}, "lambda_timeout 1000 is outside Lambda's 1..900 seconds"),
        ({"lambda_timeout": 0}, "lambda_timeout 0 is outside Lambda's 1..900 seconds"),
        ({"reserved_concurrency": -5}, "reserved_concurrency -5 is negative"),
    ],
    ids=["memory-low", "memory-high", "timeout-high", "timeout-zero", "concurrency"],
)
def test_settings_outside_lambdas_limits_name_each_function_and_key(
    tmp_path: Path, stage_settings: dict[str, int], problem: str
) -> None:
    project(tmp_path / "p", with_stage(**stage_settings))
    where = f"{tmp_path / 'p' / '.chalice' / 'config.json'}, stage 'dev'"
    assert refusal(tmp_path / "p") == (
        f"{where}:\n  function 'api_handler': {problem}\n  function 'worker': {problem}"
    )


def test_the_limits_themselves_are_accepted(tmp_path: Path) -> None:
    project(
        tmp_path / "p",
        with_stage(
            lambda_memory_size=10240,
            lambda_timeout=900,
            reserved_concurrency=0,
            lambda_functions={"worker": {"lambda_memory_size": 128, "lambda_timeout": 1}},
        ),
    )
    graph = build_graph(str(tmp_path / "p"), "dev", RUNTIME)
    assert settings(graph) == {"api_handler": (10240, 900, 0), "worker": (128, 1, 0)}


def test_limits_apply_after_chalices_merge_per_function(tmp_path: Path) -> None:
    """A function's own stage setting wins over an override: only that function is wrong."""
    project(
        tmp_path / "p",
        with_stage(lambda_functions={"worker": {"lambda_timeout": 1000}}),
    )
    message = refusal(tmp_path / "p", overrides={"lambda_timeout": 30})
    assert message == (
        f"{tmp_path / 'p' / '.chalice' / 'config.json'}, stage 'dev', with config_overrides "
        "['lambda_timeout']:\n  function 'worker': lambda_timeout 1000 is outside Lambda's "
        "1..900 seconds"
    )


def test_an_override_outside_the_limits_is_named(tmp_path: Path) -> None:
    project(tmp_path / "p")
    message = refusal(tmp_path / "p", overrides={"lambda_memory_size": 100})
    assert "with config_overrides ['lambda_memory_size']" in message
    assert "function 'worker': lambda_memory_size 100 is outside" in message


def test_a_runtime_lambda_does_not_accept_is_refused(tmp_path: Path) -> None:
    project(tmp_path / "p")
    with pytest.raises(ChaliceProjectError) as raised:
        build_graph(str(tmp_path / "p"), "dev", "python3.99")
    message = str(raised.value)
    assert message.startswith("runtime 'python3.99' is not a Lambda runtime (botocore's Lambda")
    assert "python3.12" in message  # what Lambda does accept, for Python


def test_a_lambda_runtime_chalice_cannot_package_is_refused(tmp_path: Path) -> None:
    project(tmp_path / "p")
    with pytest.raises(ChaliceProjectError) as raised:
        build_graph(str(tmp_path / "p"), "dev", "python2.7")
    assert re.match(
        r"runtime 'python2.7': Chalice cannot package for it; it builds for .*"
        r"python3\.12",
        str(raised.value),
    )


# Runs ChaliceApp under the mocks in a process of its own, reporting the error and what was
# registered before it.
REGISTRATIONS = """
import json, sys
import pulumi
from tools.evaluate_stack import HelloMocks, RecordingMonitor
from pulumi_chalice import ChaliceApp, ChaliceAppArgs, ChaliceProjectError

monitor = RecordingMonitor(HelloMocks("eu-west-1"))
pulumi.runtime.set_mocks(monitor.mocks, project="p", stack="s", preview=False, monitor=monitor)
try:
    ChaliceApp("app", ChaliceAppArgs(project_dir=sys.argv[1], chalice_stage="dev"))
except ChaliceProjectError as error:
    print(json.dumps({"error": str(error), "registered": sorted(monitor.options)}))
"""


def test_nothing_is_registered_before_a_refusal(tmp_path: Path) -> None:
    project(tmp_path / "p", with_stage(lambda_timeout=1000))
    result = subprocess.run(
        [sys.executable, "-c", REGISTRATIONS, str(tmp_path / "p")],
        cwd=ROOT,
        env={**os.environ, "AWS_DEFAULT_REGION": "eu-west-1"},
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(result.stdout)
    assert "lambda_timeout 1000 is outside" in report["error"]
    assert report["registered"] == []
