"""Chalice's graph as ChaliceApp builds it: the runtime pinned, the project imported without a
trace, Chalice's own validation and errors."""

from __future__ import annotations

import inspect
import os
import sys
from typing import cast

import pulumi
import pytest
from chalice.deploy import models

from chalice_projects import EVERY_DECORATOR, copy_project, tiny_project
from pulumi_chalice.chalice_app import ChaliceAppArgs
from pulumi_chalice.chalice_graph import build_graph
from pulumi_chalice.chalice_resources import PulumiGenerator
from pulumi_chalice.checks import SOURCES, UnsupportedChaliceFeature


@pytest.fixture(scope="module")
def every(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(copy_project(EVERY_DECORATOR, tmp_path_factory.mktemp("graph") / "every"))


def project_modules() -> dict[str, object]:
    return {
        name: module
        for name, module in sys.modules.items()
        if name.split(".")[0] in ("app", "chalicelib")
    }


def test_two_projects_load_one_after_the_other_without_a_trace(every: str, tmp_path) -> None:
    """Both bring a module `app` and a package `chalicelib`: each gets its own."""
    tiny = str(tiny_project(tmp_path / "tiny"))
    before_modules, before_path, before_environ = (
        project_modules(),
        list(sys.path),
        dict(os.environ),
    )
    first = build_graph(tiny, "dev", "python3.12")
    other = build_graph(every, "dev", "python3.12")
    again = build_graph(tiny, "dev", "python3.12")
    assert sorted(first.config.chalice_app.routes) == ["/"]
    assert sorted(other.config.chalice_app.routes) == ["/", "/from-blueprint", "/private"]
    assert sorted(again.config.chalice_app.routes) == ["/"]
    # The tiny app's handler reads its own chalicelib, not every_decorator's.
    index = again.config.chalice_app.routes["/"]["GET"].view_function
    assert index() == {"owner": "tiny"}
    # Chalice's loader imports `app` and sets the stage's environment: all undone.
    assert project_modules() == before_modules
    assert sys.path == before_path
    assert "GLOBAL_SETTING" not in os.environ
    assert dict(os.environ) == before_environ


def test_runtime_is_the_one_given_for_every_function_and_the_layer(every: str) -> None:
    graph = build_graph(every, "dev", "python3.13")
    functions = graph.of_kind(models.LambdaFunction)
    assert len(functions) == 18
    assert {function.runtime for function in functions} == {"python3.13"}
    (layer,) = graph.of_kind(models.LambdaLayer)
    assert layer.runtime == "python3.13"
    assert "python3.13" in layer.deployment_package.filename


def test_overrides_rank_as_cli_options_do(every: str) -> None:
    graph = build_graph(every, "dev", "python3.12", {"lambda_memory_size": 1024})
    memory = {f.resource_name: f.memory_size for f in graph.of_kind(models.LambdaFunction)}
    # Above the stage's 256; below what a function sets for itself in the stage (`plain`: 512),
    # which is Chalice's order for CLI options too.
    assert memory.pop("plain") == 512
    assert set(memory.values()) == {1024}


def test_stage_settings_reach_the_models_as_chalice_applies_them(every: str) -> None:
    graph = build_graph(every, "dev", "python3.12")
    functions = {f.resource_name: f for f in graph.of_kind(models.LambdaFunction)}
    plain = functions["plain"]
    assert (plain.memory_size, plain.timeout, plain.reserved_concurrency) == (512, 120, 2)
    assert plain.environment_variables == {
        "GLOBAL_SETTING": "everywhere",
        "STAGE_SETTING": "dev",
        "ONLY_PLAIN": "yes",
    }
    assert plain.subnet_ids == ["subnet-1", "subnet-2"]
    assert isinstance(plain.role, models.ManagedIAMRole)
    assert isinstance(plain.role.policy, models.FileBasedIAMPolicy)
    assert isinstance(functions["on_job"].role, models.PreCreatedIAMRole)
    assert functions["at_noon"].tags["schedule"] == "noon"
    assert functions["api_handler"].memory_size == 256


def test_chalices_own_validation_runs(tmp_path) -> None:
    project = tmp_path / "bad"
    (project / ".chalice").mkdir(parents=True)
    (project / ".chalice" / "config.json").write_text(
        '{"version": "2.0", "app_name": "bad", "stages": {"dev": {}}}'
    )
    (project / "app.py").write_text(
        "from chalice import Chalice\napp = Chalice(app_name='bad')\n"
        "@app.route('/trailing/')\ndef trailing():\n    return {}\n"
    )
    with pytest.raises(ValueError, match="Route cannot end with a trailing slash"):
        build_graph(str(project), "dev", "python3.12")


def test_a_model_without_a_generator_method_is_an_error_naming_it() -> None:
    class Mystery(models.ManagedModel):
        resource_type = "mystery"

    args = ChaliceAppArgs(project_dir="unused")
    # No parent: this model is refused before any resource (which would need one) is created.
    generator = PulumiGenerator("app", cast(pulumi.Resource, None), args, {})
    with pytest.raises(UnsupportedChaliceFeature, match=r"cannot create Mystery .*'unknown'"):
        generator.generate([Mystery(resource_name="unknown")])


def test_the_error_names_the_decorator_behind_a_known_kind() -> None:
    # The message reads only the event's own fields: its function is never looked at.
    function = cast(models.LambdaFunction, None)
    event = models.ScheduledEvent(
        resource_name="nightly-event",
        rule_name="r",
        schedule_expression="rate(1 day)",
        lambda_function=function,
    )
    assert str(UnsupportedChaliceFeature(event)) == (
        "ChaliceApp cannot create ScheduledEvent (@app.schedule) 'nightly-event' yet"
    )


# Chalice's model classes that are bases or the container, never resources of their own.
NOT_RESOURCES = {
    "Model",
    "ManagedModel",
    "Application",
    "IAMRole",
    "FunctionEventSubscriber",
    "CloudWatchEventBase",
}


def test_every_model_kind_chalice_defines_has_a_generator_method() -> None:
    kinds = {
        name
        for name, cls in inspect.getmembers(models, inspect.isclass)
        if issubclass(cls, models.Model) and cls.__module__ == models.__name__
    } - NOT_RESOURCES
    # A new kind in a Chalice release fails here before it can be skipped anywhere.
    assert len(kinds) == 20
    assert {k for k in kinds if not hasattr(PulumiGenerator, f"_generate_{k.lower()}")} == set()
    assert kinds == set(SOURCES)
