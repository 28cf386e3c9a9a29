"""ChaliceApp became pulumi-chalice (type `pulumi-chalice:index:ChaliceApp`) and the origin secret
moved to hello's OriginSecret: the stacks must keep every resource, or `pulumi up` would replace
the API, the function and the secret. Pulumi's engine matches a new URN to state through the
resource's aliases, and a child inherits its parent's aliases
(https://www.pulumi.com/docs/iac/concepts/options/aliases/). The mocks resolve no alias, so
this test applies them as the engine does and expects exactly the URNs committed in
chalice_app_urns.txt (written from the program before the change).

URNs are `urn:pulumi:<stack>::<project>::<parent's type chain>$<type>::<name>`, the root stack's
type never in a chain (https://www.pulumi.com/docs/iac/concepts/resources/names/#urns); the
mock monitor writes it into top-level components' URNs, so those are normalized.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from components.origin_secret import LEGACY_CHALICE_APP_TYPE
from testing.evaluate_stack import ROOT
from tests.infra.conftest import STACKS, Stack, cached

COMMITTED = Path(__file__).with_name("chalice_app_urns.txt")
ROOT_STACK = "pulumi:pulumi:Stack"


def committed(stack: str) -> set[str]:
    lines = COMMITTED.read_text().splitlines()
    return {line for line in lines if line.startswith(f"urn:pulumi:{stack}::")}


def normalized(urn: str) -> str:
    return urn.replace(f"::{ROOT_STACK}$", "::")


def type_chain(urn: str) -> str:
    return normalized(urn).split("::")[2]


def make_urn(stack: str, type_: str, name: str, parent: str | None) -> str:
    """The URN the engine gives a resource under `parent` (None or the root: top level)."""
    chain = (
        type_ if not parent or type_chain(parent) == ROOT_STACK else f"{type_chain(parent)}${type_}"
    )
    return f"urn:pulumi:{stack}::hello::{chain}::{name}"


def alias_urns(resource: dict[str, Any], by_urn: dict[str, dict[str, Any]], stack: str) -> set[str]:
    """Every URN the engine would match this resource's state under: its own, each alias of its
    own (unset fields are the resource's), and its own name and type under each of its parent's
    aliases (children inherit them; no alias here renames, so the name stays).

    Not modelled: the engine also combines a parent's aliases with the child's own aliases
    (each child alias under each parent alias). No resource here has both, so the set is
    complete for these stacks; a program that had both would need them added."""
    own = normalized(resource["urn"])
    urns = {own}
    parent = resource["parent"] or None
    for alias in resource.get("aliases", []):
        spec = alias["spec"]
        urns.add(
            make_urn(
                stack,
                spec.get("type") or resource["type"],
                spec.get("name") or resource["name"],
                None if spec.get("noParent") else (spec.get("parentUrn") or parent),
            )
        )
    if parent and parent in by_urn:
        for parent_alias in alias_urns(by_urn[parent], by_urn, stack) - {normalized(parent)}:
            urns.add(make_urn(stack, resource["type"], resource["name"], parent_alias))
    return urns


@pytest.mark.parametrize("stack_name", STACKS)
def test_every_resource_hello_held_is_found_again_through_aliases(stack_name: str) -> None:
    stack: Stack = cached(stack_name)
    before = committed(stack_name)
    assert len(before) == 13  # the component, 11 resources under it, the origin secret
    by_urn = {resource["urn"]: resource for resource in stack.resources}
    matched: dict[str, list[str]] = {urn: [] for urn in before}
    for resource in stack.resources:
        found = alias_urns(resource, by_urn, stack_name) & before
        assert len(found) <= 1, (resource["urn"], found)
        for urn in found:
            matched[urn].append(resource["urn"])
    # Each URN the stack holds is claimed by exactly one resource of the program.
    assert {urn: len(claims) for urn, claims in matched.items()} == dict.fromkeys(before, 1)


@pytest.mark.parametrize("stack_name", STACKS)
def test_without_the_aliases_nothing_would_be_found(stack_name: str) -> None:
    """The new type changed every URN: the aliases, not a coincidence, carry the state."""
    own = {normalized(resource["urn"]) for resource in cached(stack_name).resources}
    assert own & committed(stack_name) == set()


# Two OriginSecrets under names of their own: one that a ChaliceApp named `hello-dev` made
# before pulumi-chalice, one with no such history.
ORIGIN_SECRETS = """
import json
from components.origin_secret import OriginSecret, OriginSecretArgs
from testing.evaluate_stack import record

def program():
    OriginSecret("renamed", OriginSecretArgs(legacy_chalice_app_name="hello-dev"))
    OriginSecret("fresh", OriginSecretArgs())

print(json.dumps(record(program, "hello", "dev", {"aws:region": "eu-west-1"}), default=str))
"""
PASSWORD = "random:index/randomPassword:RandomPassword"


def test_the_origin_secret_follows_the_legacy_app_it_is_told_not_its_own_name() -> None:
    """The ChaliceApp that made the secret is named in OriginSecretArgs, not assumed to share
    the secret's instance name: its old URN is `<app>-origin-secret` under that app."""
    result = subprocess.run(
        [sys.executable, "-c", ORIGIN_SECRETS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    resources = json.loads(result.stdout)["resources"]
    by_urn = {resource["urn"]: resource for resource in resources}
    passwords = {r["name"]: r for r in resources if r["type"] == PASSWORD}
    legacy = f"urn:pulumi:dev::hello::{LEGACY_CHALICE_APP_TYPE}${PASSWORD}::hello-dev-origin-secret"
    renamed = passwords["renamed-origin-secret"]
    assert alias_urns(renamed, by_urn, "dev") == {normalized(renamed["urn"]), legacy}
    fresh = passwords["fresh-origin-secret"]
    assert alias_urns(fresh, by_urn, "dev") == {normalized(fresh["urn"])}
