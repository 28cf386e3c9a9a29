"""The DynamoDB table of dates of birth."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from chalicelib.contract import BILLING_MODE, PARTITION_KEY, PARTITION_KEY_TYPE


@dataclass
class BirthdayTableArgs:
    # On in prod: DynamoDB refuses DeleteTable, and Pulumi neither deletes nor replaces it.
    deletion_protection: bool
    # How far back point-in-time recovery reaches (DynamoDB: 1 to 35 days).
    pitr_recovery_days: int = 35


class BirthdayTable(pulumi.ComponentResource):
    name: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: BirthdayTableArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:BirthdayTable", name, None, opts)
        protected = args.deletion_protection
        table = aws.dynamodb.Table(
            f"{name}-table",
            billing_mode=BILLING_MODE,
            hash_key=PARTITION_KEY,
            attributes=[{"name": PARTITION_KEY, "type": PARTITION_KEY_TYPE}],
            point_in_time_recovery={
                "enabled": True,
                "recovery_period_in_days": args.pitr_recovery_days,
            },
            server_side_encryption={"enabled": True},
            deletion_protection_enabled=protected,
            opts=pulumi.ResourceOptions(parent=self, protect=protected, retain_on_delete=protected),
        )
        self.name = table.name
        self.arn = table.arn
        self.register_outputs({"name": self.name, "arn": self.arn})
