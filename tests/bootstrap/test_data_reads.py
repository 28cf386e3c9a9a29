"""No CI role reads item data, log contents, traces or secret values: every such action that AWS's
current ReadOnlyAccess grants (expanded with the Service Authorization Reference) is explicitly
denied to the deploy, preview and drift roles of every stage, and the drift role still reads
the configuration a refresh needs."""

from __future__ import annotations

import re
from functools import cache

import pytest
from policy_sentry.querying.actions import get_action_data

from bootstrap.ci_data_reads import (
    BEYOND_READ_ONLY,
    CONFIGURATION_READS,
    DATA_READS,
    SERVICES,
    WHOLLY_DENIED,
)
from hello_stack import naming
from testing.evaluate_stack import ACCOUNT
from tests.bootstrap.conftest import ALLOWED, EXPLICIT, Principal, role_principal, simulate
from tests.infra.conftest import STACKS, Stack
from tools.data_reads import derive, read_only_grants

PURPOSES = ("deploy", "preview", "drift")
# The reads the issue found open to the drift roles (ReadOnlyAccess minus the old deny list).
FOUND_OPEN = (
    "dynamodb:PartiQLSelect",
    "logs:StartLiveTail",
    "logs:GetLogRecord",
    "logs:GetQueryResults",
    "xray:BatchGetTraces",
    "xray:BatchGetTraceSummaryById",
)


@cache
def grants() -> dict[str, set[str]]:
    return read_only_grants()


def example_arn(action: str, stage: str) -> str:
    """An ARN of the action's first resource type in the Service Authorization Reference, with
    the stage's names; "*" when the action has no resource type."""
    service, name = action.split(":")
    formats = [e["resource_arn_format"] for e in get_action_data(service, name)[service]]
    specific = [f for f in formats if f != "*"]
    if not specific:
        return "*"
    arn = specific[0].replace("${Partition}", "aws").replace("${Region}", "eu-west-1")
    arn = arn.replace("${Account}", ACCOUNT)
    return re.sub(r"\$\{[A-Za-z]+\}", f"{naming.stage_prefix(stage)}x", arn)


def every_data_read() -> list[str]:
    wholly = sorted(a for s in WHOLLY_DENIED for a in grants()[s])
    return sorted({*(a for a in DATA_READS if "*" not in a), *wholly, *BEYOND_READ_ONLY})


def role(bootstrap: Stack, stage: str, purpose: str) -> Principal:
    found = bootstrap.one_named("aws:iam/role:Role", naming.ci_role_name(stage, purpose))
    return role_principal(bootstrap, found)


def test_the_denied_reads_are_what_read_only_access_grants_less_configuration() -> None:
    assert list(DATA_READS) == derive()
    for service in SERVICES:
        listed = {f"{service}:{a}" for a in CONFIGURATION_READS[service]}
        assert listed <= grants()[service]  # a stale entry would hide nothing, but misleads
    assert set(FOUND_OPEN) <= set(every_data_read())


@pytest.mark.parametrize("purpose", PURPOSES)
@pytest.mark.parametrize("stage", STACKS)
def test_no_ci_role_reads_data(bootstrap: Stack, stage: str, purpose: str) -> None:
    actions = every_data_read()
    assert len(actions) > 150
    verdicts = simulate(
        role(bootstrap, stage, purpose), [(a, example_arn(a, stage), {}) for a in actions]
    )
    assert [a for a, v in zip(actions, verdicts, strict=True) if v != EXPLICIT] == []


@pytest.mark.parametrize("stage", STACKS)
def test_the_drift_role_still_reads_configuration(bootstrap: Stack, stage: str) -> None:
    actions = sorted(f"{s}:{a}" for s in SERVICES for a in CONFIGURATION_READS[s])
    verdicts = simulate(
        role(bootstrap, stage, "drift"), [(a, example_arn(a, stage), {}) for a in actions]
    )
    assert [a for a, v in zip(actions, verdicts, strict=True) if v != ALLOWED] == []
