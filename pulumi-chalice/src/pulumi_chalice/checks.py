"""What ChaliceApp refuses before it registers anything, each error naming the file or key.

Chalice itself checks little of this: a missing project surfaces as `No module named 'app'`, an
invalid config file as a bare JSONDecodeError, a stage the config does not define silently
gets Chalice's defaults, and out-of-range function settings fail only in `pulumi up`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, cast

import botocore.session
from botocore.model import StringShape
from chalice.deploy import models
from chalice.deploy.packager import LambdaDeploymentPackager

CONFIG_FILE = os.path.join(".chalice", "config.json")
ENTRY_POINT = "app.py"
# Lambda's quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html):
# memory from 128 MB to 10,240 MB, a timeout of at most 900 seconds (15 minutes). botocore's
# model allows more for both (its bounds cover other compute types), so the quotas are here.
MEMORY_MB = (128, 10240)
TIMEOUT_SECONDS = (1, 900)
# Chalice's config keys for each LambdaFunction field the limits apply to.
MEMORY_KEY, TIMEOUT_KEY, CONCURRENCY_KEY = (
    "lambda_memory_size",
    "lambda_timeout",
    "reserved_concurrency",
)
# The runtimes Chalice's packager can build for (its own table of wheel ABIs).
# Chalice keeps the table private and has no public copy of it.
CHALICE_RUNTIMES = tuple(
    LambdaDeploymentPackager._RUNTIME_TO_ABI  # pyright: ignore[reportPrivateUsage]
)


# The decorator or config key behind each model kind, for errors and the README's table.
SOURCES = {
    "LambdaFunction": "@app.lambda_function / any handler",
    "ManagedIAMRole": "manage_iam_role (default)",
    "PreCreatedIAMRole": "manage_iam_role: false + iam_role_arn",
    "AutoGenIAMPolicy": "autogen_policy (default)",
    "FileBasedIAMPolicy": "iam_policy_file",
    "IAMPolicy": "api_gateway_endpoint_type: PRIVATE",
    "DeploymentPackage": "the project's code",
    "LambdaLayer": "automatic_layer",
    "LogGroup": "log_retention_in_days",
    "ScheduledEvent": "@app.schedule",
    "CloudWatchEvent": "@app.on_cw_event",
    "S3BucketNotification": "@app.on_s3_event",
    "SNSLambdaSubscription": "@app.on_sns_message",
    "SQSEventSource": "@app.on_sqs_message",
    "KinesisEventSource": "@app.on_kinesis_record",
    "DynamoDBEventSource": "@app.on_dynamodb_record",
    "RestAPI": "@app.route / @app.authorizer",
    "WebsocketAPI": "@app.on_ws_connect / _message / _disconnect",
    "DomainName": "api_gateway_custom_domain / websocket_api_custom_domain",
    "APIMapping": "url_prefix of a custom domain",
}
ENVIRONMENT_KEY = "environment_variables"  # Chalice's config key


class ChaliceProjectError(ValueError):
    """A project, its configuration or ChaliceApp's options that cannot deploy."""


class UnsupportedChaliceFeature(ChaliceProjectError):
    """A model the generator has no method for: named, never skipped."""

    def __init__(self, resource: models.Model, where: str | None = None) -> None:
        kind = type(resource).__name__
        source = SOURCES.get(kind, "an unknown decorator or setting")
        super().__init__(
            (f"{where}: " if where else "") + f"ChaliceApp cannot create {kind} ({source}) "
            f"{getattr(resource, 'resource_name', '')!r} yet"
        )


def describe(project_dir: str, stage: str, overrides: Mapping[str, Any]) -> str:
    """Where a function's merged settings come from, for errors: the file, stage, overrides."""
    where = f"{os.path.join(project_dir, CONFIG_FILE)}, stage {stage!r}"
    if overrides:
        where += f", with config_overrides {sorted(overrides)}"
    return where


def lambda_runtimes() -> tuple[str, ...]:
    """Every runtime Lambda's API accepts: the `Runtime` enum of botocore's service model."""
    model = botocore.session.get_session().get_service_model("lambda")
    runtime = model.shape_for("Runtime")
    assert isinstance(runtime, StringShape)  # an enum of strings in every Lambda model
    return tuple(runtime.enum)


def check_runtime(runtime: str) -> None:
    """Lambda's API (as this botocore knows it) and Chalice's packager both take the runtime.

    A runtime newer than this botocore's model is refused with the advice to upgrade it: the
    model only grows, so an older botocore is the likely cause (the declared floor is the
    botocore tested, whose model lists every runtime Chalice can package for)."""
    if runtime not in lambda_runtimes():
        python = [r for r in lambda_runtimes() if r.startswith("python")]
        raise ChaliceProjectError(
            f"runtime {runtime!r}: botocore {botocore.__version__} does not list it among "
            f"Lambda's runtimes (its Lambda model accepts {', '.join(python)} for Python): "
            "upgrade botocore if Lambda offers it, or choose one of these"
        )
    if runtime not in CHALICE_RUNTIMES:
        raise ChaliceProjectError(
            f"runtime {runtime!r}: Chalice cannot package for it; it builds for "
            f"{', '.join(CHALICE_RUNTIMES)}"
        )


def check_project(project_dir: str) -> None:
    """The project directory, its app.py and its .chalice/config.json exist."""
    if not os.path.isdir(project_dir):
        raise ChaliceProjectError(f"project_dir {project_dir!r} is not a directory")
    for required in (ENTRY_POINT, CONFIG_FILE):
        path = os.path.join(project_dir, required)
        if not os.path.isfile(path):
            raise ChaliceProjectError(
                f"{path} does not exist: project_dir must be a Chalice project "
                f"(`chalice new-project` creates {ENTRY_POINT} and {CONFIG_FILE})"
            )


def read_config(project_dir: str) -> dict[str, Any]:
    """The project's .chalice/config.json, with Chalice's CLI message when it is not JSON."""
    path = os.path.join(project_dir, CONFIG_FILE)
    with open(path) as config_file:
        try:
            config = json.load(config_file)
        except ValueError as error:  # as Chalice's CLI catches it (chalice.cli.factory)
            raise ChaliceProjectError(
                f"Unable to load the project config file {path}: {error}"
            ) from error
    if not isinstance(config, dict):
        raise ChaliceProjectError(f"{path} must hold a JSON object, not {type(config).__name__}")
    return cast(dict[str, Any], config)  # JSON: an object's keys are strings


def check_stage(project_dir: str, config: Mapping[str, Any], stage: str, allowed: bool) -> None:
    """The stage is one the config defines, unless the caller means it not to be."""
    stages = sorted(config.get("stages", {}))
    if stage not in stages and not allowed:
        raise ChaliceProjectError(
            f"chalice_stage {stage!r} is not defined in "
            f"{os.path.join(project_dir, CONFIG_FILE)} (its stages: {stages}): every function "
            "would get Chalice's defaults; add the stage, or set allow_undefined_stage=True"
        )


def _outside(value: int, low: int, high: int | None = None) -> bool:
    return value < low or (high is not None and value > high)


def check_models(
    resources: Sequence[models.Model],
    where: str,
    added_environment: Collection[str] = (),
    adds_grants: bool = False,
    supported: Callable[[models.Model], bool] = lambda _: True,
) -> None:
    """The application graph as Chalice merged it, before anything is packaged or registered:
    every model kind has a generator, and each function's settings fit Lambda and
    ChaliceApp's options (`added_environment`: the names ChaliceAppArgs.environment adds;
    `adds_grants`: ChaliceAppArgs.policy_statements is not empty)."""
    for resource in resources:
        if not supported(resource):
            raise UnsupportedChaliceFeature(resource, where)
    functions = [r for r in resources if isinstance(r, models.LambdaFunction)]
    check_functions(functions, where, added_environment, adds_grants)


def check_functions(
    functions: Iterable[models.LambdaFunction],
    where: str,
    added_environment: Collection[str] = (),
    adds_grants: bool = False,
) -> None:
    """Memory, timeout and reserved concurrency of each function, as Chalice merged them; its
    environment and role against what ChaliceApp's options add."""
    problems: list[str] = []
    for function in sorted(functions, key=lambda function: function.resource_name):
        name = function.resource_name
        if _outside(function.memory_size, *MEMORY_MB):
            problems.append(
                f"function {name!r}: {MEMORY_KEY} {function.memory_size} is outside "
                f"Lambda's {MEMORY_MB[0]}..{MEMORY_MB[1]} MB"
            )
        if _outside(function.timeout, *TIMEOUT_SECONDS):
            problems.append(
                f"function {name!r}: {TIMEOUT_KEY} {function.timeout} is outside "
                f"Lambda's {TIMEOUT_SECONDS[0]}..{TIMEOUT_SECONDS[1]} seconds"
            )
        # Chalice hints `int`, but a function without the setting has None.
        reserved = cast(int | None, function.reserved_concurrency)
        if reserved is not None and reserved < 0:
            problems.append(
                f"function {name!r}: {CONCURRENCY_KEY} {function.reserved_concurrency} is negative"
            )
        clash = sorted(set(function.environment_variables) & set(added_environment))
        if clash:
            problems.append(
                f"function {name!r}: {ENVIRONMENT_KEY} {clash} are also set by "
                "ChaliceAppArgs.environment: set each in one place"
            )
        if adds_grants and isinstance(function.role, models.PreCreatedIAMRole):
            problems.append(
                f"function {name!r}: manage_iam_role is false (iam_role_arn "
                f"{function.role.role_arn}): ChaliceAppArgs.policy_statements cannot be added "
                "to a role ChaliceApp does not manage; grant them on that role"
            )
    if problems:
        raise ChaliceProjectError(f"{where}:\n  " + "\n  ".join(problems))
