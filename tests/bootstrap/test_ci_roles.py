"""The CI roles' real policy documents, evaluated by an IAM policy simulator: what each role may
do and, above all, what it may not. Each denial here is a hole that must stay closed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.canary_deployment import CODEDEPLOY_LAMBDA_POLICY
from hello_stack import naming
from testing.evaluate_stack import ACCOUNT
from tests.bootstrap.conftest import (
    ALLOWED,
    DENIED,
    EXPLICIT,
    Principal,
    evaluate_bootstrap,
    role_principal,
    simulate,
)
from tests.infra.conftest import Stack

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def role(stack: Stack, stage: str, purpose: str) -> dict[str, Any]:
    return stack.one_named("aws:iam/role:Role", naming.ci_role_name(stage, purpose))


def boundary_arn(stack: Stack, stage: str) -> str:
    return stack.outputs[f"{stage}_permissions_boundary_arn"]


def iam_role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def with_boundary(arn: str, **more: str) -> dict[str, str]:
    return {"iam:PermissionsBoundary": arn, **more}


@pytest.fixture(scope="module")
def deploy(bootstrap: Stack) -> Principal:
    return role_principal(bootstrap, role(bootstrap, "dev", "deploy"))


def test_deploy_role_manages_its_stages_roles_only_with_the_boundary(
    bootstrap: Stack, deploy: Principal
) -> None:
    dev, prod = boundary_arn(bootstrap, "dev"), boundary_arn(bootstrap, "prod")
    stage_role = iam_role("hello-dev-default-role-abc1234")
    assert (
        simulate(
            deploy,
            [
                ("iam:CreateRole", stage_role, with_boundary(dev)),
                ("iam:PutRolePolicy", stage_role, with_boundary(dev)),
                (
                    "iam:AttachRolePolicy",
                    stage_role,
                    with_boundary(dev, **{"iam:PolicyARN": CODEDEPLOY_LAMBDA_POLICY}),
                ),
                ("iam:PassRole", stage_role, {"iam:PassedToService": "lambda.amazonaws.com"}),
                ("iam:DeleteRole", stage_role, with_boundary(dev)),
                (
                    "lambda:CreateFunction",
                    f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:hello-dev-x",
                    {},
                ),
            ],
        )
        == [ALLOWED] * 6
    )
    assert (
        simulate(
            deploy,
            [
                ("iam:CreateRole", stage_role, {}),  # no boundary
                ("iam:CreateRole", stage_role, with_boundary(prod)),  # another stage's
                ("iam:PutRolePolicy", stage_role, {}),
                ("iam:CreateRole", iam_role("hello-prod-x"), with_boundary(prod)),  # not its stage
                ("iam:CreateRole", iam_role("admin"), with_boundary(dev)),  # outside the prefix
                ("iam:PassRole", stage_role, {"iam:PassedToService": "ec2.amazonaws.com"}),
                ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/x", {}),
            ],
        )
        == [DENIED] * 7
    )


def test_deploy_role_cannot_attach_administrator_access_anywhere(
    bootstrap: Stack, deploy: Principal
) -> None:
    dev = boundary_arn(bootstrap, "dev")
    admin = {"iam:PolicyARN": ADMIN}
    assert simulate(
        deploy,
        [
            ("iam:AttachRolePolicy", iam_role("hello-dev-new"), with_boundary(dev, **admin)),
            ("iam:AttachRolePolicy", deploy.arn, with_boundary(dev, **admin)),
            ("iam:AttachRolePolicy", deploy.arn, admin),
        ],
    ) == [DENIED, EXPLICIT, EXPLICIT]


def test_deploy_role_cannot_change_itself_the_boundary_or_the_provider(
    bootstrap: Stack, deploy: Principal
) -> None:
    dev = boundary_arn(bootstrap, "dev")
    preview = role(bootstrap, "dev", "preview")["state"]["arn"]
    provider = bootstrap.outputs["github_oidc_provider_arn"]
    assert (
        simulate(
            deploy,
            [
                ("iam:PutRolePolicy", deploy.arn, with_boundary(dev)),
                ("iam:UpdateAssumeRolePolicy", deploy.arn, with_boundary(dev)),
                ("iam:DetachRolePolicy", deploy.arn, {}),
                ("iam:PutRolePolicy", preview, {}),
                ("iam:CreatePolicyVersion", dev, {}),
                ("iam:SetDefaultPolicyVersion", dev, {}),
                ("iam:DeleteRolePermissionsBoundary", iam_role("hello-dev-x"), with_boundary(dev)),
                ("iam:UpdateOpenIDConnectProviderThumbprint", provider, {}),
                ("iam:DeleteOpenIDConnectProvider", provider, {}),
            ],
        )
        == [EXPLICIT] * 9
    )


def test_a_role_with_the_boundary_can_never_do_iam_or_reach_another_stage(
    bootstrap: Stack,
) -> None:
    boundary = json.loads(
        bootstrap.one_named("aws:iam/policy:Policy", "hello-bootstrap-dev-policy")["state"][
            "policy"
        ]
    )
    # Whatever policy a pull request gives a role, the boundary caps it.
    escalated = Principal(iam_role("hello-dev-x"), [ADMIN], [boundary])
    own_table = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/hello-dev-table-abc1234"
    other_table = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/hello-prod-table-abc1234"
    vault = f"arn:aws:backup:eu-west-1:{ACCOUNT}:backup-vault:hello-prod-vault-abc1234"
    recovery_point = f"arn:aws:backup:eu-west-1:{ACCOUNT}:recovery-point:1a2b3c4d-5e6f"
    assert (
        simulate(
            escalated,
            [
                ("dynamodb:GetItem", own_table, {}),
                ("iam:CreateRole", iam_role("hello-dev-y"), {}),
                ("iam:AttachRolePolicy", iam_role("hello-dev-x"), {"iam:PolicyARN": ADMIN}),
                ("sts:AssumeRole", iam_role("hello-ci-dev-deploy-abc1234"), {}),
                ("dynamodb:Scan", other_table, {}),
                (
                    "lambda:InvokeFunction",
                    f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:hello-prod-x",
                    {},
                ),
                ("s3:GetObject", "arn:aws:s3:::any-bucket/key", {}),
                ("backup:StartBackupJob", vault, {}),
                ("backup:DeleteRecoveryPoint", recovery_point, {}),  # any stage's: ids are random
                ("backup:UpdateRecoveryPointLifecycle", recovery_point, {}),
                ("backup:DeleteBackupVault", vault, {}),
                ("backup:PutBackupVaultAccessPolicy", vault, {}),
            ],
        )
        == [ALLOWED, EXPLICIT, EXPLICIT, EXPLICIT, DENIED, DENIED, DENIED, ALLOWED] + [EXPLICIT] * 4
    )


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_preview_role_reads_no_data_and_no_secret(bootstrap: Stack, stage: str) -> None:
    preview = role_principal(bootstrap, role(bootstrap, stage, "preview"))
    table = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/hello-{stage}-table-abc1234"
    function = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:hello-{stage}-api_handler-abc1234"
    distribution = f"arn:aws:cloudfront::{ACCOUNT}:distribution/E123"
    assert (
        simulate(
            preview,
            [
                ("dynamodb:Scan", table, {}),
                ("dynamodb:GetItem", table, {}),
                ("lambda:GetFunctionConfiguration", function, {}),
                ("lambda:GetFunction", function, {}),
                ("cloudfront:GetDistributionConfig", distribution, {}),
                ("s3:GetObject", "arn:aws:s3:::any-bucket/key", {}),
            ],
        )
        == [EXPLICIT] * 6
    )
    # Nor anything else: preview without --refresh asks AWS nothing.
    assert simulate(preview, [("dynamodb:DescribeTable", table, {})]) == [DENIED]


STATE_BUCKET = "acme-pulumi-state"
STATE_KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/ffffffff-12ab-34cd-56ef-1234567890ab"


def stack_objects(stage: str) -> list[str]:
    """Objects Pulumi's self-managed backend keeps for project hello's stack <stage>, as its
    project-scoped layout names them (pulumi/pulumi pkg/backend/diy: store.go, lock.go,
    stack_tags.go, state.go; https://www.pulumi.com/docs/iac/concepts/state-and-backends/)."""
    return [
        f"arn:aws:s3:::{STATE_BUCKET}/{key}"
        for key in (
            f".pulumi/stacks/hello/{stage}.json",
            f".pulumi/stacks/hello/{stage}.json.gz",
            f".pulumi/stacks/hello/{stage}.json.bak",
            f".pulumi/stacks/hello/{stage}.pulumi-tags",
            f".pulumi/history/hello/{stage}/{stage}-1764680000000000000.history.json",
            f".pulumi/history/hello/{stage}/{stage}-1764680000000000000.checkpoint.json",
            f".pulumi/backups/hello/{stage}/{stage}.1764680000000000000.json",
            f".pulumi/journal/hello/{stage}/0001.json",
            f".pulumi/locks/organization/hello/{stage}/7b8e2f5c-1f0e-4c1e-9d7a-2b1f.json",
        )
    ]


# A key's default policy lets the account's IAM policies decide (AWS KMS's default).
DEFAULT_KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}


@pytest.fixture(scope="module")
def self_managed() -> Stack:
    return evaluate_bootstrap(
        {
            "hello-bootstrap:stateBucket": STATE_BUCKET,
            "hello-bootstrap:stateKmsKeyArn": STATE_KEY,
        }
    )


@pytest.mark.parametrize("purpose", ["deploy", "preview", "drift"])
def test_with_a_self_managed_backend_a_role_reaches_its_stages_state_only(
    self_managed: Stack, purpose: str
) -> None:
    """Review 19, finding 1: dev's roles read (and deploy writes) dev's stack, its history,
    backups, journal and locks, and never prod's: no merge to main rewrites prod's state."""
    principal = role_principal(self_managed, role(self_managed, "dev", purpose))
    own, other = stack_objects("dev"), stack_objects("prod")
    bucket = f"arn:aws:s3:::{STATE_BUCKET}"
    written = ALLOWED if purpose == "deploy" else DENIED
    assert simulate(principal, [("s3:GetObject", o, {}) for o in own]) == [ALLOWED] * len(own)
    assert simulate(
        principal, [(a, o, {}) for o in own for a in ("s3:PutObject", "s3:DeleteObject")]
    ) == [written] * (2 * len(own))
    assert simulate(
        principal,
        [(a, o, {}) for o in other for a in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")],
    ) == [EXPLICIT] * (3 * len(other))
    assert simulate(
        principal,
        [
            ("s3:ListBucket", bucket, {}),  # names, so that a missing object is a 404
            ("s3:GetObject", f"{bucket}/.pulumi/meta.yaml", {}),
            ("s3:PutObject", f"{bucket}/.pulumi/meta.yaml", {}),
            ("s3:GetObject", "arn:aws:s3:::another-bucket/data.csv", {}),
            ("s3:PutObject", "arn:aws:s3:::another-bucket/data.csv", {}),
        ],
    ) == [ALLOWED, ALLOWED, EXPLICIT, EXPLICIT, EXPLICIT]


def kms_statements(stack: Stack, stage: str, purpose: str) -> list[dict[str, Any]]:
    inline = stack.one_named(
        "aws:iam/rolePolicy:RolePolicy", f"{naming.ci_role_name(stage, purpose)}-policy"
    )
    return [
        {key: value for key, value in statement.items() if key != "Sid"}
        for statement in json.loads(inline["state"]["policy"])["Statement"]
        if statement.get("Resource") == STATE_KEY
    ]


@pytest.mark.parametrize("purpose", ["deploy", "preview", "drift"])
def test_with_a_self_managed_backend_a_role_decrypts_its_stages_secrets_only(
    self_managed: Stack, purpose: str
) -> None:
    """Stacks are created with the stage as encryption context (context_stage=<stage> in the
    awskms URL, docs/bootstrap.md): dev's roles decrypt nothing of prod's, nor anything without
    it. No role encrypts: Pulumi decrypts the stack's data key once per run.

    The simulator drops kms:EncryptionContext:<key> (its variable follows a colon), so what
    depends on it is checked in the document, in AWS KMS's documented form
    (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context);
    the simulator decides the rest."""
    principal = role_principal(self_managed, role(self_managed, "dev", purpose))
    assert simulate(
        principal,
        [
            ("kms:Decrypt", STATE_KEY, {}),  # no context: no stage's
            ("kms:Decrypt", OTHER_KEY, {}),
            ("kms:Encrypt", STATE_KEY, {}),
            ("kms:GenerateDataKey", STATE_KEY, {}),
        ],
        DEFAULT_KEY_POLICY,
    ) == [EXPLICIT, EXPLICIT, DENIED, DENIED]
    context = "kms:EncryptionContext:stage"
    assert kms_statements(self_managed, "dev", purpose) == [
        {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": STATE_KEY,
            "Condition": {"StringEquals": {context: "dev"}},
        },
        {
            "Effect": "Deny",
            "Action": "kms:Decrypt",
            "Resource": STATE_KEY,
            "Condition": {"StringNotEquals": {context: "dev"}},
        },
    ]
    assert kms_statements(self_managed, "prod", purpose)[1]["Condition"] == {
        "StringNotEquals": {context: "prod"}
    }


def test_prods_roles_reach_prods_state_and_not_devs(self_managed: Stack) -> None:
    deploy = role_principal(self_managed, role(self_managed, "prod", "deploy"))
    own, other = stack_objects("prod"), stack_objects("dev")
    assert simulate(
        deploy,
        [("s3:PutObject", own[0], {}), ("s3:GetObject", own[-1], {})]
        + [("s3:PutObject", o, {}) for o in other]
        + [("s3:GetObject", o, {}) for o in other],
    ) == [ALLOWED, ALLOWED] + [EXPLICIT] * (2 * len(other))


def test_drift_role_reads_configuration_but_no_data(bootstrap: Stack) -> None:
    drift = role_principal(bootstrap, role(bootstrap, "prod", "drift"))
    table = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/hello-prod-table-abc1234"
    function = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:hello-prod-api_handler-abc1234"
    assert simulate(
        drift,
        [
            ("dynamodb:DescribeTable", table, {}),
            ("lambda:GetFunction", function, {}),  # a refresh reads every property
            ("dynamodb:Scan", table, {}),
            ("dynamodb:GetItem", table, {}),
            ("lambda:UpdateFunctionCode", function, {}),
        ],
    ) == [ALLOWED, ALLOWED, EXPLICIT, EXPLICIT, DENIED]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_deploy_role_reads_the_error_budget_and_no_more_of_cloudwatch_inline(
    bootstrap: Stack, stage: str
) -> None:
    """The release's budget gate (deploy/error_budget.py) needs GetMetricData and nothing
    else; the action has no resource type, so "*" (AWS's Service Authorization Reference)."""
    (policy,) = [
        p
        for p in bootstrap.all("aws:iam/rolePolicy:RolePolicy")
        if p["state"]["role"] == role(bootstrap, stage, "deploy")["id"]
    ]
    statements = json.loads(policy["state"]["policy"])["Statement"]
    cloudwatch = [s for s in statements if "cloudwatch" in json.dumps(s["Action"])]
    assert cloudwatch == [
        {
            "Sid": "ReadTheErrorBudget",
            "Effect": "Allow",
            "Action": "cloudwatch:GetMetricData",
            "Resource": "*",
        }
    ]
    deployer = role_principal(bootstrap, role(bootstrap, stage, "deploy"))
    assert simulate(deployer, [("cloudwatch:GetMetricData", "*", {})]) == [ALLOWED]
