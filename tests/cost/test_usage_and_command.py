"""The model reads each real stack file through hello_stack.config's loader, and `python -m cost`
prints both stacks, writes the chart from the same numbers, and refuses bad extras."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.dom.minidom
from pathlib import Path
from typing import cast

import pulumi
import pytest

from cost import model
from cost.__main__ import over_throttle, report, stacks, write_chart
from cost.usage import load_settings, usage_for
from tests.conftest import ROOT


def test_every_stack_file_is_modelled() -> None:
    assert stacks() == sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))
    assert {"dev", "prod"} <= set(stacks())


def test_usage_comes_from_the_stack_files_and_chalice_config() -> None:
    architecture = json.loads((ROOT / "hello_app/.chalice/config.json").read_text())[
        "lambda_architecture"
    ]
    # What Pulumi.dev.yaml leaves to hello_stack/config.py's defaults, and what prod sets.
    dev = usage_for("dev", load_settings("dev"))
    assert (dev.memory_mb, dev.snap_start, dev.waf_rules) == (256, False, 0)
    assert (dev.log_retention_days, dev.backup_retention_days) == (14, 0)
    assert dev.price_class == "PriceClass_100"
    prod = usage_for("prod", load_settings("prod"))
    assert (prod.memory_mb, prod.snap_start) == (1024, True)
    # The rate rule, AWS's common rules, and the count-mode warning twin.
    assert prod.waf_rules == 3
    assert (prod.log_retention_days, prod.backup_retention_days) == (90, 35)
    assert prod.price_class == "PriceClass_All"
    assert dev.architecture == prod.architecture == architecture


def test_the_report_has_a_row_per_decade_and_the_crossover_for_each_stack() -> None:
    text = report(model.NONE, markdown=False)
    for stack in stacks():
        section = text.split(f"== {stack} ")[1].split("== ")[0]
        assert [f"10^{e}" for e in range(4, 11)] == re.findall(r"^(10\^\d+)\s", section, re.M)
        assert "crossover: serverless costs more than always-on from" in section
        assert "a million requests a month: $" in section
        # Every stack file has synthetic checks; only prod (backups on) has restore tests.
        assert "the synthetic checks add $" in section
        assert ("restore_tests $" in section) == (stack == "prod")
        assert "Limits of" in section


def test_rows_beyond_the_stage_throttle_are_marked() -> None:
    text = report(model.NONE, markdown=False)
    dev = text.split("== dev ")[1].split("== ")[0]
    # dev's stage takes 20 req/s: 10^7 a month peaks at 11.4 req/s, 10^8 at 114.
    rows = {line.split()[0]: line for line in dev.splitlines() if line.startswith("10^")}
    assert "over the stage throttle" not in rows["10^7"]
    assert "over the stage throttle" in rows["10^8"]


def test_the_stage_throttle_note_counts_the_per_method_throttle() -> None:
    # prod's throttle is 200 req/s a method; half GET, half PUT, the stage takes 400 req/s.
    # 262.8 M requests a month is 100 req/s on average, 300 at the busiest minute: under 400
    # (over 200, had the throttle been the stage's); 360 M peaks at 411 req/s: over.
    prod = load_settings("prod")
    assert not over_throttle(prod, 262.8e6)
    assert over_throttle(prod, 360e6)


def test_the_chart_is_an_svg_with_both_designs_for_each_stack(tmp_path: Path) -> None:
    path = write_chart(model.NONE, tmp_path / "cost.svg")
    document = xml.dom.minidom.parse(str(path))  # noqa: S318 - the file this test just wrote
    assert document.documentElement
    assert document.documentElement.tagName == "svg"
    lines = document.getElementsByTagName("polyline")
    assert len(lines) == 2 * len(stacks())
    labels = {
        cast(xml.dom.minidom.Text, node.firstChild).data
        for node in document.getElementsByTagName("text")
    }
    for stack in stacks():
        assert {f"{stack} serverless", f"{stack} always-on", f"{stack} crossover"} <= labels


def test_the_committed_chart_is_what_the_command_writes(tmp_path: Path) -> None:
    written = write_chart(model.NONE, tmp_path / "cost.svg").read_text()
    assert (ROOT / "docs" / "cost.svg").read_text() == written, "run `make cost`"


def run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cost", "--no-chart", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_command_prints_both_stacks() -> None:
    result = run()
    assert result.returncode == 0, result.stderr
    assert "== dev (Pulumi.dev.yaml)" in result.stdout
    assert "== prod (Pulumi.prod.yaml)" in result.stdout


def test_negative_extras_are_refused() -> None:
    result = run("--replica-regions", "-1")
    assert result.returncode == 2
    assert "cannot be negative" in result.stderr


@pytest.mark.parametrize("flag", ["--synthetic-checks-per-hour", "--restore-tests-per-month"])
def test_checks_and_restore_tests_come_from_the_stack_not_from_flags(flag: str) -> None:
    result = run(flag, "12")
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr


def test_extras_change_the_figures() -> None:
    plain, with_replica = run(), run("--replica-regions", "1")
    assert with_replica.returncode == 0, with_replica.stderr
    assert "Extras: Extras(replica_regions=1" in with_replica.stdout
    assert plain.stdout != with_replica.stdout


def test_a_stack_file_breaking_a_rule_is_refused_naming_the_file_and_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pulumi.runtime.config import get_config

    from cost import usage

    def broken(stack: str, overrides: dict[str, str] | None = None) -> dict[str, str]:
        return {"aws:region": "eu-west-1", "hello:lambdaMemoryMb": "64"}

    monkeypatch.setattr(usage, "stack_config", broken)
    with pytest.raises(
        pulumi.RunError, match=r"(?s)Pulumi\.dev\.yaml: .*hello:lambdaMemoryMb must be 128 to 10240"
    ):
        usage.load_settings("dev")
    assert main_exit_code(["--no-chart"]) == 2
    # Reading a stack file leaves no Pulumi config behind for the rest of the process.
    assert get_config("hello:lambdaMemoryMb") is None


def main_exit_code(argv: list[str]) -> int:
    from cost.__main__ import main

    return main(argv)
