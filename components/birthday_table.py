"""The DynamoDB table of dates of birth: in one region, or one multi-Region strongly consistent
(MRSC) global table whose replicas each region reads and writes.

MRSC (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/
V2globaltables_HowItWorks.html): a write returns once a second region has it, and a strongly
consistent read in any replica sees it. Three regions of one MRSC set: the table's own, one
replica and a witness (which stores no items). PITR and deletion protection are set per replica.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from chalicelib.contract import BILLING_MODE, PARTITION_KEY, PARTITION_KEY_TYPE


@dataclass
class BirthdayTableArgs:
    # On in prod: DynamoDB refuses DeleteTable, and Pulumi neither deletes nor replaces it.
    deletion_protection: bool
    # How far back point-in-time recovery reaches (DynamoDB: 1 to 35 days).
    pitr_recovery_days: int = 35
    # The other regions holding a strongly consistent replica (empty: a one-region table).
    replica_regions: list[str] = field(default_factory=list)
    # MRSC's third region with two replicas: votes on writes, holds no items.
    witness_region: str | None = None


# MRSC's consistency mode, as DynamoDB's UpdateTable names it.
STRONG = "STRONG"


class BirthdayTable(pulumi.ComponentResource):
    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    # {replica region: that replica's ARN}; the table's own region's is `arn`.
    replica_arns: dict[str, pulumi.Output[str | None]]

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
            # None for a one-region table: the arguments are then absent, as before MRSC.
            replicas=replicas(args) or None,
            global_table_witness=witness(args),
            opts=pulumi.ResourceOptions(parent=self, protect=protected, retain_on_delete=protected),
        )
        self.name = table.name
        self.arn = table.arn
        # A replica has the table's name and account in its own region.
        self.replica_arns = {
            region: table.arn.apply(lambda arn, region=region: in_region(arn, region))
            for region in args.replica_regions
        }
        self.register_outputs({"name": self.name, "arn": self.arn})


def replicas(args: BirthdayTableArgs) -> list[aws.dynamodb.TableReplicaArgsDict]:
    """The MRSC replicas besides the table's own region (none for a one-region table)."""
    return [
        {
            "region_name": region,
            "consistency_mode": STRONG,
            "point_in_time_recovery": True,
            "deletion_protection_enabled": args.deletion_protection,
            "propagate_tags": True,
        }
        for region in args.replica_regions
    ]


def witness(args: BirthdayTableArgs) -> aws.dynamodb.TableGlobalTableWitnessArgsDict | None:
    """The MRSC witness region, which holds no items and serves nothing."""
    return {"region_name": args.witness_region} if args.witness_region else None


def in_region(arn: str | None, region: str) -> str | None:
    """The same table's ARN in another region: arn:aws:dynamodb:REGION:ACCOUNT:table/NAME
    (None while the table's ARN is unknown, as under mocks that return only inputs)."""
    if arn is None:
        return None
    parts = arn.split(":")
    parts[3] = region
    return ":".join(parts)
