"""The repository's GitHub side, as the committed bootstrap stack makes it under mocks: the OIDC
subject carries the workflow and its ref, every role trusts one workflow at one ref, only main
deploys dev and only maintainers' release tags deploy prod, and the workflows' role variables
are the roles this stack made."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bootstrap.github_ci_roles import GITHUB_OIDC_HOST
from hello_stack import naming
from tests.bootstrap.conftest import evaluate_bootstrap
from tests.infra.conftest import Stack

TEMPLATE = (
    "github:index/actionsRepositoryOidcSubjectClaimCustomizationTemplate:"
    "ActionsRepositoryOidcSubjectClaimCustomizationTemplate"
)
ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
ENVIRONMENT_POLICY = (
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"
)
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
VARIABLE = "github:index/actionsVariable:ActionsVariable"
# https://docs.github.com/en/actions/reference/security/oidc (customizing the subject claims):
# with these keys the subject reads repo:<repo>:<context>:job_workflow_ref:<file>@<ref>.
SUBJECTS = {
    ("dev", "deploy"): "repo:R:environment:dev:job_workflow_ref:"
    "R/.github/workflows/deploy.yml@refs/heads/main",
    ("prod", "deploy"): "repo:R:environment:prod:job_workflow_ref:"
    "R/.github/workflows/deploy.yml@refs/tags/v*",
    ("dev", "preview"): "repo:R:pull_request:job_workflow_ref:"
    "R/.github/workflows/preview.yml@refs/pull/*/merge",
    ("prod", "preview"): "repo:R:pull_request:job_workflow_ref:"
    "R/.github/workflows/preview.yml@refs/pull/*/merge",
    ("dev", "drift"): "repo:R:environment:drift:job_workflow_ref:"
    "R/.github/workflows/drift.yml@refs/heads/main",
    ("prod", "drift"): "repo:R:environment:drift:job_workflow_ref:"
    "R/.github/workflows/drift.yml@refs/heads/main",
}


def repository(stack: Stack) -> str:
    return stack.config["hello-bootstrap:githubRepository"]


def test_the_subject_claim_carries_the_workflow_and_its_ref(bootstrap: Stack) -> None:
    template = bootstrap.state(TEMPLATE)
    assert template["useDefault"] is False
    assert template["includeClaimKeys"] == ["repo", "context", "job_workflow_ref"]
    assert template["repository"] == repository(bootstrap).split("/")[1]


@pytest.mark.parametrize(("stage", "purpose"), sorted(SUBJECTS))
def test_each_role_trusts_one_workflow_at_one_ref(
    bootstrap: Stack, stage: str, purpose: str
) -> None:
    role = bootstrap.one_named("aws:iam/role:Role", naming.ci_role_name(stage, purpose))
    (statement,) = json.loads(role["state"]["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Federated": bootstrap.outputs["github_oidc_provider_arn"]}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com"},
        "StringLike": {
            f"{GITHUB_OIDC_HOST}:sub": SUBJECTS[(stage, purpose)].replace(
                "R", repository(bootstrap)
            )
        },
    }


def by_environment(stack: Stack, token: str) -> dict[str, dict[str, Any]]:
    return {r["state"]["environment"]: r["state"] for r in stack.all(token)}


def test_main_deploys_dev_and_drift_checks_only_release_tags_deploy_prod(
    bootstrap: Stack,
) -> None:
    environments = by_environment(bootstrap, ENVIRONMENT)
    assert set(environments) == {"dev", "prod", naming.DRIFT_ENVIRONMENT}
    for environment in environments.values():
        assert environment["canAdminsBypass"] is False
        assert environment["deploymentBranchPolicy"] == {
            "protectedBranches": False,
            "customBranchPolicies": True,  # only the patterns below
        }
    policies = by_environment(bootstrap, ENVIRONMENT_POLICY)
    refs = {name: (p.get("branchPattern"), p.get("tagPattern")) for name, p in policies.items()}
    assert refs == {"dev": ("main", None), "prod": (None, "v*"), "drift": ("main", None)}


def test_only_maintainers_and_admins_create_move_or_delete_release_tags(
    bootstrap: Stack,
) -> None:
    ruleset = bootstrap.state(RULESET)
    assert (ruleset["target"], ruleset["enforcement"]) == ("tag", "active")
    assert ruleset["conditions"]["refName"] == {"includes": ["refs/tags/v*"], "excludes": []}
    assert ruleset["rules"] == {"creation": True, "update": True, "deletion": True}
    # GitHub's base repository roles: 2 maintain, 5 admin (4 write is not among them).
    assert sorted(
        (a["actorType"], a["actorId"], a["bypassMode"]) for a in ruleset["bypassActors"]
    ) == [("RepositoryRole", 2, "always"), ("RepositoryRole", 5, "always")]


def test_the_workflows_role_variables_are_the_roles_this_stack_made(bootstrap: Stack) -> None:
    variables = {v["state"]["variableName"]: v["state"] for v in bootstrap.all(VARIABLE)}
    roles = {r["state"]["arn"] for r in bootstrap.all("aws:iam/role:Role")}
    assert set(variables) == {
        naming.github_variable(stage, purpose)
        for stage in ("dev", "prod")
        for purpose in ("deploy", "preview", "drift")
    }
    for name, variable in variables.items():
        assert variable["value"] == bootstrap.outputs[name] and variable["value"] in roles
        assert variable["repository"] == repository(bootstrap).split("/")[1]


def test_all_github_settings_use_the_repositorys_owner_and_are_protected(
    bootstrap: Stack,
) -> None:
    (provider,) = bootstrap.all("pulumi:providers:github")
    assert provider["state"]["owner"] == repository(bootstrap).split("/")[0]
    for resource in bootstrap.resources:
        if resource["type"].startswith("github:"):
            assert resource["provider"].startswith(provider["urn"]), resource["name"]
            assert resource["protect"] is True


def test_a_second_account_leaves_the_repository_wide_settings_to_the_first() -> None:
    stack = evaluate_bootstrap(
        {"hello-bootstrap:manageGithubRepository": "false", "hello-bootstrap:stages": '["prod"]'}
    )
    assert stack.all(TEMPLATE) == [] and stack.all(RULESET) == []
    assert set(by_environment(stack, ENVIRONMENT)) == {"prod"}
    assert {v["state"]["variableName"] for v in stack.all(VARIABLE)} == {
        naming.github_variable("prod", p) for p in ("deploy", "preview", "drift")
    }
