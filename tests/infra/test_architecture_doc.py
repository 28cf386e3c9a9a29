"""docs/architecture.md draws what the program builds and has a runbook entry per alarm."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from tests.infra.conftest import cached

DOC = (ROOT / "docs" / "architecture.md").read_text()


def mermaid_block() -> str:
    (block,) = re.findall(r"```mermaid\n(.*?)```", DOC, flags=re.DOTALL)
    return block


def excluded_types() -> set[str]:
    section = DOC.split("Not drawn", 1)[1].split("\n\n", 2)[1]
    return set(re.findall(r"`([a-z]+:[^`]+)`", section))


def test_every_resource_type_is_drawn_or_listed_as_not_drawn() -> None:
    drawn = mermaid_block()
    excluded = excluded_types()
    types = {
        r["type"]
        for stack in (cached("dev", extras=True), cached("prod", extras=True))
        for r in stack.resources
    }
    missing = {
        t
        for t in types
        if t not in drawn and t not in excluded and not t.startswith("hello:components:")
    }
    assert missing == set()


def test_diagram_names_only_types_that_exist() -> None:
    named = set(re.findall(r"\b(aws:[a-zA-Z0-9]+/[a-zA-Z0-9]+:[A-Za-z0-9]+)", mermaid_block()))
    types = {r["type"] for r in cached("prod", extras=True).resources}
    types |= {r["type"] for r in cached("dev", extras=True).resources}
    assert named <= types


def test_every_alarm_has_a_runbook_entry() -> None:
    stack = cached("prod")
    for alarm in stack.all("aws:cloudwatch/metricAlarm:MetricAlarm"):
        anchor = re.search(r"#(alarm-[a-z0-9-]+)", alarm["state"]["alarmDescription"]).group(1)
        assert f"### {anchor}\n" in DOC, anchor
