"""Names the bootstrap stack and the stage stacks agree on: neither reads the other's state, so
the names they share are written here once.

Every resource of a stage stack is named from `stage_prefix(stage)` (Pulumi's physical names
start with the logical name), which is what the stage's deploy role may manage in IAM. The CI
roles and the boundary live in the bootstrap stack, outside every stage's prefix.
"""

from __future__ import annotations

PROJECT = "hello"
CI_ROLE_PREFIX = f"{PROJECT}-ci-"
# The GitHub environment only the drift workflow runs in; its roles trust nothing else.
DRIFT_ENVIRONMENT = "drift"
# The branch dev deploys from and drift checks; the release tags prod deploys from (only
# maintainers may create them: the bootstrap's tag ruleset).
MAIN_BRANCH = "main"
RELEASE_TAGS = "v*"
MAIN_STAGE = "dev"  # the stage every push to main deploys (deploy.yml); the others: releases
# The workflow each CI role serves (.github/workflows/): its trust names the file and the ref.
WORKFLOWS = {"deploy": "deploy.yml", "preview": "preview.yml", "drift": "drift.yml"}
# The tag every stage resource carries (the stage stacks' provider default tags): where an ARN
# holds a random id, the deploy role reaches a resource only by this tag's value.
STAGE_TAG = "stage"


def stack_name(stage: str) -> str:
    """The name every resource of the stage's stack starts with."""
    return f"{PROJECT}-{stage}"


def log_metric_namespace(stage: str) -> str:
    """The CloudWatch namespace of the stage's metrics counted from logs: a metric is keyed by
    namespace, name and dimensions, and a metric filter's dimensions must be fields of the log
    line, so the namespace is what keeps two stages of one account apart."""
    return f"{PROJECT}/{stage}"


def restore_testing_plan_name(stage: str) -> str:
    """AWS Backup's restore testing plan of the stage: letters, digits and underscores only
    (CreateRestoreTestingPlan), so the stack's hyphenated name with underscores."""
    return f"{stack_name(stage).replace('-', '_')}_restore_test"


def stage_prefix(stage: str) -> str:
    return f"{stack_name(stage)}-"


def boundary_policy_name(stage: str) -> str:
    """The permissions boundary of every role the stage's stack creates (a fixed name: the stage
    stack computes its ARN from it)."""
    return f"{PROJECT}-boundary-{stage}"


def ci_role_name(stage: str, purpose: str) -> str:
    """A CI role's logical name: `hello-ci-<stage>-<deploy|preview|drift>`."""
    return f"{CI_ROLE_PREFIX}{stage}-{purpose}"


def github_variable(stage: str, purpose: str) -> str:
    """The GitHub Actions variable holding a CI role's ARN, e.g. PROD_DEPLOY_ROLE_ARN: the
    bootstrap stack exports each role under this name, and the workflows read it."""
    return f"{stage.upper()}_{purpose.upper()}_ROLE_ARN"


def regional_name(name: str, region: str, primary: str | None = None) -> str:
    """`name` for the primary region (the URNs a one-region stack holds), `name-<region>` for
    every other: a region's resources start with the stage's name, and no two regions' collide."""
    return name if region == primary else f"{name}-{region}"
