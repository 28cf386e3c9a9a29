"""The failover drill on AWS: an AWS FIS experiment that cuts one region's replica off from the
other regions of the MRSC table, as a regional outage of DynamoDB would.

DynamoDB global tables (MREC and MRSC) integrate with FIS: the action pauses replication to and
from the chosen replica, i.e. isolates its region (https://docs.aws.amazon.com/amazondynamodb/
latest/developerguide/globaltables-CoreConcepts.html, "Fault injection testing"; the action:
https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html#dynamodb-actions-reference).
An isolated MRSC replica cannot reach a quorum: its strongly consistent reads and its writes
fail, so the region's health route answers 503, Route 53 stops answering with that region, and
CloudFront's requests, writes included, go to the other region. The experiment ends by itself
after `duration`; replication then resumes and the region's health check passes again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam import policy_document, service_role

PAUSE_REPLICATION = "aws:dynamodb:global-table-pause-replication"
TARGET_TYPE = "aws:dynamodb:global-table"
# What the action does to the replica, per the FIS actions reference: it puts (and then
# deletes) a resource policy denying the replication service's access to the replica.
ACTION_PERMISSIONS = [
    "dynamodb:PutResourcePolicy",
    "dynamodb:DeleteResourcePolicy",
    "dynamodb:GetResourcePolicy",
    "dynamodb:DescribeTable",
]
# What the action needs beyond the replica: on an MRSC table FIS injects the isolation's errors
# (dynamodb:InjectError, which has no resource type), and it resolves targets through the tagging
# API. AWS's "Cross-Region: Connectivity" scenario grants both on "*"
# (https://docs.aws.amazon.com/fis/latest/userguide/cross-region-scenario.html, "Permissions").
INJECT_ERROR = "dynamodb:InjectError"
UNSCOPED_PERMISSIONS = [INJECT_ERROR, "tag:GetResources"]
# Long enough for Route 53 to fail over and the drill to watch writes succeed in the other
# region (docs/failover.md), short enough that replication catches up quickly.
DURATION = "PT10M"
FIS_SERVICE = "fis.amazonaws.com"


@dataclass
class RegionDrillArgs:
    replica_arn: pulumi.Input[str]  # the replica to isolate (in the experiment's region)
    region: str
    duration: str = DURATION
    permissions_boundary: pulumi.Input[str] | None = None


class RegionDrill(pulumi.ComponentResource):
    template_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: RegionDrillArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:RegionDrill", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = service_role(f"{name}-drill", FIS_SERVICE, args.permissions_boundary, child)
        aws.iam.RolePolicy(
            f"{name}-drill",
            role=role.id,
            policy=policy_document(
                {"Effect": "Allow", "Action": ACTION_PERMISSIONS, "Resource": args.replica_arn},
                {"Effect": "Allow", "Action": UNSCOPED_PERMISSIONS, "Resource": "*"},
            ),
            opts=child,
        )
        template = aws.fis.ExperimentTemplate(
            f"{name}-drill",
            description=f"{name}: isolate the {args.region} replica (region failover drill)",
            role_arn=role.arn,
            # No stop condition: the pause ends after `duration`; `aws fis stop-experiment`
            # ends it sooner (docs/failover.md, "Fail back").
            stop_conditions=[{"source": "none"}],
            targets=[
                {
                    "name": "replica",
                    "resource_type": TARGET_TYPE,
                    "resource_arns": [args.replica_arn],
                    "selection_mode": "ALL",
                }
            ],
            actions=[
                {
                    "name": "isolate-region",
                    "action_id": PAUSE_REPLICATION,
                    "parameters": [{"key": "duration", "value": args.duration}],
                    "target": {"key": "Tables", "value": "replica"},
                }
            ],
            tags={"Name": f"{name}-drill"},
            opts=child,
        )
        self.template_id = template.id
        self.register_outputs({"template_id": self.template_id})
