"""The real program, evaluated under mocks with the real stack files (one process per stack)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

import pytest

from pulumi_chalice import TYPE_TOKEN
from testing.evaluate_stack import OPERATOR_SETTINGS, REFUSED, run_evaluation
from tests.conftest import computed_once

STACKS = ["dev", "prod"]
# The program's components: hello's own, and pulumi-chalice's ChaliceApp.
CHALICE_APP = TYPE_TOKEN


def is_component(token: str) -> bool:
    return token.startswith("hello:components:") or token == CHALICE_APP


# Optional features the stack files leave off, switched on to test them too.
EXTRAS = {
    "hello:alarmEmail": "oncall@example.com",
    "hello:alarmWebhookUrl": "https://events.example.com/integration/abc/enqueue",
    "hello:customDomain": "hello.example.com",
    "hello:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
    "hello:ticketWebhookUrl": "https://tracker.example.com/hooks/tickets",
}


# What each stage's function, API, CDN and deployment must be, written from its stack file
# (Pulumi.<stack>.yaml) and, where the file sets nothing, docs/configuration.md's table: the
# expected values of the tests that check those properties, never the program's own `load()`.
STAGE = {
    "dev": {
        "region": "eu-west-1",
        "regions": ["eu-west-1"],
        "lambda_memory_mb": 256,
        "lambda_timeout_seconds": 10,
        "reserved_concurrency": 10,
        "log_retention_days": 14,
        "throttle_rate_limit": 20,
        "throttle_burst_limit": 40,
        "price_class": "PriceClass_100",
        "deployment_config": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    },
    "prod": {
        "region": "eu-west-1",
        # Pulumi.prod.yaml's hello:activeRegions and hello:witnessRegion
        "regions": ["eu-west-1", "eu-west-2"],
        "witness": "eu-west-3",
        "lambda_memory_mb": 1024,
        "lambda_timeout_seconds": 10,
        "reserved_concurrency": 100,
        "log_retention_days": 90,
        "throttle_rate_limit": 200,
        "throttle_burst_limit": 400,
        "price_class": "PriceClass_All",
        "deployment_config": "CodeDeployDefault.LambdaCanary10Percent10Minutes",
    },
}


@dataclass
class Stack:
    name: str
    resources: list[dict[str, Any]]
    outputs: dict[str, Any]
    config: dict[str, str]
    settings: dict[str, Any]  # resolved: hello_stack.config.StackConfig as a dict

    @property
    def expected(self) -> dict[str, Any]:
        """This stage's expected values (STAGE), independent of the program's config loader."""
        return STAGE[self.name]

    def all(self, token: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] == token]

    def one(self, token: str, name_suffix: str | None = None) -> dict[str, Any]:
        """The single resource of this type, or the one named hello-<stack><name_suffix>."""
        found = self.all(token)
        if name_suffix is not None:
            found = [r for r in found if r["name"] == f"hello-{self.name}{name_suffix}"]
        assert len(found) == 1, f"expected one {token} ({name_suffix}), got {len(found)}"
        return found[0]

    def one_named(self, token: str, name: str) -> dict[str, Any]:
        """The resource of this type with this logical name."""
        (found,) = [r for r in self.all(token) if r["name"] == name]
        return found

    def state(self, token: str, name_suffix: str | None = None) -> dict[str, Any]:
        return self.one(token, name_suffix)["state"]

    def provider(self, region: str) -> dict[str, Any]:
        """The program's explicit AWS provider for that region."""
        (found,) = [r for r in self.all("pulumi:providers:aws") if r["state"]["region"] == region]
        return found

    def provider_region(self, resource: dict[str, Any]) -> str:
        """The region a resource is created in: its provider's (a reference is `urn::id`)."""
        urn = resource["provider"].split("::")
        return self.by_urn("::".join(urn[:-1]))["state"]["region"]

    def by_urn(self, urn: str) -> dict[str, Any]:
        return next(r for r in self.resources if r["urn"] == urn)

    def region_of(self, resource: dict[str, Any]) -> str | None:
        """The region a resource is created in (a provider's own), None for a component."""
        if resource["type"] == "pulumi:providers:aws":
            return resource["state"]["region"]
        return self.provider_region(resource) if resource.get("provider") else None

    def in_other_regions(self, resource: dict[str, Any]) -> bool:
        """Whether it serves a region after the first (or is that region's component)."""
        others = self.expected["regions"][1:]
        if is_component(resource["type"]):
            return any(resource["name"].startswith(f"hello-{self.name}-{r}") for r in others)
        return self.region_of(resource) in others

    def primary(self) -> Stack:
        """The stack without the resources of its further regions: what a one-region stack of
        the same config would build. Those regions' resources are held to the first's by
        tests/infra/test_regions.py (same resources and properties, their own provider)."""
        kept = [r for r in self.resources if not self.in_other_regions(r)]
        return dataclasses.replace(self, resources=kept)


class Refused(Exception):
    """The program refused its configuration before building anything; the message is what
    `pulumi up` would print."""


def evaluate(stack: str, overrides: dict[str, str] | None = None, operator: bool = True) -> Stack:
    """The stack's program under mocks, with what its operator must add unless `operator` is
    false (to see what the committed file alone does)."""
    added = {**(OPERATOR_SETTINGS.get(stack, {}) if operator else {}), **(overrides or {})}
    result = run_evaluation(
        "testing.evaluate_stack", stack, *([json.dumps(added)] if added else [])
    )
    if result.returncode == REFUSED:
        raise Refused(result.stderr.strip())
    assert result.returncode == 0, result.stderr  # a crash: never taken for a refusal
    data = json.loads(result.stdout)
    return Stack(stack, data["resources"], data["outputs"], data["config"], data["settings"])


_cache: dict[tuple[str, bool], Stack] = {}


def cached(stack: str, extras: bool = False) -> Stack:
    """The stack evaluated once per test run (by whichever worker asks first)."""
    key = (stack, extras)
    if key not in _cache:
        name = f"stack-{stack}-{'extras' if extras else 'plain'}"
        data = computed_once(
            name, lambda _: dataclasses.asdict(evaluate(stack, dict(EXTRAS) if extras else {}))
        )
        _cache[key] = Stack(**data)
    return _cache[key]


# The fixtures below hold each stack's first region (Stack.primary); `cached` the whole stack.
@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> Stack:
    return cached(request.param).primary()


@pytest.fixture(params=STACKS)
def stack_with_extras(request: pytest.FixtureRequest) -> Stack:
    return cached(request.param, extras=True).primary()


@pytest.fixture
def dev() -> Stack:
    return cached("dev").primary()


@pytest.fixture
def prod() -> Stack:
    return cached("prod").primary()


def statements(policy_json: str) -> list[dict[str, Any]]:
    return json.loads(policy_json)["Statement"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
