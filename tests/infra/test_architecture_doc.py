"""docs/architecture.md draws what the program builds; docs/runbook.md has an entry per alarm."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT
from tests.infra.conftest import cached, is_component

DOC = (ROOT / "docs" / "architecture.md").read_text()
RUNBOOK = (ROOT / "docs" / "runbook.md").read_text()


def type_table() -> dict[str, str]:
    """The table under the diagrams: {box: the Pulumi types cell}."""
    section = DOC.split("| box | Pulumi types |", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|")[1:3] for line in section.strip().splitlines()[1:]]
    return {box.strip(): types for box, types in rows}


def diagrams() -> str:
    return "\n".join(re.findall(r"```mermaid\n(.*?)```", DOC, flags=re.DOTALL))


def excluded_types() -> set[str]:
    section = DOC.split("Not drawn", 1)[1].split("\n\n", 2)[1]
    return set(re.findall(r"`([a-z]+:[^`]+)`", section))


def test_every_box_of_the_table_is_drawn() -> None:
    for box in type_table():
        for label in box.split(", "):
            assert label.split(";")[0] in diagrams(), label


def test_diagrams_carry_no_type_tokens_and_stay_short() -> None:
    """Legible at GitHub's page width: short labels, top to bottom, types in the table."""
    assert not re.search(r"\baws:[a-z0-9]+/", diagrams())
    for block in re.findall(r"```mermaid\n(.*?)```", DOC, flags=re.DOTALL):
        first = block.splitlines()[0]
        assert first in {"flowchart TB", "sequenceDiagram"}, first
        for label in re.findall(r'\["?([^"\]]+)"?\]', block):
            assert len(label) <= 32, label


def test_every_resource_type_is_in_the_table_or_listed_as_not_drawn() -> None:
    drawn = "\n".join(type_table().values())
    excluded = excluded_types()
    types = {
        r["type"]
        for stack in (cached("dev", extras=True), cached("prod", extras=True))
        for r in stack.resources
    }
    missing = {t for t in types if t not in drawn and t not in excluded and not is_component(t)}
    assert missing == set()


def test_the_table_names_only_types_that_exist() -> None:
    table = "\n".join(type_table().values())
    named = set(re.findall(r"\b(aws:[a-zA-Z0-9]+/[a-zA-Z0-9]+:[A-Za-z0-9]+)", table))
    types = {r["type"] for r in cached("prod", extras=True).resources}
    types |= {r["type"] for r in cached("dev", extras=True).resources}
    assert named <= types


def test_every_alarm_has_a_runbook_entry() -> None:
    stack = cached("prod")
    for alarm in stack.all("aws:cloudwatch/metricAlarm:MetricAlarm"):
        link = re.search(r"#(alarm-[a-z0-9-]+)", alarm["state"]["alarmDescription"])
        assert link, alarm["state"]["alarmDescription"]
        assert f"### {link.group(1)}\n" in RUNBOOK, link.group(1)


MERMAID_CHECK = ROOT / "tools" / "node" / "mermaid-check.mjs"


def mermaid_check(*paths: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "node is needed for Mermaid's parser"
    return subprocess.run(
        [node, str(MERMAID_CHECK), *map(str, paths)], capture_output=True, text=True, check=False
    )


def test_mermaids_own_parser_accepts_every_diagram() -> None:
    result = mermaid_check(ROOT / "docs" / "architecture.md", ROOT / "README.md")
    assert result.returncode == 0, result.stdout
    assert "3 diagram(s)" in result.stdout and "0 broken" in result.stdout


def test_mermaids_parser_does_report_a_broken_diagram(tmp_path: Path) -> None:
    broken = tmp_path / "broken.md"
    broken.write_text("# x\n\n```mermaid\nflowchart TB\n  a --> \n```\n")
    result = mermaid_check(broken)
    assert result.returncode == 1
    assert "broken.md:3: Parse error" in result.stdout
