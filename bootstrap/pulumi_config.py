"""The bootstrap stack's settings read from Pulumi config: the only code of the bootstrap that
reads it. A setting that breaks bootstrap/config.py's rules is refused as `pulumi up` prints a
program's refusal (hello_stack/pulumi_config.py's pulumi.RunError), the key named."""

from __future__ import annotations

import pulumi

from bootstrap.config import DEFAULT_STAGES, NAMESPACE, BootstrapConfig
from hello_stack.pulumi_config import refused_as_run_error


def load() -> BootstrapConfig:
    config = pulumi.Config(NAMESPACE)
    stages = config.get_object("stages")
    managed = config.get_bool("manageApiGatewayAccount")
    github_wide = config.get_bool("manageGithubRepository")
    with refused_as_run_error():
        return BootstrapConfig(
            region=pulumi.Config("aws").require("region"),
            github_repository=config.require("githubRepository"),
            security_email=config.require("securityEmail"),
            stages=tuple(stages) if stages is not None else DEFAULT_STAGES,
            github_oidc_provider_arn=config.get("githubOidcProviderArn"),
            manage_api_gateway_account=True if managed is None else managed,
            state_bucket=config.get("stateBucket"),
            state_kms_key_arn=config.get("stateKmsKeyArn"),
            access_analyzer_name=config.get("accessAnalyzerName"),
            manage_github_repository=True if github_wide is None else github_wide,
        )
