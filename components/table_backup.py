"""A daily AWS Backup plan for a DynamoDB table, on top of its point-in-time recovery."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam import service_role

BACKUP_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
RESTORE_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"


@dataclass
class TableBackupArgs:
    table_arn: pulumi.Input[str]
    retention_days: int
    schedule: str = "cron(0 3 * * ? *)"  # daily, 03:00 UTC
    # The permissions boundary every role made here carries (what CI may create: see bootstrap/).
    permissions_boundary: pulumi.Input[str] | None = None


class TableBackup(pulumi.ComponentResource):
    plan_id: pulumi.Output[str]
    vault_name: pulumi.Output[str]
    vault_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: TableBackupArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:TableBackup", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        vault = aws.backup.Vault(f"{name}-vault", opts=child)
        plan = aws.backup.Plan(
            f"{name}-plan",
            rules=[
                {
                    "rule_name": "daily",
                    "target_vault_name": vault.name,
                    "schedule": args.schedule,
                    "lifecycle": {"delete_after": args.retention_days},
                }
            ],
            opts=child,
        )
        role = service_role(
            f"{name}-backup-role", "backup.amazonaws.com", args.permissions_boundary, child
        )
        for suffix, policy_arn in (("backup", BACKUP_POLICY), ("restore", RESTORE_POLICY)):
            aws.iam.RolePolicyAttachment(
                f"{name}-backup-role-{suffix}", role=role.name, policy_arn=policy_arn, opts=child
            )
        aws.backup.Selection(
            f"{name}-selection",
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=[args.table_arn],
            opts=child,
        )
        self.plan_id = plan.id
        self.vault_name = vault.name
        self.vault_arn = vault.arn
        self.register_outputs(
            {"plan_id": self.plan_id, "vault_name": self.vault_name, "vault_arn": self.vault_arn}
        )
