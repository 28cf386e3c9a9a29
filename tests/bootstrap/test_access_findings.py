"""IAM Access Analyzer in the bootstrap stack: every role, key or table an outside principal can
reach is a finding that reaches the bootstrap's own topic and its subscriber, except the CI
roles' trust of GitHub's OIDC provider, which is archived. No CI role can silence it."""

from __future__ import annotations

import json
import subprocess
import sys

from hello_stack import naming
from testing.evaluate_stack import ACCOUNT
from tests.bootstrap.conftest import (
    BOOTSTRAP_STACK,
    DENIED,
    evaluate_bootstrap,
    role_principal,
    simulate,
)
from tests.conftest import ROOT
from tests.infra.conftest import Stack

ANALYZER = "aws:accessanalyzer/analyzer:Analyzer"
ARCHIVE_RULE = "aws:accessanalyzer/archiveRule:ArchiveRule"


def ci_role_arns(stack: Stack) -> set[str]:
    return {
        stack.outputs[naming.github_variable(stage, purpose)]
        for stage in ("dev", "prod")
        for purpose in ("deploy", "preview", "drift")
    }


def test_an_external_access_analyzer_archives_only_the_ci_roles_trust_of_github(
    bootstrap: Stack,
) -> None:
    analyzer = bootstrap.state(ANALYZER)
    assert analyzer["type"] == "ACCOUNT"  # external access, this account as the zone of trust
    rule = bootstrap.state(ARCHIVE_RULE)
    assert rule["analyzerName"] == analyzer["analyzerName"]
    filters = {f["criteria"]: f for f in rule["filters"]}
    assert set(filters) == {"resource", "principal.Federated"}  # both must match to archive
    assert set(filters["resource"]["eqs"]) == ci_role_arns(bootstrap)
    assert len(filters["resource"]["eqs"]) == 6
    assert filters["principal.Federated"]["eqs"] == [bootstrap.outputs["github_oidc_provider_arn"]]


def test_each_active_finding_reaches_the_topic_and_its_subscriber(bootstrap: Stack) -> None:
    rule = bootstrap.state("aws:cloudwatch/eventRule:EventRule")
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-eventbridge.html
    assert json.loads(rule["eventPattern"]) == {
        "source": ["aws.access-analyzer"],
        "detail-type": ["Access Analyzer Finding"],
        "detail": {"status": ["ACTIVE"]},
    }
    topic = bootstrap.state("aws:sns/topic:Topic")
    assert topic["arn"] == bootstrap.outputs["access_findings_topic_arn"]
    target = bootstrap.state("aws:cloudwatch/eventTarget:EventTarget")
    assert (target["rule"], target["arn"]) == (rule["name"], topic["arn"])
    (statement,) = json.loads(bootstrap.state("aws:sns/topicPolicy:TopicPolicy")["policy"])[
        "Statement"
    ]
    assert statement == {
        "Sid": "OnlyThisRulePublishes",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": topic["arn"],
        "Condition": {"ArnEquals": {"aws:SourceArn": rule["arn"]}},
    }
    subscription = bootstrap.state("aws:sns/topicSubscription:TopicSubscription")
    assert subscription["topic"] == topic["arn"]
    assert subscription["protocol"] == "email"
    assert subscription["endpoint"] == bootstrap.config["hello-bootstrap:securityEmail"]


def test_an_analyzer_the_account_has_is_used_not_duplicated() -> None:
    stack = evaluate_bootstrap({"hello-bootstrap:accessAnalyzerName": "org-analyzer"})
    assert stack.all(ANALYZER) == []
    assert stack.state(ARCHIVE_RULE)["analyzerName"] == "org-analyzer"


def failed_bootstrap(overrides: dict[str, str]) -> str:
    command = [sys.executable, "-m", "testing.evaluate_bootstrap", BOOTSTRAP_STACK]
    result = subprocess.run(
        [*command, json.dumps(overrides)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    return result.stderr


def test_a_bad_subscriber_is_refused_naming_the_key() -> None:
    error = failed_bootstrap({"hello-bootstrap:securityEmail": "security-team"})
    assert "hello-bootstrap:securityEmail must be an e-mail address" in error


def test_no_deploy_role_can_silence_the_findings(bootstrap: Stack) -> None:
    topic = bootstrap.state("aws:sns/topic:Topic")["arn"]
    rule_name = bootstrap.state("aws:cloudwatch/eventRule:EventRule")["name"]
    rule = f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/{rule_name}"
    analyzer = (
        f"arn:aws:access-analyzer:eu-west-1:{ACCOUNT}:analyzer/"
        f"{bootstrap.state(ANALYZER)['analyzerName']}"
    )
    for stage in ("dev", "prod"):
        role = bootstrap.one_named("aws:iam/role:Role", naming.ci_role_name(stage, "deploy"))
        requests = [
            ("sns:DeleteTopic", topic, {}),
            ("sns:SetTopicAttributes", topic, {}),
            ("sns:Unsubscribe", "*", {}),
            ("events:DeleteRule", rule, {}),
            ("events:RemoveTargets", rule, {}),
            ("events:DisableRule", rule, {}),
            ("access-analyzer:DeleteAnalyzer", analyzer, {}),
            ("access-analyzer:CreateArchiveRule", f"{analyzer}/archive-rule/all", {}),
            ("access-analyzer:UpdateArchiveRule", f"{analyzer}/archive-rule/all", {}),
        ]
        assert simulate(role_principal(bootstrap, role), requests) == [DENIED] * len(requests)
