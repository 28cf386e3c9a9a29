"""The bootstrap stack's settings (bootstrap/Pulumi.<stack>.yaml): their defaults and rules.

One bootstrap stack per AWS account: it holds what the workflows depend on and no workflow may
change. With dev and prod in one account, one stack lists both stages; in two accounts, each
account's bootstrap stack lists its own. Like hello_stack/config.py, this module imports no
Pulumi: bootstrap/pulumi_config.py reads the settings from Pulumi config.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hello_stack.config import ConfigError

NAMESPACE = "hello-bootstrap"  # the bootstrap project's name, Pulumi's config namespace
DEFAULT_STAGES = ("dev", "prod")


@dataclass(frozen=True)
class BootstrapConfig:
    region: str
    # owner/name: the only repository whose workflows may assume the CI roles.
    github_repository: str
    # Who reads IAM Access Analyzer's findings (bootstrap/access_findings.py): an e-mail address.
    security_email: str
    # The stage stacks whose CI roles and boundaries this account holds.
    stages: tuple[str, ...] = DEFAULT_STAGES
    # The account's GitHub OIDC provider when one exists already (there is one per account).
    github_oidc_provider_arn: str | None = None
    # API Gateway's CloudWatch role is one setting per account and region: held here.
    manage_api_gateway_account: bool = True
    # A self-managed backend: the state bucket and the KMS key of the secrets provider.
    state_bucket: str | None = None
    state_kms_key_arn: str | None = None
    # The account's external access analyzer, when it has one (one per account and region).
    access_analyzer_name: str | None = None
    # The repository-wide GitHub settings (subject claim, tag ruleset): one stack per repository.
    manage_github_repository: bool = True

    def __post_init__(self) -> None:
        problems = []
        if not re.fullmatch(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+", self.github_repository):
            problems.append(f"{NAMESPACE}:githubRepository must be like owner/repo")
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", self.security_email):
            problems.append(f"{NAMESPACE}:securityEmail must be an e-mail address")
        if not self.stages or not all(re.fullmatch(r"[a-z0-9]+", s) for s in self.stages):
            problems.append(f"{NAMESPACE}:stages must be a list of lower-case stage names")
        if problems:
            raise ConfigError("invalid bootstrap config:\n  " + "\n  ".join(problems))
