"""IAM roles that GitHub Actions assume through OIDC: no static AWS keys anywhere.

Two roles per stack: `deploy` (runs `pulumi up`, trusted only from the given branch or GitHub
environment) and `preview` (read-only, trusted from pull requests, for `pulumi preview`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam import policy_document, trust_policy

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
READ_ONLY_POLICY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
POWER_USER_POLICY = "arn:aws:iam::aws:policy/PowerUserAccess"


@dataclass
class GithubDeployRoleArgs:
    repository: str  # owner/name
    # The stack's own roles are named from this prefix (PowerUserAccess excludes IAM).
    iam_role_prefix: str
    # When set, only jobs running in this GitHub environment may deploy. A job that names an
    # environment presents `repo:<repo>:environment:<name>` as its subject, never the branch.
    environment: str | None = None
    branch: str = "main"
    # The account's GitHub OIDC provider, if one exists already (there can be one per account).
    oidc_provider_arn: str | None = None
    deploy_policy_arns: Sequence[str] = (POWER_USER_POLICY,)


def github_trust_policy(provider_arn: str, subjects: Sequence[str]) -> str:
    return trust_policy(
        {"Federated": provider_arn},
        "sts:AssumeRoleWithWebIdentity",
        {
            "StringEquals": {
                f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                f"{GITHUB_OIDC_HOST}:sub": list(subjects),
            }
        },
    )


class GithubDeployRole(pulumi.ComponentResource):
    deploy_role_arn: pulumi.Output[str]
    preview_role_arn: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: GithubDeployRoleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:GithubDeployRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.oidc_provider_arn:
            provider_arn: pulumi.Input[str] = args.oidc_provider_arn
        else:
            provider_arn = aws.iam.OpenIdConnectProvider(
                f"{name}-github-oidc",
                url=f"https://{GITHUB_OIDC_HOST}",
                client_id_lists=["sts.amazonaws.com"],
                opts=child,
            ).arn

        repo = f"repo:{args.repository}"
        deploy_subject = (
            f"{repo}:environment:{args.environment}"
            if args.environment
            else f"{repo}:ref:refs/heads/{args.branch}"
        )
        deploy = aws.iam.Role(
            f"{name}-github-deploy",
            assume_role_policy=pulumi.Output.from_input(provider_arn).apply(
                lambda arn: github_trust_policy(arn, [deploy_subject])
            ),
            max_session_duration=3600,
            opts=child,
        )
        for index, policy_arn in enumerate(args.deploy_policy_arns):
            aws.iam.RolePolicyAttachment(
                f"{name}-github-deploy-{index}", role=deploy.name, policy_arn=policy_arn, opts=child
            )
        aws.iam.RolePolicy(
            f"{name}-github-deploy-iam",
            role=deploy.id,
            policy=policy_document(
                {
                    "Sid": "ManageTheStacksOwnRoles",
                    "Effect": "Allow",
                    "Action": [
                        "iam:CreateRole",
                        "iam:DeleteRole",
                        "iam:GetRole",
                        "iam:UpdateRole",
                        "iam:TagRole",
                        "iam:UntagRole",
                        "iam:UpdateAssumeRolePolicy",
                        "iam:PutRolePolicy",
                        "iam:GetRolePolicy",
                        "iam:DeleteRolePolicy",
                        "iam:AttachRolePolicy",
                        "iam:DetachRolePolicy",
                        "iam:ListRolePolicies",
                        "iam:ListAttachedRolePolicies",
                        "iam:ListInstanceProfilesForRole",
                        "iam:PassRole",
                    ],
                    "Resource": f"arn:aws:iam::*:role/{args.iam_role_prefix}*",
                }
            ),
            opts=child,
        )
        preview = aws.iam.Role(
            f"{name}-github-preview",
            assume_role_policy=pulumi.Output.from_input(provider_arn).apply(
                lambda arn: github_trust_policy(arn, [f"{repo}:pull_request"])
            ),
            max_session_duration=3600,
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-github-preview-read",
            role=preview.name,
            policy_arn=READ_ONLY_POLICY,
            opts=child,
        )
        self.deploy_role_arn = deploy.arn
        self.preview_role_arn = preview.arn
        self.oidc_provider_arn = pulumi.Output.from_input(provider_arn)
        self.register_outputs(
            {
                "deploy_role_arn": self.deploy_role_arn,
                "preview_role_arn": self.preview_role_arn,
                "oidc_provider_arn": self.oidc_provider_arn,
            }
        )
