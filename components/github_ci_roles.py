"""The three IAM roles GitHub Actions assume for one stage, through OIDC (no static AWS keys).
Each trusts one workflow file at one ref (oidc_subject), and none may read data or secret
values (components.ci_data_reads: every such read of AWS's ReadOnlyAccess, denied to all three).

- deploy: `pulumi up` and the CodeDeploy release, from deploy.yml in the stage's environment
  (main for dev, a release tag for the others). Exactly what the stage's resource types need,
  held to the stage's own resources by name or by stage tag (components.stage_access, in
  managed policies of its own), plus exactly the IAM its stage needs: roles named from the
  stage's prefix, created and changed only with the stage's permissions boundary, only the
  managed policies the stage attaches, passed only to the services that use them; never the
  CI roles, their policies, the boundary or the provider.
- preview: `pulumi preview` without `--refresh` on pull requests. That reads the stack's state
  from the backend and asks AWS nothing (the provider's credential check,
  sts:GetCallerIdentity, needs no permission), so it may read nothing but a self-managed
  state bucket, and is denied configuration that holds secrets too.
- drift: `pulumi preview --refresh` from drift.yml on main, in the drift environment: AWS's
  ReadOnlyAccess minus the data reads. A refresh must read each resource's configuration, so
  this role can read the function's environment and CloudFront's origin header (the origin
  secret).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import ci_data_reads
from components.iam import policy_document, trust_policy
from components.stage_deploy_policy import policy_documents, retag_denials
from hello_stack import naming

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
READ_ONLY_POLICY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
# The services the stage passes its roles to: Lambda, CodeDeploy, AWS Backup.
PASSED_TO = ("lambda.amazonaws.com", "codedeploy.amazonaws.com", "backup.amazonaws.com")
# IAM actions on a role that AWS checks against the role's boundary (iam:PermissionsBoundary).
BOUNDED_ROLE_ACTIONS = (
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
)
ROLE_READS = (
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListRoleTags",
    "iam:TagRole",
    "iam:UntagRole",
)
# Reads of data and secret values, denied to every CI role (components.ci_data_reads).
DATA_READS = (*ci_data_reads.DATA_READS, *ci_data_reads.BEYOND_READ_ONLY)
# Configuration that holds a secret value (the function's environment, CloudFront's origin
# header): a refresh must read it, so only the preview role is denied it.
CONFIGURATION_WITH_SECRETS = (
    "lambda:GetFunction",
    "lambda:GetFunctionConfiguration",
    "cloudfront:GetDistribution",
    "cloudfront:GetDistributionConfig",
)


# What the prod release's error-budget gate reads (deploy/error_budget.py, issue 23); the
# action has no resource type, so "*" is its only form (AWS's Service Authorization Reference).
ERROR_BUDGET_READ = {
    "Sid": "ReadTheErrorBudget",
    "Effect": "Allow",
    "Action": "cloudwatch:GetMetricData",
    "Resource": "*",
}


@dataclass
class GithubCiRolesArgs:
    repository: str  # owner/name
    stage: str  # the stage stack these roles serve (its GitHub environment has the same name)
    oidc_provider_arn: pulumi.Input[str]
    boundary_arn: pulumi.Input[str]
    # The AWS managed policies the stage's stack attaches to its roles, and no others.
    stage_managed_policies: Sequence[str]
    # A self-managed backend's state bucket and secrets key, which preview and drift must read.
    state_bucket: str | None = None
    state_key_arn: str | None = None


# The repository's OIDC subject claim (components/github_settings.py customises it): the job's
# context and the workflow file and ref it runs from, so a role can trust one workflow at one ref.
# https://docs.github.com/en/actions/reference/security/oidc#customizing-the-subject-claims-for-an-organization-or-repository
SUBJECT_CLAIM_KEYS = ("repo", "context", "job_workflow_ref")


def oidc_subject(repository: str, stage: str, purpose: str) -> str:
    """The subject (a StringLike pattern) of the only jobs that may assume this CI role:
    deploy: deploy.yml in the stage's environment, from main (dev) or a release tag (other
    stages); preview: preview.yml on a pull request; drift: drift.yml from main, in its
    environment. Workflow files at another ref, or other files, get no credentials."""
    workflow = f"{repository}/.github/workflows/{naming.WORKFLOWS[purpose]}"
    main = f"refs/heads/{naming.MAIN_BRANCH}"
    context, ref = {
        "deploy": (
            f"environment:{stage}",
            main if stage == naming.MAIN_STAGE else f"refs/tags/{naming.RELEASE_TAGS}",
        ),
        "preview": ("pull_request", "refs/pull/*/merge"),
        "drift": (f"environment:{naming.DRIFT_ENVIRONMENT}", main),
    }[purpose]
    return f"repo:{repository}:{context}:job_workflow_ref:{workflow}@{ref}"


def github_trust_policy(provider_arn: str, subject: str) -> str:
    return trust_policy(
        {"Federated": provider_arn},
        "sts:AssumeRoleWithWebIdentity",
        {
            "StringEquals": {f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com"},
            "StringLike": {f"{GITHUB_OIDC_HOST}:sub": subject},
        },
    )


def deploy_statements(
    stage: str, boundary_arn: pulumi.Input[str], managed_policies: Sequence[str]
) -> list[pulumi.Input[dict[str, Any]]]:
    stage_roles = f"arn:aws:iam::*:role/{naming.stage_prefix(stage)}*"
    with_boundary = {"ArnEquals": {"iam:PermissionsBoundary": boundary_arn}}
    return [
        {
            "Sid": "StageRolesOnlyWithTheBoundary",
            "Effect": "Allow",
            "Action": list(BOUNDED_ROLE_ACTIONS),
            "Resource": stage_roles,
            "Condition": with_boundary,
        },
        {
            "Sid": "AttachOnlyTheStagesManagedPolicies",
            "Effect": "Allow",
            "Action": "iam:AttachRolePolicy",
            "Resource": stage_roles,
            "Condition": {
                "ArnEquals": {
                    "iam:PermissionsBoundary": boundary_arn,
                    "iam:PolicyARN": list(managed_policies),
                }
            },
        },
        {
            "Sid": "ReadAndTagStageRoles",
            "Effect": "Allow",
            "Action": list(ROLE_READS),
            "Resource": stage_roles,
        },
        {
            "Sid": "PassStageRolesToTheirServices",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": stage_roles,
            "Condition": {"StringEquals": {"iam:PassedToService": list(PASSED_TO)}},
        },
        {
            "Sid": "NeverTheCiRolesTheBoundaryOrTheProvider",
            "Effect": "Deny",
            "Action": "iam:*",
            "Resource": [
                f"arn:aws:iam::*:role/{naming.CI_ROLE_PREFIX}*",
                f"arn:aws:iam::*:policy/{naming.CI_ROLE_PREFIX}*",
                f"arn:aws:iam::*:policy/{naming.boundary_policy_name(stage)}",
                "arn:aws:iam::*:oidc-provider/*",
            ],
        },
        {
            "Sid": "NeverABoundaryRemoved",
            "Effect": "Deny",
            "Action": "iam:DeleteRolePermissionsBoundary",
            "Resource": "*",
        },
    ]


def state_statements(
    bucket: str | None, key_arn: str | None, write: bool = False
) -> list[dict[str, Any]]:
    """A self-managed backend's state: read (preview, drift) or also written (deploy)."""
    statements: list[dict[str, Any]] = []
    if bucket:
        objects = ["s3:GetObject", *(["s3:PutObject", "s3:DeleteObject"] if write else [])]
        statements.append(
            {
                "Sid": "WriteTheStackState" if write else "ReadTheStackState",
                "Effect": "Allow",
                "Action": [*objects, "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        )
    if key_arn:
        statements.append(
            {
                "Sid": "EncryptTheStackSecrets" if write else "DecryptTheStackSecrets",
                "Effect": "Allow",
                "Action": [
                    "kms:Decrypt",
                    *(["kms:Encrypt", "kms:GenerateDataKey"] if write else []),
                ],
                "Resource": key_arn,
            }
        )
    return statements


def no_data_statement(
    bucket: str | None, key_arn: str | None, actions: Sequence[str]
) -> dict[str, Any]:
    """Deny these reads of data and secrets, except of the state the role exists to read."""
    excepted = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"] if bucket else []
    excepted += [key_arn] if key_arn else []
    statement: dict[str, Any] = {
        "Sid": "NeverDataOrSecrets",
        "Effect": "Deny",
        "Action": list(actions),
    }
    if excepted:
        statement["NotResource"] = excepted
    else:
        statement["Resource"] = "*"
    return statement


class GithubCiRoles(pulumi.ComponentResource):
    deploy_role_arn: pulumi.Output[str]
    preview_role_arn: pulumi.Output[str]
    drift_role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: GithubCiRolesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:GithubCiRoles", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        def role(purpose: str, subject: str) -> aws.iam.Role:
            return aws.iam.Role(
                naming.ci_role_name(args.stage, purpose),
                assume_role_policy=pulumi.Output.from_input(args.oidc_provider_arn).apply(
                    lambda arn: github_trust_policy(arn, subject)
                ),
                max_session_duration=3600,
                opts=child,
            )

        def inline(role_: aws.iam.Role, purpose: str, statements: list[Any]) -> None:
            aws.iam.RolePolicy(
                f"{naming.ci_role_name(args.stage, purpose)}-policy",
                role=role_.id,
                policy=policy_document(*statements),
                opts=child,
            )

        def attach(role_: aws.iam.Role, purpose: str, policy_arn: pulumi.Input[str]) -> None:
            aws.iam.RolePolicyAttachment(
                f"{naming.ci_role_name(args.stage, purpose)}-managed",
                role=role_.name,
                policy_arn=policy_arn,
                opts=child,
            )

        state = state_statements(args.state_bucket, args.state_key_arn)
        bucket, key = args.state_bucket, args.state_key_arn

        deploy = role("deploy", oidc_subject(args.repository, args.stage, "deploy"))
        # Managed policies of its own: with the IAM statements and the denials, the grants
        # exceed what IAM allows a role's inline policies (10,240 characters together).
        for index, document in enumerate(policy_documents(args.stage), start=1):
            stage_policy = aws.iam.Policy(
                f"{naming.ci_role_name(args.stage, 'deploy')}-stage-{index}",
                name=f"{naming.ci_role_name(args.stage, 'deploy')}-{index}",
                description=f"What {args.stage}'s deploy role may do to {args.stage}'s resources",
                policy=document,
                opts=child,
            )
            attach(deploy, f"deploy-{index}", stage_policy.arn)
        inline(
            deploy,
            "deploy",
            [
                *deploy_statements(args.stage, args.boundary_arn, args.stage_managed_policies),
                ERROR_BUDGET_READ,
                *state_statements(bucket, key, write=True),
                *retag_denials(args.stage),
                no_data_statement(bucket, key, DATA_READS),
            ],
        )

        preview = role("preview", oidc_subject(args.repository, args.stage, "preview"))
        no_reads = no_data_statement(bucket, key, [*DATA_READS, *CONFIGURATION_WITH_SECRETS])
        inline(preview, "preview", [*state, no_reads])

        drift = role("drift", oidc_subject(args.repository, args.stage, "drift"))
        attach(drift, "drift", READ_ONLY_POLICY)
        inline(drift, "drift", [*state, no_data_statement(bucket, key, DATA_READS)])

        self.deploy_role_arn = deploy.arn
        self.preview_role_arn = preview.arn
        self.drift_role_arn = drift.arn
        self.register_outputs(
            {
                "deploy_role_arn": self.deploy_role_arn,
                "preview_role_arn": self.preview_role_arn,
                "drift_role_arn": self.drift_role_arn,
            }
        )
