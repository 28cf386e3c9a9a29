"""The three IAM roles GitHub Actions assume for one stage, through OIDC (no static AWS keys).
Each trusts one workflow file at one ref (oidc_subject), and none may read data or secret
values (bootstrap.ci_data_reads: every such read of AWS's ReadOnlyAccess, denied to all three).

- deploy: `pulumi up` and the CodeDeploy release, from deploy.yml in the stage's environment
  (main for dev, a release tag for the others). Exactly what the stage's resource types need,
  held to the stage's own resources by name or by stage tag (bootstrap.stage_access, in
  managed policies of its own), plus exactly the IAM its stage needs: roles named from the
  stage's prefix, created and changed only with the stage's permissions boundary, only the
  managed policies the stage attaches, passed only to the services that use them; never the
  CI roles, their policies, the boundary or the provider.
- preview: `pulumi preview` without `--refresh` on pull requests. That reads the stack's state
  from the backend and asks AWS nothing (the provider's credential check,
  sts:GetCallerIdentity, needs no permission), so it may read nothing but its stage's state
  in a self-managed bucket, and is denied configuration that holds secrets too.
- drift: `pulumi preview --refresh` from drift.yml on main, in the drift environment: AWS's
  ReadOnlyAccess minus the data reads. A refresh must read each resource's configuration, so
  this role can read the function's environment and CloudFront's origin header (the origin
  secret).

With a self-managed backend, each role reaches only its own stage's objects in the state bucket
(state_keys) and decrypts the secrets key only under its own stage's encryption context: one
stage's pipeline can neither rewrite nor read another stage's state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from bootstrap import ci_data_reads
from bootstrap.stage_access import FAILOVER_SERVICE
from bootstrap.stage_deploy_policy import policy_documents, retag_denials
from components.iam import policy_document, trust_policy
from hello_stack import naming
from hello_stack.stage_files import FailoverRecords

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
READ_ONLY_POLICY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
# The services the stage passes its roles to: Lambda, CodeDeploy, and AWS Backup when the
# stage backs up (hello_stack.stage_files.backs_up).
PASSED_TO = ("lambda.amazonaws.com", "codedeploy.amazonaws.com")
BACKUP_SERVICE = "backup.amazonaws.com"
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
# Reads of data and secret values, denied to every CI role (bootstrap.ci_data_reads).
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
    # Whether the stage's stack file turns AWS Backup on: only then may its deploy role manage
    # AWS Backup's resources and pass roles to it.
    backs_up: bool = False
    # The stage's Route 53 records when its stack file serves from two regions
    # (hello_stack.stage_files.failover_records), else None: only then may its deploy role
    # manage Route 53 failover (those records alone), custom domains and the FIS drill, and pass
    # a role to FIS.
    failover: FailoverRecords | None = None
    # A self-managed backend's state bucket and secrets key: each role reaches only its own
    # stage's objects in the bucket, and the key only with its stage's encryption context.
    state_bucket: str | None = None
    state_key_arn: str | None = None


# The repository's OIDC subject claim (bootstrap/github_settings.py customises it): the job's
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
    stage: str,
    boundary_arn: pulumi.Input[str],
    managed_policies: Sequence[str],
    backs_up: bool = False,
    fails_over: bool = False,
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
            "Condition": {
                "StringEquals": {
                    "iam:PassedToService": [
                        *PASSED_TO,
                        *([BACKUP_SERVICE] if backs_up else []),
                        *([FAILOVER_SERVICE] if fails_over else []),
                    ]
                }
            },
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


# Pulumi's self-managed ("DIY") backend, project-scoped layout (meta.yaml version 1): where a
# stack's objects live under the bucket's root, from pulumi/pulumi pkg/backend/diy (store.go:
# stacks, history, backups, journal; lock.go: locks under the stack's fully qualified name,
# organization/<project>/<stack>; stack_tags.go: <stack>.pulumi-tags beside <stack>.json).
# https://www.pulumi.com/docs/iac/concepts/state-and-backends/
STATE_ROOT = ".pulumi"
STATE_META = f"{STATE_ROOT}/meta.yaml"  # read at login; written once, by the operator's login
# The encryption context each stage's stacks are created with (docs/bootstrap.md):
# `--secrets-provider "awskms://<key>?region=<region>&context_stage=<stage>"` (Go CDK's
# context_<key> parameters); a role may decrypt only under its own stage's context.
SECRETS_CONTEXT_KEY = "stage"


def state_keys(stage: str) -> list[str]:
    """The object keys (IAM patterns) of the stage's stack in a self-managed backend: its
    checkpoint and the files beside it (.json, .json.gz, .json.bak, .pulumi-tags), history,
    backups, journal and locks. Another stage's never match: `dev.*` is not `prod.*`."""
    project, root = naming.PROJECT, STATE_ROOT
    return [
        f"{root}/stacks/{project}/{stage}.*",
        f"{root}/history/{project}/{stage}/*",
        f"{root}/backups/{project}/{stage}/*",
        f"{root}/journal/{project}/{stage}/*",
        f"{root}/locks/organization/{project}/{stage}/*",
    ]


def _objects(bucket: str, keys: Sequence[str]) -> list[str]:
    return [f"arn:aws:s3:::{bucket}/{key}" for key in keys]


def state_statements(
    bucket: str | None, key_arn: str | None, stage: str, write: bool = False
) -> list[dict[str, Any]]:
    """A self-managed backend's state of this stage only: read (preview, drift) or also written
    (deploy). Pulumi's KMS secrets provider decrypts the stack's data key once per run and
    encrypts nothing (the key is encrypted when the stack is created): kms:Decrypt only."""
    statements: list[dict[str, Any]] = []
    if bucket:
        own = _objects(bucket, state_keys(stage))
        statements += [
            {
                "Sid": "ReadTheStagesState",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [*own, *_objects(bucket, [STATE_META])],
            },
            # Key names only, never contents. Without it S3 answers a missing object with 403,
            # not 404 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html), and
            # Pulumi reads objects that may not exist (<stack>.pulumi-tags) expecting NotFound;
            # whether S3 would weigh an s3:prefix condition in that answer is undocumented.
            {
                "Sid": "ListTheStateBucket",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
            },
        ]
        if write:
            statements.append(
                {
                    "Sid": "WriteTheStagesState",
                    "Effect": "Allow",
                    "Action": ["s3:PutObject", "s3:DeleteObject"],
                    "Resource": own,
                }
            )
    if key_arn:
        statements.append(
            {
                "Sid": "DecryptTheStagesSecrets",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key_arn,
                "Condition": {"StringEquals": {_context_key(): stage}},
            }
        )
    return statements


def _context_key() -> str:
    return f"kms:EncryptionContext:{SECRETS_CONTEXT_KEY}"


def other_stages_state_denials(
    bucket: str | None, key_arn: str | None, stage: str
) -> list[dict[str, Any]]:
    """Whatever else a role is granted: no object of the bucket but its stage's is written, and
    the key decrypts nothing under another stage's context (or none)."""
    statements: list[dict[str, Any]] = []
    if bucket:
        statements.append(
            {
                "Sid": "NeverAnotherStagesState",
                "Effect": "Deny",
                "Action": ["s3:PutObject", "s3:DeleteObject"],
                "NotResource": _objects(bucket, state_keys(stage)),
            }
        )
    if key_arn:
        statements.append(
            {
                "Sid": "NeverAnotherStagesSecrets",
                "Effect": "Deny",
                "Action": "kms:Decrypt",
                "Resource": key_arn,
                "Condition": {"StringNotEquals": {_context_key(): stage}},
            }
        )
    return statements


def no_data_statement(
    bucket: str | None, key_arn: str | None, stage: str, actions: Sequence[str]
) -> dict[str, Any]:
    """Deny these reads of data and secrets, except of the stage's own state (and the bucket's
    listing and meta.yaml) and the key, which other_stages_state_denials holds to the stage."""
    excepted = (
        [f"arn:aws:s3:::{bucket}", *_objects(bucket, [STATE_META, *state_keys(stage)])]
        if bucket
        else []
    )
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

        bucket, key, stage = args.state_bucket, args.state_key_arn, args.stage
        state = state_statements(bucket, key, stage)
        held_to_the_stage = other_stages_state_denials(bucket, key, stage)

        deploy = role("deploy", oidc_subject(args.repository, args.stage, "deploy"))
        # Managed policies of its own: with the IAM statements and the denials, the grants
        # exceed what IAM allows a role's inline policies (10,240 characters together).
        for index, document in enumerate(
            policy_documents(stage, args.backs_up, args.failover), start=1
        ):
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
                *deploy_statements(
                    stage,
                    args.boundary_arn,
                    args.stage_managed_policies,
                    args.backs_up,
                    args.failover is not None,
                ),
                ERROR_BUDGET_READ,
                *state_statements(bucket, key, stage, write=True),
                *retag_denials(stage),
                *held_to_the_stage,
                no_data_statement(bucket, key, stage, DATA_READS),
            ],
        )

        preview = role("preview", oidc_subject(args.repository, stage, "preview"))
        no_reads = no_data_statement(bucket, key, stage, [*DATA_READS, *CONFIGURATION_WITH_SECRETS])
        inline(preview, "preview", [*state, *held_to_the_stage, no_reads])

        drift = role("drift", oidc_subject(args.repository, stage, "drift"))
        attach(drift, "drift", READ_ONLY_POLICY)
        inline(
            drift,
            "drift",
            [*state, *held_to_the_stage, no_data_statement(bucket, key, stage, DATA_READS)],
        )

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
