"""IAM Access Analyzer for the account, with its findings sent to a topic someone reads.

IAM cannot limit the trust policy a role's creator writes: a stage's deploy role may create
`hello-<stage>-*` roles (boundary-capped) that trust anyone. The account's external access
analyzer reports every role, key, bucket or table that an outside principal can reach; EventBridge
sends each active finding to this component's topic, and the topic to its subscriber.

The CI roles are meant to be reached from outside, by GitHub's OIDC provider: an archive rule
archives exactly those findings (each CI role, that provider), so every active finding is news.
https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-filter-keys.html
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam import POLICY_VERSION

# The event AWS sends for each new or changed finding of an external access analyzer.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-eventbridge.html
FINDING_EVENT = {
    "source": ["aws.access-analyzer"],
    "detail-type": ["Access Analyzer Finding"],
    "detail": {"status": ["ACTIVE"]},
}
# An archive rule's `eq` holds at most 20 values (Criterion, IAM Access Analyzer API reference).
MAX_EQ_VALUES = 20


@dataclass
class AccessFindingsArgs:
    # Who reads the findings: an e-mail address (it must confirm the subscription).
    subscriber_email: str
    # The roles GitHub's OIDC provider is meant to reach, and that provider.
    federated_roles: Sequence[pulumi.Input[str]]
    oidc_provider_arn: pulumi.Input[str]
    # An analyzer the account already has (one per account and region): used, not created.
    existing_analyzer: str | None = None


class AccessFindings(pulumi.ComponentResource):
    analyzer_name: pulumi.Output[str]
    topic_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: AccessFindingsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:AccessFindings", name, None, opts)
        if len(args.federated_roles) > MAX_EQ_VALUES:
            raise ValueError(f"an archive rule matches at most {MAX_EQ_VALUES} roles")
        child = pulumi.ResourceOptions(parent=self)
        if args.existing_analyzer:
            analyzer_name: pulumi.Input[str] = args.existing_analyzer
        else:
            analyzer_name = aws.accessanalyzer.Analyzer(
                f"{name}-analyzer",
                analyzer_name=f"{name}-analyzer",
                type="ACCOUNT",
                opts=child,
            ).analyzer_name
        aws.accessanalyzer.ArchiveRule(
            f"{name}-github-ci-roles",
            analyzer_name=analyzer_name,
            rule_name="github-federated-ci-roles",
            filters=[
                {"criteria": "resource", "eqs": list(args.federated_roles)},
                {"criteria": "principal.Federated", "eqs": [args.oidc_provider_arn]},
            ],
            opts=child,
        )
        topic = aws.sns.Topic(f"{name}-topic", opts=child)
        rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            description="Active IAM Access Analyzer findings",
            event_pattern=json.dumps(FINDING_EVENT),
            opts=child,
        )
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, rule.arn).apply(
                lambda arns: json.dumps(
                    {
                        "Version": POLICY_VERSION,
                        "Statement": [
                            {
                                "Sid": "OnlyThisRulePublishes",
                                "Effect": "Allow",
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Action": "sns:Publish",
                                "Resource": arns[0],
                                "Condition": {"ArnEquals": {"aws:SourceArn": arns[1]}},
                            }
                        ],
                    }
                )
            ),
            opts=child,
        )
        aws.cloudwatch.EventTarget(f"{name}-target", rule=rule.name, arn=topic.arn, opts=child)
        aws.sns.TopicSubscription(
            f"{name}-email",
            topic=topic.arn,
            protocol="email",
            endpoint=args.subscriber_email,
            opts=child,
        )
        self.analyzer_name = pulumi.Output.from_input(analyzer_name)
        self.topic_arn = topic.arn
        self.register_outputs({"analyzer_name": self.analyzer_name, "topic_arn": self.topic_arn})
