"""Errors a user can act on, raised before anything is registered, each naming the file or key.

Limits: Lambda's quotas, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
(memory 128 MB to 10,240 MB, timeout up to 900 seconds) and the ReservedConcurrentExecutions
parameter of PutFunctionConcurrency (minimum 0,
https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import botocore
import pytest
from chalice.deploy import models

from chalice_projects import TINY_CONFIG, run_harness, tiny_project
from pulumi_chalice import (
    ChaliceApp,
    ChaliceAppArgs,
    ChaliceProjectError,
    UnsupportedChaliceFeature,
    chalice_graph,
    checks,
)
from pulumi_chalice.chalice_graph import build_graph
from pulumi_chalice.chalice_resources import PulumiGenerator

RUNTIME = "python3.12"
ENV = "environment_variables"  # Chalice's config key


def project(where: Path, config: Any = None, config_text: str | None = None) -> Path:
    """A two-function Chalice project (the REST handler and `worker`) with this config."""
    return tiny_project(where, config, config_text)


def with_stage(**settings: Any) -> dict[str, Any]:
    return {**TINY_CONFIG, "stages": {"dev": settings}}


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
    assert message.startswith(
        f"runtime 'python3.99': botocore {botocore.__version__} does not list it among Lambda's "
        "runtimes (its Lambda model accepts "
    )
    assert "python3.12" in message  # what Lambda does accept, for Python
    assert message.endswith("upgrade botocore if Lambda offers it, or choose one of these")


def test_a_runtime_newer_than_botocores_model_asks_for_a_newer_botocore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older botocore (1.35's model stops at python3.12) refuses a newer interpreter's
    default runtime: the message says which botocore, and to upgrade it."""
    monkeypatch.setattr(checks, "lambda_runtimes", lambda: ("python3.11", "python3.12"))
    project(tmp_path / "p")
    with pytest.raises(ChaliceProjectError) as raised:
        build_graph(str(tmp_path / "p"), "dev", "python3.13")
    assert str(raised.value) == (
        f"runtime 'python3.13': botocore {botocore.__version__} does not list it among Lambda's "
        "runtimes (its Lambda model accepts python3.11, python3.12 for Python): upgrade "
        "botocore if Lambda offers it, or choose one of these"
    )


def test_the_declared_botocore_floor_lists_every_runtime_chalice_packages_for() -> None:
    """The floor is the botocore tested (pyproject.toml): its model holds all of Chalice's."""
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    floor = re.search(r'"botocore>=([\d.]+),<2"', pyproject)
    assert floor, "pyproject.toml declares no botocore floor"
    assert botocore.__version__.split(".")[:2] == floor.group(1).split(".")[:2]
    assert set(checks.CHALICE_RUNTIMES) <= set(checks.lambda_runtimes())


def test_a_lambda_runtime_chalice_cannot_package_is_refused(tmp_path: Path) -> None:
    project(tmp_path / "p")
    with pytest.raises(ChaliceProjectError) as raised:
        build_graph(str(tmp_path / "p"), "dev", "python2.7")
    assert re.match(
        r"runtime 'python2.7': Chalice cannot package for it; it builds for .*"
        r"python3\.12",
        str(raised.value),
    )


def test_snap_start_without_an_alias_is_refused_before_the_project_is_read(
    tmp_path: Path,
) -> None:
    """SnapStart applies to published versions, which only alias_name makes; refused first,
    before any project is read (the directory does not exist), with no Pulumi runtime."""
    args = ChaliceAppArgs(project_dir=str(tmp_path / "nowhere"), snap_start=True)
    with pytest.raises(ChaliceProjectError) as raised:
        ChaliceApp("app", args)
    assert str(raised.value) == "snap_start applies to published versions: set alias_name"


def pre_created_role(where: Path) -> Path:
    """The tiny project whose `worker` runs under a role of its own (manage_iam_role false)."""
    return project(
        where,
        with_stage(
            lambda_functions={
                "worker": {
                    "manage_iam_role": False,
                    "iam_role_arn": "arn:aws:iam::123456789012:role/jobs",
                }
            }
        ),
    )


def test_an_environment_variable_set_in_both_places_names_file_stage_and_key(
    tmp_path: Path,
) -> None:
    project(tmp_path / "p", with_stage(lambda_functions={"worker": {ENV: {"TABLE": "a"}}}))
    message = refusal(tmp_path / "p", added_environment=["TABLE", "OTHER"])
    assert message == (
        f"{tmp_path / 'p' / '.chalice' / 'config.json'}, stage 'dev':\n  function 'worker': "
        "environment_variables ['TABLE'] are also set by ChaliceAppArgs.environment: set each "
        "in one place"
    )


def test_policy_statements_for_a_pre_created_role_name_file_stage_and_key(tmp_path: Path) -> None:
    pre_created_role(tmp_path / "p")
    assert refusal(tmp_path / "p", adds_grants=True) == (
        f"{tmp_path / 'p' / '.chalice' / 'config.json'}, stage 'dev':\n  function 'worker': "
        "manage_iam_role is false (iam_role_arn arn:aws:iam::123456789012:role/jobs): "
        "ChaliceAppArgs.policy_statements cannot be added to a role ChaliceApp does not "
        "manage; grant them on that role"
    )


def test_a_pre_created_role_without_policy_statements_is_accepted(tmp_path: Path) -> None:
    pre_created_role(tmp_path / "p")
    graph = build_graph(str(tmp_path / "p"), "dev", RUNTIME, adds_grants=False)
    (worker,) = [f for f in graph.of_kind(models.LambdaFunction) if f.resource_name == "worker"]
    assert worker.role.role_arn == "arn:aws:iam::123456789012:role/jobs"


def test_a_model_kind_without_a_generator_names_file_stage_and_setting(tmp_path: Path) -> None:
    project(tmp_path / "p")
    with pytest.raises(UnsupportedChaliceFeature) as raised:
        build_graph(
            str(tmp_path / "p"),
            "dev",
            RUNTIME,
            supported=lambda model: type(model) is not models.RestAPI,
        )
    assert str(raised.value) == (
        f"{tmp_path / 'p' / '.chalice' / 'config.json'}, stage 'dev': ChaliceApp cannot create "
        "RestAPI (@app.route / @app.authorizer) 'rest_api' yet"
    )
    assert isinstance(raised.value, ChaliceProjectError)


def test_refusals_come_before_anything_is_packaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Limits and options are checked on Chalice's graph before its build stage: a refused
    project builds no zip and runs no pip."""

    def no_build(config: Any) -> Any:
        raise AssertionError("the build stage ran before the checks")

    monkeypatch.setattr(chalice_graph, "build_stage", no_build)
    project(tmp_path / "p", with_stage(lambda_functions={"worker": {"lambda_timeout": 1000}}))
    assert "function 'worker': lambda_timeout 1000 is outside" in refusal(tmp_path / "p")
    assert not (tmp_path / "p" / ".chalice" / "deployments").exists()


def test_every_model_of_a_project_has_a_generator(tmp_path: Path) -> None:
    pre_created_role(tmp_path / "p")
    graph = build_graph(str(tmp_path / "p"), "dev", RUNTIME, supported=PulumiGenerator.handles)
    assert {type(model).__name__ for model in graph.resources} >= {"RestAPI", "LambdaFunction"}


# Each refusal ChaliceApp makes, from a project or its own options; with what the message says.
# The program runs in a process of its own (harness.py), which reports the error and every
# registration before it.
ROOT_STACK = "pulumi:pulumi:Stack"
EXTRA_STATEMENT = {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:q"}
REFUSALS = {
    "limits": ({"lambda_timeout": 1000}, {}, "function 'worker': lambda_timeout 1000 is outside"),
    "environment": (
        {ENV: {"TABLE": "a"}},
        {"environment": {"TABLE": "b"}},
        "function 'worker': environment_variables ['TABLE'] are also set by "
        "ChaliceAppArgs.environment",
    ),
    "pre-created-role": (
        {"lambda_functions": {"worker": {"manage_iam_role": False, "iam_role_arn": "arn:r"}}},
        {"policy_statements": [EXTRA_STATEMENT]},
        "function 'worker': manage_iam_role is false (iam_role_arn arn:r): "
        "ChaliceAppArgs.policy_statements cannot be added",
    ),
    "snap-start-without-alias": (
        {},
        {"snap_start": True},
        "snap_start applies to published versions: set alias_name",
    ),
    "undefined-stage": ({}, {"chalice_stage": "prod"}, "chalice_stage 'prod' is not defined in"),
    "runtime": ({}, {"runtime": "python3.99"}, "runtime 'python3.99': botocore"),
}


@pytest.mark.parametrize(("stage_settings", "args", "message"), REFUSALS.values(), ids=REFUSALS)
def test_nothing_is_registered_before_a_refusal(
    tmp_path: Path, stage_settings: dict[str, Any], args: dict[str, Any], message: str
) -> None:
    project(tmp_path / "p", with_stage(**stage_settings))
    result = run_harness(str(tmp_path / "p"), "dev", json.dumps(args))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert message in report["error"]
    # Pulumi registers the stack itself before any program runs; nothing else was.
    assert [r["type"] for r in report["registered"]] == [ROOT_STACK]
