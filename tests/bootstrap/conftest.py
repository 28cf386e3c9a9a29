"""The bootstrap program under Pulumi's mocks with its committed stack file, and an IAM policy
simulator (@cloud-copilot/iam-simulate, run by Node) for the documents it produces."""

from __future__ import annotations

import atexit
import dataclasses
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Any

import pytest

from hello_stack import stage_files
from testing.evaluate_stack import run_evaluation
from tests.conftest import ROOT, computed_once
from tests.infra.conftest import EXTRAS, Stack, evaluate

BOOTSTRAP_STACK = "account"
# The simulator's verdicts.
ALLOWED, DENIED, EXPLICIT = "Allowed", "ImplicitlyDenied", "ExplicitlyDenied"
SIMULATOR = ROOT / "tools" / "node" / "iam-simulate.mjs"
NODE = shutil.which("node") or "node"
POLICY = "aws:iam/policy:Policy"  # `make test` installs the simulator with npm


# Every optional feature of a stage on, so that its graph holds every type it can hold.
EVERYTHING = {**EXTRAS, "hello:wafEnabled": "true", "hello:backupRetentionDays": "7"}


def full_graph(stage: str) -> Stack:
    """The stage's program under mocks with every feature on, evaluated once per test run."""
    data = computed_once(
        f"stack-{stage}-everything", lambda _: dataclasses.asdict(evaluate(stage, EVERYTHING))
    )
    return Stack(**data)


def stage_graph(stage: str) -> Stack:
    """The stage's program with every feature on but AWS Backup as its committed stack file
    sets it: what the stage's deploy role must be able to make."""
    if stage_files.backs_up(stage):
        return full_graph(stage)
    overrides = {k: v for k, v in EVERYTHING.items() if k != "hello:backupRetentionDays"}
    data = computed_once(
        f"stack-{stage}-everything-but-backups",
        lambda _: dataclasses.asdict(evaluate(stage, overrides)),
    )
    return Stack(**data)


def evaluate_bootstrap(overrides: dict[str, str] | None = None) -> Stack:
    added = [json.dumps(overrides)] if overrides else []
    result = run_evaluation("testing.evaluate_bootstrap", BOOTSTRAP_STACK, *added)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    return Stack(BOOTSTRAP_STACK, data["resources"], data["outputs"], data["config"], {})


@pytest.fixture(scope="session")
def bootstrap() -> Stack:
    return evaluate_bootstrap()


@dataclass
class Principal:
    """A role as IAM evaluates it: its ARN, policies (documents or AWS managed ARNs) and
    boundary."""

    arn: str
    policies: list[Any]
    boundary: list[Any] | None = None
    account: str = field(init=False)

    def __post_init__(self) -> None:
        self.account = self.arn.split(":")[4]


def role_principal(stack: Stack, role: dict[str, Any], boundary: Any = None) -> Principal:
    """The role as the program made it: inline policies and managed attachments."""
    state = role["state"]
    inline = [
        json.loads(p["state"]["policy"])
        for p in stack.all("aws:iam/rolePolicy:RolePolicy")
        if p["state"]["role"] == role["id"]
    ]
    # The stack's own managed policies by their documents; AWS's by ARN (the simulator reads them).
    own = {p["state"]["arn"]: json.loads(p["state"]["policy"]) for p in stack.all(POLICY)}
    managed = [
        own.get(a["state"]["policyArn"], a["state"]["policyArn"])
        for a in stack.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a["state"]["role"] == state["name"]
    ]
    return Principal(state["arn"], inline + managed, [boundary] if boundary else None)


class Simulator:
    """The simulator in one Node process for this test process (`--serve`: a batch of cases a
    line on stdin, its answers a line on stdout): half a second of Node's start-up once, not
    per batch. The process ends when this one closes its stdin, at exit."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [NODE, str(SIMULATOR), "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        atexit.register(self.close)

    def ask(self, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
        assert self.process.stdin and self.process.stdout and self.process.stderr
        self.process.stdin.write(json.dumps(cases) + "\n")  # JSON escapes every newline
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:  # the simulator died: what it said is the failure
            self.process.wait()
            raise AssertionError(f"iam-simulate.mjs ended: {self.process.stderr.read()}")
        return json.loads(answer)

    def close(self) -> None:
        if self.process.stdin and not self.process.stdin.closed:
            self.process.stdin.close()
        self.process.wait(timeout=10)


_simulator: list[Simulator] = []


def simulator() -> Simulator:
    """This process's simulator, started again if it died."""
    if not _simulator or _simulator[0].process.poll() is not None:
        _simulator[:] = [Simulator()]
    return _simulator[0]


def simulate(
    principal: Principal,
    requests: list[tuple[str, str, dict[str, Any]]],
    resource_policy: dict[str, Any] | None = None,
) -> list[str]:
    """Each (action, resource, context) as IAM would decide it for the principal: Allowed,
    ExplicitlyDenied or ImplicitlyDenied (with the resources' policy, e.g. a KMS key's)."""
    cases = [
        {
            "identityPolicies": principal.policies,
            "permissionBoundaries": principal.boundary,
            "principal": principal.arn,
            "action": action,
            "resource": resource,
            "context": context,
            "resourcePolicy": resource_policy,
        }
        for action, resource, context in requests
    ]
    answers = simulator().ask(cases)
    errors = [
        (case["action"], a["errors"])
        for case, a in zip(cases, answers, strict=True)
        if "errors" in a
    ]
    assert not errors, errors  # a request the simulator refuses to evaluate is a broken test
    return [answer["result"] for answer in answers]
