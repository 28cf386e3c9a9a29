"""hello_stack/config.py: every key typed, defaulted and checked in one place; the stack files
set only what differs; docs/configuration.md's table is the generated one."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator

import pulumi
import pytest
from pulumi.runtime.config import set_all_config

from hello_stack.config import (
    BUILD_PYTHON,
    ConfigError,
    StackConfig,
    build_python_mismatch,
    full_key,
    settings,
)
from hello_stack.pulumi_config import load
from tests.conftest import ROOT
from tests.infra.conftest import evaluate
from tools.config_table import STACKS, stack_file, table

REGION = {"aws:region": "eu-west-1"}
SUBSCRIBER = {"hello:alarmEmail": "oncall@example.com"}
TICKETS = {"hello:ticketEmail": "tickets@example.com"}


@pytest.fixture
def config() -> Iterator[dict[str, str]]:
    """Pulumi config as a stack file gives it; what the test puts in it is what load() sees.
    The least a stack can deploy with: a region and someone who hears its alarms."""
    values = {**REGION, **SUBSCRIBER, **TICKETS}
    yield values
    set_all_config({})


def loaded(config: dict[str, str], **raw: str) -> StackConfig:
    config.update(raw)
    set_all_config(config)
    return load()


def test_unset_keys_take_their_defaults(config: dict[str, str]) -> None:
    settings_ = loaded(config)
    defaults = {each.name: each.default for each in dataclasses.fields(StackConfig)}
    assert dataclasses.asdict(settings_) == {
        **defaults,
        "region": "eu-west-1",
        "alarm_email": "oncall@example.com",
        "ticket_email": "tickets@example.com",
    }
    assert (settings_.availability_slo_percent, settings_.slo_window_days) == (99.9, 28)
    assert settings_.check_locations == ["us-east-1"]
    assert settings_.lambda_memory_mb == 256
    assert settings_.deployment_config == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert settings_.reserved_concurrency is None


def test_values_are_typed(config: dict[str, str]) -> None:
    settings_ = loaded(
        config,
        **{
            "hello:lambdaMemoryMb": "512",
            "hello:throttleRateLimit": "2.5",
            "hello:wafEnabled": "true",
            "hello:priceClass": "PriceClass_200",
        },
    )
    assert settings_.lambda_memory_mb == 512
    assert settings_.throttle_rate_limit == 2.5
    assert settings_.waf_enabled is True
    assert settings_.price_class == "PriceClass_200"


def test_explicit_zero_and_false_are_kept(config: dict[str, str]) -> None:
    settings_ = loaded(config, **{"hello:reservedConcurrency": "0", "hello:logUsernames": "false"})
    assert settings_.reserved_concurrency == 0
    assert settings_.log_usernames is False


BAD = [
    ("hello:deploymentConfig", "CodeDeployDefault.Fast", "must be one of CodeDeployDefault"),
    ("hello:lambdaMemoryMb", "-1", "must be 128 to 10240"),
    ("hello:lambdaMemoryMb", "20000", "must be 128 to 10240"),
    ("hello:lambdaTimeoutSeconds", "3", "must be 8 to 900"),
    ("hello:lambdaRuntime", "python3.9", "must be one of python3.12, python3.13"),
    ("hello:logRetentionDays", "10", "must be one of 1, 3, 5"),
    ("hello:priceClass", "PriceClass_1", "must be one of PriceClass_100"),
    ("hello:throttleRateLimit", "0", "must be above 0"),
    ("hello:api5xxRateThreshold", "2", "must be above 0, at most 1"),
    ("hello:availabilitySloPercent", "100", "must be 90 to 99.99"),
    ("hello:availabilitySloPercent", "89", "must be 90 to 99.99"),
    ("hello:sloWindowDays", "6", "must be 7 to 90"),
    ("hello:sloWindowDays", "91", "must be 7 to 90"),
    ("hello:syntheticCheckRegions", "us-east-1,", "must be like 1 to 4 regions"),
    ("hello:syntheticCheckRegions", "US-EAST-1", "must be like 1 to 4 regions"),
    # The server-side SLI reads 2 + 2 per location metrics; an alarm reads at most 10.
    (
        "hello:syntheticCheckRegions",
        "us-east-1,us-east-2,us-west-1,us-west-2,ca-central-1",
        "must be like 1 to 4 regions",
    ),
    ("hello:ticketEmail", "nobody", "must be like a@b"),
    ("hello:ticketWebhookUrl", "http://plain.example.com/hook", "must be like https://"),
    ("hello:backupRetentionDays", "-1", "must be 0 to 36500"),
    ("hello:alarmEmail", "nobody", "must be like a@b"),
    ("hello:alarmWebhookUrl", "http://plain.example.com/hook", "must be like https://"),
]


@pytest.mark.parametrize(("key", "value", "message"), BAD)
def test_a_bad_value_is_refused_naming_the_key(
    config: dict[str, str], key: str, value: str, message: str
) -> None:
    with pytest.raises(pulumi.RunError, match=f"{key} {message}"):
        loaded(config, **{key: value})


def test_every_problem_is_reported_at_once(config: dict[str, str]) -> None:
    with pytest.raises(pulumi.RunError) as raised:
        loaded(config, **{"hello:lambdaMemoryMb": "1", "hello:priceClass": "x"})
    assert "hello:lambdaMemoryMb" in str(raised.value)
    assert "hello:priceClass" in str(raised.value)


def test_the_settings_refuse_with_their_own_error_and_the_program_with_pulumis(
    config: dict[str, str],
) -> None:
    """StackConfig imports no Pulumi (deploy/restore_table.py reads its defaults): it raises
    ConfigError; load() raises the pulumi.RunError `pulumi up` prints, with the same text."""
    expected = "invalid stack config:\n  hello:lambdaMemoryMb must be 128 to 10240, not 1"
    with pytest.raises(ConfigError) as settings_refusal:
        StackConfig(
            region="eu-west-1",
            lambda_memory_mb=1,
            alarm_email="oncall@example.com",
            ticket_email="tickets@example.com",
        )
    assert isinstance(settings_refusal.value, ValueError)
    with pytest.raises(pulumi.RunError) as program_refusal:
        loaded(config, **{"hello:lambdaMemoryMb": "1"})
    assert str(settings_refusal.value) == str(program_refusal.value) == expected
    assert isinstance(program_refusal.value.__cause__, ConfigError)


def test_a_non_number_is_refused_by_pulumi_naming_the_key(config: dict[str, str]) -> None:
    with pytest.raises(pulumi.ConfigTypeError, match="hello:lambdaMemoryMb"):
        loaded(config, **{"hello:lambdaMemoryMb": "lots"})


@pytest.mark.parametrize(
    "raw",
    [
        {"hello:customDomain": "hello.example.com"},
        {"hello:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc"},
    ],
)
def test_a_custom_domain_and_its_certificate_go_together(
    config: dict[str, str], raw: dict[str, str]
) -> None:
    with pytest.raises(pulumi.RunError, match="customDomain and hello:certificateArn go together"):
        loaded(config, **raw)


NOBODY = "alarms would reach nobody: set hello:alarmEmail or hello:alarmWebhookUrl"


NO_TICKETS = "tickets would reach nobody: set hello:ticketEmail or hello:ticketWebhookUrl"


def test_a_stack_without_an_alarm_subscriber_is_refused_naming_the_keys() -> None:
    set_all_config({**REGION, **TICKETS})
    with pytest.raises(pulumi.RunError, match=NOBODY):
        load()


def test_a_stack_without_a_ticket_subscriber_is_refused_naming_the_keys() -> None:
    set_all_config({**REGION, **SUBSCRIBER})
    with pytest.raises(pulumi.RunError, match=NO_TICKETS):
        load()


@pytest.mark.parametrize("subscriber", [SUBSCRIBER, {"hello:alarmWebhookUrl": "https://x.io/h"}])
@pytest.mark.parametrize("tickets", [TICKETS, {"hello:ticketWebhookUrl": "https://t.io/h"}])
def test_either_subscriber_will_do(
    config: dict[str, str], subscriber: dict[str, str], tickets: dict[str, str]
) -> None:
    config.clear()
    assert loaded(config, **REGION, **subscriber, **tickets).require_alarm_subscriber is True


@pytest.mark.parametrize(
    "tickets",
    [{"hello:ticketEmail": "oncall@example.com"}, {"hello:ticketWebhookUrl": "https://x.io/h"}],
)
def test_a_ticket_never_reaches_a_page_subscriber(
    config: dict[str, str], tickets: dict[str, str]
) -> None:
    config.update({"hello:alarmWebhookUrl": "https://x.io/h"})
    with pytest.raises(pulumi.RunError, match="must differ from the alarm subscribers"):
        loaded(config, **tickets)


@pytest.mark.parametrize("regions", ["eu-west-1", "us-east-1,eu-west-1", "us-east-1,us-east-1"])
def test_checks_run_from_distinct_regions_other_than_the_serving_one(
    config: dict[str, str], regions: str
) -> None:
    with pytest.raises(pulumi.RunError, match="hello:syntheticCheckRegions must be distinct"):
        loaded(config, **{"hello:syntheticCheckRegions": regions})


def test_up_to_four_check_locations_are_accepted(config: dict[str, str]) -> None:
    four = "us-east-1,us-west-2,ap-southeast-2,sa-east-1"
    settings_ = loaded(config, **{"hello:syntheticCheckRegions": four})
    assert settings_.check_locations == four.split(",")


def test_a_stack_may_say_that_nobody_is_paged(config: dict[str, str]) -> None:
    config.clear()
    loaded(config, **REGION, **{"hello:requireAlarmSubscriber": "false"})


def test_prod_as_committed_refuses_to_deploy_until_someone_hears_its_alarms() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "testing.evaluate_stack", "prod"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert NOBODY in result.stderr and NO_TICKETS in result.stderr
    assert evaluate("prod").settings["alarm_email"]  # with what docs/bootstrap.md adds
    assert evaluate("dev", operator=False).settings["require_alarm_subscriber"] is False


def test_the_region_is_required() -> None:
    set_all_config({})
    with pytest.raises(pulumi.RunError, match="aws:region must be set"):
        load()


@pytest.mark.parametrize("stack", STACKS)
def test_stack_files_set_only_known_keys_and_never_a_default(stack: str) -> None:
    defaults = {full_key(each): (each.default, kind) for each, kind in settings()}
    for key, raw in stack_file(stack).items():
        assert key in defaults, f"{stack}: unknown key {key}"
        default, kind = defaults[key]
        value = {"true": True, "false": False}.get(raw, raw) if kind is bool else kind(raw)
        assert value != default, f"{stack}: {key} repeats its default {default!r}"


def test_the_configuration_doc_holds_the_generated_table() -> None:
    configuration = (ROOT / "docs" / "configuration.md").read_text()
    assert table() in configuration, "paste `python -m tools.config_table` into the doc"


def test_the_build_python_is_pinned_to_one_patch_and_another_is_warned_about() -> None:
    assert (ROOT / ".python-build-version").read_text().strip() == BUILD_PYTHON
    assert build_python_mismatch(BUILD_PYTHON) is None
    other = BUILD_PYTHON.rsplit(".", 1)[0] + ".99"
    warning = build_python_mismatch(other)
    assert warning is not None
    assert warning.startswith(f"this is Python {other}, not {BUILD_PYTHON}")
    assert "(.python-build-version)" in warning
