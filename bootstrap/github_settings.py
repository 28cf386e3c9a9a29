"""The repository's GitHub side of the CI trust, as code (pulumi-github): what the AWS roles'
trust policies assume GitHub enforces.

- The OIDC subject claim carries the job's workflow file and ref (job_workflow_ref), so each
  role trusts one workflow at one ref (bootstrap.github_ci_roles.oidc_subject). It applies to
  the whole repository: every role's trust changes in the same `pulumi up`.
- Environments: the main stage's and drift's deploy from main only, every other stage's from
  release tags only; no admin bypass.
- A tag ruleset: only maintainers and admins may create, move or delete release tags, so only
  they can start a prod deploy (the prod role trusts deploy.yml at a release tag).
- The *_ROLE_ARN Actions variables, set from the roles this stack made: nothing to copy by hand.

The repository-wide parts (subject claim, ruleset, drift's environment) belong to one bootstrap
stack: with stages in two AWS accounts, the other stack sets `manageGithubRepository: false`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_github as github

from bootstrap.github_ci_roles import SUBJECT_CLAIM_KEYS
from hello_stack import naming

# GitHub's base repository roles, as ruleset bypass actors (actor_type RepositoryRole):
# https://registry.terraform.io/providers/integrations/github/latest/docs/resources/repository_ruleset
MAINTAIN_ROLE, ADMIN_ROLE = 2, 5


@dataclass
class GithubSettingsArgs:
    repository: str  # owner/name
    stages: Sequence[str]
    # Actions variable name -> its value (the CI roles' ARNs).
    variables: Mapping[str, pulumi.Input[str]]
    # The subject claim, the tag ruleset and drift's environment: one stack per repository.
    repository_wide: bool = True


class GithubSettings(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: GithubSettingsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:GithubSettings", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        repo = args.repository.split("/")[1]
        environments = {
            stage: (
                {"branch_pattern": naming.MAIN_BRANCH}
                if stage == naming.MAIN_STAGE
                else {"tag_pattern": naming.RELEASE_TAGS}
            )
            for stage in args.stages
        }
        if args.repository_wide:
            environments[naming.DRIFT_ENVIRONMENT] = {"branch_pattern": naming.MAIN_BRANCH}
            github.ActionsRepositoryOidcSubjectClaimCustomizationTemplate(
                f"{name}-oidc-subject",
                repository=repo,
                use_default=False,
                include_claim_keys=list(SUBJECT_CLAIM_KEYS),
                opts=child,
            )
            github.RepositoryRuleset(
                f"{name}-release-tags",
                name="release tags: maintainers only",
                repository=repo,
                target="tag",
                enforcement="active",
                conditions={
                    "ref_name": {
                        "includes": [f"refs/tags/{naming.RELEASE_TAGS}"],
                        "excludes": [],
                    }
                },
                rules={"creation": True, "update": True, "deletion": True},
                bypass_actors=[
                    {"actor_type": "RepositoryRole", "actor_id": role, "bypass_mode": "always"}
                    for role in (MAINTAIN_ROLE, ADMIN_ROLE)
                ],
                opts=child,
            )
        for environment, policy in environments.items():
            created = github.RepositoryEnvironment(
                f"{name}-{environment}",
                repository=repo,
                environment=environment,
                can_admins_bypass=False,
                deployment_branch_policy={
                    "protected_branches": False,
                    "custom_branch_policies": True,
                },
                opts=child,
            )
            github.RepositoryEnvironmentDeploymentPolicy(
                f"{name}-{environment}-refs",
                repository=repo,
                environment=created.environment,
                **policy,
                opts=child,
            )
        for variable, value in args.variables.items():
            github.ActionsVariable(
                f"{name}-{variable.lower()}",
                repository=repo,
                variable_name=variable,
                value=value,
                opts=child,
            )
        self.register_outputs({})
