"""bootstrap/config.py's rules refuse a bad bootstrap stack file naming the key; the program
(bootstrap/pulumi_config.py) turns that refusal into the pulumi.RunError `pulumi up` prints."""

from __future__ import annotations

from collections.abc import Iterator

import pulumi
import pytest
from pulumi.runtime.config import set_all_config

from bootstrap.config import BootstrapConfig
from bootstrap.pulumi_config import load
from hello_stack.config import ConfigError

GOOD = {
    "aws:region": "eu-west-1",
    "hello-bootstrap:githubRepository": "acme/hello",
    "hello-bootstrap:securityEmail": "security@acme.example",
}
BAD_EMAIL = "invalid bootstrap config:\n  hello-bootstrap:securityEmail must be an e-mail address"


@pytest.fixture(autouse=True)
def no_config_left() -> Iterator[None]:
    yield
    set_all_config({})


def test_a_good_stack_file_loads_with_the_defaults() -> None:
    set_all_config(GOOD)
    settings = load()
    assert (settings.region, settings.github_repository) == ("eu-west-1", "acme/hello")
    assert settings.stages == ("dev", "prod")
    assert settings.manage_api_gateway_account and settings.manage_github_repository


def test_the_settings_refuse_with_their_own_error() -> None:
    with pytest.raises(ConfigError) as refused:
        BootstrapConfig("eu-west-1", "acme/hello", "security-team")
    assert str(refused.value) == BAD_EMAIL
    assert isinstance(refused.value, ValueError)


def test_the_program_refuses_as_pulumi_prints_it_with_the_same_text() -> None:
    set_all_config({**GOOD, "hello-bootstrap:securityEmail": "security-team"})
    with pytest.raises(pulumi.RunError) as refused:
        load()
    assert str(refused.value) == BAD_EMAIL
    assert isinstance(refused.value.__cause__, ConfigError)


def test_a_missing_key_is_refused_by_pulumi_naming_it() -> None:
    set_all_config({"aws:region": "eu-west-1", "hello-bootstrap:securityEmail": "s@a.example"})
    with pytest.raises(pulumi.ConfigMissingError, match="hello-bootstrap:githubRepository"):
        load()
